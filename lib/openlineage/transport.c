/*
 * openlineage/transport.c - events posted as they happen: a store listener
 * that, after each committed call naming executions, builds their events
 * (mlmd_openlineage_execution_events) and queues those this handle has not
 * queued before; a sender thread (transport_http.c) posts the queue
 * (transport_queue.c). The listener never waits for the network: it writes
 * files and wakes the sender. docs/interoperability.md says the rest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "openlineage/ol.h"
#include "openlineage/transport.h"

/* ---- (run id, event type) pairs already queued by this handle -------------------------------- */

/* A set of 64-bit hashes of "<run id> <event type>": at most 16 bytes per
 * event a handle queued, however long it lives. Two different pairs with
 * the same hash would keep the second from being posted; with 64 bits that
 * takes billions of events on one handle to become likely. */
struct ol_seen {
	uint64_t *slot;              /* open addressing; 0: empty */
	size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a, then a final mix so that low bits spread */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h ? h : 1;
}

static int seen_has(const ol_seen *set, uint64_t h)
{
	if (!set->cap)
		return 0;
	for (size_t i = h & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
		if (!set->slot[i])
			return 0;
		if (set->slot[i] == h)
			return 1;
	}
}

static void seen_put(uint64_t *slot, size_t cap, uint64_t h)
{
	size_t i = h & (cap - 1);
	while (slot[i])
		i = (i + 1) & (cap - 1);
	slot[i] = h;
}

/* Adds h; 0 or RESOURCE_EXHAUSTED. */
static int seen_add(ol_seen *set, uint64_t h)
{
	if ((set->n + 1) * 2 > set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64;
		uint64_t *slot = calloc(cap, sizeof *slot);
		if (!slot)
			return MLMD_OOM();
		for (size_t k = 0; k < set->cap; k++)
			if (set->slot[k])
				seen_put(slot, cap, set->slot[k]);
		free(set->slot);
		set->slot = slot;
		set->cap = cap;
	}
	seen_put(set->slot, set->cap, h);
	set->n++;
	return 0;
}

static void seen_free(ol_seen *set)
{
	if (set)
		free(set->slot);
	free(set);
}

/* ---- the listener ---------------------------------------------------------------------------- */

/* "<run.runId> <eventType>" of an event, into key (size n); -1 when the
 * event has neither. */
static int event_key(const char *event, size_t len, char *key, size_t n)
{
	mlmd_json_reader *r = NULL;
	if (mlmd_json_reader_new(&r, event, len, MLMD_JSON_MAX_DEPTH))
		return -1;
	char run_id[64] = "", type[32] = "";
	int depth = 0, in_run = 0, tok;
	const char *text = NULL;
	while ((tok = mlmd_json_next(r, &text, NULL)) > 0) {
		if (tok == MLMD_JSON_OBJECT || tok == MLMD_JSON_ARRAY) {
			depth++;
			continue;
		}
		if (tok == MLMD_JSON_OBJECT_END || tok == MLMD_JSON_ARRAY_END) {
			if (--depth == 1)
				in_run = 0;
			continue;
		}
		if (tok != MLMD_JSON_KEY)
			continue;
		if (depth == 1 && !strcmp(text, "eventType")) {
			if (mlmd_json_next(r, &text, NULL) == MLMD_JSON_STRING)
				mlmd__snprintf(type, sizeof type, "%s", text);
		} else if (depth == 1 && !strcmp(text, "run")) {
			in_run = 1;
		} else if (depth == 2 && in_run && !strcmp(text, "runId")) {
			if (mlmd_json_next(r, &text, NULL) == MLMD_JSON_STRING)
				mlmd__snprintf(run_id, sizeof run_id, "%s", text);
		} else if (mlmd_json_skip(r)) {
			break;
		}
	}
	mlmd_json_reader_free(r);
	if (!run_id[0] || !type[0])
		return -1;
	mlmd__snprintf(key, n, "%s %s", run_id, type);
	return 0;
}

