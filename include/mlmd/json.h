/*
 * mlmd/json.h - the library's JSON writer and reader (RFC 8259), for hosts
 * and for the library's own clients (serving records, lineage rendering,
 * the mlmd tool), so every JSON text mlmd writes is escaped and numbered
 * the same way and every one it reads is checked the same way.
 *
 * Writer: values, keys and nesting, into memory or onto a stdio stream.
 * Commas and colons are placed by the writer; strings are escaped as
 *   \" \\ \b \f \n \r \t, other bytes below 0x20 as \u00XX,
 * every other byte (UTF-8 included) as it is; numbers are written the same
 * in every locale (mlmd_double_format). Calls return nothing: the first
 * failure is kept and every later call does nothing, so a caller checks
 * mlmd_json_writer_status() once at the end.
 *
 *   mlmd_json_writer *w;
 *   mlmd_json_writer_new(&w, NULL);                     // in memory
 *   mlmd_json_object_begin(w);
 *   mlmd_json_key(w, "name");  mlmd_json_string(w, "iris \"v2\"");
 *   mlmd_json_key(w, "auc");   mlmd_json_double(w, 0.97, 0);
 *   mlmd_json_object_end(w);
 *   if (mlmd_json_writer_status(w) == 0)
 *           puts(mlmd_json_writer_text(w, NULL));      // {"name":"iris \"v2\"","auc":0.97}
 *   mlmd_json_writer_free(w);
 *
 * Reader: one JSON value, as a stream of tokens (mlmd_json_next), with the
 * nesting of objects and arrays bounded before anything recurses. Strict:
 * control characters inside strings, lone surrogates, leading zeros, a
 * trailing comma and text after the value are refused. An error is
 * INVALID_ARGUMENT with a message naming the problem and its byte offset.
 */
#ifndef MLMD_JSON_H
#define MLMD_JSON_H

#include <stdio.h>
#include "common.h"

MLMD_BEGIN_DECLS

/* The deepest nesting of objects and arrays a writer writes or a reader
 * may be asked to read (the outermost container is level 1). */
#define MLMD_JSON_MAX_DEPTH 1000

/* ---- writer ------------------------------------------------------------------------- */

typedef struct mlmd_json_writer mlmd_json_writer;

/* A new writer. With `file`, the text goes to that stream as it is written
 * (the stream stays the caller's: the writer neither flushes nor closes
 * it); with NULL, it is kept in memory (mlmd_json_writer_text()). On
 * success *out is a new writer; free it with mlmd_json_writer_free(). */
MLMD_EXTERN(int) mlmd_json_writer_new(mlmd_json_writer **out, FILE *file);

/* Frees the writer and, in memory, its text. NULL is a no-op. */
MLMD_EXTERN(void) mlmd_json_writer_free(mlmd_json_writer *writer);

/* 0, or the first failure (negative): RESOURCE_EXHAUSTED when memory ran
 * out, UNAVAILABLE when the stream refused a write, FAILED_PRECONDITION for
 * a call out of place (a value where a key is due, an end that matches no
 * begin, nesting deeper than MLMD_JSON_MAX_DEPTH). The failure is also
 * recorded for mlmd_error_last() when it happens. */
MLMD_EXTERN(int) mlmd_json_writer_status(const mlmd_json_writer *writer);

/* In memory: the text written so far, NUL-terminated, its length in *len
 * (when len is not NULL). Borrowed: valid until the next call on the
 * writer. NULL for a writer on a stream or after a failure. */
MLMD_EXTERN(const char *) mlmd_json_writer_text(const mlmd_json_writer *writer, size_t *len);

/*
 * Values. Inside an array each value follows a comma as needed; inside an
 * object each value follows its mlmd_json_key(). At the top level (no
 * container open) values are written as they are, with nothing between
 * them, so JSON lines are values separated by mlmd_json_raw(w, "\n").
 */
MLMD_EXTERN(void) mlmd_json_null(mlmd_json_writer *writer);
MLMD_EXTERN(void) mlmd_json_bool(mlmd_json_writer *writer, int value);
MLMD_EXTERN(void) mlmd_json_int(mlmd_json_writer *writer, int64_t value);
/* `precision` significant digits as mlmd_double_format() takes them (0 is
 * the shortest text that reads back as the same double, 17 is "%.17g").
 * JSON has no NaN or infinity: those are written as null. */
