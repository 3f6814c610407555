/*
 * handlers_home.c - the patient's home medicines (docs/dose-safety.md,
 * "Home medicines"): AddHomeMedication, ListHomeMedications,
 * StopHomeMedication and DecideHomeMedication.  The list is what
 * admission reconciliation works from beside the orders: each medicine
 * not stopped awaits a decision (continue as an order, hold, stop) on the
 * patient's open stay until a clinician records one.
 */
#include <med/audit.h>
#include <med/check.h>
#include <med/patients.h>
#include <med/rpc.h>
#include <med/util.h>

#include <math.h>
#include <string.h>

#include "dosage.h"
#include "classes.h"
#include "orders.h"
#include "substances.h"
#include "units.h"

#define HS(x)                                                                  \
	SMARTMED__DOSAGE__V1__HOME_MEDICATION_STATUS__HOME_MEDICATION_STATUS_##x
#define HD(x)                                                                  \
	SMARTMED__DOSAGE__V1__HOME_MEDICATION_DECISION__HOME_MEDICATION_DECISION_##x

#define REASON_MAX     500
#define NOTE_TEXT_MAX  500
#define PATIENT_OF_SQL "SELECT patient_id FROM home_medications WHERE id = ?"

/* A last dose this far ahead of the service's clock is clock skew. */
#define LAST_DOSE_AHEAD_MS (5 * 60 * 1000LL)

typedef Smartmed__Dosage__V1__HomeMedicationNote home_note;

/* check_note: a note's entry, span and suggestion are well formed. */
static med_err
check_note(med_call *call, const home_note *n)
{
	med_err err;

	if (n == NULL)
		return MED_OK;
	if ((err = med_check_id(call, "note.entry_id", n->entry_id)) !=
		    MED_OK ||
	    (err = med_check_text(call, "note.text", n->text, 0,
				  NOTE_TEXT_MAX)) != MED_OK)
		return err;
	if (n->version == 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "note.version: must be 1 or more");
	if (n->span_end < n->span_start)
		return med_call_fail(call, MED_ERR_INVALID,
				     "note.span_end: before span_start");
	if (n->suggestion_id[0] != '\0')
		return med_check_id(call, "note.suggestion_id",
				    n->suggestion_id);
	return MED_OK;
}

/* check_substance: "" or a substance the dose checks know; *code is its
 * code ("acetaminophen" -> "paracetamol"). */
static med_err
check_substance(med_call *call, const char *name, const char **code)
{
	const dosage_substance *s;

	*code = "";
	if (name[0] == '\0')
		return MED_OK;
	if ((s = dosage_substance_find(name)) == NULL)
		return med_call_fail(call, MED_ERR_INVALID,
				     "substance: not a substance the dose "
				     "checks know (leave it empty and name "
				     "the medicine)");
	*code = s->code;
	return MED_OK;
}

/* check_last_dose: 0 (not known) or a time not in the future (a few
 * minutes of clock skew aside): the checks count the medicine from it. */
static med_err
check_last_dose(med_call *call, int64_t last_dose_ms)
{
	med_err err = med_check_time_ms(call, "last_dose_ms", last_dose_ms);

	if (err != MED_OK)
		return err;
	if (last_dose_ms < 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "last_dose_ms: must not be negative");
	if (last_dose_ms > med_now_ms() + LAST_DOSE_AHEAD_MS)
		return med_call_fail(call, MED_ERR_INVALID,
				     "last_dose_ms: in the future; a dose "
				     "taken at home has been taken");
	return MED_OK;
}

/* check_home_before: earlier courses' amount is 0 (none) or an amount in
 * dose_unit, which the lifetime totals convert. */
static med_err
check_home_before(med_call *call,
		  const Smartmed__Dosage__V1__AddHomeMedicationRequest *r)
{
	dosage_dose_unit u;
	double v = r->cumulative_before_admission;

	if (!isfinite(v) || v < 0 || v > 1e6)
		return med_call_fail(call, MED_ERR_INVALID,
				     "cumulative_before_admission: 0 (none) "
				     "or above 0 up to 1000000");
	if (v > 0 && dosage_dose_unit_parse(r->dose_unit, &u) != MED_OK)
		return med_call_fail(call, MED_ERR_INVALID,
				     "cumulative_before_admission: needs "
				     "dose_unit (g, mg, ug, mcg, L, mL, [iU], "
				     "IU, unit, mmol, mEq)");
	return MED_OK;
}

