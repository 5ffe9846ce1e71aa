/*
 * scorer/serve.c - models from the store, verified; scorers with hot swap;
 * serving lineage and statistics recorded in-process.
 *
 * Swap without locks on the hot path: the scorer holds the current model
 * and a version number. A context remembers the version of the model it
 * holds a reference to; each call reads the version (one atomic load) and
 * only when it changed takes the scorer's mutex to pick up the new model and
 * drop its reference to the old one. So a call in flight always finishes on
 * the model it started with, and a model is freed by whichever holder lets
 * go of it last.
 *
 * Statistics are per context and per model version, in blocks the scorer
 * owns. Only the scoring thread writes a block (relaxed atomic stores, which
 * are plain moves on x86); the flush reads them with relaxed loads and sums
 * every block into cumulative totals, so nothing is ever reset or locked
 * per call. Store writes happen only in flush (explicit, interval thread,
 * swap, close), serialized by the scorer's store mutex.
 *
 * Each flush writes the serving record with PutExecution, so a record is
 * stored whole or not at all: the first one creates the execution, its
 * Deployment context (or joins the one another scorer created: the store
 * serializes writers, so two scorers starting at once end up in the same
 * context) and the INPUT event of its model in one transaction. The bool
 * property model_verified says whether every model the execution has served
 * matched its recorded digest under a scorer that enforces it; it is false
 * from the flush that links the first model served by a scorer opened with
 * allow_unverified.
 */
#define _XOPEN_SOURCE 700 /* realpath() */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "sc.h"
#include "load.h"
#include "mlmd/serving.h"

#define LAT_BUCKETS 256   /* log-linear: 4 per power of two of nanoseconds */
#define CONF_BUCKETS 20   /* max probability, [0, 1] in steps of 0.05 */
#define MAX_CLASSES 64    /* classes counted per model */
#define RING 256          /* recorded batches waiting per context */

/* ---- digests ------------------------------------------------------------------------- */

static void to_hex(const unsigned char *d, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * n] = '\0';
}

static int sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return mlmd__fail(MLMD_INTERNAL, "SHA-256 failed (OpenSSL)");
	to_hex(md, 32, hex);
	return 0;
}

int mlmd_file_sha256(const char *path, char hex[65])
{
	if (!path || !hex)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_file_sha256: path and hex are required");
	char *buf;
	size_t len;
	int rc = mlmd__sc_read_file(path, &buf, &len);
	if (rc)
		return rc;
	rc = sha256_hex(buf, len, hex);
	free(buf);
	return rc;
}

/* ---- small store helpers ------------------------------------------------------------------ */

static const char *value_string(const Mlmd__Pb__Value *v)
{
	return v && v->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE ? v->string_value : NULL;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The model file an artifact's uri names: a path (relative ones to the
 * current directory), or a local file:// URI (file:///abs/path or
 * file://localhost/abs/path, percent-encoded as RFC 8089 writes it, which
 * is what mlmd_model_record() records). A URI that decodes to a NUL byte or
 * a path longer than the buffer is refused, never cut. */
static int artifact_path(const Mlmd__Pb__Artifact *a, char *out, size_t cap)
{
	const char *uri = a->uri;
	if (!uri || !uri[0])
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "artifact %lld has no uri naming its model file",
			(long long)a->id);
	bool file_uri = strncmp(uri, "file://", 7) == 0;
	if (file_uri) {
		uri += 7;
		if (strncmp(uri, "localhost/", 10) == 0)
			uri += 9;
		if (uri[0] != '/')
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "artifact %lld: uri '%s' is not a local file:// URI",
				(long long)a->id, a->uri);
	} else if (strstr(uri, "://")) {
		return mlmd__fail(MLMD_UNIMPLEMENTED, "artifact %lld: uri '%s': only local paths and file:// URIs "
			"are supported", (long long)a->id, a->uri);
	}
	size_t o = 0;
	for (const char *p = uri; *p; p++) {
		char c = *p;
		if (file_uri && c == '%') {
			int hi = hex_digit(p[1]), lo = hi < 0 ? -1 : hex_digit(p[2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return mlmd__fail(MLMD_INVALID_ARGUMENT, "artifact %lld: uri '%s' has an invalid percent-escape",
					(long long)a->id, a->uri);
			c = (char)(hi * 16 + lo);
			p += 2;
		}
		if (o + 1 >= cap)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "artifact %lld: uri '%.64s...' names a path longer than "
				"%zu bytes", (long long)a->id, a->uri, cap - 1);
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* The absolute file:// URI of a local file (symbolic links resolved),
 * percent-encoding every byte but the unreserved ones and '/', into *out
 * (malloc'd; the caller frees it). */
static int file_uri_of(const char *path, char **out)
{
	*out = NULL;
	char *abs = realpath(path, NULL);
	if (!abs)
		return mlmd__fail(errno == ENOENT ? MLMD_NOT_FOUND : MLMD_INVALID_ARGUMENT, "%s: %s", path, strerror(errno));
	mlmd_buf b = { 0 };
	mlmd__buf_puts(&b, "file://");
	for (const unsigned char *p = (const unsigned char *)abs; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			strchr("-._~/", *p))
			mlmd__buf_put(&b, p, 1);
		else
			mlmd__buf_printf(&b, "%%%02X", *p);
	}
	free(abs);
	if (b.oom || !b.p) {
		mlmd__buf_free(&b);
		return MLMD_OOM();
	}
	*out = b.p;
	return 0;
}

static int get_artifact(mlmd_store *st, int64_t id, Mlmd__Pb__GetArtifactsByIDResponse **rs)
{
	Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	rq.n_artifact_ids = 1;
	rq.artifact_ids = &id;
	int rc = mlmd_store_get_artifacts_by_id(st, &rq, rs);
	if (rc)
		return rc;
	if ((*rs)->n_artifacts != 1) {
		mlmd_message_free(*rs);
		*rs = NULL;
		return mlmd__fail(MLMD_NOT_FOUND, "model artifact %lld does not exist", (long long)id);
	}
	return 0;
}

/*
 * Loads the model of an artifact, as mlmd_model_load_artifact() does, and
 * sets *verified to whether the file's SHA-256 matched the artifact's
 * recorded digest (with allow_unverified a model may load without that).
 */
static int load_artifact(mlmd_model **out, mlmd_store *st, int64_t artifact_id, int allow_unverified,
	bool *verified)
{
	*out = NULL;
	*verified = false;
	Mlmd__Pb__GetArtifactsByIDResponse *rs;
	int rc = get_artifact(st, artifact_id, &rs);
	if (rc)
		return rc;
	const Mlmd__Pb__Artifact *a = rs->artifacts[0];
	char path[4096], hex[65];
	char *buf = NULL;
	size_t len;
	const char *want = value_string(mlmd_node_get(a, 0, "digest"));
	if (!want)
		want = value_string(mlmd_node_get(a, 1, "digest"));
	if ((rc = artifact_path(a, path, sizeof path)) || (rc = mlmd__sc_read_file(path, &buf, &len)) ||
		(rc = sha256_hex(buf, len, hex))) {
		rc = mlmd__context(rc, "model artifact %lld", (long long)artifact_id);
		goto out;
	}
	char got[80];
	snprintf(got, sizeof got, "sha256:%s", hex);
	*verified = want && (strcmp(want, got) == 0 || (strlen(want) == 64 && strcmp(want, hex) == 0));
	if (!allow_unverified) {
		if (!want) {
			rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "model artifact %lld has no recorded digest (the file %s "
				"has %s); record it with mlmd_model_record() or allow unverified models", (long long)artifact_id,
				path, got);
			goto out;
		}
		if (!*verified) {
			rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "model artifact %lld: the file %s has digest %s, the "
				"artifact records %s", (long long)artifact_id, path, got, want);
			goto out;
		}
	}
	rc = mlmd_model_load_buffer(out, buf, len, path);
out:
	free(buf);
	mlmd_message_free(rs);
	return rc;
}

