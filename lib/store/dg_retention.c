/*
 * store/dg_retention.c - retention policies (proto/mlmd_governance.proto,
 * RetentionPolicy and RunRetention*): one policy per node type in table
 * retention_policy, and the run that applies them.
 *
 * A run examines the live nodes of each policy's type in pages by id
 * (RET_PAGE at a time, one indexed range read each), selects by the rule
 * (created before now - max_age_ms, and older than the keep_last-th newest
 * by (create_time, id), read once per policy), and makes tombstones of the
 * selected nodes nothing protects, through mlmd__dg_delete_one. What an
 * alias protects is computed once per run, on the first selected node: the
 * aliased versions' contexts and their models' contexts, the versions'
 * model artifacts and everything upstream of them (a batched walk,
 * store/dg_walk.c), kept in hash sets of ids. Its memory is proportional to
 * the protected lineage (about 16 to 32 bytes per protected node), never to
 * the store; the pages are fixed arrays. HOLD is checked per page with one
 * indexed read of label_reach for the selected ids, confirmed node by node
 * by mlmd__dg_label_applies (only for the few that carry a HOLD), and not
 * at all when the store has no active HOLD label.
 */
#include <stdlib.h>
#include <string.h>
#include "datagov.h"
#include "reg.h"

#define RET_PAGE 1000
#define RET_PAGE_S "1000"

/* ---- finding a type by name ------------------------------------------------------------------ */

/* The type a policy names: `name` (required) of table kind `kind` (-1: any).
 * Several kinds with that name are INVALID_ARGUMENT listing them; of one
 * kind, the unversioned type, else the only version, else INVALID_ARGUMENT
 * listing the versions. NOT_FOUND when none. */
static int find_type(call *c, int kind, const char *name, const char *what, int64_t *type_id, int *type_kind)
{
	if (!name || !*name)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: type_name is required", what);
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT id, kind, version FROM type WHERE name = ? ORDER BY kind, version, id");
	if (rc)
		return rc;
	mlmd__q_text(&q, 1, name);
	int kinds[3] = { 0, 0, 0 }, nkinds = 0, nmatch = 0, found_unversioned = 0;
	int64_t first_id = 0, unversioned_id = 0;
	int first_kind = -1;
	mlmd_buf versions = { 0 };
	while ((rc = mlmd__q_step(&q)) == 1) {
		int k = (int)mlmd__q_col_i64(&q, 1);
		if (k < 0 || k > 2 || (kind >= 0 && k != kind))
			continue;
		if (!kinds[k]++)
			nkinds++;
		const char *v = mlmd__q_col_text(&q, 2);
		if (!nmatch++) {
			first_id = mlmd__q_col_i64(&q, 0);
			first_kind = k;
		}
		if (!v || !*v) {
			found_unversioned = 1;
			unversioned_id = mlmd__q_col_i64(&q, 0);
		} else {
			mlmd__buf_printf(&versions, "%s'%s'", versions.len ? ", " : "", v);
		}
	}
	mlmd__q_done(&q);
	if (rc < 0) {
		mlmd__buf_free(&versions);
		return rc;
	}
	if (!nmatch) {
		mlmd__buf_free(&versions);
		return mlmd__fail(MLMD_NOT_FOUND, "%s: no %s type is named '%s'", what,
				  kind >= 0 ? mlmd__dg_kind_name(kind) : "artifact, execution or context", name);
	}
	if (nkinds > 1) {
		char list[64] = "";
		for (int k = 0, i = 0; k < 3; k++) {
			static const int order[3] = { KIND_ARTIFACT, KIND_EXECUTION, KIND_CONTEXT };
			if (kinds[order[k]])
				mlmd__snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i++ ? ", " : "",
					       mlmd__dg_kind_name(order[k]));
		}
		mlmd__buf_free(&versions);
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "%s: type name '%s' is ambiguous: there are %s types of that name; give the kind", what,
				  name, list);
	}
	if (!found_unversioned && nmatch > 1) {
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT,
				"%s: %s type '%s' has versions %s and no unversioned type; a policy applies to one type",
				what, mlmd__dg_kind_name(first_kind), name, versions.oom ? "(several)" : versions.p);
		mlmd__buf_free(&versions);
		return rc;
	}
	mlmd__buf_free(&versions);
	*type_id = found_unversioned ? unversioned_id : first_id;
	*type_kind = first_kind;
	return 0;
}

