/*
 * openlineage/import_store.c - pass 2 of the import, its reading half: the
 * nodes earlier imports made, listed once (by their openlineage_*
 * properties) and matched to what pass 1 gathered; the edges of the matched
 * ones, read once; the types, read once and created as needed; the
 * helpers the writing half (import.c) uses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "openlineage/import.h"

/* ---- small helpers ------------------------------------------------------------------------ */

const char *mlmd__oli_prop_str(const void *node, const char *name)
{
	const Mlmd__Pb__Value *v = mlmd_node_get(node, 1, name);
	return v && v->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE ? v->string_value : NULL;
}

const Mlmd__Pb__Wkt__Struct *mlmd__oli_prop_struct(const void *node, const char *name)
{
	const Mlmd__Pb__Value *v = mlmd_node_get(node, 1, name);
	return v && v->value_case == MLMD__PB__VALUE__VALUE_STRUCT_VALUE ? v->struct_value : NULL;
}

/* Sets custom property `name` of node to struct s (taken: freed on failure). */
int mlmd__oli_set_struct(void *node, const char *name, Mlmd__Pb__Wkt__Struct *s)
{
	if (!s)
		return MLMD_OOM();
	int rc = mlmd_node_set_string(node, 1, name, "");
	Mlmd__Pb__Value *v = rc ? NULL : (Mlmd__Pb__Value *)mlmd_node_get(node, 1, name);
	if (!v) {
		mlmd_message_free(s);
		return rc ? rc : MLMD_OOM();
	}
	free(v->string_value);
	v->string_value = NULL;
	v->value_case = MLMD__PB__VALUE__VALUE_STRUCT_VALUE;
	v->struct_value = s;
	return 0;
}

void mlmd__oli_edge_key(char k[17], int64_t a, int64_t b, int type)
{
	memcpy(k, &a, 8);
	memcpy(k + 8, &b, 8);
	k[16] = (char)type;
}

/* The facets of fs merged over the stored ones (an object, or NULL): a
 * stored facet counts as of the node's last update, an event's facet
 * replaces it when its eventTime is that late or later. Into *out (an
 * object in the arena). */
int mlmd__oli_merged(ol_arena *a, const olj *stored, int64_t stored_time, const ol_facets *fs, olj *out)
{
	size_t cap = (stored ? stored->n : 0) + fs->n;
	memset(out, 0, sizeof *out);
	out->t = OLJ_OBJ;
	if (!cap)
		return 0;
	if (!(out->u.mem = mlmd__ol_alloc(a, cap * sizeof *out->u.mem)))
		return -1;
	for (size_t i = 0; stored && i < stored->n; i++)
		out->u.mem[out->n++] = stored->u.mem[i];
	for (size_t i = 0; i < fs->n; i++) {
		const ol_facet *f = &fs->v[i];
		size_t j = 0;
		while (j < out->n && strcmp(out->u.mem[j].key, f->name))
			j++;
		if (j < out->n && stored && j < stored->n && f->time < stored_time)
			continue; /* the stored one is later */
		if (!f->val) { /* deleted */
			if (j < out->n) {
				memmove(&out->u.mem[j], &out->u.mem[j + 1], (out->n - j - 1) * sizeof *out->u.mem);
				out->n--;
			}
			continue;
		}
		if (j == out->n)
			out->u.mem[out->n++].key = f->name;
		out->u.mem[j].v = *f->val;
	}
	return 0;
}

/* A stored struct property as an object in the arena (NULL when none). */
int mlmd__oli_stored_obj(ol_arena *a, const void *node, const char *name, olj **out)
{
	const Mlmd__Pb__Wkt__Struct *s = node ? mlmd__oli_prop_struct(node, name) : NULL;
	*out = NULL;
	if (!s)
		return 0;
	if (!(*out = mlmd__ol_alloc(a, sizeof **out)) || mlmd__olj_from_struct(a, s, *out))
		return -1;
	return 0;
}

/* Whether value v (or nothing) differs from the stored object st (or nothing). */
bool mlmd__oli_differs(const olj *st, const olj *v)
{
	bool e1 = !st || !st->n, e2 = !v || !v->n;
	if (e1 || e2)
		return e1 != e2;
	return !mlmd__olj_equal(st, v);
}

