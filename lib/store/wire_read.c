/*
 * store/wire_read.c - the wire handlers of the node reads (store/wire.h).
 *
 * GetArtifactsByID, GetExecutionsByID, GetContextsByID (with
 * populate_artifact_types), GetArtifactsByType, GetExecutionsByType,
 * GetContextsByType and the GetArtifacts, GetExecutions, GetContexts
 * listings are answered by writing each node's protobuf encoding straight
 * from its rows: no Artifact/Value/map-entry structs are allocated, filled
 * and packed afterwards. The rows are read with the statements the struct
 * path uses (node_kind's SQL in store/nodes.c: the nodes of up to
 * MLMD_IN_MAX ids, then all their properties), and the listings take their
 * page of ids (filters, orderings and tokens included) from store/list.c, so
 * both paths see the same rows in the same order.
 *
 * The bytes must equal protobuf-c's packing of the struct response: fields
 * in field-number order (the descriptors' order), strings present exactly
 * when the struct path sets them (a non-NULL column), map entries in the
 * order the struct path appends them (the property query's ORDER BY), and
 * the values struct and proto properties and system_metadata get by being
 * decoded and packed again (they are rare, so that path is the struct one).
 * tests/test_wire.c compares both answers for every RPC here.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "wire.h"
#include "../util/pbutil.h"
#include "../util/pbwire.h"

/* What one field of a node message holds. */
enum { S_ID, S_TYPE_ID, S_URI, S_PROPS, S_CUSTOM, S_STATE, S_NAME, S_TYPE, S_CTIME, S_MTIME, S_EXT, S_SYSMETA };

typedef struct wfield {
	uint8_t slot;                /* S_* */
	uint8_t num;                 /* field number */
} wfield;

/* The fields of each node message in field-number order (metadata_store.proto;
 * the byte comparisons of tests/test_wire.c would catch a change). */
static const wfield artifact_fields[] = { { S_ID, 1 },     { S_TYPE_ID, 2 }, { S_URI, 3 },    { S_PROPS, 4 },
					  { S_CUSTOM, 5 }, { S_STATE, 6 },   { S_NAME, 7 },   { S_TYPE, 8 },
					  { S_CTIME, 9 },  { S_MTIME, 10 },  { S_EXT, 11 },   { S_SYSMETA, 12 } };
static const wfield execution_fields[] = { { S_ID, 1 },    { S_TYPE_ID, 2 }, { S_STATE, 3 }, { S_PROPS, 4 },
					   { S_CUSTOM, 5 }, { S_NAME, 6 },    { S_TYPE, 7 },  { S_CTIME, 8 },
					   { S_MTIME, 9 },  { S_EXT, 10 },    { S_SYSMETA, 11 } };
static const wfield context_fields[] = { { S_ID, 1 },    { S_TYPE_ID, 2 }, { S_NAME, 3 },  { S_PROPS, 4 },
					 { S_CUSTOM, 5 }, { S_TYPE, 6 },    { S_CTIME, 7 }, { S_MTIME, 8 },
					 { S_EXT, 9 },    { S_SYSMETA, 10 } };

/* Value's oneof members and a map entry's two fields. */
enum { V_INT = 1, V_DOUBLE = 2, V_STRING = 3, V_STRUCT = 4, V_PROTO = 5, V_BOOL = 6 };
enum { E_KEY = 1, E_VALUE = 2 };

/* Indexes into wnode.str: the node's text columns. */
enum { T_TYPE, T_NAME, T_EXT, T_URI, T_COUNT };

/* One node row of a chunk, its text and encoded parts kept in the chunk's
 * scratch buffer (offsets, since the buffer may move as it grows). */
typedef struct wnode {
	int64_t id, type_id, ctime, mtime, state;
	int has_state;
	size_t off[T_COUNT];
	long len[T_COUNT];           /* -1: NULL column (the field is left out) */
	size_t sm_off;               /* system_metadata, packed again */
	long sm_len;                 /* -1: none */
	size_t p_off, p_end;         /* properties then custom properties, as fields 4 and 5 */
	int emitted;
} wnode;

