/*
 * render/chart.c - an SVG line chart of one or more series (a metric's
 * history by step; several keys or runs overlaid), drawn by the library as
 * text: no plotting dependency. `mlmd metrics --svg` draws with it.
 *
 * The picture: a title, a plot area with a frame, ticks at round numbers
 * (1, 2 or 5 times a power of ten) with their labels and light grid lines,
 * the axis titles, one polyline per unbroken stretch of each series in its
 * own colour, a dot for a point that stands alone, and a legend right of
 * the plot when there are several series.
 *
 * A point whose x or y is NaN or infinite is a gap: the line stops before
 * it and starts again after it, it never runs off towards infinity. Every
 * number is written through the locale-independent formatter (util/num.c),
 * every text is escaped for XML (invalid UTF-8 and control characters
 * replaced), and the output is bounded: a series with more points than
 * four per pixel column keeps, per column, its first, lowest, highest and
 * last point, so the line looks the same and the file stays small.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "util/base.h"

#define MAX_TEXT 200            /* bytes of a title, axis title or legend label shown */
#define CHAR_W 7.0              /* estimated width of a character at font-size 12 */
#define MAX_TICKS 40

/* Ten distinct colours (the usual categorical palette); past ten, hues a golden angle apart. */
static const char *const palette[] = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
	"#7f7f7f", "#bcbd22", "#17becf" };

static void colour(char *buf, size_t n, size_t i)
{
	if (i < sizeof palette / sizeof *palette)
		mlmd__snprintf(buf, n, "%s", palette[i]);
	else
		mlmd__snprintf(buf, n, "hsl(%d,70%%,40%%)", (int)(fmod((double)i * 137.508, 360.0)));
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = mlmd__utf8_seq_len(s, n);
	/* U+FFFE and U+FFFF are no characters XML allows */
	if (len == 3 && s[0] == 0xEF && s[1] == 0xBF && s[2] >= 0xBE)
		return 0;
	return len;
}

/* Text escaped for XML, at most MAX_TEXT bytes of it (cut at a character
 * boundary, "..." appended): & < > " ' as entities, control characters as
 * spaces, bytes that are not UTF-8 as U+FFFD. */
static void put_text(mlmd_buf *b, const char *text)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	size_t n = strlen((const char *)s), shown = 0;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_len(s + i, n - i);
		if (shown + (len ? len : 1) > MAX_TEXT) {
			mlmd__buf_puts(b, "...");
			return;
		}
		if (!len) {
			mlmd__buf_puts(b, "\xEF\xBF\xBD");
			i++, shown++;
			continue;
		}
		switch (s[i]) {
		case '&': mlmd__buf_puts(b, "&amp;"); break;
		case '<': mlmd__buf_puts(b, "&lt;"); break;
		case '>': mlmd__buf_puts(b, "&gt;"); break;
		case '"': mlmd__buf_puts(b, "&quot;"); break;
		case '\'': mlmd__buf_puts(b, "&apos;"); break;
		default:
			if (s[i] < 0x20 || s[i] == 0x7F)
				mlmd__buf_puts(b, " ");
			else
				mlmd__buf_put(b, s + i, len);
		}
		i += len, shown += len;
	}
}

