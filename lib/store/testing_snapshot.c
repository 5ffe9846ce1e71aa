/*
 * store/testing_snapshot.c - GetGraphSnapshot: a graph as stable, readable
 * text (names for ids, no times, sorted), for golden files.
 *
 * The text is written in the notation (docs/testing.md), in three blocks:
 * every node on a line of its own (`name:Type {props}`,
 * `(name:Type STATE) {props}`), then every edge (`a -> (b)`, `(b) -> c`),
 * then every context (`context c:Type {props} = a, (b)`), each block sorted
 * by name, then type. Properties (declared and custom) are sorted by key.
 * Ids, times, URIs and external ids never appear. A node without a name is
 * shown as `Type#n`, numbered within its type in the order of its
 * properties (then ids: the one thing left that orders them); a name that
 * two shown nodes share is written with its type in edges and contexts.
 * When every name fits the notation's syntax, the snapshot is notation that
 * builds the same graph.
 *
 * The store's edges are read once into memory and the nodes around the
 * roots found there: fine for the stores tests snapshot.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testing.h"

#define F(m, off, T) (*(T *)((char *)(m) + (off)))

typedef struct idset {
	int64_t *v;
	size_t n;
} idset;

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void idset_norm(idset *s)
{
	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof *s->v, cmp_i64);
	size_t w = 1;
	for (size_t i = 1; i < s->n; i++)
		if (s->v[i] != s->v[w - 1])
			s->v[w++] = s->v[i];
	s->n = w;
}

static int idset_has(const idset *s, int64_t id)
{
	return s->n && bsearch(&id, s->v, s->n, sizeof id, cmp_i64) != NULL;
}

/* Pairs (x, y) read from the store: events (artifact, execution, type) and
 * memberships (context, node, 0). */
typedef struct pair {
	int64_t x, y;
	int type;
} pair;

static int read_pairs(call *c, const char *sql, int with_type, pair **out, size_t *n)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, sql);
	if (rc)
		return rc;
	while ((rc = mlmd__q_step(&q)) == 1) {
		if (mlmd__grow((void **)out, *n, sizeof **out)) {
			mlmd__q_done(&q);
			return -MLMD_RESOURCE_EXHAUSTED;
		}
		(*out)[(*n)++] = (pair){mlmd__q_col_i64(&q, 0), mlmd__q_col_i64(&q, 1),
					with_type ? (int)mlmd__q_col_i64(&q, 2) : 0};
	}
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

static int read_ids(call *c, const char *sql, idset *s)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, sql);
	if (rc)
		return rc;
	while ((rc = mlmd__q_step(&q)) == 1)
		if (mlmd__push_i64(&s->v, &s->n, mlmd__q_col_i64(&q, 0))) {
			mlmd__q_done(&q);
			return -MLMD_RESOURCE_EXHAUSTED;
		}
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

/* A node as shown. */
typedef struct snode {
	mlmd_node_kind kind;
	int64_t id;
	char *name;        /* the name shown (malloc'd) */
	const char *type;  /* borrowed from m */
	int has_state, state;
	char *props;       /* " {k=v, ...}" or "" (malloc'd) */
	int unnamed, shared;
	ProtobufCMessage *m;
} snode;

/* ---- values ------------------------------------------------------------ */

static void put_string(mlmd_buf *b, const char *s)
{
	mlmd__buf_puts(b, "'");
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			mlmd__buf_printf(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			mlmd__buf_printf(b, "\\x%02x", (unsigned char)*s);
		else
			mlmd__buf_put(b, s, 1);
	}
	mlmd__buf_puts(b, "'");
}

/* The shortest decimal that reads back as v, always with a '.' or an
 * exponent so that it reads back as a decimal. */
