/*
 * render/report_graph.c - the report's lineage graph: the chosen node's
 * lineage upstream and downstream (two GetLineageSubgraph walks, at most
 * max_nodes nodes between them), each live node's effective labels, laid
 * out by report_layout.c and drawn as inline SVG: artifacts as pills,
 * executions as boxes, labelled nodes with a red badge, tombstones dashed
 * and grey, the centre outlined. The nodes' details (properties, labels,
 * deletion) go into a <script type="application/json"> block that the
 * page's script shows in the side panel when a node is clicked.
 */
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "util/pbutil.h"

#define NODE_W 164.0
#define NODE_H 46.0

typedef struct {
	int exec;                   /* 1 execution, 0 artifact */
	const void *msg;            /* Mlmd__Pb__Artifact / Execution, borrowed from the walks */
	int64_t id, type_id;
	const char *type;
	mlmd_label_list *labels;    /* NULL for a tombstone */
} gnode;

typedef struct {
	gnode *v;
	size_t n;
	const Mlmd__Pb__Event **ev;
	size_t nev;
	int *from, *to;             /* layout edges (deduplicated node pairs) */
	size_t m;
	Mlmd__Pb__GetLineageSubgraphResponse *rs[2];
	bool partial;
} graph;

static int walk(mlmd_store *s, int exec, int64_t id, int direction, int64_t max_nodes,
		Mlmd__Pb__GetLineageSubgraphResponse **rs)
{
	char filter[64];
	mlmd__snprintf(filter, sizeof filter, "id = %lld", (long long)id);
	Mlmd__Pb__LineageSubgraphQueryOptions__StartingNodes sn = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES__INIT;
	sn.filter_query = filter;
	Mlmd__Pb__LineageSubgraphQueryOptions qo = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__INIT;
	qo.starting_nodes_case = exec ? MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_EXECUTIONS :
		MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_ARTIFACTS;
	qo.starting_artifacts = &sn;
	qo.has_max_num_hops = 1;
	qo.max_num_hops = 20;
	qo.has_direction = 1;
	qo.direction = direction;
	qo.has_mlmd_max_nodes = 1;
	qo.mlmd_max_nodes = max_nodes;
	Mlmd__Pb__GetLineageSubgraphRequest rq = MLMD__PB__GET_LINEAGE_SUBGRAPH_REQUEST__INIT;
	rq.lineage_subgraph_query_options = &qo;
	return mlmd_store_get_lineage_subgraph(s, &rq, rs);
}

static int cmp_node(const void *x, const void *y)
{
	const gnode *a = x, *b = y;
	if (a->exec != b->exec)
		return a->exec - b->exec;
	return a->id < b->id ? -1 : a->id > b->id;
}

static int cmp_event(const void *x, const void *y)
{
	const Mlmd__Pb__Event *a = *(const Mlmd__Pb__Event *const *)x, *b = *(const Mlmd__Pb__Event *const *)y;
	if (a->execution_id != b->execution_id)
		return a->execution_id < b->execution_id ? -1 : 1;
	if (a->artifact_id != b->artifact_id)
		return a->artifact_id < b->artifact_id ? -1 : 1;
	int ta = a->has_type ? a->type : 0, tb = b->has_type ? b->type : 0;
	return ta < tb ? -1 : ta > tb;
}

static int find(const graph *g, int exec, int64_t id)
{
	gnode key = { exec, NULL, id, 0, NULL, NULL };
	const gnode *hit = bsearch(&key, g->v, g->n, sizeof *g->v, cmp_node);
	return hit ? (int)(hit - g->v) : -1;
}

