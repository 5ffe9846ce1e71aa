/*
 * tests/serving_helpers.h - what the serving suites (test_serving_registry,
 * test_serving_gate) share: a tiny ONNX model whose every output is a
 * constant tag, so a score says which model served it, and a fresh store a
 * scorer can open by URI with a handle of its own. Include after helpers.h
 * (or dg_helpers.h) and onnx_build.h.
 */
#ifndef MLMD_TESTS_SERVING_HELPERS_H
#define MLMD_TESTS_SERVING_HELPERS_H

#include <stdio.h>
#include <string.h>

/* A model whose every output element is `tag`: Y = X * 0 + tag, X [N, 2]. */
static inline void write_tag_model(const char *path, float tag)
{
	ob b = { 0 };
	ob_opset(&b, "", 13);
	ob_init(&b, ob_tensor_new(&b, "Z", MLMD_DTYPE_FLOAT, 1, (int64_t[]){ 2 }, (float[]){ 0, 0 }, 2));
	ob_init(&b, ob_tensor_new(&b, "T", MLMD_DTYPE_FLOAT, 1, (int64_t[]){ 2 }, (float[]){ tag, tag }, 2));
	ob_node(&b, "Mul", "", "mul", "X,Z", "XZ", NULL);
	ob_node(&b, "Add", "", "add", "XZ,T", "Y", NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	ob_output(&b, "Y", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 2 });
	size_t len;
	uint8_t *bytes = ob_pack(&b, &len);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	fclose(f);
	ob_free(&b);
}

/* A fresh store on the backend under test, and in uri the URI a scorer opens
 * it by (with a handle of its own). A memory database is private to its
 * handle, so the default sqlite-memory backend uses a file in dir here
 * (numbered by *counter); the custom backend's file is opened by the scorer
 * through the library's SQLite. */
static inline mlmd_store *open_shared_in(const char *dir, int *counter, char *uri, size_t cap)
{
	if (!strcmp(test_backend(), "sqlite-memory")) {
		char db[600];
		snprintf(db, sizeof db, "%s/s%d.db", dir, (*counter)++);
		snprintf(uri, cap, "sqlite:%s", db);
		return open_file(db);
	}
	mlmd_store *s = open_memory();
	snprintf(uri, cap, "%s", last_store_uri);
	return s;
}

#endif
