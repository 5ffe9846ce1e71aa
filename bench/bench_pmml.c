/*
 * bench/bench_pmml.c - PMML tree ensembles: the batch path (a MiningModel's
 * trees scored as one ensemble over the whole call, pmml_batch.c) against the
 * same document scored a row at a time, and against PMML's own node-by-node
 * walk, in the same run.
 *
 *   bench_pmml MODEL.xml DATA.csv [REPEAT]
 *
 * Loads the model four times: as written (the batch path); as written with
 * the batch path switched off (each row evaluated alone, its trees through
 * the tree engine one at a time: the figure before issue 22); with every
 * SimplePredicate and SimpleSetPredicate rewritten as (P or False), which
 * means the same in PMML's three-valued logic but is a compound predicate,
 * so the same trees are walked node by node; and as written on a score
 * context with two threads. Scores the data set's rows (repeated REPEAT
 * times, default 20) in one call per side, the sides interleaved, for
 * MLMD_BENCH_REPS repetitions (bench.h); checks that every output of every
 * side is the same; prints the medians of rows/s with their spread and the
 * median of the per-repetition ratios.
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>
#include "bench.h"
#include "scorer/load.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "bench_pmml: cannot open %s\n", path);
		exit(1);
	}
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap + 1);
	size_t k;
	while (b && (k = fread(b + n, 1, cap - n, f)) > 0)
		if ((n += k) == cap)
			b = realloc(b, (cap *= 2) + 1);
	fclose(f);
	if (!b) {
		fprintf(stderr, "bench_pmml: out of memory\n");
		exit(1);
	}
	b[n] = '\0';
	*len = n;
	return b;
}

/* The document with each simple predicate P written as (P or False). */
static char *walked_variant(const char *xml, size_t len, size_t *out_len)
{
	static const char open[] = "<CompoundPredicate booleanOperator=\"or\">", close[] = "<False/></CompoundPredicate>";
	size_t cap = len * 3 + 1024, n = 0;
	char *o = malloc(cap);
	const char *p = xml, *end = xml + len;
	while (o && p < end) {
		const char *a = strstr(p, "<SimplePredicate"), *b = strstr(p, "<SimpleSetPredicate");
		const char *at = a && (!b || a < b) ? a : b;
		if (!at) {
			memcpy(o + n, p, (size_t)(end - p));
			n += (size_t)(end - p);
			break;
		}
		bool set = at == b;
		const char *gt = strchr(at, '>');
		const char *stop = NULL;
		if (gt && !set && gt[-1] == '/') {
			stop = gt + 1;
		} else if (gt) {
			const char *etag = set ? "</SimpleSetPredicate>" : "</SimplePredicate>";
			const char *e = strstr(gt, etag);
			stop = e ? e + strlen(etag) : NULL;
		}
		if (!stop)
			stop = end;
		if (n + (size_t)(stop - p) + sizeof open + sizeof close > cap)
			o = realloc(o, cap = (cap + (size_t)(stop - p)) * 2);
		if (!o)
			break;
		memcpy(o + n, p, (size_t)(at - p));
		n += (size_t)(at - p);
		memcpy(o + n, open, sizeof open - 1);
		n += sizeof open - 1;
		memcpy(o + n, at, (size_t)(stop - at));
		n += (size_t)(stop - at);
		memcpy(o + n, close, sizeof close - 1);
		n += sizeof close - 1;
		p = stop;
	}
	if (!o) {
		fprintf(stderr, "bench_pmml: out of memory\n");
		exit(1);
	}
	*out_len = n;
	return o;
}

/* Splits a line on commas in place (no quoting in the conformance data sets). */
static int split(char *line, char **cell, int max)
{
	int n = 0;
	for (char *p = line; n < max;) {
		cell[n++] = p;
		char *c = strchr(p, ',');
		if (!c)
			break;
		*c = '\0';
		p = c + 1;
	}
	return n;
}

