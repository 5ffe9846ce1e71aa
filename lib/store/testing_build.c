/*
 * store/testing_build.c - BuildGraph: the graph a notation text describes,
 * built in the store in the call's one transaction (docs/testing.md).
 *
 * The text is parsed first (store/testing_notation.c), so an error in it
 * writes nothing. Then, in order of first mention, each node's type is
 * found or created (no properties declared), and the node is found by
 * (type, name) or created; a node found gets the custom properties and the
 * state the text gives (others it has are kept) and is written back only
 * when the text gives any. Events and context memberships already stored
 * are not written again, so building the same text twice changes nothing
 * but update times of nodes with properties or states and returns the same
 * ids. The response names every id, which is what the audit record and the
 * listeners read (store/ids.c). Errors get the method's name from rpc.c.
 */
#include <stdlib.h>
#include <string.h>
#include "testing.h"
#include "track.h"

#define F(m, off, T) (*(T *)((char *)(m) + (off)))

enum { EVENT_INPUT = MLMD__PB__EVENT__TYPE__INPUT, EVENT_OUTPUT = MLMD__PB__EVENT__TYPE__OUTPUT };

static const node_kind *kind_of(mlmd_node_kind k)
{
	return k == MLMD_NODE_ARTIFACT ? &mlmd__artifact_kind
	       : k == MLMD_NODE_EXECUTION ? &mlmd__execution_kind
					  : &mlmd__context_kind;
}

/* Sets custom property p on node message m of kind k, replacing a value of
 * the same key. */
static int set_prop(const node_kind *k, ProtobufCMessage *m, const mlmd__tprop *p)
{
	Mlmd__Pb__Value *v = mlmd__msg_new(&mlmd__pb__value__descriptor);
	if (!v)
		return MLMD_OOM();
	switch (p->kind) {
	case MLMD__TVAL_INT:
		v->value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
		v->int_value = p->i;
		break;
	case MLMD__TVAL_DOUBLE:
		v->value_case = MLMD__PB__VALUE__VALUE_DOUBLE_VALUE;
		v->double_value = p->d;
		break;
	case MLMD__TVAL_STRING:
		v->value_case = MLMD__PB__VALUE__VALUE_STRING_VALUE;
		if (!(v->string_value = mlmd__strdup(p->s))) {
			free(v);
			return MLMD_OOM();
		}
		break;
	case MLMD__TVAL_BOOL:
		v->value_case = MLMD__PB__VALUE__VALUE_BOOL_VALUE;
		v->bool_value = p->b;
		break;
	}
	size_t *n = &F(m, k->o_n_custom, size_t);
	prop_entry ***arr = &F(m, k->o_custom, prop_entry **);
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*arr)[i]->key, p->key) == 0) {
			if ((*arr)[i]->value)
				protobuf_c_message_free_unpacked(&(*arr)[i]->value->base, NULL);
			(*arr)[i]->value = v;
			return 0;
		}
	}
	prop_entry *e = mlmd__msg_new(k->custom_entry);
	if (!e || !(e->key = mlmd__strdup(p->key)) || mlmd__grow_any((void **)arr, *n, sizeof **arr)) {
		free(e ? e->key : NULL);
		free(e);
		protobuf_c_message_free_unpacked(&v->base, NULL);
		return MLMD_OOM();
	}
	e->value = v;
	(*arr)[(*n)++] = e;
	return 0;
}

/* The stored node of kind k named `name` in type `tid`, or 0. */
static int find_node(call *c, const node_kind *k, int64_t tid, const char *name, int64_t *id)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, k->sql.by_type_and_name);
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, tid);
	mlmd__q_text(&q, 2, name);
	rc = mlmd__q_step(&q);
	*id = rc == 1 ? mlmd__q_col_i64(&q, 0) : 0;
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

/* Finds or creates node nd; its id in *id. */
static int build_node(call *c, const mlmd__tnode *nd, int64_t *id)
{
	const node_kind *k = kind_of(nd->kind);
	int64_t tid;
	int rc = mlmd__track_type(c, k->kind, nd->type, &tid);
	if (rc || (rc = find_node(c, k, tid, nd->name, id)))
		return rc;
	ProtobufCMessage *m = NULL;
	if (*id) {
		if (!nd->n_props && !nd->has_state)
			return 0;
		if ((rc = mlmd__node_load(c, k, *id, &m)))
			return rc;
		if (!m)
			return mlmd__fail(MLMD_FAILED_PRECONDITION,
					  "%s '%s' of type '%s' (id %lld) is deleted; restore it or use another name",
					  k->what, nd->name, nd->type, (long long)*id);
	} else {
		if (!(m = mlmd__msg_new(k->desc)))
			return MLMD_OOM();
		F(m, k->o_has_type_id, protobuf_c_boolean) = 1;
		F(m, k->o_type_id, int64_t) = tid;
		if (!(F(m, k->o_name, char *) = mlmd__strdup(nd->name))) {
			protobuf_c_message_free_unpacked(m, NULL);
			return MLMD_OOM();
		}
	}
	for (size_t i = 0; i < nd->n_props && !rc; i++)
		rc = set_prop(k, m, &nd->props[i]);
	if (!rc && nd->has_state) {
		F(m, k->o_has_state, protobuf_c_boolean) = 1;
		F(m, k->o_state, int) = nd->state;
	}
	if (!rc) {
		put_opts o;
		memset(&o, 0, sizeof o);
		rc = mlmd__node_put(c, k, m, &o, id);
	}
	protobuf_c_message_free_unpacked(m, NULL);
	return rc ? mlmd__context(rc, "%s '%s'", k->what, nd->name) : 0;
}