typedef struct wctx {
	call *c;
	const node_kind *k;
	const wfield *fields;
	size_t nfields;
	mlmd_buf scratch, val;       /* per chunk: rows' text and properties; one value */
	wnode v[MLMD_IN_MAX];
	size_t nv;
	int64_t *type_ids;           /* populate_artifact_types: the written nodes' types, in order */
	size_t ntype_ids;
	int want_types;
} wctx;

/* Sets up w, zeroed, for nodes of kind k. */
static void wctx_init(wctx *w, call *c, const node_kind *k)
{
	w->c = c;
	w->k = k;
	switch (k->kind) {
	case KIND_ARTIFACT:
		w->fields = artifact_fields;
		w->nfields = sizeof artifact_fields / sizeof *artifact_fields;
		break;
	case KIND_EXECUTION:
		w->fields = execution_fields;
		w->nfields = sizeof execution_fields / sizeof *execution_fields;
		break;
	default:
		w->fields = context_fields;
		w->nfields = sizeof context_fields / sizeof *context_fields;
		break;
	}
}

static void wctx_free(wctx *w)
{
	mlmd__buf_free(&w->scratch);
	mlmd__buf_free(&w->val);
	free(w->type_ids);
}

/* Packs message m (when non-NULL) into b and frees it. */
static void pack_into(mlmd_buf *b, ProtobufCMessage *m)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *p = pbw_reserve(b, n);
	if (p) {
		protobuf_c_message_pack(m, p);
		b->len += n;
	}
	protobuf_c_message_free_unpacked(m, NULL);
}

static void keep_text(wctx *w, wnode *n, int t, const char *s)
{
	if (!s) {
		n->len[t] = -1;
		return;
	}
	size_t len = strlen(s);
	n->off[t] = w->scratch.len;
	n->len[t] = (long)len;
	pbw_bytes(&w->scratch, s, len);
}

/* Keeps the current row of a NODE_COLS query (as row_to_node reads it). */
static int keep_node(wctx *w, sqlq *q, wnode *n)
{
	const node_kind *k = w->k;
	memset(n, 0, sizeof *n);
	n->id = mlmd__q_col_i64(q, 0);
	n->type_id = mlmd__q_col_i64(q, 1);
	keep_text(w, n, T_TYPE, mlmd__q_col_text(q, 2));
	keep_text(w, n, T_NAME, mlmd__q_col_text(q, 3));
	keep_text(w, n, T_EXT, mlmd__q_col_text(q, 4));
	keep_text(w, n, T_URI, k->o_uri != SIZE_MAX ? mlmd__q_col_text(q, 5) : NULL);
	if (k->o_state != SIZE_MAX && !mlmd__q_isnull(q, 6)) {
		n->has_state = 1;
		n->state = (int)mlmd__q_col_i64(q, 6); /* an enum: int32, sign-extended on the wire */
	}
	n->ctime = mlmd__q_col_i64(q, 7);
	n->mtime = mlmd__q_col_i64(q, 8);
	n->sm_len = -1;
	size_t len;
	const void *sm = mlmd__q_col_blob(q, 9, &len);
	if (sm) {
		Mlmd__Pb__Wkt__Any *any = mlmd__pb__wkt__any__unpack(NULL, len, sm);
		if (!any)
			return mlmd__fail(MLMD_DATA_LOSS, "%s %lld: stored system_metadata does not parse", k->what,
					  (long long)n->id);
		n->sm_off = w->scratch.len;
		pack_into(&w->scratch, &any->base);
		n->sm_len = (long)(w->scratch.len - n->sm_off);
	}
	return 0;
}

/* Encodes the Value of the current property row (columns value_type and on
 * from `base`, as row_to_value reads them) into w->val. */
