/*
 * store/track_files.c - files and the cache: LogFiles (artifacts reused by
 * digest, INPUT/OUTPUT events, attribution to the run's experiment), the
 * fingerprint of a run, and FindCachedRun (one indexed lookup on it).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "track.h"

/* ---- the fingerprint ---------------------------------------------------------- */

static int cmp_param(const void *a, const void *b)
{
	return strcmp(((const track_param *)a)->key, ((const track_param *)b)->key);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Text with '\\' and newlines escaped, so one value is one line; in a key
 * also '=' (as \=), so a key's end is the first unescaped '='. */
static void put_escaped_as(mlmd_buf *b, const char *s, int key)
{
	for (; *s; s++) {
		if (*s == '\\')
			mlmd__buf_puts(b, "\\\\");
		else if (*s == '\n')
			mlmd__buf_puts(b, "\\n");
		else if (key && *s == '=')
			mlmd__buf_puts(b, "\\=");
		else
			mlmd__buf_put(b, s, 1);
	}
}

static void put_escaped(mlmd_buf *b, const char *s)
{
	put_escaped_as(b, s, 0);
}

/*
 * The canonical text, one line each, every line ending in '\n':
 *   mlmd.fingerprint.v1
 *   <run type>
 *   <key>=i:<int> | <key>=d:<17 significant digits> | <key>=s:<text>   (by key)
 *   <sha256>                                                        (sorted, distinct)
 * Text (type, keys, string values) has '\' and newline escaped as \\ and \n,
 * and a key's '=' as \=, so no two parameter lists give the same text.
 */
int mlmd__track_fingerprint(const char *type, track_param *params, size_t nparams, const char **digests,
			    size_t ndigests, char out[65])
{
	mlmd_buf b = { 0 };
	if (nparams)
		qsort(params, nparams, sizeof *params, cmp_param);
	if (ndigests)
		qsort(digests, ndigests, sizeof *digests, cmp_str);
	mlmd__buf_puts(&b, "mlmd.fingerprint.v1\n");
	put_escaped(&b, type);
	mlmd__buf_puts(&b, "\n");
	for (size_t i = 0; i < nparams; i++) {
		const Mlmd__Pb__Value *v = params[i].value;
		put_escaped_as(&b, params[i].key, 1);
		if (v->value_case == MLMD__PB__VALUE__VALUE_INT_VALUE) {
			mlmd__buf_printf(&b, "=i:%lld\n", (long long)v->int_value);
		} else if (v->value_case == MLMD__PB__VALUE__VALUE_DOUBLE_VALUE) {
			char num[64];
			mlmd_double_format(num, sizeof num, v->double_value, 17);
			mlmd__buf_printf(&b, "=d:%s\n", num);
		} else {
			mlmd__buf_puts(&b, "=s:");
			put_escaped(&b, v->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE ? v->string_value : "");
			mlmd__buf_puts(&b, "\n");
		}
	}
	for (size_t i = 0; i < ndigests; i++)
		if (!i || strcmp(digests[i], digests[i - 1]))
			mlmd__buf_printf(&b, "%s\n", digests[i]);
	if (!b.p) {
		mlmd__buf_free(&b);
		return MLMD_OOM();
	}
	unsigned char md[32];
	unsigned int mdlen = 0;
	int ok = EVP_Digest(b.p, b.len, md, &mdlen, EVP_sha256(), NULL);
	mlmd__buf_free(&b);
	if (!ok || mdlen != 32)
		return mlmd__fail(MLMD_INTERNAL, "fingerprint: SHA-256 failed");
	for (int i = 0; i < 32; i++)
		mlmd__snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* The digests of a run's INPUT files. */
static int input_digests(call *c, int64_t run, char ***out, size_t *n)
{
	sqlq q;
	int rc = mlmd__q(c->sql, &q, "SELECT p.string_value FROM event v JOIN artifact_property p ON p.node_id ="
			 " v.artifact_id WHERE v.execution_id = ? AND v.type = ? AND p.is_custom = 1 AND p.name ="
			 " 'mlmd.sha256' AND p.string_value IS NOT NULL");
	if (rc)
		return rc;
	mlmd__q_i64(&q, 1, run);
	mlmd__q_i64(&q, 2, MLMD__PB__EVENT__TYPE__INPUT);
	*out = NULL;
	*n = 0;
	while ((rc = mlmd__q_step(&q)) == 1) {
		char **a = realloc(*out, (*n + 1) * sizeof *a);
		if (!a || !(a[*n] = mlmd__strdup(mlmd__q_col_text(&q, 0)))) {
			if (a)
				*out = a;
			rc = MLMD_OOM();
			break;
		}
		*out = a;
		(*n)++;
	}
	mlmd__q_done(&q);
	return rc < 0 ? rc : 0;
}

int mlmd__track_run_fingerprint(call *c, const Mlmd__Pb__Execution *e, char out[65])
{
	track_param *p = malloc((e->n_custom_properties + 1) * sizeof *p);
	if (!p)
		return MLMD_OOM();
	size_t np = 0;
	for (size_t i = 0; i < e->n_custom_properties; i++)
		if (!strncmp(e->custom_properties[i]->key, "param.", 6) && e->custom_properties[i]->value) {
			p[np].key = e->custom_properties[i]->key + 6;
			p[np++].value = e->custom_properties[i]->value;
		}
	char **dig = NULL;
	size_t nd = 0;
	int rc = input_digests(c, e->id, &dig, &nd);
	if (!rc)
		rc = mlmd__track_fingerprint(e->type ? e->type : "", p, np, (const char **)dig, nd, out);
	for (size_t i = 0; i < nd; i++)
		free(dig[i]);
	free(dig);
	free(p);
	return rc;
}

/* ---- LogFiles ---------------------------------------------------------------------- */

static int check_file(const Mlmd__Pb__Tracking__FileRecord *f, const char *what)
{
	int rc = mlmd__track_check_sha256(f->sha256, what);
	if (rc)
		return rc;
	if (!f->has_size || f->size < 0)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: size is required and must not be negative", what);
	return 0;
}

/* The artifact of `type` with this digest (the oldest), or a new one. */
static int file_artifact(call *c, const Mlmd__Pb__Tracking__FileRecord *f, int64_t *id)
{
	int64_t type = 0;
	const char *tname = f->type && *f->type ? f->type : MLMD_TRACK_FILE_TYPE;
	int rc = mlmd__track_type(c, KIND_ARTIFACT, tname, &type);
	if (rc)
		return rc;
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, "SELECT a.id FROM artifact_property p JOIN artifact a ON a.id = p.node_id"
			  " WHERE p.string_value = ? AND p.name = 'mlmd.sha256' AND p.is_custom = 1 AND a.type_id = ?"
			  " ORDER BY a.id LIMIT 1")))
		return rc;
	mlmd__q_text(&q, 1, f->sha256);
	mlmd__q_i64(&q, 2, type);
	*id = 0;
	if ((rc = mlmd__q_step(&q)) == 1)
		*id = mlmd__q_col_i64(&q, 0);
	mlmd__q_done(&q);
	if (rc < 0 || *id)
		return rc < 0 ? rc : 0;
	track_props tp;
	mlmd__tp_init(&tp, &mlmd__artifact_kind);
	rc = mlmd__tp_str(&tp, "mlmd.", "sha256", f->sha256);
	if (!rc)
		rc = mlmd__tp_int(&tp, "mlmd.", "size", f->size);
	if (!rc) {
		Mlmd__Pb__Artifact a = MLMD__PB__ARTIFACT__INIT;
		a.has_type_id = 1;
		a.type_id = type;
		a.uri = f->uri && *f->uri ? f->uri : NULL;
		a.name = f->name && *f->name ? f->name : NULL;
		a.has_state = 1;
		a.state = MLMD__PB__ARTIFACT__STATE__LIVE;
		a.n_custom_properties = tp.n;
		a.custom_properties = (Mlmd__Pb__Artifact__CustomPropertiesEntry **)tp.entries;
		rc = mlmd__node_put(c, &mlmd__artifact_kind, &a.base, NULL, id);
	}
	mlmd__tp_free(&tp);
	return rc;
}