static const char *type_name(const graph *g, int exec, int64_t type_id)
{
	for (int i = 0; i < 2; i++) {
		const Mlmd__Pb__LineageGraph *l = g->rs[i] ? g->rs[i]->lineage_subgraph : NULL;
		if (!l)
			continue;
		if (exec) {
			for (size_t k = 0; k < l->n_execution_types; k++)
				if (l->execution_types[k]->id == type_id)
					return l->execution_types[k]->name;
		} else {
			for (size_t k = 0; k < l->n_artifact_types; k++)
				if (l->artifact_types[k]->id == type_id)
					return l->artifact_types[k]->name;
		}
	}
	return "?";
}

static void graph_free(graph *g)
{
	for (size_t i = 0; i < g->n; i++)
		mlmd_label_list_free(g->v[i].labels);
	free(g->v);
	free(g->ev);
	free(g->from);
	free(g->to);
	mlmd_message_free(g->rs[0]);
	mlmd_message_free(g->rs[1]);
}

/* The two walks, merged: nodes by (kind, id), events once each, the
 * layout's edges one per connected pair and direction. */
static int graph_build(rp_ctx *c, graph *g)
{
	int rc = walk(c->store, c->centre_exec, c->centre_id, MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__UPSTREAM,
		      c->max_nodes, &g->rs[0]);
	const Mlmd__Pb__LineageGraph *up = rc ? NULL : g->rs[0]->lineage_subgraph;
	int64_t left = c->max_nodes - (up ? (int64_t)(up->n_artifacts + up->n_executions) : 0) + 1;
	if (!rc)
		rc = walk(c->store, c->centre_exec, c->centre_id, MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__DOWNSTREAM,
			  left > 0 ? left : 1, &g->rs[1]);
	if (rc)
		return rc;
	size_t cap = 0, evcap = 0;
	for (int i = 0; i < 2; i++) {
		const Mlmd__Pb__LineageGraph *l = g->rs[i]->lineage_subgraph;
		if (g->rs[i]->has_mlmd_partial && g->rs[i]->mlmd_partial)
			g->partial = true;
		if (l)
			cap += l->n_artifacts + l->n_executions, evcap += l->n_events;
	}
	g->v = calloc(cap + 1, sizeof *g->v);
	g->ev = calloc(evcap + 1, sizeof *g->ev);
	if (!g->v || !g->ev)
		return MLMD_OOM();
	for (int i = 0; i < 2; i++) {
		const Mlmd__Pb__LineageGraph *l = g->rs[i]->lineage_subgraph;
		if (!l)
			continue;
		for (size_t k = 0; k < l->n_artifacts; k++)
			g->v[g->n++] = (gnode){ 0, l->artifacts[k], l->artifacts[k]->id, l->artifacts[k]->type_id, NULL, NULL };
		for (size_t k = 0; k < l->n_executions; k++)
			g->v[g->n++] = (gnode){ 1, l->executions[k], l->executions[k]->id, l->executions[k]->type_id, NULL,
				NULL };
		for (size_t k = 0; k < l->n_events; k++)
			g->ev[g->nev++] = l->events[k];
	}
	qsort(g->v, g->n, sizeof *g->v, cmp_node);
	size_t k = 0;
	for (size_t i = 0; i < g->n; i++)
		if (!k || cmp_node(&g->v[i], &g->v[k - 1]))
			g->v[k++] = g->v[i];
	g->n = k;
	qsort(g->ev, g->nev, sizeof *g->ev, cmp_event);
	k = 0;
	for (size_t i = 0; i < g->nev; i++)
		if ((!k || cmp_event(&g->ev[i], &g->ev[k - 1])) && find(g, 0, g->ev[i]->artifact_id) >= 0 &&
		    find(g, 1, g->ev[i]->execution_id) >= 0)
			g->ev[k++] = g->ev[i];
	g->nev = k;
	g->from = calloc(g->nev + 1, sizeof *g->from);
	g->to = calloc(g->nev + 1, sizeof *g->to);
	if (!g->from || !g->to)
		return MLMD_OOM();
	/* events are sorted by (execution, artifact, type): those of one pair are adjacent, and the
	 * pair gives at most two edges (one each way), so a repeat is found among the pair's own */
	size_t pair_start = 0;
	for (size_t i = 0; i < g->nev; i++) {
		int a = find(g, 0, g->ev[i]->artifact_id), e = find(g, 1, g->ev[i]->execution_id);
		int t = g->ev[i]->has_type ? g->ev[i]->type : 0;
		int f = mlmd__event_is_input(t) ? a : e, to = mlmd__event_is_input(t) ? e : a;
		if (i == 0 || g->ev[i]->artifact_id != g->ev[i - 1]->artifact_id ||
		    g->ev[i]->execution_id != g->ev[i - 1]->execution_id)
			pair_start = g->m;
		bool dup = false;
		for (size_t j = pair_start; j < g->m && !dup; j++)
			dup = g->from[j] == f && g->to[j] == to;
		if (!dup) {
			g->from[g->m] = f;
			g->to[g->m++] = to;
		}
	}
	for (size_t i = 0; i < g->n; i++) {
		gnode *v = &g->v[i];
		v->type = type_name(g, v->exec, v->type_id);
		if (mlmd__rp_deleted_time(v->msg) >= 0)
			continue; /* a tombstone's labels are not read */
		rc = mlmd_labels_effective(c->store, v->exec ? MLMD_NODE_EXECUTION : MLMD_NODE_ARTIFACT, v->id, 0, &v->labels);
		if (rc)
			return mlmd__context(rc, "labels of %s %lld", v->exec ? "execution" : "artifact", (long long)v->id);
	}
	return 0;
}

