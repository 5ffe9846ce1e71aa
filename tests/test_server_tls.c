/*
 * `mlmd serve` in process with TLS and message size limits, through the C
 * gRPC client over 127.0.0.1 (tests/server_fixture.h): certificates made
 * here with the `openssl` command (a CA, a server certificate for
 * 127.0.0.1/localhost, a client certificate CN=alice from the same CA, and
 * a second CA with its own client certificate the server does not trust).
 * A TLS client trusting the CA is served; plaintext, an untrusting client
 * or a wrong server name are not; under mutual TLS alice is served and her
 * writes are audited as "alice", while no certificate or one from the other
 * CA is refused before any call runs; bad PEM files stop srv_start() with a
 * message naming the file. Requests and responses over max_message_bytes
 * (4 MiB unless set), and responses over a client's receive limit, are
 * RESOURCE_EXHAUSTED with nothing written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "server_fixture.h"
#include "mlmd_governance.pb-c.h"

/* The PEM files of the suite, in one temporary directory. */
typedef struct certs {
	char dir[400];
	char ca[512], srv_cert[512], srv_key[512];       /* the CA; the server's pair (127.0.0.1, localhost) */
	char alice_cert[512], alice_key[512];            /* CN=alice, signed by the CA */
	char other_ca[512], mallory_cert[512], mallory_key[512]; /* a CA the server does not trust, and its client */
	char garbage[512];                               /* not PEM at all */
} certs;

static certs C;

static void run(const char *cmd)
{
	char full[4096];
	snprintf(full, sizeof full, "cd '%s' && (%s) >openssl.log 2>&1", C.dir, cmd);
	if (system(full) != 0)
		fail_msg("openssl failed (see %s/openssl.log): %s", C.dir, cmd);
}

static void name(char *out, const char *file)
{
	snprintf(out, 512, "%s/%s", C.dir, file);
}

