/*
 * store/listen.c - listeners told about committed writes.
 *
 * A writing call that succeeded records its change (the node ids it
 * created, updated or linked) before its transaction commits; the changes
 * of a transaction wait in `txn` until it ends: at a commit they move to
 * the delivery queue and are told, in order, to every listener; at a
 * rollback they are dropped. Nothing here runs, and nothing is allocated,
 * while a handle has no listener (rpc.c tests s->n_listeners first).
 *
 * Delivery is a loop over a queue, not a recursion: a callback that writes
 * commits a change that joins the queue and is told once the callback (and
 * the other listeners of the change before it) returned.
 *
 * Which ids a call changed is read from its request and response by field
 * name (mlmd__ids_walk, as the audit record does): "<x>artifact_id(s)",
 * "<x>execution_id(s)", "<x>context_id(s)", "run_id(s)" (a tracking run is
 * an execution), "experiment_id(s)" (a context), "id" inside an Artifact,
 * Execution or Context, and "id"/"ids" beside a NodeKind field named
 * "kind". The few names that say nothing by themselves are in `named`.
 * The nodes a call deleted come from the deletion (call.deleted), since
 * retention's request and response name none.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "governance.h"

#define MAX_LISTENERS 64

enum { K_ARTIFACT, K_EXECUTION, K_CONTEXT, K_NONE };

typedef struct listener {
	int id;
	mlmd_store_listener_fn fn;
	void *user;
	void (*free_user)(void *);
} listener;

typedef struct change {
	struct change *next;
	const char *method;          /* static: an RPC's name from rpc.c's table */
	int64_t *ids[3];             /* by K_* */
	size_t n[3];
} change;

/* A queue of changes, linked so that moving a transaction's changes to
 * the delivery queue allocates nothing (it cannot fail after a commit). */
typedef struct change_list {
	change *head, *tail;
} change_list;

struct mlmd__listeners {
	listener l[MAX_LISTENERS];   /* in registration order */
	int n;
	int next_id;
	int delivering;              /* a callback is running on this handle */
	change_list txn;             /* recorded in the open transaction */
	change_list ready;           /* committed, to be told */
};

/* ---- which ids a call changed ------------------------------------------------------------ */

/* Fields whose name alone does not say the kind, by RPC. */
static const struct {
	const char *method, *name;
	int kind;
} named[] = {
	{ "PutParentContexts", "parent_contexts.child_id", K_CONTEXT },
	{ "PutParentContexts", "parent_contexts.parent_id", K_CONTEXT },
	{ "LogFiles", "input_ids", K_ARTIFACT },
	{ "LogFiles", "output_ids", K_ARTIFACT },
};

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && !strcmp(s + n - t, tail);
}

/* The kind a suffix names: "artifact_id" and "artifact_ids" (also
 * "model_artifact_id"...), and so on. */
static int kind_of_suffix(const char *field)
{
	static const struct {
		const char *tail;
		int kind;
	} tails[] = {
		{ "artifact_id", K_ARTIFACT }, { "artifact_ids", K_ARTIFACT },
		{ "execution_id", K_EXECUTION }, { "execution_ids", K_EXECUTION },
		{ "context_id", K_CONTEXT }, { "context_ids", K_CONTEXT },
		{ "run_id", K_EXECUTION }, { "run_ids", K_EXECUTION },
		{ "experiment_id", K_CONTEXT }, { "experiment_ids", K_CONTEXT },
	};
	for (size_t i = 0; i < sizeof tails / sizeof *tails; i++)
		if (!strcmp(field, tails[i].tail) ||
		    (ends_with(field, tails[i].tail) && field[strlen(field) - strlen(tails[i].tail) - 1] == '_'))
			return tails[i].kind;
	return K_NONE;
}

