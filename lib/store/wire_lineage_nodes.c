/*
 * store/wire_lineage_nodes.c - the nodes of a LineageGraph in wire format
 * (store/wire_lineage.c): each node's row and its property rows written as
 * nodes.c's load functions build the message and protobuf-c packs it.
 */
#include <math.h>
#include "datagov.h"
#include "wire_lineage.h"

/* ---- nodes -------------------------------------------------------------------------------- */

/* A node message's fields in field-number order (metadata_store.proto). */
enum { S_END, S_ID, S_TYPE_ID, S_URI, S_PROPS, S_STATE, S_NAME, S_TYPE, S_CTIME, S_MTIME, S_EXTID, S_SYSMETA };
typedef struct slot_num {
	unsigned char slot, num;
} slot_num;

static const slot_num node_fields[3][12] = {
	[KIND_ARTIFACT] = { { S_ID, 1 }, { S_TYPE_ID, 2 }, { S_URI, 3 }, { S_PROPS, 4 }, { S_STATE, 6 }, { S_NAME, 7 },
			    { S_TYPE, 8 }, { S_CTIME, 9 }, { S_MTIME, 10 }, { S_EXTID, 11 }, { S_SYSMETA, 12 } },
	[KIND_EXECUTION] = { { S_ID, 1 }, { S_TYPE_ID, 2 }, { S_STATE, 3 }, { S_PROPS, 4 }, { S_NAME, 6 }, { S_TYPE, 7 },
			     { S_CTIME, 8 }, { S_MTIME, 9 }, { S_EXTID, 10 }, { S_SYSMETA, 11 } },
	[KIND_CONTEXT] = { { S_ID, 1 }, { S_TYPE_ID, 2 }, { S_NAME, 3 }, { S_PROPS, 4 }, { S_TYPE, 6 }, { S_CTIME, 7 },
			   { S_MTIME, 8 }, { S_EXTID, 9 }, { S_SYSMETA, 10 } },
};
enum { F_PROPERTIES = 4, F_CUSTOM_PROPERTIES = 5 }; /* the same in the three node messages */

/* The columns of nodes.c's NODE_COLS, then the tombstone's marks (schema
 * version MLMD_DG_SCHEMA_VERSION on), read in the same statement instead of
 * the struct handler's second one (mlmd__dg_tombstone_mark): same rows. The
 * columns are those a hydrating hop returns (query.h), from column 0 here. */
enum { C_ID = MLMD_WN_ID, C_TYPE_ID = MLMD_WN_TYPE_ID, C_TYPE = MLMD_WN_TYPE, C_NAME = MLMD_WN_NAME,
       C_EXTID = MLMD_WN_EXTID, C_URI = MLMD_WN_URI, C_STATE = MLMD_WN_STATE, C_CTIME = MLMD_WN_CTIME,
       C_MTIME = MLMD_WN_MTIME, C_SYSMETA = MLMD_WN_SYSMETA, C_DELETED = MLMD_WN_DELETED, C_BY = MLMD_WN_BY,
       C_REASON = MLMD_WN_REASON };
static const char *const walk_load_in[2][5] = {
	[KIND_EXECUTION] = MLMD_IN_SQL("SELECT " MLMD_WALK_NODE_COLS " FROM execution n JOIN type t ON t.id = n.type_id"
				       " WHERE n.id IN (", ") ORDER BY n.id"),
	[KIND_ARTIFACT] = MLMD_IN_SQL("SELECT " MLMD_WALK_NODE_COLS " FROM artifact n JOIN type t ON t.id = n.type_id"
				      " WHERE n.id IN (", ") ORDER BY n.id"),
};

/* One property Value from a props_in row (value columns from `base`, as
 * nodes.c's row_to_value reads them). */
static int wb_value(mlmd_buf *b, sqlq *q, int base)
{
	switch ((int)mlmd__q_col_i64(q, base)) {
	case MLMD__PB__PROPERTY_TYPE__INT:
		wb_i64(b, 1, mlmd__q_col_i64(q, base + 1));
		break;
	case MLMD__PB__PROPERTY_TYPE__DOUBLE:
		wb_double(b, 2, mlmd__q_isnull(q, base + 2) ? NAN : mlmd__q_col_dbl(q, base + 2));
		break;
	case MLMD__PB__PROPERTY_TYPE__STRING: {
		const char *sv = mlmd__q_col_text(q, base + 3);
		wb_str(b, 3, sv ? sv : "");
		break;
	}
	case MLMD__PB__PROPERTY_TYPE__BOOLEAN:
		wb_i64(b, 6, mlmd__q_col_i64(q, base + 4) != 0);
		break;
	case MLMD__PB__PROPERTY_TYPE__STRUCT: {
		const char *js = mlmd__q_col_text(q, base + 5);
		Mlmd__Pb__Wkt__Struct *st = NULL;
		int rc = mlmd__json_to_struct(js ? js : "{}", js ? strlen(js) : 2, &st);
		if (rc)
			return rc;
		wb_message(b, 4, &st->base);
		protobuf_c_message_free_unpacked(&st->base, NULL);
		break;
	}
	case MLMD__PB__PROPERTY_TYPE__PROTO: {
		size_t n;
		const void *blob = mlmd__q_col_blob(q, base + 6, &n);
		if (wb_any(b, 5, blob ? blob : (const void *)"", n))
			return mlmd__fail(MLMD_DATA_LOSS, "stored proto property value does not parse as Any");
		break;
	}
	default:
		break;
	}
	return 0;
}

