/*
 * handlers_mar.c - the ward round's RPCs: RecordNotGiven charts a
 * scheduled dose as not given (FHIR MedicationAdministration status
 * not-done with a statusReason), GetMar draws a patient's medication
 * administration record over a time window.
 */
#include <med/audit.h>
#include <med/check.h>
#include <med/metrics.h>
#include <med/service.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "catalogue.h"
#include "drug.h"
#include "time_critical.h"
#include "patient.h"
#include "checks.h"
#include "dose.h"
#include "orders.h"
#include "subject.h"
#include "mar.h"

#define ST(x)	    SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_##x
#define NG(x)	    SMARTMED__DOSAGE__V1__NOT_GIVEN_REASON__NOT_GIVEN_REASON_##x
#define HOUR_MS	    (3600LL * 1000)
#define BACKDATE_MS (7 * 24 * HOUR_MS)
#define MAX_HOLDS   64

/* --- RecordNotGiven ------------------------------------------------------ */

static const char *
not_given_name(Smartmed__Dosage__V1__NotGivenReason r)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
		&smartmed__dosage__v1__not_given_reason__descriptor, (int)r);

	return v ? v->name : "";
}

static med_err
not_given_validate(med_call *call,
		   const Smartmed__Dosage__V1__RecordNotGivenRequest *req,
		   int64_t now)
{
	med_err err = med_check_id(call, "order_id", req->order_id);

	if (err != MED_OK ||
	    (err = med_check_time_ms(call, "scheduled_ms",
				     req->scheduled_ms)) != MED_OK)
		return err;
	if (req->scheduled_ms <= 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "scheduled_ms: must be set (a scheduled "
				     "time of the order, as GetMar lists "
				     "them)");
	if (req->scheduled_ms > now + HOUR_MS ||
	    req->scheduled_ms < now - BACKDATE_MS)
		return med_call_fail(call, MED_ERR_INVALID,
				     "scheduled_ms: must be within the last 7 "
				     "days and not more than 1 hour ahead");
	if (req->reason == NG(UNSPECIFIED))
		return med_call_fail(call, MED_ERR_INVALID,
				     "reason: must be set");
	return med_check_text(call, "text", req->text,
			      req->reason == NG(OTHER) ? 3 : 0, 500);
}

typedef struct not_given_ctx {
	med_call *call;
	const Smartmed__Dosage__V1__RecordNotGivenRequest *req;
	int64_t now_ms;
	dosage_zone *zone; /* the ward's: the grid GetMar shows */
	/* The order's drug is time-critical: its row; NULL otherwise. */
	const dosage_time_critical *tc;
	dosage_admin *m; /* the reply: the record inserted, or the earlier */
} not_given_ctx;

/* drug_time_critical finds the row of the time-critical table that o's
 * drug falls under (*out NULL when none, or when the catalogue lost the
 * drug).  An order version's drug never changes: read before the
 * transaction, as its stay is. */
static med_err
drug_time_critical(med_call *call, const dosage_order *o,
		   const dosage_time_critical **out)
{
	dosage_drug drug;
	const char *s[DOSAGE_DOSE_MAX_SUBSTANCES];
	med_err err = dosage_store_get(med_call_db(call), med_call_arena(call),
				       o->drug_code, &drug);

	*out = NULL;
	if (err == MED_ERR_NOT_FOUND)
		return MED_OK;
	if (err != MED_OK)
		return err;
	*out = dosage_tc_match(dosage_time_critical_table(), s,
			       dosage_drug_substances(&drug, s));
	return MED_OK;
}

/* escalation_validate: a time-critical medicine's dose is not left out
 * in silence: who was told and what was decided is required. */