static void put_double(mlmd_buf *b, double v)
{
	char buf[40];
	if (!isfinite(v)) {
		mlmd__buf_puts(b, isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
		return;
	}
	for (int p = 1; p <= 17; p++) {
		mlmd__fmt_double(buf, sizeof buf, v, p);
		if (mlmd__strtod(buf, NULL) == v)
			break;
	}
	mlmd__buf_puts(b, buf);
	if (!strpbrk(buf, ".e"))
		mlmd__buf_puts(b, ".0");
}

static void put_value(mlmd_buf *b, const Mlmd__Pb__Value *v)
{
	switch (v ? v->value_case : MLMD__PB__VALUE__VALUE__NOT_SET) {
	case MLMD__PB__VALUE__VALUE_INT_VALUE: mlmd__buf_printf(b, "%lld", (long long)v->int_value); break;
	case MLMD__PB__VALUE__VALUE_DOUBLE_VALUE: put_double(b, v->double_value); break;
	case MLMD__PB__VALUE__VALUE_STRING_VALUE: put_string(b, v->string_value ? v->string_value : ""); break;
	case MLMD__PB__VALUE__VALUE_BOOL_VALUE: mlmd__buf_puts(b, v->bool_value ? "true" : "false"); break;
	case MLMD__PB__VALUE__VALUE_STRUCT_VALUE: {
		mlmd_buf j = {0};
		if (mlmd__struct_to_json(v->struct_value, &j) == 0 && !j.oom) {
			mlmd__buf_puts(b, "struct ");
			mlmd__buf_put(b, j.p, j.len);
		} else {
			b->oom = 1;
		}
		mlmd__buf_free(&j);
		break;
	}
	case MLMD__PB__VALUE__VALUE_PROTO_VALUE: {
		const Mlmd__Pb__Wkt__Any *a = v->proto_value;
		char *b64 = a ? mlmd__b64_encode(a->value.data, a->value.len) : NULL;
		mlmd__buf_puts(b, "proto ");
		put_string(b, a && a->type_url ? a->type_url : "");
		mlmd__buf_puts(b, " ");
		put_string(b, b64 ? b64 : "");
		if (a && !b64)
			b->oom = 1;
		free(b64);
		break;
	}
	default: mlmd__buf_puts(b, "unset"); break;
	}
}

typedef struct kv {
	const char *key;
	const Mlmd__Pb__Value *v;
	int custom;
} kv;

static int cmp_kv(const void *a, const void *b)
{
	const kv *x = a, *y = b;
	int r = strcmp(x->key, y->key);
	return r ? r : x->custom - y->custom;
}

/* " {k=v, ...}" of node m's properties and custom properties, by key. */
static int render_props(const node_kind *k, const ProtobufCMessage *m, char **out)
{
	size_t np = F(m, k->o_n_props, size_t), nc = F(m, k->o_n_custom, size_t);
	prop_entry **p = F(m, k->o_props, prop_entry **), **cp = F(m, k->o_custom, prop_entry **);
	if (!np && !nc)
		return (*out = mlmd__strdup("")) ? 0 : MLMD_OOM();
	kv *all = malloc((np + nc) * sizeof *all);
	if (!all)
		return MLMD_OOM();
	for (size_t i = 0; i < np; i++)
		all[i] = (kv){p[i]->key ? p[i]->key : "", p[i]->value, 0};
	for (size_t i = 0; i < nc; i++)
		all[np + i] = (kv){cp[i]->key ? cp[i]->key : "", cp[i]->value, 1};
	qsort(all, np + nc, sizeof *all, cmp_kv);
	mlmd_buf b = {0};
	mlmd__buf_puts(&b, " {");
	for (size_t i = 0; i < np + nc; i++) {
		mlmd__buf_printf(&b, "%s%s=", i ? ", " : "", all[i].key);
		put_value(&b, all[i].v);
	}
	mlmd__buf_puts(&b, "}");
	free(all);
	if (b.oom) {
		mlmd__buf_free(&b);
		return MLMD_OOM();
	}
	*out = b.p;
	return 0;
}

/* ---- ordering ----------------------------------------------------------- */

static int cmp_unnamed(const void *a, const void *b)
{
	const snode *x = *(snode *const *)a, *y = *(snode *const *)b;
	int r = strcmp(x->type, y->type);
	if (!r)
		r = strcmp(x->props, y->props);
	return r ? r : cmp_i64(&x->id, &y->id);
}

static int cmp_node(const snode *x, const snode *y)
{
	int r = strcmp(x->name, y->name);
	if (!r)
		r = strcmp(x->type, y->type);
	return r ? r : (int)x->kind - (int)y->kind;
}

static int cmp_nodep(const void *a, const void *b)
{
	return cmp_node(*(snode *const *)a, *(snode *const *)b);
}

typedef struct sedge {
	const snode *from, *to;
	int type;
} sedge;

static int cmp_edge(const void *a, const void *b)
{
	const sedge *x = a, *y = b;
	int r = cmp_node(x->from, y->from);
	if (!r)
		r = cmp_node(x->to, y->to);
	return r ? r : x->type - y->type;
}

static void put_ref(mlmd_buf *b, const snode *n)
{
	const char *open = n->kind == MLMD_NODE_EXECUTION ? "(" : "";
	const char *close = n->kind == MLMD_NODE_EXECUTION ? ")" : "";
	if (n->shared)
		mlmd__buf_printf(b, "%s%s:%s%s", open, n->name, n->type, close);
	else
		mlmd__buf_printf(b, "%s%s%s", open, n->name, close);
}

/* The node whose (kind, id) is given, among nodes[0..n) sorted by id
 * within kind (as loaded), or NULL. */
static snode *lookup(snode *nodes, size_t n, mlmd_node_kind kind, int64_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		snode *m = &nodes[mid];
		if (m->kind < kind || (m->kind == kind && m->id < id))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && nodes[lo].kind == kind && nodes[lo].id == id ? &nodes[lo] : NULL;
}

/* ---- the call --------------------------------------------------------- */

typedef struct snap {
	pair *events, *attr, *assoc;
	size_t n_events, n_attr, n_assoc;
	idset set[4]; /* by mlmd_node_kind */
	snode *nodes;
	size_t n_nodes;
} snap;

static void snap_free(snap *s)
{
	free(s->events);
	free(s->attr);
	free(s->assoc);
	for (int k = 0; k < 4; k++)
		free(s->set[k].v);
	for (size_t i = 0; i < s->n_nodes; i++) {
		free(s->nodes[i].name);
		free(s->nodes[i].props);
		if (s->nodes[i].m)
			protobuf_c_message_free_unpacked(s->nodes[i].m, NULL);
	}
	free(s->nodes);
}

/* The nodes within `within` hops (0: any) of the roots, over events in
 * either direction; a context root brings its members. */
static int expand(snap *s, const Mlmd__Pb__Testing__GetGraphSnapshotRequest *rq)
{
	idset *A = &s->set[MLMD_NODE_ARTIFACT], *E = &s->set[MLMD_NODE_EXECUTION], *C = &s->set[MLMD_NODE_CONTEXT];
	for (size_t i = 0; i < rq->n_roots; i++) {
		const Mlmd__Pb__Testing__NodeRef *r = rq->roots[i];
		if (!r || !r->has_kind || !r->has_id || r->kind < 1 || r->kind > 3)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "roots[%zu] needs a kind "
								 "(ARTIFACT, EXECUTION or CONTEXT) and an id", i);
		if (mlmd__push_i64(&s->set[r->kind].v, &s->set[r->kind].n, r->id))
			return -MLMD_RESOURCE_EXHAUSTED;
	}
	idset_norm(C);
	for (size_t i = 0; i < s->n_attr; i++)
		if (idset_has(C, s->attr[i].x) && mlmd__push_i64(&A->v, &A->n, s->attr[i].y))
			return -MLMD_RESOURCE_EXHAUSTED;
	for (size_t i = 0; i < s->n_assoc; i++)
		if (idset_has(C, s->assoc[i].x) && mlmd__push_i64(&E->v, &E->n, s->assoc[i].y))
			return -MLMD_RESOURCE_EXHAUSTED;
	idset_norm(A);
	idset_norm(E);
	for (int hop = 0; rq->within <= 0 || hop < rq->within; hop++) {
		/* Membership is of the sets as they were when the hop began (their
		 * sorted prefixes); what this hop adds is appended, then sorted. */
		idset a0 = *A, e0 = *E;
		for (size_t i = 0; i < s->n_events; i++) {
			int64_t a = s->events[i].x, e = s->events[i].y;
			int ha = idset_has(&a0, a), he = idset_has(&e0, e);
			if (ha && !he && mlmd__push_i64(&E->v, &E->n, e))
				return -MLMD_RESOURCE_EXHAUSTED;
			if (he && !ha && mlmd__push_i64(&A->v, &A->n, a))
				return -MLMD_RESOURCE_EXHAUSTED;
			a0.v = A->v; /* the arrays may have moved; the prefixes have not changed */
			e0.v = E->v;
		}
		idset_norm(A);
		idset_norm(E);
		if (A->n == a0.n && E->n == e0.n)
			break;
	}
	/* the contexts of every node shown */
	for (size_t i = 0; i < s->n_attr; i++)
		if (idset_has(A, s->attr[i].y) && mlmd__push_i64(&C->v, &C->n, s->attr[i].x))
			return -MLMD_RESOURCE_EXHAUSTED;
	for (size_t i = 0; i < s->n_assoc; i++)
		if (idset_has(E, s->assoc[i].y) && mlmd__push_i64(&C->v, &C->n, s->assoc[i].x))
			return -MLMD_RESOURCE_EXHAUSTED;
	idset_norm(C);
	return 0;
}

