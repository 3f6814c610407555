/*
 * store_catalogue.c - the SQL of catalogue and allergy-name imports (schema
 * v38): every import whose rows passed is kept with its text, digest, who made
 * it and its changes; a staged one (pending) also keeps the digest of the
 * entries it was compared with, so that its approval can tell they still hold.
 * Each function runs on the caller's connection, inside its transaction.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/util.h>

#include <string.h>

#include "dosage.h"
#include "store_catalogue.h"

med_err
dosage_store_catalogue_import_put(med_db_conn *c,
				  const dosage_catalogue_import *r, int64_t *id)
{
	med_db_value v[] = {MED_DB_STR(r->kind),
			    MED_DB_STR(r->pending ? "pending" : "accepted"),
			    MED_DB_STR(r->sha256),
			    MED_DB_BLOBV(r->body, r->len),
			    MED_DB_I64((int64_t)r->n_rows),
			    MED_DB_STR(r->base_sha256),
			    MED_DB_STR(r->changes),
			    MED_DB_STR(r->imported_by),
			    MED_DB_I64(r->imported_ms)};
	uint64_t insert_id = 0;
	med_err err = med_db_exec(
		c,
		"INSERT INTO catalogue_imports (kind, status, sha256, body,"
		" n_rows, base_sha256, changes, imported_by, imported_ms)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		v, sizeof(v) / sizeof(v[0]), NULL, &insert_id);

	*id = (int64_t)insert_id;
	return err;
}

typedef struct import_read {
	med_arena *arena;
	dosage_catalogue_import *r;
} import_read;

static med_err
on_import(void *arg, const med_db_row *row)
{
	import_read *x = arg;
	dosage_catalogue_import *r = x->r;
	const char *body = med_db_row_text(row, 3, &r->len);

	r->pending = strcmp(med_db_row_text(row, 0, NULL), "pending") == 0;
	med_strlcpy(r->sha256, med_db_row_text(row, 1, NULL),
		    sizeof(r->sha256));
	med_strlcpy(r->base_sha256, med_db_row_text(row, 2, NULL),
		    sizeof(r->base_sha256));
	r->body = med_arena_alloc(x->arena, r->len + 1);
	if (r->body == NULL || body == NULL)
		return MED_ERR_NOMEM;
	memcpy(r->body, body, r->len);
	r->body[r->len] = '\0';
	r->n_rows = (size_t)med_db_row_int64(row, 4);
	med_strlcpy(r->imported_by, med_db_row_text(row, 5, NULL),
		    sizeof(r->imported_by));
	r->imported_ms = med_db_row_int64(row, 6);
	med_strlcpy(r->approved_by, med_db_row_text(row, 7, NULL),
		    sizeof(r->approved_by));
	r->approved_ms = med_db_row_int64(row, 8);
	med_strlcpy(r->kind_seen, med_db_row_text(row, 9, NULL),
		    sizeof(r->kind_seen));
	return MED_OK;
}

med_err
dosage_store_catalogue_import_lock(med_db_conn *c, med_arena *a, int64_t id,
				   dosage_catalogue_import *r)
{
	import_read x = {.arena = a, .r = r};
	med_db_value v[] = {MED_DB_I64(id)};

	const char *kind = r->kind;

	memset(r, 0, sizeof(*r));
	r->id = id;
	r->kind = kind;
	return med_db_query_row(
		c,
		"SELECT status, sha256, base_sha256, body, n_rows, imported_by,"
		" imported_ms, approved_by, approved_ms, kind"
		" FROM catalogue_imports"
		" WHERE id = ? FOR UPDATE",
		v, 1, on_import, &x);
}

med_err
dosage_store_catalogue_import_accept(med_db_conn *c, int64_t id, const char *by,
				     int64_t now_ms)
{
	med_db_value v[] = {MED_DB_STR(by), MED_DB_I64(now_ms), MED_DB_I64(id)};

	return med_db_exec(c,
			   "UPDATE catalogue_imports SET status = 'accepted',"
			   " approved_by = ?, approved_ms = ? WHERE id = ?",
			   v, 3, NULL, NULL);
}