static med_err
escalation_validate(const not_given_ctx *x, const dosage_order *o)
{
	if (x->tc == NULL)
		return MED_OK;
	if (x->req->escalation_reason[0] == '\0')
		return med_call_fail(
			x->call, MED_ERR_INVALID,
			"escalation_reason: required: %s is a time-critical "
			"medicine (%s, %s; give within %d minutes of its "
			"time): say who was told (the prescriber) and what "
			"was decided",
			o->drug_code, x->tc->term, x->tc->harm,
			(int)x->tc->window_min);
	return med_check_text(x->call, "escalation_reason",
			      x->req->escalation_reason, 10, 500);
}

/* chartable: a dose may be charted as not given against an order that
 * was in force at its time, even one stopped or replaced since. */
static med_err
chartable(const not_given_ctx *x, const dosage_order *o)
{
	int64_t slot;

	if ((o->status == ST(STOPPED) || o->status == ST(SUPERSEDED)) &&
	    x->req->scheduled_ms >= dosage_order_stop_ms(o))
		return dosage_order_refuse(x->call, o);
	if (x->req->scheduled_ms < dosage_order_from_ms(o))
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "order_id: this version came into force "
				     "after scheduled_ms; chart it against "
				     "the version before, order %s",
				     o->replaces_order_id);
	if (!dosage_order_slot(o, x->zone, x->req->scheduled_ms, &slot))
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "order_id: an as-needed (PRN) order has "
				     "no scheduled doses");
	if (slot != x->req->scheduled_ms)
		return med_call_fail(x->call, MED_ERR_INVALID,
				     "scheduled_ms: not a scheduled time of "
				     "this order (the nearest is %lld)",
				     (long long)slot);
	return MED_OK;
}

/* audit_not_given describes the record; a time-critical medicine's
 * omission is its own event ("time-critical dose not given"), with the
 * table's row and the escalation, for the prescriber to be found by. */
static void
audit_not_given(med_call *call, const dosage_admin *m,
		const dosage_time_critical *tc)
{
	char when[24], window[16];
	med_audit_detail d[9];
	size_t n = 6;

	snprintf(when, sizeof(when), "%lld", (long long)m->scheduled_ms);
	d[0] = (med_audit_detail){"event", "not given"};
	d[1] = (med_audit_detail){"administration_id", m->id};
	d[2] = (med_audit_detail){"order_id", m->order_id};
	d[3] = (med_audit_detail){"scheduled_ms", when};
	d[4] = (med_audit_detail){"status_reason",
				  not_given_name(m->not_given_reason)};
	d[5] = (med_audit_detail){"performer", m->performer};
	if (tc != NULL) {
		snprintf(window, sizeof(window), "%d", (int)tc->window_min);
		d[0].value = "time-critical dose not given";
		d[n++] = (med_audit_detail){"time_critical", tc->term};
		d[n++] = (med_audit_detail){"window_min", window};
		d[n++] = (med_audit_detail){"escalation_reason",
					    m->escalation_reason};
	}
	med_call_add_details(call, d, n);
}

/* not_given_chart checks a not-given record of the locked order o and
 * fills *m to insert, or fails the call. */
static med_err
not_given_chart(not_given_ctx *x, const dosage_order *o, dosage_admin *m)
{
	med_arena *a = med_call_arena(x->call);
	char *id = med_arena_alloc(a, MED_UUID_LEN + 1);
	med_err err;

	med_call_set_patient(x->call, o->patient_id);
	if ((err = chartable(x, o)) != MED_OK ||
	    (err = escalation_validate(x, o)) != MED_OK)
		return err;
	if (id == NULL)
		return MED_ERR_NOMEM;
	/* Time-ordered, as a given dose's id (handlers_admin.c). */
	med_uuid_v7(id);
	m->id = id;
	m->order_id = o->id;
	m->patient_id = o->patient_id;
	m->drug_code = o->drug_code;
	m->drug_unit = o->drug_unit;
	m->effective_ms = x->now_ms;
	m->recorded_ms = x->now_ms;
	m->status = DOSAGE_ADMIN_NOT_DONE;
	m->performer = (char *)med_call_principal(x->call)->user;
	m->scheduled_ms = x->req->scheduled_ms;
	m->not_given_reason = x->req->reason;
	m->not_given_text = x->req->text;
	if (x->tc != NULL) {
		m->time_critical_window_min = x->tc->window_min;
		m->escalation_reason = x->req->escalation_reason;
	}
	audit_not_given(x->call, m, x->tc);
	return MED_OK;
}

