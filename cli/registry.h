/*
 * cli/registry.h - what the registry commands share (cli/registry.c holds
 * the writing commands and the group's dispatch, cli/reg_show.c the
 * reading ones): numbers and KEY=VALUE words from the command line, and the
 * registry's records as JSON.
 */
#ifndef MLMD_CLI_REGISTRY_H
#define MLMD_CLI_REGISTRY_H

#include <stddef.h>
#include <stdint.h>
#include <mlmd.h>

/* A version or request number: decimal, 1 .. 2^63-1. Returns 0, or
 * EXIT_USAGE after saying why (`cmd` and `what` name it in the message). */
int reg_number(const char *cmd, const char *what, const char *s, int64_t *out);
/* n KEY=VALUE words as tags (keys malloc'd, values borrowed from the
 * words): 0, or EXIT_USAGE after saying why. Free with reg_tags_free(). */
int reg_tags(const char *cmd, const char *const *words, size_t n, mlmd_tag **out);
void reg_tags_free(mlmd_tag *tags, size_t n);
/* Prints "mlmd: CMD: <the library's message>"; returns EXIT_FAILED. */
int reg_failed(const char *cmd);

/* JSON: tags as one object {"key": "value"}; a request as one object. */
void reg_tags_json(mlmd_json_writer *w, const mlmd_tag *tags, size_t n);
void reg_request_json(mlmd_json_writer *w, const mlmd_alias_request *r);
/* An alias move's keys alias, old_version, new_version, time_ms and actor,
 * inside an object the caller opened. */
void reg_move_json_fields(mlmd_json_writer *w, const mlmd_alias_history_entry *e);
/* A version number, null for 0 (none). */
void reg_version_json(mlmd_json_writer *w, int64_t v);

/* The reading commands (reg_show.c), each taking the words after its name. */
int reg_ls(int argc, char **argv);
int reg_show(int argc, char **argv);
int reg_requests(int argc, char **argv);
int reg_resolve(int argc, char **argv);
int reg_history(int argc, char **argv);

#endif