typedef struct {
	mlmd_model *m;
	mlmd_score_ctx *ctx;
	mlmd_tensor out[16];
	size_t nout;
	bench_reps rate;         /* rows/s of each repetition */
} side;

/* One repetition of a side: rows/s (the outputs stay in s->out, in its context). */
static double score(side *s, const mlmd_tensor *in, size_t nin, int64_t rows)
{
	memset(s->out, 0, sizeof s->out);
	double t0 = now_s();
	if (mlmd_model_score(s->m, s->ctx, in, nin, s->out, s->nout))
		die("score");
	double rate = rows / (now_s() - t0);
	bench_reps_add(&s->rate, rate);
	return rate;
}

/* Outputs of two sides that differ, value for value. */
static long differ(const side *p, const side *q, int64_t n)
{
	long d = 0;
	for (size_t o = 0; o < p->nout; o++)
		for (int64_t i = 0; i < n; i++) {
			const mlmd_tensor *a = &p->out[o], *b = &q->out[o];
			if (a->dtype == MLMD_DTYPE_STRING) {
				const char *x = ((const char *const *)a->data)[i], *y = ((const char *const *)b->data)[i];
				d += !(x == y || (x && y && !strcmp(x, y)));
			} else {
				int64_t per = a->rank == 2 ? a->dims[1] : 1;
				for (int64_t j = 0; j < per; j++) {
					double x = ((const double *)a->data)[i * per + j], y = ((const double *)b->data)[i * per + j];
					d += !(x == y || (isnan(x) && isnan(y)));
				}
			}
		}
	return d;
}

