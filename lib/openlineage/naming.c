/*
 * openlineage/naming.c - a dataset's namespace and name from an artifact's
 * URI, by OpenLineage's dataset naming rules (spec/Naming.md of the
 * OpenLineage repository): the namespace names the data source (scheme and
 * authority), the name the dataset within it. The table of schemes is in
 * docs/interoperability.md ("Dataset names"); URIs of any other scheme,
 * and artifacts with no URI, are named under the export's namespace from
 * their type and name.
 */
#include <stdlib.h>
#include <string.h>
#include "openlineage/export.h"

static int set2(char **out_ns, char **out_name, const char *ns, size_t ns_len, const char *name, size_t name_len)
{
	*out_ns = mlmd__strndup(ns, ns_len);
	*out_name = mlmd__strndup(name, name_len);
	if (!*out_ns || !*out_name) {
		free(*out_ns);
		free(*out_name);
		*out_ns = *out_name = NULL;
		return MLMD_OOM();
	}
	return 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* s[0..n) with %XX decoded (a file URI's path is percent-encoded, RFC 8089);
 * a %00, or a % not followed by two hex digits, is kept as written. */
static char *pct_decode(const char *s, size_t n)
{
	char *o = malloc(n + 1);
	if (!o)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 && (lo = hexval(s[i + 2])) >= 0 && (hi || lo)) {
			o[k++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			o[k++] = s[i];
		}
	}
	o[k] = '\0';
	return o;
}

/* The scheme of a URI ("s3" of "s3://b/k"), lower-cased into buf, or ""
 * when the text has none: a path, or a one-letter "scheme" that is a
 * Windows drive ("C:\data"). Returns the length of "scheme:". */
static size_t scheme_of(const char *uri, char *buf, size_t cap)
{
	size_t i = 0;
	buf[0] = '\0';
	if (!((uri[0] >= 'a' && uri[0] <= 'z') || (uri[0] >= 'A' && uri[0] <= 'Z')))
		return 0;
	while (uri[i] && uri[i] != ':') {
		char c = uri[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
			    c == '.'))
			return 0;
		i++;
	}
	if (uri[i] != ':' || i < 2 || i >= cap)
		return 0;
	for (size_t k = 0; k < i; k++)
		buf[k] = (char)(uri[k] >= 'A' && uri[k] <= 'Z' ? uri[k] + 32 : uri[k]);
	buf[i] = '\0';
	return i + 1;
}

/* The authority and path after "scheme://": [auth, auth + *auth_len) and
 * the rest, the path with its query and fragment cut. Returns NULL when the
 * URI has no "//". */
static const char *split_authority(const char *after_scheme, size_t *auth_len, const char **path, size_t *path_len)
{
	if (strncmp(after_scheme, "//", 2))
		return NULL;
	const char *auth = after_scheme + 2;
	size_t a = strcspn(auth, "/?#");
	*auth_len = a;
	*path = auth + a;
	*path_len = strcspn(*path, "?#");
	return auth;
}

/* Whether the authority has a ":port" (after any "[v6]" and "user@"). */
static int has_port(const char *auth, size_t n)
{
	for (size_t i = n; i-- > 0;) {
		if (auth[i] == ':')
			return i + 1 < n;
		if (auth[i] == ']' || auth[i] == '@')
			return 0;
	}
	return 0;
}

/* The host and port of an authority, user information dropped, the
 * default port added when it has none: "HOST:PORT". */
static void host_port(mlmd_buf *b, const char *auth, size_t n, const char *default_port)
{
	const char *at = memchr(auth, '@', n);
	if (at) {
		n -= (size_t)(at + 1 - auth);
		auth = at + 1;
	}
	mlmd__buf_put(b, auth, n);
	if (!has_port(auth, n) && default_port) {
		mlmd__buf_puts(b, ":");
		mlmd__buf_puts(b, default_port);
	}
}

/* A table's name from a database URI's path: "/db.schema.table" as the
 * spec writes it, or "/db/schema/table" with slashes as separators; the
 * leading slash dropped, the segments joined by dots. */
static void table_name(mlmd_buf *b, const char *path, size_t n)
{
	while (n && *path == '/')
		path++, n--;
	while (n && path[n - 1] == '/')
		n--;
	for (size_t i = 0; i < n; i++)
		mlmd__buf_put(b, path[i] == '/' ? "." : path + i, 1);
}

static int from_bufs(mlmd_buf *ns, mlmd_buf *name, char **out_ns, char **out_name)
{
	int rc = ns->oom || name->oom ? MLMD_OOM() :
		set2(out_ns, out_name, ns->p ? ns->p : "", ns->len, name->p ? name->p : "", name->len);
	mlmd__buf_free(ns);
	mlmd__buf_free(name);
	return rc;
}