/* check_home_dose: the home regimen's dose, when given, is an amount in a
 * unit the catalogue converts; the doses taken in 24 h need it and a last
 * dose (the 24-hour total counts them from then). */
static med_err
check_home_dose(med_call *call,
		const Smartmed__Dosage__V1__AddHomeMedicationRequest *r)
{
	dosage_dose_unit u;
	med_err err;

	if ((err = check_home_before(call, r)) != MED_OK)
		return err;
	if (!isfinite(r->dose_amount) || r->dose_amount < 0 ||
	    r->dose_amount > 1e6)
		return med_call_fail(call, MED_ERR_INVALID,
				     "dose_amount: 0 (not known) or above 0 "
				     "up to 1000000");
	if (r->doses_taken_24h > 24)
		return med_call_fail(call, MED_ERR_INVALID,
				     "doses_taken_24h: at most 24");
	/* A unit without a regimen dose names earlier courses' amount. */
	if (r->dose_amount == 0 &&
	    (r->doses_taken_24h > 0 ||
	     (r->dose_unit[0] != '\0' && r->cumulative_before_admission <= 0)))
		return med_call_fail(call, MED_ERR_INVALID,
				     "dose_amount: required with dose_unit or "
				     "doses_taken_24h");
	if (r->dose_amount == 0)
		return MED_OK;
	if (dosage_dose_unit_parse(r->dose_unit, &u) != MED_OK)
		return med_call_fail(call, MED_ERR_INVALID,
				     "dose_unit: unknown unit (g, mg, ug, mcg, "
				     "L, mL, [iU], IU, unit, mmol, mEq)");
	if (r->doses_taken_24h > 0 && r->last_dose_ms == 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "doses_taken_24h: needs last_dose_ms (the "
				     "last of them)");
	return MED_OK;
}

static med_err
check_add(med_call *call,
	  const Smartmed__Dosage__V1__AddHomeMedicationRequest *r,
	  const char **substance)
{
	med_err err;

	if ((err = med_check_id(call, "patient_id", r->patient_id)) != MED_OK ||
	    (err = med_check_text(call, "medicine", r->medicine, 1, 200)) !=
		    MED_OK ||
	    (err = med_check_text(call, "dose_text", r->dose_text, 0, 200)) !=
		    MED_OK ||
	    (err = med_check_text(call, "information_source",
				  r->information_source, 1, 100)) != MED_OK ||
	    (err = check_substance(call, r->substance, substance)) != MED_OK)
		return err;
	if (r->status != HS(ACTIVE) && r->status != HS(STOPPED) &&
	    r->status != HS(UNKNOWN))
		return med_call_fail(call, MED_ERR_INVALID,
				     "status: must be ACTIVE, STOPPED or "
				     "UNKNOWN");
	if ((err = check_last_dose(call, r->last_dose_ms)) != MED_OK ||
	    (err = med_check_text(call, "dose_unit", r->dose_unit, 0, 32)) !=
		    MED_OK ||
	    (err = check_home_dose(call, r)) != MED_OK)
		return err;
	return check_note(call, r->note);
}

/* add_in_tx inserts the medicine in the call's transaction, with which
 * its audit event commits. */
static med_err
add_in_tx(med_db_conn *c, void *arg)
{
	return dosage_store_add_home_med(c, arg);
}

med_err
dosage_rpc_add_home_medication(med_call *call, const ProtobufCMessage *in,
			       ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__AddHomeMedicationRequest *r =
		(const void *)in;
	dosage_home_med *m = (void *)out;
	char *id = med_arena_alloc(med_call_arena(call), MED_UUID_LEN + 1);
	const char *substance = "";
	med_err err;

	if (id == NULL)
		return MED_ERR_NOMEM;
	if ((err = check_add(call, r, &substance)) != MED_OK)
		return err;
	med_call_set_patient(call, r->patient_id);
	if ((err = med_patients_require(call, "patient_id", r->patient_id)) !=
	    MED_OK)
		return err;
	med_uuid_v4(id);
	m->id = id;
	m->patient_id = r->patient_id;
	m->medicine = r->medicine;
	m->substance = (char *)substance;
	m->dose_text = r->dose_text;
	m->status = r->status;
	m->last_dose_ms = r->last_dose_ms;
	m->dose_amount = r->dose_amount;
	m->dose_unit = r->dose_unit;
	m->doses_taken_24h = r->doses_taken_24h;
	m->cumulative_before_admission = r->cumulative_before_admission;
	m->information_source = r->information_source;
	m->note = r->note;
	m->recorded_by = (char *)med_call_principal(call)->user;
	m->recorded_ms = med_now_ms();
	(void)med_call_add_detail(call, "home_medication_id", id);
	if (r->note != NULL && r->note->suggestion_id[0] != '\0')
		(void)med_call_add_detail(call, "suggestion_id",
					  r->note->suggestion_id);
	err = med_call_tx(call, add_in_tx, m);
	if (err == MED_ERR_EXISTS)
		return med_call_fail(call, err,
				     "note.suggestion_id: that suggestion is "
				     "on the home-medicine list already");
	if (err == MED_ERR_LIMIT)
		return med_call_fail(call, err,
				     "patient_id: the home-medicine list "
				     "holds %d medicines; stop one first",
				     DOSAGE_HOME_MEDS_MAX);
	return err;
}

