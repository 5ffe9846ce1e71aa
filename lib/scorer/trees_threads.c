/*
 * scorer/trees_threads.c - a score context's worker threads, and tree
 * ensembles scored across them.
 *
 * mlmd_score_ctx_set_threads(ctx, n) lets a context use n threads: the
 * caller and n - 1 workers, started on the first call that splits a batch
 * and joined in mlmd_score_ctx_free() (or when the count changes). A split
 * call hands each worker one part of the job through a generation counter
 * under one mutex; the caller runs part 0 and then waits until every worker
 * has reported back. The parts of a tree-ensemble job take chunks of rows
 * in turn from an atomic counter, write disjoint rows of the output, and
 * use their own working memory, allocated from the context's pool by the
 * caller before the split, so workers never touch the pool and never fail.
 * Every row is scored by the same code whichever thread takes it, so the
 * result does not depend on the thread count.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "sc.h"
#include "trees_impl.h"

/* A part is worth a thread handoff (a few microseconds) when it has at
 * least this many node visits (about 20-50 microseconds of walking). */
#define MIN_PART_WORK 20000

typedef struct worker {
	struct sc_team *team;
	int index;             /* runs part index + 1 */
} worker;

struct sc_team {
	pthread_mutex_t mu;
	pthread_cond_t go;     /* a new job (generation) or stop */
	pthread_cond_t done;   /* the last worker finished its part */
	int n_workers;         /* started and running */
	pthread_t *threads;
	worker *workers;
	uint64_t generation;   /* bumped for each job */
	int pending;           /* workers still on the current job */
	bool stop;
	void (*fn)(void *arg, int part);
	void *arg;
	int n_parts;
};

