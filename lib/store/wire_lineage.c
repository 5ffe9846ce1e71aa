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
 * that is widened (the body moved) in the rare case it does not fit. The
 * nodes are written by store/wire_lineage_nodes.c.
 */
#include "lineage.h"
#include "wire_lineage.h"

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
				if (e->path_len)
					wb_raw(out, sb.p + e->path_off, e->path_len);
				wb_end(out, p);
			}
			wb_i32(out, 4, e->type);
			wb_i64(out, 5, e->ms);
			if (e->sm_len) /* field 6 with its tag, when set (sb.p is NULL while sb is empty) */
				wb_raw(out, sb.p + e->sm_off, e->sm_len);
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
		rc = mlmd__wire_lineage_nodes(c, &mlmd__context_kind, cids, ncids, 0, (fields & F_CONTEXTS) ? &sec[6] : &scratch, 6,
			      (fields & F_CONTEXT_TYPES) ? &types : NULL);
		if (!rc && (fields & F_CONTEXT_TYPES))
			rc = mlmd__wire_lineage_types(c, KIND_CONTEXT, &types, &sec[3], 3);
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
			rc = mlmd__wire_lineage_nodes(c, k == KIND_ARTIFACT ? &mlmd__artifact_kind : &mlmd__execution_kind, w->ids[k],
				      w->n[k], 1, &sec[kinds[i].field], kinds[i].field,
				      (fields & kinds[i].want_types) ? &types[i] : NULL);
	}
	for (int i = 0; i < 2 && !rc; i++)
		if (fields & kinds[i].want_types)
			rc = mlmd__wire_lineage_types(c, kinds[i].kind, &types[i], &sec[kinds[i].types_field], kinds[i].types_field);
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