static int encode_value(wctx *w, sqlq *q, int base)
{
	mlmd_buf *b = &w->val;
	b->len = 0;
	switch ((int)mlmd__q_col_i64(q, base)) {
	case MLMD__PB__PROPERTY_TYPE__INT: pbw_int64(b, V_INT, mlmd__q_col_i64(q, base + 1)); break;
	case MLMD__PB__PROPERTY_TYPE__DOUBLE:
		/* NaN is stored as NULL (see insert_prop in store/nodes.c) */
		pbw_double(b, V_DOUBLE, mlmd__q_isnull(q, base + 2) ? NAN : mlmd__q_col_dbl(q, base + 2));
		break;
	case MLMD__PB__PROPERTY_TYPE__STRING: {
		const char *sv = mlmd__q_col_text(q, base + 3);
		pbw_lenfield(b, V_STRING, sv ? sv : "", sv ? strlen(sv) : 0);
		break;
	}
	case MLMD__PB__PROPERTY_TYPE__BOOLEAN: pbw_bool(b, V_BOOL, mlmd__q_col_i64(q, base + 4) != 0); break;
	case MLMD__PB__PROPERTY_TYPE__STRUCT: {
		const char *js = mlmd__q_col_text(q, base + 5);
		Mlmd__Pb__Wkt__Struct *st = NULL;
		int rc = mlmd__json_to_struct(js ? js : "{}", js ? strlen(js) : 2, &st);
		if (rc)
			return rc;
		pbw_lenhead(b, V_STRUCT, protobuf_c_message_get_packed_size(&st->base));
		pack_into(b, &st->base);
		break;
	}
	case MLMD__PB__PROPERTY_TYPE__PROTO: {
		size_t n;
		const void *blob = mlmd__q_col_blob(q, base + 6, &n);
		Mlmd__Pb__Wkt__Any *any = mlmd__pb__wkt__any__unpack(NULL, n, blob ? blob : (const void *)"");
		if (!any)
			return mlmd__fail(MLMD_DATA_LOSS, "stored proto property value does not parse as Any");
		pbw_lenhead(b, V_PROTO, protobuf_c_message_get_packed_size(&any->base));
		pack_into(b, &any->base);
		break;
	}
	default:
		break; /* a Value with no member set */
	}
	return b->oom ? MLMD_OOM() : 0;
}

/* Appends the property in the current row (is_custom, name, value columns
 * from `col`) to node n's properties, as a map-entry field. */
static int keep_prop(wctx *w, sqlq *q, int col, wnode *n)
{
	int custom = (int)mlmd__q_col_i64(q, col) != 0;
	const char *key = mlmd__q_col_text(q, col + 1);
	if (!key)
		key = "";
	size_t klen = strlen(key);
	int rc = encode_value(w, q, col + 2);
	if (rc)
		return rc;
	size_t entry = pbw_len_size(E_KEY, klen) + pbw_len_size(E_VALUE, w->val.len);
	pbw_lenhead(&w->scratch, custom ? 5 : 4, entry);
	pbw_lenfield(&w->scratch, E_KEY, key, klen);
	pbw_lenfield(&w->scratch, E_VALUE, w->val.p, w->val.len);
	n->p_end = w->scratch.len;
	return 0;
}

static int wnode_cmp(const void *a, const void *b)
{
	int64_t x = ((const wnode *)a)->id, y = ((const wnode *)b)->id;
	return x < y ? -1 : x > y;
}

static wnode *find_node(wctx *w, int64_t id)
{
	wnode key;
	key.id = id;
	return bsearch(&key, w->v, w->nv, sizeof *w->v, wnode_cmp);
}

/* Reads the nodes of up to MLMD_IN_MAX ids and their properties into w->v
 * (sorted by id, as the query returns them). */
static int load_chunk(wctx *w, const int64_t *ids, size_t n)
{
	call *c = w->c;
	const node_kind *k = w->k;
	w->nv = 0;
	w->scratch.len = 0;
	int size, slot = mlmd__in_slot(n, &size);
	sqlq q;
	int rc = mlmd__q(c->sql, &q, MLMD_LIVE_ONLY(c) ? k->sql.load_in_live[slot] : k->sql.load_in[slot]);
	if (rc)
		return rc;
	int pos = 1;
	mlmd__q_bind_ids(&q, &pos, ids, n, size);
	while ((rc = mlmd__q_step(&q)) == 1 && w->nv < MLMD_IN_MAX)
		if ((rc = keep_node(w, &q, &w->v[w->nv++])))
			break;
	mlmd__q_done(&q);
	if (rc < 0 || !w->nv)
		return rc < 0 ? rc : 0;
	if ((rc = mlmd__q(c->sql, &q, k->sql.props_in[slot])))
		return rc;
	pos = 1;
	mlmd__q_bind_ids(&q, &pos, ids, n, size);
	wnode *cur = NULL;
	int64_t cur_id = 0;
	while ((rc = mlmd__q_step(&q)) == 1) {
		int64_t id = mlmd__q_col_i64(&q, 0);
		if (!cur || id != cur_id) {
			cur = find_node(w, id);
			cur_id = id;
			if (cur)
				cur->p_off = cur->p_end = w->scratch.len;
		}
		if (cur && (rc = keep_prop(w, &q, 1, cur)))
			break;
	}
	mlmd__q_done(&q);
	if (rc == 0 && w->scratch.oom)
		rc = MLMD_OOM();
	return rc < 0 ? rc : 0;
}

