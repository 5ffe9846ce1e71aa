/*
 * store/reg_policy.c - alias policies: setting and deleting them, reading
 * them (as messages and as the text a refusal names), and checking their
 * requirements (KEY=VALUE on the version's tags or its model artifact's
 * properties) for a version.
 */
#include <stdlib.h>
#include <string.h>
#include "reg.h"

#define MLMD_REG_MAX_APPROVALS 100

/* One policy's requirements, sorted by key. */
typedef struct req_kv {
	char *key, *value;
} req_kv;

static int cmp_kv(const void *a, const void *b)
{
	return strcmp(((const req_kv *)a)->key, ((const req_kv *)b)->key);
}

static void kv_free(req_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

static int requirements(call *c, int64_t model_id, const char *alias, req_kv **out, size_t *n)
{
	sqlq q;
	*out = NULL;
	*n = 0;
	int rc = mlmd__q(c->sql, &q, "SELECT key, value FROM alias_policy_require WHERE model_id = ? AND alias = ?");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, model_id);
	mlmd__q_text(&q, 2, alias);
	while ((rc = mlmd__q_step(&q)) == 1) {
		if (mlmd__grow((void **)out, *n, sizeof **out)) {
			rc = MLMD_OOM();
			break;
		}
		req_kv *kv = &(*out)[(*n)++];
		kv->key = mlmd__strdup(mlmd__q_col_text(&q, 0));
		kv->value = mlmd__strdup(mlmd__q_col_text(&q, 1));
		if (!kv->key || !kv->value) {
			rc = MLMD_OOM();
			break;
		}
	}
	mlmd__q_done(&q);
	if (rc < 0) {
		kv_free(*out, *n);
		*out = NULL;
		*n = 0;
		return rc;
	}
	if (*n > 1)
		qsort(*out, *n, sizeof **out, cmp_kv);
	return 0;
}

int mlmd__reg_policy_get(call *c, int64_t model_id, const char *alias, int *found, int64_t *approvals,
			 mlmd_buf *text)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT approvals FROM alias_policy WHERE model_id = ? AND alias = ?");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, model_id);
	mlmd__q_text(&q, 2, alias);
	*found = 0;
	*approvals = 0;
	if ((rc = mlmd__q_step(&q)) == 1) {
		*found = 1;
		*approvals = mlmd__q_col_i64(&q, 0);
	}
	mlmd__q_done(&q);
	if (rc < 0 || !*found || !text)
		return rc < 0 ? rc : 0;
	req_kv *kv;
	size_t n;
	if ((rc = requirements(c, model_id, alias, &kv, &n)))
		return rc;
	mlmd__buf_printf(text, "%lld approval%s", (long long)*approvals, *approvals == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++)
		mlmd__buf_printf(text, ", %s=%s", kv[i].key, kv[i].value);
	kv_free(kv, n);
	return text->oom ? MLMD_OOM() : 0;
}

/* ---- policy messages ---------------------------------------------------------------------- */

static int policy_message(call *c, const reg_model *m, const char *alias, int64_t approvals, const char *actor,
			  int64_t time, Mlmd__Pb__Governance__AliasPolicy **out)
{
	Mlmd__Pb__Governance__AliasPolicy *p = mlmd__msg_new(&mlmd__pb__governance__alias_policy__descriptor);
	*out = NULL;
	if (!p)
		return MLMD_OOM();
	p->has_approvals = p->has_time_ms = 1;
	p->approvals = approvals;
	p->time_ms = time;
	req_kv *kv = NULL;
	size_t n = 0;
	int rc = mlmd__reg_strdup(&p->model_name, m->name);
	if (!rc)
		rc = mlmd__reg_strdup(&p->alias, alias);
	if (!rc)
		rc = mlmd__reg_strdup(&p->actor, actor);
	if (!rc)
		rc = requirements(c, m->id, alias, &kv, &n);
	for (size_t i = 0; i < n && !rc; i++) {
		Mlmd__Pb__Governance__Requirement *r = mlmd__msg_new(&mlmd__pb__governance__requirement__descriptor);
		if (!r || mlmd__push_ptr((void ***)&p->require, &p->n_require, r)) {
			free(r);
			rc = MLMD_OOM();
			break;
		}
		r->key = kv[i].key;
		r->value = kv[i].value;
		kv[i].key = kv[i].value = NULL;
	}
	kv_free(kv, n);
	if (rc) {
		protobuf_c_message_free_unpacked(&p->base, NULL);
		return rc;
	}
	*out = p;
	return 0;
}