/* A map<string, Value> entry with an int or (s != NULL) a string value: the
 * marks of a tombstone. */
static void wb_mark(mlmd_buf *b, const char *key, int64_t i, const char *s)
{
	size_t at = wb_begin(b, F_CUSTOM_PROPERTIES);
	wb_str(b, 1, key);
	size_t v = wb_begin(b, 2);
	if (s)
		wb_str(b, 3, s);
	else
		wb_i64(b, 1, i);
	wb_end(b, v);
	wb_end(b, at);
}

/* Where one node's property entries sit in the chunk's scratch buffer. */
typedef struct prop_range {
	int64_t id;
	size_t off, end;
} prop_range;

/* Writes one part of the node in the current row of `q` (its columns from
 * `base`) into `b`: part 0 the fields before the properties, part 1 the
 * tombstone's marks (`marks`: the row has those columns) and the fields
 * after; the property entries go between the two. */
static int wb_node_part(const node_kind *k, sqlq *q, int base, int64_t id, int64_t type_id, int marks, int part,
			mlmd_buf *b)
{
	int tomb = marks && !mlmd__q_isnull(q, base + C_DELETED);
	const slot_num *f = node_fields[k->kind];
	while (f->slot != S_PROPS)
		f++;
	const slot_num *from = part ? f : node_fields[k->kind], *to = part ? NULL : f;
	for (f = from; f != to && f->slot != S_END; f++) {
		const char *s = NULL;
		switch (f->slot) {
		case S_ID: wb_i64(b, f->num, id); break;
		case S_TYPE_ID: wb_i64(b, f->num, type_id); break;
		case S_URI: s = mlmd__q_col_text(q, base + C_URI); break;
		case S_NAME: s = tomb ? NULL : mlmd__q_col_text(q, base + C_NAME); break; /* a tombstone's name is cleared */
		case S_TYPE: s = mlmd__q_col_text(q, base + C_TYPE); break;
		case S_EXTID: s = mlmd__q_col_text(q, base + C_EXTID); break;
		case S_CTIME: wb_i64(b, f->num, mlmd__q_col_i64(q, base + C_CTIME)); break;
		case S_MTIME: wb_i64(b, f->num, mlmd__q_col_i64(q, base + C_MTIME)); break;
		case S_STATE:
			if (!mlmd__q_isnull(q, base + C_STATE))
				wb_i32(b, f->num, (int32_t)mlmd__q_col_i64(q, base + C_STATE));
			break;
		case S_PROPS: /* the entries are the caller's; the marks follow them */
			if (tomb) {
				const char *by = mlmd__q_col_text(q, base + C_BY), *why;
				wb_mark(b, "mlmd.deleted_time", mlmd__q_col_i64(q, base + C_DELETED), NULL);
				wb_mark(b, "mlmd.deleted_by", 0, by ? by : "");
				why = mlmd__q_col_text(q, base + C_REASON);
				wb_mark(b, "mlmd.delete_reason", 0, why ? why : "");
			}
			break;
		case S_SYSMETA: {
			size_t n;
			const void *sm = mlmd__q_col_blob(q, base + C_SYSMETA, &n);
			if (sm && wb_any(b, f->num, sm, n))
				return mlmd__fail(MLMD_DATA_LOSS, "%s %lld: stored system_metadata does not parse", k->what,
						  (long long)id);
			break;
		}
		default: break;
		}
		if (s)
			wb_str(b, f->num, s);
	}
	return 0;
}

/* Writes the node in the current row of `q` as field `field` of `b`, its
 * property entries being props[0..nprops). */
static int wb_node(const node_kind *k, sqlq *q, int64_t id, int64_t type_id, int marks, const char *props,
		   size_t nprops, mlmd_buf *b, unsigned field)
{
	size_t at = wb_begin(b, field);
	int rc = wb_node_part(k, q, 0, id, type_id, marks, 0, b);
	wb_raw(b, props, nprops);
	if (!rc)
		rc = wb_node_part(k, q, 0, id, type_id, marks, 1, b);
	wb_end(b, at);
	return rc;
}

