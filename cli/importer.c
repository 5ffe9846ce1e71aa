/*
 * cli/importer.c - the importer that `mlmd import` and `mlmd import-mlmd`
 * share: protobuf from outside unpacked through the library's
 * mlmd_message_unpack() (which bounds nesting before protobuf-c recurses),
 * every old id mapped to the new one (an id seen twice is refused, naming
 * both places), nodes and edges put in batches, node times restored, and
 * the whole import run in one transaction (mlmd_store_begin), so a failure
 * anywhere leaves the store as it was. Metric histories go in through the
 * tracking RPC PutMetricHistory (cli_import_metric), in the same
 * transaction. Errors are kept in the importer
 * (cli_importer_error), not printed; it has no main, so
 * tests/fuzz/fuzz_import.c links it.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "import.h"

/* ---- protobuf from outside -------------------------------------------------------------------- */

void *cli_pb_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t n, char *err, size_t errsize)
{
	void *m;
	if (mlmd_message_unpack(d, p, n, &m)) {
		snprintf(err, errsize, "%s", mlmd_error_message());
		return NULL;
	}
	return m;
}

/* ---- ids ------------------------------------------------------------------------------------------ */

/* old id -> new id, with where the old id was first seen (for a duplicate's message). */
typedef struct {
	int64_t old, new_id, src;
	bool used;
} id_slot;

typedef struct {
	id_slot *v;
	size_t n, cap;
} idmap;

static size_t id_hash(int64_t id, size_t cap)
{
	return (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ULL) >> 17) & (cap - 1);
}

static id_slot *map_slot(const idmap *m, int64_t old)
{
	if (!m->cap)
		return NULL;
	for (size_t j = id_hash(old, m->cap);; j = (j + 1) & (m->cap - 1)) {
		if (!m->v[j].used || m->v[j].old == old)
			return &m->v[j];
	}
}

/* Adds old (with new id unknown yet: 0); returns its slot, or NULL when out of
 * memory. *dup is set when old was there already (the slot is then the old one). */
static id_slot *map_add(idmap *m, int64_t old, int64_t src, bool *dup)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		id_slot *v = calloc(cap, sizeof *v);
		if (!v)
			return NULL;
		idmap grown = { v, 0, cap };
		for (size_t i = 0; i < m->cap; i++)
			if (m->v[i].used)
				*map_slot(&grown, m->v[i].old) = m->v[i];
		free(m->v);
		m->v = v;
		m->cap = cap;
	}
	id_slot *s = map_slot(m, old);
	*dup = s->used;
	if (!s->used) {
		*s = (id_slot){ old, 0, src, true };
		m->n++;
	}
	return s;
}

/* The new id of old, or -1 when it was not imported. */
static int64_t map_get(const idmap *m, int64_t old)
{
	const id_slot *s = map_slot(m, old);
	return s && s->used && s->new_id > 0 ? s->new_id : -1;
}

static const char *const KIND_WORD[3] = { "artifact", "execution", "context" };

/* ---- the importer ------------------------------------------------------------------------------- */

#define BATCH 500

enum { Q_ARTIFACT, Q_EXECUTION, Q_CONTEXT, Q_EVENT, Q_ATTRIBUTION, Q_ASSOCIATION, Q_PARENT };

struct cli_importer {
	mlmd_store *s;
	bool open;                     /* the transaction is open */
	idmap types[3], nodes[3];      /* by kind: artifact, execution, context */
	/* the pending batch: one kind of item */
	int kind;
	size_t n;
	void *items[BATCH];
	int64_t old[BATCH];            /* nodes: their old ids, mapped to the new ones at the flush */
	int64_t src[BATCH];
	const char *table[BATCH];
	cli_import_counts counts;
	/* audit records waiting for their archive call */
	Mlmd__Pb__Governance__AuditRecord *audit[CLI_AUDIT_CHUNK];
	size_t n_audit;
	int64_t audit_first_src;
	char err[1024];
	cli_progress *progress;
	cli_dg_pending *dg;            /* data governance waiting for the end (import_dg.c) */
};

int cli_importer_fail(cli_importer *im, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(im->err, sizeof im->err, fmt, ap);
	va_end(ap);
	return -1;
}

