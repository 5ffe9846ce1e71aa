/*
 * bench/bench_registry.c - resolving registry references (make bench). Not
 * a test.
 *
 * A SQLite file in DIR gets MODELS registered models with VERSIONS versions
 * each (1,000 x 100 by default: 100,000 version contexts), every model's
 * alias `prod` moved MOVES times (so the history has MODELS x MOVES rows),
 * all written in one transaction. Then ResolveModel through mlmd_store_call
 * (request packed, response unpacked, as a client does), for random
 * models: NAME@prod now, NAME@prod as of a random time within the moves,
 * and NAME/VERSION. Each figure is the median of MLMD_BENCH_REPS
 * repetitions (default 5) of LOOKUPS calls of each kind (the kinds in turns
 * within a repetition), with its spread.
 * Usage: bench_registry DIR [models] [versions]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"
#include "mlmd_governance.pb-c.h"

#define MOVES 5
#define LOOKUPS 10000

/* Runs RPC `method` on rq; unpacks the answer into a new message of type d (or frees it). */
static void *rpc(mlmd_store *s, const char *method, const ProtobufCMessage *rq, const ProtobufCMessageDescriptor *d)
{
	uint8_t stack[512], *buf = stack;
	size_t n = protobuf_c_message_get_packed_size(rq);
	if (n > sizeof stack && !(buf = malloc(n)))
		exit(1);
	protobuf_c_message_pack(rq, buf);
	void *out;
	size_t out_len;
	if (mlmd_store_call(s, method, buf, n, &out, &out_len))
		die(method);
	if (buf != stack)
		free(buf);
	void *m = d ? protobuf_c_message_unpack(d, NULL, out_len, out ? out : (void *)"") : NULL;
	if (d && !m)
		exit(1);
	mlmd_buffer_free(out);
	return m;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	int models = argc > 2 ? atoi(argv[2]) : 1000, versions = argc > 3 ? atoi(argv[3]) : 100;
	char path[1024];
	snprintf(path, sizeof path, "%s/bench-registry.db", dir);
	mlmd_store *s = bench_open_sqlite(path, 1, "bench");
	int64_t tid = put_dataset_type(s);
	double t0 = now_s();
	if (mlmd_store_begin(s, 1))
		die("begin");
	int64_t *move_time = calloc((size_t)models * MOVES, sizeof *move_time);
	for (int m = 0; m < models; m++) {
		char name[32];
		snprintf(name, sizeof name, "model-%04d", m);
		Mlmd__Pb__Artifact *a = mk_artifact(tid, m);
		Mlmd__Pb__PutArtifactsRequest pa = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__PutArtifactsResponse *pr;
		pa.n_artifacts = 1;
		pa.artifacts = &a;
		if (mlmd_store_put_artifacts(s, &pa, &pr))
			die("PutArtifacts");
		int64_t art = pr->artifact_ids[0];
		mlmd_message_free(pr);
		mlmd_message_free(a);
		Mlmd__Pb__Governance__CreateRegisteredModelRequest cm =
			MLMD__PB__GOVERNANCE__CREATE_REGISTERED_MODEL_REQUEST__INIT;
		cm.name = name;
		protobuf_c_message_free_unpacked(rpc(s, "CreateRegisteredModel", &cm.base,
			&mlmd__pb__governance__create_registered_model_response__descriptor), NULL);
		for (int v = 0; v < versions; v++) {
			Mlmd__Pb__Governance__CreateModelVersionRequest cv =
				MLMD__PB__GOVERNANCE__CREATE_MODEL_VERSION_REQUEST__INIT;
			cv.model_name = name;
			cv.has_artifact_id = 1;
			cv.artifact_id = art;
			protobuf_c_message_free_unpacked(rpc(s, "CreateModelVersion", &cv.base,
				&mlmd__pb__governance__create_model_version_response__descriptor), NULL);
		}
		for (int k = 0; k < MOVES; k++) {
			Mlmd__Pb__Governance__AliasMove mv = MLMD__PB__GOVERNANCE__ALIAS_MOVE__INIT, *mp = &mv;
			mv.alias = "prod";
			mv.has_version = 1;
			mv.version = 1 + (int64_t)(next_rand() % (uint64_t)versions);
			Mlmd__Pb__Governance__SetAliasesRequest sa = MLMD__PB__GOVERNANCE__SET_ALIASES_REQUEST__INIT;
			sa.model_name = name;
			sa.n_moves = 1;
			sa.moves = &mp;
			Mlmd__Pb__Governance__SetAliasesResponse *sr = rpc(s, "SetAliases", &sa.base,
				&mlmd__pb__governance__set_aliases_response__descriptor);
			move_time[(size_t)m * MOVES + (size_t)k] = sr->n_moves ? sr->moves[0]->time_ms : 0;
			protobuf_c_message_free_unpacked(&sr->base, NULL);
		}
	}
	if (mlmd_store_commit(s))
		die("commit");
	printf("registry of %d models x %d versions (%d alias moves each) written in %.1f s (one transaction)\n",
	       models, versions, MOVES, now_s() - t0);

	static const char *const what[3] = { "NAME@prod", "NAME@prod as of a time", "NAME/VERSION" };
	int reps = bench_rep_count();
	bench_reps us[3] = { { { 0 }, 0 } };
	for (int r = 0; r < reps; r++)
		for (int kind = 0; kind < 3; kind++) {
			double t = now_s();
			for (int i = 0; i < LOOKUPS; i++) {
				int m = (int)(next_rand() % (uint64_t)models);
				char name[32];
				snprintf(name, sizeof name, "model-%04d", m);
				Mlmd__Pb__Governance__ResolveModelRequest rq = MLMD__PB__GOVERNANCE__RESOLVE_MODEL_REQUEST__INIT;
				rq.model_name = name;
				if (kind == 2) {
					rq.has_version = 1;
					rq.version = 1 + (int64_t)(next_rand() % (uint64_t)versions);
				} else {
					rq.alias = "prod";
				}
				if (kind == 1) {
					rq.has_as_of_ms = 1;
					rq.as_of_ms = move_time[(size_t)m * MOVES + next_rand() % MOVES];
				}
				Mlmd__Pb__Governance__ResolveModelResponse *rs = rpc(s, "ResolveModel", &rq.base,
					&mlmd__pb__governance__resolve_model_response__descriptor);
				if (!rs->version || !rs->version->has_artifact_id)
					die("ResolveModel gave no version");
				protobuf_c_message_free_unpacked(&rs->base, NULL);
			}
			bench_reps_add(&us[kind], (now_s() - t) / LOOKUPS * 1e6);
		}
	printf("ResolveModel through mlmd_store_call, %d calls per kind and repetition; median of %d repetitions, "
	       "\u00b1 the range over the median:\n", LOOKUPS, reps);
	bench_head("", "us/call", NULL, NULL);
	for (int kind = 0; kind < 3; kind++) {
		char name[64];
		snprintf(name, sizeof name, "resolve %s", what[kind]);
		bench_row(name, "%.1f", &us[kind], NULL, NULL, NULL);
	}
	free(move_time);
	mlmd_store_free(s);
	rm_db(path);
	return 0;
}
