/*
 * bench/bench.h - small helpers shared by the benchmark programs. Besides
 * the public <mlmd.h> it takes the library's clock from util/base.h (the
 * base layer), so benchmarks and the library time things one way.
 */
#ifndef MLMD_BENCH_BENCH_H
#define MLMD_BENCH_BENCH_H
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <mlmd.h>
#include "util/base.h"

/* Seconds on the library's monotonic clock. */
static inline double now_s(void)
{
	return (double)mlmd__mono_ns() / 1e9;
}

/*
 * Repetitions (issue 22's stability rule): every figure a benchmark prints is
 * the median of several repetitions with their spread, and a ratio's
 * baseline is measured in the same run, each repetition of ours next to one
 * of the baseline's, the ratio taken per pair. MLMD_BENCH_REPS sets the
 * count (default 5, at most BENCH_MAX_REPS).
 */
#define BENCH_MAX_REPS 64
typedef struct bench_reps {
	double v[BENCH_MAX_REPS];
	int n;
} bench_reps;

static inline int bench_rep_count(void)
{
	const char *e = getenv("MLMD_BENCH_REPS");
	int n = e ? atoi(e) : 5;
	return n < 1 ? 1 : n > BENCH_MAX_REPS ? BENCH_MAX_REPS : n;
}

static inline void bench_reps_add(bench_reps *r, double x)
{
	if (r->n < BENCH_MAX_REPS)
		r->v[r->n++] = x;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median of the values (0 when there are none). */
static inline double bench_median(const bench_reps *r)
{
	if (!r->n)
		return 0;
	double s[BENCH_MAX_REPS];
	for (int i = 0; i < r->n; i++)
		s[i] = r->v[i];
	qsort(s, (size_t)r->n, sizeof *s, bench_cmp_double);
	return r->n % 2 ? s[r->n / 2] : (s[r->n / 2 - 1] + s[r->n / 2]) / 2;
}

/* The spread: (max - min) / median, in percent (0 for one value). */
static inline double bench_spread(const bench_reps *r)
{
	if (r->n < 2)
		return 0;
	double lo = r->v[0], hi = r->v[0];
	for (int i = 1; i < r->n; i++) {
		lo = r->v[i] < lo ? r->v[i] : lo;
		hi = r->v[i] > hi ? r->v[i] : hi;
	}
	double m = bench_median(r);
	return m != 0 ? 100 * (hi - lo) / (m < 0 ? -m : m) : 0;
}

/* "MEDIAN ±SPREAD%" with the median printed by fmt (e.g. "%.0f"), into buf. */
static inline const char *bench_fmt(char *buf, size_t n, const char *fmt, const bench_reps *r)
{
	char m[64];
	snprintf(m, sizeof m, fmt, bench_median(r));
	snprintf(buf, n, "%s \u00b1%.0f%%", m, bench_spread(r));
	return buf;
}

/*
 * The rows of a result table, in one layout for every benchmark:
 *   NAME  OURS ±S%  BASE ±S%  RATIO ±S%
 * NAME left-aligned in BENCH_NAME_W columns, the others right-aligned in
 * BENCH_COL_W (a long name pushes its row right rather than being cut; a
 * program with long names defines BENCH_NAME_W before including bench.h).
 * Cells are padded by characters, not bytes, so "±" lines up with a header.
 */
#ifndef BENCH_NAME_W
#define BENCH_NAME_W 46
#endif
#define BENCH_COL_W 22
static inline void bench_cell(const char *s, int w, int left)
{
	int chars = 0;
	for (const char *p = s; *p; p++)
		chars += ((unsigned char)*p & 0xC0) != 0x80;
	if (left)
		fputs(s, stdout);
	for (int i = chars; i < w; i++)
		putchar(' ');
	if (!left)
		fputs(s, stdout);
}

/* A header row: the titles of the columns (NULL: the column is left out). */
static inline void bench_head(const char *name, const char *ours, const char *base, const char *ratio)
{
	bench_cell(name, BENCH_NAME_W, 1);
	const char *col[3] = { ours, base, ratio };
	for (int i = 0; i < 3; i++)
		if (col[i]) {
			fputs("  ", stdout);
			bench_cell(col[i], BENCH_COL_W, 0);
		}
	putchar('\n');
}

/* A result row: ours and base (NULL: left out) with their medians printed by
 * fmt (e.g. "%.0f"), the ratio (NULL: left out) by rfmt (e.g. "%.2fx"). */
static inline void bench_row(const char *name, const char *fmt, const bench_reps *ours, const bench_reps *base,
			     const char *rfmt, const bench_reps *ratio)
{
	char b[96];
	bench_cell(name, BENCH_NAME_W, 1);
	const bench_reps *col[3] = { ours, base, ratio };
	for (int i = 0; i < 3; i++)
		if (col[i]) {
			fputs("  ", stdout);
			bench_cell(bench_fmt(b, sizeof b, i < 2 ? fmt : rfmt, col[i]), BENCH_COL_W, 0);
		}
	putchar('\n');
}

/* Reports the library's last error for `what` and exits. */
static inline void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, mlmd_error_message());
	exit(1);
}

