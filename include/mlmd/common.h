/*
 * mlmd/common.h - export macro, status codes and version of the mlmd library.
 */
#ifndef MLMD_COMMON_H
#define MLMD_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define MLMD_BEGIN_DECLS extern "C" {
#define MLMD_END_DECLS }
#else
#define MLMD_BEGIN_DECLS
#define MLMD_END_DECLS
#endif

/* Every public prototype goes through this; the library is built with
 * -fvisibility=hidden, so only these symbols are exported. */
#if defined(__GNUC__)
#define MLMD_EXTERN(type) extern __attribute__((visibility("default"))) type
#else
#define MLMD_EXTERN(type) extern type
#endif

#define MLMD_VERSION_MAJOR 0
#define MLMD_VERSION_MINOR 1
#define MLMD_VERSION_PATCH 0
#define MLMD_VERSION "0.1.0"

/*
 * Canonical status codes, the same numbers MLMD (and gRPC/absl) use.
 * Public functions return 0 on success and the *negated* code on failure,
 * e.g. -MLMD_NOT_FOUND; mlmd_error_last() carries the message.
 */
typedef enum mlmd_status {
	MLMD_OK = 0,
	MLMD_CANCELLED = 1,
	MLMD_UNKNOWN = 2,
	MLMD_INVALID_ARGUMENT = 3,
	MLMD_DEADLINE_EXCEEDED = 4,
	MLMD_NOT_FOUND = 5,
	MLMD_ALREADY_EXISTS = 6,
	MLMD_PERMISSION_DENIED = 7,
	MLMD_RESOURCE_EXHAUSTED = 8,
	MLMD_FAILED_PRECONDITION = 9,
	MLMD_ABORTED = 10,
	MLMD_OUT_OF_RANGE = 11,
	MLMD_UNIMPLEMENTED = 12,
	MLMD_INTERNAL = 13,
	MLMD_UNAVAILABLE = 14,
	MLMD_DATA_LOSS = 15,
	MLMD_UNAUTHENTICATED = 16
} mlmd_status;

MLMD_BEGIN_DECLS

/* The canonical name of a status code ("NOT_FOUND"); accepts either sign.
 * The returned string is static. Unknown codes give "UNKNOWN". */
MLMD_EXTERN(const char *) mlmd_status_name(int code);

/* The library version string, e.g. "0.1.0" (static). */
MLMD_EXTERN(const char *) mlmd_version(void);

/*
 * Numbers as text, identical in every locale (the library never reads
 * LC_NUMERIC; a host may call setlocale(LC_ALL, "") freely).
 *
 * mlmd_double_parse reads exactly s[0..len) as a decimal number, optionally
 * surrounded by blanks: [+-] digits [. digits] [(e|E) [+-] digits], or inf,
 * infinity, nan in any case. Hexadecimal and trailing text are refused
 * (-MLMD_INVALID_ARGUMENT), as is a finite number too large for a double
 * (-MLMD_OUT_OF_RANGE); the message names the text.
 *
 * mlmd_double_format writes v with `precision` significant digits (1..17;
 * 0 gives the shortest text that reads back as the same double) into buf,
 * always terminated when size > 0; returns the length it needed, as
 * snprintf does.
 */
MLMD_EXTERN(int) mlmd_double_parse(const char *s, size_t len, double *out);
MLMD_EXTERN(int) mlmd_double_format(char *buf, size_t size, double v, int precision);

MLMD_END_DECLS

#endif