/* "id" of a node message, or "id"/"ids" beside a NodeKind `kind` field. */
static int kind_of_holder(const ProtobufCMessage *holder)
{
	const ProtobufCMessageDescriptor *d = holder->descriptor;
	if (d == &mlmd__pb__artifact__descriptor)
		return K_ARTIFACT;
	if (d == &mlmd__pb__execution__descriptor)
		return K_EXECUTION;
	if (d == &mlmd__pb__context__descriptor)
		return K_CONTEXT;
	const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, "kind");
	if (!f || f->type != PROTOBUF_C_TYPE_ENUM || f->descriptor != &mlmd__pb__governance__node_kind__descriptor ||
	    f->label == PROTOBUF_C_LABEL_REPEATED)
		return K_NONE;
	if (f->quantifier_offset && !*(const protobuf_c_boolean *)((const char *)holder + f->quantifier_offset))
		return K_NONE;
	switch (*(const int *)((const char *)holder + f->offset)) {
	case MLMD__PB__GOVERNANCE__NODE_KIND__ARTIFACT: return K_ARTIFACT;
	case MLMD__PB__GOVERNANCE__NODE_KIND__EXECUTION: return K_EXECUTION;
	case MLMD__PB__GOVERNANCE__NODE_KIND__CONTEXT: return K_CONTEXT;
	default: return K_NONE;
	}
}

typedef struct collect {
	change *ch;
	int oom;
} collect;

static void add_id(collect *c, int kind, int64_t v)
{
	if (kind == K_NONE || v <= 0)
		return;
	size_t n = c->ch->n[kind];
	if (n && c->ch->ids[kind][n - 1] == v) /* a run of one id (a batch's type) is kept once */
		return;
	if (mlmd__push_i64(&c->ch->ids[kind], &c->ch->n[kind], v))
		c->oom = 1;
}

static void visit(void *ctx, const char *name, const ProtobufCMessage *holder, const char *field, int64_t v)
{
	collect *c = ctx;
	int kind = K_NONE;
	for (size_t i = 0; i < sizeof named / sizeof *named; i++)
		if (!strcmp(c->ch->method, named[i].method) && !strcmp(name, named[i].name))
			kind = named[i].kind;
	if (kind == K_NONE)
		kind = kind_of_suffix(field);
	if (kind == K_NONE && (!strcmp(field, "id") || !strcmp(field, "ids")))
		kind = kind_of_holder(holder);
	add_id(c, kind, v);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void change_free(change *ch)
{
	for (int k = 0; k < 3; k++)
		free(ch->ids[k]);
	free(ch);
}

static void list_clear(change_list *l)
{
	while (l->head) {
		change *next = l->head->next;
		change_free(l->head);
		l->head = next;
	}
	l->tail = NULL;
}

int mlmd__listen_record(call *cl, const audit_call *a)
{
	mlmd_store *s = cl->s;
	struct mlmd__listeners *L = s->listen;
	change *ch = calloc(1, sizeof *ch);
	if (!ch)
		return MLMD_OOM();
	ch->method = a->operation;
	collect c = { ch, 0 };
	if (a->response)
		mlmd__ids_walk(a->response, visit, &c);
	if (a->msg)
		mlmd__ids_walk(a->msg, visit, &c);
	if (a->ids_field)
		for (size_t i = 0; i < a->n_ids; i++)
			add_id(&c, kind_of_suffix(a->ids_field), a->ids[i]);
	/* nodes it deleted (retention, a restore), by KIND_* (execution 0, artifact 1, context 2) */
	static const int by_store_kind[3] = { K_EXECUTION, K_ARTIFACT, K_CONTEXT };
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < cl->n_deleted[k]; i++)
			add_id(&c, by_store_kind[k], cl->deleted[k][i]);
	if (c.oom) {
		change_free(ch);
		return mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "%s: out of memory recording the change for the listeners",
				  a->operation);
	}
	for (int k = 0; k < 3; k++) {
		if (!ch->n[k])
			continue;
		qsort(ch->ids[k], ch->n[k], sizeof *ch->ids[k], cmp_i64);
		size_t w = 1;
		for (size_t i = 1; i < ch->n[k]; i++)
			if (ch->ids[k][i] != ch->ids[k][w - 1])
				ch->ids[k][w++] = ch->ids[k][i];
		ch->n[k] = w;
	}
	if (L->txn.tail)
		L->txn.tail->next = ch;
	else
		L->txn.head = ch;
	L->txn.tail = ch;
	return 0;
}

