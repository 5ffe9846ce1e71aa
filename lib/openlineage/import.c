/*
 * openlineage/import.c - mlmd_openlineage_import(): pass 1 (import_parse.c)
 * reads and checks every event; then, in one writing transaction, the
 * store is read once (import_store.c) and each context, artifact and
 * execution is created, or updated only when something changed, in
 * batches; then the missing edges; then the nodes' times. When nothing
 * changed no writing call is made at all, so a second import of the same
 * events leaves the store (and its audit log) exactly as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "openlineage/import.h"

/* The times to restore, per kind. */
typedef struct times {
	int64_t *id, *c, *u;
	size_t n;
} times;

static int add_time(times *t, int64_t id, int64_t c, int64_t u)
{
	size_t n = t->n;
	if (mlmd__push_i64(&t->id, &t->n, id) || mlmd__push_i64(&t->c, &n, c))
		return MLMD_OOM();
	n = t->n - 1;
	return mlmd__push_i64(&t->u, &n, u) ? MLMD_OOM() : 0;
}

/* Stored times widened by an event span: whether they change. */
static bool widen(int64_t sc, int64_t su, int64_t first, int64_t last, int64_t *c, int64_t *u)
{
	*c = first < sc ? first : sc;
	*u = last > su ? last : su;
	return *c != sc || *u != su;
}

static Mlmd__Pb__Wkt__FieldMask *mask_of(const char *const *paths)
{
	Mlmd__Pb__Wkt__FieldMask *m = mlmd_message_new(&mlmd__pb__wkt__field_mask__descriptor);
	for (size_t i = 0; m && paths[i]; i++)
		if (mlmd_message_append_string(m, "paths", paths[i])) {
			mlmd_message_free(m);
			return NULL;
		}
	return m;
}

/* Sets a struct property from an object when it has members. */
static int put_obj(void *node, const char *name, const olj *v)
{
	return v && v->n ? mlmd__oli_set_struct(node, name, mlmd__olj_to_struct(v)) : 0;
}

/* ---- contexts -------------------------------------------------------------------------------- */

static int write_contexts(pass2 *p, times *tm)
{
	ol_import *im = p->im;
	static const char *const paths[] = { "custom_properties." MLMD__OL_PROP_FACETS, NULL };
	int rc = 0;
	for (size_t i = 0; i < im->n_ctx && !rc; i++) {
		ol_ctx *c = &im->ctx[i];
		olj *sf, mf;
		if (mlmd__oli_stored_obj(&im->a, c->stored, MLMD__OL_PROP_FACETS, &sf) ||
		    mlmd__oli_merged(&im->a, sf, c->stored ? c->stored->last_update_time_since_epoch : 0, &c->facets, &mf))
			return MLMD_OOM();
		Mlmd__Pb__Context *x = NULL;
		if (!c->stored) {
			int64_t tid;
			if ((rc = mlmd__oli_type_id(p, K_CTX, c->kind == OL_CTX_PARENT ? OL_CTX_PARENT_TYPE : OL_CTX_JOB_TYPE, NULL,
					  NULL, &tid)))
				break;
			char *name = NULL;
			if (c->kind == OL_CTX_PARENT) {
				name = strdup(c->run_id);
			} else { /* NS/NAME, made unique when another job already has it */
				mlmd_buf b = { 0 };
				for (int k = 1; !b.oom; k++) {
					b.len = 0;
					mlmd__buf_printf(&b, k == 1 ? "%s/%s" : "%s/%s#%d", c->job_ns, c->job_name, k);
					if (!b.oom && mlmd__ol_index_get(&p->ctx_names, b.p, b.len) < 0)
						break;
				}
				if (!b.oom && mlmd__ol_index_put(&p->ctx_names, &im->a, b.p, b.len, 1))
					b.oom = 1;
				name = b.oom ? NULL : strdup(b.p);
				mlmd__buf_free(&b);
			}
			x = mlmd_message_new(&mlmd__pb__context__descriptor);
			if (!x || !name) {
				free(name);
				mlmd_message_free(x);
				return MLMD_OOM();
			}
			x->has_type_id = 1;
			x->type_id = tid;
			x->name = name;
			if ((c->kind == OL_CTX_PARENT && mlmd_node_set_string(x, 1, MLMD__OL_PROP_RUN_ID, c->run_id)) ||
			    mlmd_node_set_string(x, 1, MLMD__OL_PROP_JOB_NAMESPACE, c->job_ns) ||
			    mlmd_node_set_string(x, 1, MLMD__OL_PROP_JOB_NAME, c->job_name) ||
			    put_obj(x, MLMD__OL_PROP_FACETS, &mf)) {
				mlmd_message_free(x);
				return MLMD_OOM();
			}
		} else if (mlmd__oli_differs(sf, &mf)) {
			if (!(x = mlmd_message_new(&mlmd__pb__context__descriptor)) ||
			    put_obj(x, MLMD__OL_PROP_FACETS, &mf)) {
				mlmd_message_free(x);
				return MLMD_OOM();
			}
			x->has_id = 1;
			x->id = c->id;
		}
		int64_t tc = c->first, tu = c->last;
		bool tchange = !c->stored || widen(c->stored->create_time_since_epoch,
			c->stored->last_update_time_since_epoch, c->first, c->last, &tc, &tu);
		if (x) { /* one node per call: contexts are few */
			Mlmd__Pb__PutContextsRequest rq = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
			rq.contexts = &x;
			rq.n_contexts = 1;
			if (c->stored && !(rq.update_mask = mask_of(paths)))
				rc = MLMD_OOM();
			Mlmd__Pb__PutContextsResponse *r = NULL;
			if (!rc && !(rc = mlmd_store_put_contexts(p->s, &rq, &r))) {
				if (!c->stored) {
					c->id = r->context_ids[0];
					im->rep.contexts_created++;
				}
			}
			mlmd_message_free(r);
			mlmd_message_free(rq.update_mask);
			mlmd_message_free(x);
			tchange = true;
		}
		if (!rc && c->stored && tchange)
			im->rep.contexts_updated++;
		if (!rc && tchange)
			rc = add_time(tm, c->id, tc, tu);
	}
	return rc;
}

