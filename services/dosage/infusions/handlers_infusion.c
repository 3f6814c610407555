/*
 * handlers_infusion.c - StartInfusion, ChangeInfusionRate, StopInfusion:
 * continuous infusions, their rates checked as doses are (infusion.h).
 *
 * What ran at a rate is charted when the rate ends (a change or a stop)
 * as a completed administration of rate x time in the drug's unit, at the
 * time the rate ended, so the 24-h and lifetime totals, the next dose's
 * checks and History count infusions as they count doses.
 */
#include <med/audit.h>
#include <med/check.h>
#include <med/service.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "catalogue.h"
#include "route.h"
#include "patient.h"
#include "checks.h"
#include "infusion.h"
#include "orders.h"
#include "infusions.h"
#include "subject.h"
#include "substance_cache.h"
#include "switch.h"

#define BACKDATE_MS (7 * 24 * DOSAGE_HOUR_MS)
#define AHEAD_MS    (5 * 60 * 1000LL)
#define ACTIVE	    SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_ACTIVE
#define HARD_STOP   SMARTMED__DOSAGE__V1__CHECK_STATUS__CHECK_STATUS_HARD_STOP
#define KIND(k)                                                                \
	SMARTMED__DOSAGE__V1__INFUSION_EVENT_KIND__INFUSION_EVENT_KIND_##k

/* infusion_ctx - one infusion RPC: what was asked and what is known. */
typedef struct infusion_ctx {
	med_call *call;
	int64_t now_ms, at_ms;
	double rate;			 /* 0 for a stop */
	const char *rate_unit;		 /* "" for a stop */
	const char *reason;		 /* "" for a start */
	const dosage_override *ovr;	 /* rate_override, NULL: none */
	const med_vtoken_claims *claims; /* start: NULL when overridden */
	const dosage_override *id_ovr;
	const char *cosign_id;		   /* "" = none */
	const dosage_override *switch_ovr; /* NULL: none */
	dosage_known known;
	/* The transaction's: the order started, or the infusion an event
	 * belongs to (the other ""), whether the event stops it, the subject
	 * loaded and the reply. */
	const char *order_id, *infusion_id;
	bool stop;
	dosage_subject s;
	dosage_infusion *out;
} infusion_ctx;

/* check_when requires effective_ms (0 = now) within the last 7 days and
 * not more than 5 minutes ahead. */
static med_err
check_when(infusion_ctx *x, int64_t effective_ms)
{
	med_err err = med_check_time_ms(x->call, "effective_ms", effective_ms);

	if (err != MED_OK)
		return err;
	if (effective_ms != 0 && (effective_ms > x->now_ms + AHEAD_MS ||
				  effective_ms < x->now_ms - BACKDATE_MS))
		return med_call_fail(x->call, MED_ERR_INVALID,
				     "effective_ms: must be within the last 7 "
				     "days and not more than 5 minutes ahead");
	x->at_ms = effective_ms ? effective_ms : x->now_ms;
	return MED_OK;
}

/* check_cosign_id requires cosign_id, when given, to be an id. */
static med_err
check_cosign_id(med_call *call, const char *cosign_id)
{
	if (cosign_id[0] == '\0')
		return MED_OK;
	return med_check_id(call, "cosign_id", cosign_id);
}

/* check_rate requires a positive rate in a unit a pump is set in. */
static med_err
check_rate(infusion_ctx *x, double rate, const char *unit,
	   const dosage_override *ovr)
{
	med_problem p;
	dosage_rate_unit u;

	if (dosage_amount_problem("rate", rate, true, &p) != MED_OK)
		return med_call_fail_problem(x->call, &p);
	if (dosage_rate_unit_parse(unit, &u) != MED_OK)
		return med_call_fail(x->call, MED_ERR_INVALID,
				     "rate_unit: must be an amount (g, mg, ug, "
				     "mL, L, [iU], mmol, mEq) per h or min, "
				     "optionally per kg: mL/h, mg/kg/h, "
				     "mmol/h, ug/kg/min");
	if (ovr &&
	    dosage_check_override(x->call, "rate_override", ovr) != MED_OK)
		return MED_ERR_INVALID;
	x->rate = rate;
	x->rate_unit = unit;
	x->ovr = ovr;
	return MED_OK;
}

/* weight_of gives the patient's weight when the drug's checks may use it
 * (recorded, not older than the drug allows, plausible for the age and
 * not an unconfirmed jump: dosage_dose_weight_assess); else why says. */