/* ---- node rows read by the walk's hops ----------------------------------------------------- */

static const node_kind *kind_of(int kind)
{
	return kind == KIND_ARTIFACT ? &mlmd__artifact_kind : &mlmd__execution_kind;
}

/* One property entry (field 4 or 5) from the row of `q`: is_custom, name
 * and the value columns from `base`. */
static int wb_prop(mlmd_buf *b, sqlq *q, int base)
{
	const char *key = mlmd__q_col_text(q, base + 1);
	size_t at = wb_begin(b, mlmd__q_col_i64(q, base) ? F_CUSTOM_PROPERTIES : F_PROPERTIES);
	if (key)
		wb_str(b, 1, key);
	size_t v = wb_begin(b, 2);
	int rc = wb_value(b, q, base + 2);
	wb_end(b, v);
	wb_end(b, at);
	return rc;
}

int mlmd__wire_lineage_hydrate(void *ctx, int kind, int64_t id, sqlq *q, int base, int more)
{
	wire_rows *r = &((wire_rows *)ctx)[kind];
	if (more) { /* one more property of the node last begun */
		if (r->dropped == id || !r->n || r->v[r->n - 1].id != id)
			return 0;
		wire_row *w = &r->v[r->n - 1];
		if (!mlmd__q_isnull(q, base + MLMD_WN_PROP_CUSTOM) && wb_prop(&r->buf, q, base + MLMD_WN_PROP_CUSTOM)) {
			r->buf.len = w->off; /* left to the load statements, which report it if kept */
			r->tails.len = w->tail;
			r->n--;
			r->dropped = id;
			return 0;
		}
		w->props_end = r->buf.len;
		return r->buf.oom ? MLMD_OOM() : 0;
	}
	if (mlmd__q_isnull(q, base + C_ID) || mlmd__q_isnull(q, base + C_TYPE))
		return 0; /* absent (or typeless): the load statements decide, as without hops */
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		wire_row *v = realloc(r->v, cap * sizeof *v);
		if (!v)
			return MLMD_OOM();
		r->v = v;
		r->cap = cap;
	}
	const node_kind *k = kind_of(kind);
	int64_t type_id = mlmd__q_col_i64(q, base + C_TYPE_ID);
	wire_row w = { id, type_id, r->buf.len, 0, 0, r->tails.len, 0 };
	int bad = wb_node_part(k, q, base, id, type_id, 1, 0, &r->buf);
	w.split = r->buf.len;
	if (!bad && !mlmd__q_isnull(q, base + MLMD_WN_PROP_CUSTOM))
		bad = wb_prop(&r->buf, q, base + MLMD_WN_PROP_CUSTOM);
	w.props_end = r->buf.len;
	if (!bad)
		bad = wb_node_part(k, q, base, id, type_id, 1, 1, &r->tails);
	w.tail_end = r->tails.len;
	if (bad) { /* left to the load statements, which report it if kept */
		r->buf.len = w.off;
		r->tails.len = w.tail;
		r->dropped = id;
		return 0;
	}
	if (r->buf.oom || r->tails.oom)
		return MLMD_OOM();
	r->v[r->n++] = w;
	return 0;
}

static int row_cmp(const void *a, const void *b)
{
	int64_t x = ((const wire_row *)a)->id, y = ((const wire_row *)b)->id;
	return x < y ? -1 : x > y;
}

void mlmd__wire_rows_sort(wire_rows *r)
{
	if (r->n > 1)
		qsort(r->v, r->n, sizeof *r->v, row_cmp);
}

void mlmd__wire_rows_free(wire_rows *r)
{
	mlmd__buf_free(&r->buf);
	mlmd__buf_free(&r->tails);
	free(r->v);
	*r = (wire_rows){ 0 };
}

/* The row read by a hop for node `id`, or NULL. */
static const wire_row *row_find(const wire_rows *r, int64_t id)
{
	if (!r || !r->n)
		return NULL;
	wire_row key = { .id = id };
	return bsearch(&key, r->v, r->n, sizeof *r->v, row_cmp);
}

