/*
 * columns.c - a row as a message's fields, by a table of columns
 * (columns.h).  Fields are reached by offset: the table's kinds say their
 * C types, and protobuf-c enums are int-sized
 * (PROTOBUF_C__FORCE_ENUM_TO_BE_INT_SIZE).
 */
#include <stdint.h>
#include <string.h>

#include "dosage.h"
#include "columns.h"

_Static_assert(sizeof(Smartmed__Dosage__V1__MissingFactPolicy) == sizeof(int),
	       "DOSAGE_COL_ENUM reads and binds an int");

/* col_read reads column i of row into its field of msg. */
static med_err
col_read(med_arena *a, const med_db_row *row, size_t i, const dosage_col *col,
	 void *msg)
{
	void *field = (char *)msg + col->off;

	switch (col->kind) {
	case DOSAGE_COL_TEXT:
		*(char **)field = med_db_row_strdup(a, row, i);
		return *(char **)field != NULL ? MED_OK : MED_ERR_NOMEM;
	case DOSAGE_COL_DOUBLE:
		*(double *)field = med_db_row_double(row, i);
		return MED_OK;
	case DOSAGE_COL_U32:
		*(uint32_t *)field = (uint32_t)med_db_row_int64(row, i);
		return MED_OK;
	case DOSAGE_COL_I64:
		*(int64_t *)field = med_db_row_int64(row, i);
		return MED_OK;
	case DOSAGE_COL_BOOL:
		*(protobuf_c_boolean *)field = med_db_row_int64(row, i) != 0;
		return MED_OK;
	case DOSAGE_COL_ENUM:
		*(int *)field = (int)med_db_row_int64(row, i);
		return MED_OK;
	case DOSAGE_COL_FORM:
		return col->read(a, med_db_row_text(row, i, NULL), msg);
	case DOSAGE_COL_OWN:
		return MED_OK;
	}
	return MED_ERR_INTERNAL;
}

med_err
dosage_cols_read(med_arena *a, const med_db_row *row, const dosage_col *cols,
		 size_t n, void *msg)
{
	med_err err = MED_OK;

	for (size_t i = 0; err == MED_OK && i < n; i++)
		err = col_read(a, row, i, &cols[i], msg);
	return err;
}

/* col_bind sets *v to the field of msg that col names. */
static med_err
col_bind(med_arena *a, const dosage_col *col, const void *msg, med_db_value *v)
{
	const void *field = (const char *)msg + col->off;
	char *text;

	switch (col->kind) {
	case DOSAGE_COL_TEXT:
		*v = MED_DB_STR(*(char *const *)field);
		return MED_OK;
	case DOSAGE_COL_DOUBLE:
		*v = MED_DB_DBL(*(const double *)field);
		return MED_OK;
	case DOSAGE_COL_U32:
		*v = MED_DB_I64(*(const uint32_t *)field);
		return MED_OK;
	case DOSAGE_COL_I64:
		*v = MED_DB_I64(*(const int64_t *)field);
		return MED_OK;
	case DOSAGE_COL_BOOL:
		*v = MED_DB_I64(*(const protobuf_c_boolean *)field ? 1 : 0);
		return MED_OK;
	case DOSAGE_COL_ENUM:
		*v = MED_DB_I64(*(const int *)field);
		return MED_OK;
	case DOSAGE_COL_FORM:
		if ((text = col->text(a, msg)) == NULL)
			return MED_ERR_NOMEM;
		*v = MED_DB_STR(text);
		return MED_OK;
	case DOSAGE_COL_OWN:
		return MED_OK;
	}
	return MED_ERR_INTERNAL;
}

med_err
dosage_cols_bind(med_arena *a, const dosage_col *cols, size_t n,
		 const void *msg, med_db_value *v)
{
	med_err err = MED_OK;

	for (size_t i = 0; err == MED_OK && i < n; i++)
		err = col_bind(a, &cols[i], msg, &v[i]);
	return err;
}