static bool
weight_of(infusion_ctx *x, const dosage_subject *s, double *kg, char *why,
	  size_t len)
{
	dosage_dose_patient p;
	dosage_dose_limits l;

	dosage_patient(med_call_arena(x->call), s->has_ctx ? &s->ctx : NULL,
		       &x->known, x->at_ms, &p);
	dosage_limits(&s->drug, &l);
	if (dosage_dose_weight_assess(&l, &p, x->at_ms, why, len) !=
	    DOSAGE_WEIGHT_USABLE)
		return false;
	*kg = p.weight_kg;
	return true;
}

/* rate_per_hour converts x's rate to s's drug's unit per hour. */
static med_err
rate_per_hour(infusion_ctx *x, const dosage_subject *s, dosage_rate_case *c)
{
	dosage_rate_unit u;
	double amount;
	char why[DOSAGE_DOSE_REASON_MAX];

	if (dosage_rate_unit_parse(x->rate_unit, &u) != MED_OK)
		return MED_ERR_INVALID; /* checked before */
	c->has_weight = weight_of(x, s, &c->weight_kg, why, sizeof(why));
	if (u.per_kg && !c->has_weight)
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "rate_unit: a rate per kg needs the "
				     "patient's weight, one the checks may "
				     "use: %s",
				     why);
	amount = dosage_rate_amount_per_hour(&u, x->rate, c->weight_kg);
	/* A volume runs at the concentration of the order's bag (route.h). */
	if (dosage_rate_to_drug_unit(&s->drug, &s->order, amount, u.amount.ucum,
				     &c->per_hour) != MED_OK)
		return med_call_fail(x->call, MED_ERR_INVALID,
				     "rate_unit: cannot convert %s to the "
				     "drug's unit %s (a volume needs the "
				     "order's bag or the drug's "
				     "concentration; mmol and mEq never "
				     "become a mass)",
				     u.amount.ucum, s->drug.unit);
	return MED_OK;
}

/* concentration_ok refuses an infusion more concentrated than the drug
 * allows (or of no known concentration when it sets a maximum): the
 * order's bag, else the product undiluted. */
static med_err
concentration_ok(infusion_ctx *x, const dosage_subject *s)
{
	med_problem p;

	if (dosage_concentration_problem(&s->drug, &s->order, &p) != MED_OK)
		return med_call_fail(x->call, p.err,
				     "order_id: the order's infusion: %s: %s; "
				     "a new order (ModifyOrder) must name a "
				     "bag that is dilute enough",
				     p.field, p.reason);
	return MED_OK;
}

static void
rate_limits(const dosage_drug *d, dosage_rate_limits *l)
{
	l->unit = d->unit;
	l->max_per_hour = d->infusion_max_rate;
	l->max_per_kg_per_hour = d->infusion_max_rate_per_kg;
	l->ceiling_per_hour = d->infusion_rate_ceiling;
	l->max_24h = d->max_daily_dose;
	l->weight_missing = (dosage_dose_policy)d->weight_missing;
}

/* gate_rate refuses a rate above the ceiling, and one above a soft limit
 * without rate_override. */
static med_err
gate_rate(infusion_ctx *x, const dosage_rate_limits *l, double per_hour,
	  bool above_ceiling, const dosage_infusion_rate *ev)
{
	if (above_ceiling)
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "rate: %.4g %s/h is above the drug's "
				     "infusion_rate_ceiling of %g %s/h; no "
				     "override passes it",
				     per_hour, l->unit, l->ceiling_per_hour,
				     l->unit);
	if (ev->overall == HARD_STOP && x->ovr == NULL)
		return med_call_fail(
			x->call, MED_ERR_PRECONDITION,
			"rate: soft limit: %s; give rate_override "
			"with a reason to run it",
			dosage_first_hard_stop(ev->checks, ev->n_checks));
	return MED_OK;
}

/*
 * within_order refuses a rate above what the order prescribes (its
 * titration maximum when it gives one): the nurse sets the pump, the
 * clinician the rate, as for a dose.  Running slower is the nurse's call
 * (a stop always is).  Both are compared in the drug's unit per hour, so
 * 2 mL/h of 500 [iU]/mL and 1000 [iU]/h are the same rate.
 */
static med_err
within_order(infusion_ctx *x, const dosage_subject *s, double per_hour)
{
	const dosage_order *o = &s->order;
	bool titration = o->infusion_rate_max > 0;
	infusion_ctx ordered = *x;
	dosage_rate_case c = {0};
	med_err err;

	if (o->infusion_rate <= 0)
		return MED_OK;
	ordered.rate = titration ? o->infusion_rate_max : o->infusion_rate;
	ordered.rate_unit = o->infusion_rate_unit;
	if ((err = rate_per_hour(&ordered, s, &c)) != MED_OK)
		return err;
	if (per_hour <= c.per_hour * (1 + 1e-9))
		return MED_OK;
	return med_call_fail(
		x->call, MED_ERR_PRECONDITION,
		"rate: %.4g %s/h is above the order's %s of %g "
		"%s (%.4g %s/h); a faster rate needs a "
		"clinician's new order (ModifyOrder)",
		per_hour, s->drug.unit,
		titration ? "titration maximum" : "prescribed rate",
		ordered.rate, ordered.rate_unit, c.per_hour, s->drug.unit);
}

