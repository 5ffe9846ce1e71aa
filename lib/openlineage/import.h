/*
 * openlineage/import.h - what the import's files share.
 *
 *   import_json.c   events as JSON values (an arena-held tree read from the
 *                   library's token reader), RFC 3339 times, UUIDs, a string
 *                   index, JSON values to and from google.protobuf.Struct,
 *                   dataset URIs from namespace and name
 *   import_parse.c  pass 1: the text split into events, each checked and
 *                   folded into what it says about runs, datasets and jobs
 *                   (nothing is written; a malformed event is found here)
 *   import_store.c  pass 2, reading: types, the nodes earlier imports made
 *                   and their edges, read once; types created; our facet's
 *                   properties
 *   import.c        pass 2, writing: compared and written in one
 *                   transaction; mlmd_openlineage_import()
 *
 * The mapping is docs/interoperability.md (section "import").
 */
#ifndef MLMD_OPENLINEAGE_IMPORT_H
#define MLMD_OPENLINEAGE_IMPORT_H

#include <stdbool.h>
#include <mlmd.h>
#include "openlineage/ol.h"

/* An event may nest this many levels of objects and arrays (the event
 * itself is level 1): every facet of such an event fits in a struct
 * property within MLMD_MAX_NODE_NESTING. */
#define OL_MAX_DEPTH 32
/* The largest event read, in bytes. */
#define OL_MAX_EVENT_BYTES (16u << 20)

/* ---- an arena: everything the import keeps lives here until it ends ---- */

typedef struct ol_chunk ol_chunk;
typedef struct ol_arena {
	ol_chunk *head;
	int oom;
} ol_arena;
void *mlmd__ol_alloc(ol_arena *a, size_t n);
char *mlmd__ol_strndup(ol_arena *a, const char *s, size_t n);
void mlmd__ol_arena_free(ol_arena *a);

/* ---- JSON values ---------------------------------------------------------------- */

enum { OLJ_NULL, OLJ_FALSE, OLJ_TRUE, OLJ_NUM, OLJ_STR, OLJ_OBJ, OLJ_ARR };

typedef struct olj olj;
typedef struct olj_member olj_member;
struct olj {
	int t;          /* OLJ_* */
	size_t n;       /* OBJ: members, ARR: items, STR: bytes */
	union {
		double num;             /* as the store keeps a Struct's numbers: a double */
		const char *str;        /* NUL-terminated, no NUL inside */
		olj_member *mem;
		olj *items;
	} u;
	const char *text;       /* NUM read from an event: the number as written (else NULL) */
};
struct olj_member {
	const char *key;
	olj v;
};

/* Where mlmd__olj_read() puts a value and says what is wrong with it. */
typedef struct olj_ctx {
	ol_arena *a;
	char *err;              /* the first problem */
	size_t errsize;
	bool bad;               /* a problem was found */
} olj_ctx;
/* Reads the value whose first token `tok` (with text/len) was just read
 * from r into *out, in c->a. Keys must be unique in an object and strings
 * must hold no NUL byte: a value that breaks this is read to its end, and
 * c->bad and c->err say what is wrong. Returns -1 when the reading cannot
 * go on (the reader's error, out of memory: c->err says which). */
int mlmd__olj_read(mlmd_json_reader *r, int tok, const char *text, size_t len, olj_ctx *c, olj *out);
/* The member `key` of an object, or NULL (also when v is not an object). */
const olj *mlmd__olj_get(const olj *v, const char *key);
/* Whether two values are equal (objects as maps: order does not matter). */
bool mlmd__olj_equal(const olj *x, const olj *y);
/* A deep copy in arena a, or NULL when out of memory. */
olj *mlmd__olj_copy(ol_arena *a, const olj *v);

/* A JSON object as a google.protobuf.Struct (a new message, mlmd_message_free),
 * and back into arena a. NULL / -1 when out of memory. */
Mlmd__Pb__Wkt__Struct *mlmd__olj_to_struct(const olj *obj);
int mlmd__olj_from_struct(ol_arena *a, const Mlmd__Pb__Wkt__Struct *s, olj *out);

