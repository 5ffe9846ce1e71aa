/*
 * examples/pipeline.c - a governed ML pipeline end to end, on one SQLite file.
 *
 *   pipeline DB.db DATA.csv OUT_DIR [--govern]
 *
 *  1. ingest   the Iris data set as an artifact with its SHA-256, the input of a tracked run
 *              (mlmd/tracking.h) in the experiment "iris"
 *  2. train    a multinomial logistic regression, in C, on two thirds of the rows; the run records
 *              its parameters and the loss of every epoch (one call for the whole history)
 *  3. write    the model as a real ONNX file (LinearClassifier), by hand-encoded protobuf
 *  4. register the model artifact with its digest, the run's output, all in a Run context
 *  5. evaluate the model with the scorer on the held-out rows: an Evaluator execution
 *              with the accuracy as a property (and the run's accuracy metric); the run ends
 *  6. govern   (with --govern) the model becomes a version of the registered model "iris",
 *              tagged validation=passed when its accuracy is at least 0.9; the alias "prod"
 *              has a policy (one approval, validation=passed), so the trainer requests the
 *              move and a reviewer approves it, and the alias moves with the approval
 *              (mlmd/registry.h)
 *  7. serve    every row through a scorer bound to the store: the model (with --govern, the
 *              one iris@prod names) is verified against its digest, and a ModelServing
 *              execution records rows, latency, confidence; with --govern, the training data
 *              is then labelled POISONED: impact analysis names the model, version, alias and
 *              serving record it reaches, and the serving gate refuses to load iris@prod until
 *              the label is removed (mlmd/datagov.h)
 *  8. show     the served model's lineage as a tree, and write lineage.dot (and lineage.svg
 *              when Graphviz is installed); with --govern, verify the audit log every write
 *              appended to and print a checkpoint of it (mlmd/audit.h)
 *  9. share    write OUT_DIR/report.html, one self-contained page of the store (the served
 *              model's lineage graph, the runs and their metric charts, the registry, serving),
 *              and OUT_DIR/openlineage.ndjson, every execution as OpenLineage run events
 *              (mlmd/render.h, mlmd/openlineage.h)
 *
 * Running it again adds run-2, run-3, ... to the same store: types and the data set
 * artifact are reused, each run gets its own model, executions and context, and the tracked
 * runs can be compared (`mlmd runs ls`, `mlmd metrics RUN loss --svg loss.svg`).
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <mlmd.h>

#define MAX_ROWS 1000
#define F 4
#define K 3

static const char *CLASSES[K] = { "setosa", "versicolor", "virginica" };

static void die(const char *what)
{
	fprintf(stderr, "pipeline: %s: %s\n", what, mlmd_error_message());
	exit(1);
}

/* ---- data ----------------------------------------------------------------------------------- */

static int load_csv(const char *path, float x[][F], int *y)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		exit(1);
	}
	char line[512];
	int n = 0;
	if (!fgets(line, sizeof line, f)) /* header */
		exit(1);
	while (n < MAX_ROWS && fgets(line, sizeof line, f)) {
		char species[64];
		if (sscanf(line, "%f,%f,%f,%f,%63s", &x[n][0], &x[n][1], &x[n][2], &x[n][3], species) != 5)
			continue;
		y[n] = -1;
		for (int k = 0; k < K; k++)
			if (!strcmp(species, CLASSES[k]))
				y[n] = k;
		if (y[n] >= 0)
			n++;
	}
	fclose(f);
	return n;
}

/* ---- training: softmax regression by full-batch gradient descent -------------------------------- */

/* loss[it] is the mean cross-entropy on the training rows before update it. */
static void train(float x[][F], const int *y, int n, double lr, int iters, double l2, double w[K][F], double b[K],
	double *loss)
{
	memset(w, 0, sizeof(double) * K * F);
	memset(b, 0, sizeof(double) * K);
	for (int it = 0; it < iters; it++) {
		double gw[K][F] = { { 0 } }, gb[K] = { 0 }, ce = 0;
		int m = 0;
		for (int i = 0; i < n; i++) {
			if (i % 3 == 0)
				continue; /* held out for evaluation */
			double z[K], mx = -1e300, sum = 0;
			for (int k = 0; k < K; k++) {
				z[k] = b[k];
				for (int j = 0; j < F; j++)
					z[k] += w[k][j] * x[i][j];
				mx = z[k] > mx ? z[k] : mx;
			}
			for (int k = 0; k < K; k++)
				sum += (z[k] = exp(z[k] - mx));
			ce -= log(z[y[i]] / sum);
			for (int k = 0; k < K; k++) {
				double g = z[k] / sum - (y[i] == k);
				gb[k] += g;
				for (int j = 0; j < F; j++)
					gw[k][j] += g * x[i][j];
			}
			m++;
		}
		loss[it] = ce / m;
		for (int k = 0; k < K; k++) {
			b[k] -= lr * gb[k] / m;
			for (int j = 0; j < F; j++)
				w[k][j] -= lr * (gw[k][j] / m + l2 * w[k][j]);
		}
	}
}

/* ---- ONNX, encoded by hand: a few protobuf fields are all a LinearClassifier needs ----------------- */

typedef struct {
	uint8_t *p;
	size_t n, cap;
} pb;