static int cmp_policy(const void *a, const void *b)
{
	const Mlmd__Pb__Governance__AliasPolicy *x = *(Mlmd__Pb__Governance__AliasPolicy *const *)a;
	const Mlmd__Pb__Governance__AliasPolicy *y = *(Mlmd__Pb__Governance__AliasPolicy *const *)b;
	return strcmp(x->alias, y->alias);
}

int mlmd__reg_policies(call *c, const reg_model *m, Mlmd__Pb__Governance__AliasPolicy ***arr, size_t *n)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT alias, approvals, actor, time FROM alias_policy WHERE model_id = ?");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, m->id);
	/* the rows first: each policy's requirements are another query */
	typedef struct {
		char *alias, *actor;
		int64_t approvals, time;
	} row;
	row *rows = NULL;
	size_t nr = 0;
	while ((rc = mlmd__q_step(&q)) == 1) {
		if (mlmd__grow((void **)&rows, nr, sizeof *rows)) {
			rc = MLMD_OOM();
			break;
		}
		row *r = &rows[nr++];
		r->alias = mlmd__strdup(mlmd__q_col_text(&q, 0));
		r->actor = mlmd__strdup(mlmd__q_col_text(&q, 2));
		r->approvals = mlmd__q_col_i64(&q, 1);
		r->time = mlmd__q_col_i64(&q, 3);
		if (!r->alias || !r->actor) {
			rc = MLMD_OOM();
			break;
		}
	}
	mlmd__q_done(&q);
	size_t first = *n;
	for (size_t i = 0; i < nr && rc >= 0; i++) {
		Mlmd__Pb__Governance__AliasPolicy *p = NULL;
		if ((rc = policy_message(c, m, rows[i].alias, rows[i].approvals, rows[i].actor, rows[i].time, &p)))
			break;
		if (mlmd__push_ptr((void ***)arr, n, p)) {
			protobuf_c_message_free_unpacked(&p->base, NULL);
			rc = MLMD_OOM();
		}
	}
	for (size_t i = 0; i < nr; i++) {
		free(rows[i].alias);
		free(rows[i].actor);
	}
	free(rows);
	if (rc < 0)
		return rc;
	if (*n - first > 1)
		qsort(*arr + first, *n - first, sizeof **arr, cmp_policy);
	return 0;
}

/* ---- requirements ------------------------------------------------------------------------- */

/* v as text: ints in decimal, doubles as mlmd_double_format (shortest),
 * bools true/false; 0 when it is none of those kinds. */
static int value_text(const Mlmd__Pb__Value *v, char *buf, size_t n, const char **out)
{
	switch (v ? v->value_case : MLMD__PB__VALUE__VALUE__NOT_SET) {
	case MLMD__PB__VALUE__VALUE_STRING_VALUE: *out = v->string_value; return 1;
	case MLMD__PB__VALUE__VALUE_INT_VALUE: mlmd__snprintf(buf, n, "%lld", (long long)v->int_value); break;
	case MLMD__PB__VALUE__VALUE_DOUBLE_VALUE: mlmd_double_format(buf, n, v->double_value, 0); break;
	case MLMD__PB__VALUE__VALUE_BOOL_VALUE: mlmd__snprintf(buf, n, "%s", v->bool_value ? "true" : "false"); break;
	default: return 0;
	}
	*out = buf;
	return 1;
}