static int log_file(call *c, int64_t run, int64_t xid, const Mlmd__Pb__Tracking__FileRecord *f, int type,
		    int64_t *id)
{
	int rc = file_artifact(c, f, id);
	if (rc)
		return rc;
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, "SELECT 1 FROM event WHERE artifact_id = ? AND execution_id = ? AND type = ?")))
		return rc;
	mlmd__q_i64(&q, 1, *id);
	mlmd__q_i64(&q, 2, run);
	mlmd__q_i64(&q, 3, type);
	int have = mlmd__q_step(&q);
	mlmd__q_done(&q);
	if (have < 0)
		return have;
	if (!have) {
		Mlmd__Pb__Event e = MLMD__PB__EVENT__INIT;
		e.has_artifact_id = e.has_execution_id = e.has_type = 1;
		e.artifact_id = *id;
		e.execution_id = run;
		e.type = (Mlmd__Pb__Event__Type)type;
		if ((rc = mlmd__event_put(c, &e)))
			return rc;
	}
	return xid ? mlmd__attribution_put(c, xid, *id, 0) : 0;
}

int mlmd__track_LogFiles(call *c, const Mlmd__Pb__Tracking__LogFilesRequest *rq,
			 Mlmd__Pb__Tracking__LogFilesResponse *rs)
{
	int rc = 0;
	char w[48];
	for (size_t i = 0; i < rq->n_inputs && !rc; i++) {
		mlmd__snprintf(w, sizeof w, "inputs[%zu]", i);
		rc = check_file(rq->inputs[i], w);
	}
	for (size_t i = 0; i < rq->n_outputs && !rc; i++) {
		mlmd__snprintf(w, sizeof w, "outputs[%zu]", i);
		rc = check_file(rq->outputs[i], w);
	}
	if (rc)
		return rc;
	Mlmd__Pb__Execution *e;
	if ((rc = mlmd__track_run_load(c, rq->has_run_id, rq->run_id, 1, &e)))
		return rc;
	int64_t xid = 0;
	rc = mlmd__track_run_experiment(c, e->id, &xid, NULL);
	size_t ni = rq->n_inputs, no = rq->n_outputs;
	if (!rc && ((ni && !(rs->input_ids = calloc(ni, sizeof(int64_t)))) ||
		    (no && !(rs->output_ids = calloc(no, sizeof(int64_t))))))
		rc = MLMD_OOM();
	for (size_t i = 0; i < ni && !rc; i++) {
		if ((rc = log_file(c, e->id, xid, rq->inputs[i], MLMD__PB__EVENT__TYPE__INPUT, &rs->input_ids[i])))
			mlmd__context(rc, "inputs[%zu]", i);
		rs->n_input_ids = i + 1;
	}
	for (size_t i = 0; i < no && !rc; i++) {
		if ((rc = log_file(c, e->id, xid, rq->outputs[i], MLMD__PB__EVENT__TYPE__OUTPUT, &rs->output_ids[i])))
			mlmd__context(rc, "outputs[%zu]", i);
		rs->n_output_ids = i + 1;
	}
	protobuf_c_message_free_unpacked(&e->base, NULL);
	return rc;
}