/* ---- reading the store once -------------------------------------------------------------------- */

/* Every node of kind k with custom property `prop` set, page by page, given to fn. */
static int list_nodes(pass2 *p, int k, const char *prop, int (*fn)(pass2 *, void *node, void **slot))
{
	Mlmd__Pb__ListOperationOptions o = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	char filter[128];
	snprintf(filter, sizeof filter, "custom_properties.%s.string_value IS NOT NULL", prop);
	o.has_max_result_size = 1;
	o.max_result_size = 100;
	o.filter_query = filter;
	char *token = NULL;
	int rc = 0;
	do {
		o.next_page_token = token;
		void *resp = NULL;
		void **nodes;
		size_t n;
		const char *next;
		if (k == K_EXEC) {
			Mlmd__Pb__GetExecutionsRequest rq = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
			rq.options = &o;
			Mlmd__Pb__GetExecutionsResponse *r = NULL;
			rc = mlmd_store_get_executions(p->s, &rq, &r);
			resp = r;
			nodes = r ? (void **)r->executions : NULL, n = r ? r->n_executions : 0;
			next = r ? r->next_page_token : NULL;
		} else if (k == K_ART) {
			Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
			rq.options = &o;
			Mlmd__Pb__GetArtifactsResponse *r = NULL;
			rc = mlmd_store_get_artifacts(p->s, &rq, &r);
			resp = r;
			nodes = r ? (void **)r->artifacts : NULL, n = r ? r->n_artifacts : 0;
			next = r ? r->next_page_token : NULL;
		} else {
			Mlmd__Pb__GetContextsRequest rq = MLMD__PB__GET_CONTEXTS_REQUEST__INIT;
			rq.options = &o;
			Mlmd__Pb__GetContextsResponse *r = NULL;
			rc = mlmd_store_get_contexts(p->s, &rq, &r);
			resp = r;
			nodes = r ? (void **)r->contexts : NULL, n = r ? r->n_contexts : 0;
			next = r ? r->next_page_token : NULL;
		}
		for (size_t i = 0; !rc && i < n; i++)
			rc = fn(p, nodes[i], &nodes[i]);
		free(token);
		token = NULL;
		if (!rc && next && *next && n && !(token = strdup(next)))
			rc = MLMD_OOM();
		mlmd_message_free(resp);
	} while (!rc && token);
	free(token);
	return rc;
}

/* Takes the node out of its response: the slot gets an empty message. */
static void *take(void **slot, const ProtobufCMessageDescriptor *d)
{
	void *fresh = mlmd_message_new(d);
	if (!fresh)
		return NULL;
	void *node = *slot;
	*slot = fresh;
	return node;
}

static int seen_exec(pass2 *p, void *node, void **slot)
{
	const char *rid = mlmd__oli_prop_str(node, MLMD__OL_PROP_RUN_ID);
	char id[37];
	if (!rid || !mlmd__ol_uuid_norm(rid, id))
		return 0;
	long i = mlmd__ol_index_get(&p->im->run_ix, id, 36);
	if (i < 0 || p->im->runs[i].stored)
		return 0;
	ol_run *r = &p->im->runs[i];
	if (!(r->stored = take(slot, &mlmd__pb__execution__descriptor)))
		return MLMD_OOM();
	r->id = r->stored->id;
	return 0;
}

static int seen_art(pass2 *p, void *node, void **slot)
{
	const char *ns = mlmd__oli_prop_str(node, MLMD__OL_PROP_NAMESPACE), *name = mlmd__oli_prop_str(node, MLMD__OL_PROP_NAME);
	if (!ns || !name)
		return 0;
	size_t ln = strlen(ns), lm = strlen(name);
	char *key = malloc(ln + lm + 2);
	if (!key)
		return MLMD_OOM();
	memcpy(key, ns, ln + 1);
	memcpy(key + ln + 1, name, lm + 1);
	long i = mlmd__ol_index_get(&p->im->ds_ix, key, ln + lm + 1);
	free(key);
	if (i < 0 || p->im->ds[i].stored)
		return 0;
	ol_ds *d = &p->im->ds[i];
	if (!(d->stored = take(slot, &mlmd__pb__artifact__descriptor)))
		return MLMD_OOM();
	d->id = d->stored->id;
	return 0;
}