static void put(pb *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void varint(pb *b, uint64_t v)
{
	uint8_t c[10];
	int k = 0;
	do {
		c[k++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	put(b, c, (size_t)k);
}

static void field_varint(pb *b, int field, uint64_t v)
{
	varint(b, (uint64_t)field << 3);
	varint(b, v);
}

static void field_bytes(pb *b, int field, const void *d, size_t n)
{
	varint(b, (uint64_t)field << 3 | 2);
	varint(b, n);
	put(b, d, n);
}

static void field_str(pb *b, int field, const char *s)
{
	field_bytes(b, field, s, strlen(s));
}

static void field_msg(pb *b, int field, pb *m)
{
	field_bytes(b, field, m->p, m->n);
	free(m->p);
	memset(m, 0, sizeof *m);
}

/* AttributeProto: name 1, f 2, i 3, s 4, floats 7, strings 9, type 20 */
static void attr_floats(pb *node, const char *name, const double *v, int n)
{
	pb a = { 0 };
	field_str(&a, 1, name);
	for (int i = 0; i < n; i++) {
		float f = (float)v[i];
		varint(&a, 7 << 3 | 5);
		put(&a, &f, 4);
	}
	field_varint(&a, 20, 6);
	field_msg(node, 5, &a);
}

static void attr_strings(pb *node, const char *name, const char *const *v, int n)
{
	pb a = { 0 };
	field_str(&a, 1, name);
	for (int i = 0; i < n; i++)
		field_str(&a, 9, v[i]);
	field_varint(&a, 20, 8);
	field_msg(node, 5, &a);
}

static void attr_string(pb *node, const char *name, const char *v)
{
	pb a = { 0 };
	field_str(&a, 1, name);
	field_str(&a, 4, v);
	field_varint(&a, 20, 3);
	field_msg(node, 5, &a);
}

static void attr_int(pb *node, const char *name, int64_t v)
{
	pb a = { 0 };
	field_str(&a, 1, name);
	field_varint(&a, 3, (uint64_t)v);
	field_varint(&a, 20, 2);
	field_msg(node, 5, &a);
}

/* ValueInfoProto: name 1, type 2 { tensor_type 1 { elem_type 1, shape 2 { dim 1 { dim_value 1 | dim_param 2 } } } } */
static void value_info(pb *graph, int field, const char *name, int elem, int cols)
{
	pb dims = { 0 }, d = { 0 }, shape = { 0 }, tensor = { 0 }, type = { 0 }, vi = { 0 };
	field_str(&d, 2, "N");
	field_msg(&shape, 1, &d);
	if (cols) {
		field_varint(&d, 1, (uint64_t)cols);
		field_msg(&shape, 1, &d);
	}
	field_varint(&tensor, 1, (uint64_t)elem);
	field_msg(&tensor, 2, &shape);
	field_msg(&type, 1, &tensor);
	field_str(&vi, 1, name);
	field_msg(&vi, 2, &type);
	field_msg(graph, field, &vi);
	free(dims.p);
}

/* The model file names its run in its doc_string, so every run's model is a file of its own (a
 * tracked output with the same bytes as an earlier one would be that earlier artifact). */
static void write_onnx(const char *path, const double w[K][F], const double b[K], const char *run_name)
{
	double coef[K * F];
	for (int k = 0; k < K; k++)
		for (int j = 0; j < F; j++)
			coef[k * F + j] = w[k][j];
	pb node = { 0 }, graph = { 0 }, opset = { 0 }, model = { 0 };
	field_str(&node, 1, "X");          /* input */
	field_str(&node, 2, "label");      /* outputs */
	field_str(&node, 2, "probabilities");
	field_str(&node, 3, "classifier"); /* name */
	field_str(&node, 4, "LinearClassifier");
	attr_floats(&node, "coefficients", coef, K * F);
	attr_floats(&node, "intercepts", b, K);
	attr_strings(&node, "classlabels_strings", CLASSES, K);
	attr_int(&node, "multi_class", 1);
	attr_string(&node, "post_transform", "SOFTMAX");
	field_str(&node, 7, "ai.onnx.ml");
	field_msg(&graph, 1, &node);
	field_str(&graph, 2, "iris");
	value_info(&graph, 11, "X", 1 /* FLOAT */, F);
	value_info(&graph, 12, "label", 8 /* STRING */, 0);
	value_info(&graph, 12, "probabilities", 1, K);
	field_varint(&model, 1, 8);        /* ir_version */
	field_str(&model, 2, "mlmd-demo");
	field_str(&model, 3, MLMD_VERSION);
	char doc[96];
	snprintf(doc, sizeof doc, "iris, mlmd demo %s", run_name);
	field_str(&model, 6, doc);         /* doc_string */
	field_msg(&model, 7, &graph);
	field_str(&opset, 1, "ai.onnx.ml");
	field_varint(&opset, 2, 1);
	field_msg(&model, 8, &opset);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(model.p, 1, model.n, f) != model.n || fclose(f)) {
		perror(path);
		exit(1);
	}
	free(model.p);
}

/* ---- store helpers ------------------------------------------------------------------------------ */

static int64_t type_id(mlmd_store *s, int kind, const char *name, int n, ...)
{
	static const ProtobufCMessageDescriptor *const d[3] = { &mlmd__pb__artifact_type__descriptor,
		&mlmd__pb__execution_type__descriptor, &mlmd__pb__context_type__descriptor };
	void *t = mlmd_message_new(d[kind]);
	mlmd_message_set_string(t, "name", name);
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		const char *p = va_arg(ap, const char *);
		mlmd_type_add_property(t, p, (Mlmd__Pb__PropertyType)va_arg(ap, int));
	}
	va_end(ap);
	int64_t id = 0;
	int rc;
	if (kind == 0) {
		Mlmd__Pb__PutArtifactTypeRequest rq;
		mlmd__pb__put_artifact_type_request__init(&rq);
		Mlmd__Pb__PutArtifactTypeResponse *rs;
		rq.artifact_type = t;
		if (!(rc = mlmd_store_put_artifact_type(s, &rq, &rs)))
			id = rs->type_id, mlmd_message_free(rs);
	} else if (kind == 1) {
		Mlmd__Pb__PutExecutionTypeRequest rq;
		mlmd__pb__put_execution_type_request__init(&rq);
		Mlmd__Pb__PutExecutionTypeResponse *rs;
		rq.execution_type = t;
		if (!(rc = mlmd_store_put_execution_type(s, &rq, &rs)))
			id = rs->type_id, mlmd_message_free(rs);
	} else {
		Mlmd__Pb__PutContextTypeRequest rq;
		mlmd__pb__put_context_type_request__init(&rq);
		Mlmd__Pb__PutContextTypeResponse *rs;
		rq.context_type = t;
		if (!(rc = mlmd_store_put_context_type(s, &rq, &rs)))
			id = rs->type_id, mlmd_message_free(rs);
	}
	mlmd_message_free(t);
	if (rc)
		die(name);
	return id;
}

static int64_t put_execution(mlmd_store *s, Mlmd__Pb__Execution *e)
{
	Mlmd__Pb__PutExecutionsRequest rq = MLMD__PB__PUT_EXECUTIONS_REQUEST__INIT;
	Mlmd__Pb__PutExecutionsResponse *rs;
	rq.n_executions = 1;
	rq.executions = &e;
	if (mlmd_store_put_executions(s, &rq, &rs))
		die("PutExecutions");
	int64_t id = rs->execution_ids[0];
	mlmd_message_free(rs);
	return id;
}

static void join_context(mlmd_store *s, int64_t artifact, int64_t execution, int64_t context);

static void link(mlmd_store *s, int64_t artifact, int64_t execution, Mlmd__Pb__Event__Type type, int64_t context)
{
	Mlmd__Pb__Event ev = MLMD__PB__EVENT__INIT, *evp = &ev;
	ev.has_artifact_id = ev.has_execution_id = ev.has_type = 1;
	ev.artifact_id = artifact;
	ev.execution_id = execution;
	ev.type = type;
	Mlmd__Pb__PutEventsRequest rq = MLMD__PB__PUT_EVENTS_REQUEST__INIT;
	Mlmd__Pb__PutEventsResponse *rs;
	rq.n_events = 1;
	rq.events = &evp;
	if (mlmd_store_put_events(s, &rq, &rs))
		die("PutEvents");
	mlmd_message_free(rs);
	join_context(s, artifact, execution, context);
}

/* Attributes the artifact (unless 0) and associates the execution (unless 0) to the run's context. */
static void join_context(mlmd_store *s, int64_t artifact, int64_t execution, int64_t context)
{
	Mlmd__Pb__Attribution at = MLMD__PB__ATTRIBUTION__INIT, *atp = &at;
	Mlmd__Pb__Association as = MLMD__PB__ASSOCIATION__INIT, *asp = &as;
	at.has_artifact_id = at.has_context_id = as.has_execution_id = as.has_context_id = 1;
	at.artifact_id = artifact;
	at.context_id = as.context_id = context;
	as.execution_id = execution;
	Mlmd__Pb__PutAttributionsAndAssociationsRequest arq = MLMD__PB__PUT_ATTRIBUTIONS_AND_ASSOCIATIONS_REQUEST__INIT;
	Mlmd__Pb__PutAttributionsAndAssociationsResponse *ars;
	arq.n_attributions = artifact != 0;
	arq.n_associations = execution != 0;
	arq.attributions = &atp;
	arq.associations = &asp;
	if (mlmd_store_put_attributions_and_associations(s, &arq, &ars))
		die("PutAttributionsAndAssociations");
	mlmd_message_free(ars);
}

/* A data set an older version of this demo recorded has no tracking digest: give it one, so the
 * tracked run's input finds it by its digest instead of colliding with its name. */

/* Writes one artifact back (an update: it carries its id). */
static void put_one_artifact(mlmd_store *s, Mlmd__Pb__Artifact *a)
{
	Mlmd__Pb__PutArtifactsRequest prq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__PutArtifactsResponse *prs;
	prq.n_artifacts = 1;
	prq.artifacts = &a;
	if (mlmd_store_put_artifacts(s, &prq, &prs))
		die("PutArtifacts");
	mlmd_message_free(prs);
}
static void adopt_dataset(mlmd_store *s, const char *name, const char *hex, int64_t size)
{
	Mlmd__Pb__GetArtifactByTypeAndNameRequest rq = MLMD__PB__GET_ARTIFACT_BY_TYPE_AND_NAME_REQUEST__INIT;
	Mlmd__Pb__GetArtifactByTypeAndNameResponse *rs;
	rq.type_name = "DataSet";
	rq.artifact_name = (char *)name;
	if (mlmd_store_get_artifact_by_type_and_name(s, &rq, &rs))
		die("GetArtifactByTypeAndName");
	Mlmd__Pb__Artifact *a = rs->artifact;
	if (a && !mlmd_node_get(a, 1, "mlmd.sha256")) {
		mlmd_node_set_string(a, 1, "mlmd.sha256", hex);
		mlmd_node_set_int(a, 1, "mlmd.size", size);
		put_one_artifact(s, a);
	}
	mlmd_message_free(rs);
}

/* Gives the data set artifact (made by the tracked run's input) its DataSet properties, once. */
static void describe_dataset(mlmd_store *s, int64_t id, int rows, const char *digest)
{
	Mlmd__Pb__GetArtifactsByIDRequest rq = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetArtifactsByIDResponse *rs;
	rq.n_artifact_ids = 1;
	rq.artifact_ids = &id;
	if (mlmd_store_get_artifacts_by_id(s, &rq, &rs) || rs->n_artifacts != 1)
		die("GetArtifactsByID");
	Mlmd__Pb__Artifact *a = rs->artifacts[0];
	if (!mlmd_node_get(a, 0, "rows")) {
		a->has_state = 1;
		a->state = MLMD__PB__ARTIFACT__STATE__LIVE;
		mlmd_node_set_int(a, 0, "rows", rows);
		mlmd_node_set_string(a, 0, "digest", digest);
		mlmd_node_set_string(a, 0, "columns", "sepal_length,sepal_width,petal_length,petal_width,species");
		put_one_artifact(s, a);
	}
	mlmd_message_free(rs);
}

#define S MLMD__PB__PROPERTY_TYPE__STRING
#define I MLMD__PB__PROPERTY_TYPE__INT
#define D MLMD__PB__PROPERTY_TYPE__DOUBLE

/* Step 6: model `model` (made by execution `run`) becomes the next version of
 * the registered model "iris"; "prod" moves to it through a request the
 * trainer makes and a reviewer approves, when the policy lets it. Returns
 * the version "prod" names afterwards (0: none yet). */
static int64_t register_and_promote(mlmd_store *s, int64_t model, int64_t run, double accuracy)
{
	if (mlmd_store_set_actor(s, "trainer"))
		die("actor");
	int rc = mlmd_registry_create_model(s, "iris", "Iris species from four measurements", NULL, 0, NULL);
	if (rc && rc != -MLMD_ALREADY_EXISTS)
		die("register the model");
	mlmd_tag tag = { "validation", accuracy >= 0.9 ? "passed" : "failed" };
	int64_t version;
	if (mlmd_registry_create_version(s, "iris", model, run, NULL, &tag, 1, &version))
		die("add a version");
	/* the policy on "prod" (set by the model's owner; setting it again replaces it) */
	mlmd_tag require = { "validation", "passed" };
	if (mlmd_store_set_actor(s, "owner") || mlmd_registry_set_policy(s, "iris", "prod", 1, &require, 1))
		die("policy");
	mlmd_alias_move move = { "prod", version };
	mlmd_request_state st;
	if (mlmd_store_set_actor(s, "trainer"))
		die("actor");
	rc = mlmd_registry_request(s, "iris", &move, 1, "accuracy checked by the pipeline", &st);
	if (rc == -MLMD_FAILED_PRECONDITION) {
		printf("  govern    iris version %lld (validation=%s): prod not moved: %s\n", (long long)version,
		       tag.value, mlmd_error_message());
	} else if (rc) {
		die("request");
	} else {
		if (mlmd_store_set_actor(s, "reviewer") || mlmd_registry_approve(s, st.request_id, "looks good", &st))
			die("approve");
		printf("  govern    iris version %lld (validation=%s): prod -> version %lld, requested by trainer, "
		       "approved by reviewer (request #%lld, %s)\n", (long long)version, tag.value, (long long)version,
		       (long long)st.request_id, mlmd_request_status_name(st.status));
	}
	if (mlmd_store_set_actor(s, NULL))
		die("actor");
	mlmd_model_version *v;
	rc = mlmd_registry_resolve(s, "iris@prod", 0, &v);
	if (rc == -MLMD_NOT_FOUND)
		return 0;
	if (rc)
		die("resolve iris@prod");
	int64_t prod = v->version;
	mlmd_model_version_free(v);
	return prod;
}

/* After step 7: the audit log every write above appended to, verified, and
 * a checkpoint of it to keep elsewhere. */
/* 7b. data governance (with --govern): the training data turns out to be
 * poisoned. Labelled POISONED, the label follows lineage down to the model,
 * impact analysis names what is affected, and the serving gate refuses to
 * load iris@prod; once the label is removed (a false alarm here) it loads
 * again. */
static void poison_and_gate(mlmd_store *s, const char *uri, int64_t dataset)
{
	int64_t reached;
	if (mlmd_label_set(s, MLMD_NODE_ARTIFACT, dataset, "POISONED", "rows 40-60 mislabelled (demo)", 0, 1,
			   &reached))
		die("classify the dataset");
	mlmd_impact *im;
	if (mlmd_impact_get(s, MLMD_NODE_ARTIFACT, dataset, 0, &im))
		die("impact");
	size_t count[MLMD_IMPACT_DEPLOYMENT + 1] = { 0 };
	for (size_t i = 0; i < im->n; i++)
		count[im->items[i].what]++;
	mlmd_impact_free(im);
	printf("  poison    dataset #%lld labelled POISONED, which reaches %lld nodes (itself included); impact: %zu models, "
	       "%zu versions, %zu aliases, %zu serving records, %zu deployments\n",
	       (long long)dataset, (long long)reached, count[MLMD_IMPACT_MODEL], count[MLMD_IMPACT_VERSION],
	       count[MLMD_IMPACT_ALIAS], count[MLMD_IMPACT_SERVING], count[MLMD_IMPACT_DEPLOYMENT]);
	mlmd_scorer_options so = MLMD_SCORER_OPTIONS_INIT;
	so.store_uri = uri;
	so.model_ref = "iris@prod";
	so.no_recording = 1;
	mlmd_scorer *sc = NULL;
	if (mlmd_scorer_open(&sc, &so) != -MLMD_FAILED_PRECONDITION)
		die("the serving gate let a poisoned model load");
	printf("  gate      iris@prod refused: %s\n", mlmd_error_message());
	if (mlmd_label_remove(s, MLMD_NODE_ARTIFACT, dataset, "POISONED", NULL))
		die("unclassify the dataset");
	if (mlmd_scorer_open(&sc, &so) || mlmd_scorer_free(sc))
		die("serve after the label was removed");
	printf("  gate      label removed (a false alarm): iris@prod loads again\n");
}

/* 6b. monitoring (with --govern): a reference profile of the model's four
 * input columns, from the rows it was trained on, recorded next to the model
 * in lineage. A scorer bound to the store counts what it serves into the
 * profile's bins and records a drift window at each flush. */
static const char *FEATURES[F] = { "sepal_length", "sepal_width", "petal_length", "petal_width" };

static void record_profile(mlmd_store *s, int64_t model, int64_t dataset, float x[][F], int n)
{
	static double col[F][MAX_ROWS];
	size_t m = 0;
	for (int i = 0; i < n; i++) {
		if (i % 3 == 0)
			continue; /* held out: not training data */
		for (int j = 0; j < F; j++)
			col[j][m] = x[i][j];
		m++;
	}
	mlmd_profile_input in[F];
	for (int j = 0; j < F; j++)
		in[j] = (mlmd_profile_input){ .name = FEATURES[j], .n = m, .numbers = col[j] };
	mlmd_profile *p;
	int64_t id;
	if (mlmd_profile_build(&p, in, F, NULL))
		die("profile the training rows");
	if (mlmd_profile_record(s, model, NULL, p, dataset, NULL, &id))
		die("record the profile");
	const mlmd_profile_column *pl = mlmd_profile_column_at(p, 2);
	printf("  profile   model #%lld: reference profile #%lld of %zu training rows, %d columns (%s: mean %.2f, "
	       "deciles %.2f .. %.2f)\n", (long long)model, (long long)id, m, F, pl->name, pl->mean, pl->edges[0],
	       pl->edges[pl->n_bins - 2]);
	mlmd_profile_free(p);
}

/* The Deployment context a scorer records into, by name. */
static int64_t deployment_id(mlmd_store *s, const char *name)
{
	Mlmd__Pb__GetContextByTypeAndNameRequest rq = MLMD__PB__GET_CONTEXT_BY_TYPE_AND_NAME_REQUEST__INIT;
	Mlmd__Pb__GetContextByTypeAndNameResponse *rs;
	rq.type_name = "Deployment";
	rq.context_name = (char *)name;
	if (mlmd_store_get_context_by_type_and_name(s, &rq, &rs) || !rs->context)
		die("find the deployment");
	int64_t id = rs->context->id;
	mlmd_message_free(rs);
	return id;
}

/* 7a. drift (with --govern): the window served above matched the profile.
 * Then an upstream change starts reporting petal lengths 60 % larger: the
 * next window drifts, and the deployment is labelled DRIFTED (a label that
 * informs; it blocks serving only if someone puts it in the serving gate). */
static void drift_step(mlmd_store *s, const char *uri, float x[][F], int n, int64_t stable_windows,
		       int64_t stable_drifted)
{
	printf("  drift     serving window: %lld recorded, %lld drifted (the rows look like the training data)\n",
	       (long long)stable_windows, (long long)stable_drifted);
	static float shifted[MAX_ROWS][F];
	for (int i = 0; i < n; i++) {
		memcpy(shifted[i], x[i], sizeof shifted[i]);
		shifted[i][2] *= 1.6f;
	}
	mlmd_scorer_options so = MLMD_SCORER_OPTIONS_INIT;
	so.store_uri = uri;
	so.model_ref = "iris@prod";
	so.deployment = "demo";
	mlmd_scorer *scorer;
	mlmd_scorer_ctx *c;
	if (mlmd_scorer_open(&scorer, &so) || mlmd_scorer_ctx_new(scorer, &c))
		die("scorer");
	mlmd_tensor in = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { n, F }, .data = shifted };
	mlmd_tensor out[1] = { { 0 } };
	if (mlmd_scorer_score(c, &in, 1, out, 1))
		die("serve the shifted rows");
	mlmd_scorer_ctx_free(c);
	if (mlmd_scorer_flush(scorer))
		die("flush");
	int64_t drifted, windows = mlmd_scorer_drift_windows(scorer, &drifted);
	int64_t serving = mlmd_scorer_execution_id(scorer);
	if (mlmd_scorer_free(scorer))
		die("close the scorer");
	if (drifted != 1)
		die("the shifted window was not found drifted");
	mlmd_label_list *labels;
	if (mlmd_labels_effective(s, MLMD_NODE_CONTEXT, deployment_id(s, "demo"), 0, &labels))
		die("labels");
	const char *reason = NULL;
	for (size_t i = 0; i < labels->n; i++)
		if (!strcmp(labels->labels[i].label, "DRIFTED"))
			reason = labels->labels[i].reason;
	if (!reason)
		die("the deployment was not labelled DRIFTED");
	printf("  drift     petal_length x1.6: %lld window drifted; deployment 'demo' labelled DRIFTED: %s "
	       "(mlmd drift --store ... --execution %lld)\n", (long long)windows, reason, (long long)serving);
	mlmd_label_list_free(labels);
}

