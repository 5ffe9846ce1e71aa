/*
 * mlmd/openlineage.h - lineage in OpenLineage's shape, out and in.
 *
 * OpenLineage (https://openlineage.io, spec 2-0-2) describes lineage as run
 * events: a job (namespace, name) ran (a run id, a UUID) at a time, read
 * input datasets and wrote output datasets (namespace, name), with facets
 * adding detail. Marquez, DataHub and the Airflow, Spark, Flink and dbt
 * integrations speak it. The mapping between MLMD's graph and these events
 * is docs/interoperability.md; in short:
 *  - an execution is a run: a START event at its creation time and, once it
 *    ended, a COMPLETE (COMPLETE, CACHED), FAIL (FAILED) or ABORT (CANCELED)
 *    event at its last update; its type (and name) is the job;
 *  - an artifact it read (INPUT events) or wrote (OUTPUT events) is an input
 *    or output dataset, named from its URI by OpenLineage's naming rules;
 *  - the execution's context is the parent run.
 *
 * Three uses: export a store (mlmd_openlineage_export, `mlmd export --format
 * openlineage`), import what other systems emitted (mlmd_openlineage_import,
 * `mlmd import --format openlineage`), and post each committed execution's
 * events to an endpoint as they happen (mlmd_openlineage_attach, or the store
 * option openlineage_url / MLMD_OPENLINEAGE_URL).
 */
#ifndef MLMD_OPENLINEAGE_H
#define MLMD_OPENLINEAGE_H

#include "common.h"
#include "store.h"

MLMD_BEGIN_DECLS

/* The namespace used when none is given: jobs, and datasets whose URI names
 * no namespace of their own. */
#define MLMD_OPENLINEAGE_DEFAULT_NAMESPACE "mlmd"

typedef struct mlmd_openlineage_options {
	unsigned version;       /* MLMD_OPENLINEAGE_OPTIONS_VERSION */
	const char *ns;         /* the job namespace (and the datasets' when their URI names none);
				 * NULL: MLMD_OPENLINEAGE_DEFAULT_NAMESPACE */
	int64_t since_ms;       /* export: only executions last updated at or after this time
				 * (ms since the epoch); 0: all */
	int strict;             /* import: a malformed event aborts the whole import and nothing is
				 * written; 0: it is reported and skipped */
	/* import: opts->ns set (not NULL) takes only the run and job events of that job
	 * namespace; the others are counted in the report's `ignored` */
} mlmd_openlineage_options;

#define MLMD_OPENLINEAGE_OPTIONS_VERSION 1
#define MLMD_OPENLINEAGE_OPTIONS_INIT { MLMD_OPENLINEAGE_OPTIONS_VERSION, NULL, 0, 0 }

/* Receives one event: `len` bytes of JSON text (one object, no newline;
 * NUL-terminated too), borrowed for the call. Return 0 to go on; any other
 * value stops the export, which then returns CANCELLED. */
typedef int (*mlmd_openlineage_sink)(const char *event, size_t len, void *user);

/* Writes the store's executions as run events, executions by id, each
 * execution's START before its end event, in one read transaction.
 * `opts` may be NULL for the defaults. *n_events (when not NULL) counts the
 * events given to the sink. */
MLMD_EXTERN(int) mlmd_openlineage_export(mlmd_store *store, const mlmd_openlineage_options *opts,
					 mlmd_openlineage_sink sink, void *user, size_t *n_events);

/* The events of one execution as the export writes them (START, and the end
 * event when it has ended). NOT_FOUND when it does not exist. */
MLMD_EXTERN(int) mlmd_openlineage_execution_events(mlmd_store *store, const mlmd_openlineage_options *opts,
						   int64_t execution_id, mlmd_openlineage_sink sink, void *user);

/* What an import did. */
typedef struct mlmd_openlineage_import_report {
	size_t events;          /* events read (RunEvents, JobEvents and DatasetEvents) */
	size_t skipped;         /* malformed events, each given to the problem callback */
	size_t executions_created, executions_updated;
	size_t artifacts_created;
	size_t events_created;  /* MLMD events (INPUT and OUTPUT edges) added */
	size_t contexts_created;
	size_t artifacts_updated, contexts_updated; /* nodes whose facets, state or times changed */
	size_t ignored;         /* run and job events of another job namespace than opts->ns */
} mlmd_openlineage_import_report;

