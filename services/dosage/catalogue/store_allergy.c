/*
 * store_allergy.c - the pharmacy's other names for allergies: an import
 * is one audited transaction with its own version; a check reads the
 * pharmacy's rows and, after them, the shipped table's (allergy_text.h).
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/db.h>
#include <med/log.h>
#include <med/util.h>

#include <pthread.h>
#include <string.h>

#include "allergy_text.h"
#include "catalogue.h"

#define STARTER_ARENA_BYTES (1024 * 1024)
#define DB_NAMES_ARENA_CAP  DOSAGE_ALLERGY_NAMES_MAX

/* The shipped table, parsed once. */
static pthread_once_t starter_once = PTHREAD_ONCE_INIT;
static dosage_allergy_table starter;
static bool starter_ok;

static void
starter_parse(void)
{
	med_arena *a = med_arena_new(STARTER_ARENA_BYTES);
	const char *why = NULL;

	/* Kept for the life of the process: the table every check reads. */
	if (a == NULL ||
	    dosage_allergy_names_parse(a, dosage_allergy_starter_csv,
				       strlen(dosage_allergy_starter_csv),
				       &starter, &why) != MED_OK ||
	    starter.n_errors > 0) {
		med_log_error("the shipped allergy names do not read (%s, "
			      "line %u): allergies are read by the substance "
			      "table only",
			      why ? why : "row",
			      starter.n_errors ? starter.errors[0].line : 0);
		starter.n = 0;
		return;
	}
	starter_ok = true;
}

bool
dosage_allergy_starter(dosage_allergy_names *out)
{
	pthread_once(&starter_once, starter_parse);
	out->rows = starter.rows;
	out->n = starter.n;
	return starter_ok;
}

med_err
dosage_store_allergy_names_put(med_db_conn *c, const dosage_allergy_table *t,
			       const char *user, int64_t now_ms,
			       uint64_t *version)
{
	med_db_value head[] = {MED_DB_STR(user), MED_DB_I64(now_ms),
			       MED_DB_I64((int64_t)t->n)};
	med_err err = med_db_exec(c,
				  "INSERT INTO allergy_name_imports"
				  " (imported_by, imported_ms, n_rows)"
				  " VALUES (?, ?, ?)",
				  head, 3, NULL, version);

	for (size_t i = 0; err == MED_OK && i < t->n; i++) {
		const dosage_allergy_name *r = &t->rows[i];
		char key[DOSAGE_ALLERGY_KEY_MAX];
		med_db_value v[7];

		dosage_allergy_key(r->name, key, sizeof(key));
		v[0] = MED_DB_STR(key);
		v[1] = MED_DB_STR(r->name);
		v[2] = MED_DB_STR(r->target);
		v[3] = MED_DB_I64((int64_t)r->kind);
		v[4] = MED_DB_STR(r->source);
		v[5] = MED_DB_I64((int64_t)*version);
		v[6] = MED_DB_I64(now_ms);
		err = med_db_exec(
			c,
			"INSERT INTO allergy_names (name_key, name,"
			" target, kind, source, version, updated_ms)"
			" VALUES (?, ?, ?, ?, ?, ?, ?)"
			" ON DUPLICATE KEY UPDATE name = VALUES(name),"
			" target = VALUES(target), kind = VALUES(kind),"
			" source = VALUES(source),"
			" version = VALUES(version),"
			" updated_ms = VALUES(updated_ms)",
			v, 7, NULL, NULL);
	}
	return err;
}

typedef struct names_rows {
	med_arena *a;
	dosage_allergy_name *v;
	size_t n, cap;
} names_rows;

static med_err
on_name(void *ctx, const med_db_row *row)
{
	names_rows *x = ctx;
	dosage_allergy_name *r;

	if (x->n == x->cap)
		return MED_OK; /* the import caps the table below this */
	r = &x->v[x->n];
	r->name = med_db_row_strdup(x->a, row, 0);
	r->target = med_db_row_strdup(x->a, row, 1);
	r->kind = (dosage_allergy_kind)med_db_row_int64(row, 2);
	r->source = "";
	if (r->name == NULL || r->target == NULL)
		return MED_ERR_NOMEM;
	x->n++;
	return MED_OK;
}

