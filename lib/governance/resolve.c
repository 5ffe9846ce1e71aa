/*
 * governance/resolve.c - registry references from C: "NAME@ALIAS" and
 * "NAME/VERSION" parsed and checked here (mlmd_registry_is_ref), resolved by
 * one ResolveModel call through mlmd_store_call() (mlmd_registry_resolve),
 * and the answer handed out as a plain C struct (mlmd_model_version).
 *
 * lib/governance is a client of the public API, as lib/tracking is: it
 * includes <mlmd.h>, mlmd/registry.h, the generated mlmd.governance messages
 * and util/base.h, nothing else of lib/. The reference is parsed here rather
 * than by the store so that a malformed one is INVALID_ARGUMENT without a
 * store call, and so that mlmd_registry_is_ref() needs no store at all (the
 * CLI asks it whether `--model X` could be a reference).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "mlmd/registry.h"
#include "mlmd_governance.pb-c.h"
#include "util/base.h"
#include "gov.h"

/* ---- the reference's syntax ---------------------------------------------------------------- */

#define NAME_MAX_BYTES 250
#define ALIAS_MAX 64

/* A model name: 1..250 bytes, no control character (below 0x20, or DEL), no
 * '/' or '@' (they separate the reference's parts). */
static bool name_ok(const char *s, size_t n)
{
	if (n < 1 || n > NAME_MAX_BYTES)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == '/' || c == '@')
			return false;
	}
	return true;
}

/* An alias: 1..64 of [A-Za-z0-9_.-], first a letter or '_'. "latest" has this
 * form: the caller decides whether it is allowed (in a reference it is: the
 * highest version). */
static bool alias_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > ALIAS_MAX)
		return false;
	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
			c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* A version: decimal digits without sign or leading zero, 1..INT64_MAX. */
static bool version_ok(const char *s, int64_t *out)
{
	if (s[0] < '1' || s[0] > '9')
		return false;
	int64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > (INT64_MAX - (*p - '0')) / 10)
			return false;
		v = v * 10 + (*p - '0');
	}
	*out = v;
	return true;
}

typedef struct {
	size_t name_len;         /* ref[0..name_len) is the name */
	const char *alias;       /* NULL for NAME/VERSION */
	int64_t version;         /* 0 for NAME@ALIAS */
} parsed_ref;

/* Splits and checks a reference. Returns 0, or INVALID_ARGUMENT naming what is
 * wrong (when `fail`; otherwise just -1 with no message, for is_ref). */
static int parse_ref(const char *ref, parsed_ref *p, bool fail)
{
	memset(p, 0, sizeof *p);
	if (!ref)
		return fail ? mlmd__fail(MLMD_INVALID_ARGUMENT, "model reference is NULL") : -1;
	size_t at = strcspn(ref, "/@");
	if (!ref[at])
		return fail ? mlmd__fail(MLMD_INVALID_ARGUMENT, "'%s' is not a model reference: expected NAME@ALIAS or "
			"NAME/VERSION", ref) : -1;
	if (!name_ok(ref, at))
		return fail ? mlmd__fail(MLMD_INVALID_ARGUMENT, "model reference '%s': the model name must be 1 to %d "
			"bytes without control characters, '/' or '@'", ref, NAME_MAX_BYTES) : -1;
	p->name_len = at;
	const char *rest = ref + at + 1;
	if (ref[at] == '@') {
		if (!alias_ok(rest))
			return fail ? mlmd__fail(MLMD_INVALID_ARGUMENT, "model reference '%s': alias '%s' must be 1 to %d "
				"characters of A-Z a-z 0-9 _ . -, starting with a letter or '_'", ref, rest, ALIAS_MAX) : -1;
		p->alias = rest;
	} else if (!version_ok(rest, &p->version)) {
		return fail ? mlmd__fail(MLMD_INVALID_ARGUMENT, "model reference '%s': version '%s' must be a decimal "
			"number from 1 (no sign, no leading zero)", ref, rest) : -1;
	}
	return 0;
}

int mlmd_registry_is_ref(const char *ref)
{
	parsed_ref p;
	return parse_ref(ref, &p, false) == 0;
}

/* ---- resolving ----------------------------------------------------------------------------- */

static const char *value_string(const Mlmd__Pb__Value *v)
{
	return v && v->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE ? v->string_value : NULL;
}

static bool hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
			return false;
	return true;
}

/* The artifact's recorded SHA-256 as 64 hex digits: its `digest` property
 * ("sha256:<hex>", a type property as mlmd_model_record() writes it, or a
 * custom one), else its custom mlmd.sha256 (tracking's files); "" when it has
 * neither in that form. Borrowed from the artifact. */
