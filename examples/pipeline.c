/*
 * examples/pipeline.c - records one training run in an mlmd store and prints
 * what was stored:
 *
 *   dataset (artifact) --INPUT--> train (execution) --OUTPUT--> model (artifact)
 *   all three attributed/associated with one run (context).
 *
 * Usage: pipeline STORE_PATH     (the file is created if missing)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>

#define CHECK(expr)                                                                              \
	do {                                                                                     \
		if ((expr) != 0) {                                                               \
			fprintf(stderr, "%s failed: %s (%s)\n", #expr, mlmd_error_message(),     \
				mlmd_status_name(mlmd_error_last()->code));                      \
			exit(1);                                                                 \
		}                                                                                \
	} while (0)

/* Registers a type and returns its id; `kind` is "artifact", "execution" or "context". */
static int64_t put_type(mlmd_store *s, const char *kind, void *type)
{
	int64_t id = 0;
	if (!strcmp(kind, "artifact")) {
		Mlmd__Pb__PutArtifactTypeRequest rq = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
		Mlmd__Pb__PutArtifactTypeResponse *rs;
		rq.artifact_type = type;
		CHECK(mlmd_store_put_artifact_type(s, &rq, &rs));
		id = rs->type_id;
		mlmd_message_free(rs);
	} else if (!strcmp(kind, "execution")) {
		Mlmd__Pb__PutExecutionTypeRequest rq = MLMD__PB__PUT_EXECUTION_TYPE_REQUEST__INIT;
		Mlmd__Pb__PutExecutionTypeResponse *rs;
		rq.execution_type = type;
		CHECK(mlmd_store_put_execution_type(s, &rq, &rs));
		id = rs->type_id;
		mlmd_message_free(rs);
	} else {
		Mlmd__Pb__PutContextTypeRequest rq = MLMD__PB__PUT_CONTEXT_TYPE_REQUEST__INIT;
		Mlmd__Pb__PutContextTypeResponse *rs;
		rq.context_type = type;
		CHECK(mlmd_store_put_context_type(s, &rq, &rs));
		id = rs->type_id;
		mlmd_message_free(rs);
	}
	mlmd_message_free(type);
	return id;
}

