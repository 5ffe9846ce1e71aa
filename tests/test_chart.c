/*
 * tests/test_chart.c - mlmd_chart_svg: the SVG is well-formed XML (parsed
 * with expat), with one polyline per unbroken stretch of a series and the
 * points it was given, ticks at round numbers with their labels, a legend
 * for several series, NaN and infinities as gaps, texts escaped, the same
 * bytes in a comma-decimal locale, empty and one-point series drawn, a long
 * series thinned to a bounded size, and its options checked.
 */
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <expat.h>
#include "helpers.h"

#define GERMAN "de_DE.UTF-8"

/* What the parser saw. */
typedef struct {
	int polylines, circles, legend_lines, legend_texts;
	int points[64];                 /* points of each polyline, in order */
	char xticks[40][32], yticks[40][32];
	int nx, ny;
	char title[512], xtitle[512], ytitle[512], legend[8][256];
	char *text;                     /* the open text element's buffer */
	size_t text_size;
	int depth_legend;               /* > 0 inside <g class="legend"> */
	int depth;
} seen;

static const char *attr(const char **a, const char *name)
{
	for (; *a; a += 2)
		if (!strcmp(a[0], name))
			return a[1];
	return NULL;
}

/* Counts the "x,y" pairs of a points attribute, checking each number is plain C syntax. */
static int count_points(const char *p)
{
	int n = 0;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		char *end;
		strtod(p, &end);
		assert_true(end > p && *end == ',');
		p = end + 1;
		strtod(p, &end);
		assert_true(end > p && (*end == ' ' || !*end));
		p = end;
		n++;
	}
	return n;
}

static void XMLCALL on_start(void *arg, const char *el, const char **a)
{
	seen *s = arg;
	s->depth++;
	const char *cls = attr(a, "class");
	s->text = NULL;
	if (!strcmp(el, "polyline")) {
		assert_true(s->polylines < 64);
		s->points[s->polylines++] = count_points(attr(a, "points"));
	} else if (!strcmp(el, "circle")) {
		s->circles++;
	} else if (!strcmp(el, "g") && cls && !strcmp(cls, "legend")) {
		s->depth_legend = s->depth;
	} else if (!strcmp(el, "line") && s->depth_legend) {
		s->legend_lines++;
	} else if (!strcmp(el, "text") && s->depth_legend) {
		if (s->legend_texts < 8) {
			s->text = s->legend[s->legend_texts];
			s->text_size = sizeof s->legend[0];
		}
		s->legend_texts++;
	} else if (!strcmp(el, "text") && cls) {
		if (!strcmp(cls, "xtick") && s->nx < 40)
			s->text = s->xticks[s->nx++], s->text_size = 32;
		else if (!strcmp(cls, "ytick") && s->ny < 40)
			s->text = s->yticks[s->ny++], s->text_size = 32;
		else if (!strcmp(cls, "title"))
			s->text = s->title, s->text_size = sizeof s->title;
		else if (!strcmp(cls, "xtitle"))
			s->text = s->xtitle, s->text_size = sizeof s->xtitle;
		else if (!strcmp(cls, "ytitle"))
			s->text = s->ytitle, s->text_size = sizeof s->ytitle;
	}
	if (s->text)
		s->text[0] = '\0';
}

static void XMLCALL on_end(void *arg, const char *el)
{
	seen *s = arg;
	(void)el;
	if (s->depth_legend == s->depth)
		s->depth_legend = 0;
	s->depth--;
	s->text = NULL;
}

static void XMLCALL on_text(void *arg, const char *t, int len)
{
	seen *s = arg;
	if (!s->text)
		return;
	size_t have = strlen(s->text);
	if (have + (size_t)len < s->text_size) {
		memcpy(s->text + have, t, (size_t)len);
		s->text[have + (size_t)len] = '\0';
	}
}

/* Parses svg; fails the test when it is not well-formed XML with an <svg> root. */
static void parse(const char *svg, seen *s)
{
	memset(s, 0, sizeof *s);
	XML_Parser p = XML_ParserCreate(NULL);
	XML_SetUserData(p, s);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetCharacterDataHandler(p, on_text);
	if (XML_Parse(p, svg, (int)strlen(svg), 1) != XML_STATUS_OK)
		fail_msg("not well-formed XML: %s at line %lu\n%s", XML_ErrorString(XML_GetErrorCode(p)),
			(unsigned long)XML_GetCurrentLineNumber(p), svg);
	XML_ParserFree(p);
	assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
}