/* The export's sink: queues an event this handle has not queued yet. */
static int queue_event(const char *event, size_t len, void *user)
{
	ol_transport *t = user;
	char key[128];
	int64_t dropped = 0;
	int known = event_key(event, len, key, sizeof key) == 0;
	uint64_t h = known ? hash_str(key) : 0;
	if (known && seen_has(t->seen, h))
		return 0;
	int rc = mlmd__olq_put(&t->q, event, len, &dropped);
	if (!rc && known)
		(void)seen_add(t->seen, h); /* out of memory: not remembered, so it may be queued again later */
	pthread_mutex_lock(&t->mu);
	if (rc && dropped == 0)
		dropped = 1; /* it could not be queued (disk full...): lost, so counted */
	t->dropped += dropped;
	t->wake = 1;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	return 0;
}

/* Whether this is a child forked from the process that attached t: it
 * has a copy of the handle but not the sender thread (nor any lock the
 * thread held at the fork), and its queue lock is the parent's own open
 * file description, which flock does not exclude. */
static int forked(const ol_transport *t)
{
	return getpid() != t->pid;
}

static void on_change(mlmd_store *store, const mlmd_store_change *change, void *user)
{
	ol_transport *t = user;
	if (forked(t))
		return; /* the child's writes are not posted (docs/interoperability.md) */
	mlmd_openlineage_options o = MLMD_OPENLINEAGE_OPTIONS_INIT;
	o.ns = t->ns;
	for (size_t i = 0; i < change->n_execution_ids; i++) {
		int rc = mlmd_openlineage_execution_events(store, &o, change->execution_ids[i], queue_event, t);
		if (rc && rc != -MLMD_NOT_FOUND) { /* a deleted execution has no events */
			pthread_mutex_lock(&t->mu);
			t->dropped++;
			pthread_mutex_unlock(&t->mu);
		}
	}
}

/* ---- lifetime -------------------------------------------------------------------------------- */

static int64_t queued_now(ol_transport *t, int64_t *bytes)
{
	ol_entry *v = NULL;
	size_t n = 0;
	int64_t b = 0;
	if (mlmd__olq_list(&t->q, &v, &n, &b))
		return -1;
	mlmd__olq_entries_free(v, n);
	if (bytes)
		*bytes = b;
	return (int64_t)n;
}

static void transport_free(void *user)
{
	ol_transport *t = user;
	int child = forked(t);
	if (t->started && !child) {
		/* let the sender post what is queued while the endpoint takes
		 * it: wait until the queue is empty, an attempt fails, or no post
		 * ended for OL_FREE_WAIT_MS (the events then wait on disk for the
		 * next handle) */
		struct timespec until = mlmd__deadline_in_ms(CLOCK_MONOTONIC, OL_FREE_WAIT_MS);
		pthread_mutex_lock(&t->mu);
		uint64_t failed = t->attempts_failed_gen, progress = t->progress_gen;
		t->kick = 1;
		pthread_cond_broadcast(&t->cv);
		/* the directory is listed again only when the sender's listing
		 * is done or nothing woke the wait: not once per post */
		for (int must_list = 1;;) {
			if (must_list) {
				pthread_mutex_unlock(&t->mu);
				int64_t left = queued_now(t, NULL);
				pthread_mutex_lock(&t->mu);
				if (left <= 0)
					break;
			}
			if (t->attempts_failed_gen != failed)
				break;
			if (t->progress_gen != progress) {
				progress = t->progress_gen;
				until = mlmd__deadline_in_ms(CLOCK_MONOTONIC, OL_FREE_WAIT_MS);
			}
			int timed_out = pthread_cond_timedwait(&t->cv, &t->mu, &until) == ETIMEDOUT;
			if (timed_out && t->progress_gen == progress)
				break;
			must_list = timed_out || t->batch_left == 0;
		}
		t->stop = 1;
		pthread_cond_broadcast(&t->cv);
		pthread_mutex_unlock(&t->mu);
		pthread_join(t->thread, NULL);
	}
	mlmd__olq_close(&t->q);
	seen_free(t->seen);
	if (!child) { /* in a forked child the sender may have held them: left alone */
		pthread_cond_destroy(&t->cv);
		pthread_mutex_destroy(&t->mu);
	}
	free(t->url);
	free(t->auth);
	free(t->ns);
	free(t);
}

