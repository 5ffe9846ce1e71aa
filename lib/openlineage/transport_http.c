/*
 * openlineage/transport_http.c - the sender thread: posts the queue's
 * events in order with libcurl, retrying with capped exponential backoff.
 *
 * An answer 2xx removes the event (posted); 429, 5xx or no answer at all
 * (refused, reset, timed out) is a failure: the same event is tried again
 * after the backoff (250 ms, doubling, at most 30 s), so order is kept; any
 * other answer (400, 404, 413, a 3xx redirect, which is not followed)
 * rejects the event for good: it is removed and counted. A queue file that
 * is not one JSON object (cut short or junk) is rejected so too, unposted. Only one sender posts a queue at a time (its .send.lock), so
 * an event is posted once unless an answer is lost after the endpoint took
 * it (then it is posted again: at least once).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include "openlineage/transport.h"

int mlmd__ol_url_normalize(const char *url, char **out)
{
	*out = NULL;
	CURLU *h = curl_url();
	if (!h)
		return MLMD_OOM();
	char *scheme = NULL, *host = NULL, *path = NULL, *full = NULL;
	int rc = 0;
	CURLUcode uc = curl_url_set(h, CURLUPART_URL, url, 0);
	if (uc)
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "OpenLineage URL '%s' is not a URL: %s", url, curl_url_strerror(uc));
	else if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) ||
		 (strcmp(scheme, "http") && strcmp(scheme, "https")))
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "OpenLineage URL '%s': the scheme must be http or https", url);
	else if (curl_url_get(h, CURLUPART_HOST, &host, 0) || !host[0])
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "OpenLineage URL '%s' names no host", url);
	else if (curl_url_get(h, CURLUPART_PATH, &path, 0) == CURLUE_OK && (!strcmp(path, "/") || !path[0]) &&
		 curl_url_set(h, CURLUPART_PATH, "/api/v1/lineage", 0))
		rc = MLMD_OOM();
	else if (curl_url_get(h, CURLUPART_URL, &full, 0))
		rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "OpenLineage URL '%s' cannot be completed", url);
	else if (!(*out = mlmd__strdup(full)))
		rc = MLMD_OOM();
	curl_free(scheme);
	curl_free(host);
	curl_free(path);
	curl_free(full);
	curl_url_cleanup(h);
	return rc;
}

/* ---- one post -------------------------------------------------------------------------------- */

enum { POST_OK, POST_RETRY, POST_REJECTED, POST_STOPPED };

static size_t discard(char *p, size_t size, size_t n, void *user)
{
	(void)p;
	(void)user;
	return size * n;
}

/* Called by libcurl during a transfer (about once a second while waiting):
 * a nonzero answer aborts it, so stopping the handle never waits for a
 * slow endpoint. */
static int on_progress(void *user, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	ol_transport *t = user;
	(void)a, (void)b, (void)c, (void)d;
	pthread_mutex_lock(&t->mu);
	int stop = t->stop;
	pthread_mutex_unlock(&t->mu);
	return stop;
}

static int post(ol_transport *t, CURL *curl, struct curl_slist *headers, const char *body, size_t len)
{
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, t->url);
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)t->timeout_ms);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, t);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	/* an endpoint behind a redirect (http to https, a moved path) still
	 * gets the events: at most 5 hops, still a POST after 301/302/303,
	 * only to http(s); the bearer key is not sent to another host */
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(curl, CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	CURLcode cc = curl_easy_perform(curl);
	if (cc == CURLE_ABORTED_BY_CALLBACK)
		return POST_STOPPED;
	if (cc != CURLE_OK)
		return POST_RETRY;
	long status = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 300)
		return POST_OK;
	if (status == 429 || status >= 500)
		return POST_RETRY;
	return POST_REJECTED;
}

/* ---- the thread ------------------------------------------------------------------------------ */

/* Waits on the transport's condition for at most ms, or until stop, kick
 * or (with `wake`) new events (t->mu held). */
static void wait_ms(ol_transport *t, int ms, int wake)
{
	/* the condition's clock (transport.c) */
	struct timespec ts = mlmd__deadline_in_ms(CLOCK_MONOTONIC, ms);
	while (!t->stop && !t->kick && !(wake && t->wake))
		if (pthread_cond_timedwait(&t->cv, &t->mu, &ts) == ETIMEDOUT)
			break;
}

