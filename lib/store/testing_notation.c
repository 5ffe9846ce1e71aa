/*
 * store/testing_notation.c - the lineage notation parsed (docs/testing.md):
 * nodes, edges, properties and context lines, with errors naming the line
 * and column.
 *
 * A recursive-descent parser over the tokens of store/testing_lex.c.
 * Statements are separated by newlines or ';':
 *
 *   stmt    := chain | 'context' NAME [':' TYPE] [props] '=' [node (',' node)*]
 *   chain   := node ('->' node)*
 *   node    := NAME [':' TYPE] [props] | '(' NAME [':' TYPE] [STATE] ')' [props]
 *   props   := '{' [KEY '=' value (',' KEY '=' value)*] '}'
 *
 * Lookups of names and edges are linear scans: fixtures are small, and the
 * parse stays quadratic at worst in the number of nodes a text names.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "testing_lex.h"

/* Texts longer than this are refused before parsing (columns are ints). */
#define NOTATION_MAX_BYTES (16u << 20)

/* An open-addressing set of indices into the graph's nodes, edges or
 * members (slot: index + 1, 0 empty), so that finding a name, an edge or a
 * membership again costs the same however large the text (a text from the
 * network must not buy quadratic time). */
typedef struct iset {
	size_t *slot;
	size_t cap, n; /* cap a power of two, or 0 */
} iset;

typedef struct parser {
	lexer lx;
	tok t; /* the current token */
	mlmd__tgraph *g;
	iset names, edges, members;
} parser;

static size_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603u; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211u;
	return (size_t)(h ^ (h >> 29));
}

static size_t hash_pair(size_t a, size_t b)
{
	uint64_t h = (uint64_t)a * 0x9e3779b97f4a7c15u ^ ((uint64_t)b + 0x632be59bd9b4e019u) * 0xbf58476d1ce4e5b9u;
	return (size_t)(h ^ (h >> 31));
}

