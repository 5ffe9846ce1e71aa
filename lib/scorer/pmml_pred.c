/*
 * scorer/pmml_pred.c - predicates (True, False, SimplePredicate,
 * SimpleSetPredicate, CompoundPredicate), compiled and evaluated in PMML's
 * three-valued logic.
 */
#include <string.h>
#include "pmml.h"

/* ---- predicates ----------------------------------------------------------------------------------- */

int mlmd__pmml_compile_pred(pdoc *d, const px *n, ppred **out)
{
	ppred *p = mlmd__sc_alloc(d->pool, sizeof *p);
	if (!p)
		return MLMD_OOM();
	*out = p;
	int rc = 0;
	if (!strcmp(n->name, "True")) {
		p->kind = P_TRUE;
		return 0;
	}
	if (!strcmp(n->name, "False")) {
		p->kind = P_FALSE;
		return 0;
	}
	if (!strcmp(n->name, "SimplePredicate")) {
		static const char *const ops[] = { "equal", "notEqual", "lessThan", "lessOrEqual", "greaterThan",
			"greaterOrEqual", "isMissing", "isNotMissing", NULL };
		p->kind = P_SIMPLE;
		if ((rc = mlmd__pmml_resolve(d, n, "field", &p->field)))
			return rc;
		const char *op = mlmd__px_attr(n, "operator");
		p->op = -1;
		for (int k = 0; op && ops[k]; k++)
			if (!strcmp(op, ops[k]))
				p->op = k;
		if (p->op < 0)
			return mlmd__pmml_bad(n, "unknown operator '%s'", op ? op : "");
		p->numeric = d->fields[p->field].kind == F_DOUBLE;
		if (p->op < OP_MISSING) {
			const char *v = mlmd__px_attr(n, "value");
			if (!v)
				return mlmd__pmml_bad(n, "missing attribute 'value'");
			p->value = constant(d, pstrdup(d, v), d->fields[p->field].kind);
		}
		return 0;
	}
	if (!strcmp(n->name, "SimpleSetPredicate")) {
		p->kind = P_SET;
		if ((rc = mlmd__pmml_resolve(d, n, "field", &p->field)))
			return rc;
		const char *op = mlmd__px_attr(n, "booleanOperator");
		if (!op || (strcmp(op, "isIn") && strcmp(op, "isNotIn")))
			return mlmd__pmml_bad(n, "booleanOperator must be isIn or isNotIn");
		p->is_in = !strcmp(op, "isIn");
		const px *arr = mlmd__px_child(n, "Array");
		if (!arr)
			return mlmd__pmml_bad(n, "needs an Array");
		p->numeric = d->fields[p->field].kind == F_DOUBLE;
		return mlmd__pmml_parse_array(d, arr, d->fields[p->field].kind, &p->set, &p->n);
	}
	if (!strcmp(n->name, "CompoundPredicate")) {
		const char *op = mlmd__px_attr(n, "booleanOperator");
		static const char *const ops[] = { "and", "or", "xor", "surrogate", NULL };
		int k = -1;
		for (int i = 0; op && ops[i]; i++)
			if (!strcmp(op, ops[i]))
				k = i;
		if (k < 0)
			return mlmd__pmml_bad(n, "unknown booleanOperator '%s'", op ? op : "");
		p->kind = P_AND + k;
		for (const px *c = n->first; c; c = c->next)
			p->n += !c->foreign && strcmp(c->name, "Extension") != 0;
		if (p->n < 2)
			return mlmd__pmml_bad(n, "needs at least two predicates");
		p->sub = mlmd__sc_alloc_array(d->pool, p->n, sizeof *p->sub);
		if (!p->sub)
			return MLMD_OOM();
		size_t i = 0;
		for (const px *c = n->first; c; c = c->next)
			if (!c->foreign && strcmp(c->name, "Extension") != 0 && (rc = mlmd__pmml_compile_pred(d, c, &p->sub[i++])))
				return rc;
		return 0;
	}
	return mlmd__pmml_unsupported(n, "this predicate");
}

/* Finds a node's predicate child. */
const px *mlmd__pmml_pred_child(const px *n)
{
	static const char *const kinds[] = { "True", "False", "SimplePredicate", "SimpleSetPredicate",
		"CompoundPredicate", NULL };
	for (const px *c = n->first; c; c = c->next)
		for (int k = 0; kinds[k]; k++)
			if (!c->foreign && !strcmp(c->name, kinds[k]))
				return c;
	return NULL;
}

int mlmd__pmml_eval_pred(rowctx *rc, const ppred *p)
{
	switch (p->kind) {
	case P_TRUE: return T_TRUE;
	case P_FALSE: return T_FALSE;
	case P_SIMPLE: {
		pv v = field_value(rc, p->field);
		if (p->op == OP_MISSING)
			return v.t == PV_MISSING ? T_TRUE : T_FALSE;
		if (p->op == OP_NOT_MISSING)
			return v.t != PV_MISSING ? T_TRUE : T_FALSE;
		if (v.t == PV_MISSING)
			return T_UNKNOWN;
		int ok, c = cmp_values(v, p->value, p->numeric, &ok);
		if (!ok)
			return p->op == OP_NE ? T_TRUE : T_FALSE;
		bool r;
		switch (p->op) {
		case OP_EQ: r = c == 0; break;
		case OP_NE: r = c != 0; break;
		case OP_LT: r = c < 0; break;
		case OP_LE: r = c <= 0; break;
		case OP_GT: r = c > 0; break;
		default: r = c >= 0;
		}
		return r ? T_TRUE : T_FALSE;
	}
	case P_SET: {
		pv v = field_value(rc, p->field);
		if (v.t == PV_MISSING)
			return T_UNKNOWN;
		bool in = false;
		for (size_t i = 0; i < p->n && !in; i++) {
			int ok;
			in = cmp_values(v, p->set[i], p->numeric, &ok) == 0 && ok;
		}
		return in == p->is_in ? T_TRUE : T_FALSE;
	}
	case P_AND: {
		int r = T_TRUE;
		for (size_t i = 0; i < p->n; i++) {
			int x = mlmd__pmml_eval_pred(rc, p->sub[i]);
			if (x == T_FALSE)
				return T_FALSE;
			if (x == T_UNKNOWN)
				r = T_UNKNOWN;
		}
		return r;
	}
	case P_OR: {
		int r = T_FALSE;
		for (size_t i = 0; i < p->n; i++) {
			int x = mlmd__pmml_eval_pred(rc, p->sub[i]);
			if (x == T_TRUE)
				return T_TRUE;
			if (x == T_UNKNOWN)
				r = T_UNKNOWN;
		}
		return r;
	}
	case P_XOR: {
		int r = T_FALSE;
		for (size_t i = 0; i < p->n; i++) {
			int x = mlmd__pmml_eval_pred(rc, p->sub[i]);
			if (x == T_UNKNOWN)
				return T_UNKNOWN;
			if (x == T_TRUE)
				r = r == T_TRUE ? T_FALSE : T_TRUE;
		}
		return r;
	}
	default: { /* surrogate: the first that is not UNKNOWN */
		for (size_t i = 0; i < p->n; i++) {
			int x = mlmd__pmml_eval_pred(rc, p->sub[i]);
			if (x != T_UNKNOWN)
				return x;
		}
		return T_UNKNOWN;
	}
	}
}
