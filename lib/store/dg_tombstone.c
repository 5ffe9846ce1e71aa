/*
 * store/dg_tombstone.c - how lineage walks show a tombstone: the node
 * message a walk loaded (id, type, times, state; its name, uri and
 * properties are gone already) gets the custom properties
 * mlmd.deleted_time, mlmd.deleted_by and mlmd.delete_reason, the marks
 * every reader (MLMD's clients, `mlmd lineage`) tells a tombstone by.
 */
#include <stdlib.h>
#include <string.h>
#include "datagov.h"

#define F(m, off, T) (*(T *)((char *)(m) + (off)))

static const char *const tomb_in[3][5] = {
	[KIND_EXECUTION] = MLMD_IN_SQL("SELECT id, deleted_time, deleted_by, delete_reason FROM execution"
				       " WHERE deleted_time IS NOT NULL AND id IN (", ")"),
	[KIND_ARTIFACT] = MLMD_IN_SQL("SELECT id, deleted_time, deleted_by, delete_reason FROM artifact"
				      " WHERE deleted_time IS NOT NULL AND id IN (", ")"),
	[KIND_CONTEXT] = MLMD_IN_SQL("SELECT id, deleted_time, deleted_by, delete_reason FROM context"
				     " WHERE deleted_time IS NOT NULL AND id IN (", ")"),
};

/* Appends custom property key = an int (s NULL) or a string value. */
static int add_custom(const node_kind *k, void *m, const char *key, int64_t i, const char *s)
{
	prop_entry *e = mlmd__msg_new(k->custom_entry);
	Mlmd__Pb__Value *v = mlmd__msg_new(&mlmd__pb__value__descriptor);
	if (!e || !v || !(e->key = mlmd__strdup(key)))
		goto oom;
	e->value = v;
	v = NULL;
	if (s) {
		e->value->value_case = MLMD__PB__VALUE__VALUE_STRING_VALUE;
		if (!(e->value->string_value = mlmd__strdup(s)))
			goto oom;
	} else {
		e->value->value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
		e->value->int_value = i;
	}
	if (mlmd__push_ptr((void ***)((char *)m + k->o_custom), (size_t *)((char *)m + k->o_n_custom), e))
		goto oom;
	return 0;
oom:
	if (v)
		protobuf_c_message_free_unpacked(&v->base, NULL);
	if (e)
		protobuf_c_message_free_unpacked(&e->base, NULL);
	return MLMD_OOM();
}

static int cmp_node(const void *key, const void *elem)
{
	int64_t x = *(const int64_t *)key, y = **(const int64_t *const *)elem;
	return x < y ? -1 : x > y;
}

/* Sorting pointers to node messages by id: the id sits at k->o_id, so a
 * pointer to it stands for the node. */
typedef struct by_id {
	int64_t *id;                 /* into the message */
	void *m;
} by_id;

static int cmp_by_id(const void *a, const void *b)
{
	int64_t x = *((const by_id *)a)->id, y = *((const by_id *)b)->id;
	return x < y ? -1 : x > y;
}

int mlmd__dg_tombstone_mark(call *c, const node_kind *k, void **nodes, size_t n)
{
	if (c->s->schema_version < MLMD_DG_SCHEMA_VERSION || !n)
		return 0;
	by_id *v = malloc(n * sizeof *v);
	int64_t *ids = malloc(n * sizeof *ids);
	if (!v || !ids) {
		free(v);
		free(ids);
		return MLMD_OOM();
	}
	for (size_t i = 0; i < n; i++) {
		v[i].id = &F(nodes[i], k->o_id, int64_t);
		v[i].m = nodes[i];
	}
	qsort(v, n, sizeof *v, cmp_by_id);
	for (size_t i = 0; i < n; i++)
		ids[i] = *v[i].id;
	int rc = 0;
	for (size_t at = 0; at < n && !rc; at += MLMD_IN_MAX) {
		size_t m = n - at < MLMD_IN_MAX ? n - at : MLMD_IN_MAX;
		int size, slot = mlmd__in_slot(m, &size);
		sqlq q;
		if ((rc = mlmd__q(c->sql, &q, tomb_in[k->kind][slot])))
			break;
		int pos = 1;
		mlmd__q_bind_ids(&q, &pos, ids + at, m, size);
		while ((rc = mlmd__q_step(&q)) == 1) {
			int64_t id = mlmd__q_col_i64(&q, 0);
			by_id *hit = bsearch(&id, v + at, m, sizeof *v, cmp_node);
			if (!hit)
				continue;
			void *msg = hit->m;
			char **name = &F(msg, k->o_name, char *);
			free(*name); /* a context's placeholder name */
			*name = NULL;
			if ((rc = add_custom(k, msg, "mlmd.deleted_time", mlmd__q_col_i64(&q, 1), NULL)) ||
			    (rc = add_custom(k, msg, "mlmd.deleted_by", 0,
					     mlmd__q_col_text(&q, 2) ? mlmd__q_col_text(&q, 2) : "")) ||
			    (rc = add_custom(k, msg, "mlmd.delete_reason", 0,
					     mlmd__q_col_text(&q, 3) ? mlmd__q_col_text(&q, 3) : "")))
				break;
		}
		mlmd__q_done(&q);
		if (rc > 0)
			rc = 0;
	}
	free(v);
	free(ids);
	return rc;
}