/* The artifact's property `key` (a type property first, then a custom one). */
static const Mlmd__Pb__Value *artifact_prop(const Mlmd__Pb__Artifact *a, const char *key)
{
	for (size_t i = 0; a && i < a->n_properties; i++)
		if (!strcmp(a->properties[i]->key, key))
			return a->properties[i]->value;
	for (size_t i = 0; a && i < a->n_custom_properties; i++)
		if (!strcmp(a->custom_properties[i]->key, key))
			return a->custom_properties[i]->value;
	return NULL;
}

int mlmd__reg_check_requirements(call *c, const reg_model *m, const char *alias, int64_t version)
{
	req_kv *kv = NULL;
	size_t n = 0;
	int rc = version > 0 ? requirements(c, m->id, alias, &kv, &n) : 0;
	if (rc || !n)
		return rc;
	Mlmd__Pb__Context *x = NULL;
	ProtobufCMessage *a = NULL;
	rc = mlmd__reg_version_load(c, m, version, &x);
	int64_t aid = x ? mlmd__reg_prop_int(x, REG_P_ARTIFACT) : 0;
	if (!rc && aid)
		rc = mlmd__node_load(c, &mlmd__artifact_kind, aid, &a);
	for (size_t i = 0; i < n && !rc; i++) {
		char tag[300], buf[64];
		mlmd__snprintf(tag, sizeof tag, REG_TAG_PREFIX "%s", kv[i].key);
		const Mlmd__Pb__Value *tv = mlmd__reg_prop(x, tag);
		const Mlmd__Pb__Value *av = artifact_prop((Mlmd__Pb__Artifact *)a, kv[i].key);
		const char *ts = NULL, *as = NULL;
		int has_t = tv && tv->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE && (ts = tv->string_value);
		int has_a = value_text(av, buf, sizeof buf, &as);
		/* the version's tag, when it has one, decides (a reviewer's tag
		 * overrides what the pipeline put on the artifact) */
		if (has_t ? !strcmp(ts, kv[i].value) : has_a && !strcmp(as, kv[i].value))
			continue;
		mlmd_buf why = { 0 };
		if (has_t)
			mlmd__buf_printf(&why, "its tag %s is '%s'", kv[i].key, ts);
		else if (has_a)
			mlmd__buf_printf(&why, "its artifact %lld's property %s is '%s'", (long long)aid, kv[i].key, as);
		else
			mlmd__buf_printf(&why, "neither its tags nor artifact %lld's properties have %s", (long long)aid,
					 kv[i].key);
		rc = mlmd__fail(MLMD_FAILED_PRECONDITION,
				"version %lld of model '%s' does not meet the policy of alias '%s': %s=%s is required; %s",
				(long long)version, m->name, alias, kv[i].key, kv[i].value, why.p ? why.p : "");
		mlmd__buf_free(&why);
	}
	if (x)
		protobuf_c_message_free_unpacked(&x->base, NULL);
	if (a)
		protobuf_c_message_free_unpacked(a, NULL);
	kv_free(kv, n);
	return rc;
}

/* ---- SetAliasPolicy, DeleteAliasPolicy ------------------------------------------------------ */

static int delete_policy(call *c, int64_t model_id, const char *alias)
{
	static const char *const sql[] = { "DELETE FROM alias_policy_require WHERE model_id = ? AND alias = ?",
					   "DELETE FROM alias_policy WHERE model_id = ? AND alias = ?" };
	int rc = 0;
	for (size_t i = 0; i < 2 && !rc; i++) {
		sqlq q;
		if ((rc = mlmd__q(c->sql, &q, sql[i])))
			break;
		mlmd__q_i64(&q, 1, model_id);
		mlmd__q_text(&q, 2, alias);
		rc = mlmd__q_exec(&q);
	}
	return rc;
}

