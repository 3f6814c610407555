/*
 * handlers_admin.c - the clinical RPCs: CheckDose, RecordAdministration,
 * ConfirmHighAlert, ListDue and History.
 */
#include <med/audit.h>
#include <med/check.h>
#include <med/log.h>
#include <med/service.h>
#include <med/util.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dosage.h"
#include "patient.h"
#include "checks.h"
#include "catalogue.h"
#include "orders.h"
#include "subject.h"
#include "mar.h"
#include "route.h"

#define HOUR_MS	    (3600LL * 1000)
#define BACKDATE_MS (7 * 24 * HOUR_MS)
#define AHEAD_MS    (5 * 60 * 1000LL)
#define ACTIVE	    SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_ACTIVE
#define HARD_STOP   SMARTMED__DOSAGE__V1__CHECK_STATUS__CHECK_STATUS_HARD_STOP

typedef Smartmed__Dosage__V1__CheckDoseResponse check_res;

/* check_amount fails the call unless dose is a positive amount. */
static med_err
check_amount(med_call *call, const char *field, double dose)
{
	med_problem p;

	if (dosage_amount_problem(field, dose, true, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	return MED_OK;
}

/* --- CheckDose ----------------------------------------------------------- */

typedef struct check_ctx {
	med_call *call;
	const Smartmed__Dosage__V1__CheckDoseRequest *req;
	check_res *res;
	dosage_known known;	     /* from identity and records */
	dosage_ddi_ref *ddi;	     /* the interaction knowledge base */
	dosage_class_list ddi_meets; /* what its check meets */
	/* The subject: by order (order_id), or by patient and drug. */
	const char *order_id, *patient_id, *drug_code;
	int64_t at_ms;
	dosage_subject s; /* loaded in the transaction */
} check_ctx;

/* A stay guard run beside the patient's reads (know_patient). */
typedef struct stay_read {
	const char *field;
	dosage_order *order;
	med_stay *out;
} stay_read;

static med_err
read_stay(med_call *call, void *arg)
{
	stay_read *s = arg;

	return dosage_stay_guard(call, s->field, s->order, s->out);
}

/*
 * know_patient asks identity for the birth date of the subject's patient
 * (the order's when order_id is set) before the transaction: no network
 * call runs while rows are locked.  A patient's id on an order never
 * changes, so reading it first is safe; nor does the stay of an order
 * version, so when charting is set the stay's discharge is asked here too
 * (dosage_stay_guard), beside the patient's reads (med_call_parallel).
 * *encounter_id is the order's stay ("" without an order).
 */
static med_err
know_patient(med_call *call, const char *order_id, const char *patient_id,
	     med_stay *charting, dosage_known *k, const char **encounter_id)
{
	const char *field = "proposed.patient_id";
	dosage_order o;
	stay_read stay;
	med_call_task also = {read_stay, &stay};
	med_err err;

	*encounter_id = "";
	if (order_id == NULL)
		return dosage_know_patient(call, field, patient_id, k);
	err = dosage_store_get_order(med_call_db(call), med_call_arena(call),
				     order_id, &o);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "order_id: no such order");
	if (err != MED_OK)
		return err;
	field = "order_id";
	/* The order's stay is the one its home medicines' decisions count
	 * for (the order lies in the call's arena). */
	*encounter_id = o.encounter_id ? o.encounter_id : "";
	/* The care decision first: a refused caller's call ends here, and
	 * nothing more is asked about the patient. */
	med_call_set_patient(call, o.patient_id);
	if ((err = med_call_care_err(call)) != MED_OK)
		return err;
	stay = (stay_read){field, &o, charting};
	return dosage_know_patient_with(call, charting ? &also : NULL, field,
					o.patient_id, k);
}

/* bedside_ddi reads, before the transaction, the interaction knowledge
 * base and what a dose of patient_id (its order order_id, or NULL, of
 * stay encounter_id) at at_ms meets, home medicines included; *ref is
 * released by the caller (dosage_ddi_release). */
static med_err
bedside_ddi(med_call *call, const dosage_known *k, const char *patient_id,
	    const char *order_id, const char *encounter_id, int64_t at_ms,
	    dosage_ddi_ref **ref, dosage_class_list *meets)
{
	med_err err = dosage_ddi_acquire(call, ref);

	if (err != MED_OK)
		return err;
	return dosage_ddi_gather(call, *ref, &k->family, patient_id, order_id,
				 encounter_id, at_ms, meets);
}

/* ddi_checks appends the interaction check of a dose of s to res. */
static med_err
ddi_checks(med_call *call, const dosage_subject *s, const dosage_ddi_ref *ref,
	   const dosage_class_list *meets, check_res *res)
{
	dosage_ddi_subject ds = {.drug = &s->drug,
				 .order = s->has_order ? &s->order : NULL,
				 .at_ms = s->at_ms,
				 .bedside = true,
				 .others = meets};

	return dosage_ddi_checks(call, ref, &ds, &res->checks, &res->n_checks,
				 &res->overall);
}

/* class_checks appends the checks across a therapeutic class of a dose
 * of conv (drug unit) to res; meets holds the home medicines. */
static med_err
class_checks(med_call *call, const dosage_subject *s, double conv,
	     const dosage_class_list *meets, check_res *res)
{
	dosage_class_subject cs = {
		.drug = &s->drug,
		.route = s->has_order ? s->order.route : NULL,
		.prn = s->has_order && s->order.prn,
		.order_id = s->has_order ? s->order.id : NULL,
		.dose_24h = conv,
		.at_ms = s->at_ms,
		.given = s->classes,
		.home = meets,
	};

	return dosage_class_checks(call, &cs, &res->checks, &res->n_checks,
				   &res->overall);
}

/* naive_checks appends the opioid-naive check of a dose under s's order
 * (none for a proposed dose or a product no rule names). */
static med_err
naive_checks(med_call *call, const dosage_subject *s, const dosage_known *k,
	     check_res *res)
{
	if (!s->has_order)
		return MED_OK;
	return dosage_opioid_naive_bedside(call, &s->order, &s->drug,
					   &k->family, s->at_ms, &res->checks,
					   &res->n_checks, &res->overall);
}

/* subject_patient is what the checks know of s's patient. */
static void
subject_patient(med_call *call, const dosage_subject *s, const dosage_known *k,
		dosage_dose_patient *p)
{
	dosage_patient(med_call_arena(call), s->has_ctx ? &s->ctx : NULL, k,
		       s->at_ms, p);
}

static med_err
check_decide(check_ctx *x, dosage_subject *s)
{
	const Smartmed__Dosage__V1__CheckDoseRequest *req = x->req;
	double dose = req->dose, conv;
	const char *unit = req->unit, *field = "unit";
	dosage_dose_patient p;
	med_err err;

	if (s->has_order) {
		med_call_set_patient(x->call, s->order.patient_id);
		if (dose == 0) {
			dose = s->order.dose;
			unit = s->order.unit;
		}
	} else {
		dose = req->proposed->dose;
		unit = req->proposed->unit;
		field = "proposed.unit";
	}
	if ((err = dosage_convert(x->call, field, dose, unit, &s->drug,
				  &conv)) != MED_OK)
		return err;
	subject_patient(x->call, s, &x->known, &p);
	/* A dose taken at home is the nearest one when it is nearer. */
	dosage_home_nearest(&x->ddi_meets, &s->drug, s->at_ms, &s->hist);
	dosage_home_day(&x->ddi_meets, &s->drug, s->at_ms, &s->hist);
	if ((err = dosage_run_checks(med_call_arena(x->call), &s->drug,
				     s->has_order ? &s->order : NULL, &p,
				     &s->hist, conv, s->at_ms, x->res)) !=
		    MED_OK ||
	    (err = class_checks(x->call, s, conv, &x->ddi_meets, x->res)) !=
		    MED_OK ||
	    (err = ddi_checks(x->call, s, x->ddi, &x->ddi_meets, x->res)) !=
		    MED_OK)
		return err;
	return naive_checks(x->call, s, &x->known, x->res);
}

/* check_tx loads the subject and runs the checks on it: a read in one
 * transaction, nothing is written. */
static med_err
check_tx(med_db_conn *c, void *arg)
{
	check_ctx *x = arg;
	med_err err = dosage_store_load_subject(
		c, med_call_arena(x->call), &x->known.family, x->order_id,
		x->patient_id, x->drug_code, x->at_ms, false, &x->s);

	return err != MED_OK ? err : check_decide(x, &x->s);
}

static med_err
check_subject(med_call *call, const Smartmed__Dosage__V1__CheckDoseRequest *r)
{
	const Smartmed__Dosage__V1__ProposedDose *p = r->proposed;
	med_err err;

	if (r->subject_case ==
	    SMARTMED__DOSAGE__V1__CHECK_DOSE_REQUEST__SUBJECT_ORDER_ID) {
		if ((err = med_check_id(call, "order_id", r->order_id)) !=
		    MED_OK)
			return err;
		if (r->dose != 0)
			return check_amount(call, "dose", r->dose);
		return MED_OK;
	}
	if (r->subject_case !=
		    SMARTMED__DOSAGE__V1__CHECK_DOSE_REQUEST__SUBJECT_PROPOSED ||
	    p == NULL)
		return med_call_fail(call, MED_ERR_INVALID,
				     "order_id: set order_id or proposed");
	if ((err = med_check_id(call, "proposed.patient_id", p->patient_id)) !=
		    MED_OK ||
	    (err = dosage_check_code(call, "proposed.drug_code",
				     p->drug_code)) != MED_OK)
		return err;
	med_call_set_patient(call, p->patient_id);
	return check_amount(call, "proposed.dose", p->dose);
}

med_err
dosage_rpc_check_dose(med_call *call, const ProtobufCMessage *in,
		      ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__CheckDoseRequest *req = (const void *)in;
	check_ctx x = {.call = call, .req = req, .res = (void *)out};
	const char *stay;
	bool by_order;
	med_err err = check_subject(call, req);

	if (err != MED_OK)
		return err;
	if ((err = med_check_time_ms(call, "at_ms", req->at_ms)) != MED_OK)
		return err;
	if (req->at_ms < 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "at_ms: must not be negative");
	by_order = req->subject_case ==
		   SMARTMED__DOSAGE__V1__CHECK_DOSE_REQUEST__SUBJECT_ORDER_ID;
	if ((err = know_patient(call, by_order ? req->order_id : NULL,
				by_order ? NULL : req->proposed->patient_id,
				NULL, &x.known, &stay)) != MED_OK)
		return err;
	x.at_ms = req->at_ms ? req->at_ms : med_now_ms();
	/* The check answers as the charting would: a dose after the death
	 * is refused the way RecordAdministration refuses it, not checked. */
	if ((err = dosage_death_guard(call, "at_ms", &x.known, x.at_ms)) !=
	    MED_OK)
		return err;
	x.order_id = by_order ? req->order_id : NULL;
	x.patient_id = by_order ? NULL : req->proposed->patient_id;
	x.drug_code = by_order ? NULL : req->proposed->drug_code;
	err = bedside_ddi(call, &x.known, x.known.family.ids[0], x.order_id,
			  stay, x.at_ms, &x.ddi, &x.ddi_meets);
	if (err == MED_OK) {
		err = med_db_tx(med_call_db(call), check_tx, &x);
		err = dosage_fail_limit(call, err, dosage_subject_limit(&x.s));
	}
	dosage_ddi_release(x.ddi);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err,
				     by_order ? "order_id: no such order"
					      : "proposed.drug_code: no such "
						"drug");
	return err;
}