static int seen_ctx(pass2 *p, void *node, void **slot)
{
	const Mlmd__Pb__Context *c = node;
	const char *ns = mlmd__oli_prop_str(node, MLMD__OL_PROP_JOB_NAMESPACE), *name = mlmd__oli_prop_str(node, MLMD__OL_PROP_JOB_NAME);
	const char *rid = mlmd__oli_prop_str(node, MLMD__OL_PROP_RUN_ID);
	bool job = c->type && !strcmp(c->type, OL_CTX_JOB_TYPE), parent = c->type && !strcmp(c->type, OL_CTX_PARENT_TYPE);
	if (job && c->name && mlmd__ol_index_put(&p->ctx_names, &p->im->a, c->name, strlen(c->name), 1))
		return MLMD_OOM();
	char id[37];
	if (!ns || !name || (!job && !parent) || (parent && (!rid || !mlmd__ol_uuid_norm(rid, id))))
		return 0;
	size_t ln = strlen(ns), lm = strlen(name);
	char *key = malloc(ln + lm + 40);
	if (!key)
		return MLMD_OOM();
	size_t kl;
	if (parent) {
		key[0] = '0' + OL_CTX_PARENT;
		memcpy(key + 1, id, 37);
		kl = 37;
	} else {
		key[0] = '0' + OL_CTX_JOB;
		memcpy(key + 1, ns, ln + 1);
		memcpy(key + 2 + ln, name, lm + 1);
		kl = 2 + ln + lm;
	}
	long i = mlmd__ol_index_get(&p->im->ctx_ix, key, kl);
	free(key);
	if (i < 0 || p->im->ctx[i].stored)
		return 0;
	ol_ctx *x = &p->im->ctx[i];
	if (!(x->stored = take(slot, &mlmd__pb__context__descriptor)))
		return MLMD_OOM();
	x->id = x->stored->id;
	return 0;
}

/* The edges the matched nodes already have: events of matched executions,
 * associations and attributions of matched contexts. */
static int read_edges(pass2 *p)
{
	ol_import *im = p->im;
	int rc = 0;
	char k[17];
	for (size_t i = 0; i < im->n_runs && !rc;) {
		Mlmd__Pb__GetEventsByExecutionIDsRequest rq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
		int64_t ids[OL_BATCH];
		size_t n = 0;
		for (; i < im->n_runs && n < OL_BATCH; i++)
			if (im->runs[i].id)
				ids[n++] = im->runs[i].id;
		if (!n)
			break;
		rq.execution_ids = ids;
		rq.n_execution_ids = n;
		Mlmd__Pb__GetEventsByExecutionIDsResponse *r = NULL;
		if ((rc = mlmd_store_get_events_by_execution_ids(p->s, &rq, &r)))
			break;
		for (size_t j = 0; j < r->n_events && !rc; j++) {
			mlmd__oli_edge_key(k, r->events[j]->execution_id, r->events[j]->artifact_id, (int)r->events[j]->type);
			if (mlmd__ol_index_put(&p->edges, &im->a, k, 17, 1))
				rc = MLMD_OOM();
		}
		mlmd_message_free(r);
	}
	for (size_t i = 0; i < im->n_ctx && !rc; i++) {
		ol_ctx *c = &im->ctx[i];
		if (!c->id)
			continue;
		Mlmd__Pb__ListOperationOptions o = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
		o.has_max_result_size = 1;
		o.max_result_size = 100;
		char *token = NULL;
		do {
			o.next_page_token = token;
			const char *next = NULL;
			size_t n = 0;
			if (c->kind == OL_CTX_PARENT) {
				Mlmd__Pb__GetExecutionsByContextRequest rq = MLMD__PB__GET_EXECUTIONS_BY_CONTEXT_REQUEST__INIT;
				rq.has_context_id = 1;
				rq.context_id = c->id;
				rq.options = &o;
				Mlmd__Pb__GetExecutionsByContextResponse *r = NULL;
				if (!(rc = mlmd_store_get_executions_by_context(p->s, &rq, &r))) {
					for (size_t j = 0; j < r->n_executions && !rc; j++) {
						mlmd__oli_edge_key(k, c->id, r->executions[j]->id, 'A');
						rc = mlmd__ol_index_put(&p->edges, &im->a, k, 17, 1) ? MLMD_OOM() : 0;
					}
					n = r->n_executions;
					next = r->next_page_token;
				}
				free(token);
				token = !rc && n && next && *next ? strdup(next) : NULL;
				mlmd_message_free(r);
			} else {
				Mlmd__Pb__GetArtifactsByContextRequest rq = MLMD__PB__GET_ARTIFACTS_BY_CONTEXT_REQUEST__INIT;
				rq.has_context_id = 1;
				rq.context_id = c->id;
				rq.options = &o;
				Mlmd__Pb__GetArtifactsByContextResponse *r = NULL;
				if (!(rc = mlmd_store_get_artifacts_by_context(p->s, &rq, &r))) {
					for (size_t j = 0; j < r->n_artifacts && !rc; j++) {
						mlmd__oli_edge_key(k, c->id, r->artifacts[j]->id, 'T');
						rc = mlmd__ol_index_put(&p->edges, &im->a, k, 17, 1) ? MLMD_OOM() : 0;
					}
					n = r->n_artifacts;
					next = r->next_page_token;
				}
				free(token);
				token = !rc && n && next && *next ? strdup(next) : NULL;
				mlmd_message_free(r);
			}
		} while (!rc && token);
		free(token);
	}
	return rc;
}

