/*
 * columns.h - a row of a table as the fields of a protobuf-c message: a
 * table of columns, each naming the field it holds (offsetof) and how, that
 * reads a med_db_row into a message and binds a message as the parameters
 * of a statement.  A store's row mapper is then a table that a reader can
 * hold beside the column list, not a page of assignments by number.
 */
#ifndef DOSAGE_COLUMNS_H
#define DOSAGE_COLUMNS_H

#include <stddef.h>

#include <med/arena.h>
#include <med/db.h>

/* What a column holds, and so how it is read and bound. */
typedef enum dosage_col_kind {
	DOSAGE_COL_TEXT,   /* char *; a NULL column reads as "" */
	DOSAGE_COL_DOUBLE, /* double */
	DOSAGE_COL_U32,	   /* uint32_t */
	DOSAGE_COL_I64,	   /* int64_t */
	DOSAGE_COL_BOOL,   /* protobuf_c_boolean, stored 0 or 1 */
	DOSAGE_COL_ENUM,   /* a protobuf-c enum (int-sized), as its number */
	DOSAGE_COL_FORM,   /* a text form of its own: the entry's helpers */
	DOSAGE_COL_OWN,	   /* read and bound by the caller, not the table */
} dosage_col_kind;

/* dosage_col - one column and the field of the message it holds. */
typedef struct dosage_col {
	const char *name; /* the column, in the order of the statement's */
	dosage_col_kind kind;
	size_t off; /* offsetof(message, field); FORM and OWN: 0 */
	/* FORM: the field's text form in a (NULL when it cannot be made),
	 * and the field read back from it (text may be NULL). */
	char *(*text)(med_arena *a, const void *msg);
	med_err (*read)(med_arena *a, const char *text, void *msg);
} dosage_col;

/* DOSAGE_COL(name, KIND, type, field): a column of a plain kind. */
#define DOSAGE_COL(name, kind, type, field)                                    \
	{                                                                      \
		name, DOSAGE_COL_##kind, offsetof(type, field), NULL, NULL     \
	}
/* DOSAGE_COL_FORM_OF(name, text, read): a column in a text form of its
 * own. */
#define DOSAGE_COL_FORM_OF(name, text, read)                                   \
	{                                                                      \
		name, DOSAGE_COL_FORM, 0, text, read                           \
	}
/* DOSAGE_COL_OWN_OF(name): a column the caller reads and binds. */
#define DOSAGE_COL_OWN_OF(name)                                                \
	{                                                                      \
		name, DOSAGE_COL_OWN, 0, NULL, NULL                            \
	}

/*
 * dosage_cols_read reads columns 0..n-1 of row into msg's fields as cols
 * says (texts in a), skipping the OWN ones.  Errors: MED_ERR_NOMEM, a
 * FORM's read's.
 */
med_err dosage_cols_read(med_arena *a, const med_db_row *row,
			 const dosage_col *cols, size_t n,
			 void *msg) MED_MUST_CHECK;

/*
 * dosage_cols_bind sets v[0..n-1] to msg's fields as cols says (FORM texts
 * in a), leaving the OWN ones for the caller.  The values point into msg
 * and a.  Errors: MED_ERR_NOMEM (a FORM's text could not be made).
 */
med_err dosage_cols_bind(med_arena *a, const dosage_col *cols, size_t n,
			 const void *msg, med_db_value *v) MED_MUST_CHECK;

#endif