/* The table kind a request gives (-1: none), or a negative status. */
static int request_kind(int has, int wire, const char *what, int *kind)
{
	*kind = -1;
	if (!has || wire == MLMD__PB__GOVERNANCE__NODE_KIND__NODE_KIND_UNSPECIFIED)
		return 0;
	int k = mlmd__dg_kind(wire, what);
	if (k < 0)
		return -MLMD_INVALID_ARGUMENT;
	*kind = k;
	return 0;
}

/* ---- policies ------------------------------------------------------------------------------- */

typedef struct policy {
	int64_t type_id;
	int kind;                    /* table kind */
	char *name;                  /* the type's */
	int64_t max_age, keep;
	char *actor;
	int64_t time;
} policy;

static void policies_free(policy *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].actor);
	}
	free(p);
}

/* Wire kind order: artifact, execution, context. */
static int kind_rank(int kind)
{
	return kind == KIND_ARTIFACT ? 0 : kind == KIND_EXECUTION ? 1 : 2;
}

static int cmp_policy(const void *a, const void *b)
{
	const policy *x = a, *y = b;
	int kx = kind_rank(x->kind), ky = kind_rank(y->kind);
	if (kx != ky)
		return kx - ky;
	int s = strcmp(x->name, y->name); /* bytewise: the same on every backend */
	if (s)
		return s;
	return x->type_id < y->type_id ? -1 : x->type_id > y->type_id;
}

/* Every policy (type_id 0) or the one of type `type_id`, sorted by kind,
 * then type name. */
static int policies_load(call *c, int64_t type_id, policy **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlq q;
	int rc = mlmd__q(c->sql, &q,
			 type_id ? "SELECT r.type_id, r.kind, t.name, r.max_age_ms, r.keep_last, r.actor, r.time"
				   " FROM retention_policy r JOIN type t ON t.id = r.type_id WHERE r.type_id = ?"
				 : "SELECT r.type_id, r.kind, t.name, r.max_age_ms, r.keep_last, r.actor, r.time"
				   " FROM retention_policy r JOIN type t ON t.id = r.type_id");
	if (rc)
		return rc;
	if (type_id)
		mlmd__q_i64(&q, 1, type_id);
	while ((rc = mlmd__q_step(&q)) == 1) {
		if (mlmd__grow((void **)out, *n, sizeof **out)) {
			rc = MLMD_OOM();
			break;
		}
		policy *p = &(*out)[(*n)++];
		memset(p, 0, sizeof *p);
		p->type_id = mlmd__q_col_i64(&q, 0);
		p->kind = (int)mlmd__q_col_i64(&q, 1);
		p->max_age = mlmd__q_col_i64(&q, 3);
		p->keep = mlmd__q_col_i64(&q, 4);
		p->time = mlmd__q_col_i64(&q, 6);
		p->name = mlmd__strdup(mlmd__q_col_text(&q, 2));
		p->actor = mlmd__strdup(mlmd__q_col_text(&q, 5));
		if (!p->name || !p->actor) {
			rc = MLMD_OOM();
			break;
		}
	}
	mlmd__q_done(&q);
	if (rc < 0) {
		policies_free(*out, *n);
		*out = NULL;
		*n = 0;
		return rc;
	}
	if (*n > 1)
		qsort(*out, *n, sizeof **out, cmp_policy);
	return 0;
}