/*
 * not_given_tx is the call's transaction: it locks the order (so two
 * nurses charting one dose are serialised), decides, and inserts the
 * record and a time-critical medicine's escalation.  MED_ERR_EXISTS (with
 * *x->m the earlier record) when the scheduled dose was already charted
 * as not given.
 */
static med_err
not_given_tx(med_db_conn *c, void *arg)
{
	not_given_ctx *x = arg;
	med_arena *a = med_call_arena(x->call);
	dosage_order o;
	dosage_admin_rows earlier = {0};
	med_err err = dosage_store_read_order(c, a, x->req->order_id, true, &o);

	if (err != MED_OK || (err = not_given_chart(x, &o, x->m)) != MED_OK ||
	    (err = dosage_store_charted_before(c, a, x->m, &earlier)) != MED_OK)
		return err;
	if (earlier.n > 0) {
		*x->m = *earlier.items[0];
		return MED_ERR_EXISTS;
	}
	err = dosage_store_insert_admin(c, a, x->m);
	if (err != MED_OK || x->m->time_critical_window_min <= 0)
		return err;
	return dosage_store_insert_escalation(c, x->m,
					      x->tc ? x->tc->term : "");
}

/* count_omission counts a time-critical dose charted as not given, for
 * the ward's dashboards (no label names the patient or the drug). */
static void
count_omission(med_call *call)
{
	med_counter *c = med_metrics_counter(
		med_service_metrics(med_service_from_call(call)),
		"smartmed_dosage_time_critical_omissions_total",
		"Doses of time-critical medicines charted as not given "
		"(each with an escalation reason)",
		"");

	if (c != NULL)
		med_counter_add(c, 1);
}

med_err
dosage_rpc_record_not_given(med_call *call, const ProtobufCMessage *in,
			    ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__RecordNotGivenRequest *req =
		(const void *)in;
	dosage_admin *m = (void *)out;
	not_given_ctx x = {call, req, med_now_ms(), NULL, NULL, m};
	dosage_order o;
	med_err err = not_given_validate(call, req, x.now_ms);

	if (err != MED_OK)
		return err;
	/* The stay is asked before the transaction; an order version's stay
	 * never changes. */
	err = dosage_store_get_order(med_call_db(call), med_call_arena(call),
				     req->order_id, &o);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "order_id: no such order");
	if (err != MED_OK)
		return err;
	med_call_set_patient(call, o.patient_id);
	if ((err = dosage_stay_guard(call, "order_id", &o, NULL)) != MED_OK ||
	    (err = drug_time_critical(call, &o, &x.tc)) != MED_OK ||
	    (err = dosage_ward_zone(call, &x.zone)) != MED_OK)
		return err;
	err = med_call_tx(call, not_given_tx, &x);
	dosage_zone_close(x.zone);
	if (err == MED_OK && x.tc != NULL)
		count_omission(call);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "order_id: no such order");
	if (err == MED_ERR_EXISTS)
		return med_call_fail(call, err,
				     "scheduled_ms: already charted as not "
				     "given (administration %s)",
				     m->id);
	return err;
}

/* --- MarkAdministrationEnteredInError ----------------------------------- */

typedef struct eie_req {
	med_call *call;
	const char *reason;
	const char *was;   /* the status before the correction */
	const char *id;	   /* the administration corrected */
	dosage_admin *out; /* the reply: the record as stored */
} eie_req;

/* may_correct: a clinician or pharmacist may correct any record; anyone
 * else (a nurse) only the records she charted herself. */
static bool
may_correct(const med_principal *who, const dosage_admin *m)
{
	if (who->roles & (MED_ROLE_CLINICIAN | MED_ROLE_PHARMACIST))
		return true;
	return strcmp(who->user, m->performer) == 0;
}