int mlmd_model_load_artifact(mlmd_model **out, mlmd_store *st, int64_t artifact_id, int allow_unverified)
{
	if (!out || !st)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_model_load_artifact: out and store are required");
	bool verified;
	return load_artifact(out, st, artifact_id, allow_unverified, &verified);
}

/* Type ids: created if missing, extended with the properties if it exists. */
static int ensure_type(mlmd_store *st, int kind, const char *name, const char *const *props, const int *types,
	int64_t *id)
{
	const ProtobufCMessageDescriptor *d = kind == 0 ? &mlmd__pb__artifact_type__descriptor :
		kind == 1 ? &mlmd__pb__execution_type__descriptor : &mlmd__pb__context_type__descriptor;
	void *t = mlmd_message_new(d);
	if (!t)
		return MLMD_OOM();
	int rc = mlmd_message_set_string(t, "name", name);
	for (int i = 0; !rc && props[i]; i++)
		rc = mlmd_type_add_property(t, props[i], (Mlmd__Pb__PropertyType)types[i]);
	if (rc) {
		mlmd_message_free(t);
		return rc;
	}
	/* the three Put*Type calls differ only in their message types */
#define PUT_TYPE(Req, req_init, field, call)                                            \
	do {                                                                             \
		Mlmd__Pb__##Req##Request rq;                                             \
		req_init(&rq); /* (the INIT macro names deprecated fields) */           \
		Mlmd__Pb__##Req##Response *rs;                                           \
		rq.field = t;                                                            \
		rq.has_can_add_fields = rq.can_add_fields = 1;                          \
		rq.has_can_omit_fields = rq.can_omit_fields = 1;                        \
		if (!(rc = call(st, &rq, &rs)))                                          \
			*id = rs->type_id;                                               \
		mlmd_message_free(rs);                                                   \
	} while (0)
	if (kind == 0)
		PUT_TYPE(PutArtifactType, mlmd__pb__put_artifact_type_request__init, artifact_type,
			mlmd_store_put_artifact_type);
	else if (kind == 1)
		PUT_TYPE(PutExecutionType, mlmd__pb__put_execution_type_request__init, execution_type,
			mlmd_store_put_execution_type);
	else
		PUT_TYPE(PutContextType, mlmd__pb__put_context_type_request__init, context_type,
			mlmd_store_put_context_type);
#undef PUT_TYPE
	mlmd_message_free(t);
	return rc;
}

#define S_ MLMD__PB__PROPERTY_TYPE__STRING
#define I_ MLMD__PB__PROPERTY_TYPE__INT
#define D_ MLMD__PB__PROPERTY_TYPE__DOUBLE
#define B_ MLMD__PB__PROPERTY_TYPE__BOOLEAN

static const char *const MODEL_PROPS[] = { "digest", "size_bytes", "format", "inputs", "outputs", NULL };
static const int MODEL_TYPES[] = { S_, I_, S_, S_, S_ };

/* JSON list of a model's inputs or outputs: [{"name":..,"type":..,"shape":[..]}] */
static void io_json(mlmd_buf *b, const mlmd_model *m, bool outputs)
{
	size_t n = outputs ? mlmd_model_output_count(m) : mlmd_model_input_count(m);
	mlmd__buf_puts(b, "[");
	for (size_t i = 0; i < n; i++) {
		const mlmd_value_info *vi = outputs ? mlmd_model_output(m, i) : mlmd_model_input(m, i);
		mlmd__buf_printf(b, "%s{\"name\":\"", i ? "," : "");
		for (const char *p = vi->name; *p; p++)
			if (*p == '"' || *p == '\\')
				mlmd__buf_printf(b, "\\%c", *p);
			else if ((unsigned char)*p < 0x20)
				mlmd__buf_printf(b, "\\u%04x", *p);
			else
				mlmd__buf_put(b, p, 1);
		mlmd__buf_printf(b, "\",\"type\":\"%s\",\"shape\":", mlmd__sc_dtype_name(vi->dtype));
		if (vi->rank < 0) {
			mlmd__buf_puts(b, "null");
		} else {
			mlmd__buf_puts(b, "[");
			for (int d = 0; d < vi->rank; d++)
				mlmd__buf_printf(b, d ? ",%lld" : "%lld", (long long)vi->dims[d]);
			mlmd__buf_puts(b, "]");
		}
		mlmd__buf_puts(b, "}");
	}
	mlmd__buf_puts(b, "]");
}

