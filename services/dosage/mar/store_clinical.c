/*
 * store_clinical.c - the dosage service's SQL for patient context, dose
 * checks and administrations (orders: store_orders.c).
 */
#include <med/arena.h>
#include <med/util.h>

#include <stdlib.h>
#include <string.h>

#include "dosage.h"
#include "patient.h"
#include "checks.h"
#include "catalogue.h"
#include "orders.h"
#include "mar.h"

#define COUNTED                                                                \
	"status IN ('" DOSAGE_ADMIN_COMPLETED "', '" DOSAGE_ADMIN_ON_HOLD "')"

/* --- patient context ----------------------------------------------------- */

#define CTX_COLUMNS                                                            \
	"patient_id, weight_kg, height_cm, crcl_ml_min, allergies,"            \
	" allergies_known, measured_ms, updated_by, is_set, weight_ms,"        \
	" height_ms, crcl_ms, allergies_ms, prev_weight_kg, prev_weight_ms,"   \
	" wconf_kg, wconf_ms, wconf_by"

typedef struct ctx_row {
	med_arena *arena;
	dosage_context *out;
	bool found, is_set;
} ctx_row;

static char *
join_lines(med_arena *a, char *const *items, size_t n)
{
	size_t len = 1;
	char *out, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(items[i]) + 1;
	if ((out = med_arena_alloc(a, len)) == NULL)
		return NULL;
	p = out;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(items[i]);

		memcpy(p, items[i], l);
		p += l;
		*p++ = '\n';
	}
	*p = '\0';
	return out;
}

static med_err
split_lines(med_arena *a, const char *s, char ***out, size_t *n)
{
	char *copy = med_arena_strdup(a, s ? s : ""), *p, *nl;
	size_t k = 0, cap = 0;
	char **v;

	if (copy == NULL)
		return MED_ERR_NOMEM;
	for (p = copy; *p; p++)
		cap += *p == '\n';
	if ((v = med_arena_alloc(a, (cap + 1) * sizeof(*v))) == NULL)
		return MED_ERR_NOMEM;
	for (p = copy; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		v[k++] = p;
	}
	*out = v;
	*n = k;
	return MED_OK;
}

static med_err
on_ctx_row(void *arg, const med_db_row *row)
{
	ctx_row *r = arg;
	dosage_context *c = r->out;

	smartmed__dosage__v1__patient_context__init(c);
	r->found = true;
	r->is_set = med_db_row_int64(row, 8) != 0;
	c->patient_id = med_db_row_strdup(r->arena, row, 0);
	if (!med_db_row_is_null(row, 1)) {
		c->weight_case =
			SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__WEIGHT_WEIGHT_KG;
		c->weight_kg = med_db_row_double(row, 1);
	}
	if (!med_db_row_is_null(row, 2)) {
		c->height_case =
			SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__HEIGHT_HEIGHT_CM;
		c->height_cm = med_db_row_double(row, 2);
	}
	if (!med_db_row_is_null(row, 3)) {
		c->crcl_case =
			SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__CRCL_CRCL_ML_MIN;
		c->crcl_ml_min = med_db_row_double(row, 3);
	}
	c->allergies_known = med_db_row_int64(row, 5) != 0;
	c->measured_ms = med_db_row_int64(row, 6);
	c->weight_measured_ms = med_db_row_int64(row, 9);
	c->height_measured_ms = med_db_row_int64(row, 10);
	c->crcl_measured_ms = med_db_row_int64(row, 11);
	c->allergies_assessed_ms = med_db_row_int64(row, 12);
	c->updated_by = med_db_row_strdup(r->arena, row, 7);
	if (!med_db_row_is_null(row, 13)) {
		c->previous_weight_kg = med_db_row_double(row, 13);
		c->previous_weight_measured_ms = med_db_row_int64(row, 14);
	}
	if (!med_db_row_is_null(row, 15)) {
		c->weight_confirmed_kg = med_db_row_double(row, 15);
		c->weight_confirmed_measured_ms = med_db_row_int64(row, 16);
	}
	c->weight_confirmed_by = med_db_row_strdup(r->arena, row, 17);
	if (!c->patient_id || !c->updated_by || !c->weight_confirmed_by)
		return MED_ERR_NOMEM;
	return split_lines(r->arena, med_db_row_text(row, 4, NULL),
			   &c->allergies, &c->n_allergies);
}