static void print_value(const Mlmd__Pb__Value *v)
{
	switch (v->value_case) {
	case MLMD__PB__VALUE__VALUE_INT_VALUE: printf("%lld", (long long)v->int_value); break;
	case MLMD__PB__VALUE__VALUE_DOUBLE_VALUE: printf("%g", v->double_value); break;
	case MLMD__PB__VALUE__VALUE_STRING_VALUE: printf("\"%s\"", v->string_value); break;
	case MLMD__PB__VALUE__VALUE_BOOL_VALUE: printf("%s", v->bool_value ? "true" : "false"); break;
	default: printf("(other)");
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s STORE_PATH\n", argv[0]);
		return 2;
	}
	char uri[4096];
	snprintf(uri, sizeof uri, "sqlite:%s", argv[1]);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	mlmd_store *s;
	CHECK(mlmd_store_open(&s, &o));

	/* Types. */
	Mlmd__Pb__ArtifactType *dataset_t = mlmd_message_new(&mlmd__pb__artifact_type__descriptor);
	CHECK(mlmd_message_set_string(dataset_t, "name", "DataSet"));
	CHECK(mlmd_type_add_property(dataset_t, "rows", MLMD__PB__PROPERTY_TYPE__INT));
	CHECK(mlmd_type_add_property(dataset_t, "split", MLMD__PB__PROPERTY_TYPE__STRING));
	int64_t dataset_tid = put_type(s, "artifact", dataset_t);

	Mlmd__Pb__ArtifactType *model_t = mlmd_message_new(&mlmd__pb__artifact_type__descriptor);
	CHECK(mlmd_message_set_string(model_t, "name", "SavedModel"));
	CHECK(mlmd_type_add_property(model_t, "accuracy", MLMD__PB__PROPERTY_TYPE__DOUBLE));
	int64_t model_tid = put_type(s, "artifact", model_t);

	Mlmd__Pb__ExecutionType *train_t = mlmd_message_new(&mlmd__pb__execution_type__descriptor);
	CHECK(mlmd_message_set_string(train_t, "name", "Trainer"));
	CHECK(mlmd_type_add_property(train_t, "epochs", MLMD__PB__PROPERTY_TYPE__INT));
	int64_t train_tid = put_type(s, "execution", train_t);

	Mlmd__Pb__ContextType *run_t = mlmd_message_new(&mlmd__pb__context_type__descriptor);
	CHECK(mlmd_message_set_string(run_t, "name", "PipelineRun"));
	int64_t run_tid = put_type(s, "context", run_t);

	/* One run, written atomically with PutExecution. */
	Mlmd__Pb__PutExecutionRequest *rq = mlmd_message_new(&mlmd__pb__put_execution_request__descriptor);
	Mlmd__Pb__Execution *train = mlmd_message_new(&mlmd__pb__execution__descriptor);
	train->has_type_id = 1;
	train->type_id = train_tid;
	train->has_last_known_state = 1;
	train->last_known_state = MLMD__PB__EXECUTION__STATE__COMPLETE;
	CHECK(mlmd_node_set_int(train, 0, "epochs", 10));
	rq->execution = train;

	struct { int64_t tid; const char *uri; Mlmd__Pb__Event__Type ev; } io[2] = {
		{ dataset_tid, "/data/train.csv", MLMD__PB__EVENT__TYPE__INPUT },
		{ model_tid, "/models/m1", MLMD__PB__EVENT__TYPE__OUTPUT },
	};
	for (int i = 0; i < 2; i++) {
		Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent *pair =
			mlmd_message_new(&mlmd__pb__put_execution_request__artifact_and_event__descriptor);
		Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
		a->has_type_id = 1;
		a->type_id = io[i].tid;
		a->has_state = 1;
		a->state = MLMD__PB__ARTIFACT__STATE__LIVE;
		CHECK(mlmd_message_set_string(a, "uri", io[i].uri));
		if (i == 0) {
			CHECK(mlmd_node_set_int(a, 0, "rows", 150000));
			CHECK(mlmd_node_set_string(a, 0, "split", "train"));
		} else {
			CHECK(mlmd_node_set_double(a, 0, "accuracy", 0.93));
			CHECK(mlmd_node_set_string(a, 1, "framework", "xgboost"));
		}
		Mlmd__Pb__Event *e = mlmd_message_new(&mlmd__pb__event__descriptor);
		e->has_type = 1;
		e->type = io[i].ev;
		pair->artifact = a;
		pair->event = e;
		CHECK(mlmd_message_append(rq, "artifact_event_pairs", pair));
	}
	Mlmd__Pb__Context *run = mlmd_message_new(&mlmd__pb__context__descriptor);
	run->has_type_id = 1;
	run->type_id = run_tid;
	CHECK(mlmd_message_set_string(run, "name", "run-2026-11-26"));
	CHECK(mlmd_message_append(rq, "contexts", run));

	Mlmd__Pb__PutExecutionResponse *rs;
	CHECK(mlmd_store_put_execution(s, rq, &rs));
	printf("recorded execution %lld with artifacts %lld, %lld in context %lld\n", (long long)rs->execution_id,
	       (long long)rs->artifact_ids[0], (long long)rs->artifact_ids[1], (long long)rs->context_ids[0]);
	int64_t ctx = rs->context_ids[0];
	mlmd_message_free(rs);
	mlmd_message_free(rq);

	/* Read back everything in the run. */
	Mlmd__Pb__GetArtifactsByContextRequest arq = MLMD__PB__GET_ARTIFACTS_BY_CONTEXT_REQUEST__INIT;
	arq.has_context_id = 1;
	arq.context_id = ctx;
	Mlmd__Pb__GetArtifactsByContextResponse *ars;
	CHECK(mlmd_store_get_artifacts_by_context(s, &arq, &ars));
	printf("context %lld holds %zu artifacts:\n", (long long)ctx, ars->n_artifacts);
	for (size_t i = 0; i < ars->n_artifacts; i++) {
		Mlmd__Pb__Artifact *a = ars->artifacts[i];
		printf("  artifact %lld  type=%s  uri=%s  state=%d\n", (long long)a->id, a->type, a->uri, a->state);
		for (size_t j = 0; j < a->n_properties; j++) {
			printf("    %s = ", a->properties[j]->key);
			print_value(a->properties[j]->value);
			printf("\n");
		}
		for (size_t j = 0; j < a->n_custom_properties; j++) {
			printf("    (custom) %s = ", a->custom_properties[j]->key);
			print_value(a->custom_properties[j]->value);
			printf("\n");
		}
	}
	mlmd_message_free(ars);

	Mlmd__Pb__GetExecutionsByContextRequest erq = MLMD__PB__GET_EXECUTIONS_BY_CONTEXT_REQUEST__INIT;
	erq.has_context_id = 1;
	erq.context_id = ctx;
	Mlmd__Pb__GetExecutionsByContextResponse *ers;
	CHECK(mlmd_store_get_executions_by_context(s, &erq, &ers));
	for (size_t i = 0; i < ers->n_executions; i++) {
		Mlmd__Pb__Execution *e = ers->executions[i];
		printf("  execution %lld  type=%s  state=%d  epochs=", (long long)e->id, e->type, e->last_known_state);
		print_value(mlmd_node_get(e, 0, "epochs"));
		printf("\n");
		Mlmd__Pb__GetEventsByExecutionIDsRequest vq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
		int64_t ids[1] = { e->id };
		vq.n_execution_ids = 1;
		vq.execution_ids = ids;
		Mlmd__Pb__GetEventsByExecutionIDsResponse *vs;
		CHECK(mlmd_store_get_events_by_execution_ids(s, &vq, &vs));
		for (size_t j = 0; j < vs->n_events; j++)
			printf("    event: artifact %lld %s\n", (long long)vs->events[j]->artifact_id,
			       vs->events[j]->type == MLMD__PB__EVENT__TYPE__INPUT ? "INPUT" : "OUTPUT");
		mlmd_message_free(vs);
	}
	mlmd_message_free(ers);
	mlmd_store_free(s);
	printf("stored in %s\n", argv[1]);
	return 0;
}