/* One line: NAME  OURS ±S%  BASE ±S%  RATIO ±S%. */
static void row(const char *name, const bench_reps *ours, const bench_reps *base, const bench_reps *ratio)
{
	char a[96], b[96], c[96];
	printf("%-40s %22s %22s %14s\n", name, bench_fmt(a, sizeof a, "%.0f rows/s", ours),
		bench_fmt(b, sizeof b, "%.0f rows/s", base), bench_fmt(c, sizeof c, "%.2fx", ratio));
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_pmml MODEL.xml DATA.csv [REPEAT]\n");
		return 2;
	}
	int repeat = argc > 3 ? atoi(argv[3]) : 20;
	size_t xlen, wlen, clen;
	char *xml = slurp(argv[1], &xlen), *walked = walked_variant(xml, xlen, &wlen), *csv = slurp(argv[2], &clen);
	/* 0: the batch path; 1: the same document a row at a time; 2: the walked variant; 3: the batch path on two
	 * threads (when the library has them) */
	side sd[4] = { 0 };
	if (mlmd_model_load_buffer(&sd[0].m, xml, xlen, argv[1]) || mlmd_model_load_buffer(&sd[1].m, xml, xlen, argv[1]) ||
		mlmd_model_load_buffer(&sd[3].m, xml, xlen, argv[1]))
		die("load");
	if (mlmd_model_load_buffer(&sd[2].m, walked, wlen, argv[1]))
		die("load (walked variant)");
	mlmd__sc_pmml_batch(sd[1].m, 0);
	int eng[4], wk[4], batched = mlmd__sc_pmml_batch(sd[0].m, -1);
	int nsides = 4;
	for (int k = 0; k < 4; k++) {
		mlmd__sc_pmml_tree_counts(sd[k].m, &eng[k], &wk[k]);
		sd[k].nout = mlmd_model_output_count(sd[k].m);
		if (sd[k].nout > 16 || mlmd_score_ctx_new(&sd[k].ctx))
			die("outputs");
	}
	if (mlmd_score_ctx_set_threads(sd[3].ctx, 2))
		nsides = 3; /* (no threads in this build: that row is left out) */
	/* the data set: header, then rows */
	char *cells[256], *line = csv, *nl;
	int64_t rows = 0;
	for (char *p = csv; *p; p++)
		rows += *p == '\n';
	rows += clen && csv[clen - 1] != '\n';
	rows -= 1; /* header */
	nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	char *header[256];
	int ncol = split(line, cells, 256);
	for (int c = 0; c < ncol; c++)
		header[c] = cells[c];
	size_t nin = mlmd_model_input_count(sd[0].m);
	int64_t n = rows * repeat;
	mlmd_tensor in[64];
	int col_of[64];
	if (nin > 64 || rows <= 0) {
		fprintf(stderr, "bench_pmml: %zu inputs, %lld rows\n", nin, (long long)rows);
		return 1;
	}
	for (size_t k = 0; k < nin; k++) {
		const mlmd_value_info *vi = mlmd_model_input(sd[0].m, k);
		col_of[k] = -1;
		for (int c = 0; c < ncol; c++)
			if (!strcmp(header[c], vi->name))
				col_of[k] = c;
		in[k] = (mlmd_tensor){ .dtype = vi->dtype == MLMD_DTYPE_STRING ? MLMD_DTYPE_STRING : MLMD_DTYPE_DOUBLE,
			.rank = 1, .dims = { n } };
		in[k].data = calloc((size_t)n, 8);
		if (!in[k].data) {
			fprintf(stderr, "bench_pmml: out of memory\n");
			return 1;
		}
	}
	line = nl ? nl + 1 : csv + clen;
	for (int64_t r = 0; r < rows && *line; r++) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		int nc = split(line, cells, 256);
		for (size_t k = 0; k < nin; k++) {
			const char *v = col_of[k] >= 0 && col_of[k] < nc ? cells[col_of[k]] : "";
			for (int rep = 0; rep < repeat; rep++) {
				int64_t i = rep * rows + r;
				if (in[k].dtype == MLMD_DTYPE_STRING)
					((const char **)in[k].data)[i] = v;
				else
					((double *)in[k].data)[i] = *v ? strtod(v, NULL) : NAN;
			}
		}
		line = nl ? nl + 1 : line + strlen(line);
	}
	/* a warm-up call each, then repetitions, the sides interleaved; ratios per repetition */
	for (int k = 0; k < nsides; k++) {
		score(&sd[k], in, nin, n);
		sd[k].rate.n = 0;
	}
	bench_reps vs_row = { 0 }, vs_walk = { 0 }, threads = { 0 };
	for (int rep = bench_rep_count(); rep > 0; rep--) {
		double r[4];
		for (int k = 0; k < nsides; k++)
			r[k] = score(&sd[k], in, nin, n);
		bench_reps_add(&vs_row, r[0] / r[1]);
		bench_reps_add(&vs_walk, r[0] / r[2]);
		if (nsides > 3)
			bench_reps_add(&threads, r[3] / r[1]);
	}
	long diff = 0;
	for (int k = 1; k < nsides; k++)
		diff += differ(&sd[0], &sd[k], n);
	const char *name = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
	char label[256];
	row(name, &sd[0].rate, &sd[1].rate, &vs_row);
	snprintf(label, sizeof label, "%s (vs node walk)", name);
	row(label, &sd[0].rate, &sd[2].rate, &vs_walk);
	if (nsides > 3) {
		snprintf(label, sizeof label, "%s (2 threads)", name);
		row(label, &sd[3].rate, &sd[1].rate, &threads);
	}
	printf("  %d trees: %d batched, %d in the engine, %d walked; %lld rows a call; %ld outputs differ\n", eng[0] + wk[0],
		batched, eng[0], wk[0], (long long)n, diff);
	if (eng[2] != 0 || (eng[0] == 0 && wk[0] > 0))
		printf("  (note: %d trees compiled as written, %d in the walked variant)\n", eng[0], eng[2]);
	for (int k = 0; k < 4; k++) {
		mlmd_score_ctx_free(sd[k].ctx);
		mlmd_model_free(sd[k].m);
	}
	for (size_t k = 0; k < nin; k++)
		free(in[k].data);
	free(xml);
	free(walked);
	free(csv);
	return diff ? 1 : 0;
}
