/*
 * tracking/tk.h - what the files of lib/tracking share (private).
 *
 * lib/tracking is a client of the library's public API, as lib/serving is:
 * it includes <mlmd.h>, mlmd/tracking.h, the generated mlmd.tracking
 * messages and util/base.h, nothing else of lib/. Every store access is one
 * mlmd_store_call() with a serialized mlmd.tracking request.
 *
 *   run.c      mlmd_run: begin, log parameters, tags, metrics, end
 *   files.c    inputs and outputs: SHA-256 and size read in one pass, file:// URIs
 *   info.c     mlmd_run_info (GetRun, FindCachedRun), metric histories
 *   capture.c  reproducibility capture: argv, cwd, host, user, environment, seed
 *   git.c      the git state of a directory, read from .git without git
 */
#ifndef MLMD_TRACKING_TK_H
#define MLMD_TRACKING_TK_H

#include <stdbool.h>
#include <stdint.h>
#include <mlmd.h>
#include "mlmd/tracking.h"
#include "mlmd_tracking.pb-c.h"
#include "util/base.h"

/* ---- git.c ---------------------------------------------------------------------------- */

typedef struct mlmd__git_info {
	char commit[41];  /* 40 lowercase hex digits; "" when unknown (no repository, unborn, unreadable) */
	char *branch;     /* malloc'd; NULL when HEAD is detached or unknown */
	int dirty;        /* 1 dirty, 0 clean, -1 unknown */
} mlmd__git_info;

/* Reads the git state of the repository holding dir (found upward). Never
 * fails on what it reads: what cannot be read stays unknown. Returns 0, or
 * a negative status on OOM or an OpenSSL failure. Free with
 * mlmd__git_info_free(). */
int mlmd__git_read(const char *dir, mlmd__git_info *g);
void mlmd__git_info_free(mlmd__git_info *g);

/* Whether the tracked files under the worktree `root` differ from the index
 * bytes d[0..len) (an index file whose mtime is index_mtime_s/_ns): 1 dirty,
 * 0 clean, -1 when the index is not one this reader understands (corrupt,
 * truncated, a split index), or a status below -1 (OOM). Exposed for the
 * tests and the fuzz target. */
int mlmd__git_index_dirty(const char *root, const unsigned char *d, size_t len, int64_t index_mtime_s,
	int64_t index_mtime_ns);

/* ---- capture.c ------------------------------------------------------------------------ */

/* Fills a Capture (initialised by the caller) with what the process knows
 * about itself: argv, cwd, host, user, library version, the allow-listed
 * environment variables plus extra_env (NULL-terminated; NULL for none),
 * and the git state of git_dir (NULL: the working directory). Strings and
 * arrays are malloc'd: free with mlmd__capture_clear(). */
int mlmd__capture_fill(Mlmd__Pb__Tracking__Capture *c, const char *const *extra_env, const char *git_dir);
void mlmd__capture_clear(Mlmd__Pb__Tracking__Capture *c);

/* ---- run.c ------------------------------------------------------------------------------ */

struct mlmd_run {
	struct mlmd_store *store;   /* borrowed: the caller's, which outlives the run */
	int64_t id;
	int64_t experiment_id;
	char *name;
	char fingerprint[65];       /* "" until the run ends COMPLETE */
};

/* ---- calls (run.c) -------------------------------------------------------------------- */

/* Packs req, runs `method` through mlmd_store_call() and unpacks the
 * response with `resp_desc` into *resp (free with protobuf_c_message_free_unpacked). */
int mlmd__tk_call(struct mlmd_store *store, const char *method, const ProtobufCMessage *req,
	const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp);

/* A Param message for p, pointing into p (nothing to free but the Value,
 * which is the caller's storage). INVALID_ARGUMENT for an unknown kind. */
int mlmd__tk_param(const mlmd_param *p, Mlmd__Pb__Tracking__Param *out, Mlmd__Pb__Value *value);

#endif
