/*
 * subject.h - loading what a dose is checked against: the patient's
 * context (store_context.c), the order, the drug and what was given
 * (store_subject.c), and the stored form of checks and overrides.  One
 * place owns it; orders/, infusions/ and mar/ call it, it calls only
 * catalogue/, patient/ and checks/ (the folders below it).
 */
#ifndef DOSAGE_SUBJECT_H
#define DOSAGE_SUBJECT_H

#include "dosage.h"
#include "columns.h"

/* --- store_context.c: a patient's context ------------------------------ */

/* dosage_store_write_context stores context in as user's at now_ms
 * (scratch from a). */
med_err dosage_store_write_context(med_db_conn *c, med_arena *a,
				   const dosage_context *in, const char *user,
				   int64_t now_ms) MED_MUST_CHECK;
/* dosage_store_write_weight_confirmation stores that user confirmed the
 * patient's weight kg measured at measured_ms (reason) at now_ms. */
med_err dosage_store_write_weight_confirmation(
	med_db_conn *c, const char *patient_id, double kg, int64_t measured_ms,
	const char *user, const char *reason, int64_t now_ms) MED_MUST_CHECK;

/* dosage_store_get_context: MED_ERR_NOT_FOUND when never set. */
med_err dosage_store_get_context(med_db *db, med_arena *arena,
				 const char *patient_id,
				 dosage_context *out) MED_MUST_CHECK;
/* dosage_store_given_once is dosage_store_given in a read transaction of
 * its own (order entry: nothing to lock); on MED_ERR_LIMIT out->limit
 * names the limit (dosage_fail_limit). */
med_err dosage_store_given_once(med_db *db, const dosage_family *fam,
				const char *patient_id, const dosage_drug *d,
				int64_t at_ms,
				dosage_dose_history *out) MED_MUST_CHECK;

/*
 * dosage_store_load_subject loads what the checks need, by order (order_id
 * set; locked with the patient's row when lock) or by patient and drug,
 * with what was given around at_ms.  MED_ERR_NOT_FOUND: no such order or
 * drug; MED_ERR_LIMIT: what was given is past DOSAGE_GIVEN_MAX_ROWS
 * (dosage_subject_limit names it).
 */
med_err dosage_store_load_subject(med_db_conn *c, med_arena *arena,
				  const dosage_family *fam,
				  const char *order_id, const char *patient_id,
				  const char *drug_code, int64_t at_ms,
				  bool lock, dosage_subject *s) MED_MUST_CHECK;

/* dosage_subject_limit is the capacity limit loading s met, in words
 * (static), when dosage_store_load_subject returned MED_ERR_LIMIT; else
 * NULL.  The caller that holds the call names it (dosage_fail_limit). */
const char *dosage_subject_limit(const dosage_subject *s);

/* dosage_store_read_ctx reads a patient's context row inside a
 * transaction; MED_ERR_NOT_FOUND when there is none (*is_set false for a
 * placeholder row). */
med_err dosage_store_read_ctx(med_db_conn *c, med_arena *a,
			      const char *patient_id, bool lock,
			      dosage_context *out, bool *is_set) MED_MUST_CHECK;

/* dosage_store_ensure_patient makes the row that serialises a patient's
 * administrations (a placeholder until SetPatientContext fills it). */
med_err dosage_store_ensure_patient(med_db_conn *c,
				    const char *patient_id) MED_MUST_CHECK;

/* The stored form of checks and overrides, shared by orders and
 * administrations: checks as a CheckDoseResponse blob (arena), an
 * override as reason and text columns (NULL when reason is 0). */
med_err dosage_store_pack_checks(med_arena *a, dosage_check **checks, size_t n,
				 uint8_t **blob, size_t *len) MED_MUST_CHECK;
med_err dosage_store_unpack_checks(med_arena *a, const med_db_row *row,
				   size_t col, dosage_check ***checks,
				   size_t *n) MED_MUST_CHECK;
dosage_override *dosage_store_read_override(med_arena *a, const med_db_row *row,
					    size_t col);

/* dosage_store_read_deviation reads a dose deviation stored as reason
 * and text columns at col (*out NULL when reason is 0).  Errors:
 * MED_ERR_NOMEM. */
med_err dosage_store_read_deviation(med_arena *a, const med_db_row *row,
				    size_t col,
				    dosage_deviation **out) MED_MUST_CHECK;

/* --- store_subject.c: orders as stored --------------------------------- */

/* The columns of an order row, in the order dosage_store_order_row reads
 * them; a query may add one more (dosage_order_rows.last_ms). */
