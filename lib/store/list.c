/*
 * store/list.c - paged listing of nodes (ListOperationOptions).
 *
 * Paging is keyset-based: a page token carries the order-field value and id
 * of the last row returned, and the next page starts strictly after that
 * (field, id) pair. A page therefore costs the same at row 100 and at row
 * 1,000,000, and rows inserted between pages are neither skipped nor
 * repeated. The token is web-safe base64 of ListOperationNextPageToken, as in
 * MLMD, and is valid only with the same ordering and filter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store_private.h"

#define MAX_PAGE 100

typedef struct cursor {
	int have;
	int64_t field, id;
} cursor;

static int same_options(const Mlmd__Pb__ListOperationOptions *a, const Mlmd__Pb__ListOperationOptions *b,
			int field, int asc)
{
	int bfield = MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__ID, basc = 1;
	if (b && b->order_by_field) {
		if (b->order_by_field->has_field && b->order_by_field->field)
			bfield = b->order_by_field->field;
		if (b->order_by_field->has_is_asc)
			basc = b->order_by_field->is_asc;
	}
	const char *fa = a->filter_query ? a->filter_query : "";
	const char *fb = b && b->filter_query ? b->filter_query : "";
	int na = a->has_mlmd_missing_property_is_null && a->mlmd_missing_property_is_null;
	int nb = b && b->has_mlmd_missing_property_is_null && b->mlmd_missing_property_is_null;
	return field == bfield && asc == basc && strcmp(fa, fb) == 0 && na == nb;
}

static int decode_token(const char *tok, const Mlmd__Pb__ListOperationOptions *o, int field, int asc, cursor *cur)
{
	uint8_t *raw = NULL;
	size_t n = 0;
	if (mlmd__b64_decode(tok, &raw, &n))
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "next_page_token is not a valid page token");
	Mlmd__Pb__ListOperationNextPageToken *t = NULL;
	if (!mlmd__pb_check_wire(&mlmd__pb__list_operation_next_page_token__descriptor, raw, n, MLMD_MAX_NESTING,
				 "next_page_token"))
		t = mlmd__pb__list_operation_next_page_token__unpack(NULL, n, raw);
	free(raw);
	if (!t || !t->has_id_offset) {
		if (t)
			protobuf_c_message_free_unpacked(&t->base, NULL);
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "next_page_token is not a valid page token");
	}
	int ok = same_options(o, t->set_options, field, asc);
	cur->have = 1;
	cur->id = t->id_offset;
	cur->field = t->has_field_offset ? t->field_offset : t->id_offset;
	protobuf_c_message_free_unpacked(&t->base, NULL);
	if (!ok)
		return mlmd__fail(MLMD_INVALID_ARGUMENT,
				  "next_page_token was issued for a different order_by_field or filter_query; "
				  "keep the options of the first call");
	return 0;
}

static int encode_token(const Mlmd__Pb__ListOperationOptions *o, int64_t field, int64_t id, char **out)
{
	Mlmd__Pb__ListOperationNextPageToken t = MLMD__PB__LIST_OPERATION_NEXT_PAGE_TOKEN__INIT;
	Mlmd__Pb__ListOperationOptions set = *o;
	set.next_page_token = NULL; /* the token must not embed the previous token */
	t.has_id_offset = 1;
	t.id_offset = id;
	t.has_field_offset = 1;
	t.field_offset = field;
	t.set_options = &set;
	size_t n = mlmd__pb__list_operation_next_page_token__get_packed_size(&t);
	uint8_t *raw = malloc(n + 1);
	if (!raw)
		return MLMD_OOM();
	mlmd__pb__list_operation_next_page_token__pack(&t, raw);
	*out = mlmd__b64_encode(raw, n);
	free(raw);
	return *out ? 0 : MLMD_OOM();
}

