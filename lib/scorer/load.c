/*
 * scorer/load.c - loading: format detection, the public load functions and
 * reading model files. Each format's loader (onnx_load.c, xgboost.c,
 * pmml_load.c) fills a new model; this file picks it from the bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "sc.h"
#include "load.h"

/* ---- loading ----------------------------------------------------------------------- */

static bool starts_with_ws(const unsigned char *p, size_t len, const char *word)
{
	size_t i = 0;
	if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		i = 3;
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	size_t wl = strlen(word);
	return len - i >= wl && memcmp(p + i, word, wl) == 0;
}

static bool contains(const unsigned char *p, size_t len, const char *needle, size_t within)
{
	size_t nl = strlen(needle);
	if (within > len)
		within = len;
	for (size_t i = 0; i + nl <= within; i++)
		if (memcmp(p + i, needle, nl) == 0)
			return true;
	return false;
}

static int detect_and_load(mlmd_model *m, const unsigned char *p, size_t len)
{
	if (len == 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "empty model (0 bytes)");
	if (starts_with_ws(p, len, "{")) {
		if (contains(p, len, "\"learner\"", len))
			return mlmd__sc_load_xgboost(m, (const char *)p, len);
		if (contains(p, len, "\"action\"", len) && (contains(p, len, "\"input\"", len) ||
			contains(p, len, "\"output\"", len)))
			return mlmd__fail(MLMD_UNIMPLEMENTED, "this is a PFA document; PFA is not supported: export "
				"the model as ONNX (or, once supported, PMML) instead");
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "JSON document is not an XGBoost model (no \"learner\" "
			"object); supported formats: ONNX, XGBoost JSON, PMML");
	}
	if (starts_with_ws(p, len, "<")) {
		if (contains(p, len, "<PMML", 65536))
			return mlmd__sc_load_pmml(m, (const char *)p, len);
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "XML document is not a PMML model (no <PMML> element); "
			"supported formats: ONNX, XGBoost JSON, PMML");
	}
	if (len >= 7 && (memcmp(p, "action:", 7) == 0 || contains(p, len, "\naction:", 4096)))
		return mlmd__fail(MLMD_UNIMPLEMENTED, "this looks like a PFA document (YAML); PFA is not supported: "
			"export the model as ONNX instead");
	/* A SavedModel's saved_model.pb starts with field 1 (saved_model_schema_version, varint). */
	if (len >= 2 && p[0] == 0x08 && p[1] == 0x01 && contains(p, len, "tensorflow", len))
		return mlmd__fail(MLMD_UNIMPLEMENTED, "this is a TensorFlow SavedModel; it is not supported: "
			"convert it to ONNX (for example with tf2onnx) instead");
	return mlmd__sc_load_onnx(m, p, len);
}

int mlmd_model_load_buffer(mlmd_model **out, const void *data, size_t len, const char *name)
{
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_model_load_buffer: out is NULL");
	*out = NULL;
	if (!data && len)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_model_load_buffer: data is NULL");
	mlmd_model *m = calloc(1, sizeof *m);
	if (!m)
		return MLMD_OOM();
	atomic_init(&m->refs, 1);
	m->format = m->producer = m->producer_version = "";
	int rc = detect_and_load(m, data ? data : "", len);
	if (rc == 0)
		rc = mlmd__sc_finish_io(m);
	for (int k = 0; rc == 0 && k < m->n_nodes; k++) {
		if (m->nodes[k].nin > m->max_nin)
			m->max_nin = m->nodes[k].nin;
		if (m->nodes[k].nout > m->max_nout)
			m->max_nout = m->nodes[k].nout;
	}
	if (rc) {
		mlmd_model_free(m);
		return name ? mlmd__context(rc, "%s", name) : rc;
	}
	*out = m;
	return 0;
}

/* Reads a whole model file into *buf (malloc'd; the caller frees it). A
 * directory is refused, naming a SavedModel when it is one. */
int mlmd__sc_read_file(const char *path, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		char pb[4096];
		snprintf(pb, sizeof pb, "%s/saved_model.pb", path);
		if (stat(pb, &st) == 0)
			return mlmd__fail(MLMD_UNIMPLEMENTED, "%s: this is a TensorFlow SavedModel; it is not supported: "
				"convert it to ONNX (for example with tf2onnx) instead", path);
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: is a directory, not a model file", path);
	}
	FILE *f = fopen(path, "rb");
	if (!f)
		return mlmd__fail(errno == ENOENT ? MLMD_NOT_FOUND : MLMD_PERMISSION_DENIED, "%s: %s", path,
			strerror(errno));
	mlmd_buf b = { 0 };
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		mlmd__buf_put(&b, chunk, n);
	int err = ferror(f);
	fclose(f);
	if (err) {
		mlmd__buf_free(&b);
		return mlmd__fail(MLMD_UNAVAILABLE, "%s: read error", path);
	}
	if (b.len == 0) {
		mlmd__buf_free(&b);
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: empty model (0 bytes)", path);
	}
	if (!b.p || b.oom) {
		mlmd__buf_free(&b);
		return MLMD_OOM();
	}
	*buf = b.p;
	*len = b.len;
	return 0;
}

int mlmd_model_read_file(const char *path, void **data, size_t *len)
{
	if (!path || !data || !len)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_model_read_file: path, data and len are required");
	char *buf;
	int rc = mlmd__sc_read_file(path, &buf, len);
	*data = rc ? NULL : buf;
	return rc;
}

void mlmd_model_data_free(void *data)
{
	free(data);
}

int mlmd_model_load_file(mlmd_model **out, const char *path)
{
	if (!out || !path)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_model_load_file: %s is NULL", out ? "path" : "out");
	*out = NULL;
	char *buf;
	size_t len;
	int rc = mlmd__sc_read_file(path, &buf, &len);
	if (rc)
		return rc;
	rc = mlmd_model_load_buffer(out, buf, len, path);
	free(buf);
	return rc;
}
