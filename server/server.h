/*
 * server/server.h - `mlmd serve`: the store's RPCs over gRPC (docs/server.md).
 *
 * The server is a client of the public API, like cli/: it links libmlmd and
 * gRPC's C core (Debian's libgrpc-dev) and is compiled into the `mlmd`
 * program and into the tests that run it in process; libmlmd itself never
 * needs gRPC. It serves, unary only:
 *  - every RPC mlmd_store_call() knows, at "/SERVICE/METHOD" where SERVICE is
 *    the full proto name mlmd_rpc_lookup() gives (MLMD's own paths, such as
 *    "/ml_metadata.MetadataStoreService/PutArtifacts", and ours, such as
 *    "/mlmd.governance.RegistryService/SetAliases");
 *  - "/grpc.health.v1.Health/Check" (gRPC's health protocol).
 * A path whose method is known under another service, and every other path,
 * is UNIMPLEMENTED. Status codes and messages are the store's, carried as the
 * gRPC status and its message.
 *
 * Threads: `threads` workers, each with its own store handle opened at start
 * (one call at a time each; a memory store is one handle the workers share
 * under a lock, since each handle would be its own database), and one intake
 * thread that takes calls from gRPC, receives their requests and sees their
 * answers sent, so a worker never waits on a client. Everything a thread
 * needs is in the server's struct: no global mutable state besides gRPC's
 * own (grpc_init/grpc_shutdown, counted by gRPC).
 */
#ifndef MLMD_SERVER_H
#define MLMD_SERVER_H

#include <stddef.h>
#include <stdio.h>

typedef struct srv srv;

/* The server's settings; start from SRV_CONFIG_INIT. Strings are borrowed
 * for srv_start() only (it copies what it keeps). */
typedef struct srv_config {
	const char *store_uri;     /* required: "sqlite:PATH", "sqlite::memory:", "postgresql://..." */
	int upgrade;               /* migrate an older schema at start (mlmd_store_options.upgrade) */
	const char *actor;         /* the writes' actor (NULL: MLMD_ACTOR, else the OS user); under
				    * mutual TLS a call's actor is its client certificate's common name */
	const char *host;          /* address to bind; NULL: "127.0.0.1" */
	int port;                  /* 0: a free port the system picks (srv_port() says which) */
	int threads;               /* workers; 0: the online CPUs, at least 2 */
	/* TLS: cert and key (PEM files) together turn it on; client_ca (PEM)
	 * then asks for and verifies a client certificate (mutual TLS). */
	const char *tls_cert_file;
	const char *tls_key_file;
	const char *tls_client_ca_file;
	size_t max_message_bytes;  /* largest request or response; 0: 4 MiB (gRPC's default) */
	int grace_ms;              /* srv_stop(): how long in-flight calls may run; 0: 10000;
				    * negative: none (they are cancelled at once) */
	int verbosity;             /* 0: errors only; 1: one access-log line per call;
				    * 2: also a line when a call starts */
	FILE *log;                 /* where log lines go; NULL: stderr */
} srv_config;

#define SRV_CONFIG_INIT { NULL, 0, NULL, NULL, 0, 0, NULL, NULL, NULL, 0, 0, 0, NULL }

/* Opens every worker's store handle, binds host:port and starts serving.
 * On success *out is the running server (stop it with srv_stop, then
 * srv_free). On failure returns the negative status (INVALID_ARGUMENT for
 * settings, UNAVAILABLE when the address cannot be bound, the store's own
 * code when a handle cannot be opened, ...) and writes a message naming
 * what is wrong into err (errlen bytes, always terminated); nothing is left
 * running. */
int srv_start(const srv_config *cfg, srv **out, char *err, size_t errlen);

/* The bound port (the one the system picked when the config said 0). */
int srv_port(const srv *s);

/* Stops the server: it accepts no new connection or call (health answers
 * NOT_SERVING to a health call it already has), refuses (CANCELLED) the
 * calls that were waiting for a free worker, as gRPC refuses those it still
 * holds, and lets the calls in flight finish for up to grace_ms. Then calls not yet started are refused
 * (CANCELLED, nothing applied); calls the store is running are waited for and
 * answered with their real status (a store call cannot be stopped halfway,
 * and its client should learn whether it was applied), so stopping can take
 * longer than grace_ms by the time those calls take; the rest (calls still
 * waiting for request bytes or for their client to take the answer, idle
 * connections) are cancelled. Then it joins the threads and closes the
 * store handles. Safe to call more than once; returns the number of calls
 * that ended CANCELLED after the grace period (not counting those refused
 * because they waited for a worker). */
int srv_stop(srv *s);

/* The first step of srv_stop(), for a caller that wants to say when it is
 * done: once it returns, the listening socket is closed (a new connection is
 * refused), calls on open connections are refused, and health answers
 * NOT_SERVING; calls in flight go on. srv_stop() calls it when it has not
 * been called. Safe to call more than once. */
void srv_stop_accepting(srv *s);

/* Frees a stopped (or never started) server. NULL is a no-op. */
void srv_free(srv *s);

/* Calls served so far, per final status code (0..16), for tests and the
 * benchmark; n has 17 slots. */
void srv_counts(const srv *s, unsigned long long n[17]);

/* Calls ended CANCELLED so far because their client did not send its
 * request or read its answer within SRV_IO_LIMIT_MS (60 s); a call whose
 * answer went out before the limit was acted on counts as answered. */
unsigned long long srv_too_slow(const srv *s);

/* Writes uri into buf (size bytes, always terminated, cut when longer) with
 * its password, if any, replaced by "***": the user information's password
 * (scheme://USER:PASSWORD@HOST...) and password=VALUE query parameters.
 * Everything the server prints names its store this way. */
void srv_redact_uri(const char *uri, char *buf, size_t size);

#endif