/* lab_check runs the drug's lab rules (labs.c) into r when the infusion
 * starts or runs faster (per_hour above own_per_hour): a potassium of 6.1
 * mmol/L stops a potassium infusion as it stops a dose; running slower or
 * stopping never waits for a lab. */
static void
lab_check(infusion_ctx *x, const dosage_subject *s, bool start, double per_hour,
	  double own_per_hour, dosage_dose_result *r)
{
	dosage_dose_patient p;
	dosage_dose_limits l;

	memset(r, 0, sizeof(*r));
	r->check = DOSAGE_DOSE_CHECK_LAB;
	dosage_limits(&s->drug, &l);
	if (!start && per_hour <= own_per_hour) {
		r->status = DOSAGE_DOSE_NOT_APPLICABLE;
		snprintf(r->reason, sizeof(r->reason),
			 "no faster than before: the lab rules are not asked");
		return;
	}
	dosage_patient(med_call_arena(x->call), s->has_ctx ? &s->ctx : NULL,
		       &x->known, x->at_ms, &p);
	dosage_dose_check_lab(&l, &p, x->at_ms, r);
}

/* decide_rate converts and checks x's rate on s into ev.  s->hist counts
 * every running infusion, this one (f, NULL on a start) included: what it
 * ran since its last event is in the 24 h, but its next hour is at the
 * new rate, not the old one. */
static med_err
decide_rate(infusion_ctx *x, const dosage_subject *s, const dosage_infusion *f,
	    dosage_infusion_rate *ev)
{
	double own_per_hour = f ? f->rate_drug_unit_per_hour : 0;
	dosage_rate_case c = {
		.given_24h = s->hist.given_24h,
		.running_24h = s->hist.running_24h,
		.others_per_hour =
			s->hist.running_per_hour > own_per_hour
				? s->hist.running_per_hour - own_per_hour
				: 0,
	};
	/* The rate checks, then the lab rules. */
	dosage_dose_result r[DOSAGE_RATE_N_CHECKS + 1];
	dosage_rate_limits l;
	bool ceiling;
	med_err err;

	if ((err = concentration_ok(x, s)) != MED_OK ||
	    (err = rate_per_hour(x, s, &c)) != MED_OK ||
	    (err = within_order(x, s, c.per_hour)) != MED_OK)
		return err;
	rate_limits(&s->drug, &l);
	ceiling = dosage_rate_evaluate(&l, &c, r);
	lab_check(x, s, f == NULL, c.per_hour, own_per_hour,
		  &r[DOSAGE_RATE_N_CHECKS]);
	if ((err = dosage_checks_to_pb(med_call_arena(x->call), r,
				       DOSAGE_RATE_N_CHECKS + 1, &ev->checks,
				       &ev->n_checks)) != MED_OK)
		return err;
	ev->overall = (Smartmed__Dosage__V1__CheckStatus)dosage_dose_worst(
		r, DOSAGE_RATE_N_CHECKS + 1);
	ev->rate = x->rate;
	ev->rate_unit = (char *)x->rate_unit;
	ev->rate_drug_unit_per_hour = c.per_hour;
	if (ev->overall == HARD_STOP)
		ev->rate_override = (dosage_override *)x->ovr;
	return gate_rate(x, &l, c.per_hour, ceiling, ev);
}

/*
 * cosign_check asks a high-alert drug's infusion for the independent second
 * check a high-alert dose needs (handlers_cosign.c): another user's co-sign
 * of this order and of the rate as set, before a start or a faster rate
 * (faster than own_per_hour, in the drug's unit).  Running slower or
 * stopping is the nurse's call alone, as for the order's rate.
 */