/* --- RecordAdministration ------------------------------------------------ */

typedef struct rec_ctx {
	med_call *call;
	const Smartmed__Dosage__V1__RecordAdministrationRequest *req;
	const med_vtoken_claims *claims; /* NULL: identity overridden */
	int64_t now_ms, at_ms;
	double ordered; /* the order's dose in the drug's unit */
	check_res res;
	bool dose_overridden;
	dosage_known known;
	const dosage_gs1 *scan; /* NULL: no product scanned */
	med_stay stay;		/* the order's stay; zeroed when none */
	dosage_ddi_ref *ddi;	/* the interaction knowledge base */
	dosage_class_list ddi_meets;
	dosage_subject s;    /* loaded in the transaction */
	dosage_admin *admin; /* the reply: the administration inserted */
} rec_ctx;

static med_err
order_usable(med_call *call, const dosage_order *o, int64_t at_ms)
{
	/* Only the current version of an order in force may be given: not
	 * one on hold, discontinued, replaced by a newer version, completed
	 * or awaiting a pharmacist. */
	if (o->status != ACTIVE)
		return dosage_order_refuse(call, o);
	if (at_ms < med_time_add_ms(o->start_ms, -HOUR_MS))
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "effective_ms: before the order's start");
	if (o->end_ms != 0 && at_ms > o->end_ms)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "effective_ms: after the order's end");
	return MED_OK;
}