static void two_series_with_ticks_and_legend(void **state)
{
	(void)state;
	double x[11], a[11], b[11];
	for (int i = 0; i <= 10; i++)
		x[i] = i, a[i] = 1.0 - i / 10.0, b[i] = i / 20.0;
	mlmd_chart_series sr[2] = { { "loss", x, a, 11 }, { "accuracy", x, b, 11 } };
	mlmd_chart_options o = MLMD_CHART_OPTIONS_INIT;
	o.title = "run 7";
	o.y_label = "metric";
	char *svg;
	OK(mlmd_chart_svg(sr, 2, &o, &svg));
	seen s;
	parse(svg, &s);
	assert_int_equal(s.polylines, 2);
	assert_int_equal(s.points[0], 11);
	assert_int_equal(s.points[1], 11);
	assert_int_equal(s.circles, 0);
	/* ticks at round numbers: steps 0..10 by 2, values 0..1 by 0.2 */
	assert_int_equal(s.nx, 6);
	assert_string_equal(s.xticks[0], "0");
	assert_string_equal(s.xticks[1], "2");
	assert_string_equal(s.xticks[5], "10");
	assert_int_equal(s.ny, 6);
	assert_string_equal(s.yticks[0], "0.0");
	assert_string_equal(s.yticks[1], "0.2");
	assert_string_equal(s.yticks[5], "1.0");
	assert_string_equal(s.title, "run 7");
	assert_string_equal(s.xtitle, "step");
	assert_string_equal(s.ytitle, "metric");
	/* two colours in the legend */
	assert_int_equal(s.legend_lines, 2);
	assert_int_equal(s.legend_texts, 2);
	assert_string_equal(s.legend[0], "loss");
	assert_string_equal(s.legend[1], "accuracy");
	assert_non_null(strstr(svg, "stroke=\"#1f77b4\""));
	assert_non_null(strstr(svg, "stroke=\"#ff7f0e\""));
	mlmd_buffer_free(svg);

	/* one series: no legend */
	OK(mlmd_chart_svg(sr, 1, &o, &svg));
	parse(svg, &s);
	assert_int_equal(s.polylines, 1);
	assert_int_equal(s.legend_texts, 0);
	mlmd_buffer_free(svg);
}

static void nonfinite_points_are_gaps(void **state)
{
	(void)state;
	double y[] = { 1, 2, NAN, 3, 4, INFINITY, 5, -INFINITY, 6, 7, 8 };
	double x[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, NAN, 10 };
	mlmd_chart_series sr = { "gappy", x, y, 11 };
	mlmd_chart_options o = MLMD_CHART_OPTIONS_INIT;
	char *svg;
	OK(mlmd_chart_svg(&sr, 1, &o, &svg));
	seen s;
	parse(svg, &s);
	/* [1,2] [3,4] as lines; 5, 6 and 8 alone (7's x is NaN) as dots */
	assert_int_equal(s.polylines, 2);
	assert_int_equal(s.points[0], 2);
	assert_int_equal(s.points[1], 2);
	assert_int_equal(s.circles, 3);
	/* the y axis spans the finite values only: 1..8, in round steps of 2 */
	assert_string_equal(s.yticks[0], "0");
	assert_string_equal(s.yticks[s.ny - 1], "8");
	assert_null(strstr(svg, "inf"));
	assert_null(strstr(svg, "nan"));
	mlmd_buffer_free(svg);
}

static void texts_are_escaped(void **state)
{
	(void)state;
	double y[] = { 1, 2 };
	mlmd_chart_series sr[2] = { { "a<b & \"c\" 'd'", NULL, y, 2 }, { "bad \xff\xfe utf8 \x01 ctl", NULL, y, 2 } };
	mlmd_chart_options o = MLMD_CHART_OPTIONS_INIT;
	o.title = "</svg><script>alert(1)</script>";
	o.x_label = "époch & more";
	char *svg;
	OK(mlmd_chart_svg(sr, 2, &o, &svg));
	seen s;
	parse(svg, &s);
	assert_string_equal(s.title, "</svg><script>alert(1)</script>");
	assert_string_equal(s.xtitle, "époch & more");
	assert_string_equal(s.legend[0], "a<b & \"c\" 'd'");
	assert_string_equal(s.legend[1], "bad \xEF\xBF\xBD\xEF\xBF\xBD utf8   ctl");
	assert_null(strstr(svg, "<script>"));
	mlmd_buffer_free(svg);

	/* a long text is cut at a character boundary */
	char big[1000];
	for (int i = 0; i < 499; i++)
		big[2 * i] = (char)0xC3, big[2 * i + 1] = (char)0xA9; /* é */
	big[998] = '\0';
	o.title = big;
	OK(mlmd_chart_svg(sr, 1, &o, &svg));
	parse(svg, &s);
	assert_int_equal(strlen(s.title), 200 + 3);
	assert_string_equal(s.title + 200, "...");
	mlmd_buffer_free(svg);
}

