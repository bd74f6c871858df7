/*
 * Unit tests for report/bounty_html.c: the bounty page escapes every data
 * string with the reports' escaper (html_esc), so a hostile hunter name, a
 * carriage return or an invalid byte comes out exactly as it does in a
 * disparity report; a missing name shows as a dash.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "report/html.h"
#include "report/bounty_html.h"

#define HOSTILE "<script>x</script>\"'&\r\x01\xff"

static char *render(const char *hunter)
{
	cJSON *bounty = cJSON_Parse(
		"{\"id\": 3, \"metric\": \"error_rate\", \"status\": \"open\","
		" \"min_support\": 30, \"min_gap\": 0.02, \"alpha\": 0.001,"
		" \"significance\": 0.05, \"budget\": 100}");
	cJSON *board = cJSON_Parse(
		"{\"hunters\": [{\"rank\": 1, \"submissions\": 2, "
		"\"accepted\": 1, \"points\": 0.0123}], \"findings\": [],"
		" \"history\": [{\"version\": 0, \"overall_error\": 0.25}],"
		" \"decision_list\": []}");
	struct bounty_html_meta meta = { "model <m>", NULL, "data & more" };
	struct buf out = BUF_INIT, err = BUF_INIT;
	cJSON *h = cJSON_GetArrayItem(cJSON_GetObjectItem(board, "hunters"), 0);

	if (hunter)
		cJSON_AddStringToObject(h, "hunter", hunter);
	else
		cJSON_AddNullToObject(h, "hunter");
	assert_int_equal(bounty_html_render(&out, bounty, board, &meta, &err),
			 0);
	cJSON_Delete(bounty);
	cJSON_Delete(board);
	buf_release(&err);
	return buf_detach(&out, NULL);
}

static void test_bounty_html__one_escaper(void **state)
{
	struct buf want = BUF_INIT;
	char *page = render(HOSTILE);

	(void)state;
	html_esc(&want, HOSTILE);
	assert_non_null(strstr(page, want.s));
	assert_null(strstr(page, "<script>"));
	assert_null(strstr(page, "\x01"));
	assert_null(strstr(page, "\xff"));
	assert_non_null(strstr(page, "model &lt;m&gt;"));
	assert_non_null(strstr(page, "data &amp; more"));
	buf_release(&want);
	free(page);
}

static void test_bounty_html__missing_name_is_a_dash(void **state)
{
	char *page = render(NULL);

	(void)state;
	assert_non_null(strstr(page, "\xe2\x80\x94"));
	free(page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounty_html__one_escaper),
		cmocka_unit_test(test_bounty_html__missing_name_is_a_dash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
