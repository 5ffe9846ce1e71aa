/*
 * scorer/pmml_neural.c - NeuralNetwork: layers of neurons, compiled and
 * evaluated.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "pmml.h"

enum { A_THRESHOLD, A_LOGISTIC, A_TANH, A_IDENTITY, A_EXPONENTIAL, A_RECIPROCAL, A_SQUARE, A_GAUSS, A_SINE,
	A_COSINE, A_ELLIOTT, A_ARCTAN, A_RECTIFIER };
static const char *const ACTS[] = { "threshold", "logistic", "tanh", "identity", "exponential", "reciprocal",
	"square", "Gauss", "sine", "cosine", "Elliott", "arctan", "rectifier", NULL };

typedef struct {
	size_t n_in;
	pexpr **in_expr;         /* per input neuron */
	size_t n_layers;
	size_t *layer_start, *layer_n;   /* neurons by slot */
	int *act;                /* per layer */
	double *thr;
	int *norm;               /* per layer: 0 none, 1 simplemax, 2 softmax */
	size_t n_neurons;        /* slots: inputs first, then layer neurons */
	double *bias;            /* per slot */
	size_t *con_start, *con_n;
	int *con_from;
	double *con_w;
	size_t n_outputs;
	int *out_slot;
	int *out_kind;           /* 0 regression value (after inverse norm), 1 class probability */
	int *out_cls;
	pexpr **out_norm;        /* regression: the NormContinuous to invert, or NULL (FieldRef) */
} nnbody;

/* ---- evaluating ---------------------------------------------------------------------------------- */

static double activate(int a, double z, double thr)
{
	switch (a) {
	case A_THRESHOLD: return z > thr ? 1 : 0;
	case A_LOGISTIC: return 1 / (1 + exp(-z));
	case A_TANH: return tanh(z);
	case A_EXPONENTIAL: return exp(z);
	case A_RECIPROCAL: return 1 / z;
	case A_SQUARE: return z * z;
	case A_GAUSS: return exp(-z * z);
	case A_SINE: return sin(z);
	case A_COSINE: return cos(z);
	case A_ELLIOTT: return z / (1 + fabs(z));
	case A_ARCTAN: return 2 * atan(z) / 3.14159265358979323846;
	case A_RECTIFIER: return z > 0 ? z : 0;
	default: return z;
	}
}

void mlmd__pmml_eval_neural(rowctx *rc, const pmodel *m, pres *r)
{
	const nnbody *b = m->body;
	double *s = rc->scratch + m->body_scratch; /* n_neurons doubles */
	r->value = MISSING;
	for (size_t i = 0; i < b->n_in; i++) {
		double x;
		if (!as_num(mlmd__pmml_eval_expr(rc, b->in_expr[i]), &x)) {
			for (size_t k = 0; k < m->n_cls; k++)
				r->p[k] = NAN;
			return;
		}
		s[i] = x;
	}
	for (size_t l = 0; l < b->n_layers; l++) {
		size_t a = b->layer_start[l], e = a + b->layer_n[l];
		for (size_t j = a; j < e; j++) {
			double z = b->bias[j];
			for (size_t c = b->con_start[j]; c < b->con_start[j] + b->con_n[j]; c++)
				z += b->con_w[c] * s[b->con_from[c]];
			s[j] = b->norm[l] == 2 ? z : activate(b->act[l], z, b->thr[l]);
		}
		if (b->norm[l] == 2) {
			double mx = -INFINITY, sum = 0;
			for (size_t j = a; j < e; j++)
				mx = s[j] > mx ? s[j] : mx;
			for (size_t j = a; j < e; j++)
				sum += (s[j] = exp(s[j] - mx));
			for (size_t j = a; j < e; j++)
				s[j] /= sum;
		} else if (b->norm[l] == 1) {
			double sum = 0;
			for (size_t j = a; j < e; j++)
				sum += s[j];
			for (size_t j = a; j < e; j++)
				s[j] /= sum;
		}
	}
	if (!m->classification) {
		double y = s[b->out_slot[0]];
		const pexpr *nc = b->out_norm[0];
		if (nc) { /* invert the piecewise-linear normalisation */
			size_t k = 0;
			while (k + 2 < nc->n && y > nc->norm[k + 1])
				k++;
			y = nc->orig[k] + (y - nc->norm[k]) * (nc->orig[k + 1] - nc->orig[k]) / (nc->norm[k + 1] - nc->norm[k]);
		}
		r->value = num(y);
		return;
	}
	for (size_t k = 0; k < m->n_cls; k++)
		r->p[k] = 0;
	for (size_t o = 0; o < b->n_outputs; o++)
		if (b->out_cls[o] >= 0)
			r->p[b->out_cls[o]] = s[b->out_slot[o]];
	set_class_result(m, r);
}

/* ---- compiling ----------------------------------------------------------------------------------- */