/* ---- types ---------------------------------------------------------------------------------------- */

/* Keeps a message of types for declared(): a GetArtifactTypes or
 * GetExecutionTypes response (its types are added), or a type made here. */
static int keep_type(pass2 *p, void *m)
{
	const ProtobufCMessageDescriptor *d = ((ProtobufCMessage *)m)->descriptor;
	if (d == &mlmd__pb__get_artifact_types_response__descriptor ||
	    d == &mlmd__pb__get_execution_types_response__descriptor) {
		if (mlmd__push_ptr(&p->holders, &p->n_holders, m)) {
			mlmd_message_free(m);
			return -1;
		}
		size_t n = d == &mlmd__pb__get_artifact_types_response__descriptor ?
			((Mlmd__Pb__GetArtifactTypesResponse *)m)->n_artifact_types :
			((Mlmd__Pb__GetExecutionTypesResponse *)m)->n_execution_types;
		for (size_t i = 0; i < n; i++) {
			void *t = d == &mlmd__pb__get_artifact_types_response__descriptor ?
				(void *)((Mlmd__Pb__GetArtifactTypesResponse *)m)->artifact_types[i] :
				(void *)((Mlmd__Pb__GetExecutionTypesResponse *)m)->execution_types[i];
			if (mlmd__push_ptr(&p->known, &p->n_known, t))
				return -1;
		}
		return 0;
	}
	if (mlmd__push_ptr(&p->holders, &p->n_holders, m)) {
		mlmd_message_free(m);
		return -1;
	}
	return mlmd__push_ptr(&p->known, &p->n_known, m) ? -1 : 0;
}

