/*
 * openlineage/export.h - what the export's files share (private to the
 * export side of lib/openlineage/):
 *
 *   event.c          times, run ids, one execution's run events (mlmd__olx_emit),
 *                    mlmd_openlineage_execution_events
 *   export_facets.c  MLMD values as JSON, our `mlmd` facet, the standard
 *                    facets made from properties (parameters, owner, error
 *                    message, a model's signature)
 *   export_store.c   mlmd_openlineage_export: the whole store, in batches
 *   naming.c         a dataset's namespace and name from an artifact's URI
 *
 * The mapping is docs/interoperability.md ("Export").
 */
#ifndef MLMD_OPENLINEAGE_EXPORT_H
#define MLMD_OPENLINEAGE_EXPORT_H

#include <mlmd.h>
#include "openlineage/ol.h"

/* The facets' schema URLs: each facet schema's $id and the pointer to its
 * definition, as OpenLineage's own clients write them. */
#define OLX_FACET_URL(version, name) "https://openlineage.io/spec/facets/" version "/" name ".json#/$defs/" name

/* What one export (or one execution's events) reads once and shares. */
typedef struct olx {
	mlmd_store *store;
	const char *ns;                 /* the job namespace and the fallback dataset namespace */
	char producer[96];              /* the events' and facets' producer URI */
	Mlmd__Pb__GetExecutionTypesResponse *types; /* every execution type (for the job facets) */
	const Mlmd__Pb__ExecutionType **type_by_id; /* sorted by id; n_types entries */
	size_t n_types;
} olx;

/* Reads the execution types and fills x; mlmd__olx_free() releases it. */
int mlmd__olx_init(olx *x, mlmd_store *store, const mlmd_openlineage_options *opts);
void mlmd__olx_free(olx *x);

/* One execution and what its events need. `events` are the execution's
 * events (any order, any type: only INPUT, DECLARED_INPUT, OUTPUT and
 * DECLARED_OUTPUT are used); `arts` the artifacts they name, sorted by id
 * (one missing is skipped: it cannot be, inside one read transaction);
 * `parent` the context chosen as the parent run, or NULL. All borrowed. */
typedef struct olx_exec {
	const Mlmd__Pb__Execution *e;
	Mlmd__Pb__Event *const *events;
	size_t n_events;
	Mlmd__Pb__Artifact *const *arts;
	size_t n_arts;
	const Mlmd__Pb__Context *parent;
} olx_exec;

/* Gives the sink the execution's START event and, when its state has an
 * end, the end event; *count (not NULL) grows by the events given. The sink
 * returning non-zero is CANCELLED. */
int mlmd__olx_emit(const olx *x, const olx_exec *d, mlmd_openlineage_sink sink, void *user, size_t *count);

/* The execution type of this id, or NULL (it cannot be missing inside one
 * read transaction; its facets are then left out). */
const Mlmd__Pb__ExecutionType *mlmd__olx_exec_type(const olx *x, int64_t id);
/* Whether an MLMD event makes its artifact an input (INPUT, DECLARED_INPUT)
 * or an output (OUTPUT, DECLARED_OUTPUT) dataset; other types are not mapped. */
int mlmd__olx_is_input(const Mlmd__Pb__Event *ev);
int mlmd__olx_is_output(const Mlmd__Pb__Event *ev);

/* qsort comparator and lookup for arrays of artifacts by id. */
int mlmd__olx_cmp_artifact(const void *a, const void *b);
const Mlmd__Pb__Artifact *mlmd__olx_find_artifact(Mlmd__Pb__Artifact *const *arts, size_t n, int64_t id);

/* ---- export_facets.c ------------------------------------------------------------------------ */

/* A node's property entries: every map entry of the node messages has this
 * layout (base, key, value). */
typedef Mlmd__Pb__Execution__PropertiesEntry olx_prop;