static void
audit_in_error(med_call *call, const dosage_admin *m, const char *was)
{
	med_audit_detail d[7];
	size_t n = 6;

	d[0] = (med_audit_detail){"event", "entered in error"};
	d[1] = (med_audit_detail){"administration_id", m->id};
	d[2] = (med_audit_detail){"order_id", m->order_id};
	d[3] = (med_audit_detail){"previous_status", was};
	d[4] = (med_audit_detail){"performer", m->performer};
	d[5] = (med_audit_detail){"reason", m->entered_in_error_reason};
	/* A confirmed request: who asked, beside who confirmed. */
	if (m->entered_in_error_requested_by[0] != '\0')
		d[n++] = (med_audit_detail){"requested_by",
					    m->entered_in_error_requested_by};
	med_call_add_details(call, d, n);
}

/*
 * eie_request records the charter's own correction of a counted dose as a
 * request only: the dose keeps counting until a clinician or pharmacist
 * who did not chart it confirms.  Else a nurse could mark the dose a limit
 * counted and give the dose the limit refused (issue 30).
 */
static med_err
eie_request(eie_req *x, const med_principal *who, dosage_admin *m)
{
	med_audit_detail d[5];

	if (m->entered_in_error_requested_by[0] != '\0')
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "administration_id: the correction was "
				     "already asked for by %s; a clinician "
				     "or pharmacist who did not chart the "
				     "dose confirms it",
				     m->entered_in_error_requested_by);
	m->entered_in_error_requested_by = (char *)who->user;
	m->entered_in_error_requested_ms = med_now_ms();
	m->entered_in_error_requested_reason = (char *)x->reason;
	d[0] = (med_audit_detail){"event", "entered in error requested"};
	d[1] = (med_audit_detail){"administration_id", m->id};
	d[2] = (med_audit_detail){"order_id", m->order_id};
	d[3] = (med_audit_detail){"status", m->status};
	d[4] = (med_audit_detail){"reason", x->reason};
	med_call_add_details(x->call, d, 5);
	return MED_OK;
}

/* eie_decide decides a correction of the locked *m and fills it: the
 * correction itself, or (eie_request) a request for a second person. */
static med_err
eie_decide(eie_req *x, dosage_admin *m)
{
	const med_principal *who = med_call_principal(x->call);

	med_call_set_patient(x->call, m->patient_id);
	if (strcmp(m->status, DOSAGE_ADMIN_IN_ERROR) == 0)
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "administration_id: already marked "
				     "entered in error by %s",
				     m->entered_in_error_by);
	if (!may_correct(who, m))
		return med_call_fail(x->call, MED_ERR_DENIED,
				     "administration_id: a nurse may correct "
				     "only what she charted (charted by %s); "
				     "ask a clinician or pharmacist",
				     m->performer);
	if (dosage_correction_needs_second(m, who->user))
		return eie_request(x, who, m);
	x->was = m->status;
	m->entered_in_error_by = (char *)who->user;
	m->entered_in_error_ms = med_now_ms();
	m->entered_in_error_reason = (char *)x->reason;
	audit_in_error(x->call, m, x->was);
	return MED_OK;
}

/* eie_tx locks the record and its order, decides, stores the correction
 * (a "once" order completed by the dose is reopened) or its request, and
 * answers with the record as stored, in the call's transaction. */
static med_err
eie_tx(med_db_conn *c, void *arg)
{
	eie_req *x = arg;
	med_arena *a = med_call_arena(x->call);
	dosage_order o;
	med_err err =
		dosage_store_lock_admin_and_order(c, a, x->id, &o, x->out);

	if (err != MED_OK || (err = eie_decide(x, x->out)) != MED_OK)
		return err;
	/* eie_decide names no corrector: only a request (limits.c). */
	if (x->out->entered_in_error_by[0] == '\0')
		err = dosage_store_request_in_error(c, x->out);
	else if ((err = dosage_store_mark_in_error(c, x->out)) == MED_OK)
		err = dosage_store_reopen_once(c, &o, x->out);
	if (err != MED_OK)
		return err;
	return dosage_store_read_admin(c, a, x->id, false, x->out);
}

