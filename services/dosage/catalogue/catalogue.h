/*
 * catalogue.h - the drug catalogue: ImportCatalogue's CSV reader
 * (catalogue.c), its SQL and the migrations (store.c) and the product scan
 * (gs1.c).  Route rules: route.h; substances: substances.h.
 */
#ifndef DOSAGE_CATALOGUE_H
#define DOSAGE_CATALOGUE_H

/* The CSV reader (dosage_csv_reader, dosage_csv_row, dosage_csv_read_row)
 * is csv.h's, shared with the interaction and allergy name imports. */
#include "csv.h"
#include "dosage.h"

/* --- catalogue.c: CSV import ------------------------------------------- */

/* dosage_import - the parsed CSV: entries and row errors (arena-backed). */
typedef struct dosage_import {
	dosage_drug **drugs;
	size_t n_drugs, cap_drugs;
	Smartmed__Dosage__V1__RowError **errors;
	size_t n_errors, cap_errors;
} dosage_import;

#define DOSAGE_CSV_MAX_BYTES  (1024 * 1024)
#define DOSAGE_CSV_MAX_ROWS   5000
#define DOSAGE_CSV_MAX_ERRORS 100
/*
 * dosage_amount_problem checks an amount of drug, a dose or a limit: a
 * finite number from 0 (above 0 when required) up to 1e6 in the drug's
 * unit; else fills p naming field and returns MED_ERR_INVALID.  The one
 * rule for every amount the service takes.
 */
med_err dosage_amount_problem(const char *field, double v, bool required,
			      med_problem *p) MED_MUST_CHECK;

/*
 * dosage_csv_parse parses csv into out (memory from a).  A problem with
 * the whole text (empty, no header, a required column missing, too many
 * rows) is MED_ERR_INVALID with p naming "csv"; row problems go to
 * out->errors and the parse goes on.  MED_ERR_NOMEM leaves p unset.
 */
med_err dosage_csv_parse(med_arena *a, const uint8_t *csv, size_t len,
			 dosage_import *out, med_problem *p) MED_MUST_CHECK;

/* --- store_allergy.c: the pharmacy's other names for allergies ---------- */

struct dosage_allergy_names;
struct dosage_allergy_table;

/* dosage_allergy_starter gives the shipped table (parsed once; empty and
 * false when it does not read, which the log says). */
bool dosage_allergy_starter(struct dosage_allergy_names *out);

/* dosage_store_allergy_names_put upserts t's rows by name in the caller's
 * transaction, as a new version (*version) by user. */
med_err dosage_store_allergy_names_put(med_db_conn *c,
				       const struct dosage_allergy_table *t,
				       const char *user, int64_t now_ms,
				       uint64_t *version) MED_MUST_CHECK;

/* dosage_store_allergy_names_conn reads the pharmacy's rows (not the
 * shipped table's) in the caller's transaction. */
med_err dosage_store_allergy_names_conn(med_db_conn *c, med_arena *a,
					struct dosage_allergy_names *out)
	MED_MUST_CHECK;

/* dosage_store_allergy_names reads the table a check uses: the pharmacy's
 * rows, then the shipped ones (memory from a). */
med_err dosage_store_allergy_names(med_db *db, med_arena *a,
				   const struct dosage_allergy_names **out)
	MED_MUST_CHECK;

struct dosage_allergy_codings;
typedef Smartmed__Dosage__V1__AllergyCoding dosage_allergy_coding_msg;

/* dosage_store_code_allergy stores a pharmacist's coding (replacing one of
 * the same patient and text) in the caller's transaction. */
med_err
dosage_store_code_allergy(med_db_conn *conn,
			  const dosage_allergy_coding_msg *c) MED_MUST_CHECK;

/* dosage_store_allergy_codings reads the codings of every record of fam
 * (newest first; memory from a). */
med_err dosage_store_allergy_codings(
	med_db *db, med_arena *a, const dosage_family *fam,
	const struct dosage_allergy_codings **out) MED_MUST_CHECK;

/* --- store.c: the catalogue -------------------------------------------- */

/* The catalogue table's columns (store.c's drug_cols). */
#define DOSAGE_DRUG_N_COLUMNS 46