med_err
dosage_store_allergy_names(med_db *db, med_arena *a,
			   const dosage_allergy_names **out)
{
	dosage_allergy_names *all = med_arena_alloc(a, sizeof(*all));
	dosage_allergy_names shipped;
	names_rows x = {.a = a};
	med_err err;

	*out = NULL;
	if (all == NULL)
		return MED_ERR_NOMEM;
	(void)dosage_allergy_starter(&shipped);
	x.cap = DB_NAMES_ARENA_CAP + shipped.n;
	if ((x.v = med_arena_alloc(a, x.cap * sizeof(*x.v))) == NULL)
		return MED_ERR_NOMEM;
	x.cap = DB_NAMES_ARENA_CAP;
	err = med_db_query_once(db,
				"SELECT name, target, kind FROM allergy_names"
				" ORDER BY name_key",
				NULL, 0, on_name, &x);
	if (err != MED_OK)
		return err;
	/* The pharmacy's rows first: a name they give wins over the
	 * shipped row of the same name. */
	if (shipped.n)
		memcpy(x.v + x.n, shipped.rows, shipped.n * sizeof(*x.v));
	all->rows = x.v;
	all->n = x.n + shipped.n;
	*out = all;
	return MED_OK;
}

med_err
dosage_store_allergy_names_conn(med_db_conn *c, med_arena *a,
				dosage_allergy_names *out)
{
	names_rows x = {.a = a, .cap = DB_NAMES_ARENA_CAP};
	med_err err;

	if ((x.v = med_arena_alloc(a, x.cap * sizeof(*x.v))) == NULL)
		return MED_ERR_NOMEM;
	err = med_db_query(c,
			   "SELECT name, target, kind FROM allergy_names"
			   " ORDER BY name_key",
			   NULL, 0, on_name, &x);
	out->rows = x.v;
	out->n = x.n;
	return err;
}

med_err
dosage_store_code_allergy(med_db_conn *conn, const dosage_allergy_coding_msg *c)
{
	char key[DOSAGE_ALLERGY_TEXT_KEY_MAX];
	med_db_value v[8];

	dosage_allergy_text_key(c->allergy_text, key, sizeof(key));
	v[0] = MED_DB_STR(c->patient_id);
	v[1] = MED_DB_STR(key);
	v[2] = MED_DB_STR(c->allergy_text);
	v[3] = MED_DB_STR(c->code);
	v[4] = MED_DB_I64(c->not_a_medicine ? 1 : 0);
	v[5] = MED_DB_STR(c->note);
	v[6] = MED_DB_STR(c->coded_by);
	v[7] = MED_DB_I64(c->coded_ms);
	return med_db_exec(
		conn,
		"INSERT INTO allergy_codings (patient_id, text_key,"
		" allergy_text, code, not_a_medicine, note, coded_by, coded_ms)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
		" ON DUPLICATE KEY UPDATE allergy_text = VALUES(allergy_text),"
		" code = VALUES(code), not_a_medicine = VALUES(not_a_medicine),"
		" note = VALUES(note), coded_by = VALUES(coded_by),"
		" coded_ms = VALUES(coded_ms)",
		v, 8, NULL, NULL);
}

#define CODINGS_MAX 256

typedef struct coding_rows {
	med_arena *a;
	dosage_allergy_coding *v;
	size_t n;
} coding_rows;

static med_err
on_coding(void *ctx, const med_db_row *row)
{
	coding_rows *x = ctx;
	dosage_allergy_coding *c;

	if (x->n == CODINGS_MAX)
		return MED_OK;
	c = &x->v[x->n];
	c->text_key = med_db_row_strdup(x->a, row, 0);
	c->target = med_db_row_strdup(x->a, row, 1);
	if (c->text_key == NULL || c->target == NULL)
		return MED_ERR_NOMEM;
	x->n++;
	return MED_OK;
}

med_err
dosage_store_allergy_codings(med_db *db, med_arena *a, const dosage_family *fam,
			     const dosage_allergy_codings **out)
{
	dosage_allergy_codings *all = med_arena_alloc(a, sizeof(*all));
	coding_rows x = {.a = a};
	med_err err = MED_OK;

	*out = NULL;
	if (all == NULL ||
	    (x.v = med_arena_alloc(a, CODINGS_MAX * sizeof(*x.v))) == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; err == MED_OK && i < fam->n; i++) {
		med_db_value v[] = {MED_DB_STR(fam->ids[i])};

		err = med_db_query_once(db,
					"SELECT text_key, code FROM"
					" allergy_codings WHERE patient_id = ?"
					" ORDER BY coded_ms DESC",
					v, 1, on_coding, &x);
	}
	if (err != MED_OK)
		return err;
	all->rows = x.v;
	all->n = x.n;
	*out = all;
	return MED_OK;
}