med_err
dosage_rpc_mark_administration_entered_in_error(med_call *call,
						const ProtobufCMessage *in,
						ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__MarkAdministrationEnteredInErrorRequest
		*req = (const void *)in;
	dosage_admin *m = (void *)out;
	eie_req x = {call, req->reason, "", req->administration_id, m};
	med_err err =
		med_check_id(call, "administration_id", req->administration_id);

	if (err != MED_OK || (err = med_check_text(call, "reason", req->reason,
						   3, 500)) != MED_OK)
		return err;
	/* eie_decide names the locked row's patient again. */
	return dosage_admin_change(call, req->administration_id, eie_tx, &x);
}

/* --- GetMar -------------------------------------------------------------- */

typedef struct mar_window {
	int64_t from_ms, to_ms, now_ms;
	dosage_zone *zone; /* the ward's time zone; NULL: UTC */
} mar_window;

static med_err
mar_validate(med_call *call, const Smartmed__Dosage__V1__GetMarRequest *req,
	     mar_window *w)
{
	med_err err = med_check_id(call, "patient_id", req->patient_id);

	if (err != MED_OK ||
	    (err = med_check_time_ms(call, "now_ms", req->now_ms)) != MED_OK ||
	    (err = med_check_time_ms(call, "from_ms", req->from_ms)) !=
		    MED_OK ||
	    (err = med_check_time_ms(call, "to_ms", req->to_ms)) != MED_OK)
		return err;
	if (req->now_ms < 0 || req->from_ms < 0 || req->to_ms < 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "%s: must not be negative",
				     req->now_ms < 0	? "now_ms"
				     : req->from_ms < 0 ? "from_ms"
							: "to_ms");
	w->now_ms = req->now_ms ? req->now_ms : med_now_ms();
	w->from_ms = req->from_ms ? req->from_ms : w->now_ms - 12 * HOUR_MS;
	w->to_ms = req->to_ms ? req->to_ms : w->from_ms + 24 * HOUR_MS;
	if (w->to_ms <= w->from_ms)
		return med_call_fail(call, MED_ERR_INVALID,
				     "to_ms: must be after from_ms");
	if (w->to_ms - w->from_ms > DOSAGE_MAR_MAX_WINDOW_MS)
		return med_call_fail(call, MED_ERR_INVALID,
				     "to_ms: the window is at most 7 days");
	return MED_OK;
}

/* in_window: was m charted for a time in the window? */
static bool
in_window(const dosage_admin *m, const mar_window *w)
{
	int64_t t = m->scheduled_ms ? m->scheduled_ms : m->effective_ms;

	return (t >= w->from_ms && t < w->to_ms) ||
	       (m->effective_ms >= w->from_ms && m->effective_ms < w->to_ms);
}

/* order_admins lists what was charted against o in the window. */
static med_err
order_admins(med_arena *a, const dosage_mar_data *d, const dosage_order *o,
	     const mar_window *w, Smartmed__Dosage__V1__MarOrder *mo)
{
	size_t cap = d->admins.n + 1;

	mo->administrations =
		med_arena_alloc(a, cap * sizeof(*mo->administrations));
	if (mo->administrations == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < d->admins.n; i++) {
		dosage_admin *m = d->admins.items[i];

		if (strcmp(m->order_id, o->id) != 0 || !in_window(m, w))
			continue;
		m->confirmation_overdue = dosage_admin_overdue(m, w->now_ms);
		dosage_mar_round_admin(m);
		m->effective_time =
			dosage_zone_rfc3339(a, w->zone, m->effective_ms);
		if (m->effective_time == NULL)
			return MED_ERR_NOMEM;
		mo->administrations[mo->n_administrations++] = m;
	}
	return MED_OK;
}