/* ---- artifacts --------------------------------------------------------------------------------- */

/* Puts a batch of new (ids into their datasets) or updated artifacts. */
static int flush_artifacts(pass2 *p, Mlmd__Pb__PutArtifactsRequest *rq, size_t *which, bool update)
{
	static const char *const paths[] = { "custom_properties." MLMD__OL_PROP_FACETS,
		"custom_properties." MLMD__OL_PROP_INPUT_FACETS, "custom_properties." MLMD__OL_PROP_OUTPUT_FACETS, NULL };
	int rc = 0;
	if (!rq->n_artifacts)
		return 0;
	if (update && !(rq->update_mask = mask_of(paths)))
		rc = MLMD_OOM();
	Mlmd__Pb__PutArtifactsResponse *r = NULL;
	if (!rc && !(rc = mlmd_store_put_artifacts(p->s, rq, &r)) && !update)
		for (size_t i = 0; i < r->n_artifact_ids && i < rq->n_artifacts; i++)
			p->im->ds[which[i]].id = r->artifact_ids[i];
	mlmd_message_free(r);
	mlmd_message_free(rq->update_mask);
	rq->update_mask = NULL;
	for (size_t i = 0; i < rq->n_artifacts; i++)
		mlmd_message_free(rq->artifacts[i]);
	rq->n_artifacts = 0;
	return rc;
}