static void same_bytes_in_a_comma_decimal_locale(void **state)
{
	(void)state;
	double x[] = { 0, 1, 2, 3 }, y[] = { 0.125, 0.5, 0.25, 0.75 };
	mlmd_chart_series sr[2] = { { "a", x, y, 4 }, { "b", NULL, y, 4 } };
	mlmd_chart_options o = MLMD_CHART_OPTIONS_INIT;
	o.width = 640;
	o.height = 360;
	char *c, *german;
	assert_non_null(setlocale(LC_ALL, "C"));
	OK(mlmd_chart_svg(sr, 2, &o, &c));
	if (!setlocale(LC_ALL, GERMAN))
		fail_msg("locale %s is not available (LOCPATH=%s): `make check` builds it with localedef", GERMAN,
			getenv("LOCPATH") ? getenv("LOCPATH") : "unset");
	char probe[16];
	snprintf(probe, sizeof probe, "%.1f", 1.5);
	assert_string_equal(probe, "1,5");
	OK(mlmd_chart_svg(sr, 2, &o, &german));
	setlocale(LC_ALL, "C");
	assert_string_equal(c, german);
	seen s;
	parse(german, &s);
	assert_int_equal(s.points[0], 4);
	assert_string_equal(s.yticks[1], "0.2");
	assert_non_null(strstr(c, "width=\"640.00\""));
	mlmd_buffer_free(c);
	mlmd_buffer_free(german);
}

static void empty_and_single_point_series(void **state)
{
	(void)state;
	mlmd_chart_options o = MLMD_CHART_OPTIONS_INIT;
	char *svg;
	seen s;
	/* no series at all: axes 0..1 */
	OK(mlmd_chart_svg(NULL, 0, &o, &svg));
	parse(svg, &s);
	assert_int_equal(s.polylines + s.circles, 0);
	assert_string_equal(s.yticks[0], "0.0");
	assert_string_equal(s.xticks[s.nx - 1], "1.0");
	mlmd_buffer_free(svg);
	/* an empty series and a one-point series: a dot, both in the legend */
	double x1[] = { 5 }, y1[] = { 0.3 };
	mlmd_chart_series sr[3] = { { "empty", NULL, NULL, 0 }, { "one", x1, y1, 1 }, { NULL, NULL, NULL, 0 } };
	OK(mlmd_chart_svg(sr, 3, &o, &svg));
	parse(svg, &s);
	assert_int_equal(s.polylines, 0);
	assert_int_equal(s.circles, 1);
	assert_int_equal(s.legend_texts, 3);
	assert_string_equal(s.legend[2], "series 3");
	/* one value: the axis is widened around it, ticks still round */
	assert_true(s.ny >= 2);
	assert_true(s.nx >= 2);
	mlmd_buffer_free(svg);
	/* only non-finite values: nothing drawn */
	double yn[] = { NAN, INFINITY };
	mlmd_chart_series nan_only = { "nan", NULL, yn, 2 };
	OK(mlmd_chart_svg(&nan_only, 1, &o, &svg));
	parse(svg, &s);
	assert_int_equal(s.polylines + s.circles, 0);
	mlmd_buffer_free(svg);
	/* huge and tiny ranges still make labels */
	double yh[] = { -1e308, 1e308 }, yt[] = { 1e-300, 3e-300 };
	mlmd_chart_series ext[2] = { { "huge", NULL, yh, 2 }, { "tiny", NULL, yt, 2 } };
	OK(mlmd_chart_svg(&ext[0], 1, &o, &svg));
	parse(svg, &s);
	assert_int_equal(s.points[0], 2);
	assert_true(s.ny >= 2);
	mlmd_buffer_free(svg);
	OK(mlmd_chart_svg(&ext[1], 1, &o, &svg));
	parse(svg, &s);
	assert_int_equal(s.points[0], 2);
	assert_true(s.ny >= 2 && strchr(s.yticks[1], 'e'));
	mlmd_buffer_free(svg);
}