/* ---- the node data ------------------------------------------------------------------------- */

static void value_json(mlmd_json_writer *w, const Mlmd__Pb__Value *v, size_t max)
{
	switch (v ? v->value_case : 0) {
	case MLMD__PB__VALUE__VALUE_INT_VALUE: mlmd_json_int(w, v->int_value); break;
	case MLMD__PB__VALUE__VALUE_DOUBLE_VALUE: mlmd_json_double(w, v->double_value, 0); break;
	case MLMD__PB__VALUE__VALUE_STRING_VALUE: mlmd__rp_json_str(w, v->string_value, max); break;
	case MLMD__PB__VALUE__VALUE_BOOL_VALUE: mlmd_json_bool(w, v->bool_value); break;
	case MLMD__PB__VALUE__VALUE_STRUCT_VALUE: {
		mlmd_buf t = { 0 };
		if (v->struct_value && mlmd__struct_to_json(v->struct_value, &t) == 0 && !t.oom)
			mlmd__buf_put(&t, "", 1);
		mlmd__rp_json_str(w, t.p && !t.oom ? t.p : "(struct)", max);
		mlmd__buf_free(&t);
		break;
	}
	case MLMD__PB__VALUE__VALUE_PROTO_VALUE: {
		char s[64];
		mlmd__snprintf(s, sizeof s, "(proto value, %zu bytes)", v->proto_value ? v->proto_value->value.len : 0);
		mlmd_json_string(w, s);
		break;
	}
	default: mlmd_json_null(w);
	}
}

/* Properties (custom or not) as an object, bounded by RP_MAX_PROPS entries
 * and *budget bytes of text; mlmd.* deletion marks are left to "deleted". */
static void props_json(mlmd_json_writer *w, size_t n, void *const *entries, size_t *budget)
{
	mlmd_json_object_begin(w);
	size_t shown = 0;
	for (size_t i = 0; i < n; i++) {
		/* the entry types of the three node kinds have the same layout: base, key, value */
		const Mlmd__Pb__Artifact__PropertiesEntry *e = entries[i];
		if (shown == RP_MAX_PROPS || *budget == 0) {
			mlmd_json_key(w, "\xE2\x80\xA6");
			char note[64];
			mlmd__snprintf(note, sizeof note, "%zu more not shown", n - i);
			mlmd_json_string(w, note);
			break;
		}
		mlmd_buf k = { 0 };
		mlmd__rp_utf8(&k, e->key ? e->key : "", e->key ? strlen(e->key) : 0, false);
		mlmd__buf_put(&k, "", 1);
		mlmd_json_key(w, k.oom ? "?" : k.p);
		mlmd__buf_free(&k);
		size_t max = *budget < RP_MAX_VALUE ? *budget : RP_MAX_VALUE;
		value_json(w, e->value, max);
		size_t used = e->value && e->value->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE && e->value->string_value ?
			strlen(e->value->string_value) : 16;
		*budget -= used < max ? used : max;
		shown++;
	}
	mlmd_json_object_end(w);
}