/* mar_prn fills what a PRN order's line says about its next dose. */
static med_err
mar_prn(med_call *call, const dosage_mar_data *d, size_t i,
	const dosage_dose_patient *p, const mar_window *w,
	Smartmed__Dosage__V1__MarOrder *mo)
{
	med_arena *a = med_call_arena(call);
	const dosage_order *o = d->orders[i];

	mo->prn = med_arena_zalloc(a, sizeof(*mo->prn));
	if (mo->prn == NULL)
		return MED_ERR_NOMEM;
	smartmed__dosage__v1__mar_prn__init(mo->prn);
	if (o->stay_ended_ms != 0) {
		mo->prn->reason = med_arena_sprintf(
			a, "the stay %s was discharged", o->encounter_id);
		return mo->prn->reason ? MED_OK : MED_ERR_NOMEM;
	}
	if (o->status != ST(ACTIVE) || d->drugs[i] == NULL ||
	    d->given[i] == NULL) {
		mo->prn->reason =
			med_arena_sprintf(a, "order is %s", o->fhir_status);
		return mo->prn->reason ? MED_OK : MED_ERR_NOMEM;
	}
	dosage_prn_forecast(a, d->drugs[i], o, p, d->given[i], w->now_ms,
			    mo->prn);
	mo->prn->given_24h = dosage_dose_round(mo->prn->given_24h);
	mo->prn->last_given_time =
		mo->prn->last_given_ms
			? dosage_zone_rfc3339(a, w->zone,
					      mo->prn->last_given_ms)
			: "";
	mo->prn->next_time =
		mo->prn->next_ms
			? dosage_zone_rfc3339(a, w->zone, mo->prn->next_ms)
			: "";
	return mo->prn->last_given_time && mo->prn->next_time ? MED_OK
							      : MED_ERR_NOMEM;
}

/* slot_times gives each slot's times in the ward's zone, and rounds the
 * dose given. */
static med_err
slot_times(med_arena *a, const mar_window *w,
	   Smartmed__Dosage__V1__MarOrder *mo)
{
	for (size_t i = 0; i < mo->n_slots; i++) {
		Smartmed__Dosage__V1__MarSlot *s = mo->slots[i];

		s->dose = dosage_dose_round(s->dose);
		s->scheduled_time =
			dosage_zone_rfc3339(a, w->zone, s->scheduled_ms);
		s->charted_time =
			s->charted_ms
				? dosage_zone_rfc3339(a, w->zone, s->charted_ms)
				: "";
		if (s->scheduled_time == NULL || s->charted_time == NULL)
			return MED_ERR_NOMEM;
	}
	return MED_OK;
}

/* mar_label names the drug, its strength and the dose as a nurse reads
 * them, with the numbers rounded as shown. */
static med_err
mar_label(med_arena *a, const dosage_drug *drug, dosage_order *o,
	  Smartmed__Dosage__V1__MarOrder *mo)
{
	mo->drug_name =
		(char *)(drug && drug->name ? drug->name : o->drug_code);
	mo->drug_strength = drug ? dosage_drug_strength_text(a, drug) : "";
	mo->dose_text = dosage_order_dose_text(a, o);
	dosage_mar_round_order(o);
	return mo->drug_strength && mo->dose_text ? MED_OK : MED_ERR_NOMEM;
}

/* has_infusion: was an infusion of o running in the window?  An order
 * written as a dose ("once") and given as an infusion reads as one. */
static bool
has_infusion(const dosage_mar_data *d, const dosage_order *o)
{
	for (size_t i = 0; i < d->n_infusions; i++)
		if (strcmp(d->infusions[i]->order_id, o->id) == 0)
			return true;
	return false;
}

/* mar_infusion_line shows an infusion order as running at its rate: it
 * has no scheduled slots, as it is no bolus to give. */