med_err
dosage_store_read_ctx(med_db_conn *c, med_arena *a, const char *patient_id,
		      bool lock, dosage_context *out, bool *is_set)
{
	ctx_row r = {.arena = a, .out = out};
	med_db_value k[] = {MED_DB_STR(patient_id)};
	med_err err = med_db_query(
		c,
		lock ? "SELECT " CTX_COLUMNS " FROM patient_context"
		       " WHERE patient_id = ? FOR UPDATE"
		     : "SELECT " CTX_COLUMNS " FROM patient_context"
		       " WHERE patient_id = ?",
		k, 1, on_ctx_row, &r);

	if (err != MED_OK)
		return err;
	if (!r.found)
		return MED_ERR_NOT_FOUND;
	*is_set = r.is_set;
	/* The lock must also be a write for a cluster to see it (v11). */
	return lock ? med_db_exec(c,
				  "UPDATE patient_context SET dose_serial ="
				  " dose_serial + 1 WHERE patient_id = ?",
				  k, 1, NULL, NULL)
		    : MED_OK;
}

med_err
dosage_store_ensure_patient(med_db_conn *c, const char *patient_id)
{
	med_db_value v[] = {MED_DB_STR(patient_id)};

	return med_db_exec(c,
			   "INSERT IGNORE INTO patient_context (patient_id,"
			   " is_set, allergies, allergies_known, measured_ms,"
			   " updated_by, updated_ms) VALUES (?, 0, '', 0, 0,"
			   " '', 0)",
			   v, 1, NULL, NULL);
}

typedef struct set_ctx {
	med_arena *arena;
	const dosage_context *in;
	const char *user;
	int64_t now_ms;
	dosage_context *out;
} set_ctx;

static med_db_value
opt_dbl(bool set, double v)
{
	return set ? MED_DB_DBL(v) : MED_DB_NULLV();
}

/* when_given is the time of a value the request sets, 0 when it does not
 * set it (the stored one is kept). */
static int64_t
when_given(bool given, int64_t at_ms)
{
	return given ? at_ms : 0;
}