static med_err
cosign_check(infusion_ctx *x, const dosage_subject *s, double per_hour,
	     double own_per_hour, bool start)
{
	const char *what = start ? "starting its infusion" : "a faster rate";

	if (!s->drug.high_alert) {
		if (x->cosign_id[0] == '\0')
			return MED_OK;
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "cosign_id: %s is not a high-alert drug",
				     s->drug.code);
	}
	if (!start && per_hour <= own_per_hour * (1 + 1e-9) &&
	    x->cosign_id[0] == '\0')
		return MED_OK;
	if (x->cosign_id[0] == '\0')
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "cosign_id: %s is a high-alert drug: %s "
				     "needs the independent second check, "
				     "another user's CosignAdministration of "
				     "this order, patient and rate (%g %s) "
				     "first",
				     s->drug.code, what, x->rate, x->rate_unit);
	if (!s->has_cosign)
		return med_call_fail(x->call, MED_ERR_NOT_FOUND,
				     "cosign_id: no such co-sign");
	return dosage_cosign_fits(x->call, s, x->rate, x->rate_unit, x->at_ms,
				  x->now_ms, med_call_principal(x->call)->user);
}

/* cosign_gate is cosign_check on ev's rate; the event names the co-sign
 * that checked it. */
static med_err
cosign_gate(infusion_ctx *x, const dosage_subject *s, double own_per_hour,
	    bool start, dosage_infusion_rate *ev)
{
	med_err err = cosign_check(x, s, ev->rate_drug_unit_per_hour,
				   own_per_hour, start);

	if (err == MED_OK && x->cosign_id[0] != '\0') {
		ev->cosign_id = (char *)x->cosign_id;
		ev->cosigned_by = s->cosign.cosigned_by;
	}
	return err;
}

/* append_check adds r to ev's checks and folds it into ev's overall. */
static med_err
append_check(infusion_ctx *x, const dosage_dose_result *r,
	     dosage_infusion_rate *ev)
{
	med_arena *a = med_call_arena(x->call);
	dosage_check **one, **all;
	size_t n_one;

	if (dosage_checks_to_pb(a, r, 1, &one, &n_one) != MED_OK ||
	    (all = med_arena_alloc(a, (ev->n_checks + 1) * sizeof(*all))) ==
		    NULL)
		return MED_ERR_NOMEM;
	if (ev->n_checks > 0)
		memcpy(all, ev->checks, ev->n_checks * sizeof(*all));
	all[ev->n_checks] = one[0];
	ev->checks = all;
	ev->n_checks++;
	if (r->status == DOSAGE_DOSE_HARD_STOP)
		ev->overall = HARD_STOP;
	return MED_OK;
}

/*
 * switch_gate refuses to start an anticoagulant while another one's last
 * dose still acts (switch.c: its interval from the shipped table), unless
 * switch_override gives the reason; the check joins the start's checks,
 * with the override's text in its reason.  A drug that is no
 * anticoagulant adds no check.
 */
static med_err
switch_gate(infusion_ctx *x, const dosage_subject *s, dosage_infusion_rate *ev)
{
	const dosage_switch_table *t;
	const char *why = "";
	dosage_dose_result r;
	size_t len;

	if (dosage_switch_shipped(&t, &why) != MED_OK)
		return med_call_fail(x->call, MED_ERR_INTERNAL,
				     "the anticoagulant switch table: %s", why);
	dosage_switch_check(t, &s->drug, s->classes, NULL, x->at_ms, &r);
	if (r.status == DOSAGE_DOSE_NOT_APPLICABLE)
		return MED_OK;
	if (r.status == DOSAGE_DOSE_HARD_STOP && x->switch_ovr == NULL)
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "order_id: anticoagulant switch: %s; give "
				     "switch_override with a reason to start "
				     "it now",
				     r.reason);
	if (r.status == DOSAGE_DOSE_HARD_STOP) {
		len = strlen(r.reason);
		snprintf(r.reason + len, sizeof(r.reason) - len,
			 "; overridden: %s", x->switch_ovr->text);
	}
	return append_check(x, &r, ev);
}

/* stamp_event fills what every event carries. */
static void
stamp_event(infusion_ctx *x, Smartmed__Dosage__V1__InfusionEventKind kind,
	    dosage_infusion_rate *ev)
{
	ev->kind = kind;
	ev->effective_ms = x->at_ms;
	ev->recorded_ms = x->now_ms;
	ev->actor = (char *)med_call_principal(x->call)->user;
	ev->reason = (char *)x->reason;
}