static int write_artifacts(pass2 *p, times *tm)
{
	ol_import *im = p->im;
	Mlmd__Pb__PutArtifactsRequest rq[2] = { MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT,
		MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT };
	Mlmd__Pb__Artifact *arts[2][OL_BATCH];
	size_t which[OL_BATCH];
	rq[0].artifacts = arts[0];
	rq[1].artifacts = arts[1];
	int rc = 0;
	for (size_t i = 0; i < im->n_ds && !rc; i++) {
		ol_ds *d = &im->ds[i];
		Mlmd__Pb__Artifact *st = d->stored;
		int64_t smt = st ? st->last_update_time_since_epoch : 0;
		olj *sf, *si, *so, mf, mi, mo;
		if (mlmd__oli_stored_obj(&im->a, st, MLMD__OL_PROP_FACETS, &sf) ||
		    mlmd__oli_stored_obj(&im->a, st, MLMD__OL_PROP_INPUT_FACETS, &si) ||
		    mlmd__oli_stored_obj(&im->a, st, MLMD__OL_PROP_OUTPUT_FACETS, &so) || mlmd__oli_merged(&im->a, sf, smt, &d->facets, &mf) ||
		    mlmd__oli_merged(&im->a, si, smt, &d->in_facets, &mi) || mlmd__oli_merged(&im->a, so, smt, &d->out_facets, &mo))
			return MLMD_OOM();
		Mlmd__Pb__Artifact *x = NULL;
		const olj *f = d->mlmd.facet;
		bool upd = st && (mlmd__oli_differs(sf, &mf) || mlmd__oli_differs(si, &mi) || mlmd__oli_differs(so, &mo));
		if (!st) {
			const olj *ty = mlmd__olj_get(f, "type"), *nm = mlmd__olj_get(f, "name"), *uri = mlmd__olj_get(f, "uri");
			int64_t tid;
			if ((rc = mlmd__oli_type_id(p, K_ART, ty && ty->n ? ty->u.str : OL_DATASET_TYPE, f, mlmd__olj_get(f, "properties"),
					  &tid)))
				break;
			const char *u = uri && uri->n ? uri->u.str : mlmd__ol_dataset_uri(&im->a, d->ns, d->name);
			if (!(x = mlmd_message_new(&mlmd__pb__artifact__descriptor)) ||
			    (u && !(x->uri = strdup(u))) || (nm && nm->n && !(x->name = strdup(nm->u.str))))
				rc = MLMD_OOM();
			if (x) {
				x->has_type_id = 1;
				x->type_id = tid;
				const olj *ast = mlmd__olj_get(f, "state");
				const ProtobufCEnumValue *ev = ast && ast->t == OLJ_STR ?
					protobuf_c_enum_descriptor_get_value_by_name(&mlmd__pb__artifact__state__descriptor,
										     ast->u.str) : NULL;
				if (ev && ev->value) { /* our facet's state, on a new artifact */
					x->has_state = 1;
					x->state = (Mlmd__Pb__Artifact__State)ev->value;
				}
			}
			char what[64];
			snprintf(what, sizeof what, "dataset %.40s", d->name);
			if (!rc && !(rc = mlmd__oli_facet_props(p, x, K_ART, tid, f, what)) &&
			    (mlmd_node_set_string(x, 1, MLMD__OL_PROP_NAMESPACE, d->ns) ||
			     mlmd_node_set_string(x, 1, MLMD__OL_PROP_NAME, d->name)))
				rc = MLMD_OOM();
		} else if (upd) {
			if (!(x = mlmd_message_new(&mlmd__pb__artifact__descriptor)))
				rc = MLMD_OOM();
			else {
				x->has_id = 1;
				x->id = d->id;
			}
		}
		if (!rc && x && (put_obj(x, MLMD__OL_PROP_FACETS, &mf) || put_obj(x, MLMD__OL_PROP_INPUT_FACETS, &mi) ||
				 put_obj(x, MLMD__OL_PROP_OUTPUT_FACETS, &mo)))
			rc = MLMD_OOM();
		if (rc) {
			mlmd_message_free(x);
			break;
		}
		int64_t tc = d->first, tu = d->last;
		bool tchange = !st || upd ||
			widen(st->create_time_since_epoch, st->last_update_time_since_epoch, d->first, d->last, &tc, &tu);
		if (st && upd)
			widen(st->create_time_since_epoch, st->last_update_time_since_epoch, d->first, d->last, &tc, &tu);
		if (x) {
			int k = st ? 1 : 0;
			if (!st)
				which[rq[0].n_artifacts] = i;
			rq[k].artifacts[rq[k].n_artifacts++] = x;
			if (rq[k].n_artifacts == OL_BATCH && (rc = flush_artifacts(p, &rq[k], which, k)))
				break;
		}
		if (!st)
			im->rep.artifacts_created++;
		else if (tchange)
			im->rep.artifacts_updated++;
	}
	if (!rc)
		rc = flush_artifacts(p, &rq[0], which, false);
	if (!rc)
		rc = flush_artifacts(p, &rq[1], which, true);
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < rq[k].n_artifacts; i++)
			mlmd_message_free(rq[k].artifacts[i]);
	/* the times, now that every new artifact has its id */
	for (size_t i = 0; i < im->n_ds && !rc; i++) {
		ol_ds *d = &im->ds[i];
		Mlmd__Pb__Artifact *st = d->stored;
		int64_t tc = d->first, tu = d->last;
		bool touched = !st || widen(st->create_time_since_epoch, st->last_update_time_since_epoch, d->first,
			d->last, &tc, &tu);
		/* an updated artifact got a new last update time: set again */
		if (!touched && st) {
			olj *sf, *si, *so, mf, mi, mo;
			int64_t smt = st->last_update_time_since_epoch;
			if (mlmd__oli_stored_obj(&im->a, st, MLMD__OL_PROP_FACETS, &sf) ||
			    mlmd__oli_stored_obj(&im->a, st, MLMD__OL_PROP_INPUT_FACETS, &si) ||
			    mlmd__oli_stored_obj(&im->a, st, MLMD__OL_PROP_OUTPUT_FACETS, &so) ||
			    mlmd__oli_merged(&im->a, sf, smt, &d->facets, &mf) || mlmd__oli_merged(&im->a, si, smt, &d->in_facets, &mi) ||
			    mlmd__oli_merged(&im->a, so, smt, &d->out_facets, &mo))
				return MLMD_OOM();
			touched = mlmd__oli_differs(sf, &mf) || mlmd__oli_differs(si, &mi) || mlmd__oli_differs(so, &mo);
		}
		if (touched)
			rc = add_time(tm, d->id, tc, tu);
	}
	return rc;
}

