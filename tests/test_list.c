/* tests/test_list.c - ListOperationOptions: page size, ordering, keyset tokens. */
#include "helpers.h"

static mlmd_store *s;
static int64_t t1, t2;

static int setup(void **st)
{
	(void)st;
	s = open_memory();
	t1 = artifact_type(s, "A", 0);
	t2 = artifact_type(s, "B", 0);
	for (int i = 0; i < 250; i++)
		OK(put_artifact(s, new_artifact(i % 5 == 0 ? t2 : t1, NULL), NULL));
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	mlmd_store_free(s);
	return 0;
}

/* Pages through GetArtifacts; returns the number of artifacts seen and checks order. */
static size_t walk(int field, int asc, int size, size_t *pages)
{
	Mlmd__Pb__ListOperationOptions o = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	Mlmd__Pb__ListOperationOptions__OrderByField ob = MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__INIT;
	ob.has_field = ob.has_is_asc = 1;
	ob.field = field;
	ob.is_asc = asc;
	o.order_by_field = &ob;
	o.has_max_result_size = 1;
	o.max_result_size = size;
	Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	rq.options = &o;
	size_t total = 0;
	int64_t last = asc ? 0 : INT64_MAX;
	char *tok = NULL;
	*pages = 0;
	do {
		Mlmd__Pb__GetArtifactsResponse *rs;
		o.next_page_token = tok;
		OK(mlmd_store_get_artifacts(s, &rq, &rs));
		(*pages)++;
		assert_true(rs->n_artifacts <= (size_t)(size > 100 ? 100 : size));
		for (size_t i = 0; i < rs->n_artifacts; i++) {
			int64_t id = rs->artifacts[i]->id;
			if (field == MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__ID)
				assert_true(asc ? id > last : id < last);
			last = id;
		}
		total += rs->n_artifacts;
		free(tok);
		tok = rs->next_page_token ? strdup(rs->next_page_token) : NULL;
		mlmd_message_free(rs);
	} while (tok);
	return total;
}

static void pages_cover_every_row_once_in_each_order(void **st)
{
	(void)st;
	size_t pages;
	assert_int_equal(walk(MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__ID, 1, 7, &pages), 250);
	assert_int_equal(pages, 36);
	assert_int_equal(walk(MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__ID, 0, 100, &pages), 250);
	assert_int_equal(pages, 3);
	/* all rows share a few create times: the id tie-break keeps pages exact */
	assert_int_equal(walk(MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__CREATE_TIME, 1, 9, &pages), 250);
	assert_int_equal(walk(MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__LAST_UPDATE_TIME, 0, 13, &pages), 250);
	assert_int_equal(walk(MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__ID, 1, 500, &pages), 250);
	assert_int_equal(pages, 3); /* the page size is capped at 100 */
}

static void bad_options_are_invalid_argument(void **st)
{
	(void)st;
	Mlmd__Pb__ListOperationOptions o = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *rs;
	rq.options = &o;
	o.has_max_result_size = 1;
	o.max_result_size = 0;
	FAILS(mlmd_store_get_artifacts(s, &rq, &rs), MLMD_INVALID_ARGUMENT, "max_result_size");
	o.max_result_size = 10;
	o.next_page_token = "!!!not-base64!!!";
	FAILS(mlmd_store_get_artifacts(s, &rq, &rs), MLMD_INVALID_ARGUMENT, "next_page_token");
	/* a token from an ID-ordered listing cannot continue a CREATE_TIME listing */
	o.next_page_token = NULL;
	OK(mlmd_store_get_artifacts(s, &rq, &rs));
	char *tok = strdup(rs->next_page_token);
	mlmd_message_free(rs);
	Mlmd__Pb__ListOperationOptions__OrderByField ob = MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__INIT;
	ob.has_field = 1;
	ob.field = MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__CREATE_TIME;
	o.order_by_field = &ob;
	o.next_page_token = tok;
	FAILS(mlmd_store_get_artifacts(s, &rq, &rs), MLMD_INVALID_ARGUMENT, "different order_by_field");
	free(tok);
}

static void by_type_pages_only_that_type(void **st)
{
	(void)st;
	Mlmd__Pb__ListOperationOptions o = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	Mlmd__Pb__GetArtifactsByTypeRequest rq = MLMD__PB__GET_ARTIFACTS_BY_TYPE_REQUEST__INIT;
	rq.type_name = "B";
	rq.options = &o;
	o.has_max_result_size = 1;
	o.max_result_size = 20;
	size_t total = 0;
	char *tok = NULL;
	do {
		Mlmd__Pb__GetArtifactsByTypeResponse *rs;
		o.next_page_token = tok;
		OK(mlmd_store_get_artifacts_by_type(s, &rq, &rs));
		for (size_t i = 0; i < rs->n_artifacts; i++)
			assert_int_equal(rs->artifacts[i]->type_id, t2);
		total += rs->n_artifacts;
		free(tok);
		tok = rs->next_page_token ? strdup(rs->next_page_token) : NULL;
		mlmd_message_free(rs);
	} while (tok);
	assert_int_equal(total, 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pages_cover_every_row_once_in_each_order),
		cmocka_unit_test(bad_options_are_invalid_argument),
		cmocka_unit_test(by_type_pages_only_that_type),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
