/*
 * cli/import_dg.c - the data governance of `mlmd import`: tombstone lines
 * become empty nodes at once (so the events through them map like any
 * other's), and at the end of the import, after every node and edge is in,
 * RestoreDataGovernance makes them tombstones again with their deletion
 * time, actor and reason, and puts back the labels (on the nodes' new ids;
 * their reach is recomputed on the imported lineage), the serving gate and
 * the retention policies, all in the import's one transaction.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "import.h"

#define CHUNK 10000

struct cli_dg_pending {
	Mlmd__Pb__Governance__Tombstone **tombstones;
	size_t n_tombstones, cap_tombstones;
	Mlmd__Pb__Governance__LabelEntry **labels;
	size_t n_labels, cap_labels;
	Mlmd__Pb__Governance__RetentionPolicy **policies;
	size_t n_policies, cap_policies;
	Mlmd__Pb__Governance__GetServingGateResponse *gate;
	/* the source line of each entry, for the messages of a failed restore */
	int64_t *tombstone_lines, *label_lines, *policy_lines, gate_line;
};

void cli_import_dg_free(cli_dg_pending *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_tombstones; i++)
		mlmd_message_free(p->tombstones[i]);
	for (size_t i = 0; i < p->n_labels; i++)
		mlmd_message_free(p->labels[i]);
	for (size_t i = 0; i < p->n_policies; i++)
		mlmd_message_free(p->policies[i]);
	mlmd_message_free(p->gate);
	free(p->tombstones);
	free(p->labels);
	free(p->policies);
	free(p->tombstone_lines);
	free(p->label_lines);
	free(p->policy_lines);
	free(p);
}

/* The importer's pending data governance (created on first use), or NULL
 * with the failure recorded: the store must be at schema version 5. */
static cli_dg_pending *pending(cli_importer *im, const char *what, int64_t src)
{
	int version = mlmd_store_schema_version(cli_importer_store(im));
	if (version < 5) {
		cli_importer_fail(im, "line %lld: %s, but the store is at schema version %d, which has no data governance "
			"(version 5 has); open it with upgrade (mlmd import --upgrade, or mlmd_store_options.upgrade) to "
			"migrate it, then import again", (long long)src, what, version);
		return NULL;
	}
	cli_dg_pending **p = cli_importer_dg(im);
	if (!*p && !(*p = calloc(1, sizeof **p)))
		cli_importer_fail(im, "out of memory");
	return *p;
}

/* Appends m, from source line `line`, to v (and the line to lines). */
static int push(void ***v, int64_t **lines, size_t *n, size_t *cap, void *m, int64_t line)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		void **nv = realloc(*v, c * sizeof *nv);
		if (!nv)
			return -1;
		*v = nv;
		int64_t *nl = realloc(*lines, c * sizeof *nl);
		if (!nl)
			return -1;
		*lines = nl;
		*cap = c;
	}
	(*lines)[*n] = line;
	(*v)[(*n)++] = m;
	return 0;
}

int cli_import_tombstone(cli_importer *im, Mlmd__Pb__Governance__Tombstone *t, int64_t src)
{
	cli_dg_pending *p = pending(im, "a tombstone", src);
	int kind = t->has_kind ? (int)t->kind - 1 : -1; /* NodeKind ARTIFACT 1.. -> the importer's 0.. */
	if (p && (kind < 0 || kind > 2 || !t->has_id || !t->has_type_id)) {
		cli_importer_fail(im, "line %lld: a tombstone needs its kind, id and type_id", (long long)src);
		p = NULL;
	}
	if (!p) {
		mlmd_message_free(t);
		return -1;
	}
	/* an empty node of its type stands in for it until the end */
	void *node;
	if (kind == 0) {
		Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
		if ((node = a))
			a->has_type_id = 1, a->type_id = t->type_id;
	} else if (kind == 1) {
		Mlmd__Pb__Execution *e = mlmd_message_new(&mlmd__pb__execution__descriptor);
		if ((node = e))
			e->has_type_id = 1, e->type_id = t->type_id;
	} else {
		Mlmd__Pb__Context *c = mlmd_message_new(&mlmd__pb__context__descriptor);
		char name[64];
		snprintf(name, sizeof name, "\x1bimported-tombstone:%lld", (long long)t->id);
		if ((node = c)) {
			c->has_type_id = 1, c->type_id = t->type_id;
			if (mlmd_message_set_string(c, "name", name)) {
				mlmd_message_free(c);
				node = NULL;
			}
		}
	}
	if (!node || push((void ***)&p->tombstones, &p->tombstone_lines, &p->n_tombstones, &p->cap_tombstones, t, src)) {
		mlmd_message_free(node);
		mlmd_message_free(t);
		return cli_importer_fail(im, "out of memory");
	}
	return cli_import_node(im, kind, node, t->id, NULL, src);
}