/* Removes a SQLite database and its WAL files. */
static inline void rm_db(const char *p)
{
	char x[1100];
	unlink(p);
	snprintf(x, sizeof x, "%s-wal", p);
	unlink(x);
	snprintf(x, sizeof x, "%s-shm", p);
	unlink(x);
}
/* Opens the SQLite store at path (removing an earlier one first when
 * fresh) as `actor` (NULL: none); exits on failure. */
static inline mlmd_store *bench_open_sqlite(const char *path, int fresh, const char *actor)
{
	char uri[1100];
	if (fresh)
		rm_db(path);
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	o.actor = actor;
	mlmd_store *s;
	if (mlmd_store_open(&s, &o))
		die(path);
	return s;
}

/* Puts artifact type t; returns its id, exits on failure. */
static inline int64_t bench_put_artifact_type(mlmd_store *s, Mlmd__Pb__ArtifactType *t)
{
	Mlmd__Pb__PutArtifactTypeRequest rq = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	Mlmd__Pb__PutArtifactTypeResponse *rs;
	rq.artifact_type = t;
	if (mlmd_store_put_artifact_type(s, &rq, &rs))
		die("artifact type");
	int64_t id = rs->type_id;
	mlmd_message_free(rs);
	return id;
}

/* Puts an artifact type or an execution type of this name, with no
 * properties; returns its id, exits on failure. */
static inline int64_t bench_artifact_type(mlmd_store *s, const char *name)
{
	Mlmd__Pb__ArtifactType t = MLMD__PB__ARTIFACT_TYPE__INIT;
	t.name = (char *)name;
	return bench_put_artifact_type(s, &t);
}

static inline int64_t bench_execution_type(mlmd_store *s, const char *name)
{
	Mlmd__Pb__ExecutionType t = MLMD__PB__EXECUTION_TYPE__INIT;
	t.name = (char *)name;
	Mlmd__Pb__PutExecutionTypeRequest rq = MLMD__PB__PUT_EXECUTION_TYPE_REQUEST__INIT;
	Mlmd__Pb__PutExecutionTypeResponse *rs;
	rq.execution_type = &t;
	if (mlmd_store_put_execution_type(s, &rq, &rs))
		die("execution type");
	int64_t id = rs->type_id;
	mlmd_message_free(rs);
	return id;
}

/* ---- the lineage benchmarks' chains (bench_query, bench_scale) ---- */

#define BENCH_CHAIN 50

/* The chains' types: artifact type "Data" with an int property "shard"
 * (returned) and execution type "Step" (*etid). */