/* "line 12" or "Artifact id 7": where an input came from. */
static const char *where(char *buf, size_t size, const char *table, int64_t src)
{
	if (table)
		snprintf(buf, size, "%s %lld", table, (long long)src);
	else
		snprintf(buf, size, "line %lld", (long long)src);
	return buf;
}

int cli_importer_new(cli_importer **out, mlmd_store *s, cli_progress *progress)
{
	cli_importer *im = calloc(1, sizeof *im);
	*out = im;
	if (!im)
		return -1;
	im->s = s;
	im->progress = progress;
	if (mlmd_store_begin(s, 1))
		return cli_importer_fail(im, "%s", mlmd_error_message());
	im->open = true;
	return 0;
}

const char *cli_importer_error(const cli_importer *im)
{
	return im ? im->err : "out of memory";
}

const cli_import_counts *cli_importer_counts(const cli_importer *im)
{
	return &im->counts;
}

cli_import_counts *cli_importer_counts_mut(cli_importer *im)
{
	return &im->counts;
}

mlmd_store *cli_importer_store(cli_importer *im)
{
	return im->s;
}

cli_dg_pending **cli_importer_dg(cli_importer *im)
{
	return &im->dg;
}

static void drop_batch(cli_importer *im)
{
	for (size_t i = 0; i < im->n; i++)
		mlmd_message_free(im->items[i]);
	im->n = 0;
}

void cli_importer_free(cli_importer *im)
{
	if (!im)
		return;
	drop_batch(im);
	for (size_t i = 0; i < im->n_audit; i++)
		mlmd_message_free(im->audit[i]);
	if (im->open)
		mlmd_store_rollback(im->s); /* nothing of a failed import stays */
	for (int k = 0; k < 3; k++) {
		free(im->types[k].v);
		free(im->nodes[k].v);
	}
	cli_import_dg_free(im->dg);
	free(im);
}

/* Gives the batch's new nodes the creation and update times they had. */
static int keep_times(cli_importer *im, const int64_t *new_ids)
{
	int64_t ids[BATCH], ct[BATCH], ut[BATCH];
	size_t n = 0;
	for (size_t i = 0; i < im->n; i++) {
		const void *m = im->items[i];
		bool has_c, has_u;
		int64_t c, u;
		if (im->kind == Q_ARTIFACT) {
			const Mlmd__Pb__Artifact *a = m;
			has_c = a->has_create_time_since_epoch, c = a->create_time_since_epoch;
			has_u = a->has_last_update_time_since_epoch, u = a->last_update_time_since_epoch;
		} else if (im->kind == Q_EXECUTION) {
			const Mlmd__Pb__Execution *e = m;
			has_c = e->has_create_time_since_epoch, c = e->create_time_since_epoch;
			has_u = e->has_last_update_time_since_epoch, u = e->last_update_time_since_epoch;
		} else {
			const Mlmd__Pb__Context *x = m;
			has_c = x->has_create_time_since_epoch, c = x->create_time_since_epoch;
			has_u = x->has_last_update_time_since_epoch, u = x->last_update_time_since_epoch;
		}
		if (!has_c || !has_u)
			continue;
		ids[n] = new_ids[i];
		ct[n] = c;
		ut[n++] = u;
	}
	return n ? mlmd_store_restore_times(im->s, KIND_WORD[im->kind], ids, ct, ut, n) : 0;
}

/* The store's message for a failed batch, with where its item came from when
 * the message names one ("artifacts[3]: ..."). */
static int batch_fail(cli_importer *im)
{
	const char *msg = mlmd_error_message();
	char w1[96], w2[96];
	for (const char *b = strchr(msg, '['); b; b = strchr(b + 1, '[')) {
		char *end;
		unsigned long k = strtoul(b + 1, &end, 10);
		if (end > b + 1 && *end == ']' && k < im->n)
			return cli_importer_fail(im, "%s: %s", where(w1, sizeof w1, im->table[k], im->src[k]), msg);
	}
	if (im->n == 1)
		return cli_importer_fail(im, "%s: %s", where(w1, sizeof w1, im->table[0], im->src[0]), msg);
	return cli_importer_fail(im, "%s to %s: %s", where(w1, sizeof w1, im->table[0], im->src[0]),
		where(w2, sizeof w2, im->table[im->n - 1], im->src[im->n - 1]), msg);
}