/* The message of policy p (new). */
static Mlmd__Pb__Governance__RetentionPolicy *policy_message(const policy *p)
{
	Mlmd__Pb__Governance__RetentionPolicy *m = mlmd__msg_new(&mlmd__pb__governance__retention_policy__descriptor);
	if (!m)
		return NULL;
	m->has_kind = 1;
	m->kind = (Mlmd__Pb__Governance__NodeKind)mlmd__dg_wire_kind(p->kind);
	m->has_type_id = 1;
	m->type_id = p->type_id;
	m->has_max_age_ms = 1;
	m->max_age_ms = p->max_age;
	m->has_keep_last = 1;
	m->keep_last = p->keep;
	m->has_time_ms = 1;
	m->time_ms = p->time;
	m->type_name = mlmd__strdup(p->name);
	m->actor = mlmd__strdup(p->actor);
	if (!m->type_name || !m->actor) {
		protobuf_c_message_free_unpacked(&m->base, NULL);
		return NULL;
	}
	return m;
}

int mlmd__gov_SetRetentionPolicy(call *c, const Mlmd__Pb__Governance__SetRetentionPolicyRequest *rq,
				 Mlmd__Pb__Governance__SetRetentionPolicyResponse *rs)
{
	int rc = mlmd__dg_need_schema(c, "SetRetentionPolicy");
	if (rc)
		return rc;
	const Mlmd__Pb__Governance__RetentionPolicy *p = rq->policy;
	if (!p)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "SetRetentionPolicy: policy is required");
	int64_t max_age = p->has_max_age_ms ? p->max_age_ms : 0, keep = p->has_keep_last ? p->keep_last : 0;
	if (max_age < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "SetRetentionPolicy: max_age_ms is negative (%lld)",
				  (long long)max_age);
	if (keep < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "SetRetentionPolicy: keep_last is negative (%lld)",
				  (long long)keep);
	if (!max_age && !keep)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "SetRetentionPolicy: a policy needs max_age_ms or keep_last (or both) above 0");
	int kind, type_kind;
	int64_t type_id;
	if ((rc = request_kind(p->has_kind, p->kind, "SetRetentionPolicy", &kind)) ||
	    (rc = find_type(c, kind, p->type_name, "SetRetentionPolicy", &type_id, &type_kind)))
		return rc;
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q,
			  "INSERT INTO retention_policy (type_id, kind, max_age_ms, keep_last, actor, time)"
			  " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (type_id) DO UPDATE SET kind = excluded.kind,"
			  " max_age_ms = excluded.max_age_ms, keep_last = excluded.keep_last, actor = excluded.actor,"
			  " time = excluded.time")))
		return rc;
	mlmd__q_i64(&q, 1, type_id);
	mlmd__q_i64(&q, 2, type_kind);
	mlmd__q_i64(&q, 3, max_age);
	mlmd__q_i64(&q, 4, keep);
	mlmd__q_text(&q, 5, c->s->actor);
	mlmd__q_i64(&q, 6, c->now);
	if ((rc = mlmd__q_exec(&q)))
		return rc;
	policy *ps;
	size_t n;
	if ((rc = policies_load(c, type_id, &ps, &n)))
		return rc;
	if (n != 1) {
		policies_free(ps, n);
		return mlmd__fail(MLMD_INTERNAL, "SetRetentionPolicy: the policy written for type %lld is not there",
				  (long long)type_id);
	}
	rs->policy = policy_message(&ps[0]);
	policies_free(ps, n);
	return rs->policy ? 0 : MLMD_OOM();
}

