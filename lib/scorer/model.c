/*
 * scorer/model.c - the model as an object: building its values and
 * signature (helpers loaders share), errors that name a node, references,
 * and the public getters.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "sc.h"

int mlmd__sc_fail(const sc_node *n, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	mlmd__vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return mlmd__fail(code, "node '%s' (%s::%s, opset %d): %s", n->name,
		n->op->domain[0] ? n->op->domain : "ai.onnx", n->op->name, n->opset, msg);
}

/* ---- values, inputs and outputs ------------------------------------------------------ */

int mlmd__sc_add_value(mlmd_model *m, const char *name)
{
	if ((m->n_values & (m->n_values - 1)) == 0) {
		size_t cap = m->n_values ? (size_t)m->n_values * 2 : 16;
		sc_value *nv = mlmd__sc_alloc_array(&m->pool, cap, sizeof *nv);
		if (!nv)
			return MLMD_OOM();
		if (m->n_values)
			sc_memcpy(nv, m->values, (size_t)m->n_values * sizeof *nv);
		m->values = nv;
	}
	m->values[m->n_values].name = name;
	return m->n_values++;
}

/* Fills the label fields of the output infos from the values they name. */
int mlmd__sc_finish_io(mlmd_model *m)
{
	for (size_t i = 0; i < m->n_outputs; i++) {
		const sc_value *v = &m->values[m->output_vals[i]];
		m->outputs[i].n_labels = v->n_labels;
		m->outputs[i].labels_int64 = v->labels_int64;
		m->outputs[i].labels_string = v->labels_string;
	}
	return 0;
}

/* ---- references ------------------------------------------------------------------------ */

mlmd_model *mlmd_model_ref(mlmd_model *m)
{
	if (m)
		atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
	return m;
}

void mlmd_model_free(mlmd_model *m)
{
	if (!m || atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (m->fini)
		m->fini(m->fini_arg);
	mlmd__sc_pool_free(&m->pool);
	free(m);
}

/* ---- inspection ---------------------------------------------------------------------- */

const char *mlmd_model_format(const mlmd_model *m) { return m ? m->format : ""; }
const char *mlmd_model_producer(const mlmd_model *m) { return m ? m->producer : ""; }
const char *mlmd_model_producer_version(const mlmd_model *m) { return m ? m->producer_version : ""; }
int64_t mlmd_model_ir_version(const mlmd_model *m) { return m ? m->ir_version : 0; }
size_t mlmd_model_input_count(const mlmd_model *m) { return m ? m->n_inputs : 0; }
size_t mlmd_model_output_count(const mlmd_model *m) { return m ? m->n_outputs : 0; }
size_t mlmd_model_opset_count(const mlmd_model *m) { return m ? m->n_opsets : 0; }
size_t mlmd_model_metadata_count(const mlmd_model *m) { return m ? m->n_meta : 0; }

const mlmd_value_info *mlmd_model_input(const mlmd_model *m, size_t i)
{
	return m && i < m->n_inputs ? &m->inputs[i] : NULL;
}

const mlmd_value_info *mlmd_model_output(const mlmd_model *m, size_t i)
{
	return m && i < m->n_outputs ? &m->outputs[i] : NULL;
}

int mlmd_model_input_index(const mlmd_model *m, const char *name)
{
	for (size_t i = 0; m && name && i < m->n_inputs; i++)
		if (strcmp(m->inputs[i].name, name) == 0)
			return (int)i;
	return -1;
}

int mlmd_model_opset(const mlmd_model *m, size_t i, const char **domain, int64_t *version)
{
	if (!m || i >= m->n_opsets)
		return mlmd__fail(MLMD_OUT_OF_RANGE, "opset index %zu out of range (%zu opsets)", i, m ? m->n_opsets : 0);
	if (domain)
		*domain = m->opset_domains[i];
	if (version)
		*version = m->opset_versions[i];
	return 0;
}

int mlmd_model_metadata(const mlmd_model *m, size_t i, const char **key, const char **value)
{
	if (!m || i >= m->n_meta)
		return mlmd__fail(MLMD_OUT_OF_RANGE, "metadata index %zu out of range (%zu entries)", i, m ? m->n_meta : 0);
	if (key)
		*key = m->meta_keys[i];
	if (value)
		*value = m->meta_values[i];
	return 0;
}
