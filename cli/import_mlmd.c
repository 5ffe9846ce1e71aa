/*
 * cli/import_mlmd.c - `mlmd import-mlmd`: a Google MLMD SQLite database
 * (schema 10) copied into this store, row by row through the importer that
 * `mlmd import` uses (importer.c), in one transaction.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include <mlmd.h>
#include "cli.h"
#include "import.h"

/* ---- import-mlmd: Google MLMD's SQLite schema 10 -------------------------------------------------------- */

static const ProtobufCMessageDescriptor *const PROP_ENTRY[3][2] = {
	{ &mlmd__pb__artifact__properties_entry__descriptor, &mlmd__pb__artifact__custom_properties_entry__descriptor },
	{ &mlmd__pb__execution__properties_entry__descriptor, &mlmd__pb__execution__custom_properties_entry__descriptor },
	{ &mlmd__pb__context__properties_entry__descriptor, &mlmd__pb__context__custom_properties_entry__descriptor },
};

/* Decodes base64 text from an MLMD column into a message of type d, with the
 * nesting bounded (cli_pb_unpack). NULL with the reason in err. */
static void *mlmd_b64_message(const char *t, const ProtobufCMessageDescriptor *d, char *err, size_t errsize)
{
	size_t len = strlen(t);
	uint8_t *buf = malloc(len / 4 * 3 + 4);
	long n = buf ? cli_unb64(t, len, buf) : -1;
	void *m = NULL;
	if (n < 0)
		snprintf(err, errsize, "a %s value that is not base64", d->short_name);
	else
		m = cli_pb_unpack(d, buf, (size_t)n, err, errsize);
	free(buf);
	return m;
}

/* MLMD stores a STRUCT as "mlmd-struct::" + base64 and a PROTO as base64 of an Any. */
static int mlmd_value(sqlite3_stmt *q, Mlmd__Pb__Value *v, char *err, size_t errsize)
{
	if (sqlite3_column_type(q, 5) != SQLITE_NULL) {
		Mlmd__Pb__Wkt__Any *any = mlmd_b64_message((const char *)sqlite3_column_text(q, 5),
			&mlmd__pb__wkt__any__descriptor, err, errsize);
		if (!any)
			return -1;
		v->value_case = MLMD__PB__VALUE__VALUE_PROTO_VALUE;
		v->proto_value = any;
	} else if (sqlite3_column_type(q, 6) != SQLITE_NULL) {
		v->value_case = MLMD__PB__VALUE__VALUE_BOOL_VALUE;
		v->bool_value = sqlite3_column_int(q, 6) != 0;
	} else if (sqlite3_column_type(q, 2) != SQLITE_NULL) {
		v->value_case = MLMD__PB__VALUE__VALUE_INT_VALUE;
		v->int_value = sqlite3_column_int64(q, 2);
	} else if (sqlite3_column_type(q, 3) != SQLITE_NULL) {
		v->value_case = MLMD__PB__VALUE__VALUE_DOUBLE_VALUE;
		v->double_value = sqlite3_column_double(q, 3);
	} else if (sqlite3_column_type(q, 4) != SQLITE_NULL) {
		const char *t = (const char *)sqlite3_column_text(q, 4);
		if (!strncmp(t, "mlmd-struct::", 13)) {
			Mlmd__Pb__Wkt__Struct *st = mlmd_b64_message(t + 13, &mlmd__pb__wkt__struct__descriptor, err, errsize);
			if (!st)
				return -1;
			v->value_case = MLMD__PB__VALUE__VALUE_STRUCT_VALUE;
			v->struct_value = st;
		} else {
			v->value_case = MLMD__PB__VALUE__VALUE_STRING_VALUE;
			if (!(v->string_value = strdup(t))) {
				snprintf(err, errsize, "out of memory");
				return -1;
			}
		}
	} else {
		snprintf(err, errsize, "a property with no value");
		return -1;
	}
	return 0;
}

static const char *const NODE_TABLE[3] = { "Artifact", "Execution", "Context" };

/* Adds the properties of MLMD node `id` to node. On failure err says which
 * row of which table and why. */