/* ---- executions -------------------------------------------------------------------------------- */

static bool terminal(int s)
{
	return s == MLMD__PB__EXECUTION__STATE__COMPLETE || s == MLMD__PB__EXECUTION__STATE__FAILED ||
		s == MLMD__PB__EXECUTION__STATE__CANCELED || s == MLMD__PB__EXECUTION__STATE__CACHED;
}

/* The state after the events: the latest terminal one (unless the stored
 * terminal state is later), else RUNNING unless the stored state is
 * terminal, else the stored one (0: none). */
static int new_state(const ol_run *r)
{
	const Mlmd__Pb__Execution *st = r->stored;
	int s0 = st && st->has_last_known_state ? (int)st->last_known_state : 0;
	int64_t m0 = st ? st->last_update_time_since_epoch : 0;
	if (r->term)
		return terminal(s0) && r->tterm < m0 ? s0 : r->term;
	if (r->running)
		return terminal(s0) ? s0 : MLMD__PB__EXECUTION__STATE__RUNNING;
	return s0;
}

/* The execution's kept facets: {"run": {...}, "job": {...}}, parts with members only. */
static int exec_facets(ol_arena *a, const olj *run, const olj *job, olj *out)
{
	memset(out, 0, sizeof *out);
	out->t = OLJ_OBJ;
	if (!(out->u.mem = mlmd__ol_alloc(a, 2 * sizeof *out->u.mem)))
		return -1;
	if (run->n)
		out->u.mem[out->n++] = (olj_member){ "run", *run };
	if (job->n)
		out->u.mem[out->n++] = (olj_member){ "job", *job };
	return 0;
}

static int flush_execs(pass2 *p, Mlmd__Pb__PutExecutionsRequest *rq, size_t *which, bool update)
{
	static const char *const paths[] = { "last_known_state", "custom_properties." MLMD__OL_PROP_JOB_NAMESPACE,
		"custom_properties." MLMD__OL_PROP_JOB_NAME, "custom_properties." MLMD__OL_PROP_FACETS, NULL };
	int rc = 0;
	if (!rq->n_executions)
		return 0;
	if (update && !(rq->update_mask = mask_of(paths)))
		rc = MLMD_OOM();
	Mlmd__Pb__PutExecutionsResponse *r = NULL;
	if (!rc && !(rc = mlmd_store_put_executions(p->s, rq, &r)) && !update)
		for (size_t i = 0; i < r->n_execution_ids && i < rq->n_executions; i++)
			p->im->runs[which[i]].id = r->execution_ids[i];
	mlmd_message_free(r);
	mlmd_message_free(rq->update_mask);
	rq->update_mask = NULL;
	for (size_t i = 0; i < rq->n_executions; i++)
		mlmd_message_free(rq->executions[i]);
	rq->n_executions = 0;
	return rc;
}

