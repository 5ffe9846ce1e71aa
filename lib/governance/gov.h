/*
 * governance/gov.h - what the files of lib/governance share (private).
 *
 * lib/governance is a client of the library's public API, as lib/tracking
 * is: it includes <mlmd.h>, mlmd/registry.h, mlmd/audit.h, the generated
 * mlmd.governance messages and util/base.h, nothing else of lib/. Every
 * store access is one mlmd_store_call() with a serialized mlmd.governance
 * request.
 *
 *   call.c      one call (pack, mlmd_store_call, unpack); the arena the
 *               read-back structs live in; C arrays as repeated fields
 *   registry.c  the registry's writing calls: models, versions, tags,
 *               aliases, policies, requests, approvals
 *   reg_read.c  models, requests and the alias history read back as C structs
 *   audit.c     the audit log: read, verify, checkpoints
 *   resolve.c   mlmd_registry_resolve (the serving work's)
 *   datagov.c   data governance's writing calls (mlmd/datagov.h): delete,
 *               retention policies and runs, labels, the gate list
 *   dg_read.c   data governance read back as C: tombstones, policies,
 *               effective labels, the gate list, impact; the _free functions
 *   gate.c      mlmd_gate_check (the serving gate's check, CheckServingGate)
 */
#ifndef MLMD_GOVERNANCE_GOV_H
#define MLMD_GOVERNANCE_GOV_H

#include <stddef.h>
#include <stdint.h>
#include <mlmd.h>
#include "mlmd/audit.h"
#include "mlmd/registry.h"
#include "mlmd_governance.pb-c.h"
#include "util/base.h"

/* ---- one call (call.c) ---------------------------------------------------------------------- */

/* Packs req, runs `method` through mlmd_store_call() and unpacks the
 * response with `resp_desc` into *resp (free it with
 * protobuf_c_message_free_unpacked). `fn` names the public function in the
 * NULL-store message. */
int mlmd__gv_call(struct mlmd_store *store, const char *fn, const char *method, const ProtobufCMessage *req,
	const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp);

#define GV_CALL(store, fn, method, req, resp_type, resp)                                                \
	mlmd__gv_call((store), (fn), (method), &(req)->base, &mlmd__pb__governance__##resp_type##__descriptor, \
		(ProtobufCMessage **)(resp))

/* n tags as a repeated Tag field: *out is one malloc'd block (free() it)
 * holding the pointers and the messages, which point into `tags`. n = 0
 * gives NULL. A tag without a key, or a NULL array with n > 0, is
 * INVALID_ARGUMENT naming `what` ("tag", "requirement"). */
int mlmd__gv_tags(const mlmd_tag *tags, size_t n, const char *what, Mlmd__Pb__Governance__Tag ***out);
int mlmd__gv_requirements(const mlmd_tag *req, size_t n, Mlmd__Pb__Governance__Requirement ***out);
/* n moves as a repeated AliasMove field, the same way. */
int mlmd__gv_moves(const mlmd_alias_move *moves, size_t n, Mlmd__Pb__Governance__AliasMove ***out);

/* ---- the arena of a read-back struct (call.c) ------------------------------------------------ */

/* Blocks of memory freed together: a struct read back and everything it
 * points to. The first failure sets oom and later calls return NULL. */
typedef struct mlmd__gv_block mlmd__gv_block;
typedef struct mlmd__gv_arena {
	mlmd__gv_block *head;
	int oom;
} mlmd__gv_arena;

/* n zeroed bytes aligned for any type, or NULL (n = 0 gives NULL too). */
void *mlmd__gv_alloc(mlmd__gv_arena *a, size_t n);
/* A copy of s ("" for NULL), or NULL when out of memory. */
const char *mlmd__gv_str(mlmd__gv_arena *a, const char *s);
void mlmd__gv_arena_free(mlmd__gv_arena *a);

/* A public struct T read back, with the arena of everything it points to
 * behind it: the pointer handed out is &box->pub, which is the box. */
#define ARENA_BOX(T, name)                                                                              \
	typedef struct name {                                                                              \
		T pub; /* first: the public pointer is the box's */                                       \
		mlmd__gv_arena a;                                                                          \
	} name

/* ---- read-back conversions (reg_read.c) ------------------------------------------------------- */

/* A request message as C, into *out, its memory from a. 0, or -1 when out of memory. */
int mlmd__gv_request(mlmd__gv_arena *a, const Mlmd__Pb__Governance__AliasRequest *m, mlmd_alias_request *out);
/* History entries as C: *out n entries from a (NULL when n is 0). */
int mlmd__gv_history(mlmd__gv_arena *a, Mlmd__Pb__Governance__AliasHistoryEntry *const *m, size_t n,
	const mlmd_alias_history_entry **out);

/* A history list whose memory is its own arena (reg_read.c), for the
 * entries SetAliases returns. On success *out is new. */
int mlmd__gv_history_new(Mlmd__Pb__Governance__AliasHistoryEntry *const *m, size_t n, mlmd_alias_history **out);

/* ---- data governance read back (dg_read.c) ---------------------------------------------------- */

/* A label list whose memory is its own arena, freed by
 * mlmd_label_list_free(): n EffectiveLabel messages as C (CheckServingGate's
 * blocking labels as well as GetEffectiveLabels'). On success *out is new. */
int mlmd__gv_labels_new(Mlmd__Pb__Governance__EffectiveLabel *const *m, size_t n, mlmd_label_list **out);
/* A delete result (mlmd_delete_result_free) from DeleteNodes' tombstones
 * and counters, or GetTombstones' tombstones (rs NULL, counters 0). */
int mlmd__gv_delete_result_new(Mlmd__Pb__Governance__Tombstone *const *t, size_t n,
	const Mlmd__Pb__Governance__DeleteNodesResponse *rs, mlmd_delete_result **out);
/* A policy message as C, its strings from a. */
void mlmd__gv_policy(mlmd__gv_arena *a, const Mlmd__Pb__Governance__RetentionPolicy *m, mlmd_retention_policy *out);
/* An arena string for a public struct whose char * fields are read-only for its caller. */
#define GV_STR(a, s) ((char *)mlmd__gv_str((a), (s)))

/* The most ids DeleteNodes and GetTombstones take (their requests' limit):
 * checked before packing, so a wrong count is refused, never read past. */
#define MLMD__GV_MAX_IDS 100000

#endif