/* 5b. explain (with --govern): why the model predicted a held-out row's
 * class: each feature's contribution to that class's margin, against the
 * training rows' means (mlmd/explain.h). */
static void explain_row(mlmd_model *m, float x[][F], int n, const float *row)
{
	static float bg[MAX_ROWS][F];
	int nb = 0;
	for (int i = 0; i < n; i++)
		if (i % 3)
			memcpy(bg[nb++], x[i], sizeof bg[0]);
	mlmd_tensor bgt = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { nb, F }, .data = bg };
	mlmd_explainer *e;
	mlmd_score_ctx *sc;
	if (mlmd_explainer_new(&e, m, &bgt, 1) || mlmd_score_ctx_new(&sc))
		die("explainer");
	size_t k = mlmd_explainer_output_count(e), nf = mlmd_explainer_feature_count(e);
	double out[K * (F + 1)], margins[K];
	mlmd_tensor in = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { 1, F }, .data = (void *)row };
	if (k != K || nf != F || mlmd_explainer_explain(e, sc, &in, 1, out, K * (F + 1), margins))
		die("explain");
	size_t best = 0;
	for (size_t j = 1; j < k; j++)
		best = margins[j] > margins[best] ? j : best;
	const double *c = out + best * (F + 1);
	printf("  explain   a held-out row -> %s (%s): margin %.2f = bias %+.2f", mlmd_explainer_output_label(e, best),
	       mlmd_explainer_method(e), margins[best], c[F]);
	for (int j = 0; j < F; j++)
		printf(", %s %+.2f", FEATURES[j], c[j]);
	printf("\n");
	mlmd_score_ctx_free(sc);
	mlmd_explainer_free(e);
}