static void long_series_are_thinned(void **state)
{
	(void)state;
	size_t n = 200000;
	double *y = malloc(n * sizeof *y);
	for (size_t i = 0; i < n; i++)
		y[i] = sin((double)i / 1000.0) + (i == 123457 ? 5.0 : 0.0);
	mlmd_chart_series sr = { "long", NULL, y, n };
	mlmd_chart_options o = MLMD_CHART_OPTIONS_INIT;
	char *svg;
	OK(mlmd_chart_svg(&sr, 1, &o, &svg));
	seen s;
	parse(svg, &s);
	assert_int_equal(s.polylines, 1);
	/* at most four points per pixel column of a 720-pixel chart, and more than one per column */
	assert_true(s.points[0] <= 4 * 720);
	assert_true(s.points[0] >= 600);
	assert_true(strlen(svg) < 100000);
	/* the spike survives the thinning: the axis reaches 6 */
	assert_string_equal(s.yticks[s.ny - 1], "6");
	mlmd_buffer_free(svg);
	free(y);
}

static void options_are_checked(void **state)
{
	(void)state;
	double y[] = { 1 };
	mlmd_chart_series sr = { "a", NULL, y, 1 };
	mlmd_chart_options o = MLMD_CHART_OPTIONS_INIT;
	char *svg = (char *)"untouched";
	FAILS(mlmd_chart_svg(&sr, 1, NULL, &svg), MLMD_INVALID_ARGUMENT, "options are required");
	assert_null(svg);
	o.version = 0;
	FAILS(mlmd_chart_svg(&sr, 1, &o, &svg), MLMD_INVALID_ARGUMENT, "version 0");
	o.version = MLMD_CHART_OPTIONS_VERSION + 1;
	FAILS(mlmd_chart_svg(&sr, 1, &o, &svg), MLMD_INVALID_ARGUMENT, "version");
	o.version = MLMD_CHART_OPTIONS_VERSION;
	o.width = 50;
	FAILS(mlmd_chart_svg(&sr, 1, &o, &svg), MLMD_INVALID_ARGUMENT, "size 50x420");
	o.width = 0;
	o.height = 20000;
	FAILS(mlmd_chart_svg(&sr, 1, &o, &svg), MLMD_INVALID_ARGUMENT, "outside");
	o.height = 0;
	mlmd_chart_series many[MLMD_CHART_MAX_SERIES + 1];
	for (int i = 0; i <= MLMD_CHART_MAX_SERIES; i++)
		many[i] = sr;
	FAILS(mlmd_chart_svg(many, MLMD_CHART_MAX_SERIES + 1, &o, &svg), MLMD_INVALID_ARGUMENT, "at most 64");
	OK(mlmd_chart_svg(many, MLMD_CHART_MAX_SERIES, &o, &svg));
	seen s;
	parse(svg, &s);
	assert_int_equal(s.circles, MLMD_CHART_MAX_SERIES);
	/* past the palette, colours stay distinct */
	assert_non_null(strstr(svg, "hsl("));
	mlmd_buffer_free(svg);
	mlmd_chart_series no_y = { "a", NULL, NULL, 3 };
	FAILS(mlmd_chart_svg(&no_y, 1, &o, &svg), MLMD_INVALID_ARGUMENT, "no y values");
	FAILS(mlmd_chart_svg(NULL, 2, &o, &svg), MLMD_INVALID_ARGUMENT, "NULL");
	FAILS(mlmd_chart_svg(&sr, 1, &o, NULL), MLMD_INVALID_ARGUMENT, "out");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_series_with_ticks_and_legend),
		cmocka_unit_test(nonfinite_points_are_gaps),
		cmocka_unit_test(texts_are_escaped),
		cmocka_unit_test(same_bytes_in_a_comma_decimal_locale),
		cmocka_unit_test(empty_and_single_point_series),
		cmocka_unit_test(long_series_are_thinned),
		cmocka_unit_test(options_are_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