/* An RFC 3339 date-time ("2026-12-03T10:00:00.123456+01:00", a zone
 * required) as ms since the epoch (fractions truncated); -1 when it is not one. */
int mlmd__ol_parse_time(const char *s, int64_t *ms);
/* Whether s is a UUID (8-4-4-4-12 hex digits); out gets it in lower case. */
bool mlmd__ol_uuid_norm(const char *s, char out[37]);

/* ---- a string index: key bytes -> a number ------------------------------------------ */

typedef struct ol_index {
	struct ol_slot *slots;
	size_t cap, n;
} ol_index;
/* The value under key[0..len), or -1. */
long mlmd__ol_index_get(const ol_index *ix, const char *key, size_t len);
/* Puts key -> value (the key is copied into a). -1 when out of memory. */
int mlmd__ol_index_put(ol_index *ix, ol_arena *a, const char *key, size_t len, long value);
void mlmd__ol_index_free(ol_index *ix);

/* ---- what the events said (pass 1) ------------------------------------------------- */

/* A facet as the latest event (by eventTime, then by order in the input)
 * gave it; val NULL: that event deleted it ("_deleted": true). */
typedef struct ol_facet {
	const char *name;
	int64_t time;
	size_t seq;
	const olj *val;
} ol_facet;
typedef struct ol_facets {
	ol_facet *v;
	size_t n;
} ol_facets;

/* A (time, seq) pair orders events: eventTime, then order in the input. */
static inline bool ol_later(int64_t t1, size_t s1, int64_t t2, size_t s2)
{
	return t1 > t2 || (t1 == t2 && s1 > s2);
}

/* Our facet "mlmd": the node's MLMD type, name and properties. */
typedef struct ol_mlmd {
	const olj *facet;       /* NULL: none */
	int64_t time;
	size_t seq;
} ol_mlmd;

/* An INPUT or OUTPUT edge of a run. */
typedef struct ol_edge {
	size_t ds;              /* index into ol_import.ds */
	int type;               /* Mlmd__Pb__Event__Type: INPUT or OUTPUT */
	int64_t time;           /* the first event that named it */
} ol_edge;

typedef struct ol_run {
	const char *run_id;     /* lower case */
	const char *job_ns, *job_name;  /* from the latest event */
	int64_t tjob;
	size_t sjob;
	int64_t first, last;    /* the earliest and latest eventTime */
	int term;               /* the latest terminal state (an Execution state), 0: none */
	int64_t tterm;
	size_t sterm;
	bool running;           /* a START or RUNNING event */
	ol_facets facets, job_facets;
	const char *producer;
	int64_t tprod;
	size_t sprod;
	long parent;            /* index into ol_import.ctx, -1: none */
	int64_t tparent;
	size_t sparent;
	ol_mlmd mlmd, job_mlmd; /* our facet on the run (the execution) and on the job (its type) */
	ol_edge *edges;
	size_t n_edges;
	/* pass 2 */
	int64_t id;             /* the execution, 0: none yet */
	Mlmd__Pb__Execution *stored;
} ol_run;

typedef struct ol_ds {
	const char *ns, *name;
	int64_t first, last;
	ol_facets facets, in_facets, out_facets;
	ol_mlmd mlmd;
	int64_t id;
	Mlmd__Pb__Artifact *stored;
} ol_ds;

enum { OL_CTX_PARENT, OL_CTX_JOB };
typedef struct ol_ctx {
	int kind;               /* OL_CTX_* */
	const char *run_id;     /* a parent run's id (OL_CTX_PARENT) */
	const char *job_ns, *job_name;
	int64_t first, last;
	ol_facets facets;       /* a job's facets (OL_CTX_JOB) */
	size_t *ds;             /* a job's datasets (OL_CTX_JOB: attributions) */
	size_t n_ds;
	int64_t id;
	Mlmd__Pb__Context *stored;
} ol_ctx;