/* Told about one malformed event: its line (1-based; for a JSON array, the
 * line where the element starts) and what is wrong with it. */
typedef void (*mlmd_openlineage_problem)(size_t line, const char *message, void *user);

/* Imports OpenLineage events from text[0..len): NDJSON (one event per line,
 * blank lines allowed) or one JSON array of events. RunEvents, JobEvents and
 * DatasetEvents are taken, in any order; importing the same events twice
 * changes nothing. The import is one transaction. A malformed event is
 * reported through `problem` (may be NULL) and skipped, or with
 * opts->strict the import stops with INVALID_ARGUMENT naming its line and
 * nothing is written. `report` may be NULL. */
MLMD_EXTERN(int) mlmd_openlineage_import(mlmd_store *store, const mlmd_openlineage_options *opts,
					 const char *text, size_t len, mlmd_openlineage_problem problem,
					 void *user, mlmd_openlineage_import_report *report);

/* ---- emitting as it happens ---------------------------------------------------------------- */

typedef struct mlmd_openlineage_transport_options {
	unsigned version;       /* MLMD_OPENLINEAGE_TRANSPORT_OPTIONS_VERSION */
	const char *url;        /* http(s) endpoint; a URL with no path posts to /api/v1/lineage
				 * (Marquez's); required */
	const char *ns;         /* as mlmd_openlineage_options.ns */
	const char *queue_dir;  /* where events wait until they are posted (created if missing);
				 * NULL: see docs/interoperability.md */
	int64_t queue_max_bytes; /* the queue's bound; when full the oldest events are dropped and
				  * counted; 0: 64 MiB */
	const char *api_key;    /* sent as "Authorization: Bearer KEY"; NULL: the environment's
				 * OPENLINEAGE_API_KEY, if set */
	int timeout_ms;         /* per request; 0: 5000 */
} mlmd_openlineage_transport_options;

#define MLMD_OPENLINEAGE_TRANSPORT_OPTIONS_VERSION 1
#define MLMD_OPENLINEAGE_TRANSPORT_OPTIONS_INIT { MLMD_OPENLINEAGE_TRANSPORT_OPTIONS_VERSION, NULL, NULL, NULL, 0, NULL, 0 }

/* Attaches the HTTP transport to a store handle: a listener
 * (mlmd_store_listen) that, after each committed call that wrote
 * executions or their events, builds those executions' events, puts them in
 * the on-disk queue, and a sender thread of the handle's that posts them in
 * order, retrying with backoff while the endpoint is unreachable or answers
 * 5xx/429. Events left when the handle is freed stay queued and are posted
 * by the next handle attached to the same queue. One transport per handle:
 * a second is ALREADY_EXISTS. A bad URL or an unusable queue directory is
 * INVALID_ARGUMENT naming it. */
MLMD_EXTERN(int) mlmd_openlineage_attach(mlmd_store *store, const mlmd_openlineage_transport_options *opts);

typedef struct mlmd_openlineage_transport_stats {
	int64_t posted;         /* events the endpoint accepted */
	int64_t queued;         /* events waiting now */
	int64_t queued_bytes;
	int64_t dropped;        /* events dropped because the queue was full */
	int64_t failures;       /* failed attempts (each retry counts) */
	int64_t rejected;       /* events the endpoint refused for good (4xx other than 429), dropped */
} mlmd_openlineage_transport_stats;

/* The transport's counters; NOT_FOUND when the handle has none,
 * FAILED_PRECONDITION in a child forked after the attach (the transport
 * runs in the parent only: the child's writes through the handle post
 * nothing). */
MLMD_EXTERN(int) mlmd_openlineage_transport_stats_get(mlmd_store *store, mlmd_openlineage_transport_stats *out);

/* Waits until the queue is empty (0) or timeout_ms passed (DEADLINE_EXCEEDED,
 * the events stay queued). NOT_FOUND when the handle has no transport,
 * FAILED_PRECONDITION in a child forked after the attach. */
MLMD_EXTERN(int) mlmd_openlineage_flush(mlmd_store *store, int timeout_ms);

MLMD_END_DECLS

#endif