MLMD_EXTERN(void) mlmd_json_double(mlmd_json_writer *writer, double value, int precision);
/* A NUL-terminated string (NULL writes null), escaped as above. */
MLMD_EXTERN(void) mlmd_json_string(mlmd_json_writer *writer, const char *s);
/* `len` bytes of s, which may contain NUL bytes (written as \u0000). */
MLMD_EXTERN(void) mlmd_json_string_len(mlmd_json_writer *writer, const char *s, size_t len);
/* The name of the next member of the object being written. */
MLMD_EXTERN(void) mlmd_json_key(mlmd_json_writer *writer, const char *key);
MLMD_EXTERN(void) mlmd_json_object_begin(mlmd_json_writer *writer);
MLMD_EXTERN(void) mlmd_json_object_end(mlmd_json_writer *writer);
MLMD_EXTERN(void) mlmd_json_array_begin(mlmd_json_writer *writer);
MLMD_EXTERN(void) mlmd_json_array_end(mlmd_json_writer *writer);
/* `text` as it is, with no separator and no check: white space, a newline
 * between JSON lines, or text the caller has already encoded. */
MLMD_EXTERN(void) mlmd_json_raw(mlmd_json_writer *writer, const char *text);

/* ---- reader ------------------------------------------------------------------------- */

typedef struct mlmd_json_reader mlmd_json_reader;

/* What mlmd_json_next() returns. */
typedef enum mlmd_json_token {
	MLMD_JSON_END = 0,          /* the value is complete; only white space followed it */
	MLMD_JSON_NULL = 1,
	MLMD_JSON_FALSE = 2,
	MLMD_JSON_TRUE = 3,
	MLMD_JSON_NUMBER = 4,       /* text: the number as written (JSON syntax, checked) */
	MLMD_JSON_STRING = 5,       /* text: the string decoded to UTF-8 */
	MLMD_JSON_KEY = 6,          /* text: an object member's name, decoded; its value comes next */
	MLMD_JSON_OBJECT = 7,       /* '{' */
	MLMD_JSON_OBJECT_END = 8,   /* '}' */
	MLMD_JSON_ARRAY = 9,        /* '[' */
	MLMD_JSON_ARRAY_END = 10    /* ']' */
} mlmd_json_token;

/* A reader of one JSON value in text[0..len) (UTF-8; white space around it
 * allowed), which must stay unchanged while the reader is used. Objects
 * and arrays may nest max_depth levels (1..MLMD_JSON_MAX_DEPTH); one more
 * is refused before it is read. On success *out is a new reader; free it
 * with mlmd_json_reader_free(). */
MLMD_EXTERN(int) mlmd_json_reader_new(mlmd_json_reader **out, const char *text, size_t len, int max_depth);

/* Frees the reader. NULL is a no-op. */
MLMD_EXTERN(void) mlmd_json_reader_free(mlmd_json_reader *reader);

/*
 * Reads the next token of the value, in document order; returns its kind
 * (an mlmd_json_token, >= 0), or -MLMD_INVALID_ARGUMENT when the text is not
 * JSON, with a message naming the problem and where ("a string is not
 * closed at byte 17"); after an error every call returns it again. For
 * NUMBER, STRING and KEY, *text is set to the token's text and *len to its
 * length in bytes (either pointer may be NULL): the text is NUL-terminated
 * (a decoded string may also hold NUL bytes, from \u0000) and borrowed,
 * valid until the next call on the reader. END comes once the value is
 * complete, and again on every later call.
 */
MLMD_EXTERN(int) mlmd_json_next(mlmd_json_reader *reader, const char **text, size_t *len);

/* Reads the next value whole, checked and thrown away (an object or array
 * with everything in it): the value of a key the caller does not use.
 * Returns 0, the error mlmd_json_next() returned, or FAILED_PRECONDITION
 * when the next token starts no value (a key, an end). */
MLMD_EXTERN(int) mlmd_json_skip(mlmd_json_reader *reader);

/* The byte offset in the text the reader has reached: just past the last
 * token read, or where the error is. */
MLMD_EXTERN(size_t) mlmd_json_reader_offset(const mlmd_json_reader *reader);

MLMD_END_DECLS

#endif