static const node_kind *kind_of(mlmd_node_kind k)
{
	return k == MLMD_NODE_ARTIFACT ? &mlmd__artifact_kind
	       : k == MLMD_NODE_EXECUTION ? &mlmd__execution_kind
					  : &mlmd__context_kind;
}

/* Loads the nodes of the sets (tombstones left out); a root that does not
 * exist is NOT_FOUND. */
static int load_nodes(call *c, snap *s, const Mlmd__Pb__Testing__GetGraphSnapshotRequest *rq)
{
	size_t total = s->set[1].n + s->set[2].n + s->set[3].n;
	if (total && !(s->nodes = calloc(total, sizeof *s->nodes)))
		return MLMD_OOM();
	for (mlmd_node_kind kind = MLMD_NODE_ARTIFACT; kind <= MLMD_NODE_CONTEXT; kind++) {
		const node_kind *k = kind_of(kind);
		void **arr = NULL;
		size_t n = 0;
		int rc = mlmd__node_load_ids(c, k, s->set[kind].v, s->set[kind].n, 0, &arr, &n);
		for (size_t i = 0; i < n; i++) {
			snode *sn = &s->nodes[s->n_nodes++];
			ProtobufCMessage *m = arr[i];
			sn->m = m;
			sn->kind = kind;
			sn->id = F(m, k->o_id, int64_t);
			sn->type = F(m, k->o_type, const char *) ? F(m, k->o_type, const char *) : "";
			if (k->o_has_state != SIZE_MAX && kind == MLMD_NODE_EXECUTION &&
			    F(m, k->o_has_state, protobuf_c_boolean)) {
				sn->has_state = 1;
				sn->state = F(m, k->o_state, int);
			}
			const char *name = F(m, k->o_name, const char *);
			sn->unnamed = !name || !*name;
			if (!rc && !(sn->name = mlmd__strdup(sn->unnamed ? "" : name)))
				rc = MLMD_OOM();
			if (!rc)
				rc = render_props(k, m, &sn->props);
		}
		free(arr);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < rq->n_roots; i++)
		if (!lookup(s->nodes, s->n_nodes, (mlmd_node_kind)rq->roots[i]->kind, rq->roots[i]->id))
			return mlmd__fail(MLMD_NOT_FOUND, "root %s %lld does not exist",
					  kind_of((mlmd_node_kind)rq->roots[i]->kind)->what,
					  (long long)rq->roots[i]->id);
	return 0;
}