/* Makes room for one more entry, rehashing with `hash` (of an index). */
static int iset_reserve(iset *s, size_t (*hash)(const mlmd__tgraph *, size_t), const mlmd__tgraph *g)
{
	if ((s->n + 1) * 2 <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap * 2 : 64;
	if (cap > SIZE_MAX / sizeof *s->slot)
		return -MLMD_RESOURCE_EXHAUSTED;
	size_t *slot = calloc(cap, sizeof *slot);
	if (!slot)
		return MLMD_OOM();
	for (size_t i = 0; i < s->cap; i++)
		if (s->slot[i]) {
			size_t j = hash(g, s->slot[i] - 1) & (cap - 1);
			while (slot[j])
				j = (j + 1) & (cap - 1);
			slot[j] = s->slot[i];
		}
	free(s->slot);
	s->slot = slot;
	s->cap = cap;
	return 0;
}

static void iset_put(iset *s, size_t h, size_t idx)
{
	size_t j = h & (s->cap - 1);
	while (s->slot[j])
		j = (j + 1) & (s->cap - 1);
	s->slot[j] = idx + 1;
	s->n++;
}

static size_t node_hash(const mlmd__tgraph *g, size_t i)
{
	return hash_bytes(g->nodes[i].name, strlen(g->nodes[i].name));
}

static size_t edge_hash(const mlmd__tgraph *g, size_t i)
{
	return hash_pair(g->edges[i].from, g->edges[i].to);
}

static size_t member_hash(const mlmd__tgraph *g, size_t i)
{
	return hash_pair(g->members[i].context, g->members[i].node);
}

static bool edge_is(const mlmd__tgraph *g, size_t i, size_t from, size_t to)
{
	return g->edges[i].from == from && g->edges[i].to == to;
}

static bool member_is(const mlmd__tgraph *g, size_t i, size_t ctx, size_t node)
{
	return g->members[i].context == ctx && g->members[i].node == node;
}

/* Whether set (of edges or memberships, told apart by `is`) holds the pair
 * (a, b), whose hash is h. */
static bool iset_has_pair(const iset *s, size_t h, const mlmd__tgraph *g,
			  bool (*is)(const mlmd__tgraph *, size_t, size_t, size_t), size_t a, size_t b)
{
	for (size_t j = s->cap ? h & (s->cap - 1) : 0; s->cap && s->slot[j]; j = (j + 1) & (s->cap - 1))
		if (is(g, s->slot[j] - 1, a, b))
			return true;
	return false;
}

static const char *const state_names[] = {"UNKNOWN", "NEW",    "RUNNING", "COMPLETE",
					  "FAILED",  "CACHED", "CANCELED"};

const char *mlmd__tgraph_state_name(int state)
{
	if (state < 0 || state >= (int)(sizeof state_names / sizeof *state_names))
		return NULL;
	return state_names[state];
}

static void advance(parser *p)
{
	mlmd__tlex_next(&p->lx, &p->t);
}

/* The token after the current one, without moving. */
static void peek(parser *p, tok *t)
{
	lexer lx = p->lx;
	mlmd__tlex_next(&lx, t);
}

static int fail_here(parser *p, const char *what)
{
	return mlmd__tlex_fail(&p->t, what);
}

long mlmd__tgraph_find(const mlmd__tgraph *g, const char *name)
{
	for (size_t i = 0; i < g->n_nodes; i++)
		if (strcmp(g->nodes[i].name, name) == 0)
			return (long)i;
	return -1;
}

static long find_tok(const parser *p, const tok *t)
{
	const mlmd__tgraph *g = p->g;
	if (!p->names.cap)
		return -1;
	for (size_t j = hash_bytes(t->p, t->n) & (p->names.cap - 1); p->names.slot[j];
	     j = (j + 1) & (p->names.cap - 1)) {
		size_t i = p->names.slot[j] - 1;
		if (strlen(g->nodes[i].name) == t->n && memcmp(g->nodes[i].name, t->p, t->n) == 0)
			return (long)i;
	}
	return -1;
}

static const char *kind_word(mlmd_node_kind k)
{
	return k == MLMD_NODE_ARTIFACT ? "an artifact" : k == MLMD_NODE_EXECUTION ? "an execution" : "a context";
}

static void prop_clear(mlmd__tprop *pr)
{
	free(pr->key);
	free(pr->s);
}

static int prop_equal(const mlmd__tprop *a, const mlmd__tprop *b)
{
	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case MLMD__TVAL_INT: return a->i == b->i;
	case MLMD__TVAL_DOUBLE: return memcmp(&a->d, &b->d, sizeof a->d) == 0 || a->d == b->d;
	case MLMD__TVAL_STRING: return strcmp(a->s, b->s) == 0;
	case MLMD__TVAL_BOOL: return a->b == b->b;
	}
	return 0;
}

/* The value at the current token into pr (key already set). */
static int parse_value(parser *p, mlmd__tprop *pr)
{
	int rc = mlmd__tlex_value(&p->t, pr);
	if (rc)
		return rc;
	advance(p);
	return 0;
}

/* props := '{' [KEY '=' value (',' KEY '=' value)*] '}' at the current
 * token, into *props / *n (new arrays the caller frees). */
static int parse_props(parser *p, mlmd__tprop **props, size_t *n)
{
	advance(p); /* '{' */
	if (p->t.kind == T_RBRACE) {
		advance(p);
		return 0;
	}
	for (;;) {
		if (p->t.kind != T_NAME || memchr(p->t.p, '/', p->t.n))
			return fail_here(p, "expected a property name");
		tok key = p->t;
		for (size_t i = 0; i < *n; i++)
			if (strlen((*props)[i].key) == key.n && memcmp((*props)[i].key, key.p, key.n) == 0)
				return mlmd__tlex_fail(&key, "property given twice in one {...}");
		if (mlmd__grow((void **)props, *n, sizeof **props))
			return -MLMD_RESOURCE_EXHAUSTED;
		mlmd__tprop *pr = &(*props)[*n];
		memset(pr, 0, sizeof *pr);
		if (!(pr->key = mlmd__strndup(key.p, key.n)))
			return MLMD_OOM();
		(*n)++;
		advance(p);
		if (p->t.kind != T_EQ)
			return fail_here(p, "expected '=' after the property name");
		advance(p);
		int rc = parse_value(p, pr);
		if (rc)
			return rc;
		if (p->t.kind == T_RBRACE) {
			advance(p);
			return 0;
		}
		if (p->t.kind != T_COMMA)
			return fail_here(p, "expected ',' or '}' in properties");
		advance(p);
	}
}