/* Writes the event (artifact, execution, type) unless it is stored. */
static int build_event(call *c, int64_t artifact, int64_t execution, int type)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT 1 FROM event WHERE artifact_id = ? AND execution_id = ? AND type = ?");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, artifact);
	mlmd__q_i64(&q, 2, execution);
	mlmd__q_i64(&q, 3, type);
	rc = mlmd__q_step(&q);
	mlmd__q_done(&q);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	Mlmd__Pb__Event e = MLMD__PB__EVENT__INIT;
	e.has_artifact_id = e.has_execution_id = e.has_type = 1;
	e.artifact_id = artifact;
	e.execution_id = execution;
	e.type = type;
	e.has_milliseconds_since_epoch = 1;
	e.milliseconds_since_epoch = c->now;
	return mlmd__event_put(c, &e);
}

static int add_graph_node(Mlmd__Pb__Testing__BuildGraphResponse *rs, const mlmd__tnode *nd, int64_t id)
{
	Mlmd__Pb__Testing__GraphNode *gn = mlmd__msg_new(&mlmd__pb__testing__graph_node__descriptor);
	if (!gn)
		return MLMD_OOM();
	gn->name = mlmd__strdup(nd->name);
	gn->type = mlmd__strdup(nd->type);
	gn->has_kind = gn->has_id = 1;
	gn->kind = (Mlmd__Pb__Testing__NodeKind)nd->kind;
	gn->id = id;
	if (!gn->name || !gn->type || mlmd__push_ptr((void ***)&rs->nodes, &rs->n_nodes, gn)) {
		protobuf_c_message_free_unpacked(&gn->base, NULL);
		return MLMD_OOM();
	}
	int64_t **ids = nd->kind == MLMD_NODE_ARTIFACT ? &rs->artifact_ids
			: nd->kind == MLMD_NODE_EXECUTION ? &rs->execution_ids
							  : &rs->context_ids;
	size_t *n = nd->kind == MLMD_NODE_ARTIFACT ? &rs->n_artifact_ids
		    : nd->kind == MLMD_NODE_EXECUTION ? &rs->n_execution_ids
						      : &rs->n_context_ids;
	return mlmd__push_i64(ids, n, id);
}

int mlmd__testing_BuildGraph(call *c, const Mlmd__Pb__Testing__BuildGraphRequest *rq,
			     Mlmd__Pb__Testing__BuildGraphResponse *rs)
{
	if (!rq->text)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "text is required");
	mlmd__tgraph *g;
	int rc = mlmd__tgraph_parse(rq->text, &g);
	if (rc)
		return rc;
	int64_t *ids = g->n_nodes ? calloc(g->n_nodes, sizeof *ids) : NULL;
	if (g->n_nodes && !ids) {
		mlmd__tgraph_free(g);
		return MLMD_OOM();
	}
	for (size_t i = 0; i < g->n_nodes && !rc; i++)
		if (!(rc = build_node(c, &g->nodes[i], &ids[i])))
			rc = add_graph_node(rs, &g->nodes[i], ids[i]);
	for (size_t i = 0; i < g->n_edges && !rc; i++) {
		const mlmd__tedge *e = &g->edges[i];
		if (g->nodes[e->from].kind == MLMD_NODE_ARTIFACT)
			rc = build_event(c, ids[e->from], ids[e->to], EVENT_INPUT);
		else
			rc = build_event(c, ids[e->to], ids[e->from], EVENT_OUTPUT);
		if (rc)
			mlmd__context(rc, "edge '%s' -> '%s'", g->nodes[e->from].name, g->nodes[e->to].name);
	}
	for (size_t i = 0; i < g->n_members && !rc; i++) {
		const mlmd__tmember *mb = &g->members[i];
		if (g->nodes[mb->node].kind == MLMD_NODE_ARTIFACT)
			rc = mlmd__attribution_put(c, ids[mb->context], ids[mb->node], 0);
		else
			rc = mlmd__association_put(c, ids[mb->context], ids[mb->node], 0);
		if (rc)
			mlmd__context(rc, "context '%s' member '%s'", g->nodes[mb->context].name,
				      g->nodes[mb->node].name);
	}
	free(ids);
	mlmd__tgraph_free(g);
	return rc;
}
