/*
 * tests/serving_helpers.h - what the serving suites (test_serving_registry,
 * test_serving_gate, test_serving_drift) share: the directory their files
 * live in (`dir`, made by the group setup, removed by its teardown), ONNX
 * models written to files, among them a tiny model whose every output is a
 * constant tag, so a score says which model served it, and a fresh store a
 * scorer can open by URI with a handle of its own. Include after helpers.h
 * (or dg_helpers.h) and onnx_build.h.
 */
#ifndef MLMD_TESTS_SERVING_HELPERS_H
#define MLMD_TESTS_SERVING_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The suite's directory, under $MLMD_TEST_TMP (or /tmp). */
static char dir[512];

/* Group setup and teardown: a fresh directory for the suite, then removed. */
static int serving_dir_setup(void **state)
{
	(void)state;
	const char *base = getenv("MLMD_TEST_TMP");
	char mk[600];
	snprintf(mk, sizeof mk, "mkdir -p '%s'", base ? base : "/tmp");
	if (system(mk) != 0)
		return -1;
	snprintf(dir, sizeof dir, "%s/mlmd-serving-XXXXXX", base ? base : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int serving_dir_teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Packs the model b describes into the file at path, then frees b. */
static inline void ob_write(ob *b, const char *path)
{
	size_t len;
	uint8_t *bytes = ob_pack(b, &len);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	fclose(f);
	ob_free(b);
}

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
	ob_write(&b, path);
}

/* A fresh store on the backend under test, and in uri the URI a scorer opens
 * it by (with a handle of its own). A memory database is private to its
 * handle, so the default sqlite-memory backend uses a file in in_dir here
 * (numbered by *counter); the custom backend's file is opened by the scorer
 * through the library's SQLite. */
static inline mlmd_store *open_shared_in(const char *in_dir, int *counter, char *uri, size_t cap)
{
	if (!strcmp(test_backend(), "sqlite-memory")) {
		char db[600];
		snprintf(db, sizeof db, "%s/s%d.db", in_dir, (*counter)++);
		snprintf(uri, cap, "sqlite:%s", db);
		return open_file(db);
	}
	mlmd_store *s = open_memory();
	snprintf(uri, cap, "%s", last_store_uri);
	return s;
}

#endif
