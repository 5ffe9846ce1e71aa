/*
 * render/report_layout.c - a layered ("Sugiyama") layout of a directed
 * graph, left to right, for the report's lineage picture:
 *
 *  1. cycles: a depth-first search in index order turns round the edges
 *     that point back to a node still on its stack (lineage is a DAG in
 *     practice, but an execution may read and write the same artifact);
 *  2. layers: longest path from the sources (every edge then goes at least
 *     one layer right), and each source moved right to sit one layer before
 *     its nearest successor, so an input read late is drawn next to its
 *     reader rather than at the far left;
 *  3. an edge that spans several layers gets a virtual node in each layer
 *     it crosses (at most VIRTUAL_CAP in all; past that an edge is drawn
 *     straight and takes no part in the ordering);
 *  4. order within layers: barycenter sweeps, down then up, ITERATIONS in
 *     all; after each the crossings are counted (by sorting each layer
 *     pair's segments and counting inversions with a Fenwick tree) and the
 *     best order seen is kept;
 *  5. heights: each node aims at the mean height of its neighbours in the
 *     layer before (then after), and the layer is placed as near those aims
 *     as the minimum gaps allow: isotonic regression by pool-adjacent-
 *     violators, exact in O(nodes).
 * Ties are broken by current position, sorts are stable merges: the same
 * graph always gives the same picture.
 */
#include <stdlib.h>
#include <string.h>
#include "report.h"

#define VIRTUAL_CAP 20000
#define ITERATIONS 24
#define GAP_X 64.0
#define GAP_Y 22.0
#define MARGIN 24.0
#define VIRTUAL_H 6.0

typedef struct {
	size_t nv;              /* real and virtual nodes */
	int *layer;             /* nv */
	double *h, *y, *key;    /* nv */
	int *pos;               /* nv: position within its layer */
	size_t *up_first, *dn_first; /* nv + 1 */
	int *up, *dn;           /* neighbours in the layer before / after */
	int nl;
	size_t *lay_first;      /* nl + 1 */
	int *lay;               /* nodes by layer, in order */
	int *tmp;
	int64_t *bit;
} work;

static void *xcalloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

/* Stable merge sort of v[0..k) by (key, pos). */
static void sort_layer(int *v, size_t k, int *tmp, const double *key, const int *pos)
{
	for (size_t width = 1; width < k; width *= 2) {
		for (size_t lo = 0; lo < k; lo += 2 * width) {
			size_t mid = lo + width < k ? lo + width : k, hi = lo + 2 * width < k ? lo + 2 * width : k;
			size_t i = lo, j = mid, o = lo;
			while (i < mid && j < hi) {
				int a = v[i], b = v[j];
				bool take_b = key[b] < key[a] || (key[b] == key[a] && pos[b] < pos[a]);
				tmp[o++] = take_b ? v[j++] : v[i++];
			}
			while (i < mid)
				tmp[o++] = v[i++];
			while (j < hi)
				tmp[o++] = v[j++];
		}
		memcpy(v, tmp, k * sizeof *v);
	}
}

/* Crossings between layer l and l + 1. */
static int64_t crossings_at(work *w, int l)
{
	size_t nb = w->lay_first[l + 2] - w->lay_first[l + 1];
	memset(w->bit, 0, (nb + 1) * sizeof *w->bit);
	int64_t total = 0, inserted = 0;
	for (size_t i = w->lay_first[l]; i < w->lay_first[l + 1]; i++) {
		int u = w->lay[i];
		size_t a = w->dn_first[u], b = w->dn_first[u + 1];
		/* this node's segments by their lower end's position (insertion sort: degrees are small) */
		for (size_t k = a; k < b; k++)
			w->tmp[k - a] = w->pos[w->dn[k]];
		for (size_t k = 1; k < b - a; k++)
			for (size_t j = k; j > 0 && w->tmp[j - 1] > w->tmp[j]; j--) {
				int t = w->tmp[j];
				w->tmp[j] = w->tmp[j - 1];
				w->tmp[j - 1] = t;
			}
		/* each segment crosses those inserted before it whose lower end is further down */
		for (size_t k = 0; k < b - a; k++) {
			int p = w->tmp[k];
			int64_t le = 0;
			for (int q = p + 1; q > 0; q -= q & -q)
				le += w->bit[q];
			total += inserted - le;
		}
		for (size_t k = 0; k < b - a; k++) {
			for (size_t q = (size_t)w->tmp[k] + 1; q <= nb; q += q & -q)
				w->bit[q]++;
			inserted++;
		}
	}
	return total;
}