int mlmd__gov_GetRetentionPolicies(call *c, const Mlmd__Pb__Governance__GetRetentionPoliciesRequest *rq,
				   Mlmd__Pb__Governance__GetRetentionPoliciesResponse *rs)
{
	(void)rq;
	int rc = mlmd__dg_need_schema(c, "GetRetentionPolicies");
	if (rc)
		return rc;
	policy *ps;
	size_t n;
	if ((rc = policies_load(c, 0, &ps, &n)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		Mlmd__Pb__Governance__RetentionPolicy *m = policy_message(&ps[i]);
		if (!m || mlmd__push_ptr((void ***)&rs->policies, &rs->n_policies, m)) {
			if (m)
				protobuf_c_message_free_unpacked(&m->base, NULL);
			rc = MLMD_OOM();
		}
	}
	policies_free(ps, n);
	return rc;
}

int mlmd__gov_DeleteRetentionPolicy(call *c, const Mlmd__Pb__Governance__DeleteRetentionPolicyRequest *rq,
				    Mlmd__Pb__Governance__DeleteRetentionPolicyResponse *rs)
{
	(void)rs;
	int rc = mlmd__dg_need_schema(c, "DeleteRetentionPolicy");
	if (rc)
		return rc;
	int kind, type_kind;
	int64_t type_id;
	if ((rc = request_kind(rq->has_kind, rq->kind, "DeleteRetentionPolicy", &kind)) ||
	    (rc = find_type(c, kind, rq->type_name, "DeleteRetentionPolicy", &type_id, &type_kind)))
		return rc;
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, "SELECT 1 FROM retention_policy WHERE type_id = ?")))
		return rc;
	mlmd__q_i64(&q, 1, type_id);
	rc = mlmd__q_step(&q);
	mlmd__q_done(&q);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return mlmd__fail(MLMD_NOT_FOUND, "DeleteRetentionPolicy: %s type '%s' has no retention policy",
				  mlmd__dg_kind_name(type_kind), rq->type_name);
	if ((rc = mlmd__q(c->sql, &q, "DELETE FROM retention_policy WHERE type_id = ?")))
		return rc;
	mlmd__q_i64(&q, 1, type_id);
	return mlmd__q_exec(&q);
}

/* ---- what the run must keep ---------------------------------------------------------------- */

/* What aliases protect, by table kind, computed once per run (see the top
 * of the file). */
typedef struct protect {
	int done;
	mlmd__idset nodes[3];
} protect;

static void protect_free(protect *p)
{
	for (int k = 0; k < 3; k++)
		free(p->nodes[k].v);
}

/* The versions aliases name (their context, their model's, their artifact
 * when they have one). */
#define ALIASED_VERSIONS                                                                                  \
	"SELECT v.id, a.model_id, pa.int_value FROM alias a"                                              \
	" JOIN parent_context pc ON pc.parent_id = a.model_id"                                            \
	" JOIN context v ON v.id = pc.child_id"                                                           \
	" JOIN type t ON t.id = v.type_id AND t.kind = 2 AND t.name = '" MLMD_REG_VERSION_TYPE "'"         \
	" JOIN context_property pv ON pv.node_id = v.id AND pv.is_custom = 1 AND pv.name = '" REG_P_VERSION \
	"' AND pv.int_value = a.version"                                                                  \
	" LEFT JOIN context_property pa ON pa.node_id = v.id AND pa.is_custom = 1 AND pa.name = '" REG_P_ARTIFACT "'"