static med_err
mar_infusion_line(med_arena *a, const dosage_mar_data *d, const mar_window *w,
		  const dosage_order *o, Smartmed__Dosage__V1__MarOrder *mo)
{
	mo->infusion = med_arena_zalloc(a, sizeof(*mo->infusion));
	if (mo->infusion == NULL)
		return MED_ERR_NOMEM;
	smartmed__dosage__v1__mar_infusion__init(mo->infusion);
	return dosage_mar_infusion(a, w->zone, o, d->infusions, d->n_infusions,
				   w->now_ms, mo->infusion);
}

/* mar_time_critical flags the slots of a time-critical medicine's
 * order (nothing when the catalogue lost its drug). */
static med_err
mar_time_critical(med_arena *a, const dosage_drug *drug, const mar_window *w,
		  Smartmed__Dosage__V1__MarOrder *mo)
{
	const char *s[DOSAGE_DOSE_MAX_SUBSTANCES];
	const dosage_time_critical *tc;

	if (drug == NULL || mo->n_slots == 0)
		return MED_OK;
	tc = dosage_tc_match(dosage_time_critical_table(), s,
			     dosage_drug_substances(drug, s));
	return tc ? dosage_mar_time_critical(a, tc, w->now_ms, mo->slots,
					     mo->n_slots)
		  : MED_OK;
}

/* mar_line makes the MAR's line of order i. */
static med_err
mar_line(med_call *call, const dosage_mar_data *d, size_t i,
	 const dosage_dose_patient *p, const mar_window *w,
	 Smartmed__Dosage__V1__MarOrder *mo)
{
	med_arena *a = med_call_arena(call);
	dosage_order *o = d->orders[i];
	dosage_hold_span holds[MAX_HOLDS];
	size_t n_holds = dosage_hold_spans(o, &d->holds, holds, MAX_HOLDS);
	med_err err;

	dosage_order_settle(o, w->now_ms);
	mo->order = o;
	if (dosage_order_is_infusion(o) || has_infusion(d, o))
		err = mar_infusion_line(a, d, w, o, mo);
	/* No dose is scheduled after the discharge of the order's stay. */
	else if ((err = dosage_mar_slots(a, o, w->zone, w->from_ms,
					 dosage_stay_until_ms(o, w->to_ms),
					 w->now_ms, holds, n_holds,
					 d->admins.items, d->admins.n,
					 &mo->slots, &mo->n_slots)) == MED_OK) {
		dosage_stay_close_slots(o, mo->slots, mo->n_slots);
		if ((err = slot_times(a, w, mo)) == MED_OK)
			err = mar_time_critical(a, d->drugs[i], w, mo);
	}
	if (err != MED_OK || (err = order_admins(a, d, o, w, mo)) != MED_OK ||
	    (o->prn && (err = mar_prn(call, d, i, p, w, mo)) != MED_OK))
		return err;
	return mar_label(a, d->drugs[i], o, mo);
}

/* mar_stays asks identity, after the reads, which orders' stays were
 * discharged (their statuses settled first). */
static med_err
mar_stays(med_call *call, dosage_mar_data *d, int64_t now_ms)
{
	for (size_t i = 0; i < d->n_orders; i++)
		dosage_order_settle(d->orders[i], now_ms);
	return dosage_orders_fill(call, d->orders, d->n_orders, now_ms);
}

/* mar_patient learns who the patient is (identity: name, MRN, birth
 * date) and the facts the dose checks use (the record's, over dosage's
 * context) for the banner and the PRN forecasts, after the reads: no
 * network call inside the transaction.  As the dose checks, it fails
 * closed: a chart without the patient's allergies is not drawn. */
