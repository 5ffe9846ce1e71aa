/*
 * openlineage/transport.h - what the HTTP transport's files share: the
 * on-disk queue (transport_queue.c), the sender thread and its HTTP posts
 * (transport_http.c), and the listener and public calls (transport.c).
 *
 * The queue is a directory of event files, one event each, named
 * "ev-<ns since the epoch, 20 digits>-<pid>-<handle tag>-<seq>.json" so
 * that the names sort in the order the events were queued: names are
 * chosen under the queue lock, and the time part is past every name queued
 * before, whatever the clock says (the newest name this handle knows of,
 * and the newest any handle chose, which .queue.lock holds as 20 digits at
 * its start). A file appears whole: it is written
 * under a temporary name (".tmp-..."), fdatasync'd, then renamed. Two
 * lock files serialise what must not run twice at once: ".queue.lock"
 * (held briefly: a file's naming and the bound's drops) and ".send.lock"
 * (held by the one sender, of any handle or process, posting the queue).
 */
#ifndef MLMD_OPENLINEAGE_TRANSPORT_H
#define MLMD_OPENLINEAGE_TRANSPORT_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include <mlmd.h>
#include "util/base.h"

#define OL_DEFAULT_QUEUE_MAX (64 * 1024 * 1024)
#define OL_DEFAULT_TIMEOUT_MS 5000
#define OL_BACKOFF_FIRST_MS 250
#define OL_BACKOFF_MAX_MS 30000
#define OL_FREE_WAIT_MS 2000     /* mlmd_store_free stops waiting for the queue to drain after this long without a post */
#define OL_IDLE_POLL_MS 1000     /* an idle sender looks for files other handles left this often */
#define OL_RELIST_PUTS 256       /* a put lists the queue directory again after this many */
#define OL_MAX_EVENT_BYTES (16 * 1024 * 1024) /* a queue file larger than this is not posted */

/* ---- the queue (transport_queue.c) ---------------------------------------------------------- */

typedef struct ol_queue {
	char *dir;
	int64_t max_bytes;
	int lock_fd;                 /* .queue.lock */
	int send_fd;                 /* .send.lock */
	int sending;                 /* this handle holds .send.lock */
	unsigned tag;                /* tells this handle's files from others of the same process */
	uint64_t seq;
	int64_t last_ns;             /* the time part of the last name this handle chose */
	/* The queue's files as this handle last listed them, plus those it
	 * queued since, oldest first from `head` (the bound drops from there),
	 * so a put lists the directory only every OL_RELIST_PUTS events. Used
	 * by mlmd__olq_put only (the committing thread). */
	struct ol_entry *known;
	size_t n_known, head;
	int64_t known_bytes;
	int listed;
	unsigned puts_since_list;
} ol_queue;

/* One queued file: its name and size. */
typedef struct ol_entry {
	char *name;
	int64_t bytes;
} ol_entry;

/* Opens (creating it, mode 0700, and missing parents) the queue directory
 * and its lock files. INVALID_ARGUMENT naming the directory when it cannot. */
int mlmd__olq_open(ol_queue *q, const char *dir, int64_t max_bytes);
void mlmd__olq_close(ol_queue *q);
/* Queues one event. When the queue would grow past its bound, the oldest
 * events are deleted first; *dropped counts them (and the event itself when
 * it alone is over the bound). */
int mlmd__olq_put(ol_queue *q, const char *event, size_t len, int64_t *dropped);
/* The queued events, oldest first (a new array of new names: free with
 * mlmd__olq_entries_free), and their total size. */
int mlmd__olq_list(ol_queue *q, ol_entry **out, size_t *n, int64_t *bytes);
void mlmd__olq_entries_free(ol_entry *e, size_t n);
/* Reads queued file `name` (a new NUL-terminated buffer); 1 when it is
 * gone (posted or dropped by another handle), 0 when read. */
int mlmd__olq_read(ol_queue *q, const char *name, char **out, size_t *len);
/* Removes a posted or rejected file (one already gone is fine). */
void mlmd__olq_remove(ol_queue *q, const char *name);
/* Takes the sender lock without waiting: 1 taken (or held already), 0 held
 * by another sender. Release with mlmd__olq_send_release. */
int mlmd__olq_send_try(ol_queue *q);
void mlmd__olq_send_release(ol_queue *q);

/* ---- the transport ------------------------------------------------------------------------- */

typedef struct ol_seen ol_seen; /* (run id, event type) pairs this handle queued */

typedef struct ol_transport {
	char *url;                   /* the endpoint, path completed */
	char *auth;                  /* "Authorization: Bearer KEY", or NULL */
	char *ns;                    /* the job namespace, or NULL for the default */
	int timeout_ms;
	ol_queue q;
	ol_seen *seen;               /* used on the committing thread only */

	pthread_t thread;
	int started;
	pid_t pid;                   /* the process that attached it: a forked child has no sender */
	pthread_mutex_t mu;          /* guards everything below */
	pthread_cond_t cv;           /* wakes the sender (new events, flush, stop) and the waiters;
				      * on CLOCK_MONOTONIC */
	int stop;
	int kick;                    /* retry now, even while backing off (a flush) */
	int wake;                    /* new events (waits out a backoff) */
	int64_t posted, failures, rejected, dropped;
	uint64_t attempts_failed_gen; /* bumped at each failed attempt: the free's wait stops at one */
	uint64_t progress_gen;       /* bumped whenever a queued file went away or an attempt ended */
	int64_t batch_left;          /* files of the sender's latest listing not tried yet: the
				      * waiters list the directory again when it is 0 */
} ol_transport;

/* transport_http.c */
/* The endpoint `url` checked (http or https, a host) and completed (no path:
 * /api/v1/lineage); a new string in *out. INVALID_ARGUMENT naming it. */
int mlmd__ol_url_normalize(const char *url, char **out);
/* The sender thread's body (arg: the transport). */
void *mlmd__ol_sender_main(void *arg);

#endif