static int protect_compute(call *c, protect *p)
{
	sqlq q;
	int64_t *frontier = NULL;
	size_t nf = 0;
	int rc = mlmd__q(c->sql, &q, ALIASED_VERSIONS);
	if (rc)
		return rc;
	while ((rc = mlmd__q_step(&q)) == 1) {
		int added = 0;
		if (mlmd__idset_add(&p->nodes[KIND_CONTEXT], mlmd__q_col_i64(&q, 0)) < 0 ||
		    mlmd__idset_add(&p->nodes[KIND_CONTEXT], mlmd__q_col_i64(&q, 1)) < 0 ||
		    (!mlmd__q_isnull(&q, 2) &&
		     ((added = mlmd__idset_add(&p->nodes[KIND_ARTIFACT], mlmd__q_col_i64(&q, 2))) < 0 ||
		      (added && mlmd__push_i64(&frontier, &nf, mlmd__q_col_i64(&q, 2)))))) {
			rc = MLMD_OOM();
			break;
		}
	}
	mlmd__q_done(&q);
	/* a model's context while it has any alias, whatever the version */
	if (rc >= 0 && !(rc = mlmd__q(c->sql, &q, "SELECT DISTINCT model_id FROM alias"))) {
		while ((rc = mlmd__q_step(&q)) == 1)
			if (mlmd__idset_add(&p->nodes[KIND_CONTEXT], mlmd__q_col_i64(&q, 0)) < 0) {
				rc = MLMD_OOM();
				break;
			}
		mlmd__q_done(&q);
	}
	/* upstream, hop by hop: an artifact's producers, an execution's inputs */
	int from = KIND_ARTIFACT;
	while (rc >= 0 && nf) {
		int to = from == KIND_ARTIFACT ? KIND_EXECUTION : KIND_ARTIFACT;
		int64_t *next = NULL;
		size_t nn = 0;
		rc = mlmd__dg_hop(c, from, 0, frontier, nf, &p->nodes[to], &next, &nn);
		free(frontier);
		frontier = next;
		nf = nn;
		from = to;
	}
	free(frontier);
	p->done = 1;
	return rc < 0 ? rc : 0;
}

/* ---- the run --------------------------------------------------------------------------------- */

#define PAGE_SQL(T)                                                                               \
	"SELECT n.id, n.create_time FROM " T " n WHERE n.type_id = ? AND n.id > ? AND " MLMD_DG_LIVE_SQL \
	" ORDER BY n.id LIMIT " RET_PAGE_S
static const char *const page_sql[3] = {
	[KIND_EXECUTION] = PAGE_SQL("execution"),
	[KIND_ARTIFACT] = PAGE_SQL("artifact"),
	[KIND_CONTEXT] = PAGE_SQL("context"),
};
#define NTH_SQL(T)                                                                                \
	"SELECT n.create_time, n.id FROM " T " n WHERE n.type_id = ? AND " MLMD_DG_LIVE_SQL                \
	" ORDER BY n.create_time DESC, n.id DESC LIMIT 1 OFFSET ?"
static const char *const nth_sql[3] = {
	[KIND_EXECUTION] = NTH_SQL("execution"),
	[KIND_ARTIFACT] = NTH_SQL("artifact"),
	[KIND_CONTEXT] = NTH_SQL("context"),
};
static const char *const held_sql[5] = MLMD_IN_SQL(
	"SELECT DISTINCT r.node_id FROM label_reach r JOIN label l ON l.id = r.label_id"
	" WHERE l.label = 'HOLD' AND r.kind = ? AND r.node_id IN (", ")");

/* Whether the store has an active HOLD label anywhere (else no page needs
 * the check). */
static int any_hold(call *c)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT 1 FROM label WHERE label = 'HOLD' AND (until_ms = 0 OR until_ms > ?) LIMIT 1");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, c->now);
	rc = mlmd__q_step(&q);
	mlmd__q_done(&q);
	return rc;
}

/* The nodes among ids[0..n) (table kind `kind`) under an active HOLD, into
 * *held. */
static int held_among(call *c, int kind, const int64_t *ids, size_t n, mlmd__idset *held)
{
	for (size_t at = 0; at < n; at += MLMD_IN_MAX) {
		size_t m = n - at < MLMD_IN_MAX ? n - at : MLMD_IN_MAX;
		int size, slot = mlmd__in_slot(m, &size);
		sqlq q;
		int rc = mlmd__q(c->sql, &q, held_sql[slot]);
		if (rc)
			return rc;
		int pos = 1;
		mlmd__q_i64(&q, pos++, kind);
		mlmd__q_bind_ids(&q, &pos, ids + at, m, size);
		int64_t *cand = NULL;
		size_t ncand = 0;
		if ((rc = mlmd__q_ids(&q, &cand, &ncand)))
			return rc;
		/* a HOLD row is there: whether it applies now is the shared rule's */
		for (size_t i = 0; i < ncand && !rc; i++) {
			int a = mlmd__dg_label_applies(c, kind, cand[i], "HOLD", NULL, 0);
			if (a < 0)
				rc = a;
			else if (a && mlmd__idset_add(held, cand[i]) < 0)
				rc = MLMD_OOM();
		}
		free(cand);
		if (rc)
			return rc;
	}
	return 0;
}

