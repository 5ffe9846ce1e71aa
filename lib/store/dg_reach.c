/*
 * store/dg_reach.c - where a label applies: its reach (table label_reach:
 * every node it applies to with its distance in edges from the labelled
 * node, that node itself at 0), computed by a breadth-first walk downstream
 * when a label is set (mlmd__dg_reach_compute) and extended when lineage
 * grows after it (mlmd__dg_edge_added).
 *
 * Downstream: an artifact's executions that read it (input-type events), an
 * execution's artifacts it wrote (output-type events), a context's
 * attributed artifacts and associated executions. A walk reads the next
 * level's nodes with one query per MLMD_IN_MAX nodes of the level, keeps the
 * nodes it has seen in a hash set (a node's first level is its minimum
 * distance), and writes the rows in multi-row INSERTs. Tombstones are walked
 * through like any node: their events stay.
 */
#include <stdlib.h>
#include <string.h>
#include "datagov.h"

/* The event types in the SQL below (ml_metadata Event.Type). */
_Static_assert(MLMD__PB__EVENT__TYPE__DECLARED_OUTPUT == 1 && MLMD__PB__EVENT__TYPE__DECLARED_INPUT == 2 &&
		       MLMD__PB__EVENT__TYPE__INPUT == 3 && MLMD__PB__EVENT__TYPE__OUTPUT == 4 &&
		       MLMD__PB__EVENT__TYPE__INTERNAL_INPUT == 5 && MLMD__PB__EVENT__TYPE__INTERNAL_OUTPUT == 6 &&
		       MLMD__PB__EVENT__TYPE__PENDING_OUTPUT == 7,
	       "event type numbers");
_Static_assert(KIND_EXECUTION == 0 && KIND_ARTIFACT == 1 && KIND_CONTEXT == 2, "table kinds");

static const char *const readers_in[5] =
	MLMD_IN_SQL("SELECT execution_id FROM event WHERE type IN (2, 3, 5) AND artifact_id IN (", ")");
static const char *const outputs_in[5] =
	MLMD_IN_SQL("SELECT artifact_id FROM event WHERE type IN (1, 4, 6, 7) AND execution_id IN (", ")");
static const char *const attributed_in[5] = MLMD_IN_SQL("SELECT artifact_id FROM attribution WHERE context_id IN (", ")");
static const char *const associated_in[5] =
	MLMD_IN_SQL("SELECT execution_id FROM association WHERE context_id IN (", ")");
/* The stored distances of some nodes of one kind (incremental walks). */
static const char *const stored_in[5] =
	MLMD_IN_SQL("SELECT node_id, distance FROM label_reach WHERE label_id = ? AND kind = ? AND node_id IN (", ")");

/* Multi-row inserts of 1, 4, 16 and 64 rows; a batch is cut into those
 * sizes exactly, so no row is padded. */
#define ROW_1 "(?, ?, ?, ?)"
#define ROW_4 ROW_1 ", " ROW_1 ", " ROW_1 ", " ROW_1
#define ROW_16 ROW_4 ", " ROW_4 ", " ROW_4 ", " ROW_4
#define ROW_64 ROW_16 ", " ROW_16 ", " ROW_16 ", " ROW_16
#define INSERT_REACH "INSERT INTO label_reach (label_id, kind, node_id, distance) VALUES "
/* incremental walks replace a longer stored distance (the walk only writes
 * rows that are new or shorter) */
#define UPSERT " ON CONFLICT (label_id, kind, node_id) DO UPDATE SET distance = excluded.distance"
static const char *const insert_rows[2][4] = {
	{ INSERT_REACH ROW_1, INSERT_REACH ROW_4, INSERT_REACH ROW_16, INSERT_REACH ROW_64 },
	{ INSERT_REACH ROW_1 UPSERT, INSERT_REACH ROW_4 UPSERT, INSERT_REACH ROW_16 UPSERT, INSERT_REACH ROW_64 UPSERT },
};
#define FLUSH_ROWS 1024

/* ---- a set of node ids (open addressing; INT64_MIN marks a free slot) ----------------------- */