/* Characters of a text as shown (UTF-8 continuation bytes not counted), for layout. */
static size_t text_chars(const char *s)
{
	size_t n = 0;
	for (; s && *s && n < MAX_TEXT; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* A coordinate: two decimals, in every locale. */
static void put_num(mlmd_buf *b, double v)
{
	char tmp[64];
	mlmd__snprintf(tmp, sizeof tmp, "%.2f", v);
	mlmd__buf_puts(b, tmp);
}

/* open, then x, y, width and height attributes, then close: the plot's frame and its clip. */
static void put_rect(mlmd_buf *b, const char *open, double x, double y, double w, double h, const char *close)
{
	mlmd__buf_puts(b, open);
	mlmd__buf_puts(b, " x=\"");
	put_num(b, x);
	mlmd__buf_puts(b, "\" y=\"");
	put_num(b, y);
	mlmd__buf_puts(b, "\" width=\"");
	put_num(b, w);
	mlmd__buf_puts(b, "\" height=\"");
	put_num(b, h);
	mlmd__buf_puts(b, "\"");
	mlmd__buf_puts(b, close);
}

/* ---- axes ----------------------------------------------------------------------------------- */

typedef struct {
	double lo, hi;                  /* the axis' range, extended to whole ticks */
	double tick[MAX_TICKS];
	char label[MAX_TICKS][32];
	int n;
	size_t widest;                  /* characters of the widest label */
} axis;

/* 1, 2 or 5 times a power of ten, near range / target. */
static double nice_step(double range, int target)
{
	double raw = range / target, mag = pow(10.0, floor(log10(raw))), f = raw / mag;
	return (f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0) * mag;
}

static void tick_label(char *buf, size_t n, double v, double step, double biggest)
{
	if (biggest < 1e7 && step >= 1e-6) {
		int decimals = step >= 1.0 ? 0 : (int)-floor(log10(step) + 1e-9);
		mlmd__snprintf(buf, n, "%.*f", decimals, v);
	} else {
		int prec = (int)(floor(log10(biggest)) - floor(log10(step))) + 2;
		mlmd__snprintf(buf, n, "%.*g", prec < 2 ? 2 : prec > 17 ? 17 : prec, v);
	}
	if (!strcmp(buf, "-0"))
		mlmd__snprintf(buf, n, "0");
}

/* The axis for finite values in [lo, hi] (lo <= hi), about `target` ticks. */
static void make_axis(axis *a, double lo, double hi, int target)
{
	if (lo == hi) {
		double pad = lo == 0.0 ? 1.0 : fabs(lo) * 0.1;
		lo -= pad, hi += pad;
	}
	a->n = 0;
	a->widest = 0;
	double step = isfinite(hi - lo) ? nice_step(hi - lo, target < 2 ? 2 : target) : 0.0;
	double first = step > 0 ? floor(lo / step) * step : 0, last = step > 0 ? ceil(hi / step) * step : 0;
	double count = step > 0 ? (last - first) / step : 0;
	if (step > 0 && isfinite(first) && isfinite(last) && first + step != first && count >= 1 &&
		count < MAX_TICKS - 1) {
		a->lo = first, a->hi = last;
		double biggest = fmax(fabs(first), fabs(last));
		for (int i = 0; i <= (int)(count + 0.5); i++) {
			double v = first + i * step;
			if (fabs(v) < step * 1e-9)
				v = 0.0;
			a->tick[a->n] = v;
			tick_label(a->label[a->n], sizeof a->label[a->n], v, step, biggest);
			a->n++;
		}
	} else {
		/* a range no round step fits (near the ends of the doubles): its two ends */
		a->lo = lo, a->hi = hi;
		a->tick[0] = lo, a->tick[1] = hi;
		mlmd__fmt_double(a->label[0], sizeof a->label[0], lo, 6);
		mlmd__fmt_double(a->label[1], sizeof a->label[1], hi, 6);
		a->n = 2;
	}
	for (int i = 0; i < a->n; i++)
		if (strlen(a->label[i]) > a->widest)
			a->widest = strlen(a->label[i]);
}

/* Where v falls on an axis drawn from p0 (at lo) to p1 (at hi). */
static double place(const axis *a, double v, double p0, double p1)
{
	double t = a->hi > a->lo ? (v / 2 - a->lo / 2) / (a->hi / 2 - a->lo / 2) : 0.5;
	return p0 + t * (p1 - p0);
}

/* ---- series ---------------------------------------------------------------------------------- */

typedef struct {
	mlmd_buf *b;
	const char *col;
	double px[4], py[4];            /* a pixel column's points, to be written */
	size_t len;                     /* points written in the open polyline */
	bool open;
	double first_x, first_y;        /* the segment's first point (a lone point becomes a dot) */
} pen;

static void pen_point(pen *p, double x, double y)
{
	if (p->len == 0) {
		p->first_x = x, p->first_y = y;
	} else {
		if (p->len == 1) {
			mlmd__buf_printf(p->b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", p->col);
			put_num(p->b, p->first_x);
			mlmd__buf_puts(p->b, ",");
			put_num(p->b, p->first_y);
			p->open = true;
		}
		mlmd__buf_puts(p->b, " ");
		put_num(p->b, x);
		mlmd__buf_puts(p->b, ",");
		put_num(p->b, y);
	}
	p->len++;
}

/* Ends the current stretch: closes its polyline, or draws its lone point as a dot. */
static void pen_break(pen *p)
{
	if (p->open)
		mlmd__buf_puts(p->b, "\"/>\n");
	else if (p->len == 1) {
		mlmd__buf_printf(p->b, "<circle r=\"2.5\" fill=\"%s\" cx=\"", p->col);
		put_num(p->b, p->first_x);
		mlmd__buf_puts(p->b, "\" cy=\"");
		put_num(p->b, p->first_y);
		mlmd__buf_puts(p->b, "\"/>\n");
	}
	p->len = 0;
	p->open = false;
}

static bool finite_point(const mlmd_chart_series *s, size_t i)
{
	return isfinite(s->y[i]) && (!s->x || isfinite(s->x[i]));
}

static double xval(const mlmd_chart_series *s, size_t i)
{
	return s->x ? s->x[i] : (double)i;
}

/* Draws one series. With `thin`, consecutive points in one pixel column are
 * reduced to the first, lowest, highest and last of them (in their order). */
static void draw_series(pen *p, const mlmd_chart_series *s, const axis *ax, const axis *ay, double x0, double x1,
	double y0, double y1, bool thin)
{
	size_t g[4], ng = 0;              /* the open pixel column's points: first, low, high, last */
	long col = 0;
	for (size_t i = 0; i <= s->n; i++) {
		bool ok = i < s->n && finite_point(s, i);
		double px = ok ? place(ax, xval(s, i), x0, x1) : 0, py = ok ? place(ay, s->y[i], y0, y1) : 0;
		long c = ok ? (long)floor(px) : 0;
		if (ng && (!ok || !thin || c != col)) {
			/* write the column's distinct points in index order */
			size_t idx[4] = { g[0], g[1] < g[2] ? g[1] : g[2], g[1] < g[2] ? g[2] : g[1], g[3] };
			for (size_t k = 0; k < 4; k++)
				if (k == 0 || idx[k] != idx[k - 1])
					pen_point(p, place(ax, xval(s, idx[k]), x0, x1), place(ay, s->y[idx[k]], y0, y1));
			ng = 0;
		}
		if (!ok) {
			pen_break(p);
			continue;
		}
		if (!ng) {
			g[0] = g[1] = g[2] = g[3] = i;
			ng = 1;
			col = c;
		} else {
			if (s->y[i] < s->y[g[1]])
				g[1] = i;
			if (s->y[i] > s->y[g[2]])
				g[2] = i;
			g[3] = i;
		}
		if (!thin) {
			/* every point as it comes */
			pen_point(p, px, py);
			ng = 0;
		}
	}
	pen_break(p);
}

/* ---- the chart --------------------------------------------------------------------------------- */

static int check(const mlmd_chart_series *series, size_t n, const mlmd_chart_options *o)
{
	if (!o)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "chart: options are required (MLMD_CHART_OPTIONS_INIT)");
	if (o->version < 1 || o->version > MLMD_CHART_OPTIONS_VERSION)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "chart: options version %u is not one this library knows (1..%d)",
			o->version, MLMD_CHART_OPTIONS_VERSION);
	if (n > MLMD_CHART_MAX_SERIES)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "chart: %zu series, at most %d are drawn in one chart", n,
			MLMD_CHART_MAX_SERIES);
	if (n && !series)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "chart: %zu series given but the array is NULL", n);
	int w = o->width ? o->width : 720, h = o->height ? o->height : 420;
	if (w < 200 || w > 10000 || h < 150 || h > 10000)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "chart: size %dx%d is outside 200x150 .. 10000x10000", w, h);
	for (size_t i = 0; i < n; i++) {
		if (series[i].n && !series[i].y)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "chart: series %zu has %zu points but no y values", i,
				series[i].n);
	}
	return 0;
}