static size_t text_size(const wnode *n, int t, uint32_t num)
{
	return n->len[t] < 0 ? 0 : pbw_len_size(num, (size_t)n->len[t]);
}

/* The size of node n's message. */
static size_t node_size(const wctx *w, const wnode *n)
{
	size_t s = 0;
	for (size_t i = 0; i < w->nfields; i++) {
		uint32_t f = w->fields[i].num;
		switch (w->fields[i].slot) {
		case S_ID: s += pbw_int64_size(f, n->id); break;
		case S_TYPE_ID: s += pbw_int64_size(f, n->type_id); break;
		case S_URI: s += text_size(n, T_URI, f); break;
		case S_PROPS: s += n->p_end - n->p_off; break; /* custom ones included */
		case S_STATE: s += n->has_state ? pbw_int64_size(f, n->state) : 0; break;
		case S_NAME: s += text_size(n, T_NAME, f); break;
		case S_TYPE: s += text_size(n, T_TYPE, f); break;
		case S_CTIME: s += pbw_int64_size(f, n->ctime); break;
		case S_MTIME: s += pbw_int64_size(f, n->mtime); break;
		case S_EXT: s += text_size(n, T_EXT, f); break;
		case S_SYSMETA: s += n->sm_len < 0 ? 0 : pbw_len_size(f, (size_t)n->sm_len); break;
		default: break;
		}
	}
	return s;
}

static void put_text(const wctx *w, mlmd_buf *out, const wnode *n, int t, uint32_t num)
{
	if (n->len[t] >= 0)
		pbw_lenfield(out, num, w->scratch.p + n->off[t], (size_t)n->len[t]);
}

/* Writes node n as field `field` of the response. */
static void put_node(const wctx *w, mlmd_buf *out, uint32_t field, const wnode *n)
{
	pbw_lenhead(out, field, node_size(w, n));
	for (size_t i = 0; i < w->nfields; i++) {
		uint32_t f = w->fields[i].num;
		switch (w->fields[i].slot) {
		case S_ID: pbw_int64(out, f, n->id); break;
		case S_TYPE_ID: pbw_int64(out, f, n->type_id); break;
		case S_URI: put_text(w, out, n, T_URI, f); break;
		case S_PROPS: pbw_bytes(out, w->scratch.p + n->p_off, n->p_end - n->p_off); break;
		case S_STATE:
			if (n->has_state)
				pbw_int64(out, f, n->state);
			break;
		case S_NAME: put_text(w, out, n, T_NAME, f); break;
		case S_TYPE: put_text(w, out, n, T_TYPE, f); break;
		case S_CTIME: pbw_int64(out, f, n->ctime); break;
		case S_MTIME: pbw_int64(out, f, n->mtime); break;
		case S_EXT: put_text(w, out, n, T_EXT, f); break;
		case S_SYSMETA:
			if (n->sm_len >= 0)
				pbw_lenfield(out, f, w->scratch.p + n->sm_off, (size_t)n->sm_len);
			break;
		default: break;
		}
	}
}

/* An id and its position in the request. */
typedef struct idpos {
	int64_t id;
	size_t pos;
} idpos;