typedef struct idset {
	int64_t *key;
	size_t cap, n;
} idset;

#define IDSET_FREE INT64_MIN

static size_t id_hash(int64_t id, size_t cap)
{
	uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15u;
	return (size_t)(h >> 17) & (cap - 1);
}

static int idset_grow(idset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024;
	int64_t *k = malloc(cap * sizeof *k);
	if (!k)
		return MLMD_OOM();
	for (size_t i = 0; i < cap; i++)
		k[i] = IDSET_FREE;
	for (size_t i = 0; i < s->cap; i++)
		if (s->key[i] != IDSET_FREE) {
			size_t j = id_hash(s->key[i], cap);
			while (k[j] != IDSET_FREE)
				j = (j + 1) & (cap - 1);
			k[j] = s->key[i];
		}
	free(s->key);
	s->key = k;
	s->cap = cap;
	return 0;
}

/* 1 when id was added, 0 when it was there, or a negative status. */
static int idset_add(idset *s, int64_t id)
{
	if ((s->n + 1) * 2 > s->cap) {
		int rc = idset_grow(s);
		if (rc)
			return rc;
	}
	size_t j = id_hash(id, s->cap);
	while (s->key[j] != IDSET_FREE) {
		if (s->key[j] == id)
			return 0;
		j = (j + 1) & (s->cap - 1);
	}
	s->key[j] = id;
	s->n++;
	return 1;
}

/* ---- the walk ------------------------------------------------------------------------------ */

typedef struct walk {
	call *c;
	int64_t label_id;
	int incremental;             /* rows may exist already: write only new or shorter distances */
	idset seen[3];               /* by table kind: nodes the walk has met */
	int64_t *level[3], *next[3]; /* this level's nodes and the next one's, by kind */
	size_t nlevel[3], nnext[3];
	int64_t *rows;               /* (kind, node_id, distance) triples waiting to be written */
	size_t nrows;
	int64_t written;
} walk;

static void walk_free(walk *w)
{
	for (int k = 0; k < 3; k++) {
		free(w->seen[k].key);
		free(w->level[k]);
		free(w->next[k]);
	}
	free(w->rows);
}

/* Writes the waiting rows in statements of 64, 16, 4 and 1 rows. */
static int flush_rows(walk *w)
{
	size_t at = 0;
	static const size_t sizes[4] = { 1, 4, 16, 64 };
	while (at < w->nrows) {
		size_t left = w->nrows - at;
		int s = left >= 64 ? 3 : left >= 16 ? 2 : left >= 4 ? 1 : 0;
		sqlq q;
		int rc = mlmd__q(w->c->sql, &q, insert_rows[w->incremental][s]);
		if (rc)
			return rc;
		int pos = 1;
		for (size_t r = 0; r < sizes[s]; r++, at++) {
			mlmd__q_i64(&q, pos++, w->label_id);
			mlmd__q_i64(&q, pos++, w->rows[3 * at]);
			mlmd__q_i64(&q, pos++, w->rows[3 * at + 1]);
			mlmd__q_i64(&q, pos++, w->rows[3 * at + 2]);
		}
		if ((rc = mlmd__q_exec_later(&q)))
			return rc;
	}
	w->written += (int64_t)w->nrows;
	w->nrows = 0;
	return 0;
}

static int add_row(walk *w, int kind, int64_t id, int64_t distance)
{
	if (!w->rows && !(w->rows = malloc(3 * FLUSH_ROWS * sizeof *w->rows)))
		return MLMD_OOM();
	w->rows[3 * w->nrows] = kind;
	w->rows[3 * w->nrows + 1] = id;
	w->rows[3 * w->nrows + 2] = distance;
	if (++w->nrows >= FLUSH_ROWS)
		return flush_rows(w);
	return 0;
}

/* Meets node (kind, id) at the next level: queued when the walk has not
 * seen it yet. */
static int meet(walk *w, int kind, int64_t id)
{
	int rc = idset_add(&w->seen[kind], id);
	if (rc <= 0)
		return rc;
	return mlmd__push_i64(&w->next[kind], &w->nnext[kind], id) ? MLMD_OOM() : 0;
}