static void audit_summary(mlmd_store *s)
{
	mlmd_audit_verdict *v;
	mlmd_audit_checkpoint cp;
	char text[MLMD_AUDIT_CHECKPOINT_TEXT_MAX];
	if (mlmd_audit_verify(s, NULL, &v) || mlmd_audit_checkpoint_get(s, &cp) ||
	    mlmd_audit_checkpoint_format(&cp, text, sizeof text))
		die("audit");
	printf("  audit     %lld records, chain %s; checkpoint %.24s... (mlmd audit checkpoint)\n",
	       (long long)v->records, v->intact ? "intact" : "BROKEN", text);
	mlmd_audit_verdict_free(v);
}

/* ---- 9. share: the HTML report and OpenLineage events ------------------------------------------ */

static int ol_line(const char *event, size_t len, void *user)
{
	FILE *f = user;
	return fwrite(event, 1, len, f) != len || fputc('\n', f) == EOF;
}

/* The store as one HTML page centred on the served model, and every
 * execution as OpenLineage run events (what Marquez or DataHub ingest). */
static void share(mlmd_store *s, const char *outdir, int64_t served)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/report.html", outdir);
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	mlmd_report_options ro = MLMD_REPORT_OPTIONS_INIT;
	ro.artifact_id = served;
	ro.title = "mlmd demo: iris";
	if (mlmd_report_write(s, &ro, f))
		die("report");
	long html_bytes = ftell(f);
	if (fclose(f)) {
		perror(path);
		exit(1);
	}
	printf("  report    %s (%ld KB, self-contained: open it in a browser)\n", path, (html_bytes + 1023) / 1024);
	snprintf(path, sizeof path, "%s/openlineage.ndjson", outdir);
	if (!(f = fopen(path, "w"))) {
		perror(path);
		exit(1);
	}
	size_t n_events = 0;
	if (mlmd_openlineage_export(s, NULL, ol_line, f, &n_events))
		die("openlineage export");
	if (fclose(f)) {
		perror(path);
		exit(1);
	}
	printf("  lineage   %s: %zu OpenLineage run events (mlmd export --format openlineage)\n", path, n_events);
}