/* Puts the pending batch. */
static int flush(cli_importer *im)
{
	if (!im->n)
		return 0;
	int rc = 0;
	const int64_t *ids = NULL;
	void *resp = NULL;
	switch (im->kind) {
	case Q_ARTIFACT: {
		Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__PutArtifactsResponse *rs;
		rq.n_artifacts = im->n;
		rq.artifacts = (Mlmd__Pb__Artifact **)im->items;
		if (!(rc = mlmd_store_put_artifacts(im->s, &rq, &rs)))
			resp = rs, ids = rs->artifact_ids;
		break;
	}
	case Q_EXECUTION: {
		Mlmd__Pb__PutExecutionsRequest rq = MLMD__PB__PUT_EXECUTIONS_REQUEST__INIT;
		Mlmd__Pb__PutExecutionsResponse *rs;
		rq.n_executions = im->n;
		rq.executions = (Mlmd__Pb__Execution **)im->items;
		if (!(rc = mlmd_store_put_executions(im->s, &rq, &rs)))
			resp = rs, ids = rs->execution_ids;
		break;
	}
	case Q_CONTEXT: {
		Mlmd__Pb__PutContextsRequest rq = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
		Mlmd__Pb__PutContextsResponse *rs;
		rq.n_contexts = im->n;
		rq.contexts = (Mlmd__Pb__Context **)im->items;
		if (!(rc = mlmd_store_put_contexts(im->s, &rq, &rs)))
			resp = rs, ids = rs->context_ids;
		break;
	}
	case Q_EVENT: {
		Mlmd__Pb__PutEventsRequest rq = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
		Mlmd__Pb__PutEventsResponse *rs;
		rq.n_events = im->n;
		rq.events = (Mlmd__Pb__Event **)im->items;
		if (!(rc = mlmd_store_put_events(im->s, &rq, &rs)))
			resp = rs;
		break;
	}
	case Q_ATTRIBUTION: case Q_ASSOCIATION: {
		Mlmd__Pb__PutAttributionsAndAssociationsRequest rq = MLMD__PB__PUT_ATTRIBUTIONS_AND_ASSOCIATIONS_REQUEST__INIT;
		Mlmd__Pb__PutAttributionsAndAssociationsResponse *rs;
		if (im->kind == Q_ATTRIBUTION) {
			rq.n_attributions = im->n;
			rq.attributions = (Mlmd__Pb__Attribution **)im->items;
		} else {
			rq.n_associations = im->n;
			rq.associations = (Mlmd__Pb__Association **)im->items;
		}
		if (!(rc = mlmd_store_put_attributions_and_associations(im->s, &rq, &rs)))
			resp = rs;
		break;
	}
	default: {
		Mlmd__Pb__PutParentContextsRequest rq = MLMD__PB__PUT_PARENT_CONTEXTS_REQUEST__INIT;
		Mlmd__Pb__PutParentContextsResponse *rs;
		rq.n_parent_contexts = im->n;
		rq.parent_contexts = (Mlmd__Pb__ParentContext **)im->items;
		if (!(rc = mlmd_store_put_parent_contexts(im->s, &rq, &rs)))
			resp = rs;
	}
	}
	if (!rc && ids) {
		for (size_t i = 0; i < im->n; i++)
			map_slot(&im->nodes[im->kind], im->old[i])->new_id = ids[i];
		rc = keep_times(im, ids);
	}
	if (rc)
		batch_fail(im);
	mlmd_message_free(resp);
	if (!rc) {
		long *count = im->kind == Q_ARTIFACT ? &im->counts.artifacts : im->kind == Q_EXECUTION ? &im->counts.executions :
			im->kind == Q_CONTEXT ? &im->counts.contexts : im->kind == Q_EVENT ? &im->counts.events :
			im->kind == Q_ATTRIBUTION ? &im->counts.attributions : im->kind == Q_ASSOCIATION ?
			&im->counts.associations : &im->counts.parent_contexts;
		*count += (long)im->n;
		im->counts.records += (long)im->n;
		if (im->progress)
			cli_progress_tick(im->progress, im->counts.records);
	}
	drop_batch(im);
	return rc ? -1 : 0;
}