static int read_types(pass2 *p)
{
	int rc;
	Mlmd__Pb__GetArtifactTypesRequest ra = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypesResponse *a = NULL;
	if ((rc = mlmd_store_get_artifact_types(p->s, &ra, &a)))
		return rc;
	for (size_t i = 0; i < a->n_artifact_types && !rc; i++)
		if (a->artifact_types[i]->name)
			rc = mlmd__ol_index_put(&p->types[K_ART], &p->im->a, a->artifact_types[i]->name,
					  strlen(a->artifact_types[i]->name), (long)a->artifact_types[i]->id);
	if (!rc && keep_type(p, a))
		rc = -1;
	else if (rc)
		mlmd_message_free(a);
	Mlmd__Pb__GetExecutionTypesRequest re = MLMD__PB__GET_EXECUTION_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetExecutionTypesResponse *e = NULL;
	if (rc || (rc = mlmd_store_get_execution_types(p->s, &re, &e)))
		return rc < 0 ? rc : MLMD_OOM();
	for (size_t i = 0; i < e->n_execution_types && !rc; i++)
		if (e->execution_types[i]->name)
			rc = mlmd__ol_index_put(&p->types[K_EXEC], &p->im->a, e->execution_types[i]->name,
					  strlen(e->execution_types[i]->name), (long)e->execution_types[i]->id);
	if (!rc && keep_type(p, e))
		rc = -1;
	else if (rc)
		mlmd_message_free(e);
	Mlmd__Pb__GetContextTypesRequest rc_ = MLMD__PB__GET_CONTEXT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetContextTypesResponse *c = NULL;
	if (rc || (rc = mlmd_store_get_context_types(p->s, &rc_, &c)))
		return rc < 0 ? rc : MLMD_OOM();
	for (size_t i = 0; i < c->n_context_types && !rc; i++)
		if (c->context_types[i]->name)
			rc = mlmd__ol_index_put(&p->types[K_CTX], &p->im->a, c->context_types[i]->name,
					  strlen(c->context_types[i]->name), (long)c->context_types[i]->id);
	mlmd_message_free(c);
	return rc ? MLMD_OOM() : 0;
}

static const struct {
	const char *name;
	Mlmd__Pb__PropertyType t;
} PTYPES[] = {
	{ "INT", MLMD__PB__PROPERTY_TYPE__INT },       { "DOUBLE", MLMD__PB__PROPERTY_TYPE__DOUBLE },
	{ "STRING", MLMD__PB__PROPERTY_TYPE__STRING }, { "STRUCT", MLMD__PB__PROPERTY_TYPE__STRUCT },
	{ "PROTO", MLMD__PB__PROPERTY_TYPE__PROTO },   { "BOOLEAN", MLMD__PB__PROPERTY_TYPE__BOOLEAN },
};

static bool is_proto(const olj *v);

/* The property type a JSON value suggests (for a type made from our facet). */
static Mlmd__Pb__PropertyType infer(const olj *v)
{
	switch (v->t) {
	case OLJ_NUM: return v->text && !strpbrk(v->text, ".eE") ? MLMD__PB__PROPERTY_TYPE__INT
							       : MLMD__PB__PROPERTY_TYPE__DOUBLE;
	case OLJ_STR: return MLMD__PB__PROPERTY_TYPE__STRING;
	case OLJ_TRUE:
	case OLJ_FALSE: return MLMD__PB__PROPERTY_TYPE__BOOLEAN;
	case OLJ_OBJ: return is_proto(v) ? MLMD__PB__PROPERTY_TYPE__PROTO : MLMD__PB__PROPERTY_TYPE__STRUCT;
	default: return MLMD__PB__PROPERTY_TYPE__UNKNOWN;
	}
}

/* The id of type `name` of kind k, created when missing: declared
 * properties from our facet (propertyTypes, else the properties' values). */
