/*
 * bench/bench.h - small helpers shared by the benchmark programs. Besides
 * the public <mlmd.h> it takes the library's clock from util/base.h (the
 * base layer), so benchmarks and the library time things one way.
 */
#ifndef MLMD_BENCH_BENCH_H
#define MLMD_BENCH_BENCH_H
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <mlmd.h>
#include "util/base.h"

/* Seconds on the library's monotonic clock. */
static inline double now_s(void)
{
	return (double)mlmd__mono_ns() / 1e9;
}

/* Reports the library's last error for `what` and exits. */
static inline void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, mlmd_error_message());
	exit(1);
}

/* Removes a SQLite database and its WAL files. */
static inline void rm_db(const char *p)
{
	char x[1100];
	unlink(p);
	snprintf(x, sizeof x, "%s-wal", p);
	unlink(x);
	snprintf(x, sizeof x, "%s-shm", p);
	unlink(x);
}
/* The core benchmark's artifact type, DataSet {span INT, score DOUBLE, split STRING}. */
static inline int64_t put_dataset_type(mlmd_store *s)
{
	Mlmd__Pb__ArtifactType *t = mlmd_message_new(&mlmd__pb__artifact_type__descriptor);
	mlmd_message_set_string(t, "name", "DataSet");
	mlmd_type_add_property(t, "span", MLMD__PB__PROPERTY_TYPE__INT);
	mlmd_type_add_property(t, "score", MLMD__PB__PROPERTY_TYPE__DOUBLE);
	mlmd_type_add_property(t, "split", MLMD__PB__PROPERTY_TYPE__STRING);
	Mlmd__Pb__PutArtifactTypeRequest trq = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	Mlmd__Pb__PutArtifactTypeResponse *trs;
	trq.artifact_type = t;
	if (mlmd_store_put_artifact_type(s, &trq, &trs))
		die("type");
	int64_t tid = trs->type_id;
	mlmd_message_free(trs);
	mlmd_message_free(t);
	return tid;
}

/* The core benchmark's artifact: a uri and three properties. */
static inline Mlmd__Pb__Artifact *mk_artifact(int64_t tid, int i)
{
	char uri[64];
	Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
	a->has_type_id = 1;
	a->type_id = tid;
	snprintf(uri, sizeof uri, "/data/part-%d", i);
	mlmd_message_set_string(a, "uri", uri);
	mlmd_node_set_int(a, 0, "span", i);
	mlmd_node_set_double(a, 0, "score", i * 0.5);
	mlmd_node_set_string(a, 0, "split", i % 2 ? "train" : "eval");
	return a;
}
#endif
