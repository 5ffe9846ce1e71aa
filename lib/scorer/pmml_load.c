/*
 * scorer/pmml_load.c - loading a PMML document: the DataDictionary, the
 * TransformationDictionary and the top model compiled under the load's
 * memory cap, the scorer op's signature, and ModelVerification (the
 * document's own test rows, scored at load). The op runs in pmml_run.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pmml.h"
#include "load.h"

/* ---- ModelVerification --------------------------------------------------------------------------- */

/* Scores the verification rows with model m (the top model or a segment's)
 * and compares its prediction and output fields with the expected values. */
static int verify(pmml_attr *a, pmodel *m, const px *mv, sc_pool *tmp)
{
	pdoc *d = &a->doc;
	const px *vf = mlmd__px_child(mv, "VerificationFields"), *tbl = mlmd__px_child(mv, "InlineTable");
	if (!vf || !tbl)
		return mlmd__pmml_bad(mv, "needs VerificationFields and an InlineTable");
	size_t nf = 0, nrows = 0;
	for (const px *f = mlmd__px_child(vf, "VerificationField"); f; f = mlmd__px_next(f, "VerificationField"))
		nf++;
	for (const px *r = mlmd__px_child(tbl, "row"); r; r = mlmd__px_next(r, "row"))
		nrows++;
	int rcc = mlmd__pmml_check_count(mv, "fieldCount", nf, "VerificationFields");
	if (!rcc)
		rcc = mlmd__pmml_check_count(mv, "recordCount", nrows, "rows");
	if (rcc)
		return rcc;
	int *field = mlmd__sc_alloc_array(tmp, nf + 1, sizeof(int));
	const char **col = mlmd__sc_alloc_array(tmp, nf + 1, sizeof(char *));
	double *prec = mlmd__sc_alloc_array(tmp, nf + 1, sizeof(double)), *zero = mlmd__sc_alloc_array(tmp, nf + 1, sizeof(double));
	bool *is_in = mlmd__sc_alloc_array(tmp, nf + 1, sizeof(bool));
	rowctx rc;
	if (!field || !col || !prec || !zero || !is_in || mlmd__pmml_rowctx_init(&rc, d, tmp))
		return MLMD_OOM();
	size_t i = 0;
	for (const px *f = mlmd__px_child(vf, "VerificationField"); f; f = mlmd__px_next(f, "VerificationField"), i++) {
		const char *name = mlmd__px_attr(f, "field");
		field[i] = name ? mlmd__pmml_field_id(d, name) : -1;
		if (field[i] < 0)
			return mlmd__pmml_bad(f, "field '%s' is not defined", name ? name : "");
		/* expected values: the model's prediction and its output fields; anything else is an input */
		is_in[i] = field[i] != m->target;
		for (size_t k = 0; k < m->n_out; k++)
			if (m->out[k].field == field[i])
				is_in[i] = false;
		col[i] = mlmd__px_attr(f, "column") ? mlmd__px_attr(f, "column") : name;
		prec[i] = 1e-6;
		zero[i] = 1e-16;
		parse_double(mlmd__px_attr(f, "precision"), &prec[i]);
		parse_double(mlmd__px_attr(f, "zeroThreshold"), &zero[i]);
	}
	int row = 0;
	for (const px *r = mlmd__px_child(tbl, "row"); r; r = mlmd__px_next(r, "row"), row++) {
		mlmd__pmml_rowctx_next(&rc);
		for (size_t k = 0; k < a->n_in; k++) {
			rc.vals[a->in_fields[k]] = MISSING;
			rc.done[a->in_fields[k]] = 1;
		}
		for (size_t k = 0; k < nf; k++) {
			if (!is_in[k])
				continue;
			rc.vals[field[k]] = MISSING;
			rc.done[field[k]] = 1;
			for (const px *c = r->first; c; c = c->next)
				if (!strcmp(c->name, col[k]) && c->text)
					rc.vals[field[k]] = constant(d, c->text, d->fields[field[k]].kind);
		}
		pres res;
		rc.invalid = false;
		mlmd__pmml_eval_model(&rc, m, &res);
		if (rc.err)
			return mlmd__context(rc.err, "PMML ModelVerification (line %d) row %d", mv->line, row + 1);
		for (size_t k = 0; k < nf; k++) {
			if (is_in[k])
				continue;
			const char *want = NULL;
			for (const px *c = r->first; c; c = c->next)
				if (!strcmp(c->name, col[k]))
					want = c->text ? c->text : "";
			if (!want)
				continue;
			pv got = field[k] == m->target ? res.value : rc.vals[field[k]];
			double g, w;
			bool ok;
			if (parse_double(want, &w) && as_num(got, &g))
				ok = (fabs(w) < zero[k] && fabs(g) < zero[k]) || fabs(g - w) <= prec[k] * fabs(w);
			else
				ok = got.t == PV_STR && !strcmp(got.s, want);
			if (!ok) {
				char gs[64];
				if (got.t == PV_NUM)
					mlmd__snprintf(gs, sizeof gs, "%.17g", got.d);
				else
					snprintf(gs, sizeof gs, "%s", got.t == PV_STR ? got.s : "(missing)");
				return mlmd__fail(MLMD_INVALID_ARGUMENT, "PMML ModelVerification (line %d) row %d: field '%s' is "
					"%s, the model file expects %s", mv->line, row + 1, d->fields[field[k]].name, gs, want);
			}
		}
	}
	return 0;
}