/* dosage_store_upsert_conn writes d inside the caller's transaction, as
 * written at now_ms: its row, substances and GTINs. */
med_err dosage_store_upsert_conn(med_db_conn *c, med_arena *a,
				 const dosage_drug *d,
				 int64_t now_ms) MED_MUST_CHECK;
/* dosage_store_import_conn writes drugs[0..n) as dosage_store_upsert_conn
 * does, in the caller's transaction. */
med_err dosage_store_import_conn(med_db_conn *c, dosage_drug *const *drugs,
				 size_t n, int64_t now_ms) MED_MUST_CHECK;
/* dosage_drug_columns binds d as the catalogue table's columns, as a
 * write binds them: names[i] and v[i] (values in a and d), so that two
 * entries compare column by column (drug_diff.c).  Errors:
 * MED_ERR_NOMEM. */
med_err
dosage_drug_columns(med_arena *a, const dosage_drug *d,
		    const char *names[DOSAGE_DRUG_N_COLUMNS],
		    med_db_value v[DOSAGE_DRUG_N_COLUMNS]) MED_MUST_CHECK;
med_err dosage_store_get(med_db *db, med_arena *arena, const char *code,
			 dosage_drug *out) MED_MUST_CHECK;
med_err dosage_store_list(med_db *db, med_arena *arena, const char *name_prefix,
			  uint64_t offset, uint32_t limit, dosage_drug ***out,
			  size_t *n) MED_MUST_CHECK;
/* dosage_store_gtin_drug finds the catalogue entry of a 14-digit GTIN:
 * *drug_code NULL when none. */
med_err dosage_store_gtin_drug(med_db_conn *c, med_arena *a, const char *gtin,
			       char **drug_code) MED_MUST_CHECK;

/* dosage_store_drug_conn reads a drug inside a transaction. */
med_err dosage_store_drug_conn(med_db_conn *c, med_arena *arena,
			       const char *code,
			       dosage_drug *out) MED_MUST_CHECK;

/* --- gs1.c: the product scan --------------------------------------------- */

struct dosage_gs1;

/* The longest scan read: four elements and their separators, with room. */
#define DOSAGE_GS1_MAX 200

/* dosage_gs1 - what a scan says about the product (strings "" when
 * absent). */
typedef struct dosage_gs1 {
	char gtin[15];	 /* AI 01, 14 digits (a bare GTIN padded with 0s) */
	char expiry[7];	 /* AI 17, YYMMDD (DD 00: the month's last day) */
	char batch[21];	 /* AI 10 */
	char serial[21]; /* AI 21 */
} dosage_gs1;

/* dosage_gtin_valid: 8, 12, 13 or 14 digits with a right check digit. */
bool dosage_gtin_valid(const char *gtin);

/* dosage_gtin14 pads a valid GTIN to its 14-digit form. */
void dosage_gtin14(const char *gtin, char out[15]);

/*
 * dosage_gs1_parse reads a scan: a bare GTIN-8/12/13/14, or GS1 element
 * strings (AIs 01, 17, 10, 21), raw with GS separators (and an optional
 * symbology identifier such as "]d2") or in brackets.  A problem
 * (MED_ERR_INVALID, field "product_scan") when it cannot be read, AI 01 is
 * missing or its check digit is wrong.
 */
med_err dosage_gs1_parse(const char *scan, dosage_gs1 *out,
			 med_problem *pr) MED_MUST_CHECK;

/* dosage_gs1_expiry_end_ms is when expiry YYMMDD ends (the next day's
 * 00:00 UTC), the century chosen as GS1 says relative to now_ms. */
med_err dosage_gs1_expiry_end_ms(const char *yymmdd, int64_t now_ms,
				 int64_t *end_ms) MED_MUST_CHECK;

/* --- route.c: a dose in the drug's unit --------------------------------- */

/*
 * dosage_drug_convert converts dose in unit to drug's unit: directly in
 * one dimension, or a volume through the drug's concentration (10 mL of
 * 120 mg/5 mL is 240 mg).  MED_ERR_INVALID when neither applies.
 */
med_err dosage_drug_convert(const dosage_drug *drug, double dose,
			    const char *unit, double *out) MED_MUST_CHECK;

#endif