static med_err
set_ctx_tx(med_db_conn *c, void *arg)
{
	set_ctx *s = arg;
	const dosage_context *in = s->in;
	char *allergies = join_lines(s->arena, in->allergies, in->n_allergies);
	int64_t at = in->measured_ms ? in->measured_ms : s->now_ms;
	bool w = in->weight_case ==
		 SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__WEIGHT_WEIGHT_KG;
	bool h = in->height_case ==
		 SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__HEIGHT_HEIGHT_CM;
	bool k = in->crcl_case ==
		 SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__CRCL_CRCL_ML_MIN;
	bool is_set;

	if (allergies == NULL)
		return MED_ERR_NOMEM;
	med_db_value v[] = {
		MED_DB_STR(in->patient_id),
		opt_dbl(w, in->weight_kg),
		opt_dbl(h, in->height_cm),
		opt_dbl(k, in->crcl_ml_min),
		MED_DB_STR(allergies),
		MED_DB_I64(in->allergies_known ? 1 : 0),
		MED_DB_I64(at),
		MED_DB_STR(s->user),
		MED_DB_I64(s->now_ms),
		MED_DB_I64(when_given(w, at)),
		MED_DB_I64(when_given(h, at)),
		MED_DB_I64(when_given(k, at)),
		MED_DB_I64(when_given(in->allergies_known, at)),
	};
	/* Each value and its time change only when the request sets it:
	 * sending a weight never erases a creatinine clearance. */
	med_err err = med_db_exec(
		c,
		"INSERT INTO patient_context (patient_id, weight_kg,"
		" height_cm, crcl_ml_min, allergies, allergies_known,"
		" measured_ms, updated_by, updated_ms, is_set, weight_ms,"
		" height_ms, crcl_ms, allergies_ms)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)"
		" ON DUPLICATE KEY UPDATE"
		/* First, while weight_kg is still the old one: it becomes
		 * the previous weight (the jump rule). */
		" prev_weight_kg = IF(VALUES(weight_ms) > 0 AND weight_kg IS"
		" NOT NULL, weight_kg, prev_weight_kg),"
		" prev_weight_ms = IF(VALUES(weight_ms) > 0 AND weight_kg IS"
		" NOT NULL, weight_ms, prev_weight_ms),"
		" weight_kg = IF(VALUES(weight_ms) > 0, VALUES(weight_kg),"
		" weight_kg),"
		" height_cm = IF(VALUES(height_ms) > 0, VALUES(height_cm),"
		" height_cm),"
		" crcl_ml_min = IF(VALUES(crcl_ms) > 0, VALUES(crcl_ml_min),"
		" crcl_ml_min),"
		" allergies = IF(VALUES(allergies_ms) > 0, VALUES(allergies),"
		" allergies),"
		" allergies_known = IF(VALUES(allergies_ms) > 0, 1,"
		" allergies_known),"
		" weight_ms = IF(VALUES(weight_ms) > 0, VALUES(weight_ms),"
		" weight_ms),"
		" height_ms = IF(VALUES(height_ms) > 0, VALUES(height_ms),"
		" height_ms),"
		" crcl_ms = IF(VALUES(crcl_ms) > 0, VALUES(crcl_ms), crcl_ms),"
		" allergies_ms = IF(VALUES(allergies_ms) > 0,"
		" VALUES(allergies_ms), allergies_ms),"
		" measured_ms = GREATEST(weight_ms, height_ms, crcl_ms,"
		" allergies_ms),"
		" updated_by = VALUES(updated_by),"
		" updated_ms = VALUES(updated_ms), is_set = 1",
		v, sizeof(v) / sizeof(v[0]), NULL, NULL);

	if (err != MED_OK)
		return err;
	return dosage_store_read_ctx(c, s->arena, in->patient_id, false, s->out,
				     &is_set);
}

med_err
dosage_store_set_context(med_db *db, med_arena *arena, const dosage_context *in,
			 const char *user, int64_t now_ms, dosage_context *out)
{
	set_ctx s = {arena, in, user, now_ms, out};

	return med_db_tx_audited(db, set_ctx_tx, &s);
}

typedef struct wconf_ctx {
	med_arena *arena;
	const char *patient_id, *user, *reason;
	double kg;
	int64_t measured_ms, now_ms;
	dosage_context *out;
} wconf_ctx;

static med_err
wconf_tx(med_db_conn *c, void *arg)
{
	wconf_ctx *x = arg;
	bool is_set;
	med_db_value v[] = {
		MED_DB_DBL(x->kg),     MED_DB_I64(x->measured_ms),
		MED_DB_STR(x->user),   MED_DB_I64(x->now_ms),
		MED_DB_STR(x->reason), MED_DB_STR(x->patient_id),
	};
	med_err err = dosage_store_ensure_patient(c, x->patient_id);

	if (err == MED_OK)
		err = med_db_exec(c,
				  "UPDATE patient_context SET wconf_kg = ?,"
				  " wconf_ms = ?, wconf_by = ?, wconf_at = ?,"
				  " wconf_reason = ?, is_set = 1"
				  " WHERE patient_id = ?",
				  v, 6, NULL, NULL);
	if (err != MED_OK)
		return err;
	return dosage_store_read_ctx(c, x->arena, x->patient_id, false, x->out,
				     &is_set);
}

med_err
dosage_store_confirm_weight(med_db *db, med_arena *arena,
			    const char *patient_id, double kg,
			    int64_t measured_ms, const char *user,
			    const char *reason, int64_t now_ms,
			    dosage_context *out)
{
	wconf_ctx x = {arena, patient_id,  user,   reason,
		       kg,    measured_ms, now_ms, out};

	return med_db_tx_audited(db, wconf_tx, &x);
}

