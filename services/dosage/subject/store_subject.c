/*
 * store_subject.c - loading what a dose is checked against, inside the
 * caller's transaction: the order (its row), the patient's context with
 * the merged records', the drug, what was given; and the stored form of
 * checks and overrides that orders and administrations share.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <med/util.h>

#include <stdlib.h>
#include <string.h>

#include "dosage.h"
#include "patient.h"
#include "checks.h"
#include "catalogue.h"
#include "subject.h"

/* --- orders as stored ------------------------------------------------------
 */

/* order_versioning reads the columns of versions and holds (26..34). */
static void
order_versioning(med_arena *a, const med_db_row *row, dosage_order *o)
{
	o->version = (uint32_t)med_db_row_int64(row, 26);
	o->first_order_id = med_db_row_strdup(a, row, 27);
	o->replaces_order_id = med_db_row_strdup(a, row, 28);
	o->replaced_by_order_id = med_db_row_strdup(a, row, 29);
	o->replaced_ms = med_db_row_int64(row, 30);
	o->change_reason = med_db_row_strdup(a, row, 31);
	o->held_by = med_db_row_strdup(a, row, 32);
	o->held_ms = med_db_row_int64(row, 33);
	o->hold_reason = med_db_row_strdup(a, row, 34);
	o->intent = "order";
	o->fhir_status = (char *)dosage_order_fhir_status(o->status);
}

/* order_infusion reads the infusion's columns, the encounter and the
 * regimen (35..41). */
static void
order_infusion(med_arena *a, const med_db_row *row, dosage_order *o)
{
	o->infusion_rate = med_db_row_double(row, 35);
	o->infusion_rate_unit = med_db_row_strdup(a, row, 36);
	o->infusion_rate_max = med_db_row_double(row, 37);
	o->infusion_bag_amount = med_db_row_double(row, 38);
	o->infusion_bag_volume_ml = med_db_row_double(row, 39);
	o->encounter_id = med_db_row_strdup(a, row, 40);
	o->regimen = med_db_row_strdup(a, row, 41);
}

/* order_complete: every text column was copied (a NULL is an arena
 * that ran out). */
static bool
order_complete(const dosage_order *o)
{
	return o->id && o->patient_id && o->drug_code && o->unit && o->route &&
	       o->frequency && o->created_by && o->discontinued_by &&
	       o->discontinue_reason && o->drug_unit && o->verified_by &&
	       o->first_order_id && o->replaces_order_id &&
	       o->replaced_by_order_id && o->change_reason && o->held_by &&
	       o->hold_reason && o->infusion_rate_unit && o->encounter_id &&
	       o->regimen;
}

