/*
 * `mlmd serve` in process against requests no client should send, through
 * the C gRPC client over 127.0.0.1 (tests/server_fixture.h): paths that name
 * no RPC are UNIMPLEMENTED; undecodable bytes (truncated and overlong
 * varints, huge length prefixes, wrong wire types, field number 0, nesting
 * far past MLMD_MAX_NESTING) are INVALID_ARGUMENT with the store's own
 * message, on MLMD's methods, ours and the health service; the server goes
 * on serving and writes nothing (leaks are for the ASan builds to find).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "server_fixture.h"

static void unknown_paths_are_unimplemented(void **state)
{
	sfx *f = *state;
	static const char *const paths[] = {
		"/ml_metadata.MetadataStoreService/NoSuchMethod",
		"/ml_metadata.MetadataStoreService/putartifacts",
		"/ml_metadata.MetadataStoreService/PutArtifacts/extra",
		"/ml_metadata.MetadataStoreService/",
		"/ml_metadata.MetadataStoreService",
		"/ml_metadata.OtherService/PutArtifacts",
		"//PutArtifacts",
		"/PutArtifacts",
		"/grpc.health.v1.Health/NoSuch",
		"/grpc.health.v1.Health/PutArtifacts",
		"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
		"/x",
	};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		gc_result r;
		assert_int_equal(gc_call(f->ch, paths[i], "", 0, 0, &r), 0);
		if (r.status != MLMD_UNIMPLEMENTED)
			fail_msg("%s: %s '%s', expected UNIMPLEMENTED", paths[i], mlmd_status_name(r.status), r.message);
		gc_result_free(&r);
	}
	/* a path with a space, one with a control byte and non-ASCII bytes, one of 4 KiB */
	char *long_path = malloc(4096 + 1);
	assert_non_null(long_path);
	memcpy(long_path, "/ml_metadata.MetadataStoreService/", 34);
	memset(long_path + 34, 'A', 4096 - 34);
	long_path[4096] = '\0';
	const char *odd[3] = { "/ml_metadata.MetadataStoreService/Put Artifacts",
			       "/ml_metadata.MetadataStoreService/Put\tArtifacts\xc3\xa9", long_path };
	for (int i = 0; i < 3; i++) {
		gc_result r;
		assert_int_equal(gc_call(f->ch, odd[i], "", 0, 0, &r), 0);
		if (r.status != MLMD_UNIMPLEMENTED)
			fail_msg("odd path %d: %s '%s', expected UNIMPLEMENTED", i, mlmd_status_name(r.status), r.message);
		gc_result_free(&r);
	}
	free(long_path);
	/* a 16 KiB path is over gRPC's own metadata limit (8 KiB): refused before
	 * any handler, and gRPC may close that connection, so the check that the
	 * server still serves opens a new one */
	char *huge = malloc(16384 + 1);
	assert_non_null(huge);
	memcpy(huge, "/ml_metadata.MetadataStoreService/", 34);
	memset(huge + 34, 'B', 16384 - 34);
	huge[16384] = '\0';
	gc_result hr;
	assert_int_equal(gc_call(f->ch, huge, "", 0, 0, &hr), 0);
	assert_int_not_equal(hr.status, 0);
	assert_int_not_equal(hr.status, MLMD_UNIMPLEMENTED);
	gc_result_free(&hr);
	free(huge);
	gc_close(f->ch);
	f->ch = gc_open(f->target, NULL, 0);
	assert_non_null(f->ch);
	/* and the server still serves a real call */
	Mlmd__Pb__GetArtifactTypesRequest rq = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	gc_result r;
	sfx_call(f, "GetArtifactTypes", &rq, &r);
	SFX_STATUS(&r, 0);
	gc_result_free(&r);
}

static void undecodable_request_is_invalid_argument_as_in_process(void **state)
{
	sfx *f = *state;
	static const char *const methods[] = { "PutArtifacts", "GetArtifactsByID", "PutExecution",
		"CreateRegisteredModel", "GetAuditLog" };
	static const unsigned char junk[] = { 0x0a, 0x05, 0x01, 0x02 }; /* 5 bytes announced, 2 there */
	for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
		gc_result r, l;
		sfx_call_bytes(f, methods[i], junk, sizeof junk, &r);
		sfx_local_bytes(f->local, methods[i], junk, sizeof junk, &l);
		SFX_STATUS(&r, MLMD_INVALID_ARGUMENT);
		assert_true(r.message[0] != '\0');
		sfx_same_outcome(methods[i], &r, &l);
		gc_result_free(&r);
		gc_result_free(&l);
	}
}

