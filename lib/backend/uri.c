/*
 * backend/uri.c - the store URIs: which of the library's backends a URI
 * names, and its arguments. The only place that knows the schemes.
 */
#include <string.h>
#include "backends.h"

int mlmd__backend_open_uri(mlmd_backend **out, const char *uri, int read_only, int create, int busy_timeout_ms,
			   int synchronous_full)
{
	*out = NULL;
	if (!strncmp(uri, "postgresql://", 13) || !strncmp(uri, "postgres://", 11)) {
		const char *keys[1] = { "dbname" }, *vals[1] = { uri };
		return mlmd__pg_open(out, keys, vals, 1, create && !read_only, busy_timeout_ms);
	}
	if (strncmp(uri, "sqlite:", 7) != 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "store uri '%s': unknown scheme; expected sqlite:PATH, sqlite::memory: or "
				  "postgresql://USER@HOST:PORT/DB", uri);
	const char *path = uri + 7;
	if (strncmp(path, "//", 2) == 0)
		path += 2; /* sqlite:///abs/path */
	if (!*path)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "store uri '%s': no path", uri);
	return mlmd__sqlite_open(out, path, read_only, create, busy_timeout_ms, synchronous_full);
}