med_err
dosage_store_order_row(void *arg, const med_db_row *row)
{
	dosage_order_rows *r = arg;
	med_arena *a = r->arena;
	dosage_order *o =
		med_arena_push_msg(a, (void ***)&r->items, &r->n, &r->cap,
				   &smartmed__dosage__v1__order__descriptor);

	if (o == NULL)
		return MED_ERR_NOMEM;
	o->id = med_db_row_strdup(a, row, 0);
	o->patient_id = med_db_row_strdup(a, row, 1);
	o->drug_code = med_db_row_strdup(a, row, 2);
	o->dose = med_db_row_double(row, 3);
	o->unit = med_db_row_strdup(a, row, 4);
	o->route = med_db_row_strdup(a, row, 5);
	o->frequency = med_db_row_strdup(a, row, 6);
	o->prn = med_db_row_int64(row, 7) != 0;
	o->start_ms = med_db_row_int64(row, 8);
	o->end_ms = med_db_row_int64(row, 9);
	o->status =
		(Smartmed__Dosage__V1__OrderStatus)med_db_row_int64(row, 10);
	o->created_by = med_db_row_strdup(a, row, 11);
	o->created_ms = med_db_row_int64(row, 12);
	o->discontinued_by = med_db_row_strdup(a, row, 13);
	o->discontinued_ms = med_db_row_int64(row, 14);
	o->discontinue_reason = med_db_row_strdup(a, row, 15);
	o->dose_in_drug_unit = med_db_row_double(row, 16);
	o->drug_unit = med_db_row_strdup(a, row, 17);
	o->prn_min_interval_minutes = (uint32_t)med_db_row_int64(row, 18);
	o->prn_max_daily_dose = med_db_row_double(row, 19);
	o->overall =
		(Smartmed__Dosage__V1__CheckStatus)med_db_row_int64(row, 20);
	o->dose_override = dosage_store_read_override(a, row, 22);
	o->verified_by = med_db_row_strdup(a, row, 24);
	o->verified_ms = med_db_row_int64(row, 25);
	order_versioning(a, row, o);
	order_infusion(a, row, o);
	if (med_db_row_columns(row) > DOSAGE_ORDER_N_COLUMNS && r->last_ms &&
	    r->n <= r->last_cap)
		r->last_ms[r->n - 1] =
			med_db_row_int64(row, DOSAGE_ORDER_N_COLUMNS);
	if (!order_complete(o))
		return MED_ERR_NOMEM;
	if (med_db_row_is_null(row, 21))
		return MED_OK; /* an order from before order-entry checks */
	return dosage_store_unpack_checks(a, row, 21, &o->checks, &o->n_checks);
}

med_err
dosage_store_read_order(med_db_conn *c, med_arena *a, const char *id, bool lock,
			dosage_order *out)
{
	dosage_order_rows r = {.arena = a};
	med_db_value k[] = {MED_DB_STR(id)};
	med_err err =
		med_db_query_row(c,
				 lock ? "SELECT " DOSAGE_ORDER_COLUMNS
					" FROM orders WHERE id = ? FOR UPDATE"
				      : "SELECT " DOSAGE_ORDER_COLUMNS
					" FROM orders WHERE id = ?",
				 k, 1, dosage_store_order_row, &r);

	if (err == MED_OK)
		*out = *r.items[0];
	return err;
}

/* --- what was given, for order entry ----------------------------------- */

typedef struct given_ctx {
	const dosage_family *fam;
	const char *patient_id;
	const dosage_drug *drug;
	int64_t at_ms;
	dosage_dose_history *out;
} given_ctx;

static med_err
given_tx(med_db_conn *c, void *arg)
{
	given_ctx *g = arg;

	return dosage_store_given(c, g->fam, g->patient_id, g->drug, g->at_ms,
				  g->out);
}

med_err
dosage_store_given_once(med_db *db, const dosage_family *fam,
			const char *patient_id, const dosage_drug *d,
			int64_t at_ms, dosage_dose_history *out)
{
	given_ctx g = {fam, patient_id, d, at_ms, out};

	/* A read: the call's audit event commits with its write, not here. */
	return med_db_tx(db, given_tx, &g);
}

/* --- the subject -------------------------------------------------------- */

/* join_merged_contexts joins the contexts of the records merged into
 * patient_id into s's (read, not locked: no write reaches a merged id). */
static med_err
join_merged_contexts(med_db_conn *c, med_arena *arena, const dosage_family *fam,
		     const char *patient_id, dosage_subject *s)
{
	const char *const *ids;
	size_t n = dosage_family_merged(fam, patient_id, &ids);

	for (size_t i = 0; i < n; i++) {
		dosage_context other;
		bool is_set = false;
		med_err err = dosage_store_read_ctx(c, arena, ids[i], false,
						    &other, &is_set);

		if (err == MED_ERR_NOT_FOUND || (err == MED_OK && !is_set))
			continue;
		if (err != MED_OK)
			return err;
		if (!s->has_ctx) {
			s->ctx = other;
			s->ctx.patient_id = (char *)patient_id;
			s->has_ctx = true;
			continue;
		}
		dosage_context_join(arena, &s->ctx, &other);
	}
	return MED_OK;
}