static void health_with_undecodable_bytes_is_invalid_argument(void **state)
{
	sfx *f = *state;
	static const struct { const char *b; size_t n; } bad[] = {
		{ "\x0a\x05" "ab", 4 },          /* 5 bytes announced, 2 there */
		{ "\x0a", 1 },                   /* a tag and nothing */
		{ "\x0f", 1 },                   /* wire type 7 does not exist */
		{ "\x08\xff\xff\xff", 4 },       /* truncated varint */
		{ "\x0a\xff\xff\xff\xff\x0f", 6 }, /* a 4 GiB length prefix */
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		gc_result r;
		assert_int_equal(gc_call(f->ch, SFX_HEALTH_CHECK, bad[i].b, bad[i].n, 0, &r), 0);
		if (r.status != MLMD_INVALID_ARGUMENT)
			fail_msg("health request %zu: %s '%s', expected INVALID_ARGUMENT", i, mlmd_status_name(r.status),
				 r.message);
		gc_result_free(&r);
	}
	int serving;
	assert_int_equal(sfx_health(f, "", &serving), 0);
	assert_int_equal(serving, 1);
}

/* Appends a varint. */
static size_t put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;
	do {
		p[n++] = (unsigned char)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return n;
}

/* A PutArtifactsRequest whose one artifact has a custom property holding a
 * google.protobuf.Value nested `depth` lists deep (Value.list_value = 6,
 * ListValue.values = 1): far deeper than MLMD_MAX_NESTING. Written inside
 * out into buf; returns the length, the bytes at buf + cap - length. */
static size_t deep_request(unsigned char *buf, size_t cap, int depth)
{
	size_t at = cap, len = 0;
	unsigned char hdr[16];
#define WRAP(field) do { size_t h = 0; hdr[h++] = (unsigned char)((field) << 3 | 2); h += put_varint(hdr + h, len); \
	at -= h; memcpy(buf + at, hdr, h); len += h; } while (0)
	for (int i = 0; i < depth; i++) {
		WRAP(1); /* ListValue.values */
		WRAP(6); /* Value.list_value */
	}
	WRAP(2); /* the google Value as a Struct.fields entry's value */
	at -= 3;
	memcpy(buf + at, "\x0a\x01k", 3); /* map entry key "k" */
	len += 3;
	WRAP(1); /* Struct.fields entry */
	WRAP(4); /* ml_metadata.Value.struct_value */
	WRAP(2); /* custom_properties entry value */
	at -= 3;
	memcpy(buf + at, "\x0a\x01p", 3); /* entry key "p" */
	len += 3;
	WRAP(5); /* Artifact.custom_properties */
	at -= 2;
	memcpy(buf + at, "\x10\x01", 2); /* Artifact.type_id = 1 */
	len += 2;
	WRAP(1); /* PutArtifactsRequest.artifacts */
#undef WRAP
	assert_true(at < cap);
	return len;
}