/* audit_event names the infusion event on the call's audit record. */
static void
audit_event(infusion_ctx *x, const dosage_infusion *f, const char *what,
	    const dosage_infusion_rate *ev)
{
	char rate[48], ovr[16], sw[16];
	med_audit_detail d[10];
	size_t n = 0;

	snprintf(rate, sizeof(rate), "%.6g %s/h", ev->rate_drug_unit_per_hour,
		 f->drug_unit);
	d[n++] = (med_audit_detail){"event", what};
	d[n++] = (med_audit_detail){"infusion_id", f->id};
	d[n++] = (med_audit_detail){"order_id", f->order_id};
	d[n++] = (med_audit_detail){"rate", rate};
	if (ev->rate_override) {
		snprintf(ovr, sizeof(ovr), "%d",
			 (int)ev->rate_override->reason);
		d[n++] = (med_audit_detail){"rate_override_reason", ovr};
		d[n++] = (med_audit_detail){"rate_override_text",
					    ev->rate_override->text};
	}
	if (f->identity_override && ev->kind == KIND(STARTED))
		d[n++] = (med_audit_detail){"identity", "overridden"};
	if (x->cosign_id[0] != '\0')
		d[n++] = (med_audit_detail){"cosign_id", x->cosign_id};
	if (x->switch_ovr && ev->kind == KIND(STARTED)) {
		snprintf(sw, sizeof(sw), "%d", (int)x->switch_ovr->reason);
		d[n++] = (med_audit_detail){"switch_override_reason", sw};
		d[n++] = (med_audit_detail){"switch_override_text",
					    x->switch_ovr->text};
	}
	med_call_add_details(x->call, d, n);
}

/* new_id gives an arena copy of a fresh time-ordered UUID (the tables
 * keyed on it grow at their right edge), NULL when out of memory. */
static char *
new_id(med_call *call)
{
	char *id = med_arena_alloc(med_call_arena(call), MED_UUID_LEN + 1);

	if (id)
		med_uuid_v7(id);
	return id;
}

/* --- StartInfusion -------------------------------------------------------- */

static med_err
start_usable(infusion_ctx *x, const dosage_subject *s)
{
	const dosage_order *o = &s->order;

	if (o->status != ACTIVE)
		return dosage_order_refuse(x->call, o);
	if (o->end_ms != 0 && x->at_ms > o->end_ms)
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "effective_ms: after the order's end");
	/* The wrong-patient check: the verified face must be the order's. */
	if (x->claims && strcmp(x->claims->patient_id, o->patient_id) != 0)
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "verification_token: patient does not "
				     "match the order");
	return MED_OK;
}

static void
fill_infusion(infusion_ctx *x, const dosage_subject *s, dosage_infusion *f)
{
	med_arena *a = med_call_arena(x->call);

	f->order_id = s->order.id;
	f->patient_id = s->order.patient_id;
	f->drug_code = s->order.drug_code;
	f->drug_unit = s->drug.unit;
	f->status = DOSAGE_INFUSION_RUNNING;
	f->performer = (char *)med_call_principal(x->call)->user;
	f->identity = x->claims ? "verified" : "overridden";
	f->verification_token_id =
		x->claims ? med_arena_strdup(a, x->claims->token_id) : "";
	/* What identified the patient, as a dose keeps it. */
	f->identifiers_checked =
		x->claims ? med_arena_strdup(a, x->claims->checked) : "";
	f->identifiers_checked_by =
		x->claims ? med_arena_strdup(a, x->claims->checked_by) : "";
	f->identification_terminal =
		x->claims ? med_arena_strdup(a, x->claims->device) : "";
	f->identity_override = (dosage_override *)x->id_ovr;
	f->started_ms = x->at_ms;
}

/* start_decide decides a start on the locked subject s: fills the
 * infusion f and its first event ev, or fails the call. */
static med_err
start_decide(infusion_ctx *x, dosage_subject *s, dosage_infusion *f,
	     dosage_infusion_rate *ev)
{
	med_err err;

	med_call_set_patient(x->call, s->order.patient_id);
	if ((err = start_usable(x, s)) != MED_OK ||
	    (err = decide_rate(x, s, NULL, ev)) != MED_OK ||
	    (err = switch_gate(x, s, ev)) != MED_OK ||
	    (err = cosign_gate(x, s, 0, true, ev)) != MED_OK)
		return err;
	fill_infusion(x, s, f);
	if ((f->id = new_id(x->call)) == NULL || !f->verification_token_id ||
	    !f->identifiers_checked || !f->identifiers_checked_by ||
	    !f->identification_terminal)
		return MED_ERR_NOMEM;
	f->rate_drug_unit_per_hour = ev->rate_drug_unit_per_hour;
	stamp_event(x, KIND(STARTED), ev);
	audit_event(x, f, "infusion started", ev);
	return MED_OK;
}

/* load_subject locks order_id and its patient into x->s (then the
 * co-sign x names): the lock order every dosage writer takes. */