typedef struct ol_import {
	ol_arena a;
	mlmd_openlineage_problem problem;
	void *user;
	bool strict;
	const char *only_ns;    /* take only run and job events of this job namespace (NULL: all) */
	size_t bad_line;        /* strict: the first malformed event's line */
	char bad_why[768];
	mlmd_openlineage_import_report rep;
	size_t seq;             /* events folded so far */
	ol_run *runs;
	size_t n_runs;
	ol_ds *ds;
	size_t n_ds;
	ol_ctx *ctx;
	size_t n_ctx;
	ol_index run_ix, ds_ix, ctx_ix; /* run id; ns NUL name; kind byte + key */
	ol_index link_ix;               /* a run's edge or a job context's dataset, so that
					 * one event naming many datasets is not quadratic:
					 * 'E' run ds type / 'C' ctx ds -> its index */
} ol_import;

/* Pass 1 over text[0..len): every event read, checked and folded in.
 * Returns 0, a negative status (out of memory; the text is a JSON array
 * that is not JSON), or 1 when strict and an event was malformed (im->bad_*). */
int mlmd__ol_read_events(ol_import *im, const char *text, size_t len);
void mlmd__ol_import_free(ol_import *im);

/* ---- pass 2 (import_store.c, import.c) ------------------------------------------------ */

#define OL_BATCH 1000
#define OL_CTX_PARENT_TYPE "openlineage.ParentRun"
#define OL_CTX_JOB_TYPE "openlineage.Job"
#define OL_DATASET_TYPE "mlmd.Dataset"

enum { K_ART, K_EXEC, K_CTX };

typedef struct pass2 {
	ol_import *im;
	mlmd_store *s;
	ol_index types[3];      /* type name -> id, per K_* */
	ol_index edges;         /* the edges that exist (edge_key) */
	ol_index ctx_names;     /* names of openlineage.Job contexts in use */
	void **known;           /* artifact and execution types (borrowed from holders) */
	size_t n_known;
	void **holders;         /* the messages they live in (freed at the end) */
	size_t n_holders;
} pass2;

/* Custom property `name` of a node as a string / struct, or NULL. */
const char *mlmd__oli_prop_str(const void *node, const char *name);
const Mlmd__Pb__Wkt__Struct *mlmd__oli_prop_struct(const void *node, const char *name);
/* Sets custom property `name` of node to struct s (taken, also on failure). */
int mlmd__oli_set_struct(void *node, const char *name, Mlmd__Pb__Wkt__Struct *s);
/* The key of an edge in pass2.edges: an event (execution, artifact, its
 * type), an association (context, execution, 'A'), an attribution
 * (context, artifact, 'T'). */
void mlmd__oli_edge_key(char k[17], int64_t a, int64_t b, int type);
/* The facets fs merged over the stored object (or NULL) into *out: a stored
 * facet counts as of stored_time (the node's last update); an event's facet
 * replaces it when its eventTime is that late or later. */
int mlmd__oli_merged(ol_arena *a, const olj *stored, int64_t stored_time, const ol_facets *fs, olj *out);
/* A node's struct property as an object in a (*out NULL when none). */
int mlmd__oli_stored_obj(ol_arena *a, const void *node, const char *name, olj **out);
/* Whether object v (or nothing) differs from st (or nothing); empty is nothing. */
bool mlmd__oli_differs(const olj *st, const olj *v);
/* Reads the store once: every type by name, the nodes earlier imports made
 * (matched to runs, datasets and contexts: their stored messages and ids),
 * and the edges the matched ones have. */
int mlmd__ol_read_store(pass2 *p);
/* The id of type `name` of kind k (K_*), created when missing, its
 * properties declared from our facet. */
int mlmd__oli_type_id(pass2 *p, int k, const char *name, const olj *facet, const olj *props, int64_t *out);
/* Our facet's properties (as type type_id of kind k declares them) and
 * custom properties (as their JSON suggests) set on a new node; a value
 * that does not fit is INVALID_ARGUMENT naming `what` and the property. */
int mlmd__oli_facet_props(pass2 *p, void *node, int k, int64_t type_id, const olj *facet, const char *what);

/* The URI of a dataset by OpenLineage's naming rules, in arena a; NULL when
 * the namespace names no location. */
const char *mlmd__ol_dataset_uri(ol_arena *a, const char *ns, const char *name);

#endif
