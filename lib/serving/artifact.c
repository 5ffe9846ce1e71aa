/*
 * serving/artifact.c - model artifacts: a model file recorded with its
 * SHA-256 and its inputs and outputs (mlmd_model_record), and loaded back
 * only when its bytes still match that digest (mlmd_model_load_artifact).
 * The file is read once (mlmd_model_read_file), hashed and loaded from the
 * same bytes, so what is verified is what is served.
 */
#define _XOPEN_SOURCE 700 /* realpath() */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "sv.h"

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
	void *buf;
	size_t len;
	int rc = mlmd_model_read_file(path, &buf, &len);
	if (rc)
		return rc;
	rc = sha256_hex(buf, len, hex);
	mlmd_model_data_free(buf);
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
	int rc = mlmd__file_uri_encode(abs, out);
	free(abs);
	return rc;
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
int mlmd__sv_load_artifact(mlmd_model **out, mlmd_store *st, int64_t artifact_id, int allow_unverified,
	bool gate, bool *verified)
{
	*out = NULL;
	*verified = false;
	Mlmd__Pb__GetArtifactsByIDResponse *rs;
	int rc = get_artifact(st, artifact_id, &rs);
	if (rc)
		return rc;
	const Mlmd__Pb__Artifact *a = rs->artifacts[0];
	char path[4096], hex[65];
	void *buf = NULL;
	size_t len;
	/* the serving gate before the file is read: a bounded read of label_reach */
	if (gate && (rc = mlmd_gate_check(st, artifact_id, NULL)))
		goto out;
	const char *want = value_string(mlmd_node_get(a, 0, "digest"));
	if (!want)
		want = value_string(mlmd_node_get(a, 1, "digest"));
	if ((rc = artifact_path(a, path, sizeof path)) || (rc = mlmd_model_read_file(path, &buf, &len)) ||
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
	mlmd_model_data_free(buf);
	mlmd_message_free(rs);
	return rc;
}

int mlmd_model_load_artifact(mlmd_model **out, mlmd_store *st, int64_t artifact_id, int allow_unverified)
{
	if (!out || !st)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_model_load_artifact: out and store are required");
	bool verified;
	return mlmd__sv_load_artifact(out, st, artifact_id, allow_unverified, false, &verified);
}

/* Type ids: created if missing, extended with the properties if it exists. */
int mlmd__sv_ensure_type(mlmd_store *st, int kind, const char *name, const char *const *props, const int *types,
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

static const char *const MODEL_PROPS[] = { "digest", "size_bytes", "format", "inputs", "outputs", NULL };
static const int MODEL_TYPES[] = { S_, I_, S_, S_, S_ };

/* JSON list of a model's inputs or outputs: [{"name":..,"type":..,"shape":[..]}] */
static void io_json(mlmd_json_writer *w, const mlmd_model *m, bool outputs)
{
	size_t n = outputs ? mlmd_model_output_count(m) : mlmd_model_input_count(m);
	mlmd_json_array_begin(w);
	for (size_t i = 0; i < n; i++) {
		const mlmd_value_info *vi = outputs ? mlmd_model_output(m, i) : mlmd_model_input(m, i);
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "name");
		mlmd_json_string(w, vi->name);
		mlmd_json_key(w, "type");
		mlmd_json_string(w, mlmd_dtype_name(vi->dtype));
		mlmd_json_key(w, "shape");
		if (vi->rank < 0) {
			mlmd_json_null(w);
		} else {
			mlmd_json_array_begin(w);
			for (int d = 0; d < vi->rank; d++)
				mlmd_json_int(w, vi->dims[d]);
			mlmd_json_array_end(w);
		}
		mlmd_json_object_end(w);
	}
	mlmd_json_array_end(w);
}

int mlmd_model_record(mlmd_store *st, const mlmd_model_record_options *o, int64_t *artifact_id)
{
	if (!st || !o || !artifact_id)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_model_record: store, path, name and artifact_id are "
			"required");
	if (o->version < 1 || o->version > MLMD_MODEL_RECORD_OPTIONS_VERSION)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_model_record: mlmd_model_record_options.version is %u "
			"(this library knows 1 to %d); initialise the options with MLMD_MODEL_RECORD_OPTIONS_INIT",
			o->version, MLMD_MODEL_RECORD_OPTIONS_VERSION);
	if (!o->path || !o->name)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_model_record: store, path, name and artifact_id are "
			"required");
	void *buf;
	size_t len;
	char hex[65];
	int rc = mlmd_model_read_file(o->path, &buf, &len);
	if (rc)
		return rc;
	mlmd_model *m = NULL;
	if ((rc = sha256_hex(buf, len, hex)) || (rc = mlmd_model_load_buffer(&m, buf, len, o->path))) {
		mlmd_model_data_free(buf);
		return rc;
	}
	mlmd_model_data_free(buf);
	int64_t type_id;
	const char *type_name = o->type_name ? o->type_name : "Model";
	if ((rc = mlmd__sv_ensure_type(st, 0, type_name, MODEL_PROPS, MODEL_TYPES, &type_id))) {
		mlmd_model_free(m);
		return mlmd__context(rc, "model type '%s'", type_name);
	}
	Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
	mlmd_json_writer *ins = NULL, *outs = NULL;
	if (!(rc = mlmd_json_writer_new(&ins, NULL)) && !(rc = mlmd_json_writer_new(&outs, NULL))) {
		io_json(ins, m, false);
		io_json(outs, m, true);
		rc = mlmd_json_writer_status(ins) ? mlmd_json_writer_status(ins) : mlmd_json_writer_status(outs);
	}
	char digest[80];
	snprintf(digest, sizeof digest, "sha256:%s", hex);
	if (!rc && !a)
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
		rc = mlmd_node_set_string(a, 0, "inputs", mlmd_json_writer_text(ins, NULL));
	if (!rc)
		rc = mlmd_node_set_string(a, 0, "outputs", mlmd_json_writer_text(outs, NULL));
	/* the file digest as experiment tracking records it (docs/tracking.md), so a run that
	 * logs the same model file as an output joins this artifact instead of adding another */
	if (!rc)
		rc = mlmd_node_set_string(a, 1, "mlmd.sha256", hex);
	if (!rc)
		rc = mlmd_node_set_int(a, 1, "mlmd.size", (int64_t)len);
	mlmd_json_writer_free(ins);
	mlmd_json_writer_free(outs);
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