/* A duration as the CLI writes it: the largest unit that divides it. */
static void duration_text(int64_t ms, char *out, size_t n)
{
	static const struct {
		int64_t ms;
		const char *unit;
	} units[] = { { 604800000, "w" }, { 86400000, "d" }, { 3600000, "h" }, { 60000, "m" }, { 1000, "s" } };
	for (size_t i = 0; i < sizeof units / sizeof *units; i++)
		if (ms % units[i].ms == 0) {
			mlmd__snprintf(out, n, "%lld%s", (long long)(ms / units[i].ms), units[i].unit);
			return;
		}
	mlmd__snprintf(out, n, "%lldms", (long long)ms);
}

/* The tombstones' reason: "retention: <type> max-age 30d, keep-last 5". */
static void reason_text(const policy *p, char *out, size_t n)
{
	char age[32] = "";
	if (p->max_age)
		duration_text(p->max_age, age, sizeof age);
	char keep[40] = "";
	if (p->keep)
		mlmd__snprintf(keep, sizeof keep, "keep-last %lld", (long long)p->keep);
	mlmd__snprintf(out, n, "retention: %s %s%s%s%s", p->name, p->max_age ? "max-age " : "", age,
		       p->max_age && p->keep ? ", " : "", keep);
}

/* The keep_last-th newest live node of the policy's type, as (create time,
 * id): *found 0 when the type has fewer (then nothing is beyond it). */
static int nth_newest(call *c, const policy *p, int *found, int64_t *ctime, int64_t *id)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, nth_sql[p->kind]);
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, p->type_id);
	mlmd__q_i64(&q, 2, p->keep - 1);
	*found = 0;
	if ((rc = mlmd__q_step(&q)) == 1) {
		*found = 1;
		*ctime = mlmd__q_col_i64(&q, 0);
		*id = mlmd__q_col_i64(&q, 1);
	}
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

#define COUNT_SQL(T) "SELECT COUNT(*) FROM " T " n WHERE n.type_id = ? AND " MLMD_DG_LIVE_SQL
static const char *const count_sql[3] = {
	[KIND_EXECUTION] = COUNT_SQL("execution"),
	[KIND_ARTIFACT] = COUNT_SQL("artifact"),
	[KIND_CONTEXT] = COUNT_SQL("context"),
};

/* The number of live nodes of the policy's type. */
static int live_count(call *c, const policy *p, int64_t *n)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, count_sql[p->kind]);
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, p->type_id);
	if ((rc = mlmd__q_step(&q)) == 1)
		*n = mlmd__q_col_i64(&q, 0);
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

