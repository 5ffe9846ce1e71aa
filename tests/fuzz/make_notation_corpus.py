#!/usr/bin/env python3
"""Writes the seed corpus of the lineage notation fuzz target
(tests/fuzz/fuzz_notation.c) to tests/fuzz/corpus/notation/: every
construct of the notation, every error the parser names, deep chains, long
names, many properties, odd bytes (NUL, invalid UTF-8, CR, tabs), huge
numbers and string escapes; each at most 4096 bytes (FUZZ_MAXLEN_notation).
Run it from the repository root; it rewrites only the files it names
(crash inputs kept there stay)."""
import os

OUT = "tests/fuzz/corpus/notation"
MAX = 4096

SEEDS = {
    # constructs
    "chain": b"raw:DataSet -> (clean:Transform) -> train:DataSet -> (fit:Trainer COMPLETE) -> model:Model\n",
    "states": b"".join(b"(e%d:E %s)\n" % (i, s) for i, s in enumerate(
        [b"UNKNOWN", b"NEW", b"RUNNING", b"COMPLETE", b"FAILED", b"CACHED", b"CANCELED"])),
    "reuse": b"# comment\n\nraw:D -> (clean:T RUNNING)   # trailing\r\nraw -> (o:T); (clean) -> out:Data/Set.v-1\n"
             b"out -> (fit:Tr) ; raw -> (clean)\ncontext run1:P = raw, (clean), extra:N, (fit), raw\n"
             b"context run1 = out\ncontext empty:P =\ncontext:Thing\n",
    "props": b"d:DataSet {n=42, neg=-9223372036854775808, x=2.5, e=-1e3, s='it\\'s a \\\\ path', "
             b"u='\xc3\xa9t\xc3\xa9', t=true, f=false, empty=''} -> (run:Step COMPLETE) {k=1, more=+7}\n"
             b"context c:Ctx {owner='ml'} = d\n",
    "context_exec_first": b"context c:C = (e:E), a:A\na -> (e)\n",
    "same_edge_twice": b"a:A -> (e:E)\na -> (e)\na -> (e) -> b:B; (e) -> b\n",
    "tabs_cr": b"a:A\t->\t(e:E)\r\n(e)\t->\tb:B\r\n\r\n",
    "semicolons": b";;a:A;;(e:E);a->(e);;\n;",
    "props_second_mention": b"a:A\na {x=1}\na {x=1, y='b'}\n",
    "numbers": b"a:A {a=0, b=-0, c=-0.0, d=1e308, e=4.9e-324, f=1e-400, g=0.1, h=123456789012345678, "
               b"i=9223372036854775807, j=-9223372036854775808, k=1.7976931348623157e308, l=.5, m=5., n=+0}\n",
    "escapes": b"a:A {s='\\'', t='\\\\', u='\\\\\\'', v='a#b', w='x;y->z', x='{}', y='\t'}\n",
    "empty": b"",
    "only_comment": b"# nothing\n",
    "utf8": b"a:A {s='\xe2\x82\xac \xf0\x9f\x98\x80 \xc3\xa9'}\n",
    # errors
    "err_art_art": b"a:A -> b:B",
    "err_exe_exe": b"(a:A) -> (b:B)",
    "err_kind": b"a:A -> (e:E)\nb:B -> (a)",
    "err_type": b"a:A\na:B",
    "err_new": b"raw -> (e:E)",
    "err_state": b"(e:E FINISHED)",
    "err_state_twice": b"(e:E COMPLETE)\n(e FAILED)",
    "err_two_nodes": b"a:A b:B",
    "err_dangling": b"a:A ->",
    "err_dangling_nl": b"a:A ->\n(e:E)",
    "err_no_type": b"a:",
    "err_paren": b"(e:E",
    "err_paren2": b"(e",
    "err_slash": b"a/b:A",
    "err_props_open": b"a:A {n=1",
    "err_props_eq": b"a:A {n}",
    "err_props_twice": b"a:A {n=1, n=2}",
    "err_value": b"a:A {n=x}",
    "err_int_range": b"a:A {n=9223372036854775808}",
    "err_int_range_neg": b"a:A {n=-9223372036854775809}",
    "err_double_range": b"a:A {n=1e400}",
    "err_double_range_neg": b"a:A {n=-1e400}",
    "err_nan": b"a:A {n=NaN}",
    "err_nan2": b"a:A {n=nan, m=inf, o=-Infinity}",
    "err_hex": b"a:A {n=0x10}",
    "err_malformed": b"a:A {n=12abc}",
    "err_unterminated": b"a:A {s='abc}",
    "err_unterminated_nl": b"a:A {s='abc\n'}",
    "err_escape": b"a:A {s='a\\nb'}",
    "err_escape_end": b"a:A {s='a\\",
    "err_utf8": b"a:A {s='\xff'}",
    "err_utf8_name": b"a\xc3:A",
    "err_utf8_overlong": b"a:A {s='\xc0\xaf'}",
    "err_utf8_surrogate": b"a:A {s='\xed\xa0\x80'}",
    "err_prop_other_value": b"a:A {n=1}\na {n=2}",
    "err_at": b"a:A @",
    "err_ctrl": b"a:A\n  \x01",
    "err_nul": b"a:A\x00 -> (e:E)",
    "err_nul_string": b"a:A {s='\x00'}",
    "err_ctx_eq": b"context c:C a",
    "err_ctx_comma": b"context c:C = a:A,",
    "err_ctx_as_exe": b"context c:C = a:A\na -> (c)",
    "err_ctx_as_art": b"context c:C = a:A\ncontext d:C = c",
    "err_art_as_ctx": b"a:A\ncontext a:C = ",
    "err_cr_only": b"a:A\r(e:E)",
    "err_long_token": b"a:A -> b_" + b"0123456789" * 20 + b":B",
}

# deep chains, long names, many properties, many contexts (within MAX)
chain = b"a0:A"
i = 0
while len(chain) < MAX - 40:
    i += 1
    chain += (b" -> (e%d:E)" if i % 2 else b" -> a%d:A") % i
SEEDS["long_chain"] = chain + b"\n"
SEEDS["long_names"] = (b"a" * 1500 + b":" + b"T" * 500 + b" -> (" + b"e" * 1000 + b":E)\n")
SEEDS["long_string"] = b"a:A {s='" + b"x\\'" * 1000 + b"'}\n"
SEEDS["many_props"] = b"a:A {" + b", ".join(b"p%d=%d" % (k, k) for k in range(300)) + b"}\n"
SEEDS["many_lines"] = b"".join(b"n%d:A -> (x%d:E)\n" % (k, k % 7) for k in range(200))
SEEDS["big_context"] = (b"".join(b"n%d:A\n" % k for k in range(150)) + b"context c:C = " +
                        b", ".join(b"n%d" % k for k in range(150)) + b"\n")
SEEDS["nested_parens"] = b"(" * 2000
SEEDS["nested_braces"] = b"a:A {" + b"{" * 2000
SEEDS["many_arrows"] = b"a:A " + b"-> " * 1000

os.makedirs(OUT, exist_ok=True)
for name, data in sorted(SEEDS.items()):
    assert len(data) <= MAX, name
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