static inline int64_t bench_chain_types(mlmd_store *s, int64_t *etid)
{
	Mlmd__Pb__ArtifactType *at = mlmd_message_new(&mlmd__pb__artifact_type__descriptor);
	mlmd_message_set_string(at, "name", "Data");
	mlmd_type_add_property(at, "shard", MLMD__PB__PROPERTY_TYPE__INT);
	int64_t atid = bench_put_artifact_type(s, at);
	mlmd_message_free(at);
	*etid = bench_execution_type(s, "Step");
	return atid;
}

/* Puts one chain of BENCH_CHAIN artifacts of type atid (int property
 * "shard": the artifact's number, counted from n0, mod 100) joined by
 * BENCH_CHAIN - 1 executions of type etid, each with its input and output
 * event, in one PutLineageSubgraph; returns the chain's head's id. */
static inline int64_t bench_put_chain(mlmd_store *s, int64_t atid, int64_t etid, int64_t n0)
{
	Mlmd__Pb__Artifact art[BENCH_CHAIN], *artp[BENCH_CHAIN];
	Mlmd__Pb__Execution exe[BENCH_CHAIN - 1], *exep[BENCH_CHAIN - 1];
	Mlmd__Pb__Event ev[2 * (BENCH_CHAIN - 1)];
	Mlmd__Pb__PutLineageSubgraphRequest__EventEdge ed[2 * (BENCH_CHAIN - 1)], *edp[2 * (BENCH_CHAIN - 1)];
	Mlmd__Pb__Value val[BENCH_CHAIN];
	Mlmd__Pb__Artifact__PropertiesEntry pe[BENCH_CHAIN], *pep[BENCH_CHAIN];
	size_t ne = 0;
	for (int i = 0; i < BENCH_CHAIN; i++) {
		art[i] = (Mlmd__Pb__Artifact)MLMD__PB__ARTIFACT__INIT;
		art[i].has_type_id = 1;
		art[i].type_id = atid;
		val[i] = (Mlmd__Pb__Value)MLMD__PB__VALUE__INIT;
		val[i].value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
		val[i].int_value = (n0 + i) % 100;
		pe[i] = (Mlmd__Pb__Artifact__PropertiesEntry)MLMD__PB__ARTIFACT__PROPERTIES_ENTRY__INIT;
		pe[i].key = "shard";
		pe[i].value = &val[i];
		pep[i] = &pe[i];
		art[i].n_properties = 1;
		art[i].properties = &pep[i];
		artp[i] = &art[i];
		if (i == BENCH_CHAIN - 1)
			continue;
		exe[i] = (Mlmd__Pb__Execution)MLMD__PB__EXECUTION__INIT;
		exe[i].has_type_id = 1;
		exe[i].type_id = etid;
		exep[i] = &exe[i];
		for (int k = 0; k < 2; k++, ne++) {
			ev[ne] = (Mlmd__Pb__Event)MLMD__PB__EVENT__INIT;
			ev[ne].has_type = 1;
			ev[ne].type = k ? MLMD__PB__EVENT__TYPE__OUTPUT : MLMD__PB__EVENT__TYPE__INPUT;
			ed[ne] = (Mlmd__Pb__PutLineageSubgraphRequest__EventEdge)
				MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__EVENT_EDGE__INIT;
			ed[ne].has_execution_index = ed[ne].has_artifact_index = 1;
			ed[ne].execution_index = i;
			ed[ne].artifact_index = i + k;
			ed[ne].event = &ev[ne];
			edp[ne] = &ed[ne];
		}
	}
	Mlmd__Pb__PutLineageSubgraphRequest rq = MLMD__PB__PUT_LINEAGE_SUBGRAPH_REQUEST__INIT;
	Mlmd__Pb__PutLineageSubgraphResponse *rs;
	rq.n_artifacts = BENCH_CHAIN;
	rq.artifacts = artp;
	rq.n_executions = BENCH_CHAIN - 1;
	rq.executions = exep;
	rq.n_event_edges = ne;
	rq.event_edges = edp;
	if (mlmd_store_put_lineage_subgraph(s, &rq, &rs))
		die("put chain");
	int64_t h = rs->artifact_ids[0];
	mlmd_message_free(rs);
	return h;
}