med_err
dosage_store_load_subject(med_db_conn *c, med_arena *arena,
			  const dosage_family *fam, const char *order_id,
			  const char *patient_id, const char *drug_code,
			  int64_t at_ms, bool lock, dosage_subject *s)
{
	bool is_set = false;
	med_err err;

	memset(s, 0, sizeof(*s));
	s->at_ms = at_ms;
	if (order_id) {
		if ((err = dosage_store_read_order(c, arena, order_id, lock,
						   &s->order)) != MED_OK)
			return err;
		s->has_order = true;
		patient_id = s->order.patient_id;
		drug_code = s->order.drug_code;
	}
	err = dosage_store_read_ctx(c, arena, patient_id, lock, &s->ctx,
				    &is_set);
	if (err != MED_OK && err != MED_ERR_NOT_FOUND)
		return err;
	s->has_ctx = err == MED_OK && is_set;
	if ((err = join_merged_contexts(c, arena, fam, patient_id, s)) !=
		    MED_OK ||
	    (err = dosage_store_drug_conn(c, arena, drug_code, &s->drug)) !=
		    MED_OK ||
	    (err = dosage_store_given(c, fam, patient_id, &s->drug, at_ms,
				      &s->hist)) != MED_OK)
		return err;
	/* What the class checks meet: other products of the dose's
	 * duplicate-therapy groups and every opioid, read with the rest
	 * (the patient's row is locked when recording). */
	if ((s->classes = med_arena_zalloc(arena, sizeof(*s->classes))) == NULL)
		return MED_ERR_NOMEM;
	return dosage_store_class_given(c, arena, fam, patient_id, at_ms,
					s->classes);
}

const char *
dosage_subject_limit(const dosage_subject *s)
{
	if (s->hist.limit != NULL || s->classes == NULL)
		return s->hist.limit;
	return s->classes->limit;
}

/* --- checks and overrides as stored ------------------------------------ */

med_err
dosage_store_pack_checks(med_arena *a, dosage_check **checks, size_t n,
			 uint8_t **blob, size_t *len)
{
	Smartmed__Dosage__V1__CheckDoseResponse pack =
		SMARTMED__DOSAGE__V1__CHECK_DOSE_RESPONSE__INIT;

	pack.checks = checks;
	pack.n_checks = n;
	*len = protobuf_c_message_get_packed_size(&pack.base);
	if ((*blob = med_arena_alloc(a, *len + 1)) == NULL)
		return MED_ERR_NOMEM;
	protobuf_c_message_pack(&pack.base, *blob);
	return MED_OK;
}

dosage_override *
dosage_store_read_override(med_arena *a, const med_db_row *row, size_t col)
{
	dosage_override *o;

	if (med_db_row_int64(row, col) == 0)
		return NULL;
	if ((o = med_arena_zalloc(a, sizeof(*o))) == NULL)
		return NULL;
	smartmed__dosage__v1__override__init(o);
	o->reason = (Smartmed__Dosage__V1__OverrideReason)med_db_row_int64(row,
									   col);
	o->text = med_db_row_strdup(a, row, col + 1);
	return o;
}

med_err
dosage_store_read_deviation(med_arena *a, const med_db_row *row, size_t col,
			    dosage_deviation **out)
{
	dosage_deviation *d;

	*out = NULL;
	if (med_db_row_int64(row, col) == 0)
		return MED_OK;
	if ((d = med_arena_zalloc(a, sizeof(*d))) == NULL)
		return MED_ERR_NOMEM;
	smartmed__dosage__v1__dose_deviation__init(d);
	d->reason = (Smartmed__Dosage__V1__DoseDeviationReason)med_db_row_int64(
		row, col);
	if ((d->text = med_db_row_strdup(a, row, col + 1)) == NULL)
		return MED_ERR_NOMEM;
	*out = d;
	return MED_OK;
}