int mlmd__gov_SetAliasPolicy(call *c, const Mlmd__Pb__Governance__SetAliasPolicyRequest *rq,
			     Mlmd__Pb__Governance__SetAliasPolicyResponse *rs)
{
	int rc = mlmd__gov_need_schema(c, "SetAliasPolicy");
	if (!rc)
		rc = mlmd__reg_check_alias(rq->alias, "alias");
	int64_t approvals = rq->has_approvals ? rq->approvals : 0;
	if (!rc && (approvals < 0 || approvals > MLMD_REG_MAX_APPROVALS))
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "approvals %lld is out of range (0..%d)", (long long)approvals,
				MLMD_REG_MAX_APPROVALS);
	if (!rc && rq->n_require > MLMD_REG_MAX_TAGS)
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "require: %zu requirements; at most %d", rq->n_require,
				MLMD_REG_MAX_TAGS);
	for (size_t i = 0; i < rq->n_require && !rc; i++) {
		char w[48];
		mlmd__snprintf(w, sizeof w, "require[%zu]", i);
		if ((rc = mlmd__track_check_key(rq->require[i]->key, w)))
			break;
		for (size_t j = 0; j < i && !rc; j++)
			if (!strcmp(rq->require[j]->key, rq->require[i]->key))
				rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: key '%s' is given twice", w, rq->require[i]->key);
	}
	reg_model m;
	if (rc || (rc = mlmd__reg_model_load(c, rq->model_name, &m)))
		return rc;
	rc = delete_policy(c, m.id, rq->alias);
	sqlq q;
	if (!rc && !(rc = mlmd__q(c->sql, &q, "INSERT INTO alias_policy (model_id, alias, approvals, actor, time)"
				  " VALUES (?, ?, ?, ?, ?)"))) {
		mlmd__q_i64(&q, 1, m.id);
		mlmd__q_text(&q, 2, rq->alias);
		mlmd__q_i64(&q, 3, approvals);
		mlmd__q_text(&q, 4, c->s->actor);
		mlmd__q_i64(&q, 5, c->now);
		rc = mlmd__q_exec(&q);
	}
	for (size_t i = 0; i < rq->n_require && !rc; i++) {
		if ((rc = mlmd__q(c->sql, &q, "INSERT INTO alias_policy_require (model_id, alias, key, value)"
				  " VALUES (?, ?, ?, ?)")))
			break;
		mlmd__q_i64(&q, 1, m.id);
		mlmd__q_text(&q, 2, rq->alias);
		mlmd__q_text(&q, 3, rq->require[i]->key);
		mlmd__q_text(&q, 4, rq->require[i]->value ? rq->require[i]->value : "");
		rc = mlmd__q_exec(&q);
	}
	if (!rc)
		rc = policy_message(c, &m, rq->alias, approvals, c->s->actor, c->now, &rs->policy);
	mlmd__reg_model_free(&m);
	return rc;
}

int mlmd__gov_DeleteAliasPolicy(call *c, const Mlmd__Pb__Governance__DeleteAliasPolicyRequest *rq,
				Mlmd__Pb__Governance__DeleteAliasPolicyResponse *rs)
{
	(void)rs;
	int rc = mlmd__gov_need_schema(c, "DeleteAliasPolicy");
	if (!rc)
		rc = mlmd__reg_check_alias(rq->alias, "alias");
	reg_model m;
	if (rc || (rc = mlmd__reg_model_load(c, rq->model_name, &m)))
		return rc;
	int found = 0;
	int64_t approvals;
	rc = mlmd__reg_policy_get(c, m.id, rq->alias, &found, &approvals, NULL);
	if (!rc && !found)
		rc = mlmd__fail(MLMD_NOT_FOUND, "alias '%s' of model '%s' has no policy", rq->alias, m.name);
	if (!rc)
		rc = delete_policy(c, m.id, rq->alias);
	mlmd__reg_model_free(&m);
	return rc;
}