int mlmd_model_record(mlmd_store *st, const mlmd_model_record_options *o, int64_t *artifact_id)
{
	if (!st || !o || !o->path || !o->name || !artifact_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_model_record: store, path, name and artifact_id are "
			"required");
	char *buf;
	size_t len;
	char hex[65];
	int rc = mlmd__sc_read_file(o->path, &buf, &len);
	if (rc)
		return rc;
	mlmd_model *m = NULL;
	if ((rc = sha256_hex(buf, len, hex)) || (rc = mlmd_model_load_buffer(&m, buf, len, o->path))) {
		free(buf);
		return rc;
	}
	free(buf);
	int64_t type_id;
	const char *type_name = o->type_name ? o->type_name : "Model";
	if ((rc = ensure_type(st, 0, type_name, MODEL_PROPS, MODEL_TYPES, &type_id))) {
		mlmd_model_free(m);
		return mlmd__context(rc, "model type '%s'", type_name);
	}
	Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
	mlmd_buf ins = { 0 }, outs = { 0 };
	io_json(&ins, m, false);
	io_json(&outs, m, true);
	char digest[80];
	snprintf(digest, sizeof digest, "sha256:%s", hex);
	if (!a || ins.oom || outs.oom)
		rc = MLMD_OOM();
	if (!rc) {
		a->has_type_id = 1;
		a->type_id = type_id;
		a->has_state = 1;
		a->state = MLMD__PB__ARTIFACT__STATE__LIVE;
		char *furi = NULL;
		if (!o->uri)
			rc = file_uri_of(o->path, &furi);
		if (!rc)
			rc = mlmd_message_set_string(a, "uri", o->uri ? o->uri : furi);
		free(furi);
	}
	if (!rc)
		rc = mlmd_message_set_string(a, "name", o->name);
	if (!rc)
		rc = mlmd_node_set_string(a, 0, "digest", digest);
	if (!rc)
		rc = mlmd_node_set_int(a, 0, "size_bytes", (int64_t)len);
	if (!rc)
		rc = mlmd_node_set_string(a, 0, "format", mlmd_model_format(m));
	if (!rc)
		rc = mlmd_node_set_string(a, 0, "inputs", ins.p);
	if (!rc)
		rc = mlmd_node_set_string(a, 0, "outputs", outs.p);
	mlmd__buf_free(&ins);
	mlmd__buf_free(&outs);
	mlmd_model_free(m);
	if (!rc) {
		Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__PutArtifactsResponse *rs;
		rq.n_artifacts = 1;
		rq.artifacts = &a;
		if (!(rc = mlmd_store_put_artifacts(st, &rq, &rs)))
			*artifact_id = rs->artifact_ids[0];
		mlmd_message_free(rs);
	}
	mlmd_message_free(a);
	return rc;
}

/* ---- scorers ------------------------------------------------------------------------------ */

/* One model version the scorer has served. Kept until the scorer closes so
 * statistics can name its labels; the model itself is released as soon as
 * no one uses it. */
typedef struct served {
	struct served *next;
	mlmd_model *model;       /* NULL once the scorer stops serving it (contexts hold their own refs) */
	int64_t artifact_id;
	uint64_t version;
	int cls_output;          /* output with class labels (scores [N, K]), or -1 */
	size_t n_labels;
	char **labels;           /* copies, for the statistics */
	bool verified;           /* its file matched the artifact's digest when loaded */
	bool event_recorded;
} served;

/* Statistics of one context for one model version. */
typedef struct stat_block {
	struct stat_block *next;
	const served *model;
	_Atomic uint64_t calls, rows, errors, lat_sum_ns, lat_min_ns, lat_max_ns;
	_Atomic uint64_t lat[LAT_BUCKETS];
	_Atomic uint64_t conf[CONF_BUCKETS];
	_Atomic uint64_t cls[MAX_CLASSES];
} stat_block;

typedef struct {
	uint64_t rows;
	int64_t at_ms;
	char digest[65];
} batch_rec;

struct mlmd_scorer_ctx {
	mlmd_scorer *scorer;
	mlmd_scorer_ctx *next, *prev;    /* the scorer's list, under its mutex */
	mlmd_score_ctx *sc;
	served *cur;
	mlmd_model *model;               /* our reference to cur's model */
	uint64_t version;
	stat_block *stats;
	mlmd_tensor *extra;              /* the caller's outputs and up to the class output, when */
	size_t n_extra;                  /*   the caller asked for fewer (grown once, never per call) */
	batch_rec ring[RING];            /* single producer (this context), single consumer (flush) */
	_Atomic uint32_t head, tail;
	_Atomic uint64_t dropped;
};