med_err
dosage_store_unpack_checks(med_arena *a, const med_db_row *row, size_t col,
			   dosage_check ***checks, size_t *n)
{
	ProtobufCAllocator alloc;
	size_t len = 0;
	const char *blob = med_db_row_text(row, col, &len);
	Smartmed__Dosage__V1__CheckDoseResponse *r;

	med_arena_pb_allocator(a, &alloc);
	r = smartmed__dosage__v1__check_dose_response__unpack(
		&alloc, len, (const uint8_t *)blob);
	if (r == NULL)
		return MED_ERR_DATA_LOSS;
	*checks = r->checks;
	*n = r->n_checks;
	return MED_OK;
}

/* --- administrations as stored ----------------------------------------- */

#define ADMIN(name, kind, field) DOSAGE_COL(name, kind, dosage_admin, field)

const dosage_col dosage_admin_cols[DOSAGE_ADMIN_N_COLUMNS] = {
	ADMIN("id", TEXT, id),
	ADMIN("order_id", TEXT, order_id),
	ADMIN("patient_id", TEXT, patient_id),
	ADMIN("drug_code", TEXT, drug_code),
	ADMIN("dose", DOUBLE, dose),
	ADMIN("unit", TEXT, unit),
	ADMIN("dose_drug_unit", DOUBLE, dose_in_drug_unit),
	ADMIN("drug_unit", TEXT, drug_unit),
	ADMIN("effective_ms", I64, effective_ms),
	ADMIN("recorded_ms", I64, recorded_ms),
	ADMIN("status", TEXT, status),
	ADMIN("performer", TEXT, performer),
	ADMIN("identity", TEXT, identity),
	ADMIN("token_id", TEXT, verification_token_id),
	ADMIN("v_score", DOUBLE, verification_score),
	ADMIN("v_threshold", DOUBLE, verification_threshold),
	ADMIN("v_model", TEXT, verification_model),
	ADMIN("dose_ovr_by", TEXT, dose_override_by),
	ADMIN("overall", ENUM, overall),
	ADMIN("scheduled_ms", I64, scheduled_ms),
	ADMIN("not_given_reason", ENUM, not_given_reason),
	ADMIN("not_given_text", TEXT, not_given_text),
	ADMIN("cosign_id", TEXT, cosign_id),
	ADMIN("scan_gtin", TEXT, product_gtin),
	ADMIN("scan_batch", TEXT, product_batch),
	ADMIN("scan_expiry", TEXT, product_expiry),
	ADMIN("scan_serial", TEXT, product_serial),
	ADMIN("ward", TEXT, ward),
	ADMIN("ordered_drug_unit", DOUBLE, ordered_dose_in_drug_unit),
	DOSAGE_COL_OWN_OF("dose_ovr_reason"),
	DOSAGE_COL_OWN_OF("dose_ovr_text"),
	DOSAGE_COL_OWN_OF("id_ovr_reason"),
	DOSAGE_COL_OWN_OF("id_ovr_text"),
	DOSAGE_COL_OWN_OF("cos_ovr_reason"),
	DOSAGE_COL_OWN_OF("cos_ovr_text"),
	DOSAGE_COL_OWN_OF("scan_ovr_reason"),
	DOSAGE_COL_OWN_OF("scan_ovr_text"),
	DOSAGE_COL_OWN_OF("dev_reason"),
	DOSAGE_COL_OWN_OF("dev_text"),
	DOSAGE_COL_OWN_OF("checks"),
	ADMIN("v_checked", TEXT, identifiers_checked),
	ADMIN("v_checked_by", TEXT, identifiers_checked_by),
	ADMIN("v_terminal", TEXT, identification_terminal),
	/* Set after it is recorded. */
	ADMIN("confirmed_by", TEXT, confirmed_by),
	ADMIN("confirmed_ms", I64, confirmed_ms),
	ADMIN("eie_by", TEXT, entered_in_error_by),
	ADMIN("eie_ms", I64, entered_in_error_ms),
	ADMIN("eie_reason", TEXT, entered_in_error_reason),
	ADMIN("eie_req_by", TEXT, entered_in_error_requested_by),
	ADMIN("eie_req_ms", I64, entered_in_error_requested_ms),
	ADMIN("eie_req_reason", TEXT, entered_in_error_requested_reason),
};