static med_err
load_subject(med_db_conn *c, infusion_ctx *x, const char *order_id)
{
	med_arena *a = med_call_arena(x->call);
	med_err err =
		dosage_store_load_subject(c, a, &x->known.family, order_id,
					  NULL, NULL, x->at_ms, true, &x->s);

	if (err != MED_OK)
		return err;
	return dosage_store_read_cosign(c, a, x->cosign_id, &x->s);
}

/* start_tx is StartInfusion's transaction, the call's: lock the subject,
 * decide, insert the infusion and its first event, use the co-sign, and
 * answer with the infusion as stored. */
static med_err
start_tx(med_db_conn *c, void *arg)
{
	infusion_ctx *x = arg;
	med_arena *a = med_call_arena(x->call);
	dosage_infusion_rate ev = SMARTMED__DOSAGE__V1__INFUSION_RATE__INIT;
	med_err err;

	if ((err = load_subject(c, x, x->order_id)) != MED_OK ||
	    (err = start_decide(x, &x->s, x->out, &ev)) != MED_OK ||
	    (err = dosage_store_insert_infusion(c, x->out)) != MED_OK ||
	    (err = dosage_store_insert_rate(c, a, x->out->id, &ev)) != MED_OK ||
	    (err = dosage_store_use_infusion_cosign(c, x->out->id,
						    x->cosign_id)) != MED_OK)
		return err;
	return dosage_store_read_infusion(c, a, x->out->id, false, x->out);
}

/* know_order_patient reads the order's patient's facts before the
 * transaction (no network call while rows are locked). */
static med_err
know_order_patient(infusion_ctx *x, const char *order_id)
{
	dosage_order o;
	med_err err = dosage_store_get_order(
		med_call_db(x->call), med_call_arena(x->call), order_id, &o);

	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(x->call, err, "order_id: no such order");
	if (err != MED_OK)
		return err;
	med_call_set_patient(x->call, o.patient_id);
	if ((err = dosage_stay_guard(x->call, "order_id", &o, NULL)) != MED_OK)
		return err;
	/* The start's lab check reads the substance rules in force. */
	if ((err = dosage_substance_current(x->call)) != MED_OK)
		return err;
	return dosage_know_patient(x->call, "order_id", o.patient_id,
				   &x->known);
}

med_err
dosage_rpc_start_infusion(med_call *call, const ProtobufCMessage *in,
			  ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__StartInfusionRequest *req =
		(const void *)in;
	infusion_ctx x = {.call = call,
			  .now_ms = med_now_ms(),
			  .reason = "",
			  .cosign_id = req->cosign_id,
			  .order_id = req->order_id,
			  .out = (void *)out};
	med_vtoken_claims claims;
	bool have_token;
	med_err err;

	if ((err = med_check_id(call, "order_id", req->order_id)) != MED_OK ||
	    (err = check_cosign_id(call, req->cosign_id)) != MED_OK ||
	    (err = check_rate(&x, req->rate, req->rate_unit,
			      req->rate_override)) != MED_OK ||
	    (err = check_when(&x, req->effective_ms)) != MED_OK ||
	    (err = dosage_identify(call, req->verification_token,
				   req->identity_override, x.now_ms, &claims,
				   &have_token)) != MED_OK)
		return err;
	if (req->switch_override &&
	    (err = dosage_check_override(call, "switch_override",
					 req->switch_override)) != MED_OK)
		return err;
	x.switch_ovr = req->switch_override;
	x.claims = have_token ? &claims : NULL;
	x.id_ovr = have_token ? NULL : req->identity_override;
	if ((err = know_order_patient(&x, req->order_id)) != MED_OK ||
	    (err = dosage_death_guard(call, "effective_ms", &x.known,
				      x.at_ms)) != MED_OK ||
	    (err = dosage_wristband_guard(call, "identity_override",
					  have_token)) != MED_OK ||
	    (err = dosage_identity_hold_guard(call, &x.known, x.id_ovr)) !=
		    MED_OK)
		return err;
	err = med_call_tx(call, start_tx, &x);
	err = dosage_fail_limit(call, err, dosage_subject_limit(&x.s));
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "order_id: no such order");
	if (err == MED_OK)
		dosage_identifiers_count(call, x.claims, x.id_ovr);
	return err;
}

/* --- ChangeInfusionRate and StopInfusion ---------------------------------- */

/* event_usable requires a running infusion and an event not before its
 * last one. */
static med_err
event_usable(infusion_ctx *x, const dosage_infusion *f)
{
	if (strcmp(f->status, DOSAGE_INFUSION_RUNNING) != 0)
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "infusion_id: the infusion was stopped; "
				     "start a new one");
	if (f->n_rates == 0)
		return MED_ERR_DATA_LOSS;
	if (x->at_ms < f->rates[f->n_rates - 1]->effective_ms)
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "effective_ms: before the infusion's "
				     "last event");
	return MED_OK;
}