static int mlmd_props(sqlite3 *db, int kind, int64_t id, void *node, char *err, size_t errsize)
{
	static const char *const sql[3] = {
		"SELECT name, is_custom_property, int_value, double_value, string_value, proto_value, bool_value "
		"FROM ArtifactProperty WHERE artifact_id = ? ORDER BY name",
		"SELECT name, is_custom_property, int_value, double_value, string_value, proto_value, bool_value "
		"FROM ExecutionProperty WHERE execution_id = ? ORDER BY name",
		"SELECT name, is_custom_property, int_value, double_value, string_value, proto_value, bool_value "
		"FROM ContextProperty WHERE context_id = ? ORDER BY name" };
	static const char *const id_col[3] = { "artifact_id", "execution_id", "context_id" };
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db, sql[kind], -1, &q, NULL) != SQLITE_OK) {
		snprintf(err, errsize, "%sProperty: %s", NODE_TABLE[kind], sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(q, 1, id);
	int rc = 0;
	while (!rc && sqlite3_step(q) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(q, 0);
		char why[512] = "out of memory";
		int custom = sqlite3_column_int(q, 1) != 0;
		Mlmd__Pb__Artifact__PropertiesEntry *e = mlmd_message_new(PROP_ENTRY[kind][custom]);
		Mlmd__Pb__Value *v = mlmd_message_new(&mlmd__pb__value__descriptor);
		if (!name) {
			snprintf(why, sizeof why, "a property without a name");
			rc = -1;
		} else if (!e || !v || !(e->key = strdup(name))) {
			rc = -1;
		} else {
			e->value = v;
			v = NULL;
			if (mlmd_value(q, e->value, why, sizeof why))
				rc = -1;
			else if (mlmd_message_append(node, custom ? "custom_properties" : "properties", e)) {
				snprintf(why, sizeof why, "%s", mlmd_error_message());
				rc = -1;
			} else {
				e = NULL;
			}
		}
		if (rc)
			snprintf(err, errsize, "%sProperty (%s %lld, name '%s'): %s", NODE_TABLE[kind], id_col[kind], (long long)id,
				name ? name : "", why);
		mlmd_message_free(e);
		mlmd_message_free(v);
	}
	sqlite3_finalize(q);
	return rc;
}

static int base_type(sqlite3 *db, int64_t type_id, int kind)
{
	static const char *const art[] = { "", "mlmd.Dataset", "mlmd.Model", "mlmd.Metrics", "mlmd.Statistics" };
	static const char *const exe[] = { "", "mlmd.Train", "mlmd.Transform", "mlmd.Process", "mlmd.Evaluate", "mlmd.Deploy" };
	sqlite3_stmt *q;
	int r = 0;
	if (kind == 2 || sqlite3_prepare_v2(db, "SELECT t.name FROM ParentType p JOIN Type t ON t.id = p.parent_type_id "
		"WHERE p.type_id = ?", -1, &q, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(q, 1, type_id);
	if (sqlite3_step(q) == SQLITE_ROW) {
		const char *n = (const char *)sqlite3_column_text(q, 0);
		for (int i = 1; n && i < (kind == 0 ? 5 : 6); i++)
			if (!strcmp(n, kind == 0 ? art[i] : exe[i]))
				r = i;
	}
	sqlite3_finalize(q);
	return r;
}

/* A text column as a message field, when it is not NULL. */
static int set_text(void *m, const char *field, sqlite3_stmt *q, int col)
{
	if (sqlite3_column_type(q, col) == SQLITE_NULL)
		return 0;
	return mlmd_message_set_string(m, field, (const char *)sqlite3_column_text(q, col));
}

/* The user's types (MLMD's built-in "mlmd.*" types are its own and are skipped). */
static int mlmd_types(sqlite3 *db, cli_importer *im, char *err, size_t errsize)
{
	static const ProtobufCMessageDescriptor *const td[3] = { &mlmd__pb__artifact_type__descriptor,
		&mlmd__pb__execution_type__descriptor, &mlmd__pb__context_type__descriptor };
	sqlite3_stmt *q, *pq = NULL;
	if (sqlite3_prepare_v2(db, "SELECT id, name, version, type_kind, description, external_id FROM Type "
		"WHERE name NOT LIKE 'mlmd.%' ORDER BY id", -1, &q, NULL) != SQLITE_OK ||
		sqlite3_prepare_v2(db, "SELECT name, data_type FROM TypeProperty WHERE type_id = ? ORDER BY name", -1,
		&pq, NULL) != SQLITE_OK) {
		snprintf(err, errsize, "Type: %s", sqlite3_errmsg(db));
		sqlite3_finalize(q);
		return -1;
	}
	int rc = 0;
	while (!rc && sqlite3_step(q) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0);
		int tk = sqlite3_column_int(q, 3), kind = tk == 1 ? 0 : tk == 0 ? 1 : 2;
		void *t = mlmd_message_new(td[kind]);
		if (!t || set_text(t, "name", q, 1) || set_text(t, "version", q, 2) || set_text(t, "description", q, 4) ||
			set_text(t, "external_id", q, 5)) {
			snprintf(err, errsize, "Type id %lld: %s", (long long)id, t ? mlmd_error_message() : "out of memory");
			mlmd_message_free(t);
			rc = -1;
			break;
		}
		sqlite3_reset(pq);
		sqlite3_bind_int64(pq, 1, id);
		while (!rc && sqlite3_step(pq) == SQLITE_ROW) {
			const char *pn = (const char *)sqlite3_column_text(pq, 0);
			if (!pn || mlmd_type_add_property(t, pn, (Mlmd__Pb__PropertyType)sqlite3_column_int(pq, 1))) {
				snprintf(err, errsize, "TypeProperty (type_id %lld, name '%s'): %s", (long long)id, pn ? pn : "",
					pn ? mlmd_error_message() : "a property without a name");
				rc = -1;
			}
		}
		if (rc) {
			mlmd_message_free(t);
			break;
		}
		int bt = base_type(db, id, kind);
		if (bt && kind == 0)
			((Mlmd__Pb__ArtifactType *)t)->has_base_type = 1, ((Mlmd__Pb__ArtifactType *)t)->base_type = bt;
		else if (bt && kind == 1)
			((Mlmd__Pb__ExecutionType *)t)->has_base_type = 1, ((Mlmd__Pb__ExecutionType *)t)->base_type = bt;
		rc = cli_import_type(im, kind, t, id, "Type id", id);
	}
	sqlite3_finalize(pq);
	sqlite3_finalize(q);
	return rc;
}

/* Artifacts, executions and contexts with their properties and times. */
static int mlmd_nodes(sqlite3 *db, cli_importer *im, char *err, size_t errsize)
{
	static const char *const nsql[3] = {
		"SELECT id, type_id, name, external_id, uri, state, create_time_since_epoch, last_update_time_since_epoch"
		" FROM Artifact ORDER BY id",
		"SELECT id, type_id, name, external_id, NULL, last_known_state, create_time_since_epoch,"
		" last_update_time_since_epoch FROM Execution ORDER BY id",
		"SELECT id, type_id, name, external_id, NULL, NULL, create_time_since_epoch, last_update_time_since_epoch"
		" FROM Context ORDER BY id" };
	static const ProtobufCMessageDescriptor *const nd[3] = { &mlmd__pb__artifact__descriptor,
		&mlmd__pb__execution__descriptor, &mlmd__pb__context__descriptor };
	static const char *const where[3] = { "Artifact id", "Execution id", "Context id" };
	int rc = 0;
	for (int kind = 0; kind < 3 && !rc; kind++) {
		sqlite3_stmt *q;
		if (sqlite3_prepare_v2(db, nsql[kind], -1, &q, NULL) != SQLITE_OK) {
			snprintf(err, errsize, "%s: %s", NODE_TABLE[kind], sqlite3_errmsg(db));
			return -1;
		}
		while (!rc && sqlite3_step(q) == SQLITE_ROW) {
			int64_t id = sqlite3_column_int64(q, 0), tid = sqlite3_column_int64(q, 1);
			void *n = mlmd_message_new(nd[kind]);
			if (!n || set_text(n, "name", q, 2) || set_text(n, "external_id", q, 3)) {
				snprintf(err, errsize, "%s id %lld: %s", NODE_TABLE[kind], (long long)id,
					n ? mlmd_error_message() : "out of memory");
				mlmd_message_free(n);
				rc = -1;
				break;
			}
			/* times, kept by the importer after the put (MLMD's Put would assign new ones) */
			int64_t ct = sqlite3_column_int64(q, 6), ut = sqlite3_column_int64(q, 7);
			if (kind == 0) {
				Mlmd__Pb__Artifact *a = n;
				a->has_create_time_since_epoch = a->has_last_update_time_since_epoch = 1;
				a->create_time_since_epoch = ct, a->last_update_time_since_epoch = ut;
				a->has_type_id = 1, a->type_id = tid;
				rc = set_text(a, "uri", q, 4);
				if (sqlite3_column_type(q, 5) != SQLITE_NULL)
					a->has_state = 1, a->state = sqlite3_column_int(q, 5);
			} else if (kind == 1) {
				Mlmd__Pb__Execution *e = n;
				e->has_create_time_since_epoch = e->has_last_update_time_since_epoch = 1;
				e->create_time_since_epoch = ct, e->last_update_time_since_epoch = ut;
				e->has_type_id = 1, e->type_id = tid;
				if (sqlite3_column_type(q, 5) != SQLITE_NULL)
					e->has_last_known_state = 1, e->last_known_state = sqlite3_column_int(q, 5);
			} else {
				Mlmd__Pb__Context *c = n;
				c->has_create_time_since_epoch = c->has_last_update_time_since_epoch = 1;
				c->create_time_since_epoch = ct, c->last_update_time_since_epoch = ut;
				c->has_type_id = 1, c->type_id = tid;
			}
			if (rc) {
				snprintf(err, errsize, "%s id %lld: %s", NODE_TABLE[kind], (long long)id, mlmd_error_message());
				mlmd_message_free(n);
				break;
			}
			if (mlmd_props(db, kind, id, n, err, errsize)) {
				mlmd_message_free(n);
				rc = -1;
				break;
			}
			rc = cli_import_node(im, kind, n, id, where[kind], id);
		}
		sqlite3_finalize(q);
	}
	return rc;
}

/* Events with their paths. */
static int mlmd_events(sqlite3 *db, cli_importer *im, char *err, size_t errsize)
{
	sqlite3_stmt *q = NULL, *pq = NULL;
	if (sqlite3_prepare_v2(db, "SELECT id, artifact_id, execution_id, type, milliseconds_since_epoch FROM Event "
		"ORDER BY id", -1, &q, NULL) != SQLITE_OK ||
		sqlite3_prepare_v2(db, "SELECT is_index_step, step_index, step_key FROM EventPath WHERE event_id = ? "
		"ORDER BY rowid", -1, &pq, NULL) != SQLITE_OK) {
		snprintf(err, errsize, "Event: %s", sqlite3_errmsg(db));
		sqlite3_finalize(q);
		return -1;
	}
	int rc = 0;
	while (!rc && sqlite3_step(q) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0);
		Mlmd__Pb__Event *e = mlmd_message_new(&mlmd__pb__event__descriptor);
		if (!e) {
			snprintf(err, errsize, "out of memory");
			rc = -1;
			break;
		}
		e->has_artifact_id = e->has_execution_id = e->has_type = 1;
		e->artifact_id = sqlite3_column_int64(q, 1);
		e->execution_id = sqlite3_column_int64(q, 2);
		e->type = sqlite3_column_int(q, 3);
		if (sqlite3_column_type(q, 4) != SQLITE_NULL)
			e->has_milliseconds_since_epoch = 1, e->milliseconds_since_epoch = sqlite3_column_int64(q, 4);
		sqlite3_reset(pq);
		sqlite3_bind_int64(pq, 1, id);
		while (!rc && sqlite3_step(pq) == SQLITE_ROW) {
			Mlmd__Pb__Event__Path__Step *st = mlmd_message_new(&mlmd__pb__event__path__step__descriptor);
			if (!e->path)
				e->path = mlmd_message_new(&mlmd__pb__event__path__descriptor);
			if (st && sqlite3_column_int(pq, 0)) {
				st->value_case = MLMD__PB__EVENT__PATH__STEP__VALUE_INDEX;
				st->index = sqlite3_column_int64(pq, 1);
			} else if (st) {
				st->value_case = MLMD__PB__EVENT__PATH__STEP__VALUE_KEY;
				st->key = strdup(sqlite3_column_type(pq, 2) == SQLITE_NULL ? "" :
					(const char *)sqlite3_column_text(pq, 2));
			}
			if (!st || !e->path || (st->value_case == MLMD__PB__EVENT__PATH__STEP__VALUE_KEY && !st->key) ||
				mlmd_message_append(e->path, "steps", st)) {
				snprintf(err, errsize, "EventPath (event_id %lld): out of memory", (long long)id);
				mlmd_message_free(st);
				rc = -1;
			}
		}
		if (rc)
			mlmd_message_free(e);
		else
			rc = cli_import_event(im, e, "Event id", id);
	}
	sqlite3_finalize(pq);
	sqlite3_finalize(q);
	return rc;
}

/* Attributions, associations, parent contexts. */
static int mlmd_links(sqlite3 *db, cli_importer *im, char *err, size_t errsize)
{
	static const char *const esql[3] = { "SELECT id, context_id, artifact_id FROM Attribution ORDER BY id",
		"SELECT id, context_id, execution_id FROM Association ORDER BY id",
		"SELECT rowid, context_id, parent_context_id FROM ParentContext ORDER BY rowid" };
	static const char *const where[3] = { "Attribution id", "Association id", "ParentContext row" };
	static const cli_link link[3] = { CLI_LINK_ATTRIBUTION, CLI_LINK_ASSOCIATION, CLI_LINK_PARENT };
	int rc = 0;
	for (int k = 0; k < 3 && !rc; k++) {
		sqlite3_stmt *q;
		if (sqlite3_prepare_v2(db, esql[k], -1, &q, NULL) != SQLITE_OK) {
			snprintf(err, errsize, "%.*s: %s", (int)strcspn(where[k], " "), where[k], sqlite3_errmsg(db));
			return -1;
		}
		while (!rc && sqlite3_step(q) == SQLITE_ROW)
			rc = cli_import_link(im, link[k], sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2), where[k],
				sqlite3_column_int64(q, 0));
		sqlite3_finalize(q);
	}
	return rc;
}