/* Queues an item (owned by the importer from here on, also on failure). */
static int queue(cli_importer *im, int kind, void *item, int64_t old, const char *table, int64_t src)
{
	if (im->n && (im->kind != kind || im->n == BATCH) && flush(im)) {
		mlmd_message_free(item);
		return -1;
	}
	im->kind = kind;
	im->items[im->n] = item;
	im->old[im->n] = old;
	im->table[im->n] = table;
	im->src[im->n++] = src;
	return 0;
}

/* Before a reference to a node is resolved, the nodes still queued get their ids. */
static int flush_nodes(cli_importer *im)
{
	return im->n && im->kind <= Q_CONTEXT ? flush(im) : 0;
}

int cli_import_type(cli_importer *im, int kind, void *type, int64_t old_id, const char *table, int64_t src)
{
	char w[96], w2[96];
	int rc = flush(im);
	bool dup = false;
	id_slot *slot = rc ? NULL : map_add(&im->types[kind], old_id, src, &dup);
	if (!rc && !slot)
		rc = cli_importer_fail(im, "out of memory");
	else if (!rc && dup)
		rc = cli_importer_fail(im, "%s: %s type id %lld appears twice (first at %s)", where(w, sizeof w, table, src),
			KIND_WORD[kind], (long long)old_id, where(w2, sizeof w2, table, slot->src));
	if (rc) {
		mlmd_message_free(type);
		return -1;
	}
	int64_t id = 0;
	/* the three type messages begin alike: id, name, properties, version, ... */
	if (kind == 0) {
		Mlmd__Pb__ArtifactType *t = type;
		Mlmd__Pb__PutArtifactTypeRequest rq = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
		Mlmd__Pb__PutArtifactTypeResponse *rs;
		t->has_id = 0;
		rq.artifact_type = t;
		rq.has_can_add_fields = rq.can_add_fields = 1;
		if (!(rc = mlmd_store_put_artifact_type(im->s, &rq, &rs)))
			id = rs->type_id, mlmd_message_free(rs);
	} else if (kind == 1) {
		Mlmd__Pb__ExecutionType *t = type;
		Mlmd__Pb__PutExecutionTypeRequest rq = MLMD__PB__PUT_EXECUTION_TYPE_REQUEST__INIT;
		Mlmd__Pb__PutExecutionTypeResponse *rs;
		t->has_id = 0;
		rq.execution_type = t;
		rq.has_can_add_fields = rq.can_add_fields = 1;
		if (!(rc = mlmd_store_put_execution_type(im->s, &rq, &rs)))
			id = rs->type_id, mlmd_message_free(rs);
	} else {
		Mlmd__Pb__ContextType *t = type;
		Mlmd__Pb__PutContextTypeRequest rq = MLMD__PB__PUT_CONTEXT_TYPE_REQUEST__INIT;
		Mlmd__Pb__PutContextTypeResponse *rs;
		t->has_id = 0;
		rq.context_type = t;
		rq.has_can_add_fields = rq.can_add_fields = 1;
		if (!(rc = mlmd_store_put_context_type(im->s, &rq, &rs)))
			id = rs->type_id, mlmd_message_free(rs);
	}
	mlmd_message_free(type);
	if (rc)
		return cli_importer_fail(im, "%s: %s", where(w, sizeof w, table, src), mlmd_error_message());
	slot->new_id = id;
	im->counts.types++;
	im->counts.records++;
	if (im->progress)
		cli_progress_tick(im->progress, im->counts.records);
	return 0;
}

