/*
 * examples/pipeline.c - a governed ML pipeline end to end, on one SQLite file.
 *
 *   pipeline DB.db DATA.csv OUT_DIR
 *
 *  1. ingest   the Iris data set as an artifact with its SHA-256
 *  2. train    a multinomial logistic regression, in C, on two thirds of the rows
 *  3. write    the model as a real ONNX file (LinearClassifier), by hand-encoded protobuf
 *  4. register the model artifact with its digest, the training execution with its
 *              hyperparameters and events, all in a Run context
 *  5. evaluate the model with the scorer on the held-out rows: an Evaluator execution
 *              with the accuracy as a property
 *  6. serve    every row through a scorer bound to the store: the model is verified against
 *              its digest, and a ModelServing execution records rows, latency, confidence
 *  7. show     the served model's lineage as a tree, and write lineage.dot (and lineage.svg
 *              when Graphviz is installed)
 *
 * Running it again adds run-2, run-3, ... to the same store: types and the data set
 * artifact are reused, each run gets its own model, executions and context.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void train(float x[][F], const int *y, int n, double lr, int iters, double l2, double w[K][F], double b[K])
{
	memset(w, 0, sizeof(double) * K * F);
	memset(b, 0, sizeof(double) * K);
	for (int it = 0; it < iters; it++) {
		double gw[K][F] = { { 0 } }, gb[K] = { 0 };
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
			for (int k = 0; k < K; k++) {
				double g = z[k] / sum - (y[i] == k);
				gb[k] += g;
				for (int j = 0; j < F; j++)
					gw[k][j] += g * x[i][j];
			}
			m++;
		}
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

static void write_onnx(const char *path, const double w[K][F], const double b[K])
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
	Mlmd__Pb__Attribution at = MLMD__PB__ATTRIBUTION__INIT, *atp = &at;
	Mlmd__Pb__Association as = MLMD__PB__ASSOCIATION__INIT, *asp = &as;
	at.has_artifact_id = at.has_context_id = as.has_execution_id = as.has_context_id = 1;
	at.artifact_id = artifact;
	at.context_id = as.context_id = context;
	as.execution_id = execution;
	Mlmd__Pb__PutAttributionsAndAssociationsRequest arq = MLMD__PB__PUT_ATTRIBUTIONS_AND_ASSOCIATIONS_REQUEST__INIT;
	Mlmd__Pb__PutAttributionsAndAssociationsResponse *ars;
	arq.n_attributions = arq.n_associations = 1;
	arq.attributions = &atp;
	arq.associations = &asp;
	if (mlmd_store_put_attributions_and_associations(s, &arq, &ars))
		die("PutAttributionsAndAssociations");
	mlmd_message_free(ars);
}

#define S MLMD__PB__PROPERTY_TYPE__STRING
#define I MLMD__PB__PROPERTY_TYPE__INT
#define D MLMD__PB__PROPERTY_TYPE__DOUBLE

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: pipeline DB.db DATA.csv OUT_DIR\n");
		return 2;
	}
	const char *db = argv[1], *data = argv[2], *outdir = argv[3];
	char uri[4200], model_path[4200], dot_path[4200], svg_path[4200];
	snprintf(uri, sizeof uri, "sqlite:%s", db);
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = uri;
	mlmd_store *s;
	if (mlmd_store_open(&s, &o))
		die("open");

	/* types (created once, reused by later runs) */
	int64_t dataset_t = type_id(s, 0, "DataSet", 3, "rows", I, "digest", S, "columns", S);
	int64_t trainer_t = type_id(s, 1, "Trainer", 4, "algorithm", S, "learning_rate", D, "iterations", I, "l2", D);
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

	/* 1. ingest: the data set artifact, once per distinct file content */
	static float x[MAX_ROWS][F];
	static int y[MAX_ROWS];
	int n = load_csv(data, x, y);
	char hex[65], digest[80];
	if (mlmd_file_sha256(data, hex))
		die("digest");
	snprintf(digest, sizeof digest, "sha256:%s", hex);
	char ds_name[128];
	snprintf(ds_name, sizeof ds_name, "iris-%.12s", hex);
	Mlmd__Pb__GetArtifactByTypeAndNameRequest grq = MLMD__PB__GET_ARTIFACT_BY_TYPE_AND_NAME_REQUEST__INIT;
	Mlmd__Pb__GetArtifactByTypeAndNameResponse *grs;
	grq.type_name = "DataSet";
	grq.artifact_name = ds_name;
	if (mlmd_store_get_artifact_by_type_and_name(s, &grq, &grs))
		die("GetArtifactByTypeAndName");
	int64_t dataset = grs->artifact ? grs->artifact->id : 0;
	mlmd_message_free(grs);
	if (!dataset) {
		Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
		a->has_type_id = a->has_state = 1;
		a->type_id = dataset_t;
		a->state = MLMD__PB__ARTIFACT__STATE__LIVE;
		mlmd_message_set_string(a, "name", ds_name);
		mlmd_message_set_string(a, "uri", data);
		mlmd_node_set_int(a, 0, "rows", n);
		mlmd_node_set_string(a, 0, "digest", digest);
		mlmd_node_set_string(a, 0, "columns", "sepal_length,sepal_width,petal_length,petal_width,species");
		Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__PutArtifactsResponse *rs;
		rq.n_artifacts = 1;
		rq.artifacts = &a;
		if (mlmd_store_put_artifacts(s, &rq, &rs))
			die("PutArtifacts");
		dataset = rs->artifact_ids[0];
		mlmd_message_free(rs);
		mlmd_message_free(a);
	}
	printf("  ingest    data set #%lld: %d rows, %s\n", (long long)dataset, n, digest);

	/* 2-4. train, write the ONNX file, register */
	const double lr = 0.05, l2 = 1e-4;
	const int iters = 3000;
	Mlmd__Pb__Execution *tr = mlmd_message_new(&mlmd__pb__execution__descriptor);
	tr->has_type_id = tr->has_last_known_state = 1;
	tr->type_id = trainer_t;
	tr->last_known_state = MLMD__PB__EXECUTION__STATE__RUNNING;
	mlmd_node_set_string(tr, 0, "algorithm", "softmax regression, gradient descent");
	mlmd_node_set_double(tr, 0, "learning_rate", lr);
	mlmd_node_set_int(tr, 0, "iterations", iters);
	mlmd_node_set_double(tr, 0, "l2", l2);
	int64_t train_id = put_execution(s, tr);
	link(s, dataset, train_id, MLMD__PB__EVENT__TYPE__INPUT, run_id);
	double w[K][F], b[K];
	train(x, y, n, lr, iters, l2, w, b);
	snprintf(model_path, sizeof model_path, "%s/iris-%s.onnx", outdir, run_name);
	write_onnx(model_path, w, b);
	mlmd_model_record_options ro = MLMD_MODEL_RECORD_OPTIONS_INIT;
	char model_name[64];
	snprintf(model_name, sizeof model_name, "iris-softmax-%s", run_name);
	ro.path = model_path;
	ro.name = model_name;
	int64_t model;
	if (mlmd_model_record(s, &ro, &model))
		die("record the model");
	link(s, model, train_id, MLMD__PB__EVENT__TYPE__OUTPUT, run_id);
	tr->has_id = 1;
	tr->id = train_id;
	tr->last_known_state = MLMD__PB__EXECUTION__STATE__COMPLETE;
	put_execution(s, tr);
	mlmd_message_free(tr);
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

	/* 6. serve every row through a verified scorer that records what it does */
	mlmd_scorer_options so = MLMD_SCORER_OPTIONS_INIT;
	so.store_uri = uri;
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
	int64_t serving = mlmd_scorer_execution_id(scorer);
	mlmd_scorer_ctx_free(c);
	if (mlmd_scorer_free(scorer))
		die("close the scorer");
	printf("  serve     model #%lld verified (sha256), %d rows scored, recorded as execution #%lld\n",
		(long long)model, n, (long long)serving);

	/* 7. the served model's lineage */
	mlmd_lineage_render_options lo = MLMD_LINEAGE_RENDER_OPTIONS_INIT;
	lo.id = model;
	lo.upstream = lo.downstream = 1;
	char *text;
	if (mlmd_lineage_render(s, &lo, &text))
		die("lineage");
	printf("\nlineage of model #%lld:\n%s", (long long)model, text);
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
	mlmd_store_free(s);
	return 0;
}