struct mlmd_scorer {
	pthread_mutex_t mu;              /* current model, lists; never held on the scoring path */
	pthread_mutex_t store_mu;        /* the store handle and the execution's record */
	_Atomic uint64_t version;
	served *current;
	served *all;
	stat_block *blocks;
	mlmd_scorer_ctx *ctxs;
	mlmd_store *store;
	bool recording, record_batches, allow_unverified;
	size_t max_memory;               /* each context's scratch limit */
	int64_t execution_id, execution_type_id, context_id, context_type_id, batch_type_id;
	int64_t *linked;                 /* artifacts with an INPUT event already (store_mu) */
	size_t n_linked, cap_linked;
	char *deployment;
	char host[256];
	int64_t started_ms;
	/* background flush */
	pthread_t thread;
	bool thread_started, stop;
	pthread_mutex_t tmu;
	pthread_cond_t tcond;
	int interval_ms;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static served *served_new(mlmd_model *m, int64_t artifact_id)
{
	served *v = calloc(1, sizeof *v);
	if (!v)
		return NULL;
	v->model = m;
	v->artifact_id = artifact_id;
	v->cls_output = -1;
	for (size_t o = 0; o < mlmd_model_output_count(m); o++) {
		const mlmd_value_info *vi = mlmd_model_output(m, o);
		if (vi->n_labels > 1 && vi->n_labels <= MAX_CLASSES &&
			(vi->dtype == MLMD_DTYPE_FLOAT || vi->dtype == MLMD_DTYPE_DOUBLE)) {
			v->cls_output = (int)o;
			v->n_labels = vi->n_labels;
			v->labels = calloc(vi->n_labels, sizeof *v->labels);
			for (size_t k = 0; v->labels && k < vi->n_labels; k++) {
				char buf[64];
				if (vi->labels_int64)
					snprintf(buf, sizeof buf, "%lld", (long long)vi->labels_int64[k]);
				v->labels[k] = strdup(vi->labels_int64 ? buf : vi->labels_string[k]);
			}
			break;
		}
	}
	return v;
}

static void served_free(served *v)
{
	for (size_t k = 0; v->labels && k < v->n_labels; k++)
		free(v->labels[k]);
	free(v->labels);
	mlmd_model_free(v->model);
	free(v);
}

/* Loads a model for this scorer. *verified is what the serving record's
 * model_verified says of it: the file matched the artifact's digest and the
 * scorer enforces that. A scorer opened with allow_unverified enforces
 * nothing, so what it serves is recorded as unverified even when the digest
 * happened to match (the record says how the model was served, and such a
 * scorer would have served any file). */
static int load_verified(mlmd_scorer *s, int64_t artifact_id, mlmd_model **m, bool *verified)
{
	pthread_mutex_lock(&s->store_mu);
	int rc = load_artifact(m, s->store, artifact_id, s->allow_unverified, verified);
	pthread_mutex_unlock(&s->store_mu);
	*verified = *verified && !s->allow_unverified;
	return rc;
}

/* ---- recording ------------------------------------------------------------------------------ */

static const char *const EXEC_PROPS[] = { "host", "pid", "library_version", "deployment", "started_ms", "updated_ms",
	"rows", "calls", "errors", "latency_min_us", "latency_mean_us", "latency_p50_us", "latency_p90_us",
	"latency_p99_us", "latency_max_us", "confidence_histogram", "class_counts", "models_served", "swaps",
	"batches_dropped", "model_verified", NULL };
static const int EXEC_TYPES[] = { S_, I_, S_, S_, I_, I_, I_, I_, I_, D_, D_, D_, D_, D_, D_, S_, S_, I_, I_, I_, B_ };

static double bucket_upper_ns(int b)
{
	/* bucket b covers [2^(b/4) * (1 + (b%4)/4), next) nanoseconds; report its midpoint */
	double lo = ldexp(1.0 + (b % 4) / 4.0, b / 4), hi = ldexp(1.0 + (b % 4 + 1) / 4.0, b / 4);
	return (lo + hi) / 2;
}

static int lat_bucket(uint64_t ns)
{
	if (ns < 1)
		return 0;
	int e = 63 - __builtin_clzll(ns);
	int sub = e >= 2 ? (int)((ns >> (e - 2)) & 3) : 0;
	int b = e * 4 + sub;
	return b < LAT_BUCKETS ? b : LAT_BUCKETS - 1;
}

#define LD(x) atomic_load_explicit(&(x), memory_order_relaxed)

/* Sums every block into the execution's record: a new message (free it with
 * mlmd_message_free()) carrying every property, since an update replaces
 * them all. `models_served` is how many artifacts the execution will have
 * read once this record is written, `verified` whether every model it has
 * served matched its digest. Called with store_mu held. */
static int build_record(mlmd_scorer *s, bool complete, int64_t models_served, bool verified,
	Mlmd__Pb__Execution **out)
{
	*out = NULL;
	uint64_t calls = 0, rows = 0, errors = 0, lat_sum = 0, lat_min = UINT64_MAX, lat_max = 0, dropped = 0;
	uint64_t lat[LAT_BUCKETS] = { 0 }, conf[CONF_BUCKETS] = { 0 };
	mlmd_buf classes = { 0 };
	/* class counts by label text across versions: a small linear table */
	char *names[256];
	uint64_t counts[256];
	int n_names = 0, models = 0;
	pthread_mutex_lock(&s->mu);
	stat_block *blocks = s->blocks;
	for (served *v = s->all; v; v = v->next)
		models++;
	for (mlmd_scorer_ctx *c = s->ctxs; c; c = c->next)
		dropped += LD(c->dropped);
	pthread_mutex_unlock(&s->mu);
	for (stat_block *b = blocks; b; b = b->next) {
		calls += LD(b->calls);
		rows += LD(b->rows);
		errors += LD(b->errors);
		lat_sum += LD(b->lat_sum_ns);
		uint64_t mn = LD(b->lat_min_ns), mx = LD(b->lat_max_ns);
		if (LD(b->calls)) {
			lat_min = mn < lat_min ? mn : lat_min;
			lat_max = mx > lat_max ? mx : lat_max;
		}
		for (int i = 0; i < LAT_BUCKETS; i++)
			lat[i] += LD(b->lat[i]);
		for (int i = 0; i < CONF_BUCKETS; i++)
			conf[i] += LD(b->conf[i]);
		for (size_t k = 0; k < b->model->n_labels; k++) {
			uint64_t c = LD(b->cls[k]);
			if (!c || !b->model->labels[k])
				continue;
			int j;
			for (j = 0; j < n_names; j++)
				if (strcmp(names[j], b->model->labels[k]) == 0)
					break;
			if (j == n_names) {
				if (n_names == 256)
					continue;
				names[n_names] = b->model->labels[k];
				counts[n_names++] = 0;
			}
			counts[j] += c;
		}
	}
	for (int i = 1; i < n_names; i++) /* by label, so the JSON is stable */
		for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *tn = names[j];
			uint64_t tc = counts[j];
			names[j] = names[j - 1];
			counts[j] = counts[j - 1];
			names[j - 1] = tn;
			counts[j - 1] = tc;
		}
	double pct[3] = { 0, 0, 0 }, qs[3] = { 0.5, 0.9, 0.99 };
	uint64_t seen = 0;
	int q = 0;
	for (int i = 0; i < LAT_BUCKETS && q < 3 && calls; i++) {
		seen += lat[i];
		while (q < 3 && seen >= (uint64_t)ceil(qs[q] * (double)calls))
			pct[q++] = bucket_upper_ns(i);
	}
	mlmd_buf hist = { 0 };
	mlmd__buf_puts(&hist, "[");
	for (int i = 0; i < CONF_BUCKETS; i++)
		mlmd__buf_printf(&hist, i ? ",%llu" : "%llu", (unsigned long long)conf[i]);
	mlmd__buf_puts(&hist, "]");
	mlmd__buf_puts(&classes, "{");
	for (int j = 0; j < n_names; j++) {
		mlmd__buf_puts(&classes, j ? ",\"" : "\"");
		for (const char *p = names[j]; *p; p++)
			if (*p == '"' || *p == '\\')
				mlmd__buf_printf(&classes, "\\%c", *p);
			else if ((unsigned char)*p >= 0x20)
				mlmd__buf_put(&classes, p, 1);
		mlmd__buf_printf(&classes, "\":%llu", (unsigned long long)counts[j]);
	}
	mlmd__buf_puts(&classes, "}");
	Mlmd__Pb__Execution *e = mlmd_message_new(&mlmd__pb__execution__descriptor);
	int rc = !e || hist.oom || classes.oom ? MLMD_OOM() : 0;
	if (!rc) {
		e->has_id = s->execution_id != 0; /* 0: the first record creates it */
		e->id = s->execution_id;
		e->has_type_id = 1;
		e->type_id = s->execution_type_id;
		e->has_last_known_state = 1;
		e->last_known_state = complete ? MLMD__PB__EXECUTION__STATE__COMPLETE : MLMD__PB__EXECUTION__STATE__RUNNING;
		rc = mlmd_node_set_string(e, 0, "host", s->host);
		rc = rc ? rc : mlmd_node_set_int(e, 0, "pid", (int64_t)getpid());
		rc = rc ? rc : mlmd_node_set_string(e, 0, "library_version", mlmd_version());
		rc = rc ? rc : mlmd_node_set_string(e, 0, "deployment", s->deployment);
		rc = rc ? rc : mlmd_node_set_int(e, 0, "started_ms", s->started_ms);
		rc = rc ? rc : mlmd_node_set_int(e, 0, "updated_ms", now_ms());
		rc = rc ? rc : mlmd_node_set_int(e, 0, "rows", (int64_t)rows);
		rc = rc ? rc : mlmd_node_set_int(e, 0, "calls", (int64_t)calls);
		rc = rc ? rc : mlmd_node_set_int(e, 0, "errors", (int64_t)errors);
		rc = rc ? rc : mlmd_node_set_int(e, 0, "models_served", models_served);
		rc = rc ? rc : mlmd_node_set_bool(e, 0, "model_verified", verified);
		rc = rc ? rc : mlmd_node_set_int(e, 0, "swaps", models - 1);
		rc = rc ? rc : mlmd_node_set_int(e, 0, "batches_dropped", (int64_t)dropped);
		if (calls) {
			rc = rc ? rc : mlmd_node_set_double(e, 0, "latency_min_us", (double)lat_min / 1e3);
			rc = rc ? rc : mlmd_node_set_double(e, 0, "latency_mean_us", (double)lat_sum / (double)calls / 1e3);
			for (int k = 0; k < 3; k++) /* a bucket's midpoint, kept within the observed range */
				pct[k] = pct[k] < (double)lat_min ? (double)lat_min : pct[k] > (double)lat_max ? (double)lat_max : pct[k];
			rc = rc ? rc : mlmd_node_set_double(e, 0, "latency_p50_us", pct[0] / 1e3);
			rc = rc ? rc : mlmd_node_set_double(e, 0, "latency_p90_us", pct[1] / 1e3);
			rc = rc ? rc : mlmd_node_set_double(e, 0, "latency_p99_us", pct[2] / 1e3);
			rc = rc ? rc : mlmd_node_set_double(e, 0, "latency_max_us", (double)lat_max / 1e3);
		}
		rc = rc ? rc : mlmd_node_set_string(e, 0, "confidence_histogram", hist.p);
		rc = rc ? rc : mlmd_node_set_string(e, 0, "class_counts", classes.p);
	}
	if (rc)
		mlmd_message_free(e);
	else
		*out = e;
	mlmd__buf_free(&hist);
	mlmd__buf_free(&classes);
	return rc;
}