int mlmd_chart_svg(const mlmd_chart_series *series, size_t n_series, const mlmd_chart_options *opts, char **out)
{
	if (!out)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "chart: out is NULL");
	*out = NULL;
	int rc = check(series, n_series, opts);
	if (rc)
		return rc;
	double W = opts->width ? opts->width : 720, H = opts->height ? opts->height : 420;
	const char *xt = opts->x_label ? opts->x_label : "step", *yt = opts->y_label ? opts->y_label : "value";
	bool title = opts->title && opts->title[0], legend = n_series > 1;

	/* the data's extent over its finite points */
	double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
	for (size_t s = 0; s < n_series; s++)
		for (size_t i = 0; i < series[s].n; i++)
			if (finite_point(&series[s], i)) {
				double x = xval(&series[s], i), y = series[s].y[i];
				xlo = fmin(xlo, x), xhi = fmax(xhi, x), ylo = fmin(ylo, y), yhi = fmax(yhi, y);
			}
	if (xlo > xhi)
		xlo = 0, xhi = 1, ylo = 0, yhi = 1;

	/* layout: the y labels decide the left margin, the legend the right one */
	axis ax, ay;
	double top = title ? 40 : 20, bottom = H - 50;
	make_axis(&ay, ylo, yhi, (int)((bottom - top) / 60));
	double left = 34 + CHAR_W * (double)ay.widest, right = W - 20;
	if (legend) {
		size_t widest = 9; /* "series 12" */
		for (size_t s = 0; s < n_series; s++)
			if (series[s].label && text_chars(series[s].label) > widest)
				widest = text_chars(series[s].label);
		double lw = 36 + CHAR_W * (double)widest;
		right = W - 10 - (lw < W / 3 ? lw : W / 3);
	}
	make_axis(&ax, xlo, xhi, (int)((right - left) / 90));
	double pw = right - left;

	mlmd_buf b = { 0 };
	mlmd__buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"");
	put_num(&b, W);
	mlmd__buf_puts(&b, "\" height=\"");
	put_num(&b, H);
	mlmd__buf_printf(&b, "\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", (int)W, (int)H);
	if (title) {
		mlmd__buf_puts(&b, "<title>");
		put_text(&b, opts->title);
		mlmd__buf_puts(&b, "</title>\n");
	}
	mlmd__buf_printf(&b, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", (int)W, (int)H);
	if (title) {
		mlmd__buf_puts(&b, "<text class=\"title\" x=\"");
		put_num(&b, W / 2);
		mlmd__buf_puts(&b, "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">");
		put_text(&b, opts->title);
		mlmd__buf_puts(&b, "</text>\n");
	}

	/* grid, ticks and their labels */
	mlmd__buf_puts(&b, "<g class=\"axes\" stroke=\"#333\">\n");
	for (int i = 0; i < ay.n; i++) {
		double y = place(&ay, ay.tick[i], bottom, top);
		mlmd__buf_puts(&b, "<line stroke=\"#e5e5e5\" x1=\"");
		put_num(&b, left);
		mlmd__buf_puts(&b, "\" x2=\"");
		put_num(&b, right);
		mlmd__buf_puts(&b, "\" y1=\"");
		put_num(&b, y);
		mlmd__buf_puts(&b, "\" y2=\"");
		put_num(&b, y);
		mlmd__buf_puts(&b, "\"/>\n");
	}
	for (int i = 0; i < ax.n; i++) {
		double x = place(&ax, ax.tick[i], left, right);
		mlmd__buf_puts(&b, "<line stroke=\"#e5e5e5\" x1=\"");
		put_num(&b, x);
		mlmd__buf_puts(&b, "\" x2=\"");
		put_num(&b, x);
		mlmd__buf_puts(&b, "\" y1=\"");
		put_num(&b, top);
		mlmd__buf_puts(&b, "\" y2=\"");
		put_num(&b, bottom);
		mlmd__buf_puts(&b, "\"/>\n");
	}
	put_rect(&b, "<rect fill=\"none\"", left, top, pw, bottom - top, "/>\n</g>\n");
	for (int i = 0; i < ax.n; i++) {
		double x = place(&ax, ax.tick[i], left, right);
		mlmd__buf_puts(&b, "<text class=\"xtick\" text-anchor=\"middle\" x=\"");
		put_num(&b, x);
		mlmd__buf_puts(&b, "\" y=\"");
		put_num(&b, bottom + 16);
		mlmd__buf_printf(&b, "\">%s</text>\n", ax.label[i]);
	}
	for (int i = 0; i < ay.n; i++) {
		double y = place(&ay, ay.tick[i], bottom, top);
		mlmd__buf_puts(&b, "<text class=\"ytick\" text-anchor=\"end\" x=\"");
		put_num(&b, left - 6);
		mlmd__buf_puts(&b, "\" y=\"");
		put_num(&b, y + 4);
		mlmd__buf_printf(&b, "\">%s</text>\n", ay.label[i]);
	}
	mlmd__buf_puts(&b, "<text class=\"xtitle\" text-anchor=\"middle\" x=\"");
	put_num(&b, left + pw / 2);
	mlmd__buf_puts(&b, "\" y=\"");
	put_num(&b, H - 12);
	mlmd__buf_puts(&b, "\">");
	put_text(&b, xt);
	mlmd__buf_puts(&b, "</text>\n<text class=\"ytitle\" text-anchor=\"middle\" transform=\"translate(16,");
	put_num(&b, (top + bottom) / 2);
	mlmd__buf_puts(&b, ") rotate(-90)\">");
	put_text(&b, yt);
	mlmd__buf_puts(&b, "</text>\n");

	/* the series, clipped to the plot */
	put_rect(&b, "<clipPath id=\"plot\"><rect", left, top, pw, bottom - top, "/></clipPath>\n");
	for (size_t s = 0; s < n_series && !b.oom; s++) {
		char col[32];
		colour(col, sizeof col, s);
		mlmd__buf_puts(&b, "<g class=\"series\" clip-path=\"url(#plot)\" data-label=\"");
		put_text(&b, series[s].label);
		mlmd__buf_puts(&b, "\">\n");
		pen p = { .b = &b, .col = col };
		draw_series(&p, &series[s], &ax, &ay, left, right, bottom, top, (double)series[s].n > 4 * pw);
		mlmd__buf_puts(&b, "</g>\n");
	}
	if (legend) {
		mlmd__buf_puts(&b, "<g class=\"legend\">\n");
		for (size_t s = 0; s < n_series; s++) {
			char col[32];
			colour(col, sizeof col, s);
			double y = top + 8 + 18 * (double)s;
			mlmd__buf_printf(&b, "<line stroke=\"%s\" stroke-width=\"3\" x1=\"", col);
			put_num(&b, right + 10);
			mlmd__buf_puts(&b, "\" x2=\"");
			put_num(&b, right + 30);
			mlmd__buf_puts(&b, "\" y1=\"");
			put_num(&b, y);
			mlmd__buf_puts(&b, "\" y2=\"");
			put_num(&b, y);
			mlmd__buf_puts(&b, "\"/>\n<text x=\"");
			put_num(&b, right + 36);
			mlmd__buf_puts(&b, "\" y=\"");
			put_num(&b, y + 4);
			mlmd__buf_puts(&b, "\">");
			if (series[s].label && series[s].label[0])
				put_text(&b, series[s].label);
			else
				mlmd__buf_printf(&b, "series %zu", s + 1);
			mlmd__buf_puts(&b, "</text>\n");
		}
		mlmd__buf_puts(&b, "</g>\n");
	}
	mlmd__buf_puts(&b, "</svg>\n");
	if (b.oom) {
		mlmd__buf_free(&b);
		return MLMD_OOM();
	}
	*out = b.p;
	return 0;
}
