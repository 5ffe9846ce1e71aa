/*
 * util/error.c - the per-thread last error.
 */
#include <stdio.h>
#include <string.h>
#include "base.h"

#define MSG_MAX 2048

typedef struct err_state {
	mlmd_error pub;
	char msg[MSG_MAX];
} err_state;

/* Thread-local by design: each thread sees only its own last failure. */
static _Thread_local err_state tls_err = { { 0, "" }, "" };

static const char *const status_names[] = {
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
	"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
	"FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
	"INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
};

const char *mlmd_status_name(int code)
{
	if (code < 0)
		code = -code;
	if (code > MLMD_UNAUTHENTICATED)
		return "UNKNOWN";
	return status_names[code];
}

const char *mlmd_version(void)
{
	return MLMD_VERSION;
}

int mlmd__fail(int code, const char *fmt, ...)
{
	va_list ap;
	if (code < 0)
		code = -code;
	va_start(ap, fmt);
	mlmd__vsnprintf(tls_err.msg, sizeof tls_err.msg, fmt, ap);
	va_end(ap);
	tls_err.pub.code = code;
	tls_err.pub.message = tls_err.msg;
	return -code;
}

int mlmd_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	if (code < 0)
		code = -code;
	if (code == 0 || code > MLMD_UNAUTHENTICATED)
		code = MLMD_UNKNOWN;
	va_start(ap, fmt);
	mlmd__vsnprintf(tls_err.msg, sizeof tls_err.msg, fmt ? fmt : "", ap);
	va_end(ap);
	tls_err.pub.code = code;
	tls_err.pub.message = tls_err.msg;
	return -code;
}

int mlmd__context(int rc, const char *fmt, ...)
{
	char prefix[512], old[MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	mlmd__vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, tls_err.msg, sizeof old);
	size_t n = strlen(prefix);
	/* a message that names its context already keeps one copy of it
	 * ("Classify: Classify: ..." says nothing more) */
	if (n && strncmp(old, prefix, n) == 0 && old[n] == ':' && old[n + 1] == ' ')
		return rc;
	if (n > sizeof tls_err.msg - 3)
		n = sizeof tls_err.msg - 3;
	memcpy(tls_err.msg, prefix, n);
	memcpy(tls_err.msg + n, ": ", 2);
	size_t rest = strlen(old);
	if (rest > sizeof tls_err.msg - n - 3)
		rest = sizeof tls_err.msg - n - 3;
	memcpy(tls_err.msg + n + 2, old, rest);
	tls_err.msg[n + 2 + rest] = '\0';
	tls_err.pub.message = tls_err.msg;
	return rc;
}

const mlmd_error *mlmd_error_last(void)
{
	tls_err.pub.message = tls_err.msg;
	return &tls_err.pub;
}

const char *mlmd_error_message(void)
{
	return tls_err.msg;
}

void mlmd_error_clear(void)
{
	tls_err.pub.code = 0;
	tls_err.msg[0] = '\0';
}