/* open_decision: a decision stands for the stay it was made in; on
 * another stay (or none) the medicine awaits a new one, and one of the
 * time-critical classes is the prescriber's task on admission. */
static void
open_decision(dosage_home_med *m, const char *encounter_id)
{
	const char *task = NULL;

	if (strcmp(m->decision_encounter_id, encounter_id) != 0)
		m->decision = HD(UNSPECIFIED);
	m->awaiting_decision =
		m->status != HS(STOPPED) && m->decision == HD(UNSPECIFIED);
	if (m->awaiting_decision && m->substance[0] != '\0')
		task = dosage_admission_task_class(m->substance);
	m->admission_task = (char *)(task ? task : "");
}

med_err
dosage_rpc_list_home_medications(med_call *call, const ProtobufCMessage *in,
				 ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ListHomeMedicationsRequest *r =
		(const void *)in;
	Smartmed__Dosage__V1__ListHomeMedicationsResponse *res = (void *)out;
	med_stay stay;
	med_err err = med_check_id(call, "patient_id", r->patient_id);

	if (err != MED_OK)
		return err;
	med_call_set_patient(call, r->patient_id);
	if ((err = med_stays_current(call, "patient_id", r->patient_id,
				     &stay)) != MED_OK ||
	    (err = dosage_store_home_meds(
		     med_call_db(call), med_call_arena(call), r->patient_id,
		     r->include_stopped, &res->items, &res->n_items)) != MED_OK)
		return err;
	res->encounter_id =
		med_arena_strdup(med_call_arena(call), stay.encounter_id);
	if (res->encounter_id == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < res->n_items; i++)
		open_decision(res->items[i], stay.encounter_id);
	return MED_OK;
}

/* copy_out copies the stored medicine into the reply. */
static void
copy_out(dosage_home_med *out, const dosage_home_med *m)
{
	ProtobufCMessage base = out->base;

	*out = *m;
	out->base = base;
}

/* home_tx - a stop or decision's transaction: the change, the medicine
 * after. */
typedef struct home_tx {
	med_call *call;
	const dosage_home_change *ch;
	dosage_home_med *m;
} home_tx;

/* order_of_patient: a CONTINUE's order_id names an order of the
 * medicine's patient. */
static med_err
order_of_patient(med_db_conn *c, const home_tx *x)
{
	bool seen = false;
	med_err err;

	if (x->ch->order_id[0] == '\0')
		return MED_OK;
	err = dosage_store_has_order(c, x->ch->order_id, x->m->patient_id,
				     &seen);
	if (err == MED_OK && !seen)
		return med_call_fail(x->call, MED_ERR_NOT_FOUND,
				     "order_id: no order of this patient");
	return err;
}

/* change_in_tx locks the medicine, refuses a stopped one, checks the order
 * a CONTINUE names, writes the change and reads the medicine back. */
static med_err
change_in_tx(med_db_conn *c, void *arg)
{
	home_tx *x = arg;
	med_arena *a = med_call_arena(x->call);
	med_err err = dosage_store_lock_home_med(c, a, x->ch->id, &x->m);

	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(x->call, err, "id: no such home medicine");
	if (err != MED_OK)
		return err;
	med_call_set_patient(x->call, x->m->patient_id);
	if (x->m->status == HS(STOPPED))
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "id: the home medicine was stopped; add "
				     "it again if the patient takes it");
	if ((err = order_of_patient(c, x)) != MED_OK ||
	    (err = dosage_store_apply_home_change(c, x->ch)) != MED_OK)
		return err;
	return dosage_store_read_home_med(c, a, x->ch->id, &x->m);
}