/* chart_segment fills seg with what ran since the last event, at its
 * rate; nothing when none ran. */
static med_err
chart_segment(infusion_ctx *x, const dosage_infusion *f,
	      dosage_infusion_rate *ev, dosage_admin *seg)
{
	const dosage_infusion_rate *last = f->rates[f->n_rates - 1];
	double given = dosage_rate_delivered(f->rate_drug_unit_per_hour,
					     last->effective_ms, x->at_ms);

	ev->delivered_drug_unit = given;
	if (given <= 0)
		return MED_OK;
	if ((seg->id = new_id(x->call)) == NULL)
		return MED_ERR_NOMEM;
	seg->order_id = f->order_id;
	seg->patient_id = f->patient_id;
	seg->drug_code = f->drug_code;
	seg->dose = seg->dose_in_drug_unit = given;
	seg->unit = seg->drug_unit = f->drug_unit;
	seg->effective_ms = x->at_ms;
	seg->recorded_ms = x->now_ms;
	seg->status = DOSAGE_ADMIN_COMPLETED;
	seg->performer = (char *)med_call_principal(x->call)->user;
	seg->identity = f->identity;
	seg->verification_token_id = f->verification_token_id;
	seg->identity_override = f->identity_override;
	seg->identifiers_checked = f->identifiers_checked;
	seg->identifiers_checked_by = f->identifiers_checked_by;
	seg->identification_terminal = f->identification_terminal;
	seg->overall = last->overall;
	ev->administration_id = seg->id;
	return MED_OK;
}

/* change_decide decides a new rate of the locked infusion f on the
 * locked subject s: fills the event ev and, when something ran at the old
 * rate, its administration seg; or fails the call. */
static med_err
change_decide(infusion_ctx *x, dosage_subject *s, dosage_infusion *f,
	      dosage_infusion_rate *ev, dosage_admin *seg)
{
	med_err err;

	med_call_set_patient(x->call, f->patient_id);
	if ((err = event_usable(x, f)) != MED_OK)
		return err;
	if (s->order.status != ACTIVE)
		return dosage_order_refuse(x->call, &s->order);
	if ((err = chart_segment(x, f, ev, seg)) != MED_OK ||
	    (err = decide_rate(x, s, f, ev)) != MED_OK ||
	    (err = cosign_gate(x, s, f->rate_drug_unit_per_hour, false, ev)) !=
		    MED_OK)
		return err;
	stamp_event(x, KIND(RATE_CHANGED), ev);
	f->rate_drug_unit_per_hour = ev->rate_drug_unit_per_hour;
	audit_event(x, f, "infusion rate changed", ev);
	return MED_OK;
}

/* stop_decide decides a stop of the locked infusion f, as change_decide
 * a new rate. */
static med_err
stop_decide(infusion_ctx *x, dosage_infusion *f, dosage_infusion_rate *ev,
	    dosage_admin *seg)
{
	med_err err;

	med_call_set_patient(x->call, f->patient_id);
	if ((err = event_usable(x, f)) != MED_OK ||
	    (err = chart_segment(x, f, ev, seg)) != MED_OK)
		return err;
	stamp_event(x, KIND(STOPPED), ev);
	ev->overall =
		SMARTMED__DOSAGE__V1__CHECK_STATUS__CHECK_STATUS_NOT_APPLICABLE;
	f->status = DOSAGE_INFUSION_STOPPED;
	f->stopped_ms = x->at_ms;
	f->rate_drug_unit_per_hour = 0;
	audit_event(x, f, "infusion stopped", ev);
	return MED_OK;
}

/*
 * event_tx is a rate change's or a stop's transaction, the call's: learn
 * the infusion's order (an unlocked read: it never changes), lock the
 * order, the patient (the subject) and the infusion, decide, chart what
 * ran at the old rate as a dose (so that every total and check counts
 * it), append the event, store the infusion's new state, use the co-sign,
 * and answer with the infusion as stored.
 */
