/*
 * tests/backend_custom.h - a storage backend written outside the library,
 * on the public interface only (mlmd/sys/backend.h), as a host would write
 * one: SQLite through sqlite3.h, with its own DDL. MLMD_TEST_BACKEND=custom
 * runs the store's conformance suites on it (tests/helpers.h).
 */
#ifndef MLMD_TEST_BACKEND_CUSTOM_H
#define MLMD_TEST_BACKEND_CUSTOM_H

#include <mlmd/sys/backend.h>

/* Opens the SQLite file `path` (created when missing) as a new backend.
 * Hand it to mlmd_store_open_backend(), which owns it on success; on
 * failure call its close(). Returns 0 or a negative status with
 * mlmd_error_last() set, like a library function. */
int custom_backend_open(mlmd_backend **out, const char *path);

/* The dialect the backend uses (its DDL), for tests that build variants. */
extern const mlmd_dialect custom_dialect;

#endif