/* The core benchmark's artifact type, DataSet {span INT, score DOUBLE, split STRING}. */
static inline int64_t put_dataset_type(mlmd_store *s)
{
	Mlmd__Pb__ArtifactType *t = mlmd_message_new(&mlmd__pb__artifact_type__descriptor);
	mlmd_message_set_string(t, "name", "DataSet");
	mlmd_type_add_property(t, "span", MLMD__PB__PROPERTY_TYPE__INT);
	mlmd_type_add_property(t, "score", MLMD__PB__PROPERTY_TYPE__DOUBLE);
	mlmd_type_add_property(t, "split", MLMD__PB__PROPERTY_TYPE__STRING);
	int64_t tid = bench_put_artifact_type(s, t);
	mlmd_message_free(t);
	return tid;
}

/* The core benchmark's artifact: a uri and three properties. */
static inline Mlmd__Pb__Artifact *mk_artifact(int64_t tid, int i)
{
	char uri[64];
	Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
	a->has_type_id = 1;
	a->type_id = tid;
	snprintf(uri, sizeof uri, "/data/part-%d", i);
	mlmd_message_set_string(a, "uri", uri);
	mlmd_node_set_int(a, 0, "span", i);
	mlmd_node_set_double(a, 0, "score", i * 0.5);
	mlmd_node_set_string(a, 0, "split", i % 2 ? "train" : "eval");
	return a;
}
/* Calls the RPC `method` with the message rq (mlmd_store_call) and returns
 * its response unpacked with descriptor d (free with mlmd_message_free), or
 * NULL when d is NULL (the response is dropped). Exits on any failure. */
static inline void *bench_rpc(mlmd_store *s, const char *method, const void *rq, const ProtobufCMessageDescriptor *d)
{
	size_t n = protobuf_c_message_get_packed_size(rq);
	uint8_t *buf = malloc(n + 1);
	if (!buf)
		exit(1);
	protobuf_c_message_pack(rq, buf);
	void *out = NULL;
	size_t out_len = 0;
	if (mlmd_store_call(s, method, buf, n, &out, &out_len))
		die(method);
	free(buf);
	void *m = d ? protobuf_c_message_unpack(d, NULL, out_len, out ? out : (void *)"") : NULL;
	if (d && !m)
		exit(1);
	mlmd_buffer_free(out);
	return m;
}

/* A new artifact type (artifact != 0) or execution type without properties; its id. */
static inline int64_t bench_node_type(mlmd_store *s, int artifact, const char *name)
{
	int64_t id;
	if (artifact) {
		Mlmd__Pb__ArtifactType t = MLMD__PB__ARTIFACT_TYPE__INIT;
		t.name = (char *)name;
		Mlmd__Pb__PutArtifactTypeRequest rq = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
		Mlmd__Pb__PutArtifactTypeResponse *rs;
		rq.artifact_type = &t;
		if (mlmd_store_put_artifact_type(s, &rq, &rs))
			die("artifact type");
		id = rs->type_id;
		mlmd_message_free(rs);
	} else {
		Mlmd__Pb__ExecutionType t = MLMD__PB__EXECUTION_TYPE__INIT;
		t.name = (char *)name;
		Mlmd__Pb__PutExecutionTypeRequest rq = MLMD__PB__PUT_EXECUTION_TYPE_REQUEST__INIT;
		Mlmd__Pb__PutExecutionTypeResponse *rs;
		rq.execution_type = &t;
		if (mlmd_store_put_execution_type(s, &rq, &rs))
			die("execution type");
		id = rs->type_id;
		mlmd_message_free(rs);
	}
	return id;
}
#endif