#define DOSAGE_ORDER_COLUMNS                                                   \
	"id, patient_id, drug_code, dose, unit, route, frequency, prn,"        \
	" start_ms, end_ms, status, created_by, created_ms, discontinued_by,"  \
	" discontinued_ms, discontinue_reason, dose_drug_unit, drug_unit,"     \
	" prn_min_interval, prn_max_daily, overall, checks, ovr_reason,"       \
	" ovr_text, verified_by, verified_ms, version, first_id, replaces_id," \
	" replaced_by, replaced_ms, change_reason, held_by, held_ms,"          \
	" hold_reason, inf_rate, inf_rate_unit, inf_rate_max, inf_bag_amount," \
	" inf_bag_ml, encounter_id, regimen"
#define DOSAGE_ORDER_N_COLUMNS 42

/* dosage_order_rows collects the orders a query returns (arena's). */
typedef struct dosage_order_rows {
	med_arena *arena;
	dosage_order **items;
	size_t n, cap;
	int64_t *last_ms; /* optional column after the order's, per row */
	size_t last_cap;
} dosage_order_rows;

/* dosage_store_order_row is med_db_query's row callback for
 * DOSAGE_ORDER_COLUMNS into a dosage_order_rows. */
med_err dosage_store_order_row(void *arg, const med_db_row *row);

/* dosage_store_read_order reads an order inside a transaction (locked
 * when lock).  MED_ERR_NOT_FOUND when there is none. */
med_err dosage_store_read_order(med_db_conn *c, med_arena *a, const char *id,
				bool lock, dosage_order *out) MED_MUST_CHECK;

/*
 * The columns of an administration row, in the order of dosage_admin_cols:
 * first the DOSAGE_ADMIN_N_RECORDED written when it is recorded
 * (dosage_store_insert_admin), then those set later (its confirmation,
 * its entry in error).
 */
#define DOSAGE_ADMIN_COLUMNS                                                   \
	"id, order_id, patient_id, drug_code, dose, unit, dose_drug_unit,"     \
	" drug_unit, effective_ms, recorded_ms, status, performer, identity,"  \
	" token_id, v_score, v_threshold, v_model, dose_ovr_by, overall,"      \
	" scheduled_ms, not_given_reason, not_given_text, cosign_id,"          \
	" scan_gtin, scan_batch, scan_expiry, scan_serial, ward,"              \
	" ordered_drug_unit, dose_ovr_reason, dose_ovr_text, id_ovr_reason,"   \
	" id_ovr_text, cos_ovr_reason, cos_ovr_text, scan_ovr_reason,"         \
	" scan_ovr_text, dev_reason, dev_text, checks, v_checked,"             \
	" v_checked_by, v_terminal, confirmed_by, confirmed_ms, eie_by,"       \
	" eie_ms, eie_reason, eie_req_by, eie_req_ms, eie_req_reason"
#define DOSAGE_ADMIN_N_COLUMNS	51
#define DOSAGE_ADMIN_N_RECORDED 43

/* Where the OWN columns of dosage_admin_cols stand, read and written by
 * the store's helpers: each override and the deviation as a reason then
 * a text, the checks packed (dosage_store_pack_checks). */
enum {
	DOSAGE_ADMIN_COL_DOSE_OVR = 29,
	DOSAGE_ADMIN_COL_ID_OVR = 31,
	DOSAGE_ADMIN_COL_COS_OVR = 33,
	DOSAGE_ADMIN_COL_SCAN_OVR = 35,
	DOSAGE_ADMIN_COL_DEV = 37,
	DOSAGE_ADMIN_COL_CHECKS = 39,
};

/* dosage_admin_cols - DOSAGE_ADMIN_COLUMNS as the fields of a
 * dosage_admin (columns.h). */
extern const dosage_col dosage_admin_cols[DOSAGE_ADMIN_N_COLUMNS];

/* dosage_store_insert_admin writes an administration (given or not). */
med_err dosage_store_insert_admin(med_db_conn *c, med_arena *a,
				  const dosage_admin *m) MED_MUST_CHECK;

/* --- cosign.c: the high-alert second check, read and used ------------- */

/* dosage_store_read_cosign locks co-sign id ("" = none) into s->cosign;
 * s->has_cosign is false when there is no such co-sign. */
med_err dosage_store_read_cosign(med_db_conn *c, med_arena *a, const char *id,
				 dosage_subject *s) MED_MUST_CHECK;

/* dosage_store_use_cosign marks the co-sign that *admin names used by it
 * (nothing when admin->cosign_id is ""). */
med_err dosage_store_use_cosign(med_db_conn *c,
				const dosage_admin *admin) MED_MUST_CHECK;

/*
 * dosage_cosign_fits checks the co-sign s holds (s->has_cosign) against
 * what performer is about to do at at_ms: amount in unit (a dose in the
 * drug's unit, or an infusion's rate in its rate unit) of s's order, the
 * co-sign unused and unexpired at now_ms, made by another user.  Fails the
 * call otherwise.
 */
med_err dosage_cosign_fits(med_call *call, const dosage_subject *s,
			   double amount, const char *unit, int64_t at_ms,
			   int64_t now_ms,
			   const char *performer) MED_MUST_CHECK;

#endif