int mlmd__oli_type_id(pass2 *p, int k, const char *name, const olj *facet, const olj *props, int64_t *out)
{
	long id = mlmd__ol_index_get(&p->types[k], name, strlen(name));
	if (id >= 0) {
		*out = id;
		return 0;
	}
	const olj *pt = mlmd__olj_get(facet, "propertyTypes");
	void *t = mlmd_message_new(k == K_ART ? &mlmd__pb__artifact_type__descriptor :
				   k == K_EXEC ? &mlmd__pb__execution_type__descriptor : &mlmd__pb__context_type__descriptor);
	int rc = t ? mlmd_message_set_string(t, "name", name) : MLMD_OOM();
	for (size_t i = 0; !rc && pt && pt->t == OLJ_OBJ && i < pt->n; i++) {
		const olj *v = &pt->u.mem[i].v;
		size_t j = 0;
		while (j < 6 && (v->t != OLJ_STR || strcmp(v->u.str, PTYPES[j].name)))
			j++;
		if (j < 6)
			rc = mlmd_type_add_property(t, pt->u.mem[i].key, PTYPES[j].t);
	}
	for (size_t i = 0; !rc && !pt && props && props->t == OLJ_OBJ && i < props->n; i++) {
		Mlmd__Pb__PropertyType ty = infer(&props->u.mem[i].v);
		if (ty != MLMD__PB__PROPERTY_TYPE__UNKNOWN)
			rc = mlmd_type_add_property(t, props->u.mem[i].key, ty);
	}
	int64_t got = 0;
	if (!rc && k == K_ART) {
		Mlmd__Pb__ArtifactType *at = t;
		if (!strcmp(name, OL_DATASET_TYPE)) {
			at->has_base_type = 1;
			at->base_type = MLMD__PB__ARTIFACT_TYPE__SYSTEM_DEFINED_BASE_TYPE__DATASET;
		}
		/* (the request's INIT macro names deprecated fields: made by the descriptor) */
		Mlmd__Pb__PutArtifactTypeRequest *rq = mlmd_message_new(&mlmd__pb__put_artifact_type_request__descriptor);
		Mlmd__Pb__PutArtifactTypeResponse *r = NULL;
		if (!rq)
			rc = MLMD_OOM();
		else if ((rq->artifact_type = at), !(rc = mlmd_store_put_artifact_type(p->s, rq, &r)))
			got = r->type_id;
		if (rq)
			rq->artifact_type = NULL;
		mlmd_message_free(rq);
		mlmd_message_free(r);
	} else if (!rc && k == K_EXEC) {
		Mlmd__Pb__ExecutionType *et = t;
		const olj *base = mlmd__olj_get(facet, "baseType"), *desc = mlmd__olj_get(facet, "description");
		const olj *ver = mlmd__olj_get(facet, "version");
		const ProtobufCEnumValue *bv = base && base->t == OLJ_STR ? protobuf_c_enum_descriptor_get_value_by_name(
			&mlmd__pb__execution_type__system_defined_base_type__descriptor, base->u.str) : NULL;
		if (bv) {
			et->has_base_type = 1;
			et->base_type = (Mlmd__Pb__ExecutionType__SystemDefinedBaseType)bv->value;
		}
		if ((desc && desc->t == OLJ_STR && mlmd_message_set_string(et, "description", desc->u.str)) ||
		    (ver && ver->t == OLJ_STR && mlmd_message_set_string(et, "version", ver->u.str)))
			rc = MLMD_OOM();
		Mlmd__Pb__PutExecutionTypeRequest *rq = mlmd_message_new(&mlmd__pb__put_execution_type_request__descriptor);
		Mlmd__Pb__PutExecutionTypeResponse *r = NULL;
		if (!rq)
			rc = MLMD_OOM();
		else if ((rq->execution_type = et), !rc && !(rc = mlmd_store_put_execution_type(p->s, rq, &r)))
			got = r->type_id;
		if (rq)
			rq->execution_type = NULL;
		mlmd_message_free(rq);
		mlmd_message_free(r);
	} else if (!rc) {
		Mlmd__Pb__PutContextTypeRequest *rq = mlmd_message_new(&mlmd__pb__put_context_type_request__descriptor);
		Mlmd__Pb__PutContextTypeResponse *r = NULL;
		if (!rq)
			rc = MLMD_OOM();
		else if ((rq->context_type = t), !(rc = mlmd_store_put_context_type(p->s, rq, &r)))
			got = r->type_id;
		if (rq)
			rq->context_type = NULL;
		mlmd_message_free(rq);
		mlmd_message_free(r);
	}
	if (!rc && k != K_CTX) { /* kept for declared(): its properties' types */
		if (k == K_ART)
			((Mlmd__Pb__ArtifactType *)t)->has_id = 1, ((Mlmd__Pb__ArtifactType *)t)->id = got;
		else
			((Mlmd__Pb__ExecutionType *)t)->has_id = 1, ((Mlmd__Pb__ExecutionType *)t)->id = got;
		if (keep_type(p, t))
			rc = MLMD_OOM();
	} else {
		mlmd_message_free(t);
	}
	if (!rc && mlmd__ol_index_put(&p->types[k], &p->im->a, name, strlen(name), (long)got))
		rc = MLMD_OOM();
	*out = got;
	return rc;
}