static void hostile_bytes_are_refused_and_the_server_keeps_serving(void **state)
{
	sfx *f = *state;
	assert_int_equal(artifact_type(f->local, "T", 0), 1); /* deep_request()'s type_id */
	static const struct { const char *what; const char *b; size_t n; } bad[] = {
		{ "truncated varint", "\x08\xff\xff", 3 },
		{ "an 11-byte varint", "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12 },
		{ "a truncated field", "\x0a\x05" "ab", 4 },
		{ "a 4 GiB length prefix", "\x0a\xff\xff\xff\xff\x0f" "abc", 9 },
		{ "a 2^63 length prefix", "\x0a\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10 },
		{ "wire type 7", "\x0f\x00", 2 },
		{ "field number 0", "\x00\x01", 2 },
		{ "a tag and nothing", "\x12", 1 },
	};
	static const char *const methods[] = { "PutArtifacts", "GetArtifactsByID", "PutExecution",
		"GetLineageSubgraph", "PutLineageSubgraph", "CreateRegisteredModel", "SetAliases", "GetAuditLog",
		"StartRun" };
	for (size_t m = 0; m < sizeof methods / sizeof *methods; m++)
		for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
			gc_result r, l;
			sfx_call_bytes(f, methods[m], bad[i].b, bad[i].n, &r);
			sfx_local_bytes(f->local, methods[m], bad[i].b, bad[i].n, &l);
			if (l.status != MLMD_INVALID_ARGUMENT)
				fail_msg("%s with %s: in process %s '%s' (the case is meant to be undecodable)",
					 methods[m], bad[i].what, mlmd_status_name(l.status), l.message);
			char what[200];
			snprintf(what, sizeof what, "%s with %s", methods[m], bad[i].what);
			sfx_same_outcome(what, &r, &l);
			gc_result_free(&r);
			gc_result_free(&l);
		}

	/* wrong wire types and a broken nested message, where the field's type is known */
	static const struct { const char *method, *what, *b; size_t n; } typed[] = {
		{ "PutArtifacts", "artifacts as a varint", "\x08\x01", 2 },
		{ "PutArtifacts", "artifacts as a fixed64", "\x09" "abcdefgh", 9 },
		{ "PutArtifacts", "an artifact with a truncated type_id", "\x0a\x02\x10\xff", 4 },
		{ "GetArtifactsByID", "artifact_ids as a fixed32", "\x0d" "abcd", 5 },
		{ "CreateRegisteredModel", "name as a varint", "\x08\x01", 2 },
		{ "SetAliases", "moves as a varint", "\x10\x01", 2 },
		{ "GetAuditLog", "since_seq as a string", "\x0a\x01x", 3 },
	};
	for (size_t i = 0; i < sizeof typed / sizeof *typed; i++) {
		gc_result r, l;
		char what[200];
		snprintf(what, sizeof what, "%s with %s", typed[i].method, typed[i].what);
		sfx_call_bytes(f, typed[i].method, typed[i].b, typed[i].n, &r);
		sfx_local_bytes(f->local, typed[i].method, typed[i].b, typed[i].n, &l);
		if (l.status != MLMD_INVALID_ARGUMENT)
			fail_msg("%s: in process %s '%s' (the case is meant to be undecodable)", what,
				 mlmd_status_name(l.status), l.message);
		sfx_same_outcome(what, &r, &l);
		gc_result_free(&r);
		gc_result_free(&l);
	}

	size_t cap = 1 << 16;
	unsigned char *buf = malloc(cap);
	assert_non_null(buf);
	size_t n = deep_request(buf, cap, 2000);
	gc_result r, l;
	assert_true(n > 4 * 2000);
	sfx_call_bytes(f, "PutArtifacts", buf + cap - n, n, &r);
	sfx_local_bytes(f->local, "PutArtifacts", buf + cap - n, n, &l);
	SFX_STATUS(&r, MLMD_INVALID_ARGUMENT);
	sfx_same_outcome("PutArtifacts nested 2000 deep", &r, &l);
	gc_result_free(&r);
	gc_result_free(&l);
	free(buf);

	/* nothing was written, and the server answers as before */
	Mlmd__Pb__GetArtifactsRequest ga = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	sfx_call(f, "GetArtifacts", &ga, &r);
	Mlmd__Pb__GetArtifactsResponse *gar = sfx_unpack(&r, &mlmd__pb__get_artifacts_response__descriptor);
	assert_int_equal(gar->n_artifacts, 0);
	mlmd_message_free(gar);
	gc_result_free(&r);
	int serving;
	assert_int_equal(sfx_health(f, "", &serving), 0);
	assert_int_equal(serving, 1);

	/* the deep request's shape is a valid one: 10 deep, it is stored */
	buf = malloc(cap);
	assert_non_null(buf);
	n = deep_request(buf, cap, 10);
	sfx_call_bytes(f, "PutArtifacts", buf + cap - n, n, &r);
	SFX_STATUS(&r, 0);
	gc_result_free(&r);
	free(buf);
}

int main(void)
{
	if (sfx_unsupported()) {
		printf("test_server_hostile: skipped: the server opens stores by URI; MLMD_TEST_BACKEND=custom has none\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(unknown_paths_are_unimplemented, sfx_setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(undecodable_request_is_invalid_argument_as_in_process, sfx_setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(health_with_undecodable_bytes_is_invalid_argument, sfx_setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(hostile_bytes_are_refused_and_the_server_keeps_serving, sfx_setup, sfx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