/* ---- loading ------------------------------------------------------------------------------------- */

static int data_dictionary(pdoc *d, const px *dd)
{
	size_t count = 0;
	for (const px *f = mlmd__px_child(dd, "DataField"); f; f = mlmd__px_next(f, "DataField"))
		count++;
	int rc = mlmd__pmml_check_count(dd, "numberOfFields", count, "DataFields");
	if (rc)
		return rc;
	for (const px *f = mlmd__px_child(dd, "DataField"); f; f = mlmd__px_next(f, "DataField")) {
		const char *name = mlmd__px_attr(f, "name");
		if (!name)
			return mlmd__pmml_bad(f, "missing attribute 'name'");
		int id;
		if ((rc = mlmd__pmml_add_field(d, pstrdup(d, name), kind_of_type(mlmd__px_attr(f, "dataType")), &id)))
			return rc;
		pfield *pf = &d->fields[id];
		const char *opt = mlmd__px_attr(f, "optype"), *dt = mlmd__px_attr(f, "dataType");
		pf->categorical = opt && strcmp(opt, "continuous") != 0;
		pf->is_float = dt && !strcmp(dt, "float");
		for (const px *v = mlmd__px_child(f, "Value"); v; v = mlmd__px_next(v, "Value"))
			pf->n_values++;
		for (const px *v = mlmd__px_child(f, "Interval"); v; v = mlmd__px_next(v, "Interval"))
			pf->n_iv++;
		pf->values = mlmd__sc_alloc_array(d->pool, pf->n_values + 1, sizeof(char *));
		pf->vprop = mlmd__sc_alloc_array(d->pool, pf->n_values + 1, 1);
		pf->display = mlmd__sc_alloc_array(d->pool, pf->n_values + 1, sizeof(char *));
		pf->lo = mlmd__sc_alloc_array(d->pool, pf->n_iv + 1, sizeof(double));
		pf->hi = mlmd__sc_alloc_array(d->pool, pf->n_iv + 1, sizeof(double));
		pf->lo_open = mlmd__sc_alloc_array(d->pool, pf->n_iv + 1, 1);
		pf->hi_open = mlmd__sc_alloc_array(d->pool, pf->n_iv + 1, 1);
		if (!pf->values || !pf->vprop || !pf->display || !pf->lo || !pf->hi || !pf->lo_open || !pf->hi_open)
			return MLMD_OOM();
		size_t k = 0;
		for (const px *v = mlmd__px_child(f, "Value"); v; v = mlmd__px_next(v, "Value"), k++) {
			const char *val = mlmd__px_attr(v, "value"), *prop = mlmd__px_attr(v, "property");
			if (!val)
				return mlmd__pmml_bad(v, "missing attribute 'value'");
			pf->values[k] = pstrdup(d, val);
			pf->vprop[k] = !prop || !strcmp(prop, "valid") ? 0 : !strcmp(prop, "invalid") ? 1 : 2;
			pf->display[k] = pstrdup(d, mlmd__px_attr(v, "displayValue"));
		}
		k = 0;
		for (const px *v = mlmd__px_child(f, "Interval"); v; v = mlmd__px_next(v, "Interval"), k++) {
			const char *cl = mlmd__px_attr(v, "closure");
			if (!cl)
				return mlmd__pmml_bad(v, "missing attribute 'closure'");
			pf->lo_open[k] = !strncmp(cl, "open", 4);
			pf->hi_open[k] = strstr(cl, "Open") != NULL;
			if (!parse_double(mlmd__px_attr(v, "leftMargin"), &pf->lo[k]))
				pf->lo[k] = NAN;
			if (!parse_double(mlmd__px_attr(v, "rightMargin"), &pf->hi[k]))
				pf->hi[k] = NAN;
		}
	}
	return 0;
}