static void props_free(mlmd__tprop *props, size_t n)
{
	for (size_t i = 0; i < n; i++)
		prop_clear(&props[i]);
	free(props);
}

/* Merges props (consumed) into node nd; a key it already has with another
 * value is an error at `at`. */
static int merge_props(mlmd__tnode *nd, mlmd__tprop *props, size_t n, const tok *at)
{
	int rc = 0;
	size_t i = 0;
	for (; i < n; i++) {
		size_t j = 0;
		while (j < nd->n_props && strcmp(nd->props[j].key, props[i].key) != 0)
			j++;
		if (j < nd->n_props) {
			if (!prop_equal(&nd->props[j], &props[i])) {
				char what[300];
				mlmd__snprintf(what, sizeof what, "'%s' already has property '%s' with another value",
					       nd->name, props[i].key);
				rc = mlmd__tlex_fail(at, what);
				break;
			}
			prop_clear(&props[i]);
			continue;
		}
		if (mlmd__grow((void **)&nd->props, nd->n_props, sizeof *nd->props)) {
			rc = -MLMD_RESOURCE_EXHAUSTED;
			break;
		}
		nd->props[nd->n_props++] = props[i];
	}
	for (; i < n; i++)
		prop_clear(&props[i]);
	free(props);
	return rc;
}

/*
 * Resolves a mention of a node: `name` (a T_NAME), `type` (NULL when not
 * given), `state` (-1 when not given), written as `syntax` (ARTIFACT for a
 * bare name, EXECUTION for a parenthesized one, CONTEXT after `context`).
 * A name seen before is that node (a bare name may refer to an execution);
 * a new one needs a type. Writes the node's index to *idx.
 */
static int resolve(parser *p, const tok *name, const tok *type, int state, const tok *state_tok,
		   mlmd_node_kind syntax, size_t *idx)
{
	mlmd__tgraph *g = p->g;
	char what[400];
	if (memchr(name->p, '/', name->n))
		return mlmd__tlex_fail(name, "a name may not contain '/' (only types may)");
	long at = find_tok(p, name);
	if (at >= 0) {
		mlmd__tnode *nd = &g->nodes[at];
		int kind_ok = nd->kind == syntax || (syntax == MLMD_NODE_ARTIFACT && nd->kind == MLMD_NODE_EXECUTION);
		if (!kind_ok) {
			mlmd__snprintf(what, sizeof what, "'%s' is %s (line %d, column %d), not %s", nd->name,
				       kind_word(nd->kind), nd->line, nd->column, kind_word(syntax));
			return mlmd__tlex_fail(name, what);
		}
		if (type && (strlen(nd->type) != type->n || memcmp(nd->type, type->p, type->n) != 0)) {
			mlmd__snprintf(what, sizeof what, "'%s' has type '%s' (line %d, column %d)", nd->name,
				       nd->type, nd->line, nd->column);
			return mlmd__tlex_fail(type, what);
		}
		if (state >= 0) {
			if (nd->has_state && nd->state != state) {
				mlmd__snprintf(what, sizeof what, "'%s' is already %s", nd->name,
					       state_names[nd->state]);
				return mlmd__tlex_fail(state_tok, what);
			}
			nd->has_state = 1;
			nd->state = state;
		}
		*idx = (size_t)at;
		return 0;
	}
	if (!type) {
		mlmd__snprintf(what, sizeof what, "'%.*s' is new and needs a type ('%.*s:Type')", (int)name->n,
			       name->p, (int)name->n, name->p);
		return mlmd__tlex_fail(name, what);
	}
	int rc = iset_reserve(&p->names, node_hash, g);
	if (rc)
		return rc;
	if (mlmd__grow((void **)&g->nodes, g->n_nodes, sizeof *g->nodes))
		return -MLMD_RESOURCE_EXHAUSTED;
	mlmd__tnode *nd = &g->nodes[g->n_nodes];
	memset(nd, 0, sizeof *nd);
	nd->kind = syntax;
	nd->line = name->line;
	nd->column = name->col;
	nd->name = mlmd__strndup(name->p, name->n);
	nd->type = mlmd__strndup(type->p, type->n);
	g->n_nodes++; /* counted now so that free releases what was set */
	if (!nd->name || !nd->type)
		return MLMD_OOM();
	iset_put(&p->names, hash_bytes(name->p, name->n), g->n_nodes - 1);
	if (state >= 0) {
		nd->has_state = 1;
		nd->state = state;
	}
	*idx = g->n_nodes - 1;
	return 0;
}