/* ---- digests of scored batches ---------------------------------------------------------- */

/* Elements of a tensor the model has accepted; -1 for a shape that is not
 * one (a negative size, or a product beyond int64). */
static int64_t numel(const mlmd_tensor *t)
{
	int64_t n = 1;
	for (int d = 0; d < t->rank && d < MLMD_TENSOR_MAX_RANK; d++) {
		if (t->dims[d] < 0 || (t->dims[d] && n > INT64_MAX / t->dims[d]))
			return -1;
		n *= t->dims[d];
	}
	return n;
}

/* SHA-256 over the inputs' bytes (strings by content), for recorded batches. */
void mlmd__sv_inputs_digest(const mlmd_tensor *in, size_t n, char hex[65])
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
		int64_t cnt = numel(&in[i]);
		if (cnt <= 0)
			continue;
		if (in[i].dtype == MLMD_DTYPE_STRING) {
			for (int64_t k = 0; k < cnt; k++) {
				const char *str = ((const char *const *)in[i].data)[k];
				EVP_DigestUpdate(md, str, strlen(str) + 1);
			}
		} else {
			EVP_DigestUpdate(md, in[i].data, (size_t)cnt * mlmd_dtype_size(in[i].dtype));
		}
	}
	if (EVP_DigestFinal_ex(md, d, &dl) && dl == 32)
		to_hex(d, 32, hex);
	EVP_MD_CTX_free(md);
}