int cli_import_node(cli_importer *im, int kind, void *node, int64_t old_id, const char *table, int64_t src)
{
	char w[96], w2[96];
	int64_t *type_id = kind == 0 ? &((Mlmd__Pb__Artifact *)node)->type_id : kind == 1 ?
		&((Mlmd__Pb__Execution *)node)->type_id : &((Mlmd__Pb__Context *)node)->type_id;
	int64_t new_type = map_get(&im->types[kind], *type_id);
	if (new_type < 0) {
		cli_importer_fail(im, "%s: %s %lld has type id %lld, but no %s type with that id was imported before it",
			where(w, sizeof w, table, src), KIND_WORD[kind], (long long)old_id, (long long)*type_id, KIND_WORD[kind]);
		mlmd_message_free(node);
		return -1;
	}
	*type_id = new_type;
	if (kind == 0)
		((Mlmd__Pb__Artifact *)node)->has_id = 0, ((Mlmd__Pb__Artifact *)node)->has_type_id = 1;
	else if (kind == 1)
		((Mlmd__Pb__Execution *)node)->has_id = 0, ((Mlmd__Pb__Execution *)node)->has_type_id = 1;
	else
		((Mlmd__Pb__Context *)node)->has_id = 0, ((Mlmd__Pb__Context *)node)->has_type_id = 1;
	bool dup = false;
	id_slot *slot = map_add(&im->nodes[kind], old_id, src, &dup);
	if (!slot || dup) {
		if (!slot)
			cli_importer_fail(im, "out of memory");
		else
			cli_importer_fail(im, "%s: %s id %lld appears twice (first at %s)", where(w, sizeof w, table, src), KIND_WORD[kind],
				(long long)old_id, where(w2, sizeof w2, table, slot->src));
		mlmd_message_free(node);
		return -1;
	}
	return queue(im, kind, node, old_id, table, src);
}

int cli_import_event(cli_importer *im, Mlmd__Pb__Event *e, const char *table, int64_t src)
{
	char w[96];
	if (flush_nodes(im)) {
		mlmd_message_free(e);
		return -1;
	}
	int64_t a = map_get(&im->nodes[0], e->artifact_id), x = map_get(&im->nodes[1], e->execution_id);
	if (a < 0 || x < 0) {
		cli_importer_fail(im, "%s: an event between artifact %lld and execution %lld, but %s %lld is not among the %ss "
			"imported before it", where(w, sizeof w, table, src), (long long)e->artifact_id, (long long)e->execution_id,
			a < 0 ? "artifact" : "execution", (long long)(a < 0 ? e->artifact_id : e->execution_id),
			a < 0 ? "artifact" : "execution");
		mlmd_message_free(e);
		return -1;
	}
	e->artifact_id = a, e->execution_id = x;
	e->has_artifact_id = e->has_execution_id = 1;
	return queue(im, Q_EVENT, e, 0, table, src);
}

int cli_import_link(cli_importer *im, cli_link kind, int64_t context_old, int64_t other_old, const char *table,
	int64_t src)
{
	char w[96];
	if (flush_nodes(im))
		return -1;
	static const char *const what[] = { "an attribution", "an association", "a parent context" };
	static const char *const other_word[] = { "artifact", "execution", "context" };
	int64_t a = map_get(&im->nodes[2], context_old);
	int64_t b = map_get(&im->nodes[kind == CLI_LINK_ATTRIBUTION ? 0 : kind == CLI_LINK_ASSOCIATION ? 1 : 2], other_old);
	if (a < 0 || b < 0)
		return cli_importer_fail(im, "%s: %s names %s %lld, which is not among the %ss imported before it",
			where(w, sizeof w, table, src), what[kind], a < 0 ? "context" : other_word[kind],
			(long long)(a < 0 ? context_old : other_old), a < 0 ? "context" : other_word[kind]);
	void *item;
	if (kind == CLI_LINK_ATTRIBUTION) {
		Mlmd__Pb__Attribution *at = mlmd_message_new(&mlmd__pb__attribution__descriptor);
		if ((item = at))
			at->has_context_id = at->has_artifact_id = 1, at->context_id = a, at->artifact_id = b;
	} else if (kind == CLI_LINK_ASSOCIATION) {
		Mlmd__Pb__Association *as = mlmd_message_new(&mlmd__pb__association__descriptor);
		if ((item = as))
			as->has_context_id = as->has_execution_id = 1, as->context_id = a, as->execution_id = b;
	} else {
		Mlmd__Pb__ParentContext *pc = mlmd_message_new(&mlmd__pb__parent_context__descriptor);
		if ((item = pc))
			pc->has_child_id = pc->has_parent_id = 1, pc->child_id = a, pc->parent_id = b;
	}
	if (!item)
		return cli_importer_fail(im, "out of memory");
	return queue(im, Q_ATTRIBUTION + (int)kind, item, 0, table, src);
}

