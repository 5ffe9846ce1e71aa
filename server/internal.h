/*
 * server/internal.h - what the server's files share (not part of server.h).
 *
 * server.c   the lifecycle: settings checked, store handles opened, gRPC
 *            started, workers run, the drain at stop
 * intake.c   the intake thread: takes calls from gRPC, receives their
 *            requests, queues them for the workers, cancels a client that is
 *            too slow, and ends every call (count, access log)
 * worker.c   a worker's loop: one received call at a time, through the
 *            store, to its answer started
 * route.c    a call's path to the store (or to health), with the store's
 *            locks, actor and deadline around it
 * health.c   grpc.health.v1.Health/Check: its request decoded, its answer
 * tls.c      server credentials from PEM files, checked before gRPC sees them
 * log.c      the access log and the time stamps it needs
 */
#ifndef MLMD_SERVER_INTERNAL_H
#define MLMD_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <grpc/grpc.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>
#include <mlmd.h>
#include "server.h"

typedef struct srv_worker srv_worker;

/* One worker thread: its store handle and the actor
 * its handle's writes go back to after a call under mutual TLS. */
struct srv_worker {
	srv *s;
	int index;
	mlmd_store *store;          /* owned, or the shared memory store (borrowed) */
	char *default_actor;        /* the handle's actor at open (malloc'd) */
	pthread_t thread;
	int running;                /* the thread was created (join it) */
};

typedef struct srv_rec srv_rec;

struct srv {
	grpc_server *server;
	grpc_completion_queue *shutdown_cq; /* receives the shutdown notification */
	grpc_completion_queue *cq;  /* every call and batch; only the intake thread waits on it */
	srv_worker *workers;
	int nworkers;
	pthread_t intake;
	int intake_running;         /* the intake thread was created (join it) */
	atomic_int live;            /* calls taken from gRPC and not yet ended */

	/* The ready queue: calls whose request is in, oldest first, for the
	 * workers; and the worker slots. A call taken while a slot is free
	 * claims it (gRPC would have handed it to an idle worker): it runs even
	 * when the drain begins before its request is in; an unclaimed call is
	 * refused then, as gRPC refuses the calls waiting for a worker. */
	pthread_mutex_t queue_lock;
	pthread_cond_t queue_ready;
	srv_rec *queue_head, *queue_tail;
	int queue_closed;           /* the intake is done: workers return once it is empty */
	int free_slots;             /* workers neither serving nor claimed; may go below 0 */

	/* Calls waiting on their client (for their request, or for it to take
	 * the answer), in the order their SRV_IO_LIMIT_MS ends. */
	pthread_mutex_t wait_lock;
	srv_rec *wait_head, *wait_tail;
	int port;                   /* the bound one */
	int grpc_inited;            /* grpc_init() was called (grpc_shutdown_blocking() at free) */
	int started;                /* grpc_server_start() ran */
	int accepting_stopped;      /* srv_stop_accepting() ran */
	int stopped;                /* srv_stop() ran */

	/* settings, copied from the config */
	size_t max_message_bytes;
	int grace_ms;               /* < 0: cancel at once */
	int verbosity;
	FILE *log;
	int mtls;                   /* a client certificate is required: actor per call */

	/* the stores */
	mlmd_store *shared;         /* sqlite::memory: one handle for every worker, */
	pthread_mutex_t shared_lock;/* used under this lock */
	int serialize_writes;       /* a SQLite file: writing calls take write_lock */
	pthread_mutex_t write_lock;
	int locks_made;             /* the mutexes and conditions were initialised */

	/* The drain's gate: a call enters it before the store runs it and
	 * leaves once its answer is sent. When the grace period ends, srv_stop()
	 * closes the gate (calls not yet started are refused), waits until no
	 * call is inside, and only then cancels what is left, so a call the
	 * store ran is always answered. */
	pthread_mutex_t gate;
	pthread_cond_t gate_empty;
	int gate_closed;
	int inside;                 /* calls between the gate and their answer's start */
	int sending;                /* answers started by calls that were inside, not yet completed */
	pthread_cond_t workers_done;/* signalled when the last worker returns (gate mutex) */
	int workers_left;           /* workers still running their loop */
	atomic_int past_grace;      /* the gate closed: calls ending CANCELLED now count in */
	atomic_int cancelled;       /* calls that ended CANCELLED after the gate closed */

	atomic_int draining;        /* srv_stop() began: health says NOT_SERVING */
	atomic_ullong counts[17];   /* calls ended, per status code */
	atomic_ullong too_slow;     /* calls cancelled at SRV_IO_LIMIT_MS */
};

/* The worker's loop (pthread start routine): takes a received call from the
 * ready queue, serves it, until the queue is closed and empty. */
void *srv_worker_main(void *arg);

/* The intake thread (pthread start routine, arg the srv): keeps calls
 * requested from gRPC, receives each call's request without a worker,
 * queues it, cancels calls whose client is too slow, ends every call; it
 * returns once the shutdown has failed its requests and no call is left,
 * closing the ready queue. */
void *srv_intake_main(void *arg);