static int64_t crossings(work *w)
{
	int64_t c = 0;
	for (int l = 0; l + 1 < w->nl; l++)
		c += crossings_at(w, l);
	return c;
}

/* One barycenter sweep: down (each layer by its upper neighbours) or up. */
static void sweep(work *w, bool down)
{
	for (int s = 1; s < w->nl; s++) {
		int l = down ? s : w->nl - 1 - s;
		size_t a = w->lay_first[l], b = w->lay_first[l + 1];
		for (size_t i = a; i < b; i++) {
			int v = w->lay[i];
			size_t f = down ? w->up_first[v] : w->dn_first[v], e = down ? w->up_first[v + 1] : w->dn_first[v + 1];
			const int *nb = down ? w->up : w->dn;
			double sum = 0;
			for (size_t k = f; k < e; k++)
				sum += w->pos[nb[k]];
			w->key[v] = e > f ? sum / (double)(e - f) : w->pos[v];
		}
		sort_layer(w->lay + a, b - a, w->tmp, w->key, w->pos);
		for (size_t i = a; i < b; i++)
			w->pos[w->lay[i]] = (int)(i - a);
	}
}

/* Places one layer's nodes (in order) as near their aims key[] as the gaps
 * allow: with c_i the least offset of node i from node 0, q_i = y_i - c_i
 * must not decrease; the least-squares q is the isotonic regression of
 * key_i - c_i, which pool-adjacent-violators gives. */
static void place_layer(work *w, int l, double *c, double *bsum, size_t *bcnt)
{
	size_t a = w->lay_first[l], k = w->lay_first[l + 1] - a, nb = 0;
	if (!k)
		return;
	c[0] = 0;
	for (size_t i = 1; i < k; i++)
		c[i] = c[i - 1] + (w->h[w->lay[a + i - 1]] + w->h[w->lay[a + i]]) / 2 + GAP_Y;
	for (size_t i = 0; i < k; i++) {
		bsum[nb] = w->key[w->lay[a + i]] - c[i];
		bcnt[nb++] = 1;
		while (nb > 1 && bsum[nb - 2] / (double)bcnt[nb - 2] > bsum[nb - 1] / (double)bcnt[nb - 1]) {
			bsum[nb - 2] += bsum[nb - 1];
			bcnt[nb - 2] += bcnt[nb - 1];
			nb--;
		}
	}
	size_t i = 0;
	for (size_t blk = 0; blk < nb; blk++) {
		double q = bsum[blk] / (double)bcnt[blk];
		for (size_t j = 0; j < bcnt[blk]; j++, i++)
			w->y[w->lay[a + i]] = q + c[i];
	}
}

static void heights(work *w)
{
	size_t widest = 1;
	for (int l = 0; l < w->nl; l++) {
		size_t k = w->lay_first[l + 1] - w->lay_first[l];
		widest = k > widest ? k : widest;
		double y = 0;
		for (size_t i = w->lay_first[l]; i < w->lay_first[l + 1]; i++) {
			int v = w->lay[i];
			if (i > w->lay_first[l])
				y += (w->h[w->lay[i - 1]] + w->h[v]) / 2 + GAP_Y;
			w->y[v] = y;
		}
	}
	double *c = malloc(widest * sizeof *c), *bsum = malloc(widest * sizeof *bsum);
	size_t *bcnt = malloc(widest * sizeof *bcnt);
	if (!c || !bsum || !bcnt)
		goto out; /* the stacked heights above are a layout too */
	for (int pass = 0; pass < 8; pass++) {
		bool down = pass % 2 == 0;
		for (int s = 0; s < w->nl; s++) {
			int l = down ? s : w->nl - 1 - s;
			for (size_t i = w->lay_first[l]; i < w->lay_first[l + 1]; i++) {
				int v = w->lay[i];
				size_t f = down ? w->up_first[v] : w->dn_first[v], e = down ? w->up_first[v + 1] : w->dn_first[v + 1];
				const int *nb = down ? w->up : w->dn;
				double sum = 0;
				for (size_t q = f; q < e; q++)
					sum += w->y[nb[q]];
				w->key[v] = e > f ? sum / (double)(e - f) : w->y[v];
			}
			place_layer(w, l, c, bsum, bcnt);
		}
	}
out:
	free(c);
	free(bsum);
	free(bcnt);
}