/* The rule of one URI; 1 when no rule applies (the caller falls back). */
static int by_uri(const char *uri, char **out_ns, char **out_name)
{
	char scheme[32];
	size_t skip = scheme_of(uri, scheme, sizeof scheme);
	if (!skip) /* a local path */
		return set2(out_ns, out_name, "file", 4, uri, strlen(uri));
	const char *rest = uri + skip, *auth, *path;
	size_t auth_len, path_len;
	mlmd_buf ns = { 0 }, name = { 0 };
	if (!strcmp(scheme, "file")) {
		if (!(auth = split_authority(rest, &auth_len, &path, &path_len))) {
			/* file:/abs/path (no authority) */
			path = rest;
			path_len = strcspn(rest, "?#");
			auth_len = 0;
			auth = rest;
		}
		char *p = pct_decode(path, path_len);
		if (!p)
			return MLMD_OOM();
		if (auth_len == 0 || (auth_len == 9 && !strncmp(auth, "localhost", 9))) {
			mlmd__buf_puts(&ns, "file");
		} else {
			mlmd__buf_puts(&ns, "file://");
			mlmd__buf_put(&ns, auth, auth_len);
		}
		mlmd__buf_puts(&name, p);
		free(p);
		return from_bufs(&ns, &name, out_ns, out_name);
	}
	if (!strcmp(scheme, "bigquery")) {
		/* bigquery:PROJECT.DATASET.TABLE (the spec's URI), or bigquery://... */
		const char *t = strncmp(rest, "//", 2) ? rest : rest + 2;
		mlmd__buf_puts(&ns, "bigquery");
		table_name(&name, t, strcspn(t, "?#"));
		if (name.len)
			return from_bufs(&ns, &name, out_ns, out_name);
		mlmd__buf_free(&ns);
		mlmd__buf_free(&name);
		return 1;
	}
	if (!(auth = split_authority(rest, &auth_len, &path, &path_len)) || auth_len == 0)
		return 1;
	/* object stores: namespace scheme://bucket, name the key (no leading slash) */
	static const struct { const char *scheme, *as; } buckets[] = {
		{ "s3", "s3" }, { "s3a", "s3" }, { "s3n", "s3" }, { "gs", "gs" }, { "abfss", "abfss" }, { "abfs", "abfs" },
		{ "wasbs", "wasbs" }, { "wasb", "wasb" }, { "oss", "oss" },
	};
	for (size_t i = 0; i < sizeof buckets / sizeof *buckets; i++)
		if (!strcmp(scheme, buckets[i].scheme)) {
			mlmd__buf_puts(&ns, buckets[i].as);
			mlmd__buf_puts(&ns, "://");
			mlmd__buf_put(&ns, auth, auth_len);
			while (path_len && *path == '/')
				path++, path_len--;
			if (!path_len) { /* a whole bucket: the spec's name is "/" */
				mlmd__buf_puts(&name, "/");
			} else {
				mlmd__buf_put(&name, path, path_len);
			}
			return from_bufs(&ns, &name, out_ns, out_name);
		}
	/* file systems with a name node: namespace scheme://host:port, name the path */
	if (!strcmp(scheme, "hdfs") || !strcmp(scheme, "dbfs") || !strcmp(scheme, "viewfs")) {
		mlmd__buf_puts(&ns, scheme);
		mlmd__buf_puts(&ns, "://");
		host_port(&ns, auth, auth_len, NULL);
		mlmd__buf_put(&name, path_len ? path : "/", path_len ? path_len : 1);
		return from_bufs(&ns, &name, out_ns, out_name);
	}
	/* databases: namespace scheme://host:port, name the table's dotted path */
	static const struct { const char *scheme, *as, *port; } dbs[] = {
		{ "postgres", "postgres", "5432" }, { "postgresql", "postgres", "5432" }, { "mysql", "mysql", "3306" },
		{ "trino", "trino", "8080" }, { "redshift", "redshift", "5439" }, { "sqlserver", "sqlserver", "1433" },
		{ "oracle", "oracle", "1521" }, { "db2", "db2", "50000" }, { "teradata", "teradata", "1025" },
		{ "kafka", "kafka", "9092" }, { "snowflake", "snowflake", NULL }, { "mongodb", "mongodb", "27017" },
	};
	for (size_t i = 0; i < sizeof dbs / sizeof *dbs; i++)
		if (!strcmp(scheme, dbs[i].scheme)) {
			mlmd__buf_puts(&ns, dbs[i].as);
			mlmd__buf_puts(&ns, "://");
			host_port(&ns, auth, auth_len, dbs[i].port);
			table_name(&name, path, path_len);
			if (!name.len) { /* the server alone names no dataset */
				mlmd__buf_free(&ns);
				mlmd__buf_free(&name);
				return 1;
			}
			return from_bufs(&ns, &name, out_ns, out_name);
		}
	return 1;
}

int mlmd__ol_dataset_name(const char *uri, const char *type_name, const char *name, int64_t id, const char *ns,
			  char **out_ns, char **out_name)
{
	*out_ns = *out_name = NULL;
	if (uri && uri[0]) {
		int rc = by_uri(uri, out_ns, out_name);
		if (rc < 0)
			return rc;
		if (!rc && (*out_ns)[0] && (*out_name)[0])
			return 0;
		/* "file://" names no dataset: an empty name is no OpenLineage dataset */
		free(*out_ns);
		free(*out_name);
		*out_ns = *out_name = NULL;
	}
	mlmd_buf b = { 0 };
	mlmd__buf_puts(&b, type_name ? type_name : "");
	if (name && name[0]) {
		mlmd__buf_puts(&b, ".");
		mlmd__buf_puts(&b, name);
	} else {
		mlmd__buf_printf(&b, "#%lld", (long long)id);
	}
	int rc = b.oom ? MLMD_OOM() : set2(out_ns, out_name, ns, strlen(ns), b.p, b.len);
	mlmd__buf_free(&b);
	return rc;
}