/* Meets the nodes that `sql` (one of the *_in lists) finds for ids[0..n),
 * as nodes of kind `to`. */
static int expand(walk *w, const char *const sql[5], const int64_t *ids, size_t n, int to)
{
	int rc = 0;
	size_t chunk = mlmd__in_chunk(n);
	for (size_t at = 0; at < n && !rc; at += chunk) {
		size_t m = n - at < chunk ? n - at : chunk;
		int size, slot = mlmd__in_slot(m, &size);
		sqlq q;
		if ((rc = mlmd__q(w->c->sql, &q, sql[slot])))
			return rc;
		int pos = 1;
		mlmd__q_bind_ids(&q, &pos, ids + at, m, size);
		while ((rc = mlmd__q_step(&q)) == 1)
			if ((rc = meet(w, to, mlmd__q_col_i64(&q, 0))))
				break;
		mlmd__q_done(&q);
		if (rc > 0)
			rc = 0;
	}
	return rc;
}

/* Incremental walks: drops from ids[0..*n) (of one kind) the nodes whose
 * stored distance is already `distance` or less. */
static int drop_reached(walk *w, int kind, int64_t *ids, size_t *n, int64_t distance)
{
	int64_t *near = NULL;
	size_t nnear = 0;
	int rc = 0;
	size_t chunk = mlmd__in_chunk(*n);
	for (size_t at = 0; at < *n && !rc; at += chunk) {
		size_t m = *n - at < chunk ? *n - at : chunk;
		int size, slot = mlmd__in_slot(m, &size);
		sqlq q;
		if ((rc = mlmd__q(w->c->sql, &q, stored_in[slot])))
			break;
		mlmd__q_i64(&q, 1, w->label_id);
		mlmd__q_i64(&q, 2, kind);
		int pos = 3;
		mlmd__q_bind_ids(&q, &pos, ids + at, m, size);
		while ((rc = mlmd__q_step(&q)) == 1)
			if (mlmd__q_col_i64(&q, 1) <= distance && mlmd__push_i64(&near, &nnear, mlmd__q_col_i64(&q, 0))) {
				rc = MLMD_OOM();
				break;
			}
		mlmd__q_done(&q);
		if (rc > 0)
			rc = 0;
	}
	if (!rc && nnear) {
		qsort(near, nnear, sizeof *near, mlmd__dg_cmp_i64);
		size_t keep = 0;
		for (size_t i = 0; i < *n; i++)
			if (!bsearch(&ids[i], near, nnear, sizeof *near, mlmd__dg_cmp_i64))
				ids[keep++] = ids[i];
		*n = keep;
	}
	free(near);
	return rc;
}

/* Walks downstream from (kind, id) at `distance`, writing the label's row
 * for every node it reaches (at most `max_distance`: 0 for a label that does
 * not propagate). */
static int walk_from(walk *w, int kind, int64_t id, int64_t distance, int64_t max_distance)
{
	int rc = meet(w, kind, id);
	for (; !rc; distance++) {
		/* the next level becomes this one */
		size_t total = 0;
		for (int k = 0; k < 3; k++) {
			int64_t *t = w->level[k];
			w->level[k] = w->next[k];
			w->nlevel[k] = w->nnext[k];
			w->next[k] = t;
			w->nnext[k] = 0;
			if (w->incremental && w->nlevel[k] &&
			    (rc = drop_reached(w, k, w->level[k], &w->nlevel[k], distance)))
				return rc;
			total += w->nlevel[k];
		}
		if (!total)
			break;
		for (int k = 0; k < 3 && !rc; k++)
			for (size_t i = 0; i < w->nlevel[k] && !rc; i++)
				rc = add_row(w, k, w->level[k][i], distance);
		if (rc || distance >= max_distance)
			break;
		if (w->nlevel[KIND_ARTIFACT])
			rc = expand(w, readers_in, w->level[KIND_ARTIFACT], w->nlevel[KIND_ARTIFACT], KIND_EXECUTION);
		if (!rc && w->nlevel[KIND_EXECUTION])
			rc = expand(w, outputs_in, w->level[KIND_EXECUTION], w->nlevel[KIND_EXECUTION], KIND_ARTIFACT);
		if (!rc && w->nlevel[KIND_CONTEXT])
			rc = expand(w, attributed_in, w->level[KIND_CONTEXT], w->nlevel[KIND_CONTEXT], KIND_ARTIFACT);
		if (!rc && w->nlevel[KIND_CONTEXT])
			rc = expand(w, associated_in, w->level[KIND_CONTEXT], w->nlevel[KIND_CONTEXT], KIND_EXECUTION);
	}
	if (!rc)
		rc = flush_rows(w);
	return rc;
}

