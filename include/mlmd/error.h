/*
 * mlmd/error.h - the last error of the calling thread.
 *
 * Every fallible mlmd call returns 0 or a negative canonical status code.
 * On failure it also records, for the calling thread only, the code and a
 * message naming what was wrong ("artifact 42: property 'span' is INT in type
 * 'DataSet', got STRING"). A success does not clear it.
 */
#ifndef MLMD_ERROR_H
#define MLMD_ERROR_H

#include "common.h"

MLMD_BEGIN_DECLS

typedef struct mlmd_error {
	int code;            /* positive canonical code (MLMD_NOT_FOUND, ...), 0 if none */
	const char *message; /* never NULL; "" when no failure was recorded */
} mlmd_error;

/* The last failure on this thread. Never NULL. The struct and its message are
 * borrowed, owned by the thread, and valid until the next failing mlmd call on
 * this thread. */
MLMD_EXTERN(const mlmd_error *) mlmd_error_last(void);

/* The message of this thread's last failure; same lifetime as above. This is
 * the FFI form of mlmd_error_last()->message. */
MLMD_EXTERN(const char *) mlmd_error_message(void);

/* Forgets this thread's last failure. */
MLMD_EXTERN(void) mlmd_error_clear(void);

/* Records a failure for the calling thread, as the library's own functions
 * do: code (a canonical status, either sign) and a printf-style message
 * naming what went wrong. Returns the negative code, so code that plugs into
 * the library (a storage backend, see mlmd/sys/backend.h) can write
 *   return mlmd_error_set(MLMD_ABORTED, "table '%s' is locked", name);
 * A code of 0 or one that is not canonical is recorded as MLMD_UNKNOWN. Numbers
 * are formatted in the "C" locale, whatever the host set. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
MLMD_EXTERN(int) mlmd_error_set(int code, const char *fmt, ...);

MLMD_END_DECLS

#endif