/* The default queue: $XDG_STATE_HOME/mlmd/openlineage/<endpoint hash>, or
 * under ~/.local/state. One directory per endpoint, so events queued for
 * one are never posted to another. */
static int default_queue_dir(const char *url, char **out)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char buf[4096];
	if (state && state[0] == '/')
		mlmd__snprintf(buf, sizeof buf, "%s/mlmd/openlineage/%016llx", state, (unsigned long long)hash_str(url));
	else if (home && home[0] == '/')
		mlmd__snprintf(buf, sizeof buf, "%s/.local/state/mlmd/openlineage/%016llx", home,
			       (unsigned long long)hash_str(url));
	else
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "OpenLineage transport: no queue directory: set queue_dir "
				  "(MLMD_OPENLINEAGE_QUEUE_DIR), XDG_STATE_HOME or HOME");
	return (*out = mlmd__strdup(buf)) ? 0 : MLMD_OOM();
}

int mlmd_openlineage_attach(mlmd_store *store, const mlmd_openlineage_transport_options *o)
{
	if (!store)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_openlineage_attach: store is NULL");
	if (!o)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_openlineage_attach: options are required (url)");
	if (o->version != MLMD_OPENLINEAGE_TRANSPORT_OPTIONS_VERSION)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_openlineage_attach: options version %u is not supported "
				  "(expected %d); initialise with MLMD_OPENLINEAGE_TRANSPORT_OPTIONS_INIT", o->version,
				  MLMD_OPENLINEAGE_TRANSPORT_OPTIONS_VERSION);
	if (!o->url || !o->url[0])
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_openlineage_attach: url is required");
	if (o->queue_max_bytes < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_openlineage_attach: queue_max_bytes %lld is negative",
				  (long long)o->queue_max_bytes);
	if (o->timeout_ms < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_openlineage_attach: timeout_ms %d is negative", o->timeout_ms);
	if (mlmd_store_listener_data(store, on_change))
		return mlmd__fail(MLMD_ALREADY_EXISTS, "mlmd_openlineage_attach: the handle has an OpenLineage transport "
				  "already");
	const char *key = o->api_key ? o->api_key : getenv("OPENLINEAGE_API_KEY");
	if (key && strpbrk(key, "\r\n"))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_openlineage_attach: the API key holds a line break");

	ol_transport *t = calloc(1, sizeof *t);
	if (!t)
		return MLMD_OOM();
	pthread_mutex_init(&t->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	t->pid = getpid();
	t->timeout_ms = o->timeout_ms ? o->timeout_ms : OL_DEFAULT_TIMEOUT_MS;
	char *dir = NULL;
	int rc = mlmd__ol_url_normalize(o->url, &t->url);
	if (!rc && o->ns && !(t->ns = mlmd__strdup(o->ns)))
		rc = MLMD_OOM();
	if (!rc && key && key[0]) {
		size_t n = strlen(key) + 32;
		if (!(t->auth = malloc(n)))
			rc = MLMD_OOM();
		else
			mlmd__snprintf(t->auth, n, "Authorization: Bearer %s", key);
	}
	if (!rc && !(t->seen = calloc(1, sizeof *t->seen)))
		rc = MLMD_OOM();
	if (!rc && !o->queue_dir)
		rc = default_queue_dir(t->url, &dir);
	if (!rc)
		rc = mlmd__olq_open(&t->q, o->queue_dir ? o->queue_dir : dir,
				   o->queue_max_bytes ? o->queue_max_bytes : OL_DEFAULT_QUEUE_MAX);
	free(dir);
	if (!rc && pthread_create(&t->thread, NULL, mlmd__ol_sender_main, t))
		rc = mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "mlmd_openlineage_attach: cannot start the sender thread");
	t->started = !rc;
	if (!rc)
		rc = mlmd_store_listen(store, on_change, t, transport_free, NULL);
	if (rc) {
		int keep = rc;
		transport_free(t);
		return mlmd__context(keep, "mlmd_openlineage_attach");
	}
	return 0;
}

