/*
 * store/wire_lineage.c - GetLineageSubgraph answered in wire format
 * (store/wire.h).
 *
 * The request is read and the walk set up exactly as the struct handler does
 * (mlmd__lineage_subgraph_setup, store/lineage.c). The walk's hops also read
 * the rows of the artifacts and executions they reach (a hydrating hop,
 * query/lineage.c; schema version 5 on), so a node costs one statement (its
 * properties) instead of two; nodes no hop read (the starting ones) are
 * loaded as before. Then the LineageGraph is written from the rows, in the
 * struct handler's order, so the bytes are those its packed response would
 * give (tests/test_wire_lineage.c compares them on every option).
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

/* The events of a chunk of artifacts with their path steps, one row per
 * step (one with NULL step columns for an event without a path), in the
 * order of store/lineage.c's events_of_artifacts and edges.c's paths. */
static const char *const events_with_paths[5] =
	MLMD_IN_SQL("SELECT e.id, e.artifact_id, e.execution_id, e.type, e.time, e.system_metadata, p.position,"
		    " p.step_index, p.step_key FROM event e LEFT JOIN event_path p ON p.event_id = e.id"
		    " WHERE e.artifact_id IN (",
		    ") ORDER BY e.artifact_id, e.execution_id, e.type, p.position");

/* The event being written: it is open from its first row to the first row
 * of the next one, its path (field 3) open while its steps arrive. */
typedef struct ev_open {
	int open, has_path;
	int64_t id, ms;
	int32_t type;
	size_t at, path_at;
	mlmd_buf sm; /* field 6 with its tag, when set */
} ev_open;

/* Writes the fields after the path and closes the event. */
static void ev_close(mlmd_buf *out, ev_open *e)
{
	if (!e->open)
		return;
	if (e->has_path)
		wb_end(out, e->path_at);
	wb_i32(out, 4, e->type);
	wb_i64(out, 5, e->ms);
	if (e->sm.len) /* sm.p is NULL while sm is empty */
		wb_raw(out, e->sm.p, e->sm.len);
	wb_end(out, e->at);
	e->open = 0;
}

/* Every event between two nodes of the result (field 7), by artifact
 * chunk as store/lineage.c reads them, each with its path from the same
 * rows. */
static int wb_events(call *c, const mlmd__walk *w, mlmd_buf *out)
{
	const int64_t *ids = w->ids[KIND_ARTIFACT];
	size_t na = w->n[KIND_ARTIFACT];
	size_t chunk = mlmd__in_chunk(na);
	mlmd__q_family fam;
	memset(&fam, 0, sizeof fam);
	ev_open e = { 0 };
	int rc = 0;
	for (size_t at = 0; at < na && !rc; at += chunk) {
		size_t m = na - at < chunk ? na - at : chunk;
		int size, slot = mlmd__in_slot(m, &size);
		sqlq *q;
		if ((rc = mlmd__q_family_get(c->sql, &fam, events_with_paths, slot, &q)))
			break;
		int pos = 1;
		mlmd__q_bind_ids(q, &pos, ids + at, m, size);
		int64_t skip = 0; /* an event outside the result, whose rows are passed over */
		while ((rc = mlmd__q_step(q)) == 1) {
			int64_t eid = mlmd__q_col_i64(q, 0);
			if (eid == skip || (e.open && eid != e.id))
				ev_close(out, &e);
			if (eid == skip)
				continue;
			if (!e.open) {
				int64_t x = mlmd__q_col_i64(q, 2);
				if (!mlmd__idset_has(&w->in[KIND_EXECUTION], x)) {
					skip = eid;
					continue;
				}
				e.open = 1;
				e.id = eid;
				e.type = (int32_t)mlmd__q_col_i64(q, 3);
				e.ms = mlmd__q_col_i64(q, 4);
				e.sm.len = 0;
				size_t smn;
				const void *sm = mlmd__q_col_blob(q, 5, &smn);
				if (sm && wb_any(&e.sm, 6, sm, smn)) {
					rc = mlmd__fail(MLMD_DATA_LOSS, "stored event system_metadata does not parse");
					break;
				}
				e.at = wb_begin(out, 7);
				wb_i64(out, 1, mlmd__q_col_i64(q, 1));
				wb_i64(out, 2, x);
				e.has_path = !mlmd__q_isnull(q, 6);
				if (e.has_path)
					e.path_at = wb_begin(out, 3);
			}
			if (e.has_path) { /* one step */
				size_t st = wb_begin(out, 1);
				if (!mlmd__q_isnull(q, 7))
					wb_i64(out, 1, mlmd__q_col_i64(q, 7));
				else if (!mlmd__q_isnull(q, 8))
					wb_str(out, 2, mlmd__q_col_text(q, 8));
				wb_end(out, st);
			}
		}
		mlmd__q_done(q);
		if (rc > 0)
			rc = 0;
		ev_close(out, &e);
		if (!rc && e.sm.oom)
			rc = MLMD_OOM();
	}
	mlmd__buf_free(&e.sm);
	return rc;
}