/*
 * order_limits refuses a dose of an order that the order rules of
 * limits.c would refuse today: one written before they held, or before
 * the pharmacy marked its drug high-alert or weekly-only.  Such an order
 * is no way round them; a clinician rewrites it (ModifyOrder).
 */
static med_err
order_limits(med_call *call, const dosage_subject *s)
{
	med_problem p;

	if (dosage_weekly_schedule_problem(&s->order, &s->drug, &p) == MED_OK &&
	    dosage_prn_limits_problem(&s->order, &s->drug, &p) == MED_OK)
		return MED_OK;
	return med_call_fail(call, MED_ERR_PRECONDITION,
			     "order_id: the order breaks a rule it was "
			     "written before (%s: %s); a clinician rewrites "
			     "it with ModifyOrder",
			     p.field, p.reason);
}

/* gate refuses a hard stop unless a clinician or pharmacist overrides. */
static med_err
gate(rec_ctx *x)
{
	const med_principal *p = med_call_principal(x->call);

	if (x->res.overall != HARD_STOP)
		return MED_OK;
	if (x->req->dose_override == NULL)
		return med_call_fail(
			x->call, MED_ERR_PRECONDITION,
			"dose: hard stop: %s; a clinician or "
			"pharmacist may override with "
			"dose_override",
			dosage_first_hard_stop(x->res.checks, x->res.n_checks));
	if (!(p->roles & (MED_ROLE_CLINICIAN | MED_ROLE_PHARMACIST)))
		return med_call_fail(x->call, MED_ERR_DENIED,
				     "dose_override: only a clinician or "
				     "pharmacist may override a hard stop");
	x->dose_overridden = true;
	return MED_OK;
}