static med_err
event_tx(med_db_conn *c, void *arg)
{
	infusion_ctx *x = arg;
	med_arena *a = med_call_arena(x->call);
	dosage_infusion_rate ev = SMARTMED__DOSAGE__V1__INFUSION_RATE__INIT;
	dosage_admin seg = SMARTMED__DOSAGE__V1__ADMINISTRATION__INIT;
	med_err err =
		dosage_store_read_infusion(c, a, x->infusion_id, false, x->out);

	if (err != MED_OK ||
	    (err = load_subject(c, x, x->out->order_id)) != MED_OK ||
	    (err = dosage_store_read_infusion(c, a, x->infusion_id, true,
					      x->out)) != MED_OK)
		return err;
	err = x->stop ? stop_decide(x, x->out, &ev, &seg)
		      : change_decide(x, &x->s, x->out, &ev, &seg);
	if (err != MED_OK)
		return err;
	if (seg.id[0] != '\0' &&
	    (err = dosage_store_insert_admin(c, a, &seg)) != MED_OK)
		return err;
	if ((err = dosage_store_insert_rate(c, a, x->out->id, &ev)) != MED_OK ||
	    (err = dosage_store_update_infusion(c, x->out)) != MED_OK ||
	    (err = dosage_store_use_infusion_cosign(c, x->out->id,
						    x->cosign_id)) != MED_OK)
		return err;
	return dosage_store_read_infusion(c, a, x->infusion_id, false, x->out);
}

/* infusion_stay_guard refuses a new rate once the stay of the infusion's
 * order was discharged; stopping a pump is always allowed. */
static med_err
infusion_stay_guard(infusion_ctx *x, const dosage_infusion *f)
{
	dosage_order o;
	med_err err = dosage_store_get_order(
		med_call_db(x->call), med_call_arena(x->call), f->order_id, &o);

	if (err != MED_OK)
		return err;
	med_call_set_patient(x->call, o.patient_id);
	return dosage_stay_guard(x->call, "infusion_id", &o, NULL);
}

/* run_event reads the infusion's patient's facts (and, when charting a new
 * rate, its order's stay), then runs the event (a stop unless charting)
 * in one transaction (event_tx). */
static med_err
run_event(infusion_ctx *x, const char *infusion_id, bool charting,
	  ProtobufCMessage *out)
{
	dosage_infusion f;
	med_err err = dosage_store_get_infusion(
		med_call_db(x->call), med_call_arena(x->call), infusion_id, &f);

	/* The care decision (maybe a call to identity) before the
	 * infusion's row lock; decide names the same patient again. */
	if (err == MED_OK)
		med_call_set_patient(x->call, f.patient_id);
	if (err == MED_OK && charting)
		err = infusion_stay_guard(x, &f);
	/* A faster rate's lab check reads the substance rules in force. */
	if (err == MED_OK && charting)
		err = dosage_substance_current(x->call);
	if (err == MED_OK)
		err = dosage_know_patient(x->call, "infusion_id", f.patient_id,
					  &x->known);
	/* A pump running at the death may be stopped; no rate changes. */
	if (err == MED_OK && charting)
		err = dosage_death_guard(x->call, "effective_ms", &x->known,
					 x->at_ms);
	x->infusion_id = infusion_id;
	x->stop = !charting;
	x->out = (void *)out;
	if (err == MED_OK) {
		err = med_call_tx(x->call, event_tx, x);
		err = dosage_fail_limit(x->call, err,
					dosage_subject_limit(&x->s));
	}
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(x->call, err,
				     "infusion_id: no such infusion");
	return err;
}

med_err
dosage_rpc_change_infusion_rate(med_call *call, const ProtobufCMessage *in,
				ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ChangeInfusionRateRequest *req =
		(const void *)in;
	infusion_ctx x = {.call = call,
			  .now_ms = med_now_ms(),
			  .cosign_id = req->cosign_id};
	med_err err;

	if ((err = med_check_id(call, "infusion_id", req->infusion_id)) !=
		    MED_OK ||
	    (err = check_cosign_id(call, req->cosign_id)) != MED_OK ||
	    (err = check_rate(&x, req->rate, req->rate_unit,
			      req->rate_override)) != MED_OK ||
	    (err = check_when(&x, req->effective_ms)) != MED_OK ||
	    (err = med_check_text(call, "reason", req->reason, 1, 500)) !=
		    MED_OK)
		return err;
	x.reason = req->reason;
	return run_event(&x, req->infusion_id, true, out);
}

med_err
dosage_rpc_stop_infusion(med_call *call, const ProtobufCMessage *in,
			 ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__StopInfusionRequest *req = (const void *)in;
	infusion_ctx x = {.call = call,
			  .now_ms = med_now_ms(),
			  .rate_unit = "",
			  .cosign_id = ""};
	med_err err;

	if ((err = med_check_id(call, "infusion_id", req->infusion_id)) !=
		    MED_OK ||
	    (err = check_when(&x, req->effective_ms)) != MED_OK ||
	    (err = med_check_text(call, "reason", req->reason, 1, 500)) !=
		    MED_OK)
		return err;
	x.reason = req->reason;
	return run_event(&x, req->infusion_id, false, out);
}