int mlmd__dg_reach_compute(call *c, int64_t label_id, int kind, int64_t id, int propagate, int64_t *reached)
{
	walk w = { .c = c, .label_id = label_id };
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "DELETE FROM label_reach WHERE label_id = ?");
	if (!rc) {
		mlmd__q_i64(&q, 1, label_id);
		rc = mlmd__q_exec(&q);
	}
	if (!rc)
		rc = walk_from(&w, kind, id, 0, propagate ? INT64_MAX : 0);
	walk_free(&w);
	if (!rc && reached)
		*reached = w.written;
	/* the next edge added in this call looks again whether propagating labels exist */
	c->labels_state = 0;
	return rc;
}

/* ---- lineage that grows after labelling ------------------------------------------------------ */

/* Sets c->labels_state (1: no propagating label, 2: some) when unknown. */
static int labels_state(call *c)
{
	if (c->labels_state)
		return 0;
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT 1 FROM label WHERE propagate = 1 LIMIT 1");
	if (rc)
		return rc;
	rc = mlmd__q_step(&q);
	mlmd__q_done(&q);
	if (rc < 0)
		return rc;
	c->labels_state = rc == 1 ? 2 : 1;
	return 0;
}

int mlmd__dg_edges_want(call *c)
{
	if (c->s->schema_version < MLMD_DG_SCHEMA_VERSION || !c->sql->keyed || c->sql->no_lookahead)
		return 0;
	int rc = labels_state(c);
	if (!rc && c->labels_state == 2)
		rc = mlmd__sql_want(c->sql, "label_reach");
	return rc;
}

int mlmd__dg_edge_added(call *c, int from_kind, int64_t from_id, int to_kind, int64_t to_id)
{
	if (c->s->schema_version < MLMD_DG_SCHEMA_VERSION)
		return 0;
	sqlq q;
	int rc;
	if ((rc = labels_state(c)))
		return rc;
	if (c->labels_state == 1)
		return 0;
	/* Beside other writers, label walks run one at a time, each after the
	 * new edge is in: of two writers adding adjacent edges, the second
	 * walks over the first's edge and the reach it wrote. */
	if ((rc = mlmd__sql_lock(c->sql, "label_reach")))
		return rc;
	/* the propagating labels that reach the edge's source, read whole before walking */
	if ((rc = mlmd__q(c->sql, &q,
			  "SELECT r.label_id, r.distance FROM label_reach r JOIN label l ON l.id = r.label_id"
			  " WHERE r.kind = ? AND r.node_id = ? AND l.propagate = 1")))
		return rc;
	mlmd__q_i64(&q, 1, from_kind);
	mlmd__q_i64(&q, 2, from_id);
	int64_t *found = NULL;
	size_t nfound = 0;
	while ((rc = mlmd__q_step(&q)) == 1)
		if (mlmd__push_i64(&found, &nfound, mlmd__q_col_i64(&q, 0)) ||
		    mlmd__push_i64(&found, &nfound, mlmd__q_col_i64(&q, 1))) {
			rc = MLMD_OOM();
			break;
		}
	mlmd__q_done(&q);
	if (rc > 0)
		rc = 0;
	for (size_t i = 0; i + 1 < nfound && !rc; i += 2) {
		walk w = { .c = c, .label_id = found[i], .incremental = 1 };
		rc = walk_from(&w, to_kind, to_id, found[i + 1] + 1, INT64_MAX);
		walk_free(&w);
	}
	free(found);
	return rc;
}
