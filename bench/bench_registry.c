/*
 * bench/bench_registry.c - resolving a registry reference (make bench). Not
 * a test.
 *
 * Builds a store (SQLite file in DIR) with MODELS registered models of
 * VERSIONS versions each, every version with its own model artifact, and
 * alias `prod` of every model moved to each version in turn (VERSIONS
 * history rows per model), then times ResolveModel through mlmd_store_call
 * (request packed, response unpacked, as a client does) for random models:
 *   NAME@prod now, NAME@prod as of a random past time, NAME/VERSION, NAME@latest.
 * Prints the mean time per call of each kind over CALLS calls.
 * Usage: bench_registry DIR [models] [versions]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"
#include "mlmd_governance.pb-c.h"

#define CALLS 20000

static void *call(mlmd_store *s, const char *method, const void *rqv, const ProtobufCMessageDescriptor *out)
{
	const ProtobufCMessage *rq = rqv;
	size_t n = protobuf_c_message_get_packed_size(rq);
	uint8_t *buf = malloc(n + 1);
	protobuf_c_message_pack(rq, buf);
	void *resp = NULL;
	size_t len = 0;
	if (mlmd_store_call(s, method, buf, n, &resp, &len))
		die(method);
	free(buf);
	void *m = protobuf_c_message_unpack(out, NULL, len, resp ? resp : (void *)"");
	mlmd_buffer_free(resp);
	if (!m)
		die("unpack");
	return m;
}

static void build(mlmd_store *s, int models, int versions, int64_t *t_mid)
{
	int64_t tid = put_dataset_type(s);
	double t0 = now_s();
	for (int m = 0; m < models; m++) {
		if (mlmd_store_begin(s, 1))
			die("begin");
		char name[32];
		snprintf(name, sizeof name, "model%04d", m);
		Mlmd__Pb__Governance__CreateRegisteredModelRequest c = MLMD__PB__GOVERNANCE__CREATE_REGISTERED_MODEL_REQUEST__INIT;
		c.name = name;
		protobuf_c_message_free_unpacked(
			call(s, "CreateRegisteredModel", &c, &mlmd__pb__governance__create_registered_model_response__descriptor),
			NULL);
		Mlmd__Pb__PutArtifactsRequest arq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__Artifact **arts = malloc((size_t)versions * sizeof *arts);
		for (int v = 0; v < versions; v++)
			arts[v] = mk_artifact(tid, m * versions + v);
		arq.artifacts = arts;
		arq.n_artifacts = (size_t)versions;
		Mlmd__Pb__PutArtifactsResponse *ars;
		if (mlmd_store_put_artifacts(s, &arq, &ars))
			die("PutArtifacts");
		for (int v = 0; v < versions; v++) {
			Mlmd__Pb__Governance__CreateModelVersionRequest cv = MLMD__PB__GOVERNANCE__CREATE_MODEL_VERSION_REQUEST__INIT;
			cv.model_name = name;
			cv.has_artifact_id = 1;
			cv.artifact_id = ars->artifact_ids[v];
			protobuf_c_message_free_unpacked(
				call(s, "CreateModelVersion", &cv, &mlmd__pb__governance__create_model_version_response__descriptor),
				NULL);
			Mlmd__Pb__Governance__SetAliasesRequest sa = MLMD__PB__GOVERNANCE__SET_ALIASES_REQUEST__INIT;
			Mlmd__Pb__Governance__AliasMove mv = MLMD__PB__GOVERNANCE__ALIAS_MOVE__INIT, *mvp = &mv;
			mv.alias = "prod";
			mv.has_version = 1;
			mv.version = v + 1;
			sa.model_name = name;
			sa.moves = &mvp;
			sa.n_moves = 1;
			protobuf_c_message_free_unpacked(
				call(s, "SetAliases", &sa, &mlmd__pb__governance__set_aliases_response__descriptor), NULL);
		}
		mlmd_message_free(ars);
		for (int v = 0; v < versions; v++)
			mlmd_message_free(arts[v]);
		free(arts);
		if (mlmd_store_commit(s))
			die("commit");
		if (m == models / 2) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			*t_mid = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		}
	}
	printf("registry: built %d models x %d versions (%d alias moves) in %.1f s\n", models, versions,
	       models * versions, now_s() - t0);
}

static double time_resolve(mlmd_store *s, int models, int versions, int kind, int64_t as_of)
{
	Mlmd__Pb__Governance__ResolveModelRequest rq = MLMD__PB__GOVERNANCE__RESOLVE_MODEL_REQUEST__INIT;
	char name[32];
	rq.model_name = name;
	srand(42);
	double t0 = now_s();
	for (int i = 0; i < CALLS; i++) {
		snprintf(name, sizeof name, "model%04d", rand() % (kind == 1 ? models / 2 : models));
		rq.alias = kind == 2 ? NULL : kind == 3 ? "latest" : "prod";
		rq.has_version = kind == 2;
		rq.version = 1 + rand() % versions;
		rq.has_as_of_ms = kind == 1;
		rq.as_of_ms = as_of;
		protobuf_c_message_free_unpacked(
			call(s, "ResolveModel", &rq, &mlmd__pb__governance__resolve_model_response__descriptor), NULL);
	}
	return (now_s() - t0) / CALLS;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_registry DIR [models] [versions]\n");
		return 2;
	}
	int models = argc > 2 ? atoi(argv[2]) : 1000, versions = argc > 3 ? atoi(argv[3]) : 100;
	char path[1024], uri[1100];
	snprintf(path, sizeof path, "%s/registry.db", argv[1]);
	rm_db(path);
	snprintf(uri, sizeof uri, "sqlite:%s", path);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	mlmd_store *s = NULL;
	if (mlmd_store_open(&s, &o))
		die("open");
	int64_t mid = 0;
	build(s, models, versions, &mid);
	static const char *what[] = { "NAME@prod", "NAME@prod as of a past time", "NAME/VERSION", "NAME@latest" };
	for (int k = 0; k < 4; k++)
		printf("registry: ResolveModel %-28s %7.1f us per call (%d calls, %d models x %d versions)\n", what[k],
		       time_resolve(s, models, versions, k, mid) * 1e6, CALLS, models, versions);
	mlmd_store_free(s);
	rm_db(path);
	return 0;
}