static int write_execs(pass2 *p, times *tm)
{
	ol_import *im = p->im;
	Mlmd__Pb__PutExecutionsRequest rq[2] = { MLMD__PB__PUT_EXECUTIONS_REQUEST__INIT,
		MLMD__PB__PUT_EXECUTIONS_REQUEST__INIT };
	Mlmd__Pb__Execution *ex[2][OL_BATCH];
	size_t which[OL_BATCH];
	rq[0].executions = ex[0];
	rq[1].executions = ex[1];
	int rc = 0;
	for (size_t i = 0; i < im->n_runs && !rc; i++) {
		ol_run *r = &im->runs[i];
		Mlmd__Pb__Execution *st = r->stored;
		int64_t smt = st ? st->last_update_time_since_epoch : 0;
		olj *sall, mrun, mjob, mall;
		if (mlmd__oli_stored_obj(&im->a, st, MLMD__OL_PROP_FACETS, &sall))
			return MLMD_OOM();
		const olj *srun = sall && (mlmd__olj_get(sall, "run") || mlmd__olj_get(sall, "job")) ? mlmd__olj_get(sall, "run") : sall;
		const olj *sjob = sall && (mlmd__olj_get(sall, "run") || mlmd__olj_get(sall, "job")) ? mlmd__olj_get(sall, "job") : NULL;
		if (mlmd__oli_merged(&im->a, srun && srun->t == OLJ_OBJ ? srun : NULL, smt, &r->facets, &mrun) ||
		    mlmd__oli_merged(&im->a, sjob && sjob->t == OLJ_OBJ ? sjob : NULL, smt, &r->job_facets, &mjob) ||
		    exec_facets(&im->a, &mrun, &mjob, &mall))
			return MLMD_OOM();
		int state = new_state(r);
		/* our facet tells the states the eventTypes cannot: CACHED (exported as COMPLETE)
		 * and NEW (a START only) */
		const olj *fst = mlmd__olj_get(r->mlmd.facet, "state");
		if (fst && fst->t == OLJ_STR) {
			if (state == MLMD__PB__EXECUTION__STATE__COMPLETE && !strcmp(fst->u.str, "CACHED"))
				state = MLMD__PB__EXECUTION__STATE__CACHED;
			else if (state == MLMD__PB__EXECUTION__STATE__RUNNING && !strcmp(fst->u.str, "NEW"))
				state = MLMD__PB__EXECUTION__STATE__NEW;
		}
		const char *jns = r->job_ns, *jname = r->job_name;
		if (st && r->tjob < smt) { /* the stored job is later */
			const char *a = mlmd__oli_prop_str(st, MLMD__OL_PROP_JOB_NAMESPACE), *b = mlmd__oli_prop_str(st, MLMD__OL_PROP_JOB_NAME);
			if (a && b)
				jns = a, jname = b;
		}
		bool upd = st && ((int)(st->has_last_known_state ? st->last_known_state : 0) != state ||
				  !mlmd__oli_prop_str(st, MLMD__OL_PROP_JOB_NAMESPACE) ||
				  strcmp(mlmd__oli_prop_str(st, MLMD__OL_PROP_JOB_NAMESPACE), jns) ||
				  !mlmd__oli_prop_str(st, MLMD__OL_PROP_JOB_NAME) || strcmp(mlmd__oli_prop_str(st, MLMD__OL_PROP_JOB_NAME), jname) ||
				  mlmd__oli_differs(sall, &mall));
		Mlmd__Pb__Execution *x = NULL;
		if (!st || upd) {
			if (!(x = mlmd_message_new(&mlmd__pb__execution__descriptor)))
				return MLMD_OOM();
			if (st) {
				x->has_id = 1;
				x->id = r->id;
			} else {
				const olj *f = r->mlmd.facet, *jf = r->job_mlmd.facet;
				const olj *ty = mlmd__olj_get(jf, "type"), *ty2 = mlmd__olj_get(f, "type"), *nm = mlmd__olj_get(f, "name");
				const char *tname = ty && ty->n ? ty->u.str : ty2 && ty2->n ? ty2->u.str : r->job_name;
				int64_t tid;
				if ((rc = mlmd__oli_type_id(p, K_EXEC, tname, jf, mlmd__olj_get(f, "properties"), &tid))) {
					mlmd_message_free(x);
					break;
				}
				x->has_type_id = 1;
				x->type_id = tid;
				if (nm && nm->n && !(x->name = strdup(nm->u.str)))
					rc = MLMD_OOM();
				char what[64];
				snprintf(what, sizeof what, "run %s", r->run_id);
				if (!rc && !(rc = mlmd__oli_facet_props(p, x, K_EXEC, tid, f, what)) && mlmd_node_set_string(x, 1, MLMD__OL_PROP_RUN_ID,
												    r->run_id))
					rc = MLMD_OOM();
			}
			if (state) {
				x->has_last_known_state = 1;
				x->last_known_state = (Mlmd__Pb__Execution__State)state;
			}
			if (!rc && (mlmd_node_set_string(x, 1, MLMD__OL_PROP_JOB_NAMESPACE, jns) ||
				    mlmd_node_set_string(x, 1, MLMD__OL_PROP_JOB_NAME, jname) ||
				    put_obj(x, MLMD__OL_PROP_FACETS, &mall)))
				rc = MLMD_OOM();
			if (rc) {
				mlmd_message_free(x);
				break;
			}
			int k = st ? 1 : 0;
			if (!st)
				which[rq[0].n_executions] = i;
			rq[k].executions[rq[k].n_executions++] = x;
			if (rq[k].n_executions == OL_BATCH && (rc = flush_execs(p, &rq[k], which, k)))
				break;
		}
		int64_t tc = r->first, tu = r->last;
		bool tchange = !st || upd ||
			widen(st->create_time_since_epoch, st->last_update_time_since_epoch, r->first, r->last, &tc, &tu);
		if (st)
			widen(st->create_time_since_epoch, st->last_update_time_since_epoch, r->first, r->last, &tc, &tu);
		if (!st)
			im->rep.executions_created++;
		else if (tchange)
			im->rep.executions_updated++;
		if (tchange) { /* the id of a new one is known after its batch: kept as -index */
			if (add_time(tm, st ? r->id : -(int64_t)i - 1, tc, tu))
				rc = MLMD_OOM();
		}
	}
	if (!rc)
		rc = flush_execs(p, &rq[0], which, false);
	if (!rc)
		rc = flush_execs(p, &rq[1], which, true);
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < rq[k].n_executions; i++)
			mlmd_message_free(rq[k].executions[i]);
	for (size_t i = 0; i < tm->n; i++)
		if (tm->id[i] < 0)
			tm->id[i] = im->runs[-tm->id[i] - 1].id;
	return rc;
}