int cli_import_label(cli_importer *im, Mlmd__Pb__Governance__LabelEntry *e, int64_t src)
{
	cli_dg_pending *p = pending(im, "a label", src);
	if (p && (!e->has_kind || e->kind < 1 || e->kind > 3 || !e->has_node_id || !e->label || !e->label->label)) {
		cli_importer_fail(im, "line %lld: a label needs its kind, node_id and label", (long long)src);
		p = NULL;
	}
	if (!p || push((void ***)&p->labels, &p->label_lines, &p->n_labels, &p->cap_labels, e, src)) {
		mlmd_message_free(e);
		return p ? cli_importer_fail(im, "out of memory") : -1;
	}
	return 0;
}

int cli_import_retention(cli_importer *im, Mlmd__Pb__Governance__RetentionPolicy *r, int64_t src)
{
	cli_dg_pending *p = pending(im, "a retention policy", src);
	if (!p || push((void ***)&p->policies, &p->policy_lines, &p->n_policies, &p->cap_policies, r, src)) {
		mlmd_message_free(r);
		return p ? cli_importer_fail(im, "out of memory") : -1;
	}
	r->has_type_id = 0; /* the source's; the policy goes by kind and type name */
	return 0;
}

int cli_import_gate(cli_importer *im, Mlmd__Pb__Governance__GetServingGateResponse *g, int64_t src)
{
	cli_dg_pending *p = pending(im, "a serving gate", src);
	if (!p) {
		mlmd_message_free(g);
		return -1;
	}
	if (p->gate) { /* which one would hold? refused rather than one dropped */
		mlmd_message_free(g);
		return cli_importer_fail(im, "line %lld: a second serving_gate (the first is on line %lld); an export has one",
			(long long)src, (long long)p->gate_line);
	}
	p->gate = g;
	p->gate_line = src;
	return 0;
}

/* Restores rq, whose entries came from the given lines (from entry `at` of
 * p's arrays): a failure names the line of the entry it is about, which
 * RestoreDataGovernance names as tombstones[i], labels[i], gate or
 * policies[i] (lib/store/dg_restore.c). */
static int restore(cli_importer *im, Mlmd__Pb__Governance__RestoreDataGovernanceRequest *rq, const cli_dg_pending *p,
	size_t at)
{
	void *rs = NULL;
	int rc = cli_track_call(cli_importer_store(im), "RestoreDataGovernance", &rq->base,
		&mlmd__pb__governance__restore_data_governance_response__descriptor, &rs);
	mlmd_message_free(rs);
	if (!rc)
		return 0;
	const char *msg = mlmd_error_message();
	static const char lead[] = "RestoreDataGovernance: ";
	if (!strncmp(msg, lead, sizeof lead - 1))
		msg += sizeof lead - 1;
	static const struct {
		const char *name;
		size_t n_off, lines_off;
	} entry[] = {
		{ "tombstones[", offsetof(cli_dg_pending, n_tombstones), offsetof(cli_dg_pending, tombstone_lines) },
		{ "labels[", offsetof(cli_dg_pending, n_labels), offsetof(cli_dg_pending, label_lines) },
		{ "policies[", offsetof(cli_dg_pending, n_policies), offsetof(cli_dg_pending, policy_lines) },
	};
	int64_t line = -1;
	const char *rest = msg;
	for (size_t k = 0; k < sizeof entry / sizeof entry[0]; k++) {
		size_t len = strlen(entry[k].name);
		char *end;
		if (strncmp(msg, entry[k].name, len) || !isdigit((unsigned char)msg[len]))
			continue;
		unsigned long long i = strtoull(msg + len, &end, 10) + at;
		size_t n = *(const size_t *)((const char *)p + entry[k].n_off);
		const int64_t *lines = *(int64_t *const *)((const char *)p + entry[k].lines_off);
		if (!strncmp(end, "]: ", 3) && i < n) {
			line = lines[i];
			rest = end + 3;
		}
	}
	if (!strncmp(msg, "gate: ", 6) && p->gate) {
		line = p->gate_line;
		rest = msg + 6;
	}
	if (line >= 0)
		return cli_importer_fail(im, "line %lld: %s", (long long)line, rest);
	return cli_importer_fail(im, "restoring the data governance: %s", mlmd_error_message());
}

/* Orders label entries by (kind, node, label), for finding one given twice. */
static int label_cmp(const void *a, const void *b)
{
	/* the elements point into the pending array (so that they give the entry's index) */
	const Mlmd__Pb__Governance__LabelEntry *x = **(Mlmd__Pb__Governance__LabelEntry ***)a;
	const Mlmd__Pb__Governance__LabelEntry *y = **(Mlmd__Pb__Governance__LabelEntry ***)b;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->node_id != y->node_id)
		return x->node_id < y->node_id ? -1 : 1;
	return strcmp(x->label->label, y->label->label);
}

