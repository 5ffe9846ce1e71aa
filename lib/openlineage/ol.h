/*
 * openlineage/ol.h - what the OpenLineage export (export.c, event.c), the
 * import (import.c) and the HTTP transport (transport.c) share. They are
 * clients of the public API (mlmd/openlineage.h), like serving/.
 *
 * The mapping both ways is docs/interoperability.md. The names below are
 * its contract between the two directions: the import records what an
 * event said under these custom properties, and the export, finding them
 * on a node, writes the event's own names back, so a store's export
 * imported elsewhere and exported again gives the same jobs, runs and
 * datasets.
 */
#ifndef MLMD_OPENLINEAGE_OL_H
#define MLMD_OPENLINEAGE_OL_H

#include <stddef.h>
#include <stdint.h>
#include "util/base.h"

/* The core schema the events follow (../shared/conformance/openlineage). */
#define MLMD__OL_SCHEMA_URL "https://openlineage.io/spec/2-0-2/OpenLineage.json"
#define MLMD__OL_RUN_EVENT_SCHEMA MLMD__OL_SCHEMA_URL "#/$defs/RunEvent"

/* Our own facet, on runs, jobs and datasets: MLMD's ids, type names and
 * properties. Its JSON schema is docs/openlineage/MlmdNodeFacet.json. */
#define MLMD__OL_FACET "mlmd"
#define MLMD__OL_FACET_SCHEMA_URL "https://mlmd.dev/spec/facets/1-0-0/MlmdNodeFacet.json"

/* Custom properties the import sets (string values, except the facets). */
#define MLMD__OL_PROP_RUN_ID "openlineage_run_id"               /* execution: the run's UUID */
#define MLMD__OL_PROP_JOB_NAMESPACE "openlineage_job_namespace" /* execution */
#define MLMD__OL_PROP_JOB_NAME "openlineage_job_name"           /* execution */
#define MLMD__OL_PROP_NAMESPACE "openlineage_namespace"         /* artifact: the dataset's namespace */
#define MLMD__OL_PROP_NAME "openlineage_name"                   /* artifact: the dataset's name */
#define MLMD__OL_PROP_FACETS "openlineage_facets"               /* any node: facets it did not map
								 * (a struct: name -> facet) */
#define MLMD__OL_PROP_INPUT_FACETS "openlineage_input_facets"   /* artifact: inputFacets, as FACETS */
#define MLMD__OL_PROP_OUTPUT_FACETS "openlineage_output_facets" /* artifact: outputFacets, as FACETS */
/* The layout of MLMD__OL_PROP_FACETS the export reads back: on an artifact,
 * {NAME: FACET} of the dataset's facets; on an execution, {"run": {NAME:
 * FACET}, "job": {NAME: FACET}} (a struct with neither "run" nor "job" is
 * taken as run facets). A kept facet is written instead of the one the
 * export would compute under the same name. The import writes this layout;
 * an artifact's inputFacets and outputFacets (facets of how a run read or
 * wrote it) go to MLMD__OL_PROP_INPUT_FACETS / _OUTPUT_FACETS in the same
 * {NAME: FACET} form. */

/* "2026-12-03T12:57:21.123Z" for ms since the epoch (UTC, always 24 bytes
 * and a NUL). */
void mlmd__ol_format_time(int64_t ms, char out[32]);

/* A UUID (version 5 form, lower-case, 36 bytes and a NUL) that is the same
 * every time for the same (kind, id, create time): the run id of an
 * execution ("execution") or of a context used as a parent run ("context"). */
void mlmd__ol_uuid(const char *kind, int64_t id, int64_t create_time_ms, char out[37]);

#endif