/* ---- edges and times ---------------------------------------------------------------------------- */

static int write_edges(pass2 *p)
{
	ol_import *im = p->im;
	Mlmd__Pb__PutEventsRequest erq = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
	Mlmd__Pb__Event evs[OL_BATCH], *evp[OL_BATCH];
	erq.events = evp;
	Mlmd__Pb__PutAttributionsAndAssociationsRequest arq = MLMD__PB__PUT_ATTRIBUTIONS_AND_ASSOCIATIONS_REQUEST__INIT;
	Mlmd__Pb__Association as[OL_BATCH], *asp[OL_BATCH];
	Mlmd__Pb__Attribution at[OL_BATCH], *atp[OL_BATCH];
	arq.associations = asp;
	arq.attributions = atp;
	int rc = 0;
	char k[17];
	for (size_t i = 0; i <= im->n_runs && !rc; i++) {
		ol_run *r = i < im->n_runs ? &im->runs[i] : NULL;
		for (size_t j = 0; r && j < r->n_edges && !rc; j++) {
			const ol_edge *e = &r->edges[j];
			if (erq.n_events == OL_BATCH) { /* one run may have any number of edges */
				Mlmd__Pb__PutEventsResponse *resp = NULL;
				rc = mlmd_store_put_events(p->s, &erq, &resp);
				mlmd_message_free(resp);
				erq.n_events = 0;
				if (rc)
					break;
			}
			int64_t aid = im->ds[e->ds].id;
			mlmd__oli_edge_key(k, r->id, aid, e->type);
			if (mlmd__ol_index_get(&p->edges, k, 17) >= 0)
				continue;
			if (mlmd__ol_index_put(&p->edges, &im->a, k, 17, 1))
				return MLMD_OOM();
			Mlmd__Pb__Event *ev = &evs[erq.n_events];
			mlmd__pb__event__init(ev);
			ev->has_artifact_id = ev->has_execution_id = ev->has_type = ev->has_milliseconds_since_epoch = 1;
			ev->artifact_id = aid;
			ev->execution_id = r->id;
			ev->type = (Mlmd__Pb__Event__Type)e->type;
			ev->milliseconds_since_epoch = e->time;
			evp[erq.n_events++] = ev;
			im->rep.events_created++;
		}
		if (r && r->parent >= 0) {
			int64_t cid = im->ctx[r->parent].id;
			mlmd__oli_edge_key(k, cid, r->id, 'A');
			if (mlmd__ol_index_get(&p->edges, k, 17) < 0) {
				if (mlmd__ol_index_put(&p->edges, &im->a, k, 17, 1))
					return MLMD_OOM();
				Mlmd__Pb__Association *x = &as[arq.n_associations];
				mlmd__pb__association__init(x);
				x->has_context_id = x->has_execution_id = 1;
				x->context_id = cid;
				x->execution_id = r->id;
				asp[arq.n_associations++] = x;
			}
		}
		if (!rc && (erq.n_events > OL_BATCH - 64 || (!r && erq.n_events))) {
			Mlmd__Pb__PutEventsResponse *resp = NULL;
			rc = mlmd_store_put_events(p->s, &erq, &resp);
			mlmd_message_free(resp);
			erq.n_events = 0;
		}
		if (!rc && (arq.n_associations == OL_BATCH || (!r && arq.n_associations))) {
			Mlmd__Pb__PutAttributionsAndAssociationsResponse *resp = NULL;
			rc = mlmd_store_put_attributions_and_associations(p->s, &arq, &resp);
			mlmd_message_free(resp);
			arq.n_associations = 0;
		}
	}
	for (size_t i = 0; i < im->n_ctx && !rc; i++) {
		ol_ctx *c = &im->ctx[i];
		for (size_t j = 0; j < c->n_ds && !rc; j++) {
			int64_t aid = im->ds[c->ds[j]].id;
			mlmd__oli_edge_key(k, c->id, aid, 'T');
			if (mlmd__ol_index_get(&p->edges, k, 17) >= 0)
				continue;
			if (mlmd__ol_index_put(&p->edges, &im->a, k, 17, 1))
				return MLMD_OOM();
			Mlmd__Pb__Attribution *x = &at[arq.n_attributions];
			mlmd__pb__attribution__init(x);
			x->has_context_id = x->has_artifact_id = 1;
			x->context_id = c->id;
			x->artifact_id = aid;
			atp[arq.n_attributions++] = x;
			if (arq.n_attributions == OL_BATCH) {
				Mlmd__Pb__PutAttributionsAndAssociationsResponse *resp = NULL;
				rc = mlmd_store_put_attributions_and_associations(p->s, &arq, &resp);
				mlmd_message_free(resp);
				arq.n_attributions = 0;
			}
		}
	}
	if (!rc && arq.n_attributions) {
		Mlmd__Pb__PutAttributionsAndAssociationsResponse *resp = NULL;
		rc = mlmd_store_put_attributions_and_associations(p->s, &arq, &resp);
		mlmd_message_free(resp);
	}
	return rc;
}