/* Reads the properties of the chunk's nodes into `pb`, one range per node. */
static int chunk_props(call *c, const node_kind *k, const int64_t *ids, size_t m, mlmd_buf *pb, prop_range *r,
		       size_t *nr, mlmd__q_family *fam)
{
	int size, slot = mlmd__in_slot(m, &size);
	sqlq *qp;
	pb->len = 0;
	*nr = 0;
	int rc = mlmd__q_family_get(c->sql, fam, k->sql.props_in, slot, &qp);
	if (rc)
		return rc;
	int pos = 1;
	mlmd__q_bind_ids(qp, &pos, ids, m, size);
	while ((rc = mlmd__q_step(qp)) == 1) {
		int64_t id = mlmd__q_col_i64(qp, 0);
		if (!*nr || r[*nr - 1].id != id) {
			if (*nr == MLMD_IN_MAX) { /* more node ids than asked for: cannot happen */
				rc = mlmd__fail(MLMD_INTERNAL, "%s properties: unexpected node %lld", k->what,
						(long long)id);
				break;
			}
			r[(*nr)++] = (prop_range){ id, pb->len, pb->len };
		}
		int custom = (int)mlmd__q_col_i64(qp, 1);
		const char *key = mlmd__q_col_text(qp, 2);
		size_t at = wb_begin(pb, custom ? F_CUSTOM_PROPERTIES : F_PROPERTIES);
		if (key)
			wb_str(pb, 1, key);
		size_t v = wb_begin(pb, 2);
		if ((rc = wb_value(pb, qp, 3)))
			break;
		wb_end(pb, v);
		wb_end(pb, at);
		r[*nr - 1].end = pb->len;
	}
	mlmd__q_done(qp);
	if (!rc && pb->oom)
		rc = MLMD_OOM();
	return rc < 0 ? rc : 0;
}

int mlmd__wire_lineage_nodes(call *c, const node_kind *k, const int64_t *ids, size_t n, int walk, mlmd_buf *out,
			     unsigned field, type_ids *types, const wire_rows *pre)
{
	int marks = walk && c->s->schema_version >= MLMD_DG_SCHEMA_VERSION;
	const char *const *load = marks ? walk_load_in[k->kind]
				: walk || !MLMD_LIVE_ONLY(c) ? k->sql.load_in
							     : k->sql.load_in_live;
	mlmd_buf pb = { 0 };
	prop_range r[MLMD_IN_MAX];
	mlmd__q_family props_q, load_q; /* each looked up once for all the chunks */
	memset(&props_q, 0, sizeof props_q);
	memset(&load_q, 0, sizeof load_q);
	int rc = 0;
	size_t chunk = mlmd__in_chunk(n);
	for (size_t at = 0; at < n && !rc; at += chunk) {
		size_t m = n - at < chunk ? n - at : chunk, nr = 0, ri = 0;
		const wire_row *got[MLMD_IN_MAX];
		size_t ngot = 0;
		for (size_t i = 0; marks && i < m && (got[i] = row_find(pre, ids[at + i])); i++)
			ngot++;
		if (ngot == m) { /* every node was read by the walk's hops */
			for (size_t i = 0; i < m && !rc; i++) {
				const wire_row *g = got[i];
				size_t nat = wb_begin(out, field);
				wb_raw(out, pre->buf.p + g->off, g->props_end - g->off);
				wb_raw(out, pre->tails.p + g->tail, g->tail_end - g->tail);
				wb_end(out, nat);
				if (types)
					rc = type_ids_add(types, g->type_id);
			}
			continue;
		}
		if ((rc = chunk_props(c, k, ids + at, m, &pb, r, &nr, &props_q)))
			break;
		int size, slot = mlmd__in_slot(m, &size);
		sqlq *qp;
		if ((rc = mlmd__q_family_get(c->sql, &load_q, load, slot, &qp)))
			break;
		int pos = 1;
		mlmd__q_bind_ids(qp, &pos, ids + at, m, size);
		while ((rc = mlmd__q_step(qp)) == 1) {
			int64_t id = mlmd__q_col_i64(qp, C_ID);
			while (ri < nr && r[ri].id < id)
				ri++;
			int has = ri < nr && r[ri].id == id;
			int64_t type_id = mlmd__q_col_i64(qp, C_TYPE_ID);
			if ((rc = wb_node(k, qp, id, type_id, marks, has ? pb.p + r[ri].off : NULL,
					  has ? r[ri].end - r[ri].off : 0, out, field)))
				break;
			if (types && (rc = type_ids_add(types, type_id)))
				break;
		}
		mlmd__q_done(qp);
		if (rc > 0)
			rc = 0;
	}
	mlmd__buf_free(&pb);
	return rc;
}

int mlmd__wire_lineage_types(call *c, int kind, const type_ids *t, mlmd_buf *out, unsigned field)
{
	for (size_t i = 0; i < t->n; i++) {
		ProtobufCMessage *m = NULL;
		int rc = mlmd__type_load(c, kind, t->ids[i], &m);
		if (rc < 0)
			return rc;
		if (m) {
			wb_message(out, field, m);
			protobuf_c_message_free_unpacked(m, NULL);
		}
	}
	return 0;
}