/*
 * Writes the execution's record in one PutExecution, so it is stored whole
 * or not at all: the execution with every property, an INPUT event from
 * each of the `nm` models, an OUTPUT event to each of the `nb` new
 * ScoredBatch artifacts, and with `in_context` its association with the
 * Deployment context (created if missing, reused as it is if it exists)
 * and the models' attributions. The first record creates the execution and
 * sets s->execution_id (and e's id, for a second call with the same record).
 */
static int put_record(mlmd_scorer *s, Mlmd__Pb__Execution *e, const int64_t *models, size_t nm,
	Mlmd__Pb__Artifact **batches, size_t nb, bool in_context)
{
	size_t n = nm + nb;
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent *pairs = calloc(n + 1, sizeof *pairs);
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent **pp = calloc(n + 1, sizeof *pp);
	Mlmd__Pb__Event *evs = calloc(n + 1, sizeof *evs);
	if (!pairs || !pp || !evs) {
		free(pairs);
		free(pp);
		free(evs);
		return MLMD_OOM();
	}
	int64_t now = now_ms();
	for (size_t i = 0; i < n; i++) {
		mlmd__pb__put_execution_request__artifact_and_event__init(&pairs[i]);
		mlmd__pb__event__init(&evs[i]);
		evs[i].has_type = 1;
		if (i < nm) {
			evs[i].type = MLMD__PB__EVENT__TYPE__INPUT;
			evs[i].has_artifact_id = 1;
			evs[i].artifact_id = models[i];
			evs[i].has_milliseconds_since_epoch = 1;
			evs[i].milliseconds_since_epoch = now;
		} else {
			evs[i].type = MLMD__PB__EVENT__TYPE__OUTPUT;
			pairs[i].artifact = batches[i - nm];
		}
		pairs[i].event = &evs[i];
		pp[i] = &pairs[i];
	}
	Mlmd__Pb__Context c = MLMD__PB__CONTEXT__INIT, *cp = &c;
	c.has_type_id = 1;
	c.type_id = s->context_type_id;
	if (s->context_id) {
		c.has_id = 1;
		c.id = s->context_id;
	} else {
		c.name = s->deployment;
	}
	Mlmd__Pb__PutExecutionRequest__Options opt = MLMD__PB__PUT_EXECUTION_REQUEST__OPTIONS__INIT;
	/* another scorer may have created the deployment: take it as it is,
	 * without rewriting it (its properties are its owner's) */
	opt.has_reuse_context_if_already_exist = opt.reuse_context_if_already_exist = 1;
	opt.has_force_reuse_context = opt.force_reuse_context = 1;
	Mlmd__Pb__PutExecutionRequest rq = MLMD__PB__PUT_EXECUTION_REQUEST__INIT;
	rq.execution = e;
	rq.n_artifact_event_pairs = n;
	rq.artifact_event_pairs = pp;
	rq.options = &opt;
	if (in_context) {
		rq.n_contexts = 1;
		rq.contexts = &cp;
	}
	Mlmd__Pb__PutExecutionResponse *rs = NULL;
	int rc = mlmd_store_put_execution(s->store, &rq, &rs);
	if (!rc) {
		s->execution_id = rs->execution_id;
		e->has_id = 1;
		e->id = rs->execution_id;
		if (in_context && rs->n_context_ids == 1)
			s->context_id = rs->context_ids[0];
	}
	mlmd_message_free(rs);
	free(pairs);
	free(pp);
	free(evs);
	return rc;
}

static const char *const BATCH_PROPS[] = { "rows", "input_digest", "scored_ms", NULL };
static const int BATCH_TYPES[] = { I_, S_, I_ };

/* New ScoredBatch artifacts for recorded batches (free each with
 * mlmd_message_free(), then the array). */
static int batch_artifacts(mlmd_scorer *s, const batch_rec *recs, size_t n, Mlmd__Pb__Artifact ***out)
{
	*out = NULL;
	int rc = 0;
	if (!s->batch_type_id && (rc = ensure_type(s->store, 0, "ScoredBatch", BATCH_PROPS, BATCH_TYPES,
		&s->batch_type_id)))
		return rc;
	Mlmd__Pb__Artifact **arts = calloc(n, sizeof *arts);
	if (!arts)
		return MLMD_OOM();
	for (size_t i = 0; i < n && !rc; i++) {
		arts[i] = mlmd_message_new(&mlmd__pb__artifact__descriptor);
		if (!arts[i]) {
			rc = MLMD_OOM();
			break;
		}
		arts[i]->has_type_id = 1;
		arts[i]->type_id = s->batch_type_id;
		arts[i]->has_state = 1;
		arts[i]->state = MLMD__PB__ARTIFACT__STATE__LIVE;
		char dg[80];
		snprintf(dg, sizeof dg, "sha256:%s", recs[i].digest);
		rc = mlmd_node_set_int(arts[i], 0, "rows", (int64_t)recs[i].rows);
		rc = rc ? rc : mlmd_node_set_string(arts[i], 0, "input_digest", dg);
		rc = rc ? rc : mlmd_node_set_int(arts[i], 0, "scored_ms", recs[i].at_ms);
	}
	if (rc) {
		for (size_t i = 0; i < n; i++)
			mlmd_message_free(arts[i]);
		free(arts);
		return rc;
	}
	*out = arts;
	return 0;
}