static int restore(pass2 *p, const char *kind, times *t)
{
	return t->n ? mlmd_store_restore_times(p->s, kind, t->id, t->c, t->u, t->n) : 0;
}

static int run_pass2(pass2 *p)
{
	times tm[3] = { { 0 } };
	int rc = mlmd__ol_read_store(p);
	if (!rc)
		rc = write_contexts(p, &tm[K_CTX]);
	if (!rc)
		rc = write_artifacts(p, &tm[K_ART]);
	if (!rc)
		rc = write_execs(p, &tm[K_EXEC]);
	if (!rc)
		rc = write_edges(p);
	if (!rc)
		rc = restore(p, "context", &tm[K_CTX]);
	if (!rc)
		rc = restore(p, "artifact", &tm[K_ART]);
	if (!rc)
		rc = restore(p, "execution", &tm[K_EXEC]);
	for (int k = 0; k < 3; k++) {
		free(tm[k].id);
		free(tm[k].c);
		free(tm[k].u);
	}
	return rc;
}

void mlmd__ol_import_free(ol_import *im)
{
	for (size_t i = 0; i < im->n_runs; i++) {
		free(im->runs[i].facets.v);
		free(im->runs[i].job_facets.v);
		free(im->runs[i].edges);
		mlmd_message_free(im->runs[i].stored);
	}
	for (size_t i = 0; i < im->n_ds; i++) {
		free(im->ds[i].facets.v);
		free(im->ds[i].in_facets.v);
		free(im->ds[i].out_facets.v);
		mlmd_message_free(im->ds[i].stored);
	}
	for (size_t i = 0; i < im->n_ctx; i++) {
		free(im->ctx[i].facets.v);
		free(im->ctx[i].ds);
		mlmd_message_free(im->ctx[i].stored);
	}
	free(im->runs);
	free(im->ds);
	free(im->ctx);
	mlmd__ol_index_free(&im->run_ix);
	mlmd__ol_index_free(&im->ds_ix);
	mlmd__ol_index_free(&im->ctx_ix);
	mlmd__ol_index_free(&im->link_ix);
	mlmd__ol_arena_free(&im->a);
}