static void node_json(mlmd_json_writer *w, const gnode *v)
{
	const Mlmd__Pb__Artifact *a = v->exec ? NULL : v->msg;
	const Mlmd__Pb__Execution *e = v->exec ? v->msg : NULL;
	char key[32];
	mlmd__snprintf(key, sizeof key, "%c%lld", v->exec ? 'e' : 'a', (long long)v->id);
	mlmd_json_object_begin(w);
	mlmd_json_key(w, "key");
	mlmd_json_string(w, key);
	mlmd_json_key(w, "kind");
	mlmd_json_string(w, v->exec ? "execution" : "artifact");
	mlmd_json_key(w, "id");
	mlmd_json_int(w, v->id);
	mlmd_json_key(w, "type");
	mlmd__rp_json_str(w, v->type, RP_MAX_VALUE);
	mlmd_json_key(w, "name");
	mlmd__rp_json_str(w, a ? a->name : e->name, RP_MAX_VALUE);
	if (a) {
		mlmd_json_key(w, "uri");
		mlmd__rp_json_str(w, a->uri, RP_MAX_VALUE);
	} else {
		mlmd_json_key(w, "state");
		int s = e->has_last_known_state ? e->last_known_state : 0;
		mlmd_json_string(w, mlmd__execution_state_name(s));
	}
	char t[32];
	mlmd_json_key(w, "created");
	mlmd_json_string(w, mlmd__rp_time(t, sizeof t, a ? a->create_time_since_epoch : e->create_time_since_epoch));
	mlmd_json_key(w, "updated");
	mlmd_json_string(w, mlmd__rp_time(t, sizeof t, a ? a->last_update_time_since_epoch : e->last_update_time_since_epoch));
	int64_t dt = mlmd__rp_deleted_time(v->msg);
	mlmd_json_key(w, "deleted");
	if (dt < 0) {
		mlmd_json_null(w);
	} else {
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "time");
		mlmd_json_string(w, mlmd__rp_time(t, sizeof t, dt));
		mlmd_json_key(w, "by");
		mlmd__rp_json_str(w, mlmd__rp_custom_text(v->msg, "mlmd.deleted_by"), RP_MAX_VALUE);
		mlmd_json_key(w, "reason");
		mlmd__rp_json_str(w, mlmd__rp_custom_text(v->msg, "mlmd.delete_reason"), RP_MAX_VALUE);
		mlmd_json_object_end(w);
	}
	mlmd_json_key(w, "labels");
	mlmd_json_array_begin(w);
	for (size_t i = 0; v->labels && i < v->labels->n; i++) {
		const mlmd_label *l = &v->labels->labels[i];
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "label");
		mlmd__rp_json_str(w, l->label, RP_MAX_VALUE);
		char src[48];
		mlmd__snprintf(src, sizeof src, "%s %lld", mlmd_node_kind_name(l->source_kind) ?
			       mlmd_node_kind_name(l->source_kind) : "node", (long long)l->source_id);
		mlmd_json_key(w, "source");
		mlmd_json_string(w, src);
		mlmd_json_key(w, "distance");
		mlmd_json_int(w, l->distance);
		mlmd_json_key(w, "reason");
		mlmd__rp_json_str(w, l->reason, RP_MAX_VALUE);
		mlmd_json_key(w, "by");
		mlmd__rp_json_str(w, l->actor, RP_MAX_VALUE);
		mlmd_json_key(w, "until");
		mlmd_json_string(w, l->until_ms > 0 ? mlmd__rp_time(t, sizeof t, l->until_ms) : "");
		mlmd_json_object_end(w);
	}
	mlmd_json_array_end(w);
	size_t budget = RP_MAX_NODE_TEXT;
	mlmd_json_key(w, "properties");
	props_json(w, a ? a->n_properties : e->n_properties, a ? (void *const *)a->properties : (void *const *)e->properties,
		   &budget);
	mlmd_json_key(w, "custom_properties");
	props_json(w, a ? a->n_custom_properties : e->n_custom_properties,
		   a ? (void *const *)a->custom_properties : (void *const *)e->custom_properties, &budget);
	mlmd_json_object_end(w);
}