static int idpos_cmp(const void *a, const void *b)
{
	const idpos *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Each id once, first occurrence first (as mlmd__node_load_ids keeps
 * them): *uniq is ids itself when they are strictly increasing (no sort
 * needed), else a new list, also in *owned for the caller to free. */
static int unique_ids(const int64_t *ids, size_t n, const int64_t **uniq, size_t *nu, int64_t **owned)
{
	*owned = NULL;
	*uniq = ids;
	*nu = n;
	size_t i = 1;
	while (i < n && ids[i] > ids[i - 1])
		i++;
	if (i >= n)
		return 0;
	idpos *p = malloc(n * sizeof *p);
	char *dup = calloc(n, 1);
	int64_t *u = malloc(n * sizeof *u);
	if (!p || !dup || !u) {
		free(p);
		free(dup);
		free(u);
		return MLMD_OOM();
	}
	for (i = 0; i < n; i++)
		p[i] = (idpos){ ids[i], i };
	qsort(p, n, sizeof *p, idpos_cmp);
	for (i = 1; i < n; i++)
		if (p[i].id == p[i - 1].id)
			dup[p[i].pos] = 1; /* sorted by position within a run: the first stays */
	size_t m = 0;
	for (i = 0; i < n; i++)
		if (!dup[i])
			u[m++] = ids[i];
	free(p);
	free(dup);
	*uniq = u;
	*nu = m;
	*owned = u;
	return 0;
}

/* Writes the nodes `ids` that exist, in the order of `ids`, each once, as
 * repeated field `field` of the response. */
static int write_nodes(wctx *w, const int64_t *ids, size_t nids, uint32_t field, mlmd_buf *out)
{
	const int64_t *u;
	size_t nu;
	int64_t *owned;
	int rc = unique_ids(ids, nids, &u, &nu, &owned);
	if (rc)
		return rc;
	size_t chunk = mlmd__in_chunk(nu);
	for (size_t at = 0; at < nu && !rc; at += chunk) {
		size_t m = nu - at < chunk ? nu - at : chunk;
		if ((rc = load_chunk(w, u + at, m)))
			break;
		for (size_t i = 0; i < m && !rc; i++) {
			wnode *n = find_node(w, u[at + i]);
			if (!n || n->emitted)
				continue;
			n->emitted = 1;
			put_node(w, out, field, n);
			if (w->want_types && mlmd__push_i64(&w->type_ids, &w->ntype_ids, n->type_id))
				rc = -MLMD_RESOURCE_EXHAUSTED;
		}
		if (!rc && out->oom)
			rc = MLMD_OOM();
	}
	free(owned);
	return rc;
}

/* populate_artifact_types: each type of the written artifacts once, in the
 * order they first appear, as field 2 (what GetArtifactsByID's struct
 * handler appends). */
static int write_types(wctx *w, mlmd_buf *out)
{
	int rc = 0;
	for (size_t i = 0; i < w->ntype_ids && !rc; i++) {
		int seen = 0;
		for (size_t j = 0; j < i && !seen; j++)
			seen = w->type_ids[j] == w->type_ids[i];
		if (seen)
			continue;
		ProtobufCMessage *t = NULL;
		rc = mlmd__type_load(w->c, KIND_ARTIFACT, w->type_ids[i], &t);
		if (rc > 0) {
			pbw_lenhead(out, 2, protobuf_c_message_get_packed_size(t));
			pack_into(out, t);
			rc = 0;
		}
	}
	return rc < 0 ? rc : 0;
}

/* ---- the handlers ----------------------------------------------------------- */

static int by_ids(call *c, const node_kind *k, const int64_t *ids, size_t n, int types, mlmd_buf *out)
{
	wctx *w = calloc(1, sizeof *w); /* on the heap: 256 rows do not belong on the stack */
	if (!w)
		return MLMD_OOM();
	wctx_init(w, c, k);
	w->want_types = types;
	int rc = write_nodes(w, ids, n, 1, out);
	if (!rc && types)
		rc = write_types(w, out);
	wctx_free(w);
	free(w);
	return rc;
}

static int wire_artifacts_by_id(call *c, const ProtobufCMessage *m, mlmd_buf *out)
{
	const Mlmd__Pb__GetArtifactsByIDRequest *rq = (const void *)m;
	return by_ids(c, &mlmd__artifact_kind, rq->artifact_ids, rq->n_artifact_ids, rq->populate_artifact_types,
		      out);
}

static int wire_executions_by_id(call *c, const ProtobufCMessage *m, mlmd_buf *out)
{
	const Mlmd__Pb__GetExecutionsByIDRequest *rq = (const void *)m;
	return by_ids(c, &mlmd__execution_kind, rq->execution_ids, rq->n_execution_ids, 0, out);
}

static int wire_contexts_by_id(call *c, const ProtobufCMessage *m, mlmd_buf *out)
{
	const Mlmd__Pb__GetContextsByIDRequest *rq = (const void *)m;
	return by_ids(c, &mlmd__context_kind, rq->context_ids, rq->n_context_ids, 0, out);
}

/* A page of nodes (field 1) and its next_page_token (field 2). */
static int page(call *c, const node_kind *k, const Mlmd__Pb__ListOperationOptions *o, const char *where,
		const int64_t *args, size_t n_args, mlmd_buf *out)
{
	int64_t *ids = NULL;
	size_t nids = 0;
	char *tok = NULL;
	int rc = mlmd__list_ids(c, k, o, NULL, where, args, n_args, &ids, &nids, &tok);
	if (!rc && nids)
		rc = by_ids(c, k, ids, nids, 0, out);
	if (!rc && tok)
		pbw_lenfield(out, 2, tok, strlen(tok));
	free(ids);
	free(tok);
	return rc;
}

static int by_type(call *c, const node_kind *k, const char *name, const char *version,
		   const Mlmd__Pb__ListOperationOptions *o, mlmd_buf *out)
{
	int64_t tid;
	int rc = mlmd__type_find(c, k->kind, name, version, &tid);
	if (rc || !tid)
		return rc; /* an unknown type has no nodes: an empty response */
	return page(c, k, o, "n.type_id = ?", &tid, 1, out);
}

#define WIRE_BY_TYPE(FN, M, KIND)                                                    \
	static int FN(call *c, const ProtobufCMessage *m, mlmd_buf *out)              \
	{                                                                             \
		const Mlmd__Pb__##M##Request *rq = (const void *)m;                   \
		return by_type(c, KIND, rq->type_name, rq->type_version, rq->options, out); \
	}
WIRE_BY_TYPE(wire_artifacts_by_type, GetArtifactsByType, &mlmd__artifact_kind)
WIRE_BY_TYPE(wire_executions_by_type, GetExecutionsByType, &mlmd__execution_kind)
WIRE_BY_TYPE(wire_contexts_by_type, GetContextsByType, &mlmd__context_kind)

#define WIRE_LIST(FN, M, KIND)                                                        \
	static int FN(call *c, const ProtobufCMessage *m, mlmd_buf *out)              \
	{                                                                             \
		const Mlmd__Pb__##M##Request *rq = (const void *)m;                   \
		return page(c, KIND, rq->options, NULL, NULL, 0, out);                \
	}
WIRE_LIST(wire_artifacts, GetArtifacts, &mlmd__artifact_kind)
WIRE_LIST(wire_executions, GetExecutions, &mlmd__execution_kind)
WIRE_LIST(wire_contexts, GetContexts, &mlmd__context_kind)

/* Chosen by the request's descriptor (each RPC has its own request type),
 * which costs no string comparison. */
mlmd__wire_fn mlmd__wire_read_select(const char *rpc, const ProtobufCMessage *rq)
{
	(void)rpc;
	if (!rq)
		return NULL;
	static const struct {
		const ProtobufCMessageDescriptor *d;
		mlmd__wire_fn fn;
	} table[] = {
		{ &mlmd__pb__get_artifacts_by_idrequest__descriptor, wire_artifacts_by_id },
		{ &mlmd__pb__get_executions_by_idrequest__descriptor, wire_executions_by_id },
		{ &mlmd__pb__get_contexts_by_idrequest__descriptor, wire_contexts_by_id },
		{ &mlmd__pb__get_artifacts_by_type_request__descriptor, wire_artifacts_by_type },
		{ &mlmd__pb__get_executions_by_type_request__descriptor, wire_executions_by_type },
		{ &mlmd__pb__get_contexts_by_type_request__descriptor, wire_contexts_by_type },
		{ &mlmd__pb__get_artifacts_request__descriptor, wire_artifacts },
		{ &mlmd__pb__get_executions_request__descriptor, wire_executions },
		{ &mlmd__pb__get_contexts_request__descriptor, wire_contexts },
	};
	for (size_t i = 0; i < sizeof table / sizeof *table; i++)
		if (rq->descriptor == table[i].d)
			return table[i].fn;
	return NULL;
}