/*
 * Writes what the scorer has done since the last flush. The statistics, the
 * links to models not yet recorded (with model_verified) and the Deployment
 * membership go in one PutExecution; recorded batches in a second one with
 * the same statistics when there are both (PutExecution would otherwise put
 * the batches in the deployment too). The first flush creates the
 * execution, its association and its first model link together.
 */
static int flush_locked(mlmd_scorer *s, bool complete)
{
	if (!s->recording)
		return 0;
	int rc = 0;
	/* models not yet linked to the execution */
	pthread_mutex_lock(&s->mu);
	int64_t pending[64];
	served *pv[64];
	int np = 0;
	bool verified = true;
	for (served *v = s->all; v; v = v->next) {
		verified &= v->verified; /* every model it has served, linked or about to be */
		if (!v->event_recorded && np < 64) {
			pending[np] = v->artifact_id;
			pv[np++] = v;
		}
	}
	/* recorded batches, drained from each context's ring */
	size_t nrec = 0, cap = 0;
	batch_rec *recs = NULL;
	for (mlmd_scorer_ctx *c = s->ctxs; c; c = c->next) {
		uint32_t t = atomic_load_explicit(&c->tail, memory_order_relaxed);
		uint32_t h = atomic_load_explicit(&c->head, memory_order_acquire);
		for (; t != h; t++) {
			if (nrec == cap) {
				cap = cap ? cap * 2 : 64;
				batch_rec *nr = realloc(recs, cap * sizeof *nr);
				if (!nr)
					break;
				recs = nr;
			}
			recs[nrec++] = c->ring[t % RING];
		}
		atomic_store_explicit(&c->tail, t, memory_order_release);
	}
	pthread_mutex_unlock(&s->mu);
	/* one INPUT event per artifact, however often it is swapped back in */
	int64_t fresh[64];
	size_t nfresh = 0;
	for (int i = 0; i < np; i++) {
		bool dup = false;
		for (size_t j = 0; j < s->n_linked; j++)
			dup |= s->linked[j] == pending[i];
		for (size_t j = 0; j < nfresh; j++)
			dup |= fresh[j] == pending[i];
		if (!dup)
			fresh[nfresh++] = pending[i];
	}
	if (s->n_linked + nfresh > s->cap_linked) {
		size_t nc = s->cap_linked ? s->cap_linked * 2 : 8;
		while (nc < s->n_linked + nfresh)
			nc *= 2;
		int64_t *nl = realloc(s->linked, nc * sizeof *nl);
		if (!nl)
			rc = MLMD_OOM();
		else
			s->linked = nl, s->cap_linked = nc;
	}
	Mlmd__Pb__Execution *e = NULL;
	Mlmd__Pb__Artifact **batches = NULL;
	if (!rc)
		rc = build_record(s, complete, (int64_t)(s->n_linked + nfresh), verified, &e);
	if (!rc && nrec)
		rc = batch_artifacts(s, recs, nrec, &batches);
	bool link = !s->execution_id || nfresh;
	if (!rc && (link || !nrec))
		rc = put_record(s, e, fresh, nfresh, NULL, 0, link);
	if (!rc) {
		for (size_t i = 0; i < nfresh; i++)
			s->linked[s->n_linked++] = fresh[i];
		for (int i = 0; i < np; i++)
			pv[i]->event_recorded = true; /* only flush (store_mu held) reads or writes this */
	}
	if (!rc && nrec)
		rc = put_record(s, e, NULL, 0, batches, nrec, false);
	for (size_t i = 0; batches && i < nrec; i++)
		mlmd_message_free(batches[i]);
	free(batches);
	mlmd_message_free(e);
	free(recs);
	return rc;
}

int mlmd_scorer_flush(mlmd_scorer *s)
{
	if (!s)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_flush: scorer is NULL");
	pthread_mutex_lock(&s->store_mu);
	int rc = flush_locked(s, false);
	pthread_mutex_unlock(&s->store_mu);
	return rc;
}

static void *flush_thread(void *arg)
{
	mlmd_scorer *s = arg;
	pthread_mutex_lock(&s->tmu);
	while (!s->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t ns = ts.tv_nsec + (int64_t)(s->interval_ms % 1000) * 1000000;
		ts.tv_sec += s->interval_ms / 1000 + ns / 1000000000;
		ts.tv_nsec = ns % 1000000000;
		pthread_cond_timedwait(&s->tcond, &s->tmu, &ts);
		if (s->stop)
			break;
		pthread_mutex_unlock(&s->tmu);
		mlmd_scorer_flush(s); /* failures are retried at the next interval; close reports its own */
		pthread_mutex_lock(&s->tmu);
	}
	pthread_mutex_unlock(&s->tmu);
	return NULL;
}

/* Declares the types (each call its own transaction: declaring a type
 * again, or adding model_verified to a ModelServing type of an earlier
 * release, is harmless whoever does it first), then writes the first
 * record: the execution, its Deployment context and its first model, in
 * one transaction. */
static int start_recording(mlmd_scorer *s)
{
	static const char *const no_props[] = { NULL };
	static const int no_types[] = { 0 };
	int rc = ensure_type(s->store, 1, "ModelServing", EXEC_PROPS, EXEC_TYPES, &s->execution_type_id);
	if (!rc)
		rc = ensure_type(s->store, 2, "Deployment", no_props, no_types, &s->context_type_id);
	return rc ? rc : flush_locked(s, false);
}

static void scorer_destroy(mlmd_scorer *s)
{
	for (served *v = s->all, *n; v; v = n) {
		n = v->next;
		served_free(v);
	}
	for (stat_block *b = s->blocks, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	mlmd_store_free(s->store);
	free(s->linked);
	free(s->deployment);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->store_mu);
	pthread_mutex_destroy(&s->tmu);
	pthread_cond_destroy(&s->tcond);
	free(s);
}

