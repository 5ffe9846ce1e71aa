/*
 * store/testing_check.h - what CheckLineage's files share
 * (store/testing_check.c: the lineage checks and the dispatch;
 * store/testing_equals.c: GRAPH_EQUALS): nodes written as the failure texts
 * write them, and request node references checked.
 */
#ifndef MLMD_STORE_TESTING_CHECK_H
#define MLMD_STORE_TESTING_CHECK_H

#include "testing.h"

/* An execution state's name ("COMPLETE"), "?" for a number MLMD has not. */
const char *mlmd__tcheck_state_name(int state);
/* Appends a node as the notation writes it: "name:Type" for an artifact or
 * a context, "(name:Type STATE)" for an execution (no STATE when unset);
 * a node without a name is "#id" in place of the name. */
void mlmd__tcheck_put_node_parts(mlmd_buf *b, int kind, int64_t id, const char *name, const char *type, int has_state,
				 int state);
/* The same for node (kind KIND_*, id) read from the store ("#id:?" when it
 * does not exist). */
int mlmd__tcheck_put_node(call *c, mlmd_buf *b, int kind, int64_t id);
/* A request's node reference: 0 with *kind (KIND_*) and *id when the node
 * exists; INVALID_ARGUMENT naming `field` when it is missing or has no
 * kind, NOT_FOUND when no such node is live. */
int mlmd__tcheck_node(call *c, const Mlmd__Pb__Testing__NodeRef *r, const char *field, int *kind, int64_t *id);

/* GRAPH_EQUALS: 0 when the store's graph is the one `text` describes, 1
 * with the differences appended to `fail` when not, <0 on error (a text
 * that does not parse is INVALID_ARGUMENT). */
int mlmd__tcheck_graph_equals(call *c, const char *text, mlmd_buf *fail);

#endif