/* Frees what the model keeps outside its pool: the compiled regular expressions. */
static void pmml_fini(void *arg)
{
	pmml_attr *a = arg;
	for (pregex *r = a->doc.regexes; r; r = r->next)
		regfree(&r->re);
	a->doc.regexes = NULL;
}

/* A refusal for going over the load's memory cap, which the pools report as out of memory. */
static int load_cap_error(int rc, const sc_pool *tmp, const sc_pool *model, size_t budget, size_t len)
{
	if (rc != -MLMD_RESOURCE_EXHAUSTED || !strstr(mlmd_error_message(), "out of memory") ||
		(tmp->peak < budget / 4 && model->peak < budget / 4))
		return rc;
	return mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "PMML: loading this document (%zu bytes) takes more than the %zu MiB "
		"allowed (%d times its size, at least %zu MiB)", len, budget >> 20, PMML_LOAD_FACTOR, PMML_LOAD_FLOOR >> 20);
}

int mlmd__sc_load_pmml(mlmd_model *m, const char *data, size_t len)
{
	/* Every allocation of the load comes from two pools, the element tree's and the model's, which may
	 * hold half the budget each: PMML_LOAD_FACTOR times the document's size, at least PMML_LOAD_FLOOR. */
	size_t budget = len > PMML_LOAD_FLOOR / PMML_LOAD_FACTOR ? (len > SIZE_MAX / PMML_LOAD_FACTOR ? SIZE_MAX :
		len * PMML_LOAD_FACTOR) : PMML_LOAD_FLOOR;
	sc_pool tmp = { .limit = budget / 2 };
	m->pool.limit = budget / 2;
	px *root;
	int rc = mlmd__px_parse(&tmp, data, len, &root);
	if (rc) {
		rc = load_cap_error(rc, &tmp, &m->pool, budget, len);
		mlmd__sc_pool_free(&tmp);
		m->pool.limit = 0;
		return rc;
	}
	pmml_attr *a = mlmd__sc_alloc(&m->pool, sizeof *a);
	if (!a) {
		mlmd__sc_pool_free(&tmp);
		m->pool.limit = 0;
		return MLMD_OOM();
	}
	m->fini = pmml_fini;
	m->fini_arg = a;
	pdoc *d = &a->doc;
	d->pool = &m->pool;
	d->tmp = &tmp;
	const px *dd = mlmd__px_child(root, "DataDictionary");
	if (!dd)
		rc = mlmd__pmml_bad(root, "no DataDictionary");
	if (!rc)
		rc = data_dictionary(d, dd);
	const px *td = mlmd__px_child(root, "TransformationDictionary");
	if (!rc && td)
		rc = mlmd__pmml_define_functions(d, td);
	for (const px *df = td ? mlmd__px_child(td, "DerivedField") : NULL; !rc && df; df = mlmd__px_next(df, "DerivedField"))
		rc = mlmd__pmml_compile_derived(d, df);
	const px *model = NULL;
	for (const px *c = root->first; !rc && c && !model; c = c->next)
		if (!c->foreign && strcmp(c->name, "Header") && strcmp(c->name, "DataDictionary") &&
			strcmp(c->name, "TransformationDictionary") && strcmp(c->name, "Extension") &&
			strcmp(c->name, "MiningBuildTask"))
			model = c;
	if (!rc && !model)
		rc = mlmd__pmml_bad(root, "the document has no model");
	if (!rc)
		rc = mlmd__pmml_compile_model(d, model, &d->top, NULL);
	if (!rc)
		rc = mlmd__pmml_text_codes(d);
	if (!rc)
		rc = mlmd__pmml_finalize(d, d->top);
	if (!rc)
		rc = mlmd__pmml_batch_plan(d);
	/* what a score call takes per row, beside the fields: the models' scratch and the value stack */
	if (!rc && ((size_t)d->n_scratch * sizeof(double) + d->max_stack * sizeof(pv)) > budget)
		rc = mlmd__fail(MLMD_RESOURCE_EXHAUSTED, "PMML: scoring a row would take %zu MiB of working memory, more "
			"than the %zu MiB allowed for this document", ((size_t)d->n_scratch * sizeof(double) + d->max_stack *
			sizeof(pv)) >> 20, budget >> 20);
	/* the graph: the top model's active data fields in, the prediction (and outputs) out */
	pmodel *top = d->top;
	size_t n_in = 0;
	for (size_t i = 0; !rc && i < top->n_mf; i++)
		n_in += top->mf[i].usage == 0 && !d->fields[top->mf[i].field].derive;
	a->in_fields = rc ? NULL : mlmd__sc_alloc_array(&m->pool, n_in + 1, sizeof(int));
	size_t max_out = rc ? 0 : 2 + top->n_out;
	a->out_field = rc ? NULL : mlmd__sc_alloc_array(&m->pool, max_out + 1, sizeof(int));
	a->out_kind = rc ? NULL : mlmd__sc_alloc_array(&m->pool, max_out + 1, sizeof(int));
	if (!rc && (!a->in_fields || !a->out_field || !a->out_kind))
		rc = MLMD_OOM();
	if (!rc) {
		for (size_t i = 0; i < top->n_mf; i++)
			if (top->mf[i].usage == 0 && !d->fields[top->mf[i].field].derive)
				a->in_fields[a->n_in++] = top->mf[i].field;
		const char *pname = top->target >= 0 ? d->fields[top->target].name : "predicted";
		a->out_field[0] = -1;
		a->out_kind[0] = top->classification ? F_STRING : F_DOUBLE;
		a->n_out = 1;
		if (top->classification) {
			a->out_field[1] = -2;
			a->out_kind[1] = -1;
			a->n_out = 2;
		}
		for (size_t i = 0; i < top->n_out; i++) {
			const char *on = d->fields[top->out[i].field].name;
			bool dupname = !strcmp(on, pname) || (top->classification && !strcmp(on, "probability"));
			for (size_t j = 0; j < i; j++)
				dupname |= !strcmp(d->fields[top->out[j].field].name, on);
			if (dupname)
				continue;
			a->out_field[a->n_out] = top->out[i].field;
			a->out_kind[a->n_out++] = d->fields[top->out[i].field].kind;
		}
		/* values, node, signature */
		m->nodes = mlmd__sc_alloc(&m->pool, sizeof *m->nodes);
		m->inputs = mlmd__sc_alloc_array(&m->pool, a->n_in + 1, sizeof *m->inputs);
		m->input_vals = mlmd__sc_alloc_array(&m->pool, a->n_in + 1, sizeof(int));
		m->outputs = mlmd__sc_alloc_array(&m->pool, a->n_out + 1, sizeof *m->outputs);
		m->output_vals = mlmd__sc_alloc_array(&m->pool, a->n_out + 1, sizeof(int));
		sc_node *nd = m->nodes;
		if (!nd || !m->inputs || !m->input_vals || !m->outputs || !m->output_vals)
			rc = MLMD_OOM();
		if (!rc) {
			nd->op = &mlmd__pmml_op;
			nd->name = top->name ? top->name : pstrdup(d, model->name);
			nd->opset = 1;
			nd->attr = a;
			nd->nin = (int)a->n_in;
			nd->nout = (int)a->n_out;
			nd->in = mlmd__sc_alloc_array(&m->pool, a->n_in + 1, sizeof(int));
			nd->out = mlmd__sc_alloc_array(&m->pool, a->n_out + 1, sizeof(int));
			if (!nd->in || !nd->out)
				rc = MLMD_OOM();
		}
		static const int64_t one_dim[1] = { -1 }, two_dims[2] = { -1, -1 };
		for (size_t k = 0; !rc && k < a->n_in; k++) {
			const pfield *f = &d->fields[a->in_fields[k]];
			int v = mlmd__sc_add_value(m, f->name);
			if (v < 0) {
				rc = v;
				break;
			}
			nd->in[k] = v;
			m->input_vals[k] = v;
			m->inputs[k] = (mlmd_value_info){ .name = f->name, .dtype = f->kind == F_STRING ? MLMD_DTYPE_STRING :
				MLMD_DTYPE_DOUBLE, .rank = 1, .dims = one_dim };
		}
		m->n_inputs = rc ? 0 : a->n_in;
		for (size_t o = 0; !rc && o < a->n_out; o++) {
			const char *name = a->out_field[o] == -1 ? pname : a->out_field[o] == -2 ? "probability" :
				d->fields[a->out_field[o]].name;
			int v = mlmd__sc_add_value(m, name);
			if (v < 0) {
				rc = v;
				break;
			}
			nd->out[o] = v;
			m->output_vals[o] = v;
			m->outputs[o] = (mlmd_value_info){ .name = name, .dtype = a->out_kind[o] == -1 ? MLMD_DTYPE_DOUBLE :
				a->out_kind[o] == F_STRING ? MLMD_DTYPE_STRING : MLMD_DTYPE_DOUBLE,
				.rank = a->out_kind[o] == -1 ? 2 : 1, .dims = a->out_kind[o] == -1 ? two_dims : one_dim };
			if (a->out_field[o] == -2) {
				int64_t *dims = mlmd__sc_alloc_array(&m->pool, 2, sizeof(int64_t));
				if (!dims) {
					rc = MLMD_OOM();
					break;
				}
				dims[0] = -1;
				dims[1] = (int64_t)top->n_cls;
				m->outputs[o].dims = dims;
				m->values[v].n_labels = top->n_cls;
				m->values[v].labels_string = top->cls;
			}
		}
		m->n_outputs = rc ? 0 : a->n_out;
		m->n_nodes = rc ? 0 : 1;
	}
	for (size_t v = 0; !rc && v < d->n_verif; v++)
		rc = verify(a, d->verif_model[v], d->verif_node[v], &tmp);
	if (!rc) {
		m->format = "pmml";
		const px *hd = mlmd__px_child(root, "Header"), *app = hd ? mlmd__px_child(hd, "Application") : NULL;
		m->producer = app && mlmd__px_attr(app, "name") ? pstrdup(d, mlmd__px_attr(app, "name")) : "";
		m->producer_version = app && mlmd__px_attr(app, "version") ? pstrdup(d, mlmd__px_attr(app, "version")) : "";
		const char *ver = mlmd__px_attr(root, "version");
		m->n_meta = 2;
		m->meta_keys = mlmd__sc_alloc_array(&m->pool, 2, sizeof(char *));
		m->meta_values = mlmd__sc_alloc_array(&m->pool, 2, sizeof(char *));
		if (!m->meta_keys || !m->meta_values || !m->producer || !m->producer_version) {
			rc = MLMD_OOM();
		} else {
			m->meta_keys[0] = "pmml_version";
			m->meta_values[0] = pstrdup(d, ver ? ver : "");
			m->meta_keys[1] = "model_type";
			m->meta_values[1] = pstrdup(d, model->name);
		}
	}
	free(d->names);
	free(d->ids);
	d->names = NULL;
	d->ids = NULL;
	d->map_cap = 0;
	/* the field table moves into the model pool: the op reads it at run time */
	if (!rc) {
		pfield *ff = mlmd__sc_alloc_array(&m->pool, (size_t)d->n_fields + 1, sizeof *ff);
		if (!ff)
			rc = MLMD_OOM();
		else if (d->n_fields)
			memcpy(ff, d->fields, (size_t)d->n_fields * sizeof *ff);
		free(d->fields);
		d->fields = ff;
	} else {
		free(d->fields);
		d->fields = NULL;
	}
	rc = load_cap_error(rc, &tmp, &m->pool, budget, len);
	d->tmp = NULL;
	mlmd__sc_pool_free(&tmp);
	m->pool.limit = 0;
	return rc;
}

int mlmd__sc_pmml_tree_counts(const mlmd_model *m, int *engine, int *walked)
{
	*engine = *walked = 0;
	if (m->n_nodes != 1 || m->nodes[0].op != &mlmd__pmml_op)
		return -1;
	const pmml_attr *a = m->nodes[0].attr;
	*engine = a->doc.trees_engine;
	*walked = a->doc.trees_walked;
	return 0;
}

int mlmd__sc_pmml_batch(mlmd_model *m, int on)
{
	if (m->n_nodes != 1 || m->nodes[0].op != &mlmd__pmml_op)
		return -1;
	pmml_attr *a = m->nodes[0].attr;
	if (on >= 0 && a->doc.batch)
		a->doc.batch->off = !on;
	return a->doc.batch && !a->doc.batch->off ? a->doc.batch->n_trees : 0;
}

int mlmd__sc_pmml_batch_walk(mlmd_model *m, int how)
{
	if (m->n_nodes != 1 || m->nodes[0].op != &mlmd__pmml_op)
		return -1;
	pmml_attr *a = m->nodes[0].attr;
	return mlmd__pmml_batch_walk(&a->doc, how);
}