int mlmd_scorer_open(mlmd_scorer **out, const mlmd_scorer_options *o)
{
	if (!out || !o || !o->store_uri)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_open: out, options and store_uri are required");
	*out = NULL;
	if (!o->artifact_id && !o->artifact_name)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_open: give artifact_id or artifact_name");
	if (o->flush_interval_ms < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_open: flush_interval_ms is negative");
	mlmd_scorer *s = calloc(1, sizeof *s);
	if (!s)
		return MLMD_OOM();
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->store_mu, NULL);
	pthread_mutex_init(&s->tmu, NULL);
	pthread_cond_init(&s->tcond, NULL);
	s->recording = !o->no_recording;
	s->record_batches = o->record_batches && s->recording;
	s->allow_unverified = o->allow_unverified;
	s->max_memory = o->version >= 2 && o->max_memory ? o->max_memory : MLMD_SCORER_DEFAULT_MAX_MEMORY;
	s->deployment = mlmd__strdup(o->deployment ? o->deployment : "default");
	s->started_ms = now_ms();
	if (gethostname(s->host, sizeof s->host - 1) != 0)
		snprintf(s->host, sizeof s->host, "unknown");
	mlmd_store_options so = MLMD_STORE_OPTIONS_INIT;
	so.uri = o->store_uri;
	int rc = s->deployment ? mlmd_store_open(&s->store, &so) : MLMD_OOM();
	int64_t id = o->artifact_id;
	if (!rc && !id) {
		Mlmd__Pb__GetArtifactByTypeAndNameRequest rq = MLMD__PB__GET_ARTIFACT_BY_TYPE_AND_NAME_REQUEST__INIT;
		Mlmd__Pb__GetArtifactByTypeAndNameResponse *rs = NULL;
		rq.type_name = (char *)(o->artifact_type ? o->artifact_type : "Model");
		rq.artifact_name = (char *)o->artifact_name;
		if (!(rc = mlmd_store_get_artifact_by_type_and_name(s->store, &rq, &rs))) {
			if (rs->artifact)
				id = rs->artifact->id;
			else
				rc = mlmd__fail(MLMD_NOT_FOUND, "no artifact of type '%s' named '%s'", rq.type_name,
					o->artifact_name);
		}
		mlmd_message_free(rs);
	}
	mlmd_model *m = NULL;
	bool verified = false;
	if (!rc)
		rc = load_verified(s, id, &m, &verified);
	if (!rc) {
		served *v = served_new(m, id);
		if (!v) {
			mlmd_model_free(m);
			rc = MLMD_OOM();
		} else {
			v->verified = verified;
			v->version = 1;
			s->current = s->all = v;
			atomic_store(&s->version, 1);
		}
	}
	if (!rc && s->recording) {
		pthread_mutex_lock(&s->store_mu);
		rc = start_recording(s);
		pthread_mutex_unlock(&s->store_mu);
	}
	if (!rc && s->recording && o->flush_interval_ms > 0) {
		s->interval_ms = o->flush_interval_ms;
		if (pthread_create(&s->thread, NULL, flush_thread, s) != 0)
			rc = mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "mlmd_scorer_open: cannot start the flush thread");
		else
			s->thread_started = true;
	}
	if (rc) {
		scorer_destroy(s);
		return rc;
	}
	*out = s;
	return 0;
}

int mlmd_scorer_swap(mlmd_scorer *s, int64_t artifact_id)
{
	if (!s)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_swap: scorer is NULL");
	mlmd_model *m;
	bool verified;
	int rc = load_verified(s, artifact_id, &m, &verified); /* the slow part, off the scoring path */
	if (rc)
		return rc;
	served *v = served_new(m, artifact_id);
	if (!v) {
		mlmd_model_free(m);
		return MLMD_OOM();
	}
	v->verified = verified;
	pthread_mutex_lock(&s->mu);
	served *old = s->current;
	v->version = old->version + 1;
	v->next = s->all;
	s->all = v;
	s->current = v;
	atomic_store_explicit(&s->version, v->version, memory_order_release);
	mlmd_model *old_model = old->model;
	old->model = NULL; /* contexts still using it hold their own references */
	pthread_mutex_unlock(&s->mu);
	mlmd_model_free(old_model);
	return mlmd_scorer_flush(s);
}

int64_t mlmd_scorer_execution_id(const mlmd_scorer *s)
{
	return s ? s->execution_id : 0;
}

int64_t mlmd_scorer_artifact_id(const mlmd_scorer *s)
{
	if (!s)
		return 0;
	pthread_mutex_lock((pthread_mutex_t *)&s->mu);
	int64_t id = s->current->artifact_id;
	pthread_mutex_unlock((pthread_mutex_t *)&s->mu);
	return id;
}

mlmd_model *mlmd_scorer_model(mlmd_scorer *s)
{
	if (!s)
		return NULL;
	pthread_mutex_lock(&s->mu);
	mlmd_model *m = mlmd_model_ref(s->current->model);
	pthread_mutex_unlock(&s->mu);
	return m;
}

int mlmd_scorer_free(mlmd_scorer *s)
{
	if (!s)
		return 0;
	if (s->thread_started) {
		pthread_mutex_lock(&s->tmu);
		s->stop = true;
		pthread_cond_signal(&s->tcond);
		pthread_mutex_unlock(&s->tmu);
		pthread_join(s->thread, NULL);
	}
	int rc = 0;
	if (s->ctxs)
		rc = mlmd__fail(MLMD_FAILED_PRECONDITION, "mlmd_scorer_free: scoring contexts are still open; "
			"free them first");
	if (!rc) {
		pthread_mutex_lock(&s->store_mu);
		rc = flush_locked(s, true);
		pthread_mutex_unlock(&s->store_mu);
		scorer_destroy(s);
	}
	return rc;
}

/* ---- contexts and the hot path ------------------------------------------------------------- */

int mlmd_scorer_ctx_new(mlmd_scorer *s, mlmd_scorer_ctx **out)
{
	if (!s || !out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_ctx_new: scorer and out are required");
	mlmd_scorer_ctx *c = calloc(1, sizeof *c);
	if (!c)
		return MLMD_OOM();
	int rc = mlmd_score_ctx_new(&c->sc);
	if (rc) {
		free(c);
		return rc;
	}
	mlmd_score_ctx_set_limit(c->sc, s->max_memory);
	c->scorer = s;
	pthread_mutex_lock(&s->mu);
	c->next = s->ctxs;
	if (s->ctxs)
		s->ctxs->prev = c;
	s->ctxs = c;
	pthread_mutex_unlock(&s->mu);
	*out = c;
	return 0;
}

void mlmd_scorer_ctx_free(mlmd_scorer_ctx *c)
{
	if (!c)
		return;
	mlmd_scorer *s = c->scorer;
	if (s->record_batches && atomic_load(&c->head) != atomic_load(&c->tail))
		mlmd_scorer_flush(s); /* its recorded batches are not lost */
	pthread_mutex_lock(&s->mu);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->ctxs = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&s->mu);
	mlmd_model_free(c->model);
	mlmd_score_ctx_free(c->sc);
	free(c->extra);
	free(c);
}

