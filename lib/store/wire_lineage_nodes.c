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

int mlmd__wire_lineage_nodes(call *c, const node_kind *k, const int64_t *ids, size_t n, int walk, mlmd_buf *out,
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
