/*
 * store/wire_lineage.c - GetLineageSubgraph answered in wire format
 * (store/wire.h).
 *
 * The request is read and the walk run exactly as the struct handler does
 * (mlmd__lineage_subgraph_walk, store/lineage.c); then the LineageGraph is
 * written from the rows as they arrive, with the same statements in the same
 * order as the struct handler, so the bytes are those its packed response
 * would give (tests/test_wire_lineage.c compares them on every option).
 *
 * protobuf-c packs fields by field number, repeated fields in array order,
 * optional scalars when their has_ flag is set and strings and messages when
 * not NULL; the writers below follow those rules. Each section of the graph
 * (LineageGraph field 1 to 10) is written to its own buffer, because the
 * types (fields 1 to 3) are known only once the nodes (4 to 6) are read.
 * Messages whose length is not known in advance get a one-byte length slot
 * that is widened (the body moved) in the rare case it does not fit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "wire.h"
#include "lineage.h"
#include "datagov.h"

/* ---- a minimal protobuf writer over mlmd_buf ------------------------------------------ */

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2 };

/* Makes room for n more bytes (plus the NUL mlmd_buf keeps room for). */
static int wb_grow(mlmd_buf *b, size_t n)
{
	if (b->oom)
		return -1;
	size_t cap = b->cap ? b->cap : 1024; /* a walk's section in one allocation, mostly */
	while (cap < b->len + n + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

static inline int wb_room(mlmd_buf *b, size_t n)
{
	return !b->oom && b->len + n + 1 <= b->cap ? 0 : wb_grow(b, n);
}

static inline void wb_varint(mlmd_buf *b, uint64_t v)
{
	if (wb_room(b, 10))
		return;
	uint8_t *p = (uint8_t *)b->p + b->len;
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	b->len += n;
}

static inline void wb_tag(mlmd_buf *b, unsigned field, unsigned wt)
{
	wb_varint(b, (uint64_t)field << 3 | wt);
}

static inline void wb_raw(mlmd_buf *b, const void *p, size_t n)
{
	if (n && !wb_room(b, n)) {
		memcpy(b->p + b->len, p, n);
		b->len += n;
	}
}

/* int64 (and uint64) fields: the value's two's complement as a varint. */
static inline void wb_i64(mlmd_buf *b, unsigned field, int64_t v)
{
	wb_tag(b, field, WT_VARINT);
	wb_varint(b, (uint64_t)v);
}

/* int32 and enum fields: negative values sign-extended to ten bytes. */
static inline void wb_i32(mlmd_buf *b, unsigned field, int32_t v)
{
	wb_tag(b, field, WT_VARINT);
	wb_varint(b, (uint64_t)(int64_t)v);
}

static inline void wb_double(mlmd_buf *b, unsigned field, double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof u);
	uint8_t le[8];
	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(u >> (8 * i));
	wb_tag(b, field, WT_I64);
	wb_raw(b, le, sizeof le);
}

static inline void wb_bytes(mlmd_buf *b, unsigned field, const void *p, size_t n)
{
	wb_tag(b, field, WT_LEN);
	wb_varint(b, n);
	wb_raw(b, p, n);
}

static inline void wb_str(mlmd_buf *b, unsigned field, const char *s)
{
	wb_bytes(b, field, s, strlen(s));
}

/* Starts a length-delimited field whose length comes later: returns where
 * its one-byte length slot is, for wb_end(). */
static inline size_t wb_begin(mlmd_buf *b, unsigned field)
{
	wb_tag(b, field, WT_LEN);
	wb_room(b, 1);
	size_t at = b->len;
	if (!b->oom)
		b->len++;
	return at;
}

/* Ends the field wb_begin() started at `at`: fills in its length, moving
 * the body up when the length takes more than one byte. */
static inline void wb_end(mlmd_buf *b, size_t at)
{
	if (b->oom)
		return;
	size_t n = b->len - at - 1;
	if (n < 0x80) {
		b->p[at] = (char)n;
		return;
	}
	size_t k = 1;
	for (size_t v = n; v >= 0x80; v >>= 7)
		k++;
	if (wb_room(b, k - 1))
		return;
	memmove(b->p + at + k, b->p + at + 1, n);
	size_t end = b->len + k - 1;
	b->len = at;
	wb_varint(b, n);
	b->len = end;
}

/* A message field packed by protobuf-c (Any, Struct, types: rare or few). */
static void wb_message(mlmd_buf *b, unsigned field, const ProtobufCMessage *m)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	wb_tag(b, field, WT_LEN);
	wb_varint(b, n);
	if (!wb_room(b, n))
		b->len += protobuf_c_message_pack(m, (uint8_t *)b->p + b->len);
}