/* ---- FindCachedRun ------------------------------------------------------------------- */

int mlmd__track_FindCachedRun(call *c, const Mlmd__Pb__Tracking__FindCachedRunRequest *rq,
			      Mlmd__Pb__Tracking__FindCachedRunResponse *rs)
{
	const char *type = rq->run_type && *rq->run_type ? rq->run_type : MLMD_TRACK_RUN_TYPE;
	int rc = 0;
	char w[48];
	for (size_t i = 0; i < rq->n_params && !rc; i++) {
		const Mlmd__Pb__Value *v = rq->params[i]->value;
		mlmd__snprintf(w, sizeof w, "params[%zu]", i);
		if (!(rc = mlmd__track_check_key(rq->params[i]->key, w)) &&
		    (!v || (v->value_case != MLMD__PB__VALUE__VALUE_INT_VALUE &&
			    v->value_case != MLMD__PB__VALUE__VALUE_DOUBLE_VALUE &&
			    v->value_case != MLMD__PB__VALUE__VALUE_STRING_VALUE)))
			rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: parameter '%s' must have an int, double or string value",
					w, rq->params[i]->key);
	}
	size_t *first = NULL, *last;
	if (!rc) /* repeated keys by sorting, not by pairs: a request may carry many thousands */
		rc = mlmd__track_key_groups((void *const *)rq->params, rq->n_params,
					    offsetof(Mlmd__Pb__Tracking__Param, key), &first, &last);
	for (size_t i = 0; i < rq->n_params && !rc; i++)
		if (first[i] < i) {
			mlmd__snprintf(w, sizeof w, "params[%zu]", i);
			rc = mlmd__fail(MLMD_INVALID_ARGUMENT, "%s: parameter '%s' is given twice", w, rq->params[i]->key);
		}
	free(first);
	for (size_t i = 0; i < rq->n_input_sha256 && !rc; i++) {
		mlmd__snprintf(w, sizeof w, "input_sha256[%zu]", i);
		rc = mlmd__track_check_sha256(rq->input_sha256[i], w);
	}
	if (rc)
		return rc;
	track_param *p = malloc((rq->n_params + 1) * sizeof *p);
	const char **d = malloc((rq->n_input_sha256 + 1) * sizeof *d);
	char fp[65];
	if (!p || !d)
		rc = MLMD_OOM();
	for (size_t i = 0; i < rq->n_params && !rc; i++) {
		p[i].key = rq->params[i]->key;
		p[i].value = rq->params[i]->value;
	}
	if (!rc) {
		if (rq->n_input_sha256)
			memcpy(d, rq->input_sha256, rq->n_input_sha256 * sizeof *d);
		rc = mlmd__track_fingerprint(type, p, rq->n_params, d, rq->n_input_sha256, fp);
	}
	free(p);
	free(d);
	if (rc)
		return rc;
	if (!(rs->fingerprint = mlmd__strdup(fp)))
		return MLMD_OOM();
	/* the string-value index finds the property rows; few runs share one */
	sqlq q;
	if ((rc = mlmd__q(c->sql, &q, "SELECT e.id FROM execution_property p JOIN execution e ON e.id = p.node_id"
			  " WHERE p.string_value = ? AND p.name = 'mlmd.fingerprint' AND p.is_custom = 1 AND e.state = ?"
			  " ORDER BY e.id DESC LIMIT 1")))
		return rc;
	mlmd__q_text(&q, 1, fp);
	mlmd__q_i64(&q, 2, MLMD__PB__EXECUTION__STATE__COMPLETE);
	int64_t run = 0;
	if ((rc = mlmd__q_step(&q)) == 1)
		run = mlmd__q_col_i64(&q, 0);
	mlmd__q_done(&q);
	if (rc < 0 || !run)
		return rc < 0 ? rc : 0;
	Mlmd__Pb__Execution *e;
	if ((rc = mlmd__track_run_load(c, 1, run, 0, &e)))
		return rc;
	rc = mlmd__track_run_message(c, e, &rs->run);
	protobuf_c_message_free_unpacked(&e->base, NULL);
	return rc;
}