/* fill_identification keeps what the token says identified the patient,
 * who checked and where, so that the chart answers "how was this patient
 * identified" without the token (which expires). */
static void
fill_identification(med_arena *a, const med_vtoken_claims *c, dosage_admin *m)
{
	m->identifiers_checked = med_arena_strdup(a, c->checked);
	m->identifiers_checked_by = med_arena_strdup(a, c->checked_by);
	m->identification_terminal = med_arena_strdup(a, c->device);
}

static void
fill_admin(rec_ctx *x, const dosage_subject *s, double conv, dosage_admin *m)
{
	const Smartmed__Dosage__V1__RecordAdministrationRequest *req = x->req;
	const char *user = med_call_principal(x->call)->user;
	med_arena *a = med_call_arena(x->call);
	char *id = med_arena_alloc(a, MED_UUID_LEN + 1);

	/* Time-ordered: administrations is clustered on its id, so a dose goes
	 * to the key's right edge, not a random page (docs/sizing.md). */
	if (id)
		med_uuid_v7(id);
	m->id = id;
	m->order_id = s->order.id;
	m->patient_id = s->order.patient_id;
	m->drug_code = s->order.drug_code;
	m->dose = req->dose;
	m->unit = req->unit;
	m->dose_in_drug_unit = conv;
	m->drug_unit = s->drug.unit;
	m->effective_ms = x->at_ms;
	m->recorded_ms = x->now_ms;
	/* Where the dose was given: the stay's ward at the time. */
	m->ward = med_arena_strdup(a, med_stay_ward_at(&x->stay, x->at_ms));
	m->performer = (char *)user;
	m->identity = x->claims ? "verified" : "overridden";
	if (x->claims) {
		/* The claims live on the handler's stack; the reply is
		 * encoded after it returns. */
		m->verification_token_id =
			med_arena_strdup(a, x->claims->token_id);
		m->verification_score = x->claims->score;
		m->verification_threshold = x->claims->threshold;
		m->verification_model = med_arena_strdup(a, x->claims->model);
		fill_identification(a, x->claims, m);
	} else {
		m->identity_override = req->identity_override;
	}
	if (x->dose_overridden) {
		m->dose_override = req->dose_override;
		m->dose_override_by = (char *)user;
	}
	m->checks = x->res.checks;
	m->n_checks = x->res.n_checks;
	m->overall = x->res.overall;
	m->ordered_dose_in_drug_unit = x->ordered;
	/* The reason is kept only for a dose that needs one. */
	if (!dosage_dose_as_ordered(conv, x->ordered))
		m->dose_deviation = req->dose_deviation;
}

/* audit_admin puts what an auditor needs about the administration (its id,
 * status, performer, second check, overrides) on the call's audit event. */
static void
audit_admin(med_call *call, const dosage_admin *m, const char *what)
{
	char dr[16], ir[16], cr[16], sr[16], vr[16];
	med_audit_detail d[18];
	size_t n = 0;

	d[n++] = (med_audit_detail){"event", what};
	d[n++] = (med_audit_detail){"administration_id", m->id};
	d[n++] = (med_audit_detail){"order_id", m->order_id};
	d[n++] = (med_audit_detail){"status", m->status};
	d[n++] = (med_audit_detail){"performer", m->performer};
	if (m->confirmed_by[0])
		d[n++] = (med_audit_detail){"confirmed_by", m->confirmed_by};
	if (m->cosign_id[0])
		d[n++] = (med_audit_detail){"cosign_id", m->cosign_id};
	if (m->cosign_override) {
		snprintf(cr, sizeof(cr), "%d", (int)m->cosign_override->reason);
		d[n++] = (med_audit_detail){"cosign_override_reason", cr};
		d[n++] = (med_audit_detail){"cosign_override_text",
					    m->cosign_override->text};
	}
	if (m->dose_override) {
		snprintf(dr, sizeof(dr), "%d", (int)m->dose_override->reason);
		d[n++] = (med_audit_detail){"dose_override_reason", dr};
		d[n++] = (med_audit_detail){"dose_override_text",
					    m->dose_override->text};
	}
	if (m->identity_override) {
		snprintf(ir, sizeof(ir), "%d",
			 (int)m->identity_override->reason);
		d[n++] = (med_audit_detail){"identity_override_reason", ir};
		d[n++] = (med_audit_detail){"identity_override_text",
					    m->identity_override->text};
	}
	if (m->scan_override) {
		snprintf(sr, sizeof(sr), "%d", (int)m->scan_override->reason);
		d[n++] = (med_audit_detail){"scan_override_reason", sr};
		d[n++] = (med_audit_detail){"scan_override_text",
					    m->scan_override->text};
	}
	if (m->dose_deviation) {
		snprintf(vr, sizeof(vr), "%d", (int)m->dose_deviation->reason);
		d[n++] = (med_audit_detail){"dose_deviation",
					    m->dose_deviation_summary};
		d[n++] = (med_audit_detail){"dose_deviation_reason", vr};
		d[n++] = (med_audit_detail){"dose_deviation_text",
					    m->dose_deviation->text};
	}
	med_call_add_details(call, d, n);
}