/* The declared type of property `name` of type `type_id` (kind k), or UNKNOWN. */
static Mlmd__Pb__PropertyType declared(const pass2 *p, int k, int64_t type_id, const char *name)
{
	for (size_t i = 0; i < p->n_known; i++) {
		const void *t = p->known[i];
		const ProtobufCMessageDescriptor *d = ((const ProtobufCMessage *)t)->descriptor;
		if (d != (k == K_ART ? &mlmd__pb__artifact_type__descriptor : &mlmd__pb__execution_type__descriptor))
			continue;
		/* ArtifactType and ExecutionType both start id, name, ..., properties: read them apart */
		int64_t id = k == K_ART ? ((const Mlmd__Pb__ArtifactType *)t)->id : ((const Mlmd__Pb__ExecutionType *)t)->id;
		if (id != type_id)
			continue;
		size_t n = k == K_ART ? ((const Mlmd__Pb__ArtifactType *)t)->n_properties :
			((const Mlmd__Pb__ExecutionType *)t)->n_properties;
		for (size_t j = 0; j < n; j++) {
			const char *key = k == K_ART ? ((const Mlmd__Pb__ArtifactType *)t)->properties[j]->key :
				((const Mlmd__Pb__ExecutionType *)t)->properties[j]->key;
			if (key && !strcmp(key, name))
				return k == K_ART ? ((const Mlmd__Pb__ArtifactType *)t)->properties[j]->value :
					((const Mlmd__Pb__ExecutionType *)t)->properties[j]->value;
		}
	}
	return MLMD__PB__PROPERTY_TYPE__UNKNOWN;
}

/* Sets property `name` of node to value x (taken, freed on failure). */
static int set_value(void *node, int custom, const char *name, Mlmd__Pb__Value *x)
{
	int rc = mlmd_node_set_string(node, custom, name, "");
	Mlmd__Pb__Value *v = rc ? NULL : (Mlmd__Pb__Value *)mlmd_node_get(node, custom, name);
	if (!v) {
		mlmd_message_free(x);
		return rc ? rc : MLMD_OOM();
	}
	free(v->string_value);
	v->string_value = NULL;
	/* move x's value into the node's */
	v->value_case = x->value_case;
	if (x->value_case == MLMD__PB__VALUE__VALUE_STRUCT_VALUE) {
		v->struct_value = x->struct_value;
		x->struct_value = NULL;
	} else {
		v->proto_value = x->proto_value;
		x->proto_value = NULL;
	}
	x->value_case = MLMD__PB__VALUE__VALUE__NOT_SET;
	mlmd_message_free(x);
	return 0;
}

/* A proto value as our facet writes it: {"typeUrl": ..., "base64url": ...}. */
static bool is_proto(const olj *v)
{
	const olj *u = mlmd__olj_get(v, "typeUrl"), *b = mlmd__olj_get(v, "base64url");
	return v->t == OLJ_OBJ && v->n == 2 && u && u->t == OLJ_STR && b && b->t == OLJ_STR;
}

static int set_proto(void *node, int custom, const char *name, const olj *v)
{
	uint8_t *bytes = NULL;
	size_t n = 0;
	if (mlmd__b64_decode(mlmd__olj_get(v, "base64url")->u.str, &bytes, &n))
		return -1;
	Mlmd__Pb__Value *x = mlmd_message_new(&mlmd__pb__value__descriptor);
	Mlmd__Pb__Wkt__Any *any = mlmd_message_new(&mlmd__pb__wkt__any__descriptor);
	if (!x || !any || mlmd_message_set_string(any, "type_url", mlmd__olj_get(v, "typeUrl")->u.str)) {
		free(bytes);
		mlmd_message_free(x);
		mlmd_message_free(any);
		return MLMD_OOM();
	}
	any->value.data = bytes;
	any->value.len = n;
	x->value_case = MLMD__PB__VALUE__VALUE_PROTO_VALUE;
	x->proto_value = any;
	return set_value(node, custom, name, x);
}