/* A label (kind, node, label) or a policy (kind, type) given twice: the
 * second would silently replace the first, so the import is refused. */
static int duplicates(cli_importer *im, const cli_dg_pending *p)
{
	for (size_t i = 0; i < p->n_policies; i++)
		for (size_t j = 0; j < i; j++) {
			const Mlmd__Pb__Governance__RetentionPolicy *a = p->policies[j], *b = p->policies[i];
			if (a->kind == b->kind && a->type_name && b->type_name && !strcmp(a->type_name, b->type_name))
				return cli_importer_fail(im, "line %lld: a second retention policy of type '%s' (the first is on "
					"line %lld)", (long long)p->policy_lines[i], b->type_name, (long long)p->policy_lines[j]);
		}
	if (p->n_labels < 2)
		return 0;
	Mlmd__Pb__Governance__LabelEntry ***order = malloc(p->n_labels * sizeof *order);
	if (!order)
		return cli_importer_fail(im, "out of memory");
	for (size_t i = 0; i < p->n_labels; i++)
		order[i] = &p->labels[i];
	qsort(order, p->n_labels, sizeof *order, label_cmp);
	int rc = 0;
	for (size_t i = 1; i < p->n_labels && !rc; i++)
		if (!label_cmp(&order[i - 1], &order[i])) {
			size_t a = (size_t)(order[i - 1] - p->labels), b = (size_t)(order[i] - p->labels);
			if (a > b) {
				size_t t = a;
				a = b;
				b = t;
			}
			rc = cli_importer_fail(im, "line %lld: the label %s of that node again (first on line %lld)",
				(long long)p->label_lines[b], p->labels[b]->label->label, (long long)p->label_lines[a]);
		}
	free(order);
	return rc;
}

int cli_import_dg_finish(cli_importer *im)
{
	cli_dg_pending *p = *cli_importer_dg(im);
	if (!p)
		return 0;
	if (duplicates(im, p))
		return -1;
	static const char *const what[3] = { "artifact", "execution", "context" };
	/* the source's ids -> this store's */
	for (size_t i = 0; i < p->n_tombstones; i++) {
		Mlmd__Pb__Governance__Tombstone *t = p->tombstones[i];
		t->id = cli_importer_new_id(im, (int)t->kind - 1, t->id);
		t->has_type_id = 0;
	}
	for (size_t i = 0; i < p->n_labels; i++) {
		Mlmd__Pb__Governance__LabelEntry *e = p->labels[i];
		int64_t id = cli_importer_new_id(im, (int)e->kind - 1, e->node_id);
		if (id < 0)
			return cli_importer_fail(im, "line %lld: a label %s on %s %lld, which is not among the nodes imported",
				(long long)p->label_lines[i], e->label->label, what[e->kind - 1], (long long)e->node_id);
		e->node_id = id;
		e->has_label_id = 0;
	}
	int rc = 0;
	for (size_t i = 0; i < p->n_tombstones && !rc; i += CHUNK) {
		Mlmd__Pb__Governance__RestoreDataGovernanceRequest rq = MLMD__PB__GOVERNANCE__RESTORE_DATA_GOVERNANCE_REQUEST__INIT;
		rq.n_tombstones = p->n_tombstones - i < CHUNK ? p->n_tombstones - i : CHUNK;
		rq.tombstones = p->tombstones + i;
		rc = restore(im, &rq, p, i);
	}
	for (size_t i = 0; i < p->n_labels && !rc; i += CHUNK) {
		Mlmd__Pb__Governance__RestoreDataGovernanceRequest rq = MLMD__PB__GOVERNANCE__RESTORE_DATA_GOVERNANCE_REQUEST__INIT;
		rq.n_labels = p->n_labels - i < CHUNK ? p->n_labels - i : CHUNK;
		rq.labels = p->labels + i;
		rc = restore(im, &rq, p, i);
	}
	if (!rc && (p->gate || p->n_policies)) {
		Mlmd__Pb__Governance__RestoreDataGovernanceRequest rq = MLMD__PB__GOVERNANCE__RESTORE_DATA_GOVERNANCE_REQUEST__INIT;
		if (p->gate) {
			rq.has_set_gate = rq.set_gate = 1;
			rq.n_gate = p->gate->n_labels;
			rq.gate = p->gate->labels;
		}
		rq.n_policies = p->n_policies;
		rq.policies = p->policies;
		rc = restore(im, &rq, p, 0);
	}
	if (!rc) {
		cli_import_counts *c = cli_importer_counts_mut(im);
		c->tombstones += (long)p->n_tombstones;
		c->labels += (long)p->n_labels;
		c->retention_policies += (long)p->n_policies;
		cli_import_dg_free(p); /* done: a later finish has nothing to put */
		*cli_importer_dg(im) = NULL;
	}
	return rc;
}