/* not_a_push refuses a dose of an infusion-only drug (route.h): whatever
 * its order says, it is charted only as an infusion with a rate. */
static med_err
not_a_push(med_call *call, const dosage_drug *d)
{
	med_problem p;

	if (dosage_push_problem(d, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	return MED_OK;
}

/* scan_required: a high-alert product (every product under
 * MED_DOSAGE_SCAN_REQUIRED=all) is scanned, or the nurse records why
 * not (limits.c). */
static med_err
scan_required(rec_ctx *x, const dosage_subject *s, dosage_admin *m)
{
	med_problem p;

	if (dosage_scan_problem(dosage_scan_mode_of(x->call), &s->drug,
				x->scan != NULL, x->req->scan_override != NULL,
				&p) != MED_OK)
		return med_call_fail_problem(x->call, &p);
	m->scan_override = x->req->scan_override;
	return MED_OK;
}

/* right_dose refuses a dose charted that is not the ordered one (within
 * 1 %, in the drug's unit) unless the nurse says why (right_dose.c). */
static med_err
right_dose(rec_ctx *x, const dosage_subject *s, double conv)
{
	med_problem p;

	x->ordered = dosage_ordered_amount(&s->order, &s->drug);
	if (dosage_right_dose_problem("the dose charted", conv, x->ordered,
				      s->drug.unit, x->req->dose_deviation,
				      &p) != MED_OK)
		return med_call_fail_problem(x->call, &p);
	return MED_OK;
}

/* record_decide runs the rules on the locked subject s and fills *m, the
 * administration to insert; a refusal fails the call. */
static med_err
record_decide(rec_ctx *x, dosage_subject *s, dosage_admin *m)
{
	dosage_dose_patient p;
	double conv;
	med_err err;

	med_call_set_patient(x->call, s->order.patient_id);
	if ((err = order_usable(x->call, &s->order, x->at_ms)) != MED_OK ||
	    (err = not_a_push(x->call, &s->drug)) != MED_OK ||
	    (err = order_limits(x->call, s)) != MED_OK)
		return err;
	/* The wrong-patient check: the verified face must be the order's. */
	if (x->claims && strcmp(x->claims->patient_id, s->order.patient_id))
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "verification_token: patient does not "
				     "match the order");
	if ((err = dosage_convert(x->call, "unit", x->req->dose, x->req->unit,
				  &s->drug, &conv)) != MED_OK ||
	    (err = right_dose(x, s, conv)) != MED_OK)
		return err;
	memset(&x->res, 0, sizeof(x->res));
	subject_patient(x->call, s, &x->known, &p);
	dosage_home_nearest(&x->ddi_meets, &s->drug, x->at_ms, &s->hist);
	dosage_home_day(&x->ddi_meets, &s->drug, x->at_ms, &s->hist);
	if ((err = dosage_run_checks(med_call_arena(x->call), &s->drug,
				     &s->order, &p, &s->hist, conv, x->at_ms,
				     &x->res)) != MED_OK ||
	    (err = class_checks(x->call, s, conv, &x->ddi_meets, &x->res)) !=
		    MED_OK ||
	    (err = ddi_checks(x->call, s, x->ddi, &x->ddi_meets, &x->res)) !=
		    MED_OK ||
	    (err = naive_checks(x->call, s, &x->known, &x->res)) != MED_OK ||
	    (err = gate(x)) != MED_OK)
		return err;
	fill_admin(x, s, conv, m);
	if (!m->id || !m->verification_token_id || !m->verification_model ||
	    !m->ward || !m->identifiers_checked || !m->identifiers_checked_by ||
	    !m->identification_terminal)
		return MED_ERR_NOMEM;
	if ((err = dosage_scan_gate(x->call, s, x->scan, x->at_ms, m)) !=
		    MED_OK ||
	    (err = dosage_high_alert_gate(x->call, s, x->req->cosign_id,
					  x->req->cosign_override, conv,
					  x->now_ms, m)) != MED_OK ||
	    (err = scan_required(x, s, m)) != MED_OK ||
	    (err = dosage_admin_deviation_fill(med_call_arena(x->call), m)) !=
		    MED_OK)
		return err;
	/* Named inside the transaction: the event commits with the dose. */
	audit_admin(x->call, m,
		    m->dose_override || m->identity_override ||
				    m->cosign_override || m->scan_override
			    ? "administration with override"
			    : "administration");
	return MED_OK;
}

/* scanned_entry finds the catalogue entry of the scanned product. */
static med_err
scanned_entry(med_db_conn *c, rec_ctx *x)
{
	x->s.scanned_drug_code = NULL;
	if (x->scan == NULL || x->scan->gtin[0] == '\0')
		return MED_OK;
	return dosage_store_gtin_drug(c, med_call_arena(x->call), x->scan->gtin,
				      &x->s.scanned_drug_code);
}

/*
 * record_tx is the dose's transaction, the call's one (med_call_tx: its
 * audit event and request-log row commit with the administration).  Lock
 * order: the order row, then the patient row (the subject), then the
 * co-sign; every writer takes them in this order, so no deadlock cycles.
 * The patient's administrations are serialised, so each sees the others.
 */
static med_err
record_tx(med_db_conn *c, void *arg)
{
	rec_ctx *x = arg;
	med_arena *a = med_call_arena(x->call);
	med_err err;

	if ((err = dosage_store_load_subject(
		     c, a, &x->known.family, x->req->order_id, NULL, NULL,
		     x->at_ms, true, &x->s)) != MED_OK ||
	    (err = dosage_store_read_cosign(c, a, x->req->cosign_id, &x->s)) !=
		    MED_OK ||
	    (err = scanned_entry(c, x)) != MED_OK ||
	    (err = record_decide(x, &x->s, x->admin)) != MED_OK ||
	    (err = dosage_store_insert_admin(c, a, x->admin)) != MED_OK ||
	    (err = dosage_store_use_cosign(c, x->admin)) != MED_OK)
		return err;
	return dosage_store_complete_once(c, &x->s.order, x->admin);
}

/* read_scan parses the product scan ("" = none). */
static med_err
read_scan(med_call *call, const char *text, dosage_gs1 *out)
{
	med_problem p;

	if (text[0] == '\0')
		return MED_OK;
	if (dosage_gs1_parse(text, out, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	return MED_OK;
}

static med_err
record_validate(med_call *call,
		const Smartmed__Dosage__V1__RecordAdministrationRequest *req,
		int64_t now)
{
	med_problem p;
	med_err err;

	if ((err = med_check_id(call, "order_id", req->order_id)) != MED_OK ||
	    (err = check_amount(call, "dose", req->dose)) != MED_OK ||
	    (err = med_check_text(call, "unit", req->unit, 1, 8)) != MED_OK ||
	    (err = med_check_time_ms(call, "effective_ms",
				     req->effective_ms)) != MED_OK)
		return err;
	if (req->effective_ms != 0 && (req->effective_ms > now + AHEAD_MS ||
				       req->effective_ms < now - BACKDATE_MS))
		return med_call_fail(call, MED_ERR_INVALID,
				     "effective_ms: must be within the last 7 "
				     "days and not more than 5 minutes ahead");
	if (req->dose_override &&
	    (err = dosage_check_override(call, "dose_override",
					 req->dose_override)) != MED_OK)
		return err;
	if (req->cosign_id[0] != '\0' &&
	    (err = med_check_id(call, "cosign_id", req->cosign_id)) != MED_OK)
		return err;
	if (req->cosign_id[0] != '\0' && req->cosign_override != NULL)
		return med_call_fail(call, MED_ERR_INVALID,
				     "cosign_override: give cosign_id or "
				     "cosign_override, not both");
	if (req->cosign_override &&
	    (err = dosage_check_override(call, "cosign_override",
					 req->cosign_override)) != MED_OK)
		return err;
	if (req->scan_override && req->product_scan[0] != '\0')
		return med_call_fail(call, MED_ERR_INVALID,
				     "scan_override: only without "
				     "product_scan (the product was scanned)");
	if (req->scan_override &&
	    (err = dosage_check_override(call, "scan_override",
					 req->scan_override)) != MED_OK)
		return err;
	if (dosage_deviation_problem("dose_deviation", req->dose_deviation,
				     &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	return MED_OK;
}

med_err
dosage_rpc_record_administration(med_call *call, const ProtobufCMessage *in,
				 ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__RecordAdministrationRequest *req =
		(const void *)in;
	dosage_admin *m = (void *)out;
	med_vtoken_claims claims;
	dosage_gs1 scan;
	bool have_token;
	rec_ctx x = {
		.call = call, .req = req, .now_ms = med_now_ms(), .admin = m};
	const char *stay;
	med_err err;

	if ((err = record_validate(call, req, x.now_ms)) != MED_OK ||
	    (err = dosage_identify(call, req->verification_token,
				   req->identity_override, x.now_ms, &claims,
				   &have_token)) != MED_OK)
		return err;
	x.claims = have_token ? &claims : NULL;
	if ((err = read_scan(call, req->product_scan, &scan)) != MED_OK)
		return err;
	x.scan = req->product_scan[0] ? &scan : NULL;
	x.at_ms = req->effective_ms ? req->effective_ms : x.now_ms;
	if ((err = know_patient(call, req->order_id, NULL, &x.stay, &x.known,
				&stay)) != MED_OK ||
	    (err = dosage_death_guard(call, "effective_ms", &x.known,
				      x.at_ms)) != MED_OK ||
	    (err = dosage_wristband_guard(call, "identity_override",
					  have_token)) != MED_OK ||
	    (err = dosage_identity_hold_guard(
		     call, &x.known,
		     have_token ? NULL : req->identity_override)) != MED_OK)
		return err;
	err = bedside_ddi(call, &x.known, x.known.family.ids[0], req->order_id,
			  stay, x.at_ms, &x.ddi, &x.ddi_meets);
	if (err == MED_OK) {
		err = med_call_tx(call, record_tx, &x);
		err = dosage_fail_limit(call, err, dosage_subject_limit(&x.s));
	}
	dosage_ddi_release(x.ddi);
	if (err == MED_OK)
		dosage_identifiers_count(call, x.claims,
					 req->identity_override);
	/* A missing co-sign is named by the gate; a missing order here. */
	if (err == MED_ERR_NOT_FOUND && m->id[0] == '\0')
		return med_call_fail(call, err, "order_id: no such order");
	return err;
}

/* --- ConfirmHighAlert ---------------------------------------------------- */

/* confirm_decide decides a confirmation of the locked *m and fills it. */
static med_err
confirm_decide(med_call *call, dosage_admin *m)
{
	const char *user = med_call_principal(call)->user;
	int64_t now = med_now_ms();

	med_call_set_patient(call, m->patient_id);
	if (strcmp(m->status, DOSAGE_ADMIN_ON_HOLD) != 0)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "administration_id: not waiting for "
				     "confirmation");
	/* An independent double check: the second pair of eyes must be
	 * another person. */
	if (strcmp(m->performer, user) == 0)
		return med_call_fail(call, MED_ERR_DENIED,
				     "administration_id: the confirming user "
				     "must differ from the one who recorded "
				     "it");
	/* Past the window the dose is overdue (GetMar, the metric), and a
	 * late confirmation is what clears it: accepted, audited as late. */
	m->confirmed_by = (char *)user;
	m->confirmed_ms = now;
	m->status = DOSAGE_ADMIN_COMPLETED;
	audit_admin(call, m,
		    med_time_sub_ms(now, m->recorded_ms) >
				    DOSAGE_CONFIRM_WINDOW_MS
			    ? "high-alert second check, late"
			    : "high-alert second check");
	return MED_OK;
}

typedef struct confirm_ctx {
	med_call *call;
	const char *id;
	dosage_admin *out;
} confirm_ctx;

/* confirm_tx locks the administration, decides, stores the confirmation
 * and answers with the row as stored, in the call's transaction. */
static med_err
confirm_tx(med_db_conn *c, void *arg)
{
	confirm_ctx *x = arg;
	med_arena *a = med_call_arena(x->call);
	med_err err = dosage_store_read_admin(c, a, x->id, true, x->out);

	if (err != MED_OK ||
	    (err = confirm_decide(x->call, x->out)) != MED_OK ||
	    (err = dosage_store_set_confirmed(c, x->id, x->out->confirmed_by,
					      x->out->confirmed_ms)) != MED_OK)
		return err;
	return dosage_store_read_admin(c, a, x->id, false, x->out);
}

med_err
dosage_rpc_confirm_high_alert(med_call *call, const ProtobufCMessage *in,
			      ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ConfirmHighAlertRequest *req =
		(const void *)in;
	confirm_ctx x = {call, req->administration_id, (void *)out};
	med_err err =
		med_check_id(call, "administration_id", req->administration_id);

	if (err != MED_OK)
		return err;
	/* confirm_decide names the locked row's patient again. */
	return dosage_admin_change(call, req->administration_id, confirm_tx,
				   &x);
}

med_err
dosage_admin_change(med_call *call, const char *administration_id,
		    med_db_tx_fn body, void *ctx)
{
	med_err err = med_call_name_patient_of(
		call, "SELECT patient_id FROM administrations WHERE id = ?",
		administration_id);

	if (err != MED_OK)
		return err;
	err = med_call_tx(call, body, ctx);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err,
				     "administration_id: no such "
				     "administration");
	return err;
}

/* --- ListDue and History ------------------------------------------------- */

static int
by_due(const void *a, const void *b)
{
	const Smartmed__Dosage__V1__DueItem *x = *(void *const *)a;
	const Smartmed__Dosage__V1__DueItem *y = *(void *const *)b;

	return (x->due_ms > y->due_ms) - (x->due_ms < y->due_ms);
}

/* due_stays marks the active orders whose stay was discharged, asking
 * identity now (the reads above ran first, outside any transaction). */
static med_err
due_stays(med_call *call, dosage_due_row *rows, size_t n, int64_t now_ms)
{
	dosage_order **orders;

	if (n == 0)
		return MED_OK;
	orders = med_arena_alloc(med_call_arena(call), n * sizeof(*orders));
	if (orders == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		orders[i] = rows[i].order;
	return dosage_orders_fill(call, orders, n, now_ms);
}

/* due_item sets it->due_ms and it->state when row's order is due at now:
 * false for an order of a discharged stay (it waits for reconciliation
 * on a readmission) or a death, one past its end (completed however many
 * of its doses were not given, issue 47), and one with nothing due. */
static bool
due_item(dosage_due_row *row, dosage_zone *zone, int64_t now,
	 Smartmed__Dosage__V1__DueItem *it)
{
	if (row->order->stay_ended_ms != 0 || row->order->ended_at_death)
		return false;
	dosage_order_settle(row->order, now);
	if (row->order->status != ACTIVE)
		return false;
	return dosage_next_due(row->order, zone, row->last_ms, now, &it->due_ms,
			       &it->state);
}

/* list_due_request checks a ListDue request. */
static med_err
list_due_request(med_call *call,
		 const Smartmed__Dosage__V1__ListDueRequest *req)
{
	med_err err = med_check_id(call, "patient_id", req->patient_id);

	if (err != MED_OK)
		return err;
	if ((err = med_check_time_ms(call, "now_ms", req->now_ms)) != MED_OK)
		return err;
	if (req->now_ms < 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "now_ms: must not be negative");
	return MED_OK;
}

med_err
dosage_rpc_list_due(med_call *call, const ProtobufCMessage *in,
		    ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ListDueRequest *req = (const void *)in;
	Smartmed__Dosage__V1__ListDueResponse *res = (void *)out;
	med_arena *a = med_call_arena(call);
	int64_t now = req->now_ms ? req->now_ms : med_now_ms();
	dosage_due_row *rows;
	dosage_zone *zone = NULL;
	size_t n, cap = 0;
	med_err err = list_due_request(call, req);

	if (err != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	err = dosage_store_active_orders(med_call_db(call), a, req->patient_id,
					 &rows, &n);
	if (err == MED_OK)
		err = due_stays(call, rows, n, now);
	if (err == MED_OK)
		err = dosage_ward_zone(call, &zone);
	for (size_t i = 0; err == MED_OK && i < n; i++) {
		Smartmed__Dosage__V1__DueItem *it, tmp;

		smartmed__dosage__v1__due_item__init(&tmp);
		if (!due_item(&rows[i], zone, now, &tmp))
			continue;
		it = med_arena_push_msg(
			a, (void ***)&res->items, &res->n_items, &cap,
			&smartmed__dosage__v1__due_item__descriptor);
		if (it == NULL) {
			err = MED_ERR_NOMEM;
			break;
		}
		it->order = rows[i].order;
		it->due_ms = tmp.due_ms;
		it->state = tmp.state;
		it->last_administration_ms = rows[i].last_ms;
	}
	dosage_zone_close(zone);
	if (err == MED_OK && res->n_items > 1)
		qsort(res->items, res->n_items, sizeof(*res->items), by_due);
	return err;
}

med_err
dosage_rpc_history(med_call *call, const ProtobufCMessage *in,
		   ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__HistoryRequest *req = (const void *)in;
	Smartmed__Dosage__V1__HistoryResponse *res = (void *)out;
	med_page page;
	int64_t now = med_now_ms();
	med_err err;

	if ((err = med_page_parse_for_patient(call, req->patient_id, req->page,
					      &page)) != MED_OK)
		return err;
	err = dosage_store_history(med_call_db(call), med_call_arena(call),
				   req->patient_id, now, page.offset,
				   page.size + 1, res);
	if (err != MED_OK)
		return err;
	for (size_t i = 0; i < res->n_administrations; i++)
		res->administrations[i]->confirmation_overdue =
			dosage_admin_overdue(res->administrations[i], now);
	res->page = med_page_respond(call, &page, &res->n_administrations);
	return res->page ? MED_OK : MED_ERR_NOMEM;
}