int mlmd__list_ids(call *c, const node_kind *k, const Mlmd__Pb__ListOperationOptions *o, const char *join,
		   const char *where, const int64_t *args, size_t n_args, int64_t **ids_out, size_t *n_out,
		   char **next_token)
{
	int field = MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__ID, asc = 1;
	int64_t limit = -1;
	cursor cur = { 0, 0, 0 };
	mlmd__filter f = { 0 };
	int have_filter = 0;
	int rc;
	if (o) {
		limit = o->has_max_result_size ? o->max_result_size : 20;
		if (limit <= 0)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "max_result_size must be > 0, got %lld",
					  (long long)limit);
		if (limit > MAX_PAGE)
			limit = MAX_PAGE;
		if (o->order_by_field) {
			if (o->order_by_field->has_field && o->order_by_field->field)
				field = o->order_by_field->field;
			if (o->order_by_field->has_is_asc)
				asc = o->order_by_field->is_asc;
		}
		if (o->next_page_token && *o->next_page_token &&
		    (rc = decode_token(o->next_page_token, o, field, asc, &cur)))
			return rc;
		if (o->filter_query && *o->filter_query) {
			int as_null = o->has_mlmd_missing_property_is_null && o->mlmd_missing_property_is_null;
			if ((rc = mlmd__filter_compile(k->kind, o->filter_query, as_null, &f)))
				return rc;
			have_filter = 1;
		}
	}
	const char *col = field == MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__CREATE_TIME ? "n.create_time"
			  : field == MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__LAST_UPDATE_TIME
				  ? "n.update_time"
				  : "n.id";
	int by_id = strcmp(col, "n.id") == 0;
	if (by_id && have_filter && f.id_col[0])
		col = f.id_col; /* equal to n.id through the join; see mlmd__filter */
	const char *dir = asc ? "ASC" : "DESC";
	const char *gt = asc ? ">" : "<";
	mlmd_buf sql = { 0 };
	mlmd__buf_printf(&sql, "SELECT %sn.id, %s FROM %s n%s%s%s WHERE %s", f.distinct ? "DISTINCT " : "", col,
			 k->table, join ? " " : "", join ? join : "", have_filter ? f.join.p : "",
			 where ? where : "1 = 1");
	if (have_filter)
		mlmd__buf_printf(&sql, " AND %s", f.where.p);
	if (MLMD_LIVE_ONLY(c))
		mlmd__buf_puts(&sql, " AND n.deleted_time IS NULL"); /* tombstones are in no listing */
	if (cur.have) {
		if (by_id)
			mlmd__buf_printf(&sql, " AND %s %s ?", col, gt);
		else
			mlmd__buf_printf(&sql, " AND %s %s= ? AND (%s %s ? OR n.id %s ?)", col, gt, col, gt, gt);
	}
	if (by_id)
		mlmd__buf_printf(&sql, " ORDER BY %s %s", col, dir);
	else
		mlmd__buf_printf(&sql, " ORDER BY %s %s, n.id %s", col, dir, dir);
	if (limit > 0)
		mlmd__buf_puts(&sql, " LIMIT ?");
	if (sql.oom) {
		mlmd__buf_free(&sql);
		mlmd__filter_free(&f);
		return MLMD_OOM();
	}
	sqlq q;
	rc = have_filter ? mlmd__q_dyn(c->sql, &q, sql.p) : mlmd__q(c->sql, &q, sql.p);
	mlmd__buf_free(&sql);
	if (rc) {
		mlmd__filter_free(&f);
		return rc;
	}
	int p = 1;
	mlmd__args_bind(&f.join_args, &q, &p);
	for (size_t i = 0; i < n_args; i++)
		mlmd__q_i64(&q, p++, args[i]);
	mlmd__args_bind(&f.where_args, &q, &p);
	mlmd__filter_free(&f);
	if (cur.have) {
		if (by_id) {
			mlmd__q_i64(&q, p++, cur.id);
		} else {
			mlmd__q_i64(&q, p++, cur.field);
			mlmd__q_i64(&q, p++, cur.field);
			mlmd__q_i64(&q, p++, cur.id);
		}
	}
	if (limit > 0)
		mlmd__q_i64(&q, p++, limit + 1);
	int64_t *ids = NULL, *fields = NULL;
	size_t nids = 0, nf = 0;
	while ((rc = mlmd__q_step(&q)) == 1) {
		if (mlmd__push_i64(&ids, &nids, mlmd__q_col_i64(&q, 0)) ||
		    mlmd__push_i64(&fields, &nf, mlmd__q_col_i64(&q, 1))) {
			rc = -MLMD_RESOURCE_EXHAUSTED;
			break;
		}
	}
	mlmd__q_done(&q);
	size_t take = nids;
	if (rc == 0 && limit > 0 && nids > (size_t)limit) {
		take = (size_t)limit;
		rc = encode_token(o, fields[take - 1], ids[take - 1], next_token);
	}
	free(fields);
	if (rc < 0) {
		free(ids);
		return rc;
	}
	*ids_out = ids;
	*n_out = take;
	return 0;
}

int mlmd__list_nodes(call *c, const node_kind *k, const Mlmd__Pb__ListOperationOptions *o, const char *join,
		     const char *where, const int64_t *args, size_t n_args, void ***arr, size_t *n,
		     char **next_token)
{
	int64_t *ids = NULL;
	size_t nids = 0;
	int rc = mlmd__list_ids(c, k, o, join, where, args, n_args, &ids, &nids, next_token);
	if (rc == 0)
		rc = mlmd__node_load_ids(c, k, ids, nids, 0, arr, n);
	free(ids);
	return rc;
}