/* Picks up the scorer's current model (rare: first call, after a swap). */
static int switch_model(mlmd_scorer_ctx *c)
{
	mlmd_scorer *s = c->scorer;
	stat_block *b = calloc(1, sizeof *b);
	if (!b)
		return MLMD_OOM();
	atomic_init(&b->lat_min_ns, UINT64_MAX);
	mlmd_model *old = c->model;
	pthread_mutex_lock(&s->mu);
	c->cur = s->current;
	c->model = mlmd_model_ref(s->current->model);
	c->version = atomic_load_explicit(&s->version, memory_order_relaxed);
	b->model = c->cur;
	b->next = s->blocks;
	s->blocks = b;
	pthread_mutex_unlock(&s->mu);
	c->stats = b;
	mlmd_model_free(old);
	return 0;
}

#define ADD(field, v) atomic_store_explicit(&(field), atomic_load_explicit(&(field), memory_order_relaxed) + (v), \
	memory_order_relaxed)

/* SHA-256 over the inputs' bytes (strings by content), for recorded batches. */
static void inputs_digest(const mlmd_tensor *in, size_t n, char hex[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char d[32];
	unsigned int dl = 0;
	hex[0] = '\0';
	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(md);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t cnt = mlmd__sc_numel(&in[i]);
		if (cnt <= 0)
			continue;
		if (in[i].dtype == MLMD_DTYPE_STRING) {
			for (int64_t k = 0; k < cnt; k++) {
				const char *str = ((const char *const *)in[i].data)[k];
				EVP_DigestUpdate(md, str, strlen(str) + 1);
			}
		} else {
			EVP_DigestUpdate(md, in[i].data, (size_t)cnt * mlmd__sc_dtype_size(in[i].dtype));
		}
	}
	if (EVP_DigestFinal_ex(md, d, &dl) && dl == 32)
		to_hex(d, 32, hex);
	EVP_MD_CTX_free(md);
}

int mlmd_scorer_score(mlmd_scorer_ctx *c, const mlmd_tensor *inputs, size_t n_inputs, mlmd_tensor *outputs,
	size_t n_outputs)
{
	if (!c)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_scorer_score: context is NULL");
	mlmd_scorer *s = c->scorer;
	if (atomic_load_explicit(&s->version, memory_order_acquire) != c->version) {
		int rc = switch_model(c);
		if (rc)
			return rc;
	}
	stat_block *b = c->stats;
	const served *v = c->cur;
	/* the class output must be computed to be counted */
	size_t need = n_outputs;
	mlmd_tensor *outs = outputs;
	if (v->cls_output >= (int)n_outputs && s->recording) {
		need = (size_t)v->cls_output + 1;
		if (c->n_extra < need) {
			mlmd_tensor *ne = realloc(c->extra, need * sizeof *ne);
			if (!ne)
				return MLMD_OOM();
			c->extra = ne;
			c->n_extra = need;
		}
		memset(c->extra, 0, need * sizeof *c->extra);
		for (size_t i = 0; i < n_outputs; i++)
			c->extra[i] = outputs[i];
		outs = c->extra;
	}
	uint64_t t0 = now_ns();
	int rc = mlmd_model_score(c->model, c->sc, inputs, n_inputs, outs, need);
	uint64_t dt = now_ns() - t0;
	if (outs != outputs)
		for (size_t i = 0; i < n_outputs; i++)
			outputs[i] = outs[i];
	ADD(b->calls, 1);
	ADD(b->lat_sum_ns, dt);
	if (dt < atomic_load_explicit(&b->lat_min_ns, memory_order_relaxed))
		atomic_store_explicit(&b->lat_min_ns, dt, memory_order_relaxed);
	if (dt > atomic_load_explicit(&b->lat_max_ns, memory_order_relaxed))
		atomic_store_explicit(&b->lat_max_ns, dt, memory_order_relaxed);
	ADD(b->lat[lat_bucket(dt)], 1);
	if (rc) {
		ADD(b->errors, 1);
		return rc;
	}
	int64_t rows = n_inputs && inputs[0].rank > 0 ? inputs[0].dims[0] : 1;
	ADD(b->rows, (uint64_t)rows);
	if (v->cls_output >= 0 && (size_t)v->cls_output < need) {
		const mlmd_tensor *p = &outs[v->cls_output];
		size_t K = v->n_labels;
		bool dbl = p->dtype == MLMD_DTYPE_DOUBLE;
		if (p->rank == 2 && (size_t)p->dims[1] == K && (dbl || p->dtype == MLMD_DTYPE_FLOAT)) {
			uint64_t conf[CONF_BUCKETS] = { 0 }, cls[MAX_CLASSES] = { 0 };
			const float *pr = p->data;
			const double *pd = p->data;
			for (int64_t r = 0; r < p->dims[0]; r++) {
				size_t best = 0;
				for (size_t k = 1; k < K; k++)
					if ((dbl ? pd[r * (int64_t)K + (int64_t)k] : pr[r * (int64_t)K + (int64_t)k]) >
						(dbl ? pd[r * (int64_t)K + (int64_t)best] : pr[r * (int64_t)K + (int64_t)best]))
						best = k;
				double mx = dbl ? pd[r * (int64_t)K + (int64_t)best] : pr[r * (int64_t)K + (int64_t)best];
				int bin = mx >= 1.0 ? CONF_BUCKETS - 1 : mx > 0 ? (int)(mx * CONF_BUCKETS) : 0;
				conf[bin]++;
				cls[best]++;
			}
			for (int i = 0; i < CONF_BUCKETS; i++)
				if (conf[i])
					ADD(b->conf[i], conf[i]);
			for (size_t k = 0; k < K; k++)
				if (cls[k])
					ADD(b->cls[k], cls[k]);
		}
	}
	if (s->record_batches) {
		uint32_t h = atomic_load_explicit(&c->head, memory_order_relaxed);
		if (h - atomic_load_explicit(&c->tail, memory_order_acquire) >= RING) {
			ADD(c->dropped, 1);
		} else {
			batch_rec *br = &c->ring[h % RING];
			br->rows = (uint64_t)rows;
			br->at_ms = now_ms();
			inputs_digest(inputs, n_inputs, br->digest);
			atomic_store_explicit(&c->head, h + 1, memory_order_release);
		}
	}
	return 0;
}

const mlmd_model *mlmd_scorer_ctx_model(const mlmd_scorer_ctx *c)
{
	return c ? c->model : NULL;
}

int64_t mlmd_scorer_ctx_artifact_id(const mlmd_scorer_ctx *c)
{
	return c && c->cur ? c->cur->artifact_id : 0;
}