/* The string value of custom property `name` of a node's entries, or NULL. */
const char *mlmd__olx_custom_string(olx_prop *const *props, size_t n, const char *name);
/* The struct value of property `name`, or NULL. */
const Mlmd__Pb__Wkt__Struct *mlmd__olx_custom_struct(olx_prop *const *props, size_t n, const char *name);

/* Writes an MLMD Value as JSON: int, double (NaN and infinities as the
 * strings "NaN", "Infinity", "-Infinity"), string, bool, a struct as the
 * object, a proto as {"typeUrl": ..., "base64url": ...}; an unset value as
 * null. Returns 0, or INVALID_ARGUMENT for a struct nested deeper than
 * MLMD_MAX_NESTING (the store keeps none that deep). */
int mlmd__olx_write_value(mlmd_json_writer *w, const Mlmd__Pb__Value *v);
/* A google.protobuf.Struct / Value as JSON. Returns 0 or INVALID_ARGUMENT
 * when it nests deeper than the writer allows. */
int mlmd__olx_write_struct(mlmd_json_writer *w, const Mlmd__Pb__Wkt__Struct *s, int depth);
/* Properties as one JSON object, leaving out the openlineage_* bookkeeping
 * properties of ol.h when `skip_ol` is set. Returns 0 or mlmd__olx_write_value()'s
 * error, naming the property. */
int mlmd__olx_write_props(mlmd_json_writer *w, olx_prop *const *props, size_t n, int skip_ol);

/* Begins facet `name` in the facets object being written: its key, the
 * object, and its first two members, _producer and _schemaURL. The caller
 * ends the object. */
void mlmd__olx_facet_begin(const olx *x, mlmd_json_writer *w, const char *name, const char *schema_url);

/* Whether the kept facets (the node's openlineage_facets struct, or NULL)
 * hold a facet of this name: the kept one is written instead. */
int mlmd__olx_kept_has(const Mlmd__Pb__Wkt__Struct *kept, const char *name);
/* Writes every kept facet as a member of the facets object being written. */
int mlmd__olx_write_kept(mlmd_json_writer *w, const Mlmd__Pb__Wkt__Struct *kept);
/* The part of an execution's kept facets for the run ("run") or the job
 * ("job"): docs/interoperability.md. */
const Mlmd__Pb__Wkt__Struct *mlmd__olx_kept_part(const Mlmd__Pb__Wkt__Struct *kept, const char *part);

/* The run's facets beyond parent: errorMessage (FAIL only), processing_engine,
 * executionParameters, mlmd. */
int mlmd__olx_run_facets(const olx *x, mlmd_json_writer *w, const Mlmd__Pb__Execution *e, int fail,
		   const Mlmd__Pb__Wkt__Struct *kept);
/* The job's facets: jobType, ownership, mlmd. */
int mlmd__olx_job_facets(const olx *x, mlmd_json_writer *w, const Mlmd__Pb__Execution *e,
		   const Mlmd__Pb__Wkt__Struct *kept);
/* A dataset's facets: schema, version, ownership, mlmd (with the MLMD events
 * joining it to the execution on this side: evs[0..n_evs) are all the
 * artifact's events with the execution, side 0 inputs, 1 outputs), then the
 * artifact's kept facets. */
int mlmd__olx_dataset_facets(const olx *x, mlmd_json_writer *w, const Mlmd__Pb__Artifact *a,
		       Mlmd__Pb__Event *const *evs, size_t n_evs, int side);

/* ---- naming.c ------------------------------------------------------------------------------- */

/* The dataset namespace and name of an artifact (docs/interoperability.md,
 * "Dataset names"): from its URI when OpenLineage's naming spec has a rule
 * for the URI's scheme, else `ns` and TYPE.NAME (TYPE#ID when unnamed).
 * *out_ns and *out_name are malloc'd; the caller frees them. Returns 0 or
 * RESOURCE_EXHAUSTED. */
int mlmd__ol_dataset_name(const char *uri, const char *type_name, const char *name, int64_t id, const char *ns,
			  char **out_ns, char **out_name);

#endif