static med_err
mar_patient(med_call *call, const Smartmed__Dosage__V1__GetMarRequest *req,
	    const dosage_mar_data *d, const mar_window *w,
	    dosage_dose_patient *p, Smartmed__Dosage__V1__GetMarResponse *res)
{
	med_arena *a = med_call_arena(call);
	med_patient_banner who;
	dosage_known known;
	med_err err;

	memset(p, 0, sizeof(*p));
	memset(&known, 0, sizeof(known));
	if ((err = med_patients_banner(call, "patient_id", req->patient_id,
				       &who)) != MED_OK ||
	    (err = dosage_facts_fetch(call, "patient_id", req->patient_id,
				      &known.facts)) != MED_OK)
		return err;
	med_strlcpy(known.birth_date, who.birth_date, sizeof(known.birth_date));
	dosage_patient(a, d->has_ctx ? &d->ctx : NULL, &known, w->now_ms, p);
	res->patient = med_arena_zalloc(a, sizeof(*res->patient));
	if (res->patient == NULL)
		return MED_ERR_NOMEM;
	smartmed__dosage__v1__mar_patient__init(res->patient);
	return dosage_mar_banner(a, w->zone, &who, p, w->now_ms, res->patient);
}

/* mar_head gives the window and the zone it is read in. */
static med_err
mar_head(med_arena *a, const mar_window *w,
	 Smartmed__Dosage__V1__GetMarResponse *res)
{
	res->from_ms = w->from_ms;
	res->to_ms = w->to_ms;
	res->now_ms = w->now_ms;
	/* The zone is closed before the reply is written: a copy. */
	res->time_zone = med_arena_strdup(a, dosage_zone_name(w->zone));
	res->from_time = dosage_zone_rfc3339(a, w->zone, w->from_ms);
	res->to_time = dosage_zone_rfc3339(a, w->zone, w->to_ms);
	res->now_time = dosage_zone_rfc3339(a, w->zone, w->now_ms);
	if (res->time_zone == NULL || res->from_time == NULL ||
	    res->to_time == NULL || res->now_time == NULL)
		return MED_ERR_NOMEM;
	return MED_OK;
}

/* mar_draw makes the response from what was read. */
static med_err
mar_draw(med_call *call, const Smartmed__Dosage__V1__GetMarRequest *req,
	 dosage_mar_data *d, const mar_window *w,
	 Smartmed__Dosage__V1__GetMarResponse *res)
{
	med_arena *a = med_call_arena(call);
	dosage_dose_patient p;
	size_t cap = 0;
	med_err err;

	if ((err = mar_patient(call, req, d, w, &p, res)) != MED_OK ||
	    (err = mar_head(a, w, res)) != MED_OK)
		return err;
	res->patient_id = req->patient_id;
	for (size_t i = 0; i < d->n_orders; i++) {
		Smartmed__Dosage__V1__MarOrder *mo = med_arena_push_msg(
			a, (void ***)&res->orders, &res->n_orders, &cap,
			&smartmed__dosage__v1__mar_order__descriptor);

		if (mo == NULL)
			return MED_ERR_NOMEM;
		if ((err = mar_line(call, d, i, &p, w, mo)) != MED_OK)
			return err;
	}
	/* The lines are drawn from the infusions as read; what is shown
	 * is rounded. */
	for (size_t i = 0; i < d->n_infusions; i++)
		dosage_mar_round_infusion(d->infusions[i]);
	res->infusions = d->infusions;
	res->n_infusions = d->n_infusions;
	return MED_OK;
}

med_err
dosage_rpc_get_mar(med_call *call, const ProtobufCMessage *in,
		   ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__GetMarRequest *req = (const void *)in;
	Smartmed__Dosage__V1__GetMarResponse *res = (void *)out;
	dosage_mar_data d;
	mar_window w = {0, 0, 0, NULL};
	const char *limit = NULL;
	med_err err = mar_validate(call, req, &w);

	if (err != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	err = dosage_store_mar(med_call_db(call), med_call_arena(call),
			       req->patient_id, w.from_ms, w.to_ms, w.now_ms,
			       &d, &limit);
	if ((err = dosage_fail_limit(call, err, limit)) != MED_OK ||
	    (err = mar_stays(call, &d, w.now_ms)) != MED_OK ||
	    (err = dosage_ward_zone(call, &w.zone)) != MED_OK)
		return err;
	err = mar_draw(call, req, &d, &w, res);
	dosage_zone_close(w.zone);
	return err;
}