/* Applies policy p once: counts into r; deletes unless dry. */
static int run_policy(call *c, const policy *p, int dry, int holds, protect *prot,
		      Mlmd__Pb__Governance__RetentionResult *r)
{
	int keep_found = 0;
	int64_t keep_ctime = 0, keep_id = 0;
	int rc = 0;
	if (p->keep > 0 && (rc = nth_newest(c, p, &keep_found, &keep_ctime, &keep_id)))
		return rc;
	if (p->keep > 0 && !keep_found) /* fewer nodes than keep_last: the rule selects none */
		return live_count(c, p, &r->examined);
	int64_t cutoff = c->now - p->max_age;
	char reason[400];
	reason_text(p, reason, sizeof reason);
	int64_t ids[RET_PAGE], ctimes[RET_PAGE], sel[RET_PAGE];
	int64_t after = 0;
	dg_delete_counts counts = { 0, 0, 0, 0 };
	for (;;) {
		sqlq q;
		if ((rc = mlmd__q(c->sql, &q, page_sql[p->kind])))
			return rc;
		mlmd__q_i64(&q, 1, p->type_id);
		mlmd__q_i64(&q, 2, after);
		size_t n = 0;
		while (n < RET_PAGE && (rc = mlmd__q_step(&q)) == 1) {
			ids[n] = mlmd__q_col_i64(&q, 0);
			ctimes[n] = mlmd__q_col_i64(&q, 1);
			n++;
		}
		mlmd__q_done(&q); /* before any write to the table */
		if (rc < 0)
			return rc;
		rc = 0;
		if (!n)
			break;
		after = ids[n - 1];
		r->examined += (int64_t)n;
		size_t ns = 0;
		for (size_t i = 0; i < n; i++) {
			if (p->max_age > 0 && !(ctimes[i] < cutoff))
				continue;
			if (p->keep > 0 && !(ctimes[i] < keep_ctime || (ctimes[i] == keep_ctime && ids[i] < keep_id)))
				continue;
			sel[ns++] = ids[i];
		}
		r->expired += (int64_t)ns;
		if (ns && !prot->done && (rc = protect_compute(c, prot)))
			return rc;
		mlmd__idset held = { 0 };
		if (ns && holds && (rc = held_among(c, p->kind, sel, ns, &held))) {
			free(held.v);
			return rc;
		}
		for (size_t i = 0; i < ns && !rc; i++) {
			if (mlmd__idset_has(&prot->nodes[p->kind], sel[i]))
				r->kept_alias++;
			else if (mlmd__idset_has(&held, sel[i]))
				r->kept_hold++;
			else if (dry || !(rc = mlmd__dg_delete_one(c, p->kind, sel[i], reason, &counts)))
				r->deleted++;
		}
		free(held.v);
		if (rc)
			return rc;
		if (n < RET_PAGE)
			break;
	}
	return 0;
}

int mlmd__gov_RunRetention(call *c, const Mlmd__Pb__Governance__RunRetentionRequest *rq,
			   Mlmd__Pb__Governance__RunRetentionResponse *rs)
{
	int rc = mlmd__dg_need_schema(c, "RunRetention");
	if (rc)
		return rc;
	int dry = rq->has_dry_run && rq->dry_run;
	if (dry)
		c->no_audit = 1;
	policy *ps;
	size_t n;
	if ((rc = policies_load(c, 0, &ps, &n)))
		return rc;
	int holds = n ? any_hold(c) : 0;
	if (holds < 0) {
		policies_free(ps, n);
		return holds;
	}
	protect prot = { 0 };
	rs->has_deleted = 1;
	for (size_t i = 0; i < n && !rc; i++) {
		Mlmd__Pb__Governance__RetentionResult *r = mlmd__msg_new(&mlmd__pb__governance__retention_result__descriptor);
		if (!r || mlmd__push_ptr((void ***)&rs->results, &rs->n_results, r)) {
			if (r)
				protobuf_c_message_free_unpacked(&r->base, NULL);
			rc = MLMD_OOM();
			break;
		}
		r->has_examined = r->has_expired = r->has_deleted = r->has_kept_alias = r->has_kept_hold = 1;
		if (!(r->policy = policy_message(&ps[i])))
			rc = MLMD_OOM();
		else if ((rc = run_policy(c, &ps[i], dry, holds, &prot, r)))
			mlmd__context(rc, "RunRetention: %s type '%s'", mlmd__dg_kind_name(ps[i].kind), ps[i].name);
		rs->deleted += r->deleted;
	}
	protect_free(&prot);
	policies_free(ps, n);
	return rc;
}