/* node := NAME [':' TYPE] [props] | '(' NAME [':' TYPE] [STATE] ')' [props] */
static int parse_node(parser *p, size_t *idx)
{
	int paren = p->t.kind == T_LPAREN;
	tok type = {0}, state_tok = {0};
	int has_type = 0, state = -1;
	if (paren)
		advance(p);
	if (p->t.kind != T_NAME)
		return fail_here(p, paren ? "expected an execution's name after '('"
					  : "expected a node (name:Type or (name:Type))");
	tok name = p->t;
	advance(p);
	if (p->t.kind == T_COLON) {
		advance(p);
		if (p->t.kind != T_NAME)
			return fail_here(p, "expected a type name after ':'");
		type = p->t;
		has_type = 1;
		advance(p);
	}
	if (paren) {
		if (p->t.kind == T_NAME) {
			state_tok = p->t;
			for (int s = 0; s < (int)(sizeof state_names / sizeof *state_names); s++)
				if (mlmd__tlex_is(&p->t, state_names[s]))
					state = s;
			if (state < 0)
				return fail_here(p, "unknown execution state (UNKNOWN, NEW, RUNNING, COMPLETE, "
						    "FAILED, CACHED or CANCELED)");
			advance(p);
		}
		if (p->t.kind != T_RPAREN)
			return fail_here(p, has_type || state >= 0 ? "expected ')'"
								   : "expected ':Type', a state or ')'");
		advance(p);
	} else if (p->t.kind == T_NAME) {
		return fail_here(p, "expected '->', ';' or end of line (a state goes inside the "
				    "execution's parentheses)");
	}
	int rc = resolve(p, &name, has_type ? &type : NULL, state, &state_tok,
			 paren ? MLMD_NODE_EXECUTION : MLMD_NODE_ARTIFACT, idx);
	if (rc)
		return rc;
	if (p->t.kind == T_LBRACE) {
		tok at = p->t;
		mlmd__tprop *props = NULL;
		size_t n = 0;
		rc = parse_props(p, &props, &n);
		if (rc) {
			props_free(props, n);
			return rc;
		}
		return merge_props(&p->g->nodes[*idx], props, n, &at);
	}
	return 0;
}

static int add_edge(parser *p, size_t from, size_t to, const tok *at)
{
	mlmd__tgraph *g = p->g;
	const mlmd__tnode *a = &g->nodes[from], *b = &g->nodes[to];
	if (a->kind == b->kind) {
		char what[400];
		mlmd__snprintf(what, sizeof what,
			       "an edge joins an artifact and an execution, but '%s' and '%s' are both %ss",
			       a->name, b->name, a->kind == MLMD_NODE_ARTIFACT ? "artifact" : "execution");
		return mlmd__tlex_fail(at, what);
	}
	size_t h = hash_pair(from, to);
	if (iset_has_pair(&p->edges, h, g, edge_is, from, to))
		return 0;
	int rc = iset_reserve(&p->edges, edge_hash, g);
	if (rc)
		return rc;
	if (mlmd__grow((void **)&g->edges, g->n_edges, sizeof *g->edges))
		return -MLMD_RESOURCE_EXHAUSTED;
	g->edges[g->n_edges++] = (mlmd__tedge){from, to};
	iset_put(&p->edges, h, g->n_edges - 1);
	return 0;
}

static int add_member(parser *p, size_t ctx, size_t node)
{
	mlmd__tgraph *g = p->g;
	size_t h = hash_pair(ctx, node);
	if (iset_has_pair(&p->members, h, g, member_is, ctx, node))
		return 0;
	int rc = iset_reserve(&p->members, member_hash, g);
	if (rc)
		return rc;
	if (mlmd__grow((void **)&g->members, g->n_members, sizeof *g->members))
		return -MLMD_RESOURCE_EXHAUSTED;
	g->members[g->n_members++] = (mlmd__tmember){ctx, node};
	iset_put(&p->members, h, g->n_members - 1);
	return 0;
}