/* Tells the ready changes, oldest first, to every listener, until none is
 * left (a callback's own writes included). Not reentered: a commit inside a
 * callback only queues. */
static void deliver(mlmd_store *s)
{
	struct mlmd__listeners *L = s->listen;
	if (L->delivering)
		return;
	L->delivering = 1;
	while (L->ready.head) {
		change *ch = L->ready.head;
		if (!(L->ready.head = ch->next))
			L->ready.tail = NULL;
		mlmd_store_change pub = {
			ch->method, ch->ids[K_ARTIFACT], ch->n[K_ARTIFACT], ch->ids[K_EXECUTION], ch->n[K_EXECUTION],
			ch->ids[K_CONTEXT], ch->n[K_CONTEXT],
		};
		/* a listener added by a callback is told from the next change on */
		int n = L->n;
		for (int i = 0; i < n; i++)
			L->l[i].fn(s, &pub, L->l[i].user);
		change_free(ch);
	}
	L->delivering = 0;
}

void mlmd__listen_txn_end(mlmd_store *s, int committed)
{
	struct mlmd__listeners *L = s->listen;
	if (!L || !L->txn.head)
		return;
	if (!committed || !L->n) {
		list_clear(&L->txn);
		return;
	}
	if (L->ready.tail)
		L->ready.tail->next = L->txn.head;
	else
		L->ready.head = L->txn.head;
	L->ready.tail = L->txn.tail;
	L->txn.head = L->txn.tail = NULL;
	deliver(s);
}

void mlmd__listen_free(mlmd_store *s)
{
	struct mlmd__listeners *L = s->listen;
	if (!L)
		return;
	for (int i = 0; i < L->n; i++)
		if (L->l[i].free_user)
			L->l[i].free_user(L->l[i].user);
	list_clear(&L->txn);
	list_clear(&L->ready);
	free(L);
	s->listen = NULL;
	s->n_listeners = 0;
}

/* ---- the public calls ------------------------------------------------------------------------ */

int mlmd_store_listen(mlmd_store *s, mlmd_store_listener_fn fn, void *user, void (*free_user)(void *), int *id)
{
	if (!s)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_listen: store is NULL");
	if (!fn)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_listen: fn is NULL");
	if (!s->listen && !(s->listen = calloc(1, sizeof *s->listen)))
		return MLMD_OOM();
	struct mlmd__listeners *L = s->listen;
	if (L->n == MAX_LISTENERS)
		return mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "mlmd_store_listen: the handle has %d listeners already (the most "
				  "it holds)", MAX_LISTENERS);
	if (L->next_id == INT_MAX)
		return mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "mlmd_store_listen: listener ids are used up on this handle");
	listener *l = &L->l[L->n++];
	l->id = ++L->next_id;
	l->fn = fn;
	l->user = user;
	l->free_user = free_user;
	s->n_listeners = L->n;
	if (id)
		*id = l->id;
	return 0;
}

int mlmd_store_unlisten(mlmd_store *s, int id)
{
	if (!s)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_unlisten: store is NULL");
	struct mlmd__listeners *L = s->listen;
	if (L && L->delivering)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "mlmd_store_unlisten: not from inside a listener's callback");
	for (int i = 0; L && i < L->n; i++) {
		if (L->l[i].id != id)
			continue;
		listener gone = L->l[i];
		memmove(&L->l[i], &L->l[i + 1], (size_t)(L->n - i - 1) * sizeof *L->l);
		s->n_listeners = --L->n;
		if (gone.free_user)
			gone.free_user(gone.user);
		return 0;
	}
	return mlmd__fail(MLMD_NOT_FOUND, "mlmd_store_unlisten: the handle has no listener %d", id);
}

void *mlmd_store_listener_data(mlmd_store *s, mlmd_store_listener_fn fn)
{
	if (!s || !s->listen)
		return NULL;
	for (int i = 0; i < s->listen->n; i++)
		if (s->listen->l[i].fn == fn)
			return s->listen->l[i].user;
	return NULL;
}
