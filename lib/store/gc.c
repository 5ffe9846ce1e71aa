/*
 * store/gc.c - mlmd_store_gc(): the compaction step after deletions
 * (mlmd/datagov.h, docs/datagov.md), through the backend's optional compact
 * slot (mlmd/sys/backend.h, version 2): SQLite checkpoints and truncates
 * its WAL (full: VACUUM first), PostgreSQL VACUUMs (full: VACUUM FULL). It
 * runs outside any transaction; a backend without the slot (or built for
 * version 1) has nothing to compact.
 */
#include <string.h>
#include "store_private.h"

int mlmd_store_gc(mlmd_store *s, int full, mlmd_gc_result *out)
{
	if (!s)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_store_gc: store is NULL");
	if (s->txn_open || s->in_txn || s->sql.txn)
		return mlmd__fail(MLMD_FAILED_PRECONDITION,
				  "mlmd_store_gc: a transaction is open on this handle (mlmd_store_begin); commit or "
				  "roll it back first: compaction runs outside any transaction");
	if (s->read_only)
		return mlmd__fail(MLMD_FAILED_PRECONDITION, "mlmd_store_gc: the store is open read-only");
	mlmd_gc_result r;
	memset(&r, 0, sizeof r);
	r.complete = 1;
	const mlmd_backend *b = s->db;
	int rc = 0;
	if (b->version >= 2 && b->compact) {
		int complete = 1;
		int64_t pages = 0;
		/* cached statements stay prepared but reset: VACUUM accepts that */
		rc = b->compact(s->db, full ? 1 : 0, &complete, &pages, r.detail, sizeof r.detail);
		r.complete = complete;
		r.pages_freed = pages;
		r.detail[sizeof r.detail - 1] = '\0';
	} else {
		mlmd__snprintf(r.detail, sizeof r.detail, "the backend (%s) has nothing to compact",
			       b->dialect && b->dialect->name ? b->dialect->name : "custom");
	}
	if (rc)
		return rc;
	if (out)
		*out = r;
	return 0;
}