static int data_block(rp_ctx *c, const graph *g)
{
	mlmd_json_writer *w;
	int rc = mlmd_json_writer_new(&w, NULL);
	if (rc)
		return rc;
	mlmd_json_object_begin(w);
	char key[32];
	mlmd__snprintf(key, sizeof key, "%c%lld", c->centre_exec ? 'e' : 'a', (long long)c->centre_id);
	mlmd_json_key(w, "centre");
	mlmd_json_string(w, c->centre_id ? key : "");
	mlmd_json_key(w, "partial");
	mlmd_json_bool(w, g->partial);
	mlmd_json_key(w, "nodes");
	mlmd_json_array_begin(w);
	for (size_t i = 0; i < g->n; i++)
		node_json(w, &g->v[i]);
	mlmd_json_array_end(w);
	mlmd_json_key(w, "edges");
	mlmd_json_array_begin(w);
	for (size_t i = 0; i < g->nev; i++) {
		const Mlmd__Pb__Event *ev = g->ev[i];
		int t = ev->has_type ? ev->type : 0;
		char a[32], e[32];
		mlmd__snprintf(a, sizeof a, "a%lld", (long long)ev->artifact_id);
		mlmd__snprintf(e, sizeof e, "e%lld", (long long)ev->execution_id);
		mlmd_json_object_begin(w);
		mlmd_json_key(w, "from");
		mlmd_json_string(w, mlmd__event_is_input(t) ? a : e);
		mlmd_json_key(w, "to");
		mlmd_json_string(w, mlmd__event_is_input(t) ? e : a);
		mlmd_json_key(w, "type");
		mlmd_json_string(w, mlmd__event_type_name(t));
		mlmd_json_object_end(w);
	}
	mlmd_json_array_end(w);
	mlmd_json_object_end(w);
	size_t n;
	const char *text = mlmd_json_writer_text(w, &n);
	if (text) {
		mlmd__buf_puts(&c->page, "<script type=\"application/json\" id=\"mlmd-data\">");
		mlmd__rp_json_embed(&c->page, text, n);
		mlmd__buf_puts(&c->page, "</script>\n");
	}
	rc = mlmd_json_writer_status(w);
	mlmd_json_writer_free(w);
	return rc;
}

/* ---- the picture ---------------------------------------------------------------------------- */