int cmd_import_mlmd(int argc, char **argv)
{
	const cli_opt opts[] = { CLI_END };
	const cli_cmd cmd = { "import-mlmd", "PATH.db", 1, 1,
		"Copies everything in a database written by Google MLMD (SQLite, schema version 10) into the store,\n"
		"with new ids, in one transaction: when a row is refused (the message names its table and id),\n"
		"nothing is stored. The MLMD file is opened read-only.", true, opts };
	char *args[1];
	int nargs, rc = cli_parse(&cmd, argc, argv, args, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	const char *path = args[0];
	sqlite3 *db;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		rc = cli_failed("%s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return rc;
	}
	sqlite3_stmt *q;
	int version = -1;
	if (sqlite3_prepare_v2(db, "SELECT schema_version FROM MLMDEnv", -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW)
			version = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
	}
	if (version != 10) {
		sqlite3_close(db);
		return version < 0 ? cli_failed("%s is not an MLMD database (no MLMDEnv table)", path) :
			cli_failed("%s: MLMD schema version %d is not supported (10 is: MLMD 1.14 and later); upgrade it with "
				"MLMD first", path, version);
	}
	mlmd_store *s;
	if (cli_open_store(cli_g.store, &s, false)) {
		sqlite3_close(db);
		return EXIT_FAILED;
	}
	cli_progress pr;
	cli_progress_init(&pr, "imported");
	cli_importer *im = NULL;
	char err[1024] = "";
	/* a read transaction on the MLMD file too: one consistent picture of it */
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	rc = cli_importer_new(&im, s, &pr) || mlmd_types(db, im, err, sizeof err) || mlmd_nodes(db, im, err, sizeof err) ||
		mlmd_events(db, im, err, sizeof err) || mlmd_links(db, im, err, sizeof err) || cli_importer_finish(im);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	cli_progress_end(&pr);
	if (rc)
		rc = cli_failed("import-mlmd %s: %s; nothing was imported", path, err[0] ? err : cli_importer_error(im));
	else
		cli_importer_summary(im, path);
	cli_importer_free(im);
	sqlite3_close(db);
	mlmd_store_free(s);
	return rc;
}