med_err
dosage_store_get_context(med_db *db, med_arena *arena, const char *patient_id,
			 dosage_context *out)
{
	ctx_row r = {.arena = arena, .out = out};
	med_db_value k[] = {MED_DB_STR(patient_id)};
	med_err err =
		med_db_query_once(db,
				  "SELECT " CTX_COLUMNS " FROM patient_context"
				  " WHERE patient_id = ? AND is_set = 1",
				  k, 1, on_ctx_row, &r);

	if (err != MED_OK)
		return err;
	return r.found ? MED_OK : MED_ERR_NOT_FOUND;
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

	return med_db_tx_audited(db, given_tx, &g);
}

/* --- check and record ---------------------------------------------------- */

typedef struct subject_ctx {
	med_arena *arena;
	const dosage_family *fam;
	const char *order_id, *patient_id, *drug_code;
	const char *cosign_id; /* RecordAdministration's, or "" */
	const char *scan_gtin; /* RecordAdministration's, or "" */
	int64_t at_ms;
	bool lock;
	dosage_decide_fn decide;
	void *ctx;
	dosage_admin *admin;
	dosage_subject s;
} subject_ctx;

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

/* load_subject loads x's subject (x->s). */
static med_err
load_subject(med_db_conn *c, subject_ctx *x)
{
	return dosage_store_load_subject(c, x->arena, x->fam, x->order_id,
					 x->patient_id, x->drug_code, x->at_ms,
					 x->lock, &x->s);
}

static med_err
check_tx(med_db_conn *c, void *arg)
{
	subject_ctx *x = arg;
	med_err err = load_subject(c, x);

	return err != MED_OK ? err : x->decide(x->ctx, &x->s, NULL);
}

med_err
dosage_store_check(med_db *db, med_arena *arena, const dosage_family *fam,
		   const char *order_id, const char *patient_id,
		   const char *drug_code, int64_t at_ms,
		   dosage_decide_fn decide, void *ctx)
{
	subject_ctx x = {.arena = arena,
			 .fam = fam,
			 .order_id = order_id,
			 .patient_id = patient_id,
			 .drug_code = drug_code,
			 .at_ms = at_ms,
			 .decide = decide,
			 .ctx = ctx};

	return med_db_tx(db, check_tx, &x);
}