/* Whether body[0..len) is one JSON object, as every event the transport
 * queues is: a file cut short or filled with junk (a crash, a disk that
 * filled up, someone else's file) is never posted, since an endpoint that
 * answered it 5xx would hold the queue behind it for good. */
static int is_event(const char *body, size_t len)
{
	mlmd_json_reader *r = NULL;
	size_t i = 0;
	while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t'))
		i++;
	if (i == len || body[i] != '{' || mlmd_json_reader_new(&r, body, len, MLMD_JSON_MAX_DEPTH))
		return 0;
	int ok = !mlmd_json_skip(r) && mlmd_json_next(r, NULL, NULL) == MLMD_JSON_END;
	mlmd_json_reader_free(r);
	return ok;
}

/* Posts the queue's files in order until they are gone, one fails (then
 * *backoff_ms is waited by the caller) or the thread is stopped. */
static void post_batch(ol_transport *t, CURL *curl, struct curl_slist *headers, int *failed)
{
	ol_entry *v = NULL;
	size_t n = 0;
	int64_t bytes = 0;
	*failed = 0;
	if (mlmd__olq_list(&t->q, &v, &n, &bytes))
		return;
	for (size_t i = 0; i < n; i++) {
		char *body = NULL;
		size_t len = 0;
		int r = mlmd__olq_read(&t->q, v[i].name, &body, &len);
		if (r == 1)
			continue; /* dropped by the bound meanwhile */
		int res = r || !is_event(body, len) ? POST_REJECTED : post(t, curl, headers, body, len);
		free(body);
		/* removed and counted under the lock: a flush that finds the
		 * queue empty then reads the counts that say what became of it */
		pthread_mutex_lock(&t->mu);
		t->batch_left = (int64_t)(n - i - 1);
		if (res == POST_OK || res == POST_REJECTED)
			mlmd__olq_remove(&t->q, v[i].name);
		if (res == POST_OK)
			t->posted++;
		else if (res == POST_REJECTED)
			t->rejected++;
		else if (res == POST_RETRY) {
			t->failures++;
			t->attempts_failed_gen++;
		}
		t->progress_gen++;
		int stop = t->stop;
		pthread_cond_broadcast(&t->cv);
		pthread_mutex_unlock(&t->mu);
		if (res == POST_RETRY)
			*failed = 1;
		if (res == POST_RETRY || res == POST_STOPPED || stop)
			break;
	}
	mlmd__olq_entries_free(v, n);
}

void *mlmd__ol_sender_main(void *arg)
{
	ol_transport *t = arg;
	CURL *curl = curl_easy_init();
	/* no "Expect: 100-continue": libcurl would wait for an answer before
	 * sending a larger body, which OpenLineage endpoints do not give */
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (headers) {
		struct curl_slist *h2 = curl_slist_append(headers, "Expect:");
		if (h2)
			headers = h2;
	}
	if (headers && t->auth) {
		struct curl_slist *h2 = curl_slist_append(headers, t->auth);
		if (h2)
			headers = h2;
	}
	int backoff = 0;
	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		if (!curl || !headers) { /* no memory for libcurl: nothing can be posted; the events wait */
			wait_ms(t, OL_IDLE_POLL_MS, 1);
			t->kick = t->wake = 0;
			continue;
		}
		t->kick = t->wake = 0;
		pthread_mutex_unlock(&t->mu);
		int failed = 0, sender = mlmd__olq_send_try(&t->q);
		if (sender)
			post_batch(t, curl, headers, &failed);
		pthread_mutex_lock(&t->mu);
		if (failed) {
			backoff = backoff ? backoff * 2 : OL_BACKOFF_FIRST_MS;
			if (backoff > OL_BACKOFF_MAX_MS)
				backoff = OL_BACKOFF_MAX_MS;
			wait_ms(t, backoff, 0); /* a flush (kick) tries again at once, new events do not */
			continue;
		}
		backoff = 0;
		if (sender) {
			/* the queue was empty when listed: let another handle's sender in */
			pthread_mutex_unlock(&t->mu);
			mlmd__olq_send_release(&t->q);
			pthread_mutex_lock(&t->mu);
		}
		if (!t->kick && !t->wake)
			wait_ms(t, OL_IDLE_POLL_MS, 1);
	}
	pthread_mutex_unlock(&t->mu);
	mlmd__olq_send_release(&t->q);
	curl_slist_free_all(headers);
	if (curl)
		curl_easy_cleanup(curl);
	return NULL;
}