MED_DB_PARAMS_FIT(DOSAGE_ADMIN_N_RECORDED);

/* The first DOSAGE_ADMIN_N_RECORDED columns of DOSAGE_ADMIN_COLUMNS. */
static const char admin_insert_sql[] =
	"INSERT INTO administrations (id, order_id, patient_id, drug_code,"
	" dose, unit, dose_drug_unit, drug_unit, effective_ms, recorded_ms,"
	" status, performer, identity, token_id, v_score, v_threshold,"
	" v_model, dose_ovr_by, overall, scheduled_ms, not_given_reason,"
	" not_given_text, cosign_id, scan_gtin, scan_batch, scan_expiry,"
	" scan_serial, ward, ordered_drug_unit, dose_ovr_reason,"
	" dose_ovr_text, id_ovr_reason, id_ovr_text, cos_ovr_reason,"
	" cos_ovr_text, scan_ovr_reason, scan_ovr_text, dev_reason, dev_text,"
	" checks, v_checked, v_checked_by, v_terminal)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	" ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/* bind_override binds an override as its reason and text (0 and ""
 * when there is none). */
static void
bind_override(const dosage_override *o, med_db_value v[2])
{
	v[0] = MED_DB_I64(o ? o->reason : 0);
	v[1] = MED_DB_STR(o ? o->text : "");
}

/* admin_bind_own binds the OWN columns of dosage_admin_cols for m into
 * v: its overrides (a scan override absent is NULL), its dose deviation
 * and its checks, packed in a. */
static med_err
admin_bind_own(med_arena *a, const dosage_admin *m, med_db_value *v)
{
	const dosage_override *sov = m->scan_override;
	const dosage_deviation *dev = m->dose_deviation;
	med_db_value *scan = &v[DOSAGE_ADMIN_COL_SCAN_OVR];
	size_t len;
	uint8_t *blob;

	if (dosage_store_pack_checks(a, m->checks, m->n_checks, &blob, &len) !=
	    MED_OK)
		return MED_ERR_NOMEM;
	bind_override(m->dose_override, &v[DOSAGE_ADMIN_COL_DOSE_OVR]);
	bind_override(m->identity_override, &v[DOSAGE_ADMIN_COL_ID_OVR]);
	bind_override(m->cosign_override, &v[DOSAGE_ADMIN_COL_COS_OVR]);
	scan[0] = sov ? MED_DB_I64(sov->reason) : MED_DB_NULLV();
	scan[1] = sov ? MED_DB_STR(sov->text) : MED_DB_NULLV();
	v[DOSAGE_ADMIN_COL_DEV] = MED_DB_I64(dev ? dev->reason : 0);
	v[DOSAGE_ADMIN_COL_DEV + 1] = MED_DB_STR(dev ? dev->text : "");
	v[DOSAGE_ADMIN_COL_CHECKS] = MED_DB_BLOBV(blob, len);
	return MED_OK;
}

med_err
dosage_store_insert_admin(med_db_conn *c, med_arena *a, const dosage_admin *m)
{
	med_db_value v[DOSAGE_ADMIN_N_RECORDED];
	med_err err;

	if ((err = admin_bind_own(a, m, v)) != MED_OK ||
	    (err = dosage_cols_bind(a, dosage_admin_cols,
				    DOSAGE_ADMIN_N_RECORDED, m, v)) != MED_OK)
		return err;
	return med_db_exec(c, admin_insert_sql, v, DOSAGE_ADMIN_N_RECORDED,
			   NULL, NULL);
}