/* Names the unnamed nodes Type#n and marks names two shown nodes share. */
static int name_nodes(snap *s)
{
	snode **order = malloc((s->n_nodes + 1) * sizeof *order);
	if (!order)
		return MLMD_OOM();
	size_t nu = 0;
	for (size_t i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].unnamed)
			order[nu++] = &s->nodes[i];
	qsort(order, nu, sizeof *order, cmp_unnamed);
	for (size_t i = 0, seq = 0; i < nu; i++) {
		seq = i && strcmp(order[i]->type, order[i - 1]->type) == 0 ? seq + 1 : 1;
		char buf[32];
		mlmd__snprintf(buf, sizeof buf, "#%zu", seq);
		char *name = malloc(strlen(order[i]->type) + strlen(buf) + 1);
		if (!name) {
			free(order);
			return MLMD_OOM();
		}
		strcpy(name, order[i]->type);
		strcat(name, buf);
		free(order[i]->name);
		order[i]->name = name;
	}
	for (size_t i = 0; i < s->n_nodes; i++)
		order[i] = &s->nodes[i];
	qsort(order, s->n_nodes, sizeof *order, cmp_nodep);
	for (size_t i = 1; i < s->n_nodes; i++)
		if (strcmp(order[i]->name, order[i - 1]->name) == 0)
			order[i]->shared = order[i - 1]->shared = 1;
	free(order);
	return 0;
}