int mlmd__oli_facet_props(pass2 *p, void *node, int k, int64_t type_id, const olj *facet, const char *what)
{
	for (int custom = 0; custom < 2; custom++) {
		const olj *props = mlmd__olj_get(facet, custom ? "customProperties" : "properties");
		for (size_t i = 0; props && props->t == OLJ_OBJ && i < props->n; i++) {
			const char *key = props->u.mem[i].key;
			const olj *v = &props->u.mem[i].v;
			if (custom && !strncmp(key, "openlineage_", 12))
				continue;
			Mlmd__Pb__PropertyType want = custom ? infer(v) : declared(p, k, type_id, key);
			if (want == MLMD__PB__PROPERTY_TYPE__STRUCT && is_proto(v))
				want = MLMD__PB__PROPERTY_TYPE__PROTO;
			if (v->t == OLJ_NULL)
				continue; /* no value */
			bool ok = true;
			int rc = 0;
			switch (want) {
			case MLMD__PB__PROPERTY_TYPE__INT:
				ok = v->t == OLJ_NUM && (double)(int64_t)v->u.num == v->u.num && v->u.num < 9.3e18;
				if (ok)
					rc = mlmd_node_set_int(node, custom, key, (int64_t)v->u.num);
				break;
			case MLMD__PB__PROPERTY_TYPE__DOUBLE:
				if (v->t == OLJ_STR && (!strcmp(v->u.str, "NaN") || !strcmp(v->u.str, "Infinity") ||
							!strcmp(v->u.str, "-Infinity"))) {
					double d = 0;
					mlmd__parse_double(v->u.str[0] == 'N' ? "nan" : v->u.str[0] == '-' ? "-inf" : "inf",
							   v->u.str[0] == '-' ? 4 : 3, MLMD_NUM_NONFINITE, &d);
					rc = mlmd_node_set_double(node, custom, key, d);
				} else if ((ok = v->t == OLJ_NUM)) {
					rc = mlmd_node_set_double(node, custom, key, v->u.num);
				}
				break;
			case MLMD__PB__PROPERTY_TYPE__STRING:
				if ((ok = v->t == OLJ_STR))
					rc = mlmd_node_set_string(node, custom, key, v->u.str);
				break;
			case MLMD__PB__PROPERTY_TYPE__BOOLEAN:
				if ((ok = v->t == OLJ_TRUE || v->t == OLJ_FALSE))
					rc = mlmd_node_set_bool(node, custom, key, v->t == OLJ_TRUE);
				break;
			case MLMD__PB__PROPERTY_TYPE__STRUCT: {
				if (!(ok = v->t == OLJ_OBJ))
					break;
				Mlmd__Pb__Value *x = mlmd_message_new(&mlmd__pb__value__descriptor);
				if (!x)
					return MLMD_OOM();
				x->value_case = MLMD__PB__VALUE__VALUE_STRUCT_VALUE;
				if (!(x->struct_value = mlmd__olj_to_struct(v))) {
					mlmd_message_free(x);
					return MLMD_OOM();
				}
				rc = set_value(node, custom, key, x);
				break;
			}
			case MLMD__PB__PROPERTY_TYPE__PROTO:
				if ((ok = is_proto(v)) && (rc = set_proto(node, custom, key, v)) == -1)
					ok = false, rc = 0;
				break;
			default:
				ok = false;
			}
			if (rc)
				return rc;
			if (!ok)
				return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: facet \"mlmd\": the %sproperty \"%s\" does not fit "
						  "its type (%s)", what, custom ? "custom " : "", key,
						  want == MLMD__PB__PROPERTY_TYPE__UNKNOWN ? "the type does not declare it" :
						  protobuf_c_enum_descriptor_get_value(&mlmd__pb__property_type__descriptor,
										       (int)want)->name);
		}
	}
	return 0;
}

int mlmd__ol_read_store(pass2 *p)
{
	int rc = read_types(p);
	if (!rc && p->im->n_runs)
		rc = list_nodes(p, K_EXEC, MLMD__OL_PROP_RUN_ID, seen_exec);
	if (!rc && p->im->n_ds)
		rc = list_nodes(p, K_ART, MLMD__OL_PROP_NAMESPACE, seen_art);
	if (!rc && p->im->n_ctx)
		rc = list_nodes(p, K_CTX, MLMD__OL_PROP_JOB_NAME, seen_ctx);
	if (!rc)
		rc = read_edges(p);
	return rc;
}