/* One call's request, decoded from gRPC, and what the route answers. */
typedef struct srv_call {
	const char *path;           /* "/SERVICE/METHOD" (NUL-terminated copy) */
	const char *actor;          /* the client certificate's common name under mutual TLS, else NULL */
	int64_t deadline_ms;        /* ms left of the client's deadline; -1: none */
	const void *req;
	size_t req_len;
	/* the answer */
	int status;                 /* positive canonical code */
	char message[512];          /* the status message when status != 0 */
	void *resp;                 /* response bytes */
	size_t resp_len;
	void (*resp_free)(void *);  /* frees resp; NULL: resp is `small` */
	unsigned char small[8];     /* a response small enough to keep here */
} srv_call;

/* Where a call is (srv_rec.stage). */
enum { SRV_REQUESTED, SRV_RECEIVING, SRV_READY, SRV_ANSWERING };
/* What a completion's tag points to: a srv_rec's first member, or its close_kind. */
enum { SRV_TAG_CALL = 1, SRV_TAG_CLOSE };

/* One call from gRPC's request to its end: made by the intake thread, handed
 * to a worker through the ready queue, back to the intake thread through
 * its answer's completion; freed by srv_call_end(). */
struct srv_rec {
	int kind;                   /* SRV_TAG_CALL: r itself is the tag of its other batches */
	srv *s;
	int stage;
	grpc_call *call;
	grpc_call_details details;
	grpc_metadata_array md;
	char path[1024];            /* the method, NUL-terminated */
	char *peer;                 /* gpr_malloc'd, when logging */
	int64_t t0;                 /* when it was taken, then when a worker took it (us) */
	int claimed;                /* holds a worker slot (struct srv) */
	int refused_queued;         /* refused by the drain before a worker took it */
	int entered;                /* inside the drain's gate */
	int sending_counted;        /* counted in srv.sending */
	int timed_out;              /* cancelled at SRV_IO_LIMIT_MS */
	grpc_byte_buffer *recv;     /* the request message as received */
	grpc_slice held;            /* its bytes, c.req points into them */
	grpc_byte_buffer *send;     /* the response being sent */
	grpc_slice status_details;
	int client_cancelled;       /* RECV_CLOSE_ON_SERVER's answer */
	int close_kind;             /* SRV_TAG_CLOSE: its address is the tag of the
				     * RECV_CLOSE_ON_SERVER batch started when the request is in */
	int close_started;          /* that batch was started (the answer has none) */
	int answer_done, answer_ok; /* the answer batch completed; it succeeded */
	int close_done;             /* the close batch completed */
	atomic_int gone;            /* the close came before the answer was sent: the client
				     * cancelled (or its deadline passed, or its connection went) */
	char *cn;                   /* the client certificate's common name */
	srv_call c;
	int listed;                 /* in the wait list */
	int64_t limit_us;           /* when its client's time is up */
	srv_rec *prev, *next;       /* the wait list */
	srv_rec *queued;            /* the ready queue */
};

/* Sends r's answer (c's status, the response when OK) without waiting: the
 * intake thread ends the call when it is sent or fails. Any thread. */
void srv_answer_start(srv_rec *r);

/* Milliseconds left until a call's deadline (rounded up), -1 when it has
 * none, 0 when it has passed. */
int64_t srv_deadline_left_ms(gpr_timespec deadline);

/* Ends r: leaves the gate, counts and logs its final status, frees it.
 * sent: the answer reached the client. Any thread. */
void srv_call_end(srv_rec *r, int sent);

/* A worker's last act: the drain counts the workers still running. */
void srv_worker_exit(srv *s);

/* Lets a call through the drain's gate (1), or 0 when it is closed. */
int srv_gate_enter(srv *s);
/* A call leaves the gate: for good (answering 0), or with its answer
 * started (answering 1: counted in `sending` until srv_gate_sent(), which
 * the drain waits for SRV_SENDING_GRACE_MS at most). */
void srv_gate_leave(srv *s, int answering);
void srv_gate_sent(srv *s);

/* Routes c->path to the store's RPC or to health on the worker's handle and
 * fills c's answer: the store's status and message, UNIMPLEMENTED for a path
 * not served. Never fails otherwise. */
void srv_route(srv_worker *w, srv_call *c);

/* Whether `service` is one the server serves ("" too: the server as a whole). */
int srv_serves_service(const char *service, size_t len);

/* grpc.health.v1.Health/Check on the worker's handle (route.c calls it). */
void srv_health_check(srv_worker *w, srv_call *c);

/* Sets c's status and message (printf-style); returns nothing. */
void srv_call_fail(srv_call *c, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* TLS server credentials from the config's PEM files, checked first (read,
 * parsed, the key matching the certificate) so that a bad file is named.
 * NULL cert: insecure credentials. Returns 0 and *out, or the negative status
 * with err filled. */
int srv_tls_credentials(const srv_config *cfg, grpc_server_credentials **out, char *err, size_t errlen);

/* The client certificate's common name of the call (malloc'd), or NULL when
 * there is none. */
char *srv_tls_peer_cn(grpc_call *call);

/* One access-log line: "TIME PEER PATH WHAT[ US]" (us < 0: no duration). */
void srv_log_line(srv *s, const char *peer, const char *path, const char *what, int64_t us);

/* The monotonic clock in microseconds. */
int64_t srv_now_us(void);

#endif
