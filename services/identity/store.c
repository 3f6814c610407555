/*
 * store.c - the identity service's SQL: the patients table.
 */
#include <med/arena.h>
#include <med/log.h>

#include <string.h>

#include "identity.h"

static const char *const v1_statements[] = {
	"CREATE TABLE IF NOT EXISTS patients ("
	" patient_id CHAR(36) NOT NULL PRIMARY KEY,"
	" mrn VARCHAR(64) NOT NULL,"
	" family_name VARCHAR(200) NOT NULL,"
	" given_name VARCHAR(200) NOT NULL DEFAULT '',"
	" birth_date DATE NOT NULL,"
	" sex TINYINT NOT NULL,"
	" created_ms BIGINT NOT NULL,"
	" updated_ms BIGINT NOT NULL,"
	" UNIQUE KEY uk_patients_mrn (mrn),"
	" KEY idx_patients_name (family_name, given_name, patient_id),"
	" KEY idx_patients_birth (birth_date)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	NULL,
};

/* Face templates: the embedding is stored only encrypted (templates.c);
 * the patient and template ids are its associated data. */
static const char *const v2_statements[] = {
	"CREATE TABLE IF NOT EXISTS face_templates ("
	" template_id CHAR(36) NOT NULL PRIMARY KEY,"
	" patient_id CHAR(36) NOT NULL,"
	" model VARCHAR(64) NOT NULL,"
	" dim INT NOT NULL,"
	" nonce VARBINARY(24) NOT NULL,"
	" ciphertext MEDIUMBLOB NOT NULL,"
	" quality DOUBLE NOT NULL,"
	" created_ms BIGINT NOT NULL,"
	" KEY idx_face_templates_patient (patient_id)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	NULL,
};

const med_db_migration identity_migrations[] = {
	{1, "patients: the master patient index", v1_statements},
	{2, "face_templates: encrypted face templates", v2_statements},
};
const size_t identity_n_migrations =
	sizeof(identity_migrations) / sizeof(identity_migrations[0]);

#define PATIENT_COLUMNS                                                        \
	"patient_id, mrn, family_name, given_name,"                            \
	" DATE_FORMAT(birth_date, '%Y-%m-%d'), sex, created_ms, updated_ms"

med_err
identity_store_insert(med_db *db, const Smartmed__Identity__V1__Patient *p)
{
	med_db_value v[] = {
		MED_DB_STR(p->patient_id),  MED_DB_STR(p->mrn),
		MED_DB_STR(p->family_name), MED_DB_STR(p->given_name),
		MED_DB_STR(p->birth_date),  MED_DB_I64(p->sex),
		MED_DB_I64(p->created_ms),  MED_DB_I64(p->updated_ms),
	};

	return med_db_exec_once(
		db,
		"INSERT INTO patients (patient_id, mrn, family_name,"
		" given_name, birth_date, sex, created_ms, updated_ms)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}

/* row_patients collects rows into a growing arena array. */
typedef struct patient_rows {
	med_arena *arena;
	Smartmed__Identity__V1__Patient **items;
	size_t n, cap;
} patient_rows;

static med_err
fill_patient(med_arena *a, const med_db_row *row,
	     Smartmed__Identity__V1__Patient *p)
{
	smartmed__identity__v1__patient__init(p);
	p->patient_id = med_db_row_strdup(a, row, 0);
	p->mrn = med_db_row_strdup(a, row, 1);
	p->family_name = med_db_row_strdup(a, row, 2);
	p->given_name = med_db_row_strdup(a, row, 3);
	p->birth_date = med_db_row_strdup(a, row, 4);
	p->sex = (Smartmed__Identity__V1__AdministrativeSex)med_db_row_int64(
		row, 5);
	p->created_ms = med_db_row_int64(row, 6);
	p->updated_ms = med_db_row_int64(row, 7);
	if (!p->patient_id || !p->mrn || !p->family_name || !p->given_name ||
	    !p->birth_date)
		return MED_ERR_NOMEM;
	return MED_OK;
}

static med_err
on_patient_row(void *ctx, const med_db_row *row)
{
	patient_rows *r = ctx;
	Smartmed__Identity__V1__Patient *p = med_arena_push_msg(
		r->arena, (void ***)&r->items, &r->n, &r->cap,
		&smartmed__identity__v1__patient__descriptor);

	return p ? fill_patient(r->arena, row, p) : MED_ERR_NOMEM;
}

med_err
identity_store_get(med_db *db, med_arena *arena, const char *column,
		   const char *key, Smartmed__Identity__V1__Patient *out)
{
	patient_rows rows = {.arena = arena};
	med_db_value v[] = {MED_DB_STR(key)};
	const char *sql = strcmp(column, "mrn") == 0
				  ? "SELECT " PATIENT_COLUMNS
				    " FROM patients WHERE mrn = ?"
				  : "SELECT " PATIENT_COLUMNS
				    " FROM patients WHERE patient_id = ?";
	med_err err = med_db_query_once(db, sql, v, 1, on_patient_row, &rows);

	if (err != MED_OK)
		return err;
	if (rows.n == 0)
		return MED_ERR_NOT_FOUND;
	*out = *rows.items[0];
	return MED_OK;
}

/* like_prefix escapes LIKE's wildcards in s and appends %. */
static char *
like_prefix(med_arena *a, const char *s)
{
	char *out = med_arena_alloc(a, strlen(s) * 2 + 2), *o = out;

	if (out == NULL)
		return NULL;
	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			*o++ = '\\';
		*o++ = *s;
	}
	*o++ = '%';
	*o = '\0';
	return out;
}

med_err
identity_store_search(med_db *db, med_arena *arena, const char *family_prefix,
		      const char *birth_date, uint64_t offset, uint32_t limit,
		      Smartmed__Identity__V1__Patient ***out, size_t *n)
{
	patient_rows rows = {.arena = arena};
	char *pattern = like_prefix(arena, family_prefix);
	/* Each criterion is skipped when empty, so one statement serves all
	 * combinations and stays a prepared, cached statement. */
	med_db_value v[] = {
		MED_DB_STR(family_prefix),  MED_DB_STR(pattern ? pattern : ""),
		MED_DB_STR(birth_date),	    MED_DB_STR(birth_date),
		MED_DB_I64((int64_t)limit), MED_DB_I64((int64_t)offset),
	};
	med_err err;

	if (pattern == NULL)
		return MED_ERR_NOMEM;
	err = med_db_query_once(db,
				"SELECT " PATIENT_COLUMNS " FROM patients"
				" WHERE (? = '' OR family_name LIKE ?)"
				" AND (? = '' OR birth_date = ?)"
				" ORDER BY family_name, given_name, patient_id"
				" LIMIT ? OFFSET ?",
				v, sizeof(v) / sizeof(v[0]), on_patient_row,
				&rows);
	if (err != MED_OK)
		return err;
	*out = rows.items;
	*n = rows.n;
	return MED_OK;
}