/* Makes the certificates (EC P-256 keys: quick to make). */
static int make_certs(void **state)
{
	(void)state;
	const char *tmp = getenv("MLMD_TEST_TMP");
	snprintf(C.dir, sizeof C.dir, "%s/mlmd-tls-%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
	char mk[900];
	snprintf(mk, sizeof mk, "rm -rf '%s' && mkdir -p '%s'", C.dir, C.dir);
	if (system(mk) != 0)
		fail_msg("cannot create %s", C.dir);
#define KEY "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	run("openssl req -x509 " KEY " -keyout ca.key -out ca.pem -days 2 -subj '/CN=mlmd test CA'");
	run("openssl req " KEY " -keyout server.key -out server.csr -subj '/CN=localhost'"
	    " && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' >server.ext"
	    " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2"
	    " -extfile server.ext -out server.pem");
	run("openssl req " KEY " -keyout alice.key -out alice.csr -subj '/CN=alice/O=mlmd tests'"
	    " && openssl x509 -req -in alice.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out alice.pem");
	run("openssl req -x509 " KEY " -keyout other-ca.key -out other-ca.pem -days 2 -subj '/CN=another CA'");
	run("openssl req " KEY " -keyout mallory.key -out mallory.csr -subj '/CN=mallory'"
	    " && openssl x509 -req -in mallory.csr -CA other-ca.pem -CAkey other-ca.key -CAcreateserial -days 2"
	    " -out mallory.pem");
	run("printf 'this is not a certificate\\n' >garbage.pem");
#undef KEY
	name(C.ca, "ca.pem");
	name(C.srv_cert, "server.pem");
	name(C.srv_key, "server.key");
	name(C.alice_cert, "alice.pem");
	name(C.alice_key, "alice.key");
	name(C.other_ca, "other-ca.pem");
	name(C.mallory_cert, "mallory.pem");
	name(C.mallory_key, "mallory.key");
	name(C.garbage, "garbage.pem");
	return 0;
}

static int remove_certs(void **state)
{
	(void)state;
	char rm[512];
	snprintf(rm, sizeof rm, "rm -rf '%s'", C.dir);
	return system(rm) == 0 ? 0 : -1;
}

/* A server on a fresh store with TLS (and mutual TLS when mutual); no channel yet. */
static sfx *tls_server(int mutual)
{
	sfx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	sfx_store(f);
	srv_config cfg = SRV_CONFIG_INIT;
	cfg.tls_cert_file = C.srv_cert;
	cfg.tls_key_file = C.srv_key;
	cfg.tls_client_ca_file = mutual ? C.ca : NULL;
	char err[512];
	int rc = sfx_start(f, &cfg, err, sizeof err);
	if (rc)
		fail_msg("srv_start with TLS -> %s: %s", mlmd_status_name(rc), err);
	return f;
}

static void done(sfx *f)
{
	sfx_down(f);
	free(f);
}

/* Calls GetArtifactTypes on a channel opened as tls says (NULL: plaintext);
 * returns the status. A generous deadline keeps a hung handshake from
 * hanging the suite; it is not what the tests measure. */
static int try_call(sfx *f, const gc_tls *tls)
{
	gc_channel *c = gc_open(f->target, tls, 0);
	assert_non_null(c);
	Mlmd__Pb__GetArtifactTypesRequest rq = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	unsigned char buf[16];
	size_t n = protobuf_c_message_pack((const ProtobufCMessage *)&rq, buf);
	gc_result r;
	assert_int_equal(gc_call(c, "/ml_metadata.MetadataStoreService/GetArtifactTypes", buf, n, 60000, &r), 0);
	int st = r.status;
	if (st)
		printf("# (expected refusal) %s: %s\n", mlmd_status_name(st), r.message);
	gc_result_free(&r);
	gc_close(c);
	return st;
}

/* The calls the server has answered, whatever their status. */
static unsigned long long answered(const sfx *f)
{
	unsigned long long n[17], sum = 0;
	srv_counts(f->server, n);
	for (int i = 0; i < 17; i++)
		sum += n[i];
	return sum;
}

/* ---- TLS -------------------------------------------------------------------------------------- */

static void tls_client_trusting_the_ca_is_served(void **state)
{
	(void)state;
	sfx *f = tls_server(0);
	gc_tls t = { C.ca, NULL, NULL, NULL };
	assert_int_equal(try_call(f, &t), 0);
	gc_tls named = { C.ca, NULL, NULL, "localhost" }; /* the other name the certificate holds */
	assert_int_equal(try_call(f, &named), 0);
	done(f);
}

static void plaintext_client_against_a_tls_server_fails(void **state)
{
	(void)state;
	sfx *f = tls_server(0);
	assert_int_equal(try_call(f, NULL), MLMD_UNAVAILABLE);
	assert_int_equal(answered(f), 0);
	done(f);
}

static void tls_client_not_trusting_the_servers_ca_fails(void **state)
{
	(void)state;
	sfx *f = tls_server(0);
	gc_tls t = { C.other_ca, NULL, NULL, NULL };
	assert_int_equal(try_call(f, &t), MLMD_UNAVAILABLE);
	gc_tls wrong_name = { C.ca, NULL, NULL, "db.example.org" };
	assert_int_equal(try_call(f, &wrong_name), MLMD_UNAVAILABLE);
	assert_int_equal(answered(f), 0);
	done(f);
}

static void mutual_tls_client_is_served_and_writes_as_its_common_name(void **state)
{
	(void)state;
	sfx *f = tls_server(1);
	gc_tls t = { C.ca, C.alice_cert, C.alice_key, NULL };
	f->ch = gc_open(f->target, &t, 0);
	assert_non_null(f->ch);
	Mlmd__Pb__Governance__CreateRegisteredModelRequest cm = MLMD__PB__GOVERNANCE__CREATE_REGISTERED_MODEL_REQUEST__INIT;
	cm.name = "iris";
	gc_result r;
	sfx_call(f, "CreateRegisteredModel", &cm, &r);
	SFX_STATUS(&r, 0);
	gc_result_free(&r);

	Mlmd__Pb__Governance__GetAuditLogRequest al = MLMD__PB__GOVERNANCE__GET_AUDIT_LOG_REQUEST__INIT;
	sfx_call(f, "GetAuditLog", &al, &r);
	Mlmd__Pb__Governance__GetAuditLogResponse *alr =
		sfx_unpack(&r, &mlmd__pb__governance__get_audit_log_response__descriptor);
	gc_result_free(&r);
	assert_int_equal(alr->n_records, 1);
	assert_string_equal(alr->records[0]->operation, "CreateRegisteredModel");
	assert_string_equal(alr->records[0]->actor, "alice"); /* not SFX_ACTOR: the certificate decides */
	mlmd_message_free(alr);
	done(f);
}

static void mutual_tls_without_a_client_certificate_fails(void **state)
{
	(void)state;
	sfx *f = tls_server(1);
	gc_tls t = { C.ca, NULL, NULL, NULL };
	assert_int_not_equal(try_call(f, &t), 0);
	assert_int_equal(answered(f), 0);
	done(f);
}

static void mutual_tls_with_a_certificate_from_another_ca_fails(void **state)
{
	(void)state;
	sfx *f = tls_server(1);
	gc_tls t = { C.ca, C.mallory_cert, C.mallory_key, NULL };
	assert_int_not_equal(try_call(f, &t), 0);
	assert_int_equal(answered(f), 0);
	done(f);
}

/* srv_start() with these TLS files fails with `want` and a message naming `file`. */
static void start_fails(const char *cert, const char *key, const char *ca, int want, const char *file)
{
	sfx f;
	sfx_store(&f);
	srv_config cfg = SRV_CONFIG_INIT;
	cfg.tls_cert_file = cert;
	cfg.tls_key_file = key;
	cfg.tls_client_ca_file = ca;
	char err[1024];
	int rc = sfx_start(&f, &cfg, err, sizeof err);
	if (rc == 0)
		fail_msg("srv_start with cert %s, key %s, client CA %s started", cert, key, ca ? ca : "(none)");
	assert_null(f.server);
	if (want && rc != -want)
		fail_msg("srv_start -> %s, expected %s: %s", mlmd_status_name(rc), mlmd_status_name(want), err);
	if (!strstr(err, file))
		fail_msg("srv_start's message does not name %s: %s", file, err);
	sfx_down(&f);
}

static void bad_tls_files_stop_the_start_naming_the_file(void **state)
{
	(void)state;
	char missing[800];
	snprintf(missing, sizeof missing, "%s/no-such.pem", C.dir);
	start_fails(missing, C.srv_key, NULL, 0, missing);
	start_fails(C.srv_cert, missing, NULL, 0, missing);
	start_fails(C.srv_cert, C.srv_key, missing, 0, missing);
	start_fails(C.garbage, C.srv_key, NULL, 0, C.garbage);
	start_fails(C.srv_cert, C.garbage, NULL, 0, C.garbage);
	start_fails(C.srv_cert, C.srv_key, C.garbage, 0, C.garbage);
	/* a key that is not the certificate's: the message names the key file */
	start_fails(C.srv_cert, C.alice_key, NULL, 0, C.alice_key);
	/* a certificate without its key, or a client CA without a certificate */
	start_fails(C.srv_cert, NULL, NULL, MLMD_INVALID_ARGUMENT, "key");
	start_fails(NULL, NULL, C.ca, MLMD_INVALID_ARGUMENT, "cert");
}

/* ---- message size limits ---------------------------------------------------------------------- */

static char *long_uri(size_t n, char fill)
{
	char *u = malloc(n + 1);
	assert_non_null(u);
	memcpy(u, "file:///", 8);
	memset(u + 8, fill, n - 8);
	u[n] = '\0';
	return u;
}

static size_t count_artifacts(mlmd_store *s)
{
	Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *rs = NULL;
	OK(mlmd_store_get_artifacts(s, &rq, &rs));
	size_t n = rs->n_artifacts;
	mlmd_message_free(rs);
	return n;
}

/* Puts one artifact with a uri of n bytes through the server; returns the status. */
static int put_long(sfx *f, int64_t type, size_t n, char fill)
{
	char *u = long_uri(n, fill);
	Mlmd__Pb__Artifact *a = new_artifact(type, u);
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	rq.n_artifacts = 1;
	rq.artifacts = &a;
	gc_result r;
	sfx_call(f, "PutArtifacts", &rq, &r);
	int st = r.status;
	if (st)
		printf("# %s: %s\n", mlmd_status_name(st), r.message);
	gc_result_free(&r);
	mlmd_message_free(a);
	free(u);
	return st;
}

static void request_over_the_limit_is_resource_exhausted_and_writes_nothing(void **state)
{
	(void)state;
	sfx f;
	srv_config cfg = SRV_CONFIG_INIT;
	cfg.max_message_bytes = 4096;
	sfx_up(&f, &cfg);
	int64_t type = artifact_type(f.local, "Blob", 0);
	assert_int_equal(put_long(&f, type, 8000, 'a'), MLMD_RESOURCE_EXHAUSTED);
	assert_int_equal(count_artifacts(f.local), 0);
	assert_int_equal(put_long(&f, type, 3000, 'b'), 0); /* under the limit it is served */
	assert_int_equal(count_artifacts(f.local), 1);
	sfx_down(&f);
}

static void response_over_the_limit_is_resource_exhausted_naming_both_sizes(void **state)
{
	(void)state;
	sfx f;
	srv_config cfg = SRV_CONFIG_INIT;
	cfg.max_message_bytes = 4096;
	sfx_up(&f, &cfg);
	int64_t type = artifact_type(f.local, "Blob", 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(put_long(&f, type, 1000, (char)('a' + i)), 0);

	Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	gc_result r, l;
	sfx_local(f.local, "GetArtifacts", &rq, &l);
	SFX_STATUS(&l, 0);
	assert_true(l.len > 4096);
	sfx_call(&f, "GetArtifacts", &rq, &r);
	SFX_STATUS(&r, MLMD_RESOURCE_EXHAUSTED);
	char size[32];
	snprintf(size, sizeof size, "%zu", l.len);
	if (!strstr(r.message, size) || !strstr(r.message, "4096"))
		fail_msg("message does not name the response's %s bytes and the 4096 limit: %s", size, r.message);
	gc_result_free(&r);
	gc_result_free(&l);

	/* a smaller answer on the same server still comes */
	Mlmd__Pb__GetArtifactTypesRequest tq = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	sfx_call(&f, "GetArtifactTypes", &tq, &r);
	SFX_STATUS(&r, 0);
	gc_result_free(&r);
	sfx_down(&f);
}

static void default_limit_is_4_mib_and_a_larger_one_lets_the_store_answer(void **state)
{
	(void)state;
	const size_t big = 4194304 + 1024;
	sfx f;
	sfx_up(&f, NULL);
	int64_t type = artifact_type(f.local, "Blob", 0);
	assert_int_equal(put_long(&f, type, big, 'a'), MLMD_RESOURCE_EXHAUSTED);
	assert_int_equal(count_artifacts(f.local), 0);
	sfx_down(&f);

	/* with 8 MiB allowed, the same request reaches the store: its answer is the in-process one */
	srv_config cfg = SRV_CONFIG_INIT;
	cfg.max_message_bytes = 8u << 20;
	sfx_up(&f, &cfg);
	type = artifact_type(f.local, "Blob", 0);
	char *u = long_uri(big, 'a');
	Mlmd__Pb__Artifact *a = new_artifact(type, u);
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	rq.n_artifacts = 1;
	rq.artifacts = &a;
	gc_result r, l;
	sfx_call(&f, "PutArtifacts", &rq, &r);
	assert_int_not_equal(r.status, MLMD_RESOURCE_EXHAUSTED);
	size_t stored = count_artifacts(f.local);
	assert_int_equal(stored, r.status == 0 ? 1 : 0);
	sfx_local(f.local, "PutArtifacts", &rq, &l);
	assert_int_equal(r.status, l.status);
	gc_result_free(&r);
	gc_result_free(&l);
	mlmd_message_free(a);
	free(u);
	sfx_down(&f);
}

static void client_with_a_small_receive_limit_gets_resource_exhausted(void **state)
{
	(void)state;
	sfx f;
	sfx_up(&f, NULL);
	int64_t type = artifact_type(f.local, "Blob", 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(put_long(&f, type, 200, (char)('a' + i)), 0);
	Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	gc_channel *small = gc_open(f.target, NULL, 256);
	assert_non_null(small);
	gc_channel *keep = f.ch;
	gc_result r;
	f.ch = small;
	sfx_call(&f, "GetArtifacts", &rq, &r);
	SFX_STATUS(&r, MLMD_RESOURCE_EXHAUSTED);
	gc_result_free(&r);
	f.ch = keep;
	sfx_call(&f, "GetArtifacts", &rq, &r);
	SFX_STATUS(&r, 0);
	assert_true(r.len > 600);
	gc_result_free(&r);
	gc_close(small);
	sfx_down(&f);
}

/* ---- the test client's own checks (tests/grpc_client.h) --------------------------------------- */

static void client_refuses_bad_arguments_and_unreadable_files(void **state)
{
	(void)state;
	char missing[800];
	snprintf(missing, sizeof missing, "%s/no-such.pem", C.dir);
	gc_tls no_ca = { missing, NULL, NULL, NULL };
	gc_tls half_pair = { C.ca, C.alice_cert, NULL, NULL };
	gc_tls no_key = { C.ca, C.alice_cert, missing, NULL };
	assert_null(gc_open(NULL, NULL, 0));
	assert_null(gc_open("127.0.0.1:1", &no_ca, 0));
	assert_null(gc_open("127.0.0.1:1", &half_pair, 0));
	assert_null(gc_open("127.0.0.1:1", &no_key, 0));

	gc_channel *c = gc_open("127.0.0.1:1", NULL, 0);
	assert_non_null(c);
	gc_result r;
	assert_int_equal(gc_call(NULL, "/a/b", "", 0, 0, &r), -1);
	assert_null(r.message);
	assert_int_equal(gc_call(c, NULL, "", 0, 0, &r), -1);
	assert_int_equal(gc_call(c, "/a/b", NULL, 3, 0, &r), -1);
	assert_int_equal(gc_call(c, "/a/b", "", 0, 0, NULL), -1);
	gc_close(c);
	gc_close(NULL);
	gc_result_free(NULL);
}

int main(void)
{
	if (sfx_unsupported()) {
		printf("test_server_tls: skipped: the server opens stores by URI; MLMD_TEST_BACKEND=custom has none\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tls_client_trusting_the_ca_is_served),
		cmocka_unit_test(plaintext_client_against_a_tls_server_fails),
		cmocka_unit_test(tls_client_not_trusting_the_servers_ca_fails),
		cmocka_unit_test(mutual_tls_client_is_served_and_writes_as_its_common_name),
		cmocka_unit_test(mutual_tls_without_a_client_certificate_fails),
		cmocka_unit_test(mutual_tls_with_a_certificate_from_another_ca_fails),
		cmocka_unit_test(bad_tls_files_stop_the_start_naming_the_file),
		cmocka_unit_test(request_over_the_limit_is_resource_exhausted_and_writes_nothing),
		cmocka_unit_test(response_over_the_limit_is_resource_exhausted_naming_both_sizes),
		cmocka_unit_test(default_limit_is_4_mib_and_a_larger_one_lets_the_store_answer),
		cmocka_unit_test(client_with_a_small_receive_limit_gets_resource_exhausted),
		cmocka_unit_test(client_refuses_bad_arguments_and_unreadable_files),
	};
	return cmocka_run_group_tests(tests, make_certs, remove_certs);
}