/* A stored google.protobuf.Any blob, written as packing its parse gives
 * (the blob may hold unknown fields in another order); NULL when it does not
 * parse. */
static int wb_any(mlmd_buf *b, unsigned field, const void *blob, size_t n)
{
	Mlmd__Pb__Wkt__Any *any = mlmd__pb__wkt__any__unpack(NULL, n, blob);
	if (!any)
		return -1;
	wb_message(b, field, &any->base);
	protobuf_c_message_free_unpacked(&any->base, NULL);
	return 0;
}

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
 * the struct handler's second one (mlmd__dg_tombstone_mark): same rows. */
#define WALK_COLS                                                                                            \
	"n.id, n.type_id, t.name, n.name, n.external_id, n.uri, n.state, n.create_time, n.update_time,"      \
	" n.system_metadata, n.deleted_time, n.deleted_by, n.delete_reason"
enum { C_ID, C_TYPE_ID, C_TYPE, C_NAME, C_EXTID, C_URI, C_STATE, C_CTIME, C_MTIME, C_SYSMETA, C_DELETED, C_BY,
       C_REASON };
static const char *const walk_load_in[2][5] = {
	[KIND_EXECUTION] = MLMD_IN_SQL("SELECT " WALK_COLS " FROM execution n JOIN type t ON t.id = n.type_id"
				       " WHERE n.id IN (", ") ORDER BY n.id"),
	[KIND_ARTIFACT] = MLMD_IN_SQL("SELECT " WALK_COLS " FROM artifact n JOIN type t ON t.id = n.type_id"
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

/* Writes the node in the current row of `q` as field `field` of `b`, its
 * property entries being props[0..nprops). `marks`: the row has the
 * tombstone columns of WALK_COLS. */
static int wb_node(const node_kind *k, sqlq *q, int64_t id, int64_t type_id, int marks, const char *props,
		   size_t nprops, mlmd_buf *b, unsigned field)
{
	int tomb = marks && !mlmd__q_isnull(q, C_DELETED);
	size_t at = wb_begin(b, field);
	for (const slot_num *f = node_fields[k->kind]; f->slot != S_END; f++) {
		const char *s = NULL;
		switch (f->slot) {
		case S_ID: wb_i64(b, f->num, id); break;
		case S_TYPE_ID: wb_i64(b, f->num, type_id); break;
		case S_URI: s = mlmd__q_col_text(q, C_URI); break;
		case S_NAME: s = tomb ? NULL : mlmd__q_col_text(q, C_NAME); break; /* a tombstone's name is cleared */
		case S_TYPE: s = mlmd__q_col_text(q, C_TYPE); break;
		case S_EXTID: s = mlmd__q_col_text(q, C_EXTID); break;
		case S_CTIME: wb_i64(b, f->num, mlmd__q_col_i64(q, C_CTIME)); break;
		case S_MTIME: wb_i64(b, f->num, mlmd__q_col_i64(q, C_MTIME)); break;
		case S_STATE:
			if (!mlmd__q_isnull(q, C_STATE))
				wb_i32(b, f->num, (int32_t)mlmd__q_col_i64(q, C_STATE));
			break;
		case S_PROPS:
			wb_raw(b, props, nprops);
			if (tomb) {
				const char *by = mlmd__q_col_text(q, C_BY), *why;
				wb_mark(b, "mlmd.deleted_time", mlmd__q_col_i64(q, C_DELETED), NULL);
				wb_mark(b, "mlmd.deleted_by", 0, by ? by : "");
				why = mlmd__q_col_text(q, C_REASON);
				wb_mark(b, "mlmd.delete_reason", 0, why ? why : "");
			}
			break;
		case S_SYSMETA: {
			size_t n;
			const void *sm = mlmd__q_col_blob(q, C_SYSMETA, &n);
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
	wb_end(b, at);
	return 0;
}

/* The type ids of written nodes, each once, in first-seen order. */
typedef struct type_ids {
	mlmd__idset seen;
	int64_t *ids;
	size_t n;
} type_ids;

static int type_ids_add(type_ids *t, int64_t id)
{
	int added = mlmd__idset_add(&t->seen, id);
	if (added < 0 || (added && mlmd__push_i64(&t->ids, &t->n, id)))
		return MLMD_OOM();
	return 0;
}

static void type_ids_free(type_ids *t)
{
	free(t->seen.v);
	free(t->ids);
}

/* Reads the properties of the chunk's nodes into `pb`, one range per node. */
static int chunk_props(call *c, const node_kind *k, const int64_t *ids, size_t m, mlmd_buf *pb, prop_range *r,
		       size_t *nr)
{
	int size, slot = mlmd__in_slot(m, &size);
	sqlq q;
	pb->len = 0;
	*nr = 0;
	int rc = mlmd__q(c->sql, &q, k->sql.props_in[slot]);
	if (rc)
		return rc;
	int pos = 1;
	mlmd__q_bind_ids(&q, &pos, ids, m, size);
	while ((rc = mlmd__q_step(&q)) == 1) {
		int64_t id = mlmd__q_col_i64(&q, 0);
		if (!*nr || r[*nr - 1].id != id) {
			if (*nr == MLMD_IN_MAX) { /* more node ids than asked for: cannot happen */
				rc = mlmd__fail(MLMD_INTERNAL, "%s properties: unexpected node %lld", k->what,
						(long long)id);
				break;
			}
			r[(*nr)++] = (prop_range){ id, pb->len, pb->len };
		}
		int custom = (int)mlmd__q_col_i64(&q, 1);
		const char *key = mlmd__q_col_text(&q, 2);
		size_t at = wb_begin(pb, custom ? F_CUSTOM_PROPERTIES : F_PROPERTIES);
		if (key)
			wb_str(pb, 1, key);
		size_t v = wb_begin(pb, 2);
		if ((rc = wb_value(pb, &q, 3)))
			break;
		wb_end(pb, v);
		wb_end(pb, at);
		r[*nr - 1].end = pb->len;
	}
	mlmd__q_done(&q);
	if (!rc && pb->oom)
		rc = MLMD_OOM();
	return rc < 0 ? rc : 0;
}

/* Writes the nodes `ids` (sorted, each once; absent ones skipped) as field
 * `field` of `out`, as mlmd__node_load_ids loads them: `walk` set, tombstones
 * included and marked (what the walk's nodes get), else as any other read on
 * this call. Their type ids go to `types` when not NULL. */
static int wb_nodes(call *c, const node_kind *k, const int64_t *ids, size_t n, int walk, mlmd_buf *out,
		    unsigned field, type_ids *types)
{
	int marks = walk && c->s->schema_version >= MLMD_DG_SCHEMA_VERSION;
	const char *const *load = marks ? walk_load_in[k->kind]
				: walk || !MLMD_LIVE_ONLY(c) ? k->sql.load_in
							     : k->sql.load_in_live;
	mlmd_buf pb = { 0 };
	prop_range r[MLMD_IN_MAX];
	int rc = 0;
	size_t chunk = mlmd__in_chunk(n);
	for (size_t at = 0; at < n && !rc; at += chunk) {
		size_t m = n - at < chunk ? n - at : chunk, nr = 0, ri = 0;
		if ((rc = chunk_props(c, k, ids + at, m, &pb, r, &nr)))
			break;
		int size, slot = mlmd__in_slot(m, &size);
		sqlq q;
		if ((rc = mlmd__q(c->sql, &q, load[slot])))
			break;
		int pos = 1;
		mlmd__q_bind_ids(&q, &pos, ids + at, m, size);
		while ((rc = mlmd__q_step(&q)) == 1) {
			int64_t id = mlmd__q_col_i64(&q, C_ID);
			while (ri < nr && r[ri].id < id)
				ri++;
			int has = ri < nr && r[ri].id == id;
			int64_t type_id = mlmd__q_col_i64(&q, C_TYPE_ID);
			if ((rc = wb_node(k, &q, id, type_id, marks, has ? pb.p + r[ri].off : NULL,
					  has ? r[ri].end - r[ri].off : 0, out, field)))
				break;
			if (types && (rc = type_ids_add(types, type_id)))
				break;
		}
		mlmd__q_done(&q);
		if (rc > 0)
			rc = 0;
	}
	mlmd__buf_free(&pb);
	return rc;
}

/* The types `t` of one kind, as field `field` (packed by protobuf-c: a
 * response has a few). */
static int wb_types(call *c, int kind, const type_ids *t, mlmd_buf *out, unsigned field)
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

/* ---- events ------------------------------------------------------------------------------ */

static const char *const events_of_artifacts[5] = MLMD_IN_SQL(MLMD_EVENT_COLS " WHERE artifact_id IN (", ")");
static const char *const paths_in[5] = MLMD_IN_SQL("SELECT event_id, step_index, step_key FROM event_path"
						   " WHERE event_id IN (", ") ORDER BY event_id, position");

/* One event row kept for the response; its path and system_metadata bytes
 * sit in a scratch buffer. */
typedef struct ev_row {
	int64_t id, artifact_id, execution_id, ms;
	int32_t type;
	size_t sm_off, sm_len, path_off, path_len;
	int has_path;
} ev_row;

/* Reads the steps of events ev[0..n) into `sb` (one query per MLMD_IN_MAX
 * events, as edges.c's load_paths). */
static int event_paths(call *c, ev_row *ev, size_t n, mlmd_buf *sb)
{
	int64_t few[64], *eids = n <= 64 ? few : malloc(n * sizeof *eids);
	if (!eids)
		return MLMD_OOM();
	for (size_t i = 0; i < n; i++)
		eids[i] = ev[i].id;
	int rc = 0;
	size_t chunk = mlmd__in_chunk(n);
	for (size_t at = 0; at < n && !rc; at += chunk) {
		size_t m = n - at < chunk ? n - at : chunk;
		int size, slot = mlmd__in_slot(m, &size);
		sqlq q;
		if ((rc = mlmd__q(c->sql, &q, paths_in[slot])))
			break;
		int pos = 1;
		mlmd__q_bind_ids(&q, &pos, eids + at, m, size);
		ev_row *e = NULL;
		int64_t cur = 0;
		while ((rc = mlmd__q_step(&q)) == 1) {
			int64_t eid = mlmd__q_col_i64(&q, 0);
			if (!e || eid != cur) {
				e = NULL;
				cur = eid;
				for (size_t i = at; i < at + m && !e; i++)
					if (eids[i] == eid)
						e = &ev[i];
				if (e && !e->has_path) {
					e->has_path = 1;
					e->path_off = sb->len;
				}
			}
			if (!e)
				continue;
			size_t st = wb_begin(sb, 1);
			if (!mlmd__q_isnull(&q, 1))
				wb_i64(sb, 1, mlmd__q_col_i64(&q, 1));
			else if (!mlmd__q_isnull(&q, 2))
				wb_str(sb, 2, mlmd__q_col_text(&q, 2));
			wb_end(sb, st);
			e->path_len = sb->len - e->path_off;
		}
		mlmd__q_done(&q);
		if (rc > 0)
			rc = 0;
	}
	if (eids != few)
		free(eids);
	return rc;
}

/* Every event between two nodes of the result (field 7), read by artifact
 * chunk as store/lineage.c reads them. */
static int wb_events(call *c, const mlmd__walk *w, mlmd_buf *out)
{
	const int64_t *ids = w->ids[KIND_ARTIFACT];
	size_t na = w->n[KIND_ARTIFACT];
	size_t chunk = mlmd__in_chunk(na);
	ev_row *ev = NULL;
	size_t nev = 0, cap = 0;
	mlmd_buf sb = { 0 };
	int rc = 0;
	for (size_t at = 0; at < na && !rc; at += chunk) {
		size_t m = na - at < chunk ? na - at : chunk;
		int size, slot = mlmd__in_slot(m, &size);
		sqlq q;
		if ((rc = mlmd__q(c->sql, &q, events_of_artifacts[slot])))
			break;
		int pos = 1;
		mlmd__q_bind_ids(&q, &pos, ids + at, m, size);
		nev = 0;
		sb.len = 0;
		while ((rc = mlmd__q_step(&q)) == 1) {
			int64_t x = mlmd__q_col_i64(&q, 2);
			if (!mlmd__idset_has(&w->in[KIND_EXECUTION], x))
				continue;
			if (nev == cap) {
				size_t nc = cap ? 2 * cap : 16;
				ev_row *v = realloc(ev, nc * sizeof *v);
				if (!v) {
					rc = MLMD_OOM();
					break;
				}
				ev = v;
				cap = nc;
			}
			ev_row *e = &ev[nev++];
			*e = (ev_row){ .id = mlmd__q_col_i64(&q, 0), .artifact_id = mlmd__q_col_i64(&q, 1),
				       .execution_id = x, .type = (int32_t)mlmd__q_col_i64(&q, 3),
				       .ms = mlmd__q_col_i64(&q, 4) };
			size_t smn;
			const void *sm = mlmd__q_col_blob(&q, 5, &smn);
			if (sm) {
				size_t before = sb.len;
				if (wb_any(&sb, 6, sm, smn)) {
					rc = mlmd__fail(MLMD_DATA_LOSS, "stored event system_metadata does not parse");
					break;
				}
				e->sm_off = before;
				e->sm_len = sb.len - before;
			}
		}
		mlmd__q_done(&q);
		if (rc > 0)
			rc = 0;
		if (!rc && nev)
			rc = event_paths(c, ev, nev, &sb);
		if (!rc && sb.oom)
			rc = MLMD_OOM();
		for (size_t i = 0; i < nev && !rc; i++) {
			const ev_row *e = &ev[i];
			size_t eat = wb_begin(out, 7);
			wb_i64(out, 1, e->artifact_id);
			wb_i64(out, 2, e->execution_id);
			if (e->has_path) {
				size_t p = wb_begin(out, 3);
				wb_raw(out, sb.p + e->path_off, e->path_len);
				wb_end(out, p);
			}
			wb_i32(out, 4, e->type);
			wb_i64(out, 5, e->ms);
			wb_raw(out, sb.p + e->sm_off, e->sm_len); /* field 6 with its tag, when set */
			wb_end(out, eat);
		}
	}
	free(ev);
	mlmd__buf_free(&sb);
	return rc;
}

/* ---- contexts and their edges -------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Contexts of the result's nodes with the edges that link them (fields 3,
 * 6, 8, 9, 10 of sec[]), as store/lineage.c's fill() reads them. */
static int wb_contexts(call *c, const mlmd__walk *w, int fields, mlmd_buf *sec)
{
	mlmd__idset cset = { 0 };
	int64_t *cids = NULL;
	size_t ncids = 0;
	int rc = 0;
	for (int k = 0; k < 2 && !rc; k++) {
		const char *sql = k == KIND_ARTIFACT ? "SELECT context_id FROM attribution WHERE artifact_id = ?"
						     : "SELECT context_id FROM association WHERE execution_id = ?";
		int want = k == KIND_ARTIFACT ? F_ATTRIBUTIONS : F_ASSOCIATIONS;
		mlmd_buf *edges = &sec[k == KIND_ARTIFACT ? 8 : 9];
		for (size_t i = 0; i < w->n[k] && !rc; i++) {
			sqlq q;
			if ((rc = mlmd__q(c->sql, &q, sql)))
				break;
			mlmd__q_i64(&q, 1, w->ids[k][i]);
			while ((rc = mlmd__q_step(&q)) == 1) {
				int64_t cid = mlmd__q_col_i64(&q, 0);
				int added = mlmd__idset_add(&cset, cid);
				if (added < 0 || (added && mlmd__push_i64(&cids, &ncids, cid))) {
					rc = -MLMD_RESOURCE_EXHAUSTED;
					break;
				}
				if (!(fields & want))
					continue;
				size_t at = wb_begin(edges, k == KIND_ARTIFACT ? 8 : 9);
				wb_i64(edges, 1, w->ids[k][i]); /* artifact_id or execution_id */
				wb_i64(edges, 2, cid);
				wb_end(edges, at);
			}
			mlmd__q_done(&q);
			if (rc > 0)
				rc = 0;
		}
	}
	if (!rc && ncids > 1)
		qsort(cids, ncids, sizeof *cids, cmp_i64);
	if (!rc && (fields & (F_CONTEXTS | F_CONTEXT_TYPES))) {
		type_ids types;
		memset(&types, 0, sizeof types);
		mlmd_buf scratch = { 0 }; /* contexts read only for their types */
		rc = wb_nodes(c, &mlmd__context_kind, cids, ncids, 0, (fields & F_CONTEXTS) ? &sec[6] : &scratch, 6,
			      (fields & F_CONTEXT_TYPES) ? &types : NULL);
		if (!rc && (fields & F_CONTEXT_TYPES))
			rc = wb_types(c, KIND_CONTEXT, &types, &sec[3], 3);
		mlmd__buf_free(&scratch);
		type_ids_free(&types);
	}
	for (size_t i = 0; !rc && (fields & F_PARENT_CONTEXTS) && i < ncids; i++) {
		sqlq q;
		if ((rc = mlmd__q(c->sql, &q, "SELECT parent_id FROM parent_context WHERE child_id = ? ORDER BY parent_id")))
			break;
		mlmd__q_i64(&q, 1, cids[i]);
		while ((rc = mlmd__q_step(&q)) == 1) {
			int64_t par = mlmd__q_col_i64(&q, 0);
			if (!mlmd__idset_has(&cset, par))
				continue;
			size_t at = wb_begin(&sec[10], 10);
			wb_i64(&sec[10], 1, cids[i]);
			wb_i64(&sec[10], 2, par);
			wb_end(&sec[10], at);
		}
		mlmd__q_done(&q);
		if (rc > 0)
			rc = 0;
	}
	free(cids);
	free(cset.v);
	return rc;
}

/* ---- the response ---------------------------------------------------------------------------- */

/* The LineageGraph of walk `w` (field 1 of the response), with what
 * `fields` asks for; as store/lineage.c's fill(), artifacts and executions
 * are written whenever they or their types are asked for. */
static int wb_graph(call *c, const mlmd__walk *w, int fields, mlmd_buf *out)
{
	mlmd_buf sec[11] = { { 0 } }; /* by LineageGraph field number */
	type_ids types[2];
	memset(types, 0, sizeof types);
	int rc = 0;
	static const struct {
		int kind, need, want_types;
		unsigned field, types_field;
	} kinds[2] = {
		{ KIND_ARTIFACT, F_ARTIFACTS | F_ARTIFACT_TYPES, F_ARTIFACT_TYPES, 4, 1 },
		{ KIND_EXECUTION, F_EXECUTIONS | F_EXECUTION_TYPES, F_EXECUTION_TYPES, 5, 2 },
	};
	for (int i = 0; i < 2 && !rc; i++) {
		int k = kinds[i].kind;
		if (fields & kinds[i].need)
			rc = wb_nodes(c, k == KIND_ARTIFACT ? &mlmd__artifact_kind : &mlmd__execution_kind, w->ids[k],
				      w->n[k], 1, &sec[kinds[i].field], kinds[i].field,
				      (fields & kinds[i].want_types) ? &types[i] : NULL);
	}
	for (int i = 0; i < 2 && !rc; i++)
		if (fields & kinds[i].want_types)
			rc = wb_types(c, kinds[i].kind, &types[i], &sec[kinds[i].types_field], kinds[i].types_field);
	if (!rc && (fields & F_EVENTS))
		rc = wb_events(c, w, &sec[7]);
	if (!rc && (fields & (F_CONTEXTS | F_CONTEXT_TYPES | F_ATTRIBUTIONS | F_ASSOCIATIONS | F_PARENT_CONTEXTS)))
		rc = wb_contexts(c, w, fields, sec);
	size_t total = 0;
	for (int i = 1; i <= 10; i++) {
		total += sec[i].len;
		if (sec[i].oom && !rc)
			rc = MLMD_OOM();
	}
	if (!rc) {
		wb_tag(out, 1, WT_LEN);
		wb_varint(out, total);
		if (!wb_room(out, total))
			for (int i = 1; i <= 10; i++)
				wb_raw(out, sec[i].p, sec[i].len);
	}
	for (int i = 0; i < 11; i++)
		mlmd__buf_free(&sec[i]);
	type_ids_free(&types[0]);
	type_ids_free(&types[1]);
	return rc;
}

static int wire_subgraph(call *c, const ProtobufCMessage *rqm, mlmd_buf *out)
{
	mlmd__walk w;
	int fields;
	int rc = mlmd__lineage_subgraph_walk(c, (const Mlmd__Pb__GetLineageSubgraphRequest *)rqm, &w, &fields);
	if (!rc)
		rc = wb_graph(c, &w, fields, out);
	if (!rc && w.partial) {
		wb_i64(out, 1000, 1); /* mlmd_partial */
		if (w.reason)
			wb_str(out, 1001, w.reason);
	}
	mlmd__walk_free(&w);
	return rc;
}

mlmd__wire_fn mlmd__wire_lineage_select(const char *rpc, const ProtobufCMessage *rq)
{
	(void)rq; /* every GetLineageSubgraph request */
	return rpc && !strcmp(rpc, "GetLineageSubgraph") ? wire_subgraph : NULL;
}