static const char *const event_types[] = {"UNKNOWN",        "DECLARED_OUTPUT", "DECLARED_INPUT",
					  "INPUT",          "OUTPUT",          "INTERNAL_INPUT",
					  "INTERNAL_OUTPUT", "PENDING_OUTPUT"};

static int is_output(int type)
{
	return type == MLMD__PB__EVENT__TYPE__OUTPUT || type == MLMD__PB__EVENT__TYPE__DECLARED_OUTPUT ||
	       type == MLMD__PB__EVENT__TYPE__INTERNAL_OUTPUT || type == MLMD__PB__EVENT__TYPE__PENDING_OUTPUT;
}

static int write_text(snap *s, mlmd_buf *b)
{
	snode **order = malloc((s->n_nodes + 1) * sizeof *order);
	sedge *edges = malloc((s->n_events + 1) * sizeof *edges);
	if (!order || !edges) {
		free(order);
		free(edges);
		return MLMD_OOM();
	}
	for (size_t i = 0; i < s->n_nodes; i++)
		order[i] = &s->nodes[i];
	qsort(order, s->n_nodes, sizeof *order, cmp_nodep);
	for (size_t i = 0; i < s->n_nodes; i++) {
		const snode *n = order[i];
		if (n->kind == MLMD_NODE_CONTEXT)
			continue;
		if (n->kind == MLMD_NODE_EXECUTION) {
			mlmd__buf_printf(b, "(%s:%s", n->name, n->type);
			if (n->has_state && mlmd__tgraph_state_name(n->state))
				mlmd__buf_printf(b, " %s", mlmd__tgraph_state_name(n->state));
			mlmd__buf_puts(b, ")");
		} else {
			mlmd__buf_printf(b, "%s:%s", n->name, n->type);
		}
		mlmd__buf_printf(b, "%s\n", n->props);
	}
	size_t ne = 0;
	for (size_t i = 0; i < s->n_events; i++) {
		const snode *a = lookup(s->nodes, s->n_nodes, MLMD_NODE_ARTIFACT, s->events[i].x);
		const snode *e = lookup(s->nodes, s->n_nodes, MLMD_NODE_EXECUTION, s->events[i].y);
		if (!a || !e)
			continue;
		int out = is_output(s->events[i].type);
		edges[ne++] = (sedge){out ? e : a, out ? a : e, s->events[i].type};
	}
	qsort(edges, ne, sizeof *edges, cmp_edge);
	for (size_t i = 0; i < ne; i++) {
		put_ref(b, edges[i].from);
		mlmd__buf_puts(b, " -> ");
		put_ref(b, edges[i].to);
		int t = edges[i].type;
		if (t != MLMD__PB__EVENT__TYPE__INPUT && t != MLMD__PB__EVENT__TYPE__OUTPUT)
			mlmd__buf_printf(b, "  # %s", t >= 0 && t < 8 ? event_types[t] : "event type");
		mlmd__buf_puts(b, "\n");
	}
	/* contexts, each with its members sorted */
	for (size_t i = 0; i < s->n_nodes; i++) {
		const snode *cx = order[i];
		if (cx->kind != MLMD_NODE_CONTEXT)
			continue;
		sedge *mem = NULL;
		size_t nm = 0;
		for (int pass = 0; pass < 2; pass++) {
			const pair *p = pass ? s->assoc : s->attr;
			size_t n = pass ? s->n_assoc : s->n_attr;
			for (size_t j = 0; j < n; j++) {
				const snode *m = p[j].x != cx->id ? NULL
					: lookup(s->nodes, s->n_nodes, pass ? MLMD_NODE_EXECUTION : MLMD_NODE_ARTIFACT,
						 p[j].y);
				if (!m)
					continue;
				if (mlmd__grow((void **)&mem, nm, sizeof *mem)) {
					free(mem);
					free(order);
					free(edges);
					return -MLMD_RESOURCE_EXHAUSTED;
				}
				mem[nm++] = (sedge){cx, m, 0};
			}
		}
		if (nm)
			qsort(mem, nm, sizeof *mem, cmp_edge);
		mlmd__buf_printf(b, "context %s:%s%s =", cx->name, cx->type, cx->props);
		for (size_t j = 0; j < nm; j++) {
			mlmd__buf_puts(b, j ? ", " : " ");
			put_ref(b, mem[j].to);
		}
		mlmd__buf_puts(b, "\n");
		free(mem);
	}
	free(order);
	free(edges);
	return b->oom ? MLMD_OOM() : 0;
}