void mlmd__rp_layout_free(rp_layout *l)
{
	if (!l)
		return;
	free(l->layer);
	free(l->x);
	free(l->y);
	free(l->reversed);
	free(l->first);
	free(l->pt_x);
	free(l->pt_y);
	memset(l, 0, sizeof *l);
}

static void work_free(work *w)
{
	free(w->layer);
	free(w->h);
	free(w->y);
	free(w->key);
	free(w->pos);
	free(w->up_first);
	free(w->dn_first);
	free(w->up);
	free(w->dn);
	free(w->lay_first);
	free(w->lay);
	free(w->tmp);
	free(w->bit);
}

int mlmd__rp_layout_run(size_t n, const int *from, const int *to, size_t m, double node_w, double node_h, rp_layout *out)
{
	memset(out, 0, sizeof *out);
	for (size_t j = 0; j < m; j++)
		if (from[j] < 0 || to[j] < 0 || (size_t)from[j] >= n || (size_t)to[j] >= n)
			return mlmd__fail(MLMD_INVALID_ARGUMENT, "layout: edge %zu names a node out of range", j);
	if (n > (size_t)INT32_MAX / 4 || m > (size_t)INT32_MAX / 4)
		return mlmd__fail(MLMD_INVALID_ARGUMENT, "layout: too many nodes or edges");
	int rc = 0;
	work w;
	memset(&w, 0, sizeof w);
	size_t *out_first = xcalloc(n + 1, sizeof *out_first), *chain_first = xcalloc(m + 1, sizeof *chain_first);
	int *out_edge = xcalloc(m, sizeof *out_edge), *state = xcalloc(n, sizeof *state);
	int *stack = xcalloc(n, sizeof *stack), *tail = xcalloc(m, sizeof *tail), *head = xcalloc(m, sizeof *head);
	size_t *next = xcalloc(n, sizeof *next), *fill = xcalloc(n + 1, sizeof *fill);
	int *indeg = xcalloc(n, sizeof *indeg), *topo = xcalloc(n, sizeof *topo), *layer = xcalloc(n, sizeof *layer);
	int *chain = NULL;
	out->n = n;
	out->m = m;
	out->layer = xcalloc(n, sizeof *out->layer);
	out->x = xcalloc(n, sizeof *out->x);
	out->y = xcalloc(n, sizeof *out->y);
	out->reversed = xcalloc(m, sizeof *out->reversed);
	out->first = xcalloc(m + 1, sizeof *out->first);
	if (!out_first || !chain_first || !out_edge || !state || !stack || !tail || !head || !next || !fill || !indeg ||
	    !topo || !layer || !out->layer || !out->x || !out->y || !out->reversed || !out->first) {
		rc = MLMD_OOM();
		goto done;
	}
	/* 1. the edges out of each node, in edge order; back edges of a DFS turned round */
	for (size_t j = 0; j < m; j++)
		out_first[from[j] + 1]++;
	for (size_t i = 0; i < n; i++)
		out_first[i + 1] += out_first[i];
	for (size_t j = 0; j < m; j++)
		out_edge[out_first[from[j]] + fill[from[j]]++] = (int)j;
	for (size_t root = 0; root < n; root++) {
		if (state[root])
			continue;
		size_t depth = 0;
		stack[depth++] = (int)root;
		state[root] = 1;
		next[root] = out_first[root];
		while (depth) {
			int u = stack[depth - 1];
			if (next[u] == out_first[u + 1]) {
				state[u] = 2;
				depth--;
				continue;
			}
			int e = out_edge[next[u]++], v = to[e];
			if (v == u)
				continue;
			if (state[v] == 1)
				out->reversed[e] = 1;
			else if (state[v] == 0) {
				state[v] = 1;
				next[v] = out_first[v];
				stack[depth++] = v;
			}
		}
	}
	for (size_t j = 0; j < m; j++) {
		tail[j] = out->reversed[j] ? to[j] : from[j];
		head[j] = out->reversed[j] ? from[j] : to[j];
	}
	/* 2. longest-path layers in a topological order (Kahn's, FIFO, index order) */
	for (size_t j = 0; j < m; j++)
		if (tail[j] != head[j])
			indeg[head[j]]++;
	/* the DAG's out-edges: rebuild out_first / out_edge by tail */
	memset(out_first, 0, (n + 1) * sizeof *out_first);
	memset(fill, 0, (n + 1) * sizeof *fill);
	for (size_t j = 0; j < m; j++)
		out_first[tail[j] + 1]++;
	for (size_t i = 0; i < n; i++)
		out_first[i + 1] += out_first[i];
	for (size_t j = 0; j < m; j++)
		out_edge[out_first[tail[j]] + fill[tail[j]]++] = (int)j;
	size_t qh = 0, qt = 0;
	int *deg = state; /* reused: in-degrees left */
	for (size_t i = 0; i < n; i++) {
		deg[i] = indeg[i];
		if (!deg[i])
			topo[qt++] = (int)i;
	}
	while (qh < qt) {
		int u = topo[qh++];
		for (size_t k = out_first[u]; k < out_first[u + 1]; k++) {
			int e = out_edge[k], v = head[e];
			if (v == u)
				continue;
			if (layer[v] < layer[u] + 1)
				layer[v] = layer[u] + 1;
			if (--deg[v] == 0)
				topo[qt++] = v;
		}
	}
	for (size_t i = qt; i > 0; i--) { /* sources next to their nearest successor */
		int u = topo[i - 1], best = -1;
		if (indeg[u])
			continue;
		for (size_t k = out_first[u]; k < out_first[u + 1]; k++) {
			int v = head[out_edge[k]];
			if (v != u && (best < 0 || layer[v] < best))
				best = layer[v];
		}
		if (best > 0)
			layer[u] = best - 1;
	}
	int minl = n ? layer[0] : 0, maxl = 0;
	for (size_t i = 0; i < n; i++)
		minl = layer[i] < minl ? layer[i] : minl;
	for (size_t i = 0; i < n; i++) {
		layer[i] -= minl;
		maxl = layer[i] > maxl ? layer[i] : maxl;
	}
	/* 3. virtual nodes along long edges */
	size_t nv = n, nchain = 0;
	for (size_t j = 0; j < m; j++) {
		size_t span = tail[j] == head[j] ? 0 : (size_t)(layer[head[j]] - layer[tail[j]]);
		size_t add = span > 1 && nv - n + span - 1 <= VIRTUAL_CAP ? span - 1 : 0;
		nv += add;
		chain_first[j + 1] = chain_first[j] + (tail[j] == head[j] ? 0 : 2 + add);
	}
	nchain = chain_first[m];
	chain = xcalloc(nchain, sizeof *chain);
	w.nv = nv;
	w.nl = n ? maxl + 1 : 0;
	w.layer = xcalloc(nv, sizeof *w.layer);
	w.h = xcalloc(nv, sizeof *w.h);
	w.y = xcalloc(nv, sizeof *w.y);
	w.key = xcalloc(nv, sizeof *w.key);
	w.pos = xcalloc(nv, sizeof *w.pos);
	w.up_first = xcalloc(nv + 2, sizeof *w.up_first);
	w.dn_first = xcalloc(nv + 2, sizeof *w.dn_first);
	w.up = xcalloc(nchain, sizeof *w.up);
	w.dn = xcalloc(nchain, sizeof *w.dn);
	w.lay_first = xcalloc((size_t)w.nl + 2, sizeof *w.lay_first);
	w.lay = xcalloc(nv, sizeof *w.lay);
	w.tmp = xcalloc(nv + nchain, sizeof *w.tmp);
	w.bit = xcalloc(nv + 2, sizeof *w.bit);
	if (!chain || !w.layer || !w.h || !w.y || !w.key || !w.pos || !w.up_first || !w.dn_first || !w.up || !w.dn ||
	    !w.lay_first || !w.lay || !w.tmp || !w.bit) {
		rc = MLMD_OOM();
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		w.layer[i] = layer[i];
		w.h[i] = node_h;
	}
	size_t vnext = n;
	for (size_t j = 0; j < m; j++) {
		size_t a = chain_first[j], len = chain_first[j + 1] - a;
		if (!len)
			continue;
		chain[a] = tail[j];
		for (size_t k = 1; k + 1 < len; k++) {
			w.layer[vnext] = layer[tail[j]] + (int)k;
			w.h[vnext] = VIRTUAL_H;
			chain[a + k] = (int)vnext++;
		}
		chain[a + len - 1] = head[j];
	}
	/* segments between adjacent layers, as neighbour lists */
	for (size_t j = 0; j < m; j++)
		for (size_t k = chain_first[j]; k + 1 < chain_first[j + 1]; k++) {
			int u = chain[k], v = chain[k + 1];
			if (w.layer[v] != w.layer[u] + 1)
				continue; /* a long edge past the cap */
			w.dn_first[u + 1]++;
			w.up_first[v + 1]++;
		}
	for (size_t i = 0; i < nv; i++) {
		w.dn_first[i + 1] += w.dn_first[i];
		w.up_first[i + 1] += w.up_first[i];
	}
	{
		size_t *fd = xcalloc(nv + 1, sizeof *fd), *fu = xcalloc(nv + 1, sizeof *fu);
		if (!fd || !fu) {
			free(fd);
			free(fu);
			rc = MLMD_OOM();
			goto done;
		}
		for (size_t j = 0; j < m; j++)
			for (size_t k = chain_first[j]; k + 1 < chain_first[j + 1]; k++) {
				int u = chain[k], v = chain[k + 1];
				if (w.layer[v] != w.layer[u] + 1)
					continue;
				w.dn[w.dn_first[u] + fd[u]++] = v;
				w.up[w.up_first[v] + fu[v]++] = u;
			}
		free(fd);
		free(fu);
	}
	/* 4. order: nodes by layer, then index; sweeps keep the best */
	for (size_t i = 0; i < nv; i++)
		w.lay_first[w.layer[i] + 1]++;
	for (int l = 0; l < w.nl; l++)
		w.lay_first[l + 1] += w.lay_first[l];
	{
		size_t *f = xcalloc((size_t)w.nl + 1, sizeof *f);
		int *best = xcalloc(nv, sizeof *best);
		if (!f || !best) {
			free(f);
			free(best);
			rc = MLMD_OOM();
			goto done;
		}
		for (size_t i = 0; i < nv; i++) {
			int l = w.layer[i];
			w.pos[i] = (int)f[l];
			w.lay[w.lay_first[l] + f[l]++] = (int)i;
		}
		memcpy(best, w.lay, nv * sizeof *best);
		int64_t best_c = crossings(&w);
		for (int it = 0; it < ITERATIONS && best_c > 0; it++) {
			sweep(&w, it % 2 == 0);
			int64_t c = crossings(&w);
			if (c < best_c) {
				best_c = c;
				memcpy(best, w.lay, nv * sizeof *best);
			}
		}
		memcpy(w.lay, best, nv * sizeof *best);
		for (int l = 0; l < w.nl; l++)
			for (size_t i = w.lay_first[l]; i < w.lay_first[l + 1]; i++)
				w.pos[w.lay[i]] = (int)(i - w.lay_first[l]);
		free(f);
		free(best);
	}
	/* 5. coordinates */
	heights(&w);
	double top = 0, bottom = 0;
	for (size_t i = 0; i < nv; i++) {
		double t = w.y[i] - w.h[i] / 2, b = w.y[i] + w.h[i] / 2;
		top = i == 0 || t < top ? t : top;
		bottom = i == 0 || b > bottom ? b : bottom;
	}
	double shift = MARGIN - top;
	out->layers = w.nl;
	out->width = 2 * MARGIN + (w.nl ? w.nl * node_w + (w.nl - 1) * GAP_X : 0);
	out->height = 2 * MARGIN + (nv ? bottom - top : 0);
	for (size_t i = 0; i < n; i++) {
		out->layer[i] = w.layer[i];
		out->x[i] = MARGIN + node_w / 2 + w.layer[i] * (node_w + GAP_X);
		out->y[i] = w.y[i] + shift;
	}
	out->pt_x = xcalloc(nchain, sizeof *out->pt_x);
	out->pt_y = xcalloc(nchain, sizeof *out->pt_y);
	if (!out->pt_x || !out->pt_y) {
		rc = MLMD_OOM();
		goto done;
	}
	for (size_t j = 0; j < m; j++) {
		size_t a = chain_first[j], len = chain_first[j + 1] - a;
		out->first[j + 1] = chain_first[j + 1];
		for (size_t k = 0; k < len; k++) {
			int v = chain[a + k];
			double x = MARGIN + node_w / 2 + w.layer[v] * (node_w + GAP_X);
			if (k == 0)
				x += node_w / 2;
			else if (k + 1 == len)
				x -= node_w / 2;
			/* a reversed edge is drawn from its own tail: the points backwards */
			size_t at = out->reversed[j] ? a + len - 1 - k : a + k;
			out->pt_x[at] = x;
			out->pt_y[at] = w.y[v] + shift;
		}
	}
done:
	free(out_first);
	free(chain_first);
	free(out_edge);
	free(state);
	free(stack);
	free(tail);
	free(head);
	free(next);
	free(fill);
	free(indeg);
	free(topo);
	free(layer);
	free(chain);
	work_free(&w);
	if (rc)
		mlmd__rp_layout_free(out);
	return rc;
}