/* chain := node ('->' node)* */
static int parse_chain(parser *p)
{
	size_t prev;
	int rc = parse_node(p, &prev);
	if (rc)
		return rc;
	while (p->t.kind == T_ARROW) {
		advance(p);
		tok at = p->t;
		if (at.kind == T_LPAREN) /* point at the name, not the parenthesis */
			peek(p, &at);
		size_t next;
		if ((rc = parse_node(p, &next)) || (rc = add_edge(p, prev, next, &at)))
			return rc;
		prev = next;
	}
	return 0;
}

/* 'context' NAME [':' TYPE] [props] '=' [node (',' node)*]; the current
 * token is the name after 'context'. */
static int parse_context(parser *p)
{
	tok name = p->t, type = {0};
	int has_type = 0;
	advance(p);
	if (p->t.kind == T_COLON) {
		advance(p);
		if (p->t.kind != T_NAME)
			return fail_here(p, "expected a context type after ':'");
		type = p->t;
		has_type = 1;
		advance(p);
	}
	size_t ctx;
	int rc = resolve(p, &name, has_type ? &type : NULL, -1, NULL, MLMD_NODE_CONTEXT, &ctx);
	if (rc)
		return rc;
	if (p->t.kind == T_LBRACE) {
		tok at = p->t;
		mlmd__tprop *props = NULL;
		size_t n = 0;
		if ((rc = parse_props(p, &props, &n))) {
			props_free(props, n);
			return rc;
		}
		if ((rc = merge_props(&p->g->nodes[ctx], props, n, &at)))
			return rc;
	}
	if (p->t.kind != T_EQ)
		return fail_here(p, "expected '=' after the context's name and type");
	advance(p);
	if (p->t.kind == T_SEP || p->t.kind == T_EOF)
		return 0;
	for (;;) {
		tok at = p->t;
		if (at.kind == T_LPAREN)
			peek(p, &at);
		size_t node;
		if ((rc = parse_node(p, &node)))
			return rc;
		if (p->g->nodes[node].kind == MLMD_NODE_CONTEXT)
			return mlmd__tlex_fail(&at, "a context cannot be a member of a context");
		if ((rc = add_member(p, ctx, node)))
			return rc;
		if (p->t.kind != T_COMMA)
			return 0;
		advance(p);
	}
}

static int parse_all(parser *p)
{
	advance(p);
	for (;;) {
		if (p->t.kind == T_EOF)
			return 0;
		if (p->t.kind == T_SEP) {
			advance(p);
			continue;
		}
		int rc;
		if (mlmd__tlex_is(&p->t, "context")) {
			tok save = p->t;
			lexer lx = p->lx;
			advance(p);
			if (p->t.kind == T_NAME) {
				rc = parse_context(p);
			} else { /* a node named "context" */
				p->t = save;
				p->lx = lx;
				rc = parse_chain(p);
			}
		} else {
			rc = parse_chain(p);
		}
		if (rc)
			return rc;
		if (p->t.kind != T_SEP && p->t.kind != T_EOF)
			return fail_here(p, "expected '->', ';' or end of line");
	}
}

int mlmd__tgraph_parse(const char *text, mlmd__tgraph **out)
{
	*out = NULL;
	if (!text)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "lineage notation: no text");
	size_t len = strlen(text);
	if (len > NOTATION_MAX_BYTES)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "lineage notation: the text is %zu bytes; the limit is %u",
				  len, NOTATION_MAX_BYTES);
	parser p = {.lx = {text, 0, 1, 0}};
	if (!(p.g = calloc(1, sizeof *p.g)))
		return MLMD_OOM();
	int rc = parse_all(&p);
	free(p.names.slot);
	free(p.edges.slot);
	free(p.members.slot);
	if (rc) {
		mlmd__tgraph_free(p.g);
		return rc;
	}
	*out = p.g;
	return 0;
}

void mlmd__tgraph_free(mlmd__tgraph *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n_nodes; i++) {
		free(g->nodes[i].name);
		free(g->nodes[i].type);
		props_free(g->nodes[i].props, g->nodes[i].n_props);
	}
	free(g->nodes);
	free(g->edges);
	free(g->members);
	free(g);
}