med_err
dosage_store_insert_admin(med_db_conn *c, med_arena *a, const dosage_admin *m)
{
	const dosage_override *dov = m->dose_override,
			      *iov = m->identity_override,
			      *cov = m->cosign_override,
			      *sov = m->scan_override;
	const dosage_deviation *dev = m->dose_deviation;
	size_t len;
	uint8_t *blob;

	if (dosage_store_pack_checks(a, m->checks, m->n_checks, &blob, &len) !=
	    MED_OK)
		return MED_ERR_NOMEM;
	med_db_value v[] = {
		MED_DB_STR(m->id),
		MED_DB_STR(m->order_id),
		MED_DB_STR(m->patient_id),
		MED_DB_STR(m->drug_code),
		MED_DB_DBL(m->dose),
		MED_DB_STR(m->unit),
		MED_DB_DBL(m->dose_in_drug_unit),
		MED_DB_STR(m->drug_unit),
		MED_DB_I64(m->effective_ms),
		MED_DB_I64(m->recorded_ms),
		MED_DB_STR(m->status),
		MED_DB_STR(m->performer),
		MED_DB_STR(m->identity),
		MED_DB_STR(m->verification_token_id),
		MED_DB_DBL(m->verification_score),
		MED_DB_DBL(m->verification_threshold),
		MED_DB_STR(m->verification_model),
		MED_DB_I64(dov ? dov->reason : 0),
		MED_DB_STR(dov ? dov->text : ""),
		MED_DB_STR(m->dose_override_by),
		MED_DB_I64(iov ? iov->reason : 0),
		MED_DB_STR(iov ? iov->text : ""),
		MED_DB_I64(m->overall),
		MED_DB_BLOBV(blob, len),
		MED_DB_I64(m->scheduled_ms),
		MED_DB_I64(m->not_given_reason),
		MED_DB_STR(m->not_given_text),
		MED_DB_STR(m->cosign_id),
		MED_DB_I64(cov ? cov->reason : 0),
		MED_DB_STR(cov ? cov->text : ""),
		MED_DB_STR(m->product_gtin),
		MED_DB_STR(m->product_batch),
		MED_DB_STR(m->product_expiry),
		MED_DB_STR(m->product_serial),
		sov ? MED_DB_I64(sov->reason) : MED_DB_NULLV(),
		sov ? MED_DB_STR(sov->text) : MED_DB_NULLV(),
		MED_DB_STR(m->ward),
		MED_DB_I64(dev ? dev->reason : 0),
		MED_DB_STR(dev ? dev->text : ""),
		MED_DB_DBL(m->ordered_dose_in_drug_unit),
	};
	return med_db_exec(
		c,
		"INSERT INTO administrations (id, order_id, patient_id,"
		" drug_code, dose, unit, dose_drug_unit, drug_unit,"
		" effective_ms, recorded_ms, status, performer, identity,"
		" token_id, v_score, v_threshold, v_model, dose_ovr_reason,"
		" dose_ovr_text, dose_ovr_by, id_ovr_reason, id_ovr_text,"
		" overall, checks, scheduled_ms, not_given_reason,"
		" not_given_text, cosign_id, cos_ovr_reason, cos_ovr_text,"
		" scan_gtin, scan_batch, scan_expiry, scan_serial,"
		" scan_ovr_reason, scan_ovr_text, ward, dev_reason, dev_text,"
		" ordered_drug_unit)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
		" ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
		" ?, ?)",
		v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}

/* scanned_entry finds the catalogue entry of the scanned GTIN. */
static med_err
scanned_entry(med_db_conn *c, subject_ctx *x)
{
	x->s.scanned_drug_code = NULL;
	if (x->scan_gtin == NULL || x->scan_gtin[0] == '\0')
		return MED_OK;
	return dosage_store_gtin_drug(c, x->arena, x->scan_gtin,
				      &x->s.scanned_drug_code);
}

static med_err
record_tx(med_db_conn *c, void *arg)
{
	subject_ctx *x = arg;
	med_err err;

	/* Lock order: the order row, then the patient row (load_subject),
	 * then the co-sign; every writer takes them in this order, so no
	 * deadlock cycles. */
	if ((err = load_subject(c, x)) != MED_OK ||
	    (err = dosage_store_read_cosign(c, x->arena, x->cosign_id,
					    &x->s)) != MED_OK ||
	    (err = scanned_entry(c, x)) != MED_OK ||
	    (err = x->decide(x->ctx, &x->s, x->admin)) != MED_OK ||
	    (err = dosage_store_insert_admin(c, x->arena, x->admin)) !=
		    MED_OK ||
	    (err = dosage_store_use_cosign(c, x->admin)) != MED_OK)
		return err;
	return dosage_store_complete_once(c, &x->s.order, x->admin);
}

med_err
dosage_store_record(med_db *db, med_arena *arena, const dosage_family *fam,
		    const char *order_id, const char *cosign_id,
		    const char *scan_gtin, int64_t at_ms,
		    dosage_decide_fn decide, void *ctx, dosage_admin *admin)
{
	subject_ctx x = {.arena = arena,
			 .fam = fam,
			 .order_id = order_id,
			 .cosign_id = cosign_id,
			 .scan_gtin = scan_gtin,
			 .at_ms = at_ms,
			 .lock = true,
			 .decide = decide,
			 .ctx = ctx,
			 .admin = admin};

	return med_db_tx_audited(db, record_tx, &x);
}

/* --- reading administrations --------------------------------------------- */

typedef dosage_admin_rows admin_rows;

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
dosage_store_admin_row(void *arg, const med_db_row *row)
{
	admin_rows *r = arg;
	med_arena *a = r->arena;
	dosage_admin *m = med_arena_push_msg(
		a, (void ***)&r->items, &r->n, &r->cap,
		&smartmed__dosage__v1__administration__descriptor);

	if (m == NULL)
		return MED_ERR_NOMEM;
	m->id = med_db_row_strdup(a, row, 0);
	m->order_id = med_db_row_strdup(a, row, 1);
	m->patient_id = med_db_row_strdup(a, row, 2);
	m->drug_code = med_db_row_strdup(a, row, 3);
	m->dose = med_db_row_double(row, 4);
	m->unit = med_db_row_strdup(a, row, 5);
	m->dose_in_drug_unit = med_db_row_double(row, 6);
	m->drug_unit = med_db_row_strdup(a, row, 7);
	m->effective_ms = med_db_row_int64(row, 8);
	m->recorded_ms = med_db_row_int64(row, 9);
	m->status = med_db_row_strdup(a, row, 10);
	m->performer = med_db_row_strdup(a, row, 11);
	m->confirmed_by = med_db_row_strdup(a, row, 12);
	m->confirmed_ms = med_db_row_int64(row, 13);
	m->identity = med_db_row_strdup(a, row, 14);
	m->verification_token_id = med_db_row_strdup(a, row, 15);
	m->verification_score = med_db_row_double(row, 16);
	m->verification_threshold = med_db_row_double(row, 17);
	m->verification_model = med_db_row_strdup(a, row, 18);
	m->dose_override = dosage_store_read_override(a, row, 19);
	m->dose_override_by = med_db_row_strdup(a, row, 21);
	m->identity_override = dosage_store_read_override(a, row, 22);
	m->overall =
		(Smartmed__Dosage__V1__CheckStatus)med_db_row_int64(row, 24);
	m->scheduled_ms = med_db_row_int64(row, 26);
	m->not_given_reason =
		(Smartmed__Dosage__V1__NotGivenReason)med_db_row_int64(row, 27);
	m->not_given_text = med_db_row_strdup(a, row, 28);
	m->entered_in_error_by = med_db_row_strdup(a, row, 29);
	m->entered_in_error_ms = med_db_row_int64(row, 30);
	m->entered_in_error_reason = med_db_row_strdup(a, row, 31);
	m->cosign_id = med_db_row_strdup(a, row, 32);
	m->cosign_override = dosage_store_read_override(a, row, 33);
	m->product_gtin = med_db_row_strdup(a, row, 35);
	m->product_batch = med_db_row_strdup(a, row, 36);
	m->product_expiry = med_db_row_strdup(a, row, 37);
	m->product_serial = med_db_row_strdup(a, row, 38);
	m->scan_override = dosage_store_read_override(a, row, 39);
	m->entered_in_error_requested_by = med_db_row_strdup(a, row, 41);
	m->entered_in_error_requested_ms = med_db_row_int64(row, 42);
	m->entered_in_error_requested_reason = med_db_row_strdup(a, row, 43);
	m->ward = med_db_row_strdup(a, row, 44);
	m->ordered_dose_in_drug_unit = med_db_row_double(row, 47);
	if (!m->entered_in_error_requested_by ||
	    !m->entered_in_error_requested_reason || !m->ward ||
	    dosage_store_read_deviation(a, row, 45, &m->dose_deviation) !=
		    MED_OK ||
	    dosage_admin_deviation_fill(a, m) != MED_OK)
		return MED_ERR_NOMEM;
	if (!m->id || !m->status || !m->verification_model ||
	    !m->dose_override_by || !m->not_given_text ||
	    !m->entered_in_error_by || !m->entered_in_error_reason ||
	    !m->cosign_id || !m->product_gtin || !m->product_batch ||
	    !m->product_expiry || !m->product_serial)
		return MED_ERR_NOMEM;
	return dosage_store_unpack_checks(a, row, 25, &m->checks, &m->n_checks);
}

typedef struct confirm_ctx {
	med_arena *arena;
	const char *id;
	dosage_confirm_fn decide;
	void *ctx;
	dosage_admin *out;
} confirm_ctx;

med_err
dosage_store_read_admin(med_db_conn *c, med_arena *a, const char *id, bool lock,
			dosage_admin *out)
{
	admin_rows r = {.arena = a};
	med_db_value k[] = {MED_DB_STR(id)};
	med_err err = med_db_query(
		c,
		lock ? "SELECT " DOSAGE_ADMIN_COLUMNS
		       " FROM administrations WHERE id = ? FOR UPDATE"
		     : "SELECT " DOSAGE_ADMIN_COLUMNS
		       " FROM administrations WHERE id = ?",
		k, 1, dosage_store_admin_row, &r);

	if (err != MED_OK)
		return err;
	if (r.n == 0)
		return MED_ERR_NOT_FOUND;
	*out = *r.items[0];
	return MED_OK;
}

static med_err
confirm_tx(med_db_conn *c, void *arg)
{
	confirm_ctx *x = arg;
	med_err err = dosage_store_read_admin(c, x->arena, x->id, true, x->out);

	if (err != MED_OK || (err = x->decide(x->ctx, x->out)) != MED_OK)
		return err;
	med_db_value v[] = {MED_DB_STR(x->out->confirmed_by),
			    MED_DB_I64(x->out->confirmed_ms),
			    MED_DB_STR(x->id)};
	err = med_db_exec(
		c,
		"UPDATE administrations SET status = '" DOSAGE_ADMIN_COMPLETED
		"', confirmed_by = ?,"
		" confirmed_ms = ? WHERE id = ?",
		v, 3, NULL, NULL);
	if (err != MED_OK)
		return err;
	return dosage_store_read_admin(c, x->arena, x->id, false, x->out);
}

med_err
dosage_store_confirm(med_db *db, med_arena *arena, const char *id,
		     dosage_confirm_fn decide, void *ctx, dosage_admin *out)
{
	confirm_ctx x = {arena, id, decide, ctx, out};

	return med_db_tx_audited(db, confirm_tx, &x);
}

/* --- history ------------------------------------------------------------- */

typedef struct total_rows {
	med_arena *arena;
	Smartmed__Dosage__V1__DrugTotal **items;
	size_t n, cap;
} total_rows;

static med_err
on_total_row(void *arg, const med_db_row *row)
{
	total_rows *r = arg;
	Smartmed__Dosage__V1__DrugTotal *t = med_arena_push_msg(
		r->arena, (void ***)&r->items, &r->n, &r->cap,
		&smartmed__dosage__v1__drug_total__descriptor);

	if (t == NULL)
		return MED_ERR_NOMEM;
	t->drug_code = med_db_row_strdup(r->arena, row, 0);
	t->unit = med_db_row_strdup(r->arena, row, 1);
	t->total_24h = med_db_row_double(row, 2);
	t->lifetime = med_db_row_double(row, 3);
	t->count = (uint32_t)med_db_row_int64(row, 4);
	return t->drug_code && t->unit ? MED_OK : MED_ERR_NOMEM;
}

med_err
dosage_store_history(med_db *db, med_arena *arena, const char *patient_id,
		     int64_t now_ms, uint64_t offset, uint32_t limit,
		     Smartmed__Dosage__V1__HistoryResponse *res)
{
	admin_rows ar = {.arena = arena};
	total_rows tr = {.arena = arena};
	med_db_value v[] = {MED_DB_STR(patient_id), MED_DB_I64(limit),
			    MED_DB_I64((int64_t)offset)};
	med_db_value t[] = {MED_DB_I64(now_ms - DOSAGE_DOSE_DAY_MS),
			    MED_DB_I64(now_ms), MED_DB_STR(patient_id)};
	med_err err = med_db_query_once(
		db,
		"SELECT " DOSAGE_ADMIN_COLUMNS " FROM administrations"
		" WHERE patient_id = ? ORDER BY effective_ms DESC, id"
		" LIMIT ? OFFSET ?",
		v, 3, dosage_store_admin_row, &ar);

	if (err != MED_OK)
		return err;
	err = med_db_query_once(
		db,
		"SELECT drug_code, drug_unit,"
		" SUM(CASE WHEN effective_ms > ? AND effective_ms <= ?"
		" THEN dose_drug_unit ELSE 0 END), SUM(dose_drug_unit),"
		" COUNT(*) FROM administrations WHERE patient_id = ? "
		"AND " COUNTED " GROUP BY drug_code, drug_unit"
		" ORDER BY drug_code, drug_unit",
		t, 3, on_total_row, &tr);
	if (err != MED_OK)
		return err;
	res->administrations = ar.items;
	res->n_administrations = ar.n;
	res->totals = tr.items;
	res->n_totals = tr.n;
	return MED_OK;
}