/* change_home_med applies ch in the call's one transaction (its audit
 * event commits with it); *out is the medicine after. */
static med_err
change_home_med(med_call *call, const dosage_home_change *ch,
		dosage_home_med **out)
{
	home_tx x = {call, ch, NULL};
	med_err err = med_call_tx(call, change_in_tx, &x);

	if (err == MED_OK)
		*out = x.m;
	return err;
}

med_err
dosage_rpc_stop_home_medication(med_call *call, const ProtobufCMessage *in,
				ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__StopHomeMedicationRequest *r =
		(const void *)in;
	dosage_home_change ch = {.id = r->id,
				 .reason = r->reason,
				 .by = med_call_principal(call)->user,
				 .at_ms = med_now_ms(),
				 .encounter_id = "",
				 .order_id = ""};
	dosage_home_med *m = NULL;
	med_err err;

	if ((err = med_check_id(call, "id", r->id)) != MED_OK ||
	    (err = med_check_text(call, "reason", r->reason, 1, REASON_MAX)) !=
		    MED_OK ||
	    (err = med_call_name_patient_of(call, PATIENT_OF_SQL, r->id)) !=
		    MED_OK)
		return err;
	(void)med_call_add_detail(call, "home_medication_id", r->id);
	if ((err = change_home_med(call, &ch, &m)) != MED_OK)
		return err;
	m->awaiting_decision = false;
	copy_out((void *)out, m);
	return MED_OK;
}

static const char *
decision_name(int d)
{
	return d == HD(CONTINUE) ? "continue" : d == HD(HOLD) ? "hold" : "stop";
}

static med_err
check_decide(med_call *call,
	     const Smartmed__Dosage__V1__DecideHomeMedicationRequest *r)
{
	med_err err;

	if ((err = med_check_id(call, "id", r->id)) != MED_OK ||
	    (err = med_check_text(call, "reason", r->reason, 1, REASON_MAX)) !=
		    MED_OK)
		return err;
	if (r->decision != HD(CONTINUE) && r->decision != HD(HOLD) &&
	    r->decision != HD(STOP))
		return med_call_fail(call, MED_ERR_INVALID,
				     "decision: must be CONTINUE, HOLD or "
				     "STOP");
	if (r->order_id[0] == '\0')
		return MED_OK;
	if (r->decision != HD(CONTINUE))
		return med_call_fail(call, MED_ERR_INVALID,
				     "order_id: only a CONTINUE names the "
				     "order that continues the medicine");
	return med_check_id(call, "order_id", r->order_id);
}

/* decide_stay asks identity for the patient's open stay: the decision is
 * the admission's, so with stays known a patient not admitted has none. */
static med_err
decide_stay(med_call *call, const char *id, med_stay *stay)
{
	dosage_home_med *m = NULL;
	med_err err = dosage_store_home_med(med_call_db(call),
					    med_call_arena(call), id, &m);

	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "id: no such home medicine");
	if (err != MED_OK || (err = med_stays_current(call, "id", m->patient_id,
						      stay)) != MED_OK)
		return err;
	if (med_stays_enabled() && stay->encounter_id[0] == '\0')
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "id: the patient has no open stay; "
				     "admission reconciliation starts at "
				     "the admission");
	return MED_OK;
}

med_err
dosage_rpc_decide_home_medication(med_call *call, const ProtobufCMessage *in,
				  ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__DecideHomeMedicationRequest *r =
		(const void *)in;
	dosage_home_change ch = {.id = r->id,
				 .reason = r->reason,
				 .by = med_call_principal(call)->user,
				 .at_ms = med_now_ms(),
				 .decision = r->decision,
				 .order_id = r->order_id};
	dosage_home_med *m = NULL;
	med_stay stay;
	med_err err;

	if ((err = check_decide(call, r)) != MED_OK ||
	    (err = med_call_name_patient_of(call, PATIENT_OF_SQL, r->id)) !=
		    MED_OK ||
	    (err = decide_stay(call, r->id, &stay)) != MED_OK)
		return err;
	ch.encounter_id = stay.encounter_id;
	med_call_add_details(
		call,
		(const med_audit_detail[]){
			{"home_medication_id", r->id},
			{"reconcile_decision", decision_name(r->decision)},
			{"encounter_id", stay.encounter_id}},
		3);
	if ((err = change_home_med(call, &ch, &m)) != MED_OK)
		return err;
	open_decision(m, stay.encounter_id);
	copy_out((void *)out, m);
	return MED_OK;
}