/* ---- contexts and their edges -------------------------------------------------------------- */

/* The wire answer's edge callbacks: attributions (field 8) and
 * associations (9) when asked for, parent contexts (10). */
typedef struct wire_fill {
	mlmd_buf *sec;
	int fields;
} wire_fill;

static int wire_edge(void *ctx, int k, int64_t node, int64_t cid)
{
	wire_fill *wf = ctx;
	if (!(wf->fields & (k == KIND_ARTIFACT ? F_ATTRIBUTIONS : F_ASSOCIATIONS)))
		return 0;
	unsigned field = k == KIND_ARTIFACT ? 8 : 9;
	mlmd_buf *b = &wf->sec[field];
	size_t at = wb_begin(b, field);
	wb_i64(b, 1, node); /* artifact_id or execution_id */
	wb_i64(b, 2, cid);
	wb_end(b, at);
	return 0;
}

static int wire_parent(void *ctx, int64_t child, int64_t par)
{
	mlmd_buf *b = ctx;
	size_t at = wb_begin(b, 10);
	wb_i64(b, 1, child);
	wb_i64(b, 2, par);
	wb_end(b, at);
	return 0;
}

/* Contexts of the result's nodes with the edges that link them (fields 3,
 * 6, 8, 9, 10 of sec[]), as store/lineage.c's fill() reads them. */
static int wb_contexts(call *c, const mlmd__walk *w, int fields, mlmd_buf *sec)
{
	mlmd__idset cset = { 0 };
	int64_t *cids = NULL;
	size_t ncids = 0;
	wire_fill wf = { sec, fields };
	int rc = mlmd__lineage_contexts(c, w, wire_edge, &wf, &cids, &ncids, &cset);
	if (!rc && (fields & (F_CONTEXTS | F_CONTEXT_TYPES))) {
		type_ids types;
		memset(&types, 0, sizeof types);
		mlmd_buf scratch = { 0 }; /* contexts read only for their types */
		rc = mlmd__wire_lineage_nodes(c, &mlmd__context_kind, cids, ncids, 0, (fields & F_CONTEXTS) ? &sec[6] : &scratch,
					      6, (fields & F_CONTEXT_TYPES) ? &types : NULL, NULL);
		if (!rc && (fields & F_CONTEXT_TYPES))
			rc = mlmd__wire_lineage_types(c, KIND_CONTEXT, &types, &sec[3], 3);
		mlmd__buf_free(&scratch);
		type_ids_free(&types);
	}
	if (!rc && (fields & F_PARENT_CONTEXTS))
		rc = mlmd__lineage_parents(c, cids, ncids, &cset, wire_parent, &sec[10]);
	free(cids);
	free(cset.v);
	return rc;
}

/* ---- the response ---------------------------------------------------------------------------- */

/* The LineageGraph of walk `w` (field 1 of the response), with what
 * `fields` asks for; as store/lineage.c's fill(), artifacts and executions
 * are written whenever they or their types are asked for. */
static int wb_graph(call *c, const mlmd__walk *w, int fields, const wire_rows *pre, mlmd_buf *out)
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
				      (fields & kinds[i].want_types) ? &types[i] : NULL, &pre[k]);
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
	wire_rows pre[2]; /* node rows read by the hops, by kind */
	memset(pre, 0, sizeof pre);
	int fields, start;
	/* the walk reads the nodes' rows as it meets them */
	int rc = mlmd__lineage_subgraph_setup(c, (const Mlmd__Pb__GetLineageSubgraphRequest *)rqm, &w, &fields, &start,
					      mlmd__wire_lineage_hydrate, pre);
	if (!rc)
		rc = mlmd__walk_run(&w, start);
	for (int k = 0; k < 2; k++)
		mlmd__wire_rows_sort(&pre[k]);
	if (!rc)
		rc = wb_graph(c, &w, fields, pre, out);
	if (!rc && w.partial) {
		wb_i64(out, 1000, 1); /* mlmd_partial */
		if (w.reason)
			wb_str(out, 1001, w.reason);
	}
	mlmd__walk_free(&w);
	mlmd__wire_rows_free(&pre[0]);
	mlmd__wire_rows_free(&pre[1]);
	return rc;
}

mlmd__wire_fn mlmd__wire_lineage_select(const char *rpc, const ProtobufCMessage *rq)
{
	(void)rq; /* every GetLineageSubgraph request */
	return rpc && !strcmp(rpc, "GetLineageSubgraph") ? wire_subgraph : NULL;
}