int cli_track_call(mlmd_store *s, const char *method, const ProtobufCMessage *rq,
	const ProtobufCMessageDescriptor *resp_desc, void **resp)
{
	*resp = NULL;
	size_t n = protobuf_c_message_get_packed_size(rq);
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return mlmd_error_set(MLMD_RESOURCE_EXHAUSTED, "%s: out of memory", method);
	protobuf_c_message_pack(rq, buf);
	void *out = NULL;
	size_t out_len = 0;
	int rc = mlmd_store_call(s, method, buf, n, &out, &out_len);
	free(buf);
	if (!rc) {
		static const uint8_t empty[1];
		rc = mlmd_message_unpack(resp_desc, out ? out : empty, out_len, resp);
	}
	mlmd_buffer_free(out);
	return rc;
}

int cli_import_metric(cli_importer *im, int64_t old_id, Mlmd__Pb__Tracking__MetricSeries *m, const char *table,
	int64_t src)
{
	char w[96];
	/* what is queued goes first: the execution's id, and the file's order */
	if (flush(im)) {
		mlmd_message_free(m);
		return -1;
	}
	int64_t x = map_get(&im->nodes[1], old_id);
	int version = mlmd_store_schema_version(im->s);
	int rc = 0;
	if (x < 0) {
		rc = cli_importer_fail(im, "%s: the metric history of execution %lld, which is not among the executions "
			"imported before it", where(w, sizeof w, table, src), (long long)old_id);
	} else if (version < 3) {
		rc = cli_importer_fail(im, "%s: a metric history, but the store is at schema version %d, which has no "
			"metric history table (version 3 has); open it with upgrade (mlmd import --upgrade, or "
			"mlmd_store_options.upgrade) to migrate it, then import again", where(w, sizeof w, table, src), version);
	} else {
		Mlmd__Pb__Tracking__PutMetricHistoryRequest rq = MLMD__PB__TRACKING__PUT_METRIC_HISTORY_REQUEST__INIT;
		Mlmd__Pb__Tracking__MetricSeries *one[1] = { m };
		rq.has_run_id = 1;
		rq.run_id = x;
		rq.n_metrics = 1;
		rq.metrics = one;
		void *rs = NULL;
		if (cli_track_call(im->s, "PutMetricHistory", &rq.base,
			&mlmd__pb__tracking__put_metric_history_response__descriptor, &rs))
			rc = cli_importer_fail(im, "%s: %s", where(w, sizeof w, table, src), mlmd_error_message());
		mlmd_message_free(rs);
	}
	if (!rc) {
		im->counts.metric_series++;
		im->counts.metric_points += (long)m->n_values;
		im->counts.records++;
		if (im->progress)
			cli_progress_tick(im->progress, im->counts.records);
	}
	mlmd_message_free(m);
	return rc;
}

/* Stores the waiting audit records as one archive. */
static int flush_audit(cli_importer *im)
{
	if (!im->n_audit)
		return 0;
	Mlmd__Pb__Governance__PutAuditArchiveRequest rq = MLMD__PB__GOVERNANCE__PUT_AUDIT_ARCHIVE_REQUEST__INIT;
	Mlmd__Pb__Governance__PutAuditArchiveResponse *rs = NULL;
	rq.n_records = im->n_audit;
	rq.records = im->audit;
	rq.source = "mlmd import";
	/* one archive for the whole import: later batches continue the first's chain */
	if (im->counts.audit_first_archive) {
		rq.has_continues = 1;
		rq.continues = im->counts.audit_first_archive;
	}
	int rc = 0;
	if (cli_track_call(im->s, "PutAuditArchive", &rq.base,
		&mlmd__pb__governance__put_audit_archive_response__descriptor, (void **)&rs))
		rc = cli_importer_fail(im, "the audit records from line %lld: %s", (long long)im->audit_first_src,
			mlmd_error_message());
	else if (!im->counts.audit_first_archive)
		im->counts.audit_first_archive = rs->archive_seq;
	mlmd_message_free(rs);
	for (size_t i = 0; i < im->n_audit; i++)
		mlmd_message_free(im->audit[i]);
	im->n_audit = 0;
	return rc;
}

