/*
 * render/report_text.c - text made safe for the report's three contexts:
 * HTML text and quoted attribute values, JSON inside a <script> element,
 * and numbers and times written the same in every locale.
 *
 * Strings from the store are UTF-8 by contract, but a host writing through
 * the typed C API can store any bytes; the page repairs rather than
 * refuses: each invalid sequence becomes U+FFFD, as a browser would show it,
 * so one bad name does not cost the whole report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report.h"

static const char REPLACEMENT[] = "\xEF\xBF\xBD"; /* U+FFFD */

static bool is_control(const unsigned char *s, size_t len)
{
	if (len == 1)
		return (s[0] < 0x20 && s[0] != '\t' && s[0] != '\n') || s[0] == 0x7F;
	return len == 2 && s[0] == 0xC2 && s[1] < 0xA0; /* U+0080 .. U+009F */
}

void mlmd__rp_utf8(mlmd_buf *b, const char *s, size_t n, bool controls)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0; /* bytes i-run .. i are good and not yet copied */
	while (i < n) {
		size_t len = mlmd__utf8_seq_len(p + i, n - i);
		if (len && !(controls && is_control(p + i, len))) {
			i += len;
			run += len;
			continue;
		}
		mlmd__buf_put(b, s + i - run, run);
		mlmd__buf_puts(b, REPLACEMENT);
		run = 0;
		i += len ? len : 1;
	}
	mlmd__buf_put(b, s + i - run, run);
}

static void html_n(mlmd_buf *b, const char *s, size_t n)
{
	mlmd_buf t = { 0 };
	mlmd__rp_utf8(&t, s, n, true);
	size_t start = 0;
	for (size_t i = 0; i < t.len; i++) {
		const char *rep = NULL;
		switch (t.p[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		mlmd__buf_put(b, t.p + start, i - start);
		mlmd__buf_puts(b, rep);
		start = i + 1;
	}
	if (t.len > start)
		mlmd__buf_put(b, t.p + start, t.len - start);
	if (t.oom)
		b->oom = 1;
	mlmd__buf_free(&t);
}

void mlmd__rp_html(mlmd_buf *b, const char *s)
{
	if (s)
		html_n(b, s, strlen(s));
}

void mlmd__rp_html_cut(mlmd_buf *b, const char *s, size_t chars)
{
	if (!s)
		return;
	size_t n = strlen(s), i = 0, count = 0;
	while (i < n && count < chars) {
		size_t len = mlmd__utf8_seq_len((const unsigned char *)s + i, n - i);
		i += len ? len : 1;
		count++;
	}
	html_n(b, s, i);
	if (i < n)
		mlmd__buf_puts(b, "\xE2\x80\xA6"); /* … */
}

void mlmd__rp_newest_first(Mlmd__Pb__ListOperationOptions *lo, Mlmd__Pb__ListOperationOptions__OrderByField *ob,
			   int32_t max)
{
	*ob = (Mlmd__Pb__ListOperationOptions__OrderByField)MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__INIT;
	ob->has_field = ob->has_is_asc = 1;
	ob->field = MLMD__PB__LIST_OPERATION_OPTIONS__ORDER_BY_FIELD__FIELD__CREATE_TIME;
	ob->is_asc = 0;
	*lo = (Mlmd__Pb__ListOperationOptions)MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	lo->order_by_field = ob;
	lo->has_max_result_size = 1;
	lo->max_result_size = max;
}

void mlmd__rp_json_str(mlmd_json_writer *w, const char *s, size_t max)
{
	if (!s) {
		mlmd_json_string(w, "");
		return;
	}
	size_t n = strlen(s), keep = n;
	if (n > max) { /* cut on a character boundary: back off continuation bytes */
		keep = max;
		while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80)
			keep--;
	}
	mlmd_buf t = { 0 };
	mlmd__rp_utf8(&t, s, keep, false);
	if (keep < n) {
		char note[96];
		mlmd__snprintf(note, sizeof note, "\xE2\x80\xA6 (cut: %zu of %zu bytes shown)", keep, n);
		mlmd__buf_puts(&t, note);
	}
	if (t.oom)
		mlmd_json_string(w, "(out of memory)");
	else
		mlmd_json_string_len(w, t.p ? t.p : "", t.len);
	mlmd__buf_free(&t);
}

void mlmd__rp_json_embed(mlmd_buf *b, const char *json, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep = json[i] == '<' ? "\\u003c" : json[i] == '>' ? "\\u003e" : json[i] == '&' ? "\\u0026" : NULL;
		if (!rep)
			continue;
		mlmd__buf_put(b, json + start, i - start);
		mlmd__buf_puts(b, rep);
		start = i + 1;
	}
	mlmd__buf_put(b, json + start, n - start);
}

const char *mlmd__rp_time(char *buf, size_t n, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (ms <= 0 || !gmtime_r(&t, &tm)) {
		mlmd__snprintf(buf, n, "-");
		return buf;
	}
	mlmd__snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		       tm.tm_hour, tm.tm_min, tm.tm_sec);
	return buf;
}

const char *mlmd__rp_num(char *buf, size_t n, double v, int digits)
{
	mlmd_double_format(buf, n, v, digits);
	return buf;
}