int mlmd__testing_GetGraphSnapshot(call *c, const Mlmd__Pb__Testing__GetGraphSnapshotRequest *rq,
				   Mlmd__Pb__Testing__GetGraphSnapshotResponse *rs)
{
	snap s;
	memset(&s, 0, sizeof s);
	mlmd_buf b = {0};
	int rc;
	if (rq->has_within && rq->within < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "within is %d; it counts hops (0: any)",
				  rq->within);
	if ((rc = read_pairs(c, "SELECT artifact_id, execution_id, type FROM event", 1, &s.events, &s.n_events)) ||
	    (rc = read_pairs(c, "SELECT context_id, artifact_id FROM attribution", 0, &s.attr, &s.n_attr)) ||
	    (rc = read_pairs(c, "SELECT context_id, execution_id FROM association", 0, &s.assoc, &s.n_assoc)))
		goto out;
	if (rq->n_roots) {
		rc = expand(&s, rq);
	} else if (!(rc = read_ids(c, "SELECT id FROM artifact", &s.set[MLMD_NODE_ARTIFACT])) &&
		   !(rc = read_ids(c, "SELECT id FROM execution", &s.set[MLMD_NODE_EXECUTION]))) {
		rc = read_ids(c, "SELECT id FROM context", &s.set[MLMD_NODE_CONTEXT]);
		for (int k = 1; k < 4; k++)
			idset_norm(&s.set[k]);
	}
	if (rc || (rc = load_nodes(c, &s, rq)) || (rc = name_nodes(&s)) || (rc = write_text(&s, &b)))
		goto out;
	rs->text = b.p ? b.p : mlmd__strdup("");
	b.p = NULL;
	if (!rs->text)
		rc = MLMD_OOM();
out:
	mlmd__buf_free(&b);
	snap_free(&s);
	return rc;
}
