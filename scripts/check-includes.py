#!/usr/bin/python3
"""Builds the folder-level include graph of lib/ and fails on a cycle.

Each file lib/FOLDER/x.{c,h} belongs to FOLDER; lib/x.h files belong to the
folder "lib". An #include "..." is resolved as the compiler does (next to the
file, then lib/, then include/); one that lands in another folder of lib/ is
an edge FOLDER -> OTHER. Public headers (include/) are no folder of lib/.
A cycle is printed as a -> b -> ... -> a with the #include lines that make
each step, and the script exits 1. With --graph it prints every edge.

Each folder also keeps a rule (RULES below, the same table as
docs/architecture.md): the folders of lib/ it may include, and for some the
public headers it may not. An edge outside its folder's rule, a forbidden
public header, or a folder with no rule fails the check with the lines.
"""

import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
LIB = os.path.normpath(os.path.join(ROOT, 'lib'))
INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
PUB = re.compile(r'^\s*#\s*include\s+[<"](mlmd(?:\.h|/[^">]+))[">]', re.M)

# folder -> (folders of lib/ it may include, public headers it may not include)
# Keep in step with the table in docs/architecture.md.
PROTOBUF_API = ('mlmd.h', 'mlmd/metadata.h', 'mlmd/store.h', 'mlmd/rpc_list.h')
RULES = {
    'util': ((), ()),
    'sql': (('util',), ()),
    'backend': (('util',), ()),
    'schema': (('sql', 'util'), ()),
    'query': (('sql', 'util'), ()),
    'store': (('backend', 'query', 'schema', 'sql', 'util'), ()),
    'scorer': (('util',), PROTOBUF_API + ('mlmd/serving.h', 'mlmd/render.h')),
    'serving': (('util',), ()),
    'render': (('util',), ()),
    'tracking': (('util',), ()),
    'testing': (('util',), ()),
    'sqlext': (('util',), ()),
    'governance': (('util',), ()),
    'monitor': (('util',), PROTOBUF_API + ('mlmd/serving.h', 'mlmd/render.h')),
    'openlineage': (('util',), ()),
}


def folder_of(path):
  rel = os.path.relpath(path, LIB)
  parts = rel.split(os.sep)
  return 'lib' if len(parts) == 1 else parts[0]


def resolve(src, name):
  for base in (os.path.dirname(src), LIB, os.path.join(ROOT, 'include')):
    p = os.path.normpath(os.path.join(base, name))
    if os.path.isfile(p):
      return p
  return None


def graph():
  edges = {}
  for dirpath, _, files in os.walk(LIB):
    for f in sorted(files):
      if not f.endswith(('.c', '.h')):
        continue
      src = os.path.join(dirpath, f)
      with open(src, encoding='utf-8') as fh:
        text = fh.read()
      for name in INC.findall(text):
        dst = resolve(src, name)
        if not dst or not dst.startswith(LIB + os.sep):
          continue
        a, b = folder_of(src), folder_of(dst)
        if a != b:
          edges.setdefault(a, {}).setdefault(b, []).append(
              f'{os.path.relpath(src, ROOT)}: #include "{name}"')
  return edges


def public_includes():
  """(folder, header, 'file: #include line') for every public header a file of lib/ includes."""
  out = []
  for dirpath, _, files in os.walk(LIB):
    for f in sorted(files):
      if f.endswith(('.c', '.h')):
        src = os.path.join(dirpath, f)
        with open(src, encoding='utf-8') as fh:
          for name in PUB.findall(fh.read()):
            out.append((folder_of(src), name, f'{os.path.relpath(src, ROOT)}: #include {name}'))
  return out


def rule_breaks(edges):
  bad = []
  folders = {*edges, *(b for e in edges.values() for b in e)}
  for dirpath, dirs, _ in os.walk(LIB):
    folders.update(dirs)
    break
  for f in sorted(folders):
    if f not in RULES:
      bad.append(f'lib/{f}/ has no rule: add it to RULES in scripts/check-includes.py and to docs/architecture.md')
  for a in sorted(edges):
    allowed = RULES.get(a, ((), ()))[0]
    for b in sorted(edges[a]):
      if b not in allowed:
        bad.append(f'lib/{a}/ may not include lib/{b}/ (it may include: {", ".join(allowed) or "no other folder"}):')
        bad.extend(f'    {line}' for line in edges[a][b][:5])
  for folder, name, line in public_includes():
    if name in RULES.get(folder, ((), ()))[1]:
      bad.append(f'lib/{folder}/ may not include the public {name}:')
      bad.append(f'    {line}')
  return bad


def find_cycle(edges):
  state, stack = {}, []

  def visit(n):
    state[n] = 1
    stack.append(n)
    for m in sorted(edges.get(n, {})):
      if state.get(m) == 1:
        return stack[stack.index(m):] + [m]
      if not state.get(m):
        c = visit(m)
        if c:
          return c
    stack.pop()
    state[n] = 2
    return None

  for n in sorted(edges):
    if not state.get(n):
      c = visit(n)
      if c:
        return c
  return None


def main():
  edges = graph()
  if '--graph' in sys.argv:
    for a in sorted(edges):
      for b in sorted(edges[a]):
        print(f'{a} -> {b}  ({len(edges[a][b])} includes)')
  cycle = find_cycle(edges)
  if cycle:
    print('include cycle between folders of lib/: ' + ' -> '.join(cycle))
    for a, b in zip(cycle, cycle[1:]):
      print(f'  {a} -> {b}:')
      for line in edges[a][b][:5]:
        print(f'    {line}')
    return 1
  bad = rule_breaks(edges)
  if bad:
    print('includes: a folder of lib/ breaks its rule')
    for line in bad:
      print(line)
    return 1
  print(f'includes: every folder keeps its rule; no cycle between the {len({*edges, *(b for e in edges.values() for b in e)})} folders of lib/')
  return 0


if __name__ == '__main__':
  sys.exit(main())