static const char *artifact_sha256(const Mlmd__Pb__Artifact *a)
{
	for (int custom = 0; custom < 2; custom++) {
		const char *d = value_string(mlmd_node_get(a, custom, "digest"));
		if (d && strncmp(d, "sha256:", 7) == 0 && hex64(d + 7))
			return d + 7;
	}
	const char *h = value_string(mlmd_node_get(a, 1, "mlmd.sha256"));
	return h && hex64(h) ? h : "";
}

void mlmd_model_version_free(mlmd_model_version *v)
{
	if (!v)
		return;
	free(v->model_name);
	free(v->alias);
	free(v->uri);
	free(v->sha256);
	free(v);
}

/* The C struct of a resolved version (a new one). */
static int version_out(const Mlmd__Pb__Governance__ModelVersion *mv, const char *alias, const Mlmd__Pb__Artifact *a,
	mlmd_model_version **out)
{
	mlmd_model_version *v = calloc(1, sizeof *v);
	if (!v)
		return MLMD_OOM();
	v->model_name = mlmd__strdup(mv->model_name ? mv->model_name : "");
	v->version = mv->version;
	v->artifact_id = mv->artifact_id;
	v->run_id = mv->has_run_id ? mv->run_id : 0;
	v->alias = alias && alias[0] ? mlmd__strdup(alias) : NULL;
	v->uri = mlmd__strdup(a && a->uri ? a->uri : "");
	v->sha256 = mlmd__strdup(a ? artifact_sha256(a) : "");
	v->context_id = mv->context_id;
	v->create_time_ms = mv->create_time_ms;
	if (!v->model_name || (alias && alias[0] && !v->alias) || !v->uri || !v->sha256) {
		mlmd_model_version_free(v);
		return MLMD_OOM();
	}
	*out = v;
	return 0;
}

int mlmd_registry_resolve(struct mlmd_store *store, const char *ref, int64_t as_of_ms, mlmd_model_version **out)
{
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_registry_resolve: out is NULL");
	*out = NULL;
	if (!store)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_registry_resolve: store is NULL");
	if (as_of_ms < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "mlmd_registry_resolve: as_of_ms is negative (%lld)",
			(long long)as_of_ms);
	parsed_ref p;
	int rc = parse_ref(ref, &p, true);
	if (rc)
		return rc;
	char *name = mlmd__strndup(ref, p.name_len);
	if (!name)
		return MLMD_OOM();
	Mlmd__Pb__Governance__ResolveModelRequest rq = MLMD__PB__GOVERNANCE__RESOLVE_MODEL_REQUEST__INIT;
	rq.model_name = name;
	rq.alias = (char *)p.alias;
	if (!p.alias) {
		rq.has_version = 1;
		rq.version = p.version;
	}
	if (as_of_ms > 0) {
		rq.has_as_of_ms = 1;
		rq.as_of_ms = as_of_ms;
	}
	Mlmd__Pb__Governance__ResolveModelResponse *rs = NULL;
	rc = GV_CALL(store, "mlmd_registry_resolve", "ResolveModel", &rq, resolve_model_response, &rs);
	free(name);
	if (rc)
		return mlmd__context(rc, "resolving '%s'", ref);
	const Mlmd__Pb__Governance__ModelVersion *mv = rs->version;
	Mlmd__Pb__GetArtifactsByIDResponse *ars = NULL;
	const Mlmd__Pb__Artifact *a = mv ? mv->artifact : NULL;
	if (!mv || !mv->has_version || !mv->has_artifact_id) {
		rc = mlmd__fail(MLMD_INTERNAL, "resolving '%s': the store's answer names no version or artifact", ref);
	} else if (!a) {
		/* the answer should carry the artifact; read it when it does not */
		Mlmd__Pb__GetArtifactsByIDRequest arq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
		int64_t id = mv->artifact_id;
		arq.n_artifact_ids = 1;
		arq.artifact_ids = &id;
		if (!(rc = mlmd_store_get_artifacts_by_id(store, &arq, &ars)))
			a = ars->n_artifacts == 1 ? ars->artifacts[0] : NULL;
		if (!rc && !a)
			rc = mlmd__fail(MLMD_NOT_FOUND, "resolving '%s': version %lld's model artifact %lld does not exist",
				ref, (long long)mv->version, (long long)mv->artifact_id);
	}
	if (!rc)
		rc = version_out(mv, p.alias ? (rs->alias ? rs->alias : p.alias) : NULL, a, out);
	mlmd_message_free(ars);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	return rc;
}