static void svg_node(mlmd_buf *b, const gnode *v, double x, double y, bool centre)
{
	const Mlmd__Pb__Artifact *a = v->exec ? NULL : v->msg;
	const Mlmd__Pb__Execution *e = v->exec ? v->msg : NULL;
	const char *name = a ? a->name : e->name;
	bool dead = mlmd__rp_deleted_time(v->msg) >= 0, labelled = v->labels && v->labels->n;
	mlmd__rp_printf(b, "<g class=\"node %s%s%s%s\" data-node=\"%c%lld\" tabindex=\"0\" role=\"button\" "
		  "transform=\"translate(%.1f %.1f)\"><title>", v->exec ? "execution" : "artifact", dead ? " deleted" : "",
		  labelled ? " labelled" : "", centre ? " centre" : "", v->exec ? 'e' : 'a', (long long)v->id, x, y);
	mlmd__rp_html(b, v->type);
	if (name && name[0]) {
		mlmd__buf_puts(b, " '");
		mlmd__rp_html(b, name);
		mlmd__buf_puts(b, "'");
	}
	mlmd__rp_printf(b, " #%lld", (long long)v->id);
	for (size_t i = 0; labelled && i < v->labels->n; i++) {
		mlmd__buf_puts(b, i ? ", " : " - labels: ");
		mlmd__rp_html(b, v->labels->labels[i].label);
	}
	if (dead)
		mlmd__buf_puts(b, " - deleted");
	mlmd__rp_printf(b, "</title><rect class=\"shape\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"%.1f\"/>",
		  -NODE_W / 2, -NODE_H / 2, NODE_W, NODE_H, v->exec ? 4.0 : NODE_H / 2);
	mlmd__buf_puts(b, "<text class=\"t1\" y=\"-5\">");
	mlmd__rp_html_cut(b, v->type, 26);
	if (e) {
		int s = e->has_last_known_state ? e->last_known_state : 0;
		mlmd__rp_printf(b, " \xC2\xB7 %s", mlmd__execution_state_name(s));
	}
	mlmd__buf_puts(b, "</text><text class=\"t2\" y=\"12\">");
	if (dead)
		mlmd__buf_puts(b, "deleted ");
	else if (name && name[0]) {
		mlmd__rp_html_cut(b, name, 18);
		mlmd__buf_puts(b, " ");
	}
	mlmd__rp_printf(b, "#%lld</text>", (long long)v->id);
	if (labelled) { /* the first label on a badge above the right end; the count when more */
		mlmd_buf l = { 0 };
		mlmd__rp_html_cut(&l, v->labels->labels[0].label, 14);
		if (v->labels->n > 1)
			mlmd__rp_printf(&l, " +%zu", v->labels->n - 1);
		mlmd__rp_printf(b, "<g class=\"badge\" transform=\"translate(%.1f %.1f)\"><rect x=\"-64\" y=\"-9\" width=\"64\" "
			  "height=\"16\" rx=\"8\"/><text x=\"-32\" y=\"3\">", NODE_W / 2 - 4, -NODE_H / 2);
		if (l.p)
			mlmd__buf_put(b, l.p, l.len);
		mlmd__buf_puts(b, "</text></g>");
		mlmd__buf_free(&l);
	}
	mlmd__buf_puts(b, "</g>\n");
}

static void svg_edges(mlmd_buf *b, const graph *g, const rp_layout *lay)
{
	for (size_t j = 0; j < g->m; j++) {
		size_t a = lay->first[j], z = lay->first[j + 1];
		if (z - a < 2)
			continue;
		const gnode *f = &g->v[g->from[j]], *t = &g->v[g->to[j]];
		mlmd__rp_printf(b, "<path class=\"edge%s\" data-from=\"%c%lld\" data-to=\"%c%lld\" d=\"M%.1f %.1f",
			  lay->reversed[j] ? " back" : "", f->exec ? 'e' : 'a', (long long)f->id, t->exec ? 'e' : 'a',
			  (long long)t->id, lay->pt_x[a], lay->pt_y[a]);
		for (size_t k = a + 1; k < z; k++) { /* a curve with level ends between consecutive points */
			double mx = (lay->pt_x[k - 1] + lay->pt_x[k]) / 2;
			mlmd__rp_printf(b, " C%.1f %.1f %.1f %.1f %.1f %.1f", mx, lay->pt_y[k - 1], mx, lay->pt_y[k], lay->pt_x[k],
				  lay->pt_y[k]);
		}
		mlmd__buf_puts(b, "\" marker-end=\"url(#arrow)\"/>\n");
	}
}