int mlmd_openlineage_transport_stats_get(mlmd_store *store, mlmd_openlineage_transport_stats *out)
{
	if (!store || !out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_openlineage_transport_stats_get: store and out are required");
	ol_transport *t = mlmd_store_listener_data(store, on_change);
	if (!t)
		return mlmd__fail(MLMD_NOT_FOUND, "mlmd_openlineage_transport_stats_get: the handle has no OpenLineage "
				  "transport");
	if (forked(t))
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "mlmd_openlineage_transport_stats_get: the handle was inherited "
				  "across fork(): its transport runs in the parent only");
	memset(out, 0, sizeof *out);
	int64_t bytes = 0, n = queued_now(t, &bytes);
	if (n < 0)
		return mlmd__context(-MLMD_UNAVAILABLE, "mlmd_openlineage_transport_stats_get");
	pthread_mutex_lock(&t->mu);
	out->posted = t->posted;
	out->dropped = t->dropped;
	out->failures = t->failures;
	out->rejected = t->rejected;
	pthread_mutex_unlock(&t->mu);
	out->queued = n;
	out->queued_bytes = bytes;
	return 0;
}

int mlmd_openlineage_flush(mlmd_store *store, int timeout_ms)
{
	if (!store)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_openlineage_flush: store is NULL");
	if (timeout_ms < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_openlineage_flush: timeout_ms %d is negative", timeout_ms);
	ol_transport *t = mlmd_store_listener_data(store, on_change);
	if (!t)
		return mlmd__fail(MLMD_NOT_FOUND, "mlmd_openlineage_flush: the handle has no OpenLineage transport");
	if (forked(t))
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "mlmd_openlineage_flush: the handle was inherited across fork(): "
				  "its transport runs in the parent only");
	uint64_t end = mlmd__mono_ns() + (uint64_t)timeout_ms * 1000000u;
	pthread_mutex_lock(&t->mu);
	t->kick = 1; /* try at once, even while backing off */
	pthread_cond_broadcast(&t->cv);
	for (int must_list = 1;;) {
		int64_t left = -1;
		uint64_t now = mlmd__mono_ns();
		if (must_list || now >= end) { /* not once per post: when the sender's listing is done */
			pthread_mutex_unlock(&t->mu);
			left = queued_now(t, NULL);
			pthread_mutex_lock(&t->mu);
			if (left == 0)
				break;
		}
		if (now >= end) {
			pthread_mutex_unlock(&t->mu);
			return mlmd__fail(MLMD_DEADLINE_EXCEEDED, "mlmd_openlineage_flush: %lld events still queued in '%s' "
					  "after %d ms", (long long)left, t->q.dir, timeout_ms);
		}
		/* woken by the sender's progress; at most OL_IDLE_POLL_MS, for
		 * what other handles post */
		uint64_t wait_ns = end - now;
		int ms = wait_ns / 1000000u > OL_IDLE_POLL_MS ? OL_IDLE_POLL_MS : (int)(wait_ns / 1000000u) + 1;
		struct timespec until = mlmd__deadline_in_ms(CLOCK_MONOTONIC, ms);
		int timed_out = pthread_cond_timedwait(&t->cv, &t->mu, &until) == ETIMEDOUT;
		must_list = timed_out || t->batch_left == 0;
	}
	pthread_mutex_unlock(&t->mu);
	return 0;
}