int main(int argc, char **argv)
{
	int govern = argc == 5 && !strcmp(argv[4], "--govern");
	if (argc != 4 && !govern) {
		fprintf(stderr, "usage: pipeline DB.db DATA.csv OUT_DIR [--govern]\n");
		return 2;
	}
	const char *db = argv[1], *data = argv[2], *outdir = argv[3];
	char uri[4200], model_path[4200], dot_path[4200], svg_path[4200];
	snprintf(uri, sizeof uri, "sqlite:%s", db);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	o.upgrade = 1; /* a store of an older demo gets the metric table */
	mlmd_store *s;
	if (mlmd_store_open(&s, &o))
		die("open");

	/* types (created once, reused by later runs); the tracked run's type, Trainer, is created by
	 * mlmd_run_begin() */
	type_id(s, 0, "DataSet", 3, "rows", I, "digest", S, "columns", S);
	int64_t eval_t = type_id(s, 1, "Evaluator", 2, "accuracy", D, "rows", I);
	int64_t run_t = type_id(s, 2, "Run", 0);

	/* this run's number: one more than the runs recorded so far */
	Mlmd__Pb__GetContextsByTypeRequest crq = MLMD__PB__GET_CONTEXTS_BY_TYPE_REQUEST__INIT;
	Mlmd__Pb__GetContextsByTypeResponse *crs;
	crq.type_name = "Run";
	if (mlmd_store_get_contexts_by_type(s, &crq, &crs))
		die("GetContextsByType");
	int run = (int)crs->n_contexts + 1;
	mlmd_message_free(crs);
	char run_name[32];
	snprintf(run_name, sizeof run_name, "run-%d", run);
	Mlmd__Pb__Context *ctx = mlmd_message_new(&mlmd__pb__context__descriptor);
	ctx->has_type_id = 1;
	ctx->type_id = run_t;
	mlmd_message_set_string(ctx, "name", run_name);
	Mlmd__Pb__PutContextsRequest pcr = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__PutContextsResponse *pcs;
	pcr.n_contexts = 1;
	pcr.contexts = &ctx;
	if (mlmd_store_put_contexts(s, &pcr, &pcs))
		die("PutContexts");
	int64_t run_id = pcs->context_ids[0];
	mlmd_message_free(pcs);
	mlmd_message_free(ctx);
	printf("%s: store %s\n", run_name, db);

	/* the training, tracked: a run of type Trainer in the experiment "iris" (mlmd/tracking.h),
	 * which also records the command line, directory, host, user and git state */
	const double lr = 0.05, l2 = 1e-4;
	const int iters = 3000;
	mlmd_run *tr;
	if (mlmd_run_begin(&tr, s, "iris", run_name, "Trainer", NULL))
		die("begin the training run");
	int64_t train_id = mlmd_run_id(tr);
	join_context(s, 0, train_id, run_id);

	/* 1. ingest: the data file as the run's input, one artifact per distinct content (a second
	 * run's input with the same digest is the same artifact) */
	static float x[MAX_ROWS][F];
	static int y[MAX_ROWS];
	int n = load_csv(data, x, y);
	char hex[65], digest[80], ds_name[128];
	if (mlmd_file_sha256(data, hex))
		die("digest");
	snprintf(digest, sizeof digest, "sha256:%s", hex);
	snprintf(ds_name, sizeof ds_name, "iris-%.12s", hex);
	struct stat dst;
	if (stat(data, &dst)) {
		perror(data);
		return 1;
	}
	mlmd_file_options fo = MLMD_FILE_OPTIONS_INIT;
	fo.type = "DataSet";
	fo.name = ds_name;
	fo.uri = data;                     /* the path as given */
	fo.sha256 = hex;                   /* already computed: the file is not read again */
	fo.size = (int64_t)dst.st_size;
	int64_t dataset;
	adopt_dataset(s, ds_name, hex, fo.size);
	if (mlmd_run_log_input(tr, NULL, &fo, &dataset))
		die("log the data set");
	describe_dataset(s, dataset, n, digest);
	join_context(s, dataset, 0, run_id);
	printf("  ingest    data set #%lld: %d rows, %s\n", (long long)dataset, n, digest);

	/* cache lookup: has a Trainer already completed on this data with these parameters? */
	mlmd_param params[] = {
		{ "algorithm", MLMD_VALUE_STRING, 0, 0, "softmax regression, gradient descent" },
		{ "learning_rate", MLMD_VALUE_DOUBLE, 0, lr, NULL },
		{ "iterations", MLMD_VALUE_INT, iters, 0, NULL },
		{ "l2", MLMD_VALUE_DOUBLE, 0, l2, NULL },
	};
	const size_t n_params = sizeof params / sizeof *params;
	const char *inputs[] = { hex };
	mlmd_run_info *cached;
	if (mlmd_run_find_cached(&cached, s, "Trainer", params, n_params, inputs, 1, NULL))
		die("cache lookup");
	if (cached)
		printf("  cache     run '%s' #%lld already trained on this data with these parameters "
		       "(trained again for the demo)\n", cached->name, (long long)cached->id);
	mlmd_run_info_free(cached);

	/* 2-4. train, logging the parameters and the loss of every epoch; write the ONNX file, register */
	if (mlmd_run_log_params(tr, params, n_params))
		die("log the parameters");
	double w[K][F], b[K];
	static double loss[3000];
	train(x, y, n, lr, iters, l2, w, b, loss);
	static int64_t epochs[3000];
	for (int i = 0; i < iters; i++)
		epochs[i] = i + 1;
	if (mlmd_run_log_metrics(tr, "loss", loss, epochs, NULL, (size_t)iters))
		die("log the loss history");
	snprintf(model_path, sizeof model_path, "%s/iris-%s.onnx", outdir, run_name);
	write_onnx(model_path, w, b, run_name);
	mlmd_model_record_options ro = MLMD_MODEL_RECORD_OPTIONS_INIT;
	char model_name[64];
	snprintf(model_name, sizeof model_name, "iris-softmax-%s", run_name);
	ro.path = model_path;
	ro.name = model_name;
	int64_t model, logged;
	if (mlmd_model_record(s, &ro, &model))
		die("record the model");
	/* the run's output: the same file, so the same artifact (mlmd_model_record gave it its digest) */
	mlmd_file_options mo = MLMD_FILE_OPTIONS_INIT;
	mo.type = "Model";
	if (mlmd_run_log_output(tr, model_path, &mo, &logged))
		die("log the model");
	if (logged != model) {
		fprintf(stderr, "pipeline: the run's output is artifact #%lld, the model #%lld\n", (long long)logged,
			(long long)model);
		return 1;
	}
	join_context(s, model, 0, run_id);
	printf("  train     execution #%lld -> model #%lld %s\n", (long long)train_id, (long long)model, model_path);

	/* 5. evaluate on the held-out third with the scorer */
	mlmd_model *m;
	if (mlmd_model_load_file(&m, model_path))
		die("load the model");
	mlmd_score_ctx *sc;
	if (mlmd_score_ctx_new(&sc))
		die("score context");
	static float held[MAX_ROWS][F];
	static int held_y[MAX_ROWS];
	int nh = 0;
	for (int i = 0; i < n; i += 3) {
		memcpy(held[nh], x[i], sizeof held[nh]);
		held_y[nh++] = y[i];
	}
	mlmd_tensor in = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { nh, F }, .data = held };
	mlmd_tensor out[2] = { { 0 } };
	if (mlmd_model_score(m, sc, &in, 1, out, 2))
		die("score");
	int correct = 0;
	for (int i = 0; i < nh; i++)
		correct += !strcmp(((const char **)out[0].data)[i], CLASSES[held_y[i]]);
	double accuracy = (double)correct / nh;
	mlmd_score_ctx_free(sc);
	if (govern)
		explain_row(m, x, n, held[nh - 1]);
	mlmd_model_free(m);
	Mlmd__Pb__Execution *ev = mlmd_message_new(&mlmd__pb__execution__descriptor);
	ev->has_type_id = ev->has_last_known_state = 1;
	ev->type_id = eval_t;
	ev->last_known_state = MLMD__PB__EXECUTION__STATE__COMPLETE;
	mlmd_node_set_double(ev, 0, "accuracy", accuracy);
	mlmd_node_set_int(ev, 0, "rows", nh);
	int64_t eval_id = put_execution(s, ev);
	mlmd_message_free(ev);
	link(s, model, eval_id, MLMD__PB__EVENT__TYPE__INPUT, run_id);
	link(s, dataset, eval_id, MLMD__PB__EVENT__TYPE__INPUT, run_id);
	printf("  evaluate  execution #%lld: accuracy %.3f on %d held-out rows\n", (long long)eval_id, accuracy, nh);

	/* the tracked run ends with its accuracy; COMPLETE records its fingerprint for cache lookups */
	if (mlmd_run_log_metric(tr, "accuracy", accuracy, iters) || mlmd_run_end(tr, MLMD_RUN_COMPLETE))
		die("end the training run");
	printf("  track     run '%s' #%lld in experiment 'iris': %zu params, loss %.3f -> %.3f over %d epochs\n",
		mlmd_run_name(tr), (long long)train_id, n_params, loss[0], loss[iters - 1], iters);
	mlmd_run_free(tr);

	/* 6. govern: a registered version, and the policy-gated move of "prod" */
	int64_t served_version = govern ? register_and_promote(s, model, train_id, accuracy) : 0;
	if (govern)
		record_profile(s, model, dataset, x, n);

	/* 7. serve every row through a verified scorer that records what it does */
	mlmd_scorer_options so = MLMD_SCORER_OPTIONS_INIT;
	so.store_uri = uri;
	if (served_version)
		so.model_ref = "iris@prod"; /* resolved through the registry, then verified */
	else
		so.artifact_id = model;
	so.deployment = "demo";
	mlmd_scorer *scorer;
	mlmd_scorer_ctx *c;
	if (mlmd_scorer_open(&scorer, &so) || mlmd_scorer_ctx_new(scorer, &c))
		die("scorer");
	for (int i = 0; i < n; i += 10) {
		int rows = n - i < 10 ? n - i : 10;
		mlmd_tensor bin = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { rows, F }, .data = x[i] };
		mlmd_tensor bout[1] = { { 0 } };
		if (mlmd_scorer_score(c, &bin, 1, bout, 1))
			die("serve");
	}
	int64_t serving = mlmd_scorer_execution_id(scorer), served = mlmd_scorer_artifact_id(scorer);
	mlmd_scorer_ctx_free(c);
	int64_t stable_drifted = 0, stable_windows = 0;
	if (govern && (mlmd_scorer_flush(scorer) || !mlmd_scorer_drift_monitored(scorer)))
		die("serving with drift monitoring");
	if (govern)
		stable_windows = mlmd_scorer_drift_windows(scorer, &stable_drifted);
	if (mlmd_scorer_free(scorer))
		die("close the scorer");
	if (served_version)
		printf("  serve     iris@prod = version %lld, model #%lld verified (sha256), %d rows scored, recorded "
		       "as execution #%lld\n", (long long)served_version, (long long)served, n, (long long)serving);
	else
		printf("  serve     model #%lld verified (sha256), %d rows scored, recorded as execution #%lld\n",
		       (long long)served, n, (long long)serving);
	if (govern) {
		drift_step(s, uri, x, n, stable_windows, stable_drifted);
		poison_and_gate(s, uri, dataset);
		audit_summary(s);
	}

	/* 8. the served model's lineage */
	mlmd_lineage_render_options lo = MLMD_LINEAGE_RENDER_OPTIONS_INIT;
	lo.id = served;
	lo.upstream = lo.downstream = 1;
	char *text;
	if (mlmd_lineage_render(s, &lo, &text))
		die("lineage");
	printf("\nlineage of model #%lld:\n%s", (long long)served, text);
	mlmd_buffer_free(text);
	lo.format = MLMD_RENDER_DOT;
	if (mlmd_lineage_render(s, &lo, &text))
		die("lineage");
	snprintf(dot_path, sizeof dot_path, "%s/lineage.dot", outdir);
	FILE *f = fopen(dot_path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(dot_path);
		return 1;
	}
	mlmd_buffer_free(text);
	snprintf(svg_path, sizeof svg_path, "%s/lineage.svg", outdir);
	char cmd[9000];
	snprintf(cmd, sizeof cmd, "command -v dot >/dev/null 2>&1 && dot -Tsvg '%s' -o '%s'", dot_path, svg_path);
	int has_svg = strchr(dot_path, '\'') == NULL && system(cmd) == 0;
	printf("\nwrote %s%s%s\n", dot_path, has_svg ? " and " : " (install Graphviz for lineage.svg)",
		has_svg ? svg_path : "");
	share(s, outdir, served);
	mlmd_store_free(s);
	return 0;
}