int mlmd_openlineage_import(mlmd_store *store, const mlmd_openlineage_options *opts, const char *text, size_t len,
			    mlmd_openlineage_problem problem, void *user, mlmd_openlineage_import_report *report)
{
	if (report)
		memset(report, 0, sizeof *report);
	if (!store)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_openlineage_import: store is NULL");
	if (!text && len)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_openlineage_import: text is NULL");
	if (opts && opts->version != MLMD_OPENLINEAGE_OPTIONS_VERSION)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_openlineage_options.version is %u (this library knows %d)",
				  opts->version, MLMD_OPENLINEAGE_OPTIONS_VERSION);
	ol_import im;
	memset(&im, 0, sizeof im);
	im.problem = problem;
	im.user = user;
	im.strict = opts && opts->strict;
	im.only_ns = opts ? opts->ns : NULL;
	int rc = mlmd__ol_read_events(&im, text ? text : "", len);
	if (rc == 1)
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "line %zu: %s; nothing was imported", im.bad_line, im.bad_why);
	if (!rc)
		rc = mlmd_store_begin(store, 1);
	if (!rc) {
		pass2 p;
		memset(&p, 0, sizeof p);
		p.im = &im;
		p.s = store;
		rc = run_pass2(&p);
		for (int k = 0; k < 3; k++)
			mlmd__ol_index_free(&p.types[k]);
		mlmd__ol_index_free(&p.edges);
		mlmd__ol_index_free(&p.ctx_names);
		for (size_t i = 0; i < p.n_holders; i++)
			mlmd_message_free(p.holders[i]);
		free(p.holders);
		free(p.known);
		if (rc) {
			char why[1024];
			snprintf(why, sizeof why, "%s", mlmd_error_message());
			mlmd_store_rollback(store);
			rc = mlmd__fail(-rc, "%s; nothing was imported", why);
		} else {
			rc = mlmd_store_commit(store);
		}
	}
	if (report) {
		*report = im.rep;
		if (rc) { /* nothing was written */
			mlmd_openlineage_import_report r0 = { 0 };
			r0.events = im.rep.events;
			r0.skipped = im.rep.skipped;
			r0.ignored = im.rep.ignored;
			*report = r0;
		}
	}
	mlmd__ol_import_free(&im);
	return rc;
}