int mlmd__rp_section_graph(rp_ctx *c)
{
	mlmd_buf *b = &c->page;
	mlmd__buf_puts(b, "<section id=\"lineage\"><h2>Lineage</h2>\n");
	if (!c->centre_id) {
		mlmd__buf_puts(b, "<p class=\"empty\">No artifact in the store: no lineage to draw.</p>\n"
			       "<script type=\"application/json\" id=\"mlmd-data\">{\"centre\":\"\",\"partial\":false,"
			       "\"nodes\":[],\"edges\":[]}</script></section>\n");
		return 0;
	}
	graph g;
	memset(&g, 0, sizeof g);
	rp_layout lay;
	memset(&lay, 0, sizeof lay);
	int rc = graph_build(c, &g);
	if (!rc)
		rc = mlmd__rp_layout_run(g.n, g.from, g.to, g.m, NODE_W, NODE_H, &lay);
	if (rc) {
		graph_free(&g);
		return rc;
	}
	int ci = find(&g, c->centre_exec, c->centre_id);
	const gnode *cn = ci >= 0 ? &g.v[ci] : NULL;
	mlmd__buf_puts(b, "<p>The lineage of ");
	if (cn) {
		mlmd__rp_printf(b, "%s #%lld", cn->exec ? "execution" : "artifact", (long long)cn->id);
		mlmd__buf_puts(b, " (");
		mlmd__rp_html(b, cn->type);
		const char *name = cn->exec ? ((const Mlmd__Pb__Execution *)cn->msg)->name :
			((const Mlmd__Pb__Artifact *)cn->msg)->name;
		if (name && name[0]) {
			mlmd__buf_puts(b, " &#39;");
			mlmd__rp_html(b, name);
			mlmd__buf_puts(b, "&#39;");
		}
		mlmd__buf_puts(b, ")");
	}
	mlmd__buf_puts(b, ", ");
	mlmd__rp_html(b, c->centre_why);
	mlmd__rp_printf(b, ": what it came from and what came of it, %zu node%s and %zu edge%s. Click a node for its "
		  "properties.", g.n, g.n == 1 ? "" : "s", g.nev, g.nev == 1 ? "" : "s");
	if (g.partial)
		mlmd__rp_printf(b, " <strong class=\"warn\">Cut short at %lld nodes</strong> (<code>--max-nodes</code> "
			  "draws more).", (long long)c->max_nodes);
	mlmd__buf_puts(b, "</p>\n<div class=\"graphbox\"><div class=\"graph\" id=\"graph\">");
	mlmd__rp_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"lineage-svg\" width=\"%.0f\" height=\"%.0f\" "
		  "viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"lineage graph\">\n", lay.width, lay.height,
		  lay.width, lay.height);
	mlmd__buf_puts(b, "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
		       "markerUnits=\"userSpaceOnUse\" markerWidth=\"9\" markerHeight=\"9\" orient=\"auto-start-reverse\">"
		       "<path d=\"M0 0L10 5L0 10z\"/></marker></defs>\n");
	svg_edges(b, &g, &lay);
	for (size_t i = 0; i < g.n; i++)
		svg_node(b, &g.v[i], lay.x[i], lay.y[i], (int)i == ci);
	mlmd__buf_puts(b, "</svg></div>\n<aside class=\"panel\" id=\"panel\" aria-live=\"polite\"><p class=\"hint\">Click "
		       "a node to see its properties.</p></aside></div>\n<p class=\"legend\"><span class=\"lg artifact\">"
		       "artifact</span> <span class=\"lg execution\">execution</span> <span class=\"lg labelled\">"
		       "labelled (data governance)</span> <span class=\"lg deleted\">deleted (tombstone)</span> "
		       "<span class=\"lg centre\">the chosen node</span></p>\n");
	rc = data_block(c, &g);
	mlmd__buf_puts(b, "</section>\n");
	mlmd__rp_layout_free(&lay);
	graph_free(&g);
	return rc;
}