int mlmd__pmml_compile_neural(pdoc *d, const px *n, pmodel *m)
{
	nnbody *b = mlmd__sc_alloc(d->pool, sizeof *b);
	if (!b)
		return MLMD_OOM();
	m->body = b;
	int net_act = A_LOGISTIC, rc;
	double net_thr = 0;
	const char *a = mlmd__px_attr(n, "activationFunction");
	if (!a)
		return mlmd__pmml_bad(n, "missing attribute 'activationFunction'");
	net_act = -1;
	for (int k = 0; ACTS[k]; k++)
		if (!strcmp(a, ACTS[k]))
			net_act = k;
	if (net_act < 0)
		return mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: activationFunction '%s' is not supported", n->line, a);
	parse_double(mlmd__px_attr(n, "threshold"), &net_thr);
	const char *nn = mlmd__px_attr(n, "normalizationMethod");
	int net_norm = nn && !strcmp(nn, "softmax") ? 2 : nn && !strcmp(nn, "simplemax") ? 1 : 0;
	const px *ins = mlmd__px_child(n, "NeuralInputs");
	if (!ins)
		return mlmd__pmml_bad(n, "needs NeuralInputs");
	/* count slots: inputs and neurons */
	size_t n_in = 0, n_neu = 0, n_con = 0, n_layers = 0;
	for (const px *c = mlmd__px_child(ins, "NeuralInput"); c; c = mlmd__px_next(c, "NeuralInput"))
		n_in++;
	if ((rc = mlmd__pmml_check_count(ins, "numberOfInputs", n_in, "NeuralInputs")))
		return rc;
	for (const px *l = mlmd__px_child(n, "NeuralLayer"); l; l = mlmd__px_next(l, "NeuralLayer"), n_layers++) {
		size_t in_layer = 0;
		for (const px *c = mlmd__px_child(l, "Neuron"); c; c = mlmd__px_next(c, "Neuron"), n_neu++, in_layer++)
			for (const px *w = mlmd__px_child(c, "Con"); w; w = mlmd__px_next(w, "Con"))
				n_con++;
		if ((rc = mlmd__pmml_check_count(l, "numberOfNeurons", in_layer, "Neurons")))
			return rc;
	}
	if ((rc = mlmd__pmml_check_count(n, "numberOfLayers", n_layers, "NeuralLayers")))
		return rc;
	size_t slots = n_in + n_neu;
	b->n_in = n_in;
	b->n_layers = n_layers;
	b->n_neurons = slots;
	m->body_need = (int)slots;
	b->in_expr = mlmd__sc_alloc_array(d->pool, n_in + 1, sizeof(pexpr *));
	b->layer_start = mlmd__sc_alloc_array(d->pool, n_layers + 1, sizeof(size_t));
	b->layer_n = mlmd__sc_alloc_array(d->pool, n_layers + 1, sizeof(size_t));
	b->act = mlmd__sc_alloc_array(d->pool, n_layers + 1, sizeof(int));
	b->thr = mlmd__sc_alloc_array(d->pool, n_layers + 1, sizeof(double));
	b->norm = mlmd__sc_alloc_array(d->pool, n_layers + 1, sizeof(int));
	b->bias = mlmd__sc_alloc_array(d->pool, slots + 1, sizeof(double));
	b->con_start = mlmd__sc_alloc_array(d->pool, slots + 1, sizeof(size_t));
	b->con_n = mlmd__sc_alloc_array(d->pool, slots + 1, sizeof(size_t));
	b->con_from = mlmd__sc_alloc_array(d->pool, n_con + 1, sizeof(int));
	b->con_w = mlmd__sc_alloc_array(d->pool, n_con + 1, sizeof(double));
	const char **ids = calloc(slots + 1, sizeof *ids);
	strmap idmap = { 0 };
	if (!b->in_expr || !b->layer_start || !b->layer_n || !b->act || !b->thr || !b->norm || !b->bias ||
		!b->con_start || !b->con_n || !b->con_from || !b->con_w || !ids || mlmd__pmml_strmap_init(d->tmp, &idmap, slots)) {
		free(ids);
		return MLMD_OOM();
	}
	size_t s = 0, ci = 0, l = 0;
	rc = 0;
	for (const px *c = mlmd__px_child(ins, "NeuralInput"); c && !rc; c = mlmd__px_next(c, "NeuralInput"), s++) {
		ids[s] = mlmd__px_attr(c, "id");
		const px *df = mlmd__px_child(c, "DerivedField");
		const px *ex = df ? mlmd__pmml_expr_child(df) : NULL;
		rc = !ids[s] || !ex ? mlmd__pmml_bad(c, "a NeuralInput needs an id and a DerivedField") : mlmd__pmml_compile_expr(d, ex, &b->in_expr[s]);
		if (!rc && mlmd__pmml_strmap_put(&idmap, ids[s], (int)s) >= 0)
			rc = mlmd__pmml_bad(c, "the id '%s' is used twice", ids[s]);
	}
	for (const px *ly = mlmd__px_child(n, "NeuralLayer"); ly && !rc; ly = mlmd__px_next(ly, "NeuralLayer"), l++) {
		b->act[l] = net_act;
		b->thr[l] = net_thr;
		b->norm[l] = net_norm;
		const char *la = mlmd__px_attr(ly, "activationFunction");
		if (la) {
			b->act[l] = -1;
			for (int k = 0; ACTS[k]; k++)
				if (!strcmp(la, ACTS[k]))
					b->act[l] = k;
			if (b->act[l] < 0) {
				rc = mlmd__fail(MLMD_UNIMPLEMENTED, "PMML line %d: activationFunction '%s' is not supported",
					ly->line, la);
				break;
			}
		}
		parse_double(mlmd__px_attr(ly, "threshold"), &b->thr[l]);
		const char *ln = mlmd__px_attr(ly, "normalizationMethod");
		if (ln)
			b->norm[l] = !strcmp(ln, "softmax") ? 2 : !strcmp(ln, "simplemax") ? 1 : 0;
		b->layer_start[l] = s;
		for (const px *c = mlmd__px_child(ly, "Neuron"); c && !rc; c = mlmd__px_next(c, "Neuron"), s++) {
			ids[s] = mlmd__px_attr(c, "id");
			if (!ids[s])
				rc = mlmd__pmml_bad(c, "a Neuron needs an id");
			else if (mlmd__pmml_strmap_get(&idmap, ids[s]) >= 0)
				rc = mlmd__pmml_bad(c, "the id '%s' is used twice", ids[s]);
			if (mlmd__px_attr(c, "bias") && !parse_double(mlmd__px_attr(c, "bias"), &b->bias[s]))
				rc = mlmd__pmml_bad(c, "bias must be a number");
			b->con_start[s] = ci;
			for (const px *w = mlmd__px_child(c, "Con"); w && !rc; w = mlmd__px_next(w, "Con"), ci++) {
				const char *from = mlmd__px_attr(w, "from");
				int fi = mlmd__pmml_strmap_get(&idmap, from);
				if (fi < 0 || (size_t)fi >= b->layer_start[l])
					rc = mlmd__pmml_bad(w, "Con from '%s' is not an input or a neuron of an earlier layer", from ? from : "");
				else if (!parse_double(mlmd__px_attr(w, "weight"), &b->con_w[ci]))
					rc = mlmd__pmml_bad(w, "weight must be a number");
				b->con_from[ci] = fi;
			}
			b->con_n[s] = ci - b->con_start[s];
			if (!rc)
				mlmd__pmml_strmap_put(&idmap, ids[s], (int)s); /* (after its own connections: a neuron cannot feed itself) */
		}
		b->layer_n[l] = s - b->layer_start[l];
	}
	const px *outs = mlmd__px_child(n, "NeuralOutputs");
	if (!rc && !outs)
		rc = mlmd__pmml_bad(n, "needs NeuralOutputs");
	for (const px *c = outs ? mlmd__px_child(outs, "NeuralOutput") : NULL; c && !rc; c = mlmd__px_next(c, "NeuralOutput"))
		b->n_outputs++;
	if (!rc && outs)
		rc = mlmd__pmml_check_count(outs, "numberOfOutputs", b->n_outputs, "NeuralOutputs");
	b->out_slot = mlmd__sc_alloc_array(d->pool, b->n_outputs + 1, sizeof(int));
	b->out_cls = mlmd__sc_alloc_array(d->pool, b->n_outputs + 1, sizeof(int));
	b->out_norm = mlmd__sc_alloc_array(d->pool, b->n_outputs + 1, sizeof(pexpr *));
	if (!rc && (!b->out_slot || !b->out_cls || !b->out_norm))
		rc = MLMD_OOM();
	size_t o = 0;
	for (const px *c = outs ? mlmd__px_child(outs, "NeuralOutput") : NULL; c && !rc; c = mlmd__px_next(c, "NeuralOutput"), o++) {
		const char *on = mlmd__px_attr(c, "outputNeuron");
		b->out_slot[o] = mlmd__pmml_strmap_get(&idmap, on);
		if ((size_t)b->out_slot[o] < n_in)
			b->out_slot[o] = -1; /* (an input is not a neuron) */
		const px *df = mlmd__px_child(c, "DerivedField");
		const px *ex = df ? mlmd__pmml_expr_child(df) : NULL;
		if (b->out_slot[o] < 0 || !ex) {
			rc = mlmd__pmml_bad(c, "needs an outputNeuron that is a neuron, and a DerivedField");
			break;
		}
		b->out_cls[o] = -1;
		if (!strcmp(ex->name, "NormDiscrete")) {
			const char *v = mlmd__px_attr(ex, "value");
			if (!v || (b->out_cls[o] = mlmd__pmml_add_class(d, m, v)) < 0)
				rc = v ? b->out_cls[o] : mlmd__pmml_bad(ex, "missing attribute 'value'");
		} else if (!strcmp(ex->name, "NormContinuous")) {
			rc = mlmd__pmml_compile_expr(d, ex, &b->out_norm[o]);
		} else if (strcmp(ex->name, "FieldRef")) {
			rc = mlmd__pmml_unsupported(ex, "this NeuralOutput expression");
		}
	}
	free(ids);
	if (!rc && !m->classification && b->n_outputs != 1)
		rc = mlmd__pmml_unsupported(n, "a regression network with more than one output");
	return rc;
}