int cli_import_registry(cli_importer *im, Mlmd__Pb__Governance__RestoreRegistryRequest *st, int64_t src)
{
	int version = mlmd_store_schema_version(im->s);
	int rc = 0;
	if (version < 4) {
		rc = cli_importer_fail(im, "line %lld: a registry state, but the store is at schema version %d, which has "
			"no registry (version 4 has); open it with upgrade (mlmd import --upgrade, or "
			"mlmd_store_options.upgrade) to migrate it, then import again", (long long)src, version);
	} else if (!flush(im)) { /* the model's contexts first */
		void *rs = NULL;
		if (cli_track_call(im->s, "RestoreRegistry", &st->base,
			&mlmd__pb__governance__restore_registry_response__descriptor, &rs))
			rc = cli_importer_fail(im, "line %lld: %s", (long long)src, mlmd_error_message());
		mlmd_message_free(rs);
	} else {
		rc = -1;
	}
	if (!rc) {
		im->counts.registry_states++;
		im->counts.records++;
		if (im->progress)
			cli_progress_tick(im->progress, im->counts.records);
	}
	mlmd_message_free(st);
	return rc;
}

int cli_import_audit(cli_importer *im, Mlmd__Pb__Governance__AuditRecord *r, int64_t src)
{
	int version = mlmd_store_schema_version(im->s);
	if (version < 4) {
		mlmd_message_free(r);
		return cli_importer_fail(im, "line %lld: an audit record, but the store is at schema version %d, which has "
			"no audit log (version 4 has); open it with upgrade (mlmd import --upgrade, or "
			"mlmd_store_options.upgrade) to migrate it, then import again", (long long)src, version);
	}
	if (im->n_audit == CLI_AUDIT_CHUNK && flush_audit(im)) {
		mlmd_message_free(r);
		return -1;
	}
	if (!im->n_audit)
		im->audit_first_src = src;
	im->audit[im->n_audit++] = r;
	im->counts.audit_records++;
	im->counts.records++;
	if (im->progress)
		cli_progress_tick(im->progress, im->counts.records);
	return 0;
}

int cli_importer_flush(cli_importer *im)
{
	return flush(im) || cli_import_dg_finish(im) || flush_audit(im) ? -1 : 0;
}

int64_t cli_importer_new_id(const cli_importer *im, int kind, int64_t old)
{
	return kind >= 0 && kind < 3 ? map_get(&im->nodes[kind], old) : -1;
}

int cli_importer_finish(cli_importer *im)
{
	if (flush(im) || cli_import_dg_finish(im) || flush_audit(im))
		return -1;
	im->open = false;
	if (mlmd_store_commit(im->s))
		return cli_importer_fail(im, "committing the import: %s", mlmd_error_message());
	return 0;
}

/* "imported 7 types, 3 artifacts, ..." */
void cli_importer_summary(const cli_importer *im, const char *from)
{
	const cli_import_counts *c = cli_importer_counts(im);
	fprintf(stderr, "mlmd: imported %ld types, %ld artifacts, %ld executions, %ld contexts, %ld events, "
		"%ld attributions, %ld associations, %ld parent contexts, %ld metric points from %s\n", c->types,
		c->artifacts, c->executions, c->contexts, c->events, c->attributions, c->associations, c->parent_contexts,
		c->metric_points, from);
	if (c->registry_states)
		fprintf(stderr, "mlmd: restored the aliases, policies, requests and alias history of %ld registered models\n",
			c->registry_states);
	if (c->tombstones || c->labels || c->retention_policies)
		fprintf(stderr, "mlmd: restored %ld tombstones (deleted nodes), %ld labels and %ld retention policies\n",
			c->tombstones, c->labels, c->retention_policies);
	if (c->audit_records)
		fprintf(stderr, "mlmd: kept the %ld audit records of the source as an archive (from audit record %lld of this "
			"store's log, which records the import)\n", c->audit_records, (long long)c->audit_first_archive);
}