static void *work(void *p)
{
	worker *w = p;
	sc_team *t = w->team;
	uint64_t seen = 0;
	pthread_mutex_lock(&t->mu);
	for (;;) {
		while (!t->stop && t->generation == seen)
			pthread_cond_wait(&t->go, &t->mu);
		if (t->stop)
			break;
		seen = t->generation;
		void (*fn)(void *, int) = t->fn;
		void *arg = t->arg;
		int part = w->index + 1, n_parts = t->n_parts;
		pthread_mutex_unlock(&t->mu);
		if (part < n_parts)
			fn(arg, part);
		pthread_mutex_lock(&t->mu);
		if (--t->pending == 0)
			pthread_cond_signal(&t->done);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

void mlmd__sc_team_free(sc_team *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop = true;
	pthread_cond_broadcast(&t->go);
	pthread_mutex_unlock(&t->mu);
	for (int i = 0; i < t->n_workers; i++)
		pthread_join(t->threads[i], NULL);
	pthread_cond_destroy(&t->go);
	pthread_cond_destroy(&t->done);
	pthread_mutex_destroy(&t->mu);
	free(t->threads);
	free(t->workers);
	free(t);
}

/* Starts n workers; on failure stops those already started. */
static int team_start(sc_team **out, int n, int fail_at)
{
	sc_team *t = calloc(1, sizeof *t);
	if (!t)
		return MLMD_OOM();
	t->threads = calloc((size_t)n, sizeof *t->threads);
	t->workers = calloc((size_t)n, sizeof *t->workers);
	if (!t->threads || !t->workers || pthread_mutex_init(&t->mu, NULL)) {
		free(t->threads);
		free(t->workers);
		free(t);
		return MLMD_OOM();
	}
	if (pthread_cond_init(&t->go, NULL) || pthread_cond_init(&t->done, NULL)) {
		/* not reached on Linux, where these cannot fail */
		pthread_mutex_destroy(&t->mu);
		free(t->threads);
		free(t->workers);
		free(t);
		return MLMD_OOM();
	}
	for (int i = 0; i < n; i++) {
		t->workers[i].team = t;
		t->workers[i].index = i;
		int err = fail_at > 0 && i >= fail_at - 1 ? EAGAIN : pthread_create(&t->threads[i], NULL, work,
			&t->workers[i]);
		if (err) {
			mlmd__sc_team_free(t);
			return mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "score context: worker thread %d of %d could not be "
				"started: %s", i + 1, n, strerror(err));
		}
		t->n_workers = i + 1;
	}
	*out = t;
	return 0;
}

int mlmd__sc_parallel(mlmd_score_ctx *ctx, int n_parts, void (*fn)(void *arg, int part), void *arg)
{
	if (n_parts <= 1) {
		fn(arg, 0);
		return 0;
	}
	if (!ctx->team) {
		int rc = team_start(&ctx->team, ctx->n_threads - 1, ctx->fail_thread_start);
		if (rc)
			return rc;
	}
	sc_team *t = ctx->team;
	pthread_mutex_lock(&t->mu);
	t->fn = fn;
	t->arg = arg;
	t->n_parts = n_parts;
	t->pending = t->n_workers;
	t->generation++;
	pthread_cond_broadcast(&t->go);
	pthread_mutex_unlock(&t->mu);
	fn(arg, 0);
	pthread_mutex_lock(&t->mu);
	while (t->pending)
		pthread_cond_wait(&t->done, &t->mu);
	pthread_mutex_unlock(&t->mu);
	return 0;
}

void mlmd__sc_ctx_fail_thread_start(mlmd_score_ctx *ctx, int k)
{
	ctx->fail_thread_start = k;
}

void mlmd__sc_ctx_set_min_part_work(mlmd_score_ctx *ctx, int64_t work)
{
	ctx->min_part_work = work;
}

/* ---- tree ensembles across threads ---------------------------------------------------- */

typedef struct split_job {
	const sc_trees *t;
	int dtype;
	const char *x;         /* row 0 */
	size_t row_bytes;
	int64_t n, n_cols;
	int64_t parts;         /* how many parts take chunks */
	int64_t unit;          /* a chunk is a whole number of these rows (but the last) */
	atomic_llong next;     /* the first row no part has taken yet */
	double *out;
	char *scratch;         /* one scratch_size slice per part */
	size_t scratch_size;
} split_job;

/* The next chunk: rows [*r0, *r1), or 0 when none are left. Each chunk is
 * a share of the rows still left (guided scheduling): large while there is
 * much to do, one unit near the end, so the parts finish within a unit's
 * time of each other, whichever of them other work on the machine slowed. */
static int take_chunk(split_job *j, int64_t *r0, int64_t *r1)
{
	long long at = atomic_load_explicit(&j->next, memory_order_relaxed), size;
	do {
		if (at >= j->n)
			return 0;
		int64_t left = j->n - at;
		size = (left / (4 * j->parts) + j->unit - 1) / j->unit * j->unit;
		if (size < j->unit)
			size = j->unit;
		if (size > left)
			size = left;
	} while (!atomic_compare_exchange_weak_explicit(&j->next, &at, at + size, memory_order_relaxed,
							 memory_order_relaxed));
	*r0 = at;
	*r1 = at + size;
	return 1;
}

/* One part: takes chunks of rows until none are left. Taking them in turn
 * (rather than a fixed share each) keeps both threads busy when one of
 * them is slowed down by other work on the machine. */
static void score_piece(void *p, int part)
{
	split_job *j = p;
	int K = mlmd__sc_trees_n_targets(j->t);
	int64_t r0, r1;
	while (take_chunk(j, &r0, &r1))
		mlmd__sc_trees_score_part(j->t, j->scratch + (size_t)part * j->scratch_size, j->dtype,
			j->x + (size_t)r0 * j->row_bytes, r1 - r0, j->n_cols, j->out + r0 * K);
}

int mlmd__sc_trees_score_ctx(const sc_trees *t, mlmd_score_ctx *ctx, int dtype, const void *x, int64_t n,
	int64_t n_cols, double *out)
{
	int rc = mlmd__sc_trees_check_cols(t, n_cols);
	if (rc)
		return rc;
	int64_t work = n * (t->work > 0 ? t->work : 1);
	int threads = ctx->n_threads > 1 ? ctx->n_threads : 1;
	int64_t parts = work / (ctx->min_part_work > 0 ? ctx->min_part_work : MIN_PART_WORK);
	parts = parts < 1 ? 1 : parts > threads ? threads : parts;
	/* chunks are whole blocks (unless the batch is small), so that only the
	 * last one has a ragged end, and at least four blocks, so that a chunk
	 * is worth the atomic step that takes it */
	int64_t unit = n >= parts * SC_TREES_BLOCK * 4 ? SC_TREES_BLOCK * 4 : n >= parts * SC_TREES_BLOCK ?
		SC_TREES_BLOCK : SC_TREES_GROUP;
	split_job j = { .t = t, .dtype = dtype, .x = x, .n = n, .n_cols = n_cols, .parts = parts, .unit = unit,
		.out = out, .row_bytes = (size_t)n_cols * (dtype == MLMD_DTYPE_FLOAT ? sizeof(float) : sizeof(double)),
		/* whole cache lines and one spare line per slice: two parts never
		 * write the same line, wherever the pool's array starts */
		.scratch_size = ((mlmd__sc_trees_scratch_size(t) + 63) & ~(size_t)63) + 64 };
	atomic_init(&j.next, 0);
	if (!(j.scratch = mlmd__sc_alloc_array(&ctx->pool, (size_t)(parts < 1 ? 1 : parts), j.scratch_size)))
		return MLMD_OOM();
	if (parts <= 1) {
		mlmd__sc_trees_score_part(t, j.scratch, dtype, x, n, n_cols, out);
		return 0;
	}
	return mlmd__sc_parallel(ctx, (int)parts, score_piece, &j);
}
