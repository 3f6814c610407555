/*
 * handlers_orders.c - the order RPCs: CreateOrder, GetOrder, ListOrders,
 * VerifyOrder, ModifyOrder, RenewOrder, HoldOrder, ResumeOrder,
 * DiscontinueOrder and GetOrderHistory.
 *
 * A change to what was prescribed (ModifyOrder, RenewOrder) is a new
 * version that runs the same order-entry checks as CreateOrder; a change
 * of state (verify, hold, resume, discontinue) is logged on the version.
 * Each is one transaction with its log row, and each puts what an auditor
 * needs on the call's audit event.
 */
#include <med/audit.h>
#include <med/check.h>
#include <med/patients.h>
#include <med/service.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dosage.h"
#include "catalogue.h"
#include "route.h"
#include "patient.h"
#include "checks.h"
#include "dose.h"
#include "subject.h"
#include "orders.h"

#define ST(x)	   SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_##x
#define EV(x)	   SMARTMED__DOSAGE__V1__ORDER_EVENT_KIND__ORDER_EVENT_KIND_##x
#define REASON_MAX 500

typedef Smartmed__Dosage__V1__OrderStatus order_status;

static bool
route_allowed(const dosage_drug *d, const char *route)
{
	if (d->n_routes == 0)
		return true;
	for (size_t i = 0; i < d->n_routes; i++)
		if (strcmp(d->routes[i], route) == 0)
			return true;
	return false;
}

/* route_rules refuses an order the drug's route rules forbid (route.h):
 * an infusion-only drug as a push or without a rate, an infusion more
 * concentrated than the drug allows. */
static med_err
route_rules(med_call *call, const dosage_order *o, const dosage_drug *d)
{
	med_problem p;

	if (dosage_route_problem(d, o, &p) != MED_OK ||
	    (o->infusion_rate > 0 &&
	     dosage_concentration_problem(d, o, &p) != MED_OK))
		return med_call_fail_problem(call, &p);
	return MED_OK;
}

/* entry_rate refuses a prescribed rate above the drug's ceiling (a rate
 * per kg once a weight is known: StartInfusion needs one anyway), and a
 * rate that does not convert to the drug's unit (mg/h of a drug in mmol). */
static med_err
entry_rate(med_call *call, const dosage_order *o, const dosage_drug *d,
	   double weight_kg)
{
	med_problem p;
	double per_hour;
	med_err err;

	if (o->infusion_rate <= 0)
		return MED_OK;
	err = dosage_order_rate_per_hour(d, o, weight_kg, &per_hour);
	if (err == MED_ERR_NOT_FOUND)
		return MED_OK;
	if (err != MED_OK)
		return med_call_fail(call, MED_ERR_INVALID,
				     "order.infusion_rate_unit: %s does not "
				     "convert to the drug's unit %s per hour "
				     "(a volume needs a bag or the drug's "
				     "concentration; mmol and mEq never "
				     "become a mass)",
				     o->infusion_rate_unit, d->unit);
	if (dosage_order_rate_problem(d, o, per_hour, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	return MED_OK;
}

/* order_prepare fills the derived fields of a new order (or version) from
 * its drug. */
static med_err
order_prepare(med_call *call, dosage_order *o, const dosage_drug *d,
	      int64_t now)
{
	med_err err = dosage_convert(call, "order.unit", o->dose, o->unit, d,
				     &o->dose_in_drug_unit);

	if (err != MED_OK)
		return err;
	/* The infusion-only rule first: "IV push" of a concentrate says why
	 * it is refused, not only that "iv" is its route. */
	if ((err = route_rules(call, o, d)) != MED_OK)
		return err;
	if (!route_allowed(d, o->route))
		return med_call_fail(call, MED_ERR_INVALID,
				     "order.route: not a route of this drug");
	o->drug_unit = d->unit;
	o->prn = o->prn || strcasecmp(o->frequency, "prn") == 0;
	if (o->start_ms == 0)
		o->start_ms = now;
	if (o->end_ms != 0 && o->end_ms <= o->start_ms)
		return med_call_fail(call, MED_ERR_INVALID,
				     "order.end_ms: must be after start_ms");
	o->created_by = (char *)med_call_principal(call)->user;
	o->created_ms = now;
	return dosage_order_limits(call, o, d);
}

/* order_subject is order o of drug d for the class checks: a day of its
 * regimen (its dose and given_24h more) against others, the patient's
 * other orders in force. */
static dosage_class_subject
order_subject(const dosage_order *o, const dosage_drug *d, double given_24h,
	      const dosage_class_list *others)
{
	dosage_class_subject cs = {
		.drug = d,
		.route = o->route,
		.prn = o->prn,
		.order_id = o->id,
		.dose_24h = o->dose_in_drug_unit + given_24h,
		.at_ms = o->start_ms,
		.orders = others,
	};

	return cs;
}

/* entry_ddi - what the interaction check of an order meets: the active
 * knowledge base (a reference, released by entry_ddi_fini) and the
 * patient's other orders in force, products given and home medicines. */
typedef struct entry_ddi {
	dosage_ddi_ref *ref;
	dosage_class_list products;
	int64_t at_ms; /* when: the time of writing, not the order's start
			* (a backdated start would hide yesterday's doses) */
} entry_ddi;

/* entry_ddi_read fills x for an order of patient_id (not except_id) of
 * stay encounter_id at at_ms, across fam. */
static med_err
entry_ddi_read(med_call *call, const dosage_family *fam, const char *patient_id,
	       const char *except_id, const char *encounter_id, int64_t at_ms,
	       entry_ddi *x)
{
	med_err err = dosage_ddi_acquire(call, &x->ref);

	x->at_ms = at_ms;
	if (err != MED_OK)
		return err;
	return dosage_ddi_gather(call, x->ref, fam, patient_id, except_id,
				 encounter_id, at_ms, &x->products);
}

static void
entry_ddi_fini(entry_ddi *x)
{
	dosage_ddi_release(x->ref);
	x->ref = NULL;
}

/* entry_home_task appends the prescriber's admission task (undecided
 * home medicines of the time-critical classes) to o's checks when there
 * is one: an order with no task carries no check for it. */
static med_err
entry_home_task(med_call *call, dosage_order *o, const entry_ddi *ddi)
{
	dosage_dose_result r;

	dosage_home_task_check(&ddi->products, &r);
	if (r.status != DOSAGE_DOSE_WARN)
		return MED_OK;
	return dosage_class_append(med_call_arena(call), &r, 1, &o->checks,
				   &o->n_checks, &o->overall);
}

/* entry_class_checks appends the class checks of order o to its checks:
 * duplicate therapy against the patient's other orders in force and home
 * medicines, a day of the opioids in oral morphine equivalents, duplicate
 * orders of one substance, the interactions and the admission task. */
static med_err
entry_class_checks(med_call *call, dosage_order *o, const dosage_drug *d,
		   double given_24h, const dosage_class_list *others,
		   const entry_ddi *ddi)
{
	dosage_class_subject cs = order_subject(o, d, given_24h, others);
	dosage_ddi_subject ds = {.drug = d,
				 .order = o,
				 .at_ms = ddi->at_ms,
				 .others = &ddi->products};
	med_err err;

	cs.home = &ddi->products;
	cs.switch_ms = o->start_ms > ddi->at_ms ? o->start_ms : ddi->at_ms;
	cs.no_switch = o->infusion_rate > 0;
	err = dosage_class_checks(call, &cs, &o->checks, &o->n_checks,
				  &o->overall);
	/* Then the same substance ordered twice, and the interactions
	 * (issue 47). */
	if (err == MED_OK)
		err = dosage_order_duplicates(call, o, d, others, NULL);
	if (err == MED_OK)
		err = dosage_ddi_checks(call, ddi->ref, &ds, &o->checks,
					&o->n_checks, &o->overall);
	if (err != MED_OK)
		return err;
	return entry_home_task(call, o, ddi);
}

/* entry_evaluate runs the order-entry checks of o (its dose and a day of
 * its regimen) into o->checks and o->overall: ctx is dosage's context
 * (NULL: none), lifetime what the patient was already given. */
static med_err
entry_evaluate(med_call *call, dosage_order *o, const dosage_drug *d,
	       const dosage_context *ctx, const dosage_known *k,
	       double lifetime, const dosage_class_list *others,
	       const entry_ddi *ddi)
{
	med_arena *a = med_call_arena(call);
	dosage_dose_history regimen;
	dosage_dose_patient p;
	dosage_dose_result r[DOSAGE_DOSE_N_CHECKS];
	med_err err;

	dosage_patient(a, ctx, k, o->start_ms, &p);
	if ((err = entry_rate(call, o, d, p.has_weight ? p.weight_kg : 0)) !=
	    MED_OK)
		return err;
	dosage_regimen_history(o, d, o->dose_in_drug_unit, lifetime, &regimen);
	/* Doses taken at home count against a cumulative limit (issue
	 * 72); the day of the regimen is still to come. */
	dosage_home_lifetime(&ddi->products, d, ddi->at_ms, &regimen);
	dosage_evaluate(d, o, &p, &regimen, o->dose_in_drug_unit, o->start_ms,
			r);
	o->overall = (Smartmed__Dosage__V1__CheckStatus)dosage_dose_worst(
		r, DOSAGE_DOSE_N_CHECKS);
	if ((err = dosage_checks_to_pb(a, r, DOSAGE_DOSE_N_CHECKS, &o->checks,
				       &o->n_checks)) != MED_OK)
		return err;
	if ((err = entry_class_checks(call, o, d, regimen.given_24h, others,
				      ddi)) != MED_OK)
		return err;
	/* A patch or modified-release opioid for an opioid-naive patient
	 * (issue 72), as of the time of writing, like the interactions. */
	return dosage_opioid_naive_checks(call, o, d, &k->family, ddi->at_ms);
}

/* merged_contexts joins the contexts of the records merged into the
 * order's patient into ctx (*has_ctx: ctx holds one). */
static med_err
merged_contexts(med_call *call, const dosage_order *o, const dosage_known *k,
		dosage_context *ctx, bool *has_ctx)
{
	const char *const *ids;
	size_t n = dosage_family_merged(&k->family, o->patient_id, &ids);

	for (size_t i = 0; i < n; i++) {
		dosage_context other;
		med_err err = dosage_store_get_context(med_call_db(call),
						       med_call_arena(call),
						       ids[i], &other);

		if (err == MED_ERR_NOT_FOUND)
			continue;
		if (err != MED_OK)
			return err;
		if (*has_ctx)
			dosage_context_join(med_call_arena(call), ctx, &other);
		else
			*ctx = other;
		*has_ctx = true;
	}
	return MED_OK;
}

/* class_orders reads the orders of the patient (and fam) in force at
 * now_ms but for except_id, naming a capacity limit it meets as the
 * call's status. */
static med_err
class_orders(med_call *call, const dosage_family *fam, const char *patient_id,
	     const char *except_id, int64_t now_ms, dosage_class_list *out)
{
	med_err err = dosage_store_class_orders(
		med_call_db(call), med_call_arena(call), fam, patient_id,
		except_id, now_ms, out);

	return dosage_fail_limit(call, err, out->limit);
}

/* given_before reads what the patient was given of d up to o's start (a
 * read transaction of its own), naming a capacity limit it meets. */
static med_err
given_before(med_call *call, const dosage_order *o, const dosage_drug *d,
	     const dosage_known *k, dosage_dose_history *given)
{
	med_err err =
		dosage_store_given_once(med_call_db(call), &k->family,
					o->patient_id, d, o->start_ms, given);

	return dosage_fail_limit(call, err, given->limit);
}

/* entry_checks is entry_evaluate with the context and history read now. */
static med_err
entry_checks(med_call *call, dosage_order *o, const dosage_drug *d,
	     const dosage_known *k)
{
	med_arena *a = med_call_arena(call);
	dosage_context ctx;
	dosage_dose_history given;
	med_err err = dosage_store_get_context(med_call_db(call), a,
					       o->patient_id, &ctx);
	bool has_ctx = err == MED_OK;
	dosage_class_list others = {0};
	entry_ddi ddi = {0};

	if (err != MED_OK && err != MED_ERR_NOT_FOUND)
		return err;
	if ((err = merged_contexts(call, o, k, &ctx, &has_ctx)) != MED_OK)
		return err;
	if ((err = given_before(call, o, d, k, &given)) != MED_OK ||
	    (err = class_orders(call, &k->family, o->patient_id, NULL,
				med_now_ms(), &others)) != MED_OK ||
	    (err = dosage_orders_day_ome(call, dosage_store_get_order,
					 &others)) != MED_OK ||
	    (err = entry_ddi_read(call, &k->family, o->patient_id, NULL,
				  o->encounter_id, med_now_ms(), &ddi)) !=
		    MED_OK) {
		entry_ddi_fini(&ddi);
		return err;
	}
	err = entry_evaluate(call, o, d, has_ctx ? &ctx : NULL, k,
			     given.given_lifetime, &others, &ddi);
	entry_ddi_fini(&ddi);
	return err;
}

/* entry_gate refuses a hard stop at order entry unless the prescriber
 * overrides it with a coded reason; sets the order's status. */
static med_err
entry_gate(med_call *call, const dosage_override *ov, dosage_order *o,
	   const dosage_drug *d)
{
	bool stop = o->overall ==
		    SMARTMED__DOSAGE__V1__CHECK_STATUS__CHECK_STATUS_HARD_STOP;
	med_err err;

	o->dose_override = NULL;
	if (stop && ov == NULL)
		return med_call_fail(
			call, MED_ERR_PRECONDITION,
			"order: hard stop: %s; the prescriber "
			"may override with dose_override",
			dosage_first_hard_stop(o->checks, o->n_checks));
	if (stop) {
		if ((err = dosage_check_override(call, "dose_override", ov)) !=
		    MED_OK)
			return err;
		o->dose_override = (dosage_override *)ov;
	}
	o->status = dosage_order_needs_verification(call, d, stop)
			    ? ST(PENDING_VERIFICATION)
			    : ST(ACTIVE);
	return MED_OK;
}

/* audit_order puts the order's change on the call's audit event. */
static void
audit_order(med_call *call, const dosage_order *o, const char *event,
	    const char *reason)
{
	char why[16];
	med_audit_detail d[9];
	size_t n = 0;

	d[n++] = (med_audit_detail){"event", event};
	d[n++] = (med_audit_detail){"order_id", o->id};
	d[n++] = (med_audit_detail){
		"checks", o->overall ? dosage_dose_status_name(
					       (dosage_dose_status)o->overall)
				     : ""};
	if (o->replaces_order_id && o->replaces_order_id[0])
		d[n++] = (med_audit_detail){"replaces_order_id",
					    o->replaces_order_id};
	if (reason && reason[0])
		d[n++] = (med_audit_detail){"reason", reason};
	if (o->dose_override) {
		snprintf(why, sizeof(why), "%d", (int)o->dose_override->reason);
		d[n++] = (med_audit_detail){"dose_override_reason", why};
		d[n++] = (med_audit_detail){"dose_override_text",
					    o->dose_override->text};
	}
	if (o->verified_by && o->verified_by[0])
		d[n++] = (med_audit_detail){"verified_by", o->verified_by};
	med_call_add_details(call, d, n);
}

/* check_reason requires a reason of 1..500 characters. */
static med_err
check_reason(med_call *call, const char *reason)
{
	return med_check_text(call, "reason", reason, 1, REASON_MAX);
}

/* --- CreateOrder, GetOrder, ListOrders ----------------------------------- */

/*
 * order_forget_state clears what only the service sets on an order (its
 * hold, its lineage), so that a client's CreateOrder cannot store a hold
 * it never placed or a time such as held_ms = 2^63-1 that no check saw.
 */
static void
order_forget_state(dosage_order *o)
{
	o->held_by = "";
	o->held_ms = 0;
	o->hold_reason = "";
	o->replaces_order_id = "";
	o->change_reason = "";
	o->version = 1;
	o->first_order_id = "";
	o->encounter_id = "";
	/* Output only: an override is the request's, after the checks. */
	o->dose_override = NULL;
}

/* no_order_after_death refuses a new order (or version) for a patient who
 * has died (docs/dose-safety.md, "Death"). */
static med_err
no_order_after_death(med_call *call, const char *field, const dosage_known *k)
{
	med_problem p;

	if (dosage_death_order_problem(field, &k->death, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	return MED_OK;
}

/* create_tx - CreateOrder's transaction: v1, the order as checked with
 * its id, version and lineage set, read back into out. */
typedef struct create_tx {
	med_call *call;
	const dosage_order *v1;
	dosage_order *out;
} create_tx;

/* create_in_tx writes version 1 of the order, its "created" change and the
 * patient's row, reads the order back as written and names it on the
 * call's audit event, which commits with it. */
static med_err
create_in_tx(med_db_conn *c, void *arg)
{
	create_tx *x = arg;
	med_arena *a = med_call_arena(x->call);
	const dosage_order *o = x->v1;
	dosage_change created = {.kind = EV(CREATED),
				 .user = o->created_by,
				 .now_ms = o->created_ms};
	med_err err;

	if ((err = dosage_store_insert_order(c, a, o)) != MED_OK ||
	    (err = dosage_store_log_change(c, o, &created, NULL)) != MED_OK ||
	    (err = dosage_store_ensure_patient(c, o->patient_id)) != MED_OK ||
	    (err = dosage_store_read_order(c, a, o->id, false, x->out)) !=
		    MED_OK)
		return err;
	audit_order(x->call, x->out, "order_created", NULL);
	return MED_OK;
}

med_err
dosage_rpc_create_order(med_call *call, const ProtobufCMessage *in,
			ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__CreateOrderRequest *req = (const void *)in;
	int64_t now = med_now_ms();
	med_err err = dosage_check_order(call, req->order, now);
	char id[MED_UUID_LEN + 1];
	dosage_known known;
	dosage_drug drug;
	dosage_order v1;
	create_tx x = {call, &v1, (void *)out};

	if (err != MED_OK)
		return err;
	order_forget_state(req->order);
	med_call_set_patient(call, req->order->patient_id);
	err = dosage_store_get(med_call_db(call), med_call_arena(call),
			       req->order->drug_code, &drug);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err,
				     "order.drug_code: no such drug");
	if (err != MED_OK ||
	    (err = order_prepare(call, req->order, &drug, now)) != MED_OK ||
	    (err = dosage_know_patient(call, "order.patient_id",
				       req->order->patient_id, &known)) !=
		    MED_OK ||
	    (err = no_order_after_death(call, "order.patient_id", &known)) !=
		    MED_OK ||
	    (err = dosage_weekly_gate(call, req->order, &drug)) != MED_OK ||
	    (err = dosage_stay_assign(call, req->order)) != MED_OK ||
	    (err = entry_checks(call, req->order, &drug, &known)) != MED_OK ||
	    (err = entry_gate(call, req->dose_override, req->order, &drug)) !=
		    MED_OK)
		return err;
	med_uuid_v4(id);
	v1 = *req->order;
	v1.id = id;
	v1.version = 1;
	v1.first_order_id = id;
	return med_call_tx(call, create_in_tx, &x);
}

/* get_order reads order id for a handler, naming field when absent. */
static med_err
get_order(med_call *call, const char *field, const char *id, dosage_order *o)
{
	med_err err = med_check_id(call, field, id);

	if (err != MED_OK)
		return err;
	err = dosage_store_get_order(med_call_db(call), med_call_arena(call),
				     id, o);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "%s: no such order", field);
	if (err == MED_OK)
		med_call_set_patient(call, o->patient_id);
	return err;
}

med_err
dosage_rpc_get_order(med_call *call, const ProtobufCMessage *in,
		     ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__GetOrderRequest *req = (const void *)in;
	dosage_order *o = (void *)out;
	med_err err = get_order(call, "order_id", req->order_id, o);

	int64_t now = med_now_ms();

	if (err == MED_OK)
		dosage_order_settle(o, now);
	if (err == MED_OK)
		err = dosage_orders_fill(call, &o, 1, now);
	return err;
}

/* status_set writes the statuses a list asks for as "1,4" (every status
 * but superseded when none), refusing unknown ones. */
static med_err
status_set(med_call *call, const Smartmed__Dosage__V1__ListOrdersRequest *req,
	   char *buf, size_t len)
{
	size_t off = 0;

	if (req->n_statuses == 0) {
		snprintf(buf, len, "%d,%d,%d,%d,%d", ST(ACTIVE), ST(STOPPED),
			 ST(PENDING_VERIFICATION), ST(ON_HOLD), ST(COMPLETED));
		return MED_OK;
	}
	if (req->n_statuses > 8)
		return med_call_fail(call, MED_ERR_INVALID,
				     "statuses: at most 8");
	buf[0] = '\0';
	for (size_t i = 0; i < req->n_statuses; i++) {
		order_status s = req->statuses[i];

		if (s < ST(ACTIVE) || s > ST(SUPERSEDED))
			return med_call_fail(call, MED_ERR_INVALID,
					     "statuses: %d is not an order "
					     "status",
					     (int)s);
		off += (size_t)snprintf(buf + off, len - off, "%s%d",
					off ? "," : "", (int)s);
	}
	return MED_OK;
}

med_err
dosage_rpc_list_orders(med_call *call, const ProtobufCMessage *in,
		       ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ListOrdersRequest *req = (const void *)in;
	Smartmed__Dosage__V1__ListOrdersResponse *res = (void *)out;
	int64_t now = med_now_ms();
	char statuses[64];
	med_page page;
	med_err err;

	if ((err = med_check_id(call, "patient_id", req->patient_id)) !=
		    MED_OK ||
	    (err = status_set(call, req, statuses, sizeof(statuses))) !=
		    MED_OK ||
	    (err = med_page_parse(call, req->page, &page)) != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	err = dosage_store_list_orders(med_call_db(call), med_call_arena(call),
				       req->patient_id, statuses, now,
				       page.offset, page.size + 1, &res->orders,
				       &res->n_orders);
	if (err != MED_OK)
		return err;
	for (size_t i = 0; i < res->n_orders; i++)
		dosage_order_settle(res->orders[i], now);
	if ((err = dosage_orders_fill(call, res->orders, res->n_orders, now)) !=
	    MED_OK)
		return err;
	res->page = med_page_respond(call, &page, &res->n_orders);
	return res->page ? MED_OK : MED_ERR_NOMEM;
}

/* --- changes of state: verify, hold, resume, discontinue ----------------- */

typedef struct allow_ctx {
	med_call *call;
	int64_t now_ms;
	const dosage_drug *drug; /* VerifyOrder: the order's drug */
} allow_ctx;

/* settled is cur as it stands at now (an order past its end completed). */
static dosage_order
settled(const allow_ctx *x, const dosage_order *cur)
{
	dosage_order o = *cur;

	dosage_order_settle(&o, x->now_ms);
	return o;
}

static med_err
allow_verify(const allow_ctx *x, const dosage_order *cur)
{
	med_err err;

	med_call_set_patient(x->call, cur->patient_id);
	if (cur->status != ST(PENDING_VERIFICATION))
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "order_id: order is not pending "
				     "verification");
	/* Four eyes: the prescriber cannot verify their own order. */
	if (strcmp(cur->created_by, med_call_principal(x->call)->user) == 0)
		return med_call_fail(x->call, MED_ERR_DENIED,
				     "order_id: the prescriber cannot verify "
				     "their own order");
	/* An order written before the drug became infusion only, or before
	 * these rules (or a ceiling lowered since), is caught by the
	 * pharmacist's check; a rate per kg waits for the pump's. */
	if (x->drug == NULL)
		return MED_OK;
	err = route_rules(x->call, cur, x->drug);
	return err == MED_OK ? entry_rate(x->call, cur, x->drug, 0) : err;
}

static med_err
allow_hold(const allow_ctx *x, const dosage_order *cur)
{
	dosage_order o = settled(x, cur);

	med_call_set_patient(x->call, cur->patient_id);
	if (o.status == ST(ON_HOLD))
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "order_id: order is already on hold");
	return o.status == ST(ACTIVE) ? MED_OK
				      : dosage_order_refuse(x->call, &o);
}

static med_err
allow_resume(const allow_ctx *x, const dosage_order *cur)
{
	dosage_order o = settled(x, cur);

	med_call_set_patient(x->call, cur->patient_id);
	if (o.status == ST(ACTIVE))
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "order_id: order is not on hold");
	return o.status == ST(ON_HOLD) ? MED_OK
				       : dosage_order_refuse(x->call, &o);
}

static med_err
allow_discontinue(const allow_ctx *x, const dosage_order *cur)
{

	med_call_set_patient(x->call, cur->patient_id);
	/* Active, held, pending and completed orders can be stopped; a
	 * stopped one stays, and only the current version changes. */
	if (cur->status == ST(STOPPED))
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "order_id: order is already stopped");
	if (cur->status == ST(SUPERSEDED))
		return dosage_order_refuse(x->call, cur);
	return MED_OK;
}

static med_err
allow_reconcile_stop(const allow_ctx *x, const dosage_order *cur)
{
	dosage_order o = settled(x, cur);

	med_call_set_patient(x->call, cur->patient_id);
	return dosage_order_in_force(&o) ? MED_OK
					 : dosage_order_refuse(x->call, &o);
}

/* allow_fn says whether the locked order cur may take a change of state:
 * it fails the call (so the transaction) when not. */
typedef med_err (*allow_fn)(const allow_ctx *x, const dosage_order *cur);

/* change names each change of state: its event, checks and words. */
static const struct {
	Smartmed__Dosage__V1__OrderEventKind kind;
	allow_fn allow;
	const char *event;
} changes[] = {
	{EV(VERIFIED), allow_verify, "order_verified"},
	{EV(HELD), allow_hold, "order_held"},
	{EV(RESUMED), allow_resume, "order_resumed"},
	{EV(DISCONTINUED), allow_discontinue, "order_discontinued"},
	{EV(RECONCILED_STOPPED), allow_reconcile_stop, "order_reconciled_stop"},
};

/* state_tx - a change of state's transaction: order id, the change, the
 * rule that may refuse it, the audit event, the order after (or, when the
 * rule refused, before). */
typedef struct state_tx {
	const allow_ctx *x;
	const char *id;
	const dosage_change *ch;
	allow_fn allow;
	const char *event;
	dosage_order *out;
} state_tx;

/* state_in_tx locks order id, asks the change's rule, writes the change
 * and its log row, reads the order after and names it on the call's
 * audit event, which commits with it. */
static med_err
state_in_tx(med_db_conn *c, void *arg)
{
	const state_tx *t = arg;
	med_arena *a = med_call_arena(t->x->call);
	med_err err = dosage_store_read_order(c, a, t->id, true, t->out);

	if (err != MED_OK || (err = t->allow(t->x, t->out)) != MED_OK ||
	    (err = dosage_store_set_state(c, t->id, t->ch)) != MED_OK ||
	    (err = dosage_store_log_change(c, t->out, t->ch, NULL)) != MED_OK ||
	    (err = dosage_store_read_order(c, a, t->id, false, t->out)) !=
		    MED_OK)
		return err;
	audit_order(t->x->call, t->out, t->event, t->ch->reason);
	return MED_OK;
}

/* change_state runs one change of state of order id, with reason. */
static med_err
change_state(med_call *call, Smartmed__Dosage__V1__OrderEventKind kind,
	     const char *id, const char *reason, const dosage_drug *drug,
	     dosage_order *o)
{
	allow_ctx x = {call, med_now_ms(), drug};
	dosage_change ch = {kind, med_call_principal(call)->user, reason,
			    x.now_ms};
	state_tx t = {.x = &x, .id = id, .ch = &ch, .out = o};
	size_t i = 0;
	med_err err;

	while (changes[i].kind != kind)
		i++;
	t.allow = changes[i].allow;
	t.event = changes[i].event;
	/* The care decision (maybe a call to identity) before the order's
	 * row lock; the rules name the locked row's patient again, which
	 * costs nothing for the same patient. */
	if ((err = med_call_name_patient_of(
		     call, "SELECT patient_id FROM orders WHERE id = ?", id)) !=
	    MED_OK)
		return err;
	err = med_call_tx(call, state_in_tx, &t);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "order_id: no such order");
	if (err != MED_OK)
		return err;
	dosage_order_settle(o, x.now_ms);
	return MED_OK;
}

/* verify_limits runs the order rules of limits.c again at verification:
 * the catalogue may have changed since the order was written, and a dose
 * of a weekly-only drug may have been given since. */
static med_err
verify_limits(med_call *call, const char *id)
{
	dosage_order cur;
	dosage_drug drug;
	med_err err = get_order(call, "order_id", id, &cur);

	if (err != MED_OK || cur.status != ST(PENDING_VERIFICATION))
		return err;
	err = dosage_store_get(med_call_db(call), med_call_arena(call),
			       cur.drug_code, &drug);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "order_id: its drug %s is no longer in "
				     "the catalogue",
				     cur.drug_code);
	if (err != MED_OK ||
	    (err = dosage_order_limits(call, &cur, &drug)) != MED_OK)
		return err;
	return dosage_weekly_gate(call, &cur, &drug);
}

/* stopped_at_entry: did the order's own checks already hard-stop c (so
 * that its prescriber's override covered it)? */
static bool
stopped_at_entry(const dosage_order *o, dosage_dose_check c)
{
	for (size_t i = 0; i < o->n_checks; i++)
		if ((dosage_dose_check)o->checks[i]->kind == c &&
		    o->checks[i]->status ==
			    SMARTMED__DOSAGE__V1__CHECK_STATUS__CHECK_STATUS_HARD_STOP)
			return o->dose_override != NULL;
	return false;
}

/* verify_class_stop finds a class check of o that stops now but did not
 * at entry; *why its reason ("" when none). */
static med_err
verify_class_stop(med_call *call, const dosage_order *o, const char **why)
{
	med_arena *a = med_call_arena(call);
	dosage_dose_result r[DOSAGE_CLASS_N_CHECKS + 1];
	dosage_class_list others = {0};
	dosage_dose_history day;
	dosage_class_subject cs;
	dosage_known k;
	dosage_drug d;
	med_err err;

	*why = "";
	/* The merged records' orders count, as at entry (identity is asked
	 * before the verification's transaction). */
	if ((err = dosage_know_family(call, "order_id", o->patient_id, &k)) !=
		    MED_OK ||
	    (err = dosage_store_get(med_call_db(call), a, o->drug_code, &d)) !=
		    MED_OK ||
	    (err = class_orders(call, &k.family, o->patient_id, o->id,
				med_now_ms(), &others)) != MED_OK ||
	    (err = dosage_orders_day_ome(call, dosage_store_get_order,
					 &others)) != MED_OK)
		return err;
	dosage_regimen_history(o, &d, o->dose_in_drug_unit, 0, &day);
	cs = order_subject(o, &d, day.given_24h, &others);
	if ((err = dosage_class_evaluate(call, &cs, r)) != MED_OK)
		return err;
	/* An order of the same substance written since counts too. */
	dosage_order_duplicate_eval(o, &d, &others, &r[DOSAGE_CLASS_N_CHECKS]);
	for (size_t i = 0; i < DOSAGE_CLASS_N_CHECKS + 1; i++) {
		if (r[i].status != DOSAGE_DOSE_HARD_STOP ||
		    stopped_at_entry(o, r[i].check))
			continue;
		*why = med_arena_strdup(a, r[i].reason);
		return *why ? MED_OK : MED_ERR_NOMEM;
	}
	return MED_OK;
}

/* verify_ddi_stop finds an interaction of o that stops at verification
 * (dosage_ddi_verify_stop), across the patient's merged records; *why
 * its reason ("" when none). */
static med_err
verify_ddi_stop(med_call *call, const dosage_order *o, const char **why)
{
	dosage_known k;
	dosage_drug d;
	med_err err;

	*why = "";
	if ((err = dosage_store_get(med_call_db(call), med_call_arena(call),
				    o->drug_code, &d)) != MED_OK ||
	    (err = dosage_know_patient(call, "order_id", o->patient_id, &k)) !=
		    MED_OK)
		return err;
	return dosage_ddi_verify_stop(call, o, &d, &k.family, why);
}

/* verify_naive_stop runs the opioid-naive check of o again at
 * verification into *r (the tolerance the order was written on may have
 * gone since); *why the reason of a stop its prescriber did not override
 * ("" when none). */
static med_err
verify_naive_stop(med_call *call, const dosage_order *o, dosage_dose_result *r,
		  const char **why)
{
	dosage_known k;
	dosage_drug d;
	med_err err;

	if ((err = dosage_store_get(med_call_db(call), med_call_arena(call),
				    o->drug_code, &d)) != MED_OK ||
	    (err = dosage_know_family(call, "order_id", o->patient_id, &k)) !=
		    MED_OK ||
	    (err = dosage_opioid_naive_recheck(call, o, &d, &k.family,
					       med_now_ms(), r)) != MED_OK)
		return err;
	if (r->status == DOSAGE_DOSE_HARD_STOP)
		*why = r->reason;
	return MED_OK;
}

/* verify_show_naive puts the opioid-naive result at verification, r, in
 * place of the one from order entry in the reply's order o, so that the
 * pharmacist sees it as the nurse will at the bedside. */
static med_err
verify_show_naive(med_call *call, dosage_order *o, const dosage_dose_result *r)
{
	size_t n = 0;

	if (r->status == DOSAGE_DOSE_NOT_APPLICABLE)
		return MED_OK;
	for (size_t i = 0; i < o->n_checks; i++)
		if ((dosage_dose_check)o->checks[i]->kind !=
		    DOSAGE_DOSE_CHECK_OPIOID_NAIVE)
			o->checks[n++] = o->checks[i];
	o->n_checks = n;
	return dosage_class_append(med_call_arena(call), r, 1, &o->checks,
				   &o->n_checks, &o->overall);
}

/* verify_gate refuses to release an order that meets a class hard stop
 * at verification, unless the pharmacist overrides it (audited); naive
 * is the opioid-naive result at verification. */
static med_err
verify_gate(med_call *call, const Smartmed__Dosage__V1__VerifyOrderRequest *req,
	    dosage_dose_result *naive)
{
	const dosage_override *ov = req->dose_override;
	char code[16];
	const char *why, *naive_why = "";
	dosage_order o;
	med_err err;

	naive->status = DOSAGE_DOSE_NOT_APPLICABLE;
	if ((err = get_order(call, "order_id", req->order_id, &o)) != MED_OK)
		return err;
	if (o.status != ST(PENDING_VERIFICATION))
		return MED_OK; /* change_state refuses it */
	if ((err = verify_class_stop(call, &o, &why)) != MED_OK)
		return err;
	if (why[0] == '\0' && (err = verify_ddi_stop(call, &o, &why)) != MED_OK)
		return err;
	if ((err = verify_naive_stop(call, &o, naive, &naive_why)) != MED_OK)
		return err;
	if (why[0] == '\0')
		why = naive_why;
	if (why[0] == '\0')
		return MED_OK;
	if (ov == NULL)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "order_id: hard stop at verification: "
				     "%s; the pharmacist may verify with "
				     "dose_override",
				     why);
	if ((err = dosage_check_override(call, "dose_override", ov)) != MED_OK)
		return err;
	snprintf(code, sizeof(code), "%d", (int)ov->reason);
	med_audit_detail d[] = {
		{"verify_hard_stop", why},
		{"verify_override_reason", code},
		{"verify_override_text", ov->text},
	};
	med_call_add_details(call, d, sizeof(d) / sizeof(d[0]));
	return MED_OK;
}

med_err
dosage_rpc_verify_order(med_call *call, const ProtobufCMessage *in,
			ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__VerifyOrderRequest *req = (const void *)in;
	dosage_dose_result naive;
	dosage_order cur;
	dosage_drug drug;
	med_err err;

	if ((err = med_check_id(call, "order_id", req->order_id)) != MED_OK ||
	    (err = med_check_text(call, "note", req->note, 0, REASON_MAX)) !=
		    MED_OK ||
	    (err = get_order(call, "order_id", req->order_id, &cur)) !=
		    MED_OK ||
	    (err = verify_limits(call, req->order_id)) != MED_OK ||
	    (err = verify_gate(call, req, &naive)) != MED_OK)
		return err;
	/* The catalogue entry as it stands now: a rule added since the
	 * order was written still applies before the first dose. */
	err = dosage_store_get(med_call_db(call), med_call_arena(call),
			       cur.drug_code, &drug);
	if (err != MED_OK && err != MED_ERR_NOT_FOUND)
		return err;
	err = change_state(call, EV(VERIFIED), req->order_id, req->note,
			   err == MED_OK ? &drug : NULL, (void *)out);
	return err == MED_OK ? verify_show_naive(call, (void *)out, &naive)
			     : err;
}

med_err
dosage_rpc_hold_order(med_call *call, const ProtobufCMessage *in,
		      ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__HoldOrderRequest *req = (const void *)in;
	med_err err;

	if ((err = med_check_id(call, "order_id", req->order_id)) != MED_OK ||
	    (err = check_reason(call, req->reason)) != MED_OK)
		return err;
	return change_state(call, EV(HELD), req->order_id, req->reason, NULL,
			    (void *)out);
}

med_err
dosage_rpc_resume_order(med_call *call, const ProtobufCMessage *in,
			ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ResumeOrderRequest *req = (const void *)in;
	med_err err;

	if ((err = med_check_id(call, "order_id", req->order_id)) != MED_OK ||
	    (err = check_reason(call, req->reason)) != MED_OK)
		return err;
	return change_state(call, EV(RESUMED), req->order_id, req->reason, NULL,
			    (void *)out);
}

med_err
dosage_rpc_discontinue_order(med_call *call, const ProtobufCMessage *in,
			     ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__DiscontinueOrderRequest *req =
		(const void *)in;
	med_err err;

	if ((err = med_check_id(call, "order_id", req->order_id)) != MED_OK ||
	    (err = check_reason(call, req->reason)) != MED_OK)
		return err;
	return change_state(call, EV(DISCONTINUED), req->order_id, req->reason,
			    NULL, (void *)out);
}

/* --- new versions: ModifyOrder, RenewOrder ------------------------------- */

typedef struct version_ctx {
	med_call *call;
	const dosage_order *proposed; /* ModifyOrder: the new prescription */
	int64_t end_ms;		      /* RenewOrder: the new end */
	const dosage_override *dose_override;
	const char *continue_to; /* ReconcileOrder CONTINUE: the new stay */
	dosage_known known;
	int64_t now_ms;
	dosage_class_list others; /* the patient's other orders in force */
	entry_ddi ddi;		  /* what the interaction check meets */
} version_ctx;

/* version_allowed: only the current version of an order in force (or,
 * for a renewal, one whose end has passed) takes a new version. */
static med_err
version_allowed(const version_ctx *x, const dosage_order *cur)
{
	dosage_order o = *cur;

	dosage_order_settle(&o, x->now_ms);
	if (dosage_order_in_force(&o))
		return MED_OK;
	/* A continued order runs on; one that ended is written anew. */
	if (x->continue_to != NULL)
		return dosage_order_refuse(x->call, &o);
	/* A renewal continues an order that ran to its end; a "once"
	 * order that was given (stored completed) is a new order. */
	if (x->proposed == NULL && o.status == ST(COMPLETED) &&
	    cur->status != ST(COMPLETED))
		return MED_OK;
	return dosage_order_refuse(x->call, &o);
}

/* take_prescription copies what a prescriber writes (dose, route,
 * frequency, period, PRN limits, infusion rate) from src into next, for cur's
 * patient and drug. */
static void
take_prescription(const dosage_order *src, const dosage_order *cur,
		  dosage_order *next)
{
	next->patient_id = cur->patient_id;
	next->drug_code = cur->drug_code;
	next->dose = src->dose;
	next->unit = src->unit;
	next->route = src->route;
	next->frequency = src->frequency;
	next->prn = src->prn;
	next->start_ms = src->start_ms;
	next->end_ms = src->end_ms;
	next->prn_min_interval_minutes = src->prn_min_interval_minutes;
	next->prn_max_daily_dose = src->prn_max_daily_dose;
	next->infusion_rate = src->infusion_rate;
	next->infusion_rate_unit = src->infusion_rate_unit;
	next->infusion_rate_max = src->infusion_rate_max;
	next->infusion_bag_amount = src->infusion_bag_amount;
	next->infusion_bag_volume_ml = src->infusion_bag_volume_ml;
	next->regimen = src->regimen;
}

/* renewal is cur's prescription, on cur's schedule, with the new end. */
static med_err
renewal(const version_ctx *x, const dosage_order *cur, dosage_order *next)
{
	if (x->end_ms != 0 && cur->end_ms != 0 && x->end_ms <= cur->end_ms)
		return med_call_fail(x->call, MED_ERR_INVALID,
				     "end_ms: must be after the order's "
				     "current end");
	if (x->end_ms == 0 && cur->end_ms == 0)
		return med_call_fail(x->call, MED_ERR_INVALID,
				     "end_ms: the order has no end to "
				     "extend; give the new end");
	take_prescription(cur, cur, next);
	next->end_ms = x->end_ms;
	return MED_OK;
}

/* continuation is cur's prescription on the new stay: its schedule starts
 * at the reconciliation (the doses between the stays were never due), its
 * end stays. */
static void
continuation(const version_ctx *x, const dosage_order *cur, dosage_order *next)
{
	take_prescription(cur, cur, next);
	next->start_ms = x->now_ms;
}

/* modification is the proposed prescription for the same patient and
 * drug. */
static med_err
modification(const version_ctx *x, const dosage_order *cur, dosage_order *next)
{
	const dosage_order *p = x->proposed;

	if (strcmp(p->drug_code, cur->drug_code) != 0)
		return med_call_fail(x->call, MED_ERR_INVALID,
				     "order.drug_code: must be the order's "
				     "drug (another drug is another order)");
	if (strcmp(p->patient_id, cur->patient_id) != 0)
		return med_call_fail(x->call, MED_ERR_INVALID,
				     "order.patient_id: must be the order's "
				     "patient");
	take_prescription(p, cur, next);
	return MED_OK;
}

/* carry_hold keeps a held order held in its new version: a changed dose
 * is no reason to give it. */
static void
carry_hold(const dosage_order *cur, dosage_order *next)
{
	if (cur->status != ST(ON_HOLD) || next->status != ST(ACTIVE))
		return;
	next->status = ST(ON_HOLD);
	next->held_by = cur->held_by;
	next->held_ms = cur->held_ms;
	next->hold_reason = cur->hold_reason;
}

/* make_version fills next, the new version of the locked subject's order
 * (s->order), or fails the call; next->id is kept. */
static med_err
make_version(version_ctx *x, dosage_subject *s, dosage_order *next)
{
	const dosage_order *cur = &s->order;
	med_err err;

	med_call_set_patient(x->call, cur->patient_id);
	if ((err = version_allowed(x, cur)) != MED_OK)
		return err;
	if (x->continue_to != NULL)
		continuation(x, cur, next);
	else if ((err = x->proposed ? modification(x, cur, next)
				    : renewal(x, cur, next)) != MED_OK)
		return err;
	/* A new version is checked as written: the old version's override
	 * is not this one's (entry_gate sets this request's). */
	next->dose_override = NULL;
	if ((err = order_prepare(x->call, next, &s->drug, x->now_ms)) !=
		    MED_OK ||
	    (err = entry_evaluate(x->call, next, &s->drug,
				  s->has_ctx ? &s->ctx : NULL, &x->known,
				  s->hist.given_lifetime, &x->others,
				  &x->ddi)) != MED_OK ||
	    (err = entry_gate(x->call, x->dose_override, next, &s->drug)) !=
		    MED_OK)
		return err;
	carry_hold(cur, next);
	/* A version belongs to its order's stay; only a continuation moves
	 * it to the new one. */
	next->encounter_id =
		(char *)(x->continue_to ? x->continue_to : cur->encounter_id);
	return MED_OK;
}

/* version_tx - a new version's transaction: what x describes of order
 * id, made as next (its id set), read back into out; limit is the
 * capacity limit loading the subject met. */
typedef struct version_tx {
	version_ctx *x;
	const char *id;
	const dosage_change *ch;
	const char *event;
	dosage_order *next, *out;
	const char *limit;
} version_tx;

/* version_lineage makes next the version after old, for change ch. */
static void
version_lineage(dosage_order *next, const dosage_order *old,
		const dosage_change *ch)
{
	next->version = old->version + 1;
	next->first_order_id = old->first_order_id;
	next->replaces_order_id = old->id;
	next->change_reason = (char *)ch->reason;
}

/* version_in_tx loads the order with its subject (locked), makes and
 * checks the new version, inserts it, marks the old one superseded, logs
 * the change, reads the new version back and names it on the call's audit
 * event, which commits with it. */
static med_err
version_in_tx(med_db_conn *c, void *arg)
{
	version_tx *t = arg;
	med_arena *a = med_call_arena(t->x->call);
	dosage_order *next = t->next, *old;
	const char *id = next->id;
	dosage_subject s;
	med_err err =
		dosage_store_load_subject(c, a, &t->x->known.family, t->id,
					  NULL, NULL, t->ch->now_ms, true, &s);

	t->limit = dosage_subject_limit(&s);
	if (err != MED_OK || (err = make_version(t->x, &s, next)) != MED_OK)
		return err;
	old = &s.order;
	next->id = (char *)id;
	version_lineage(next, old, t->ch);
	if ((err = dosage_store_insert_order(c, a, next)) != MED_OK ||
	    (err = dosage_store_supersede(c, old, next, t->ch->now_ms)) !=
		    MED_OK ||
	    (err = dosage_store_log_change(c, old, t->ch, next->id)) !=
		    MED_OK ||
	    (err = dosage_store_read_order(c, a, next->id, false, t->out)) !=
		    MED_OK)
		return err;
	audit_order(t->x->call, t->out, t->event, t->ch->reason);
	return MED_OK;
}

/* version_facts reads, before the transaction, what the new version of
 * order id is checked against: the patient's facts from identity and
 * records (no network call while the order is locked), the other orders
 * in force and what the interaction check meets. */
static med_err
version_facts(med_call *call, version_ctx *x, const char *id)
{
	dosage_order cur;
	med_err err;

	if ((err = get_order(call, "order_id", id, &cur)) != MED_OK ||
	    (err = dosage_know_patient(call, "order_id", cur.patient_id,
				       &x->known)) != MED_OK ||
	    (err = no_order_after_death(call, "order_id", &x->known)) !=
		    MED_OK ||
	    (err = class_orders(call, &x->known.family, cur.patient_id, cur.id,
				x->now_ms, &x->others)) != MED_OK ||
	    (err = dosage_orders_day_ome(call, dosage_store_get_order,
					 &x->others)) != MED_OK)
		return err;
	return entry_ddi_read(call, &x->known.family, cur.patient_id, cur.id,
			      x->continue_to ? x->continue_to
					     : cur.encounter_id,
			      x->now_ms, &x->ddi);
}

/* version_event is the audit event of a new version of kind. */
static const char *
version_event(Smartmed__Dosage__V1__OrderEventKind kind)
{
	if (kind == EV(MODIFIED))
		return "order_modified";
	return kind == EV(RENEWED) ? "order_renewed"
				   : "order_reconciled_continue";
}

/* new_version writes the version x describes of order id. */
static med_err
new_version(med_call *call, version_ctx *x, const char *id,
	    Smartmed__Dosage__V1__OrderEventKind kind, const char *reason,
	    dosage_order *out)
{
	char new_id[MED_UUID_LEN + 1];
	dosage_change ch = {kind, med_call_principal(call)->user, reason,
			    x->now_ms};
	dosage_order next;
	version_tx t = {x, id, &ch, version_event(kind), &next, out, NULL};
	med_err err = version_facts(call, x, id);

	if (err != MED_OK) {
		entry_ddi_fini(&x->ddi);
		return err;
	}
	smartmed__dosage__v1__order__init(&next);
	med_uuid_v4(new_id);
	next.id = new_id;
	err = dosage_fail_limit(call, med_call_tx(call, version_in_tx, &t),
				t.limit);
	entry_ddi_fini(&x->ddi);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "order_id: no such order");
	if (err != MED_OK)
		return err;
	dosage_order_settle(out, x->now_ms);
	return MED_OK;
}

/* modify_fill takes the order's patient and drug where the request left
 * them empty, so that the order's rules can check the rest. */
static med_err
modify_fill(med_call *call, const Smartmed__Dosage__V1__ModifyOrderRequest *req)
{
	dosage_order cur;
	med_err err;

	if (req->order == NULL)
		return med_call_fail(call, MED_ERR_INVALID,
				     "order: must be set");
	if (req->order->patient_id[0] && req->order->drug_code[0])
		return MED_OK;
	if ((err = get_order(call, "order_id", req->order_id, &cur)) != MED_OK)
		return err;
	if (req->order->patient_id[0] == '\0')
		req->order->patient_id = cur.patient_id;
	if (req->order->drug_code[0] == '\0')
		req->order->drug_code = cur.drug_code;
	return MED_OK;
}

med_err
dosage_rpc_modify_order(med_call *call, const ProtobufCMessage *in,
			ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ModifyOrderRequest *req = (const void *)in;
	version_ctx x = {.call = call,
			 .proposed = req->order,
			 .dose_override = req->dose_override,
			 .now_ms = med_now_ms()};
	med_err err;

	if ((err = med_check_id(call, "order_id", req->order_id)) != MED_OK ||
	    (err = check_reason(call, req->reason)) != MED_OK ||
	    (err = modify_fill(call, req)) != MED_OK ||
	    (err = dosage_check_order(call, req->order, x.now_ms)) != MED_OK)
		return err;
	return new_version(call, &x, req->order_id, EV(MODIFIED), req->reason,
			   (void *)out);
}

med_err
dosage_rpc_renew_order(med_call *call, const ProtobufCMessage *in,
		       ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__RenewOrderRequest *req = (const void *)in;
	version_ctx x = {.call = call,
			 .end_ms = req->end_ms,
			 .dose_override = req->dose_override,
			 .now_ms = med_now_ms()};
	med_err err;

	if ((err = med_check_id(call, "order_id", req->order_id)) != MED_OK ||
	    (err = check_reason(call, req->reason)) != MED_OK)
		return err;
	if ((err = med_check_time_ahead(call, "end_ms", req->end_ms, x.now_ms,
					DOSAGE_ORDER_HORIZON_MS)) != MED_OK)
		return err;
	if (req->end_ms != 0 && req->end_ms <= x.now_ms)
		return med_call_fail(call, MED_ERR_INVALID,
				     "end_ms: must be in the future");
	return new_version(call, &x, req->order_id, EV(RENEWED), req->reason,
			   (void *)out);
}

/* --- GetOrderHistory ----------------------------------------------------- */

med_err
dosage_rpc_get_order_history(med_call *call, const ProtobufCMessage *in,
			     ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__GetOrderHistoryRequest *req =
		(const void *)in;
	Smartmed__Dosage__V1__OrderHistory *h = (void *)out;
	int64_t now = med_now_ms();
	med_err err = med_check_id(call, "order_id", req->order_id);

	if (err != MED_OK)
		return err;
	err = dosage_store_order_history(
		med_call_db(call), med_call_arena(call), req->order_id, h);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "order_id: no such order");
	if (err != MED_OK)
		return err;
	for (size_t i = 0; i < h->n_versions; i++)
		dosage_order_settle(h->versions[i], now);
	if (h->n_versions > 0)
		med_call_set_patient(call, h->versions[0]->patient_id);
	return MED_OK;
}

/* --- ReconcileOrder ------------------------------------------------------ */

#define RD(x) SMARTMED__DOSAGE__V1__RECONCILE_DECISION__RECONCILE_DECISION_##x

/* reconcile_audit names both stays and the decision on the call's audit
 * event (committed with the decision, or with the refusal). */
static med_err
reconcile_audit(med_call *call, const dosage_order *cur, const med_stay *to,
		int decision)
{
	med_err err = med_call_add_detail(call, "reconcile_decision",
					  decision == RD(CONTINUE) ? "continue"
								   : "stop");

	if (err == MED_OK)
		err = med_call_add_detail(call, "from_encounter_id",
					  cur->encounter_id);
	if (err == MED_OK && to->encounter_id[0] != '\0')
		err = med_call_add_detail(call, "to_encounter_id",
					  to->encounter_id);
	return err;
}

/* reconcile_check reads the order, what identity says of its stay and
 * (CONTINUE) of the patient's open stay, before the transaction, and
 * applies the rules. */
static med_err
reconcile_check(med_call *call,
		const Smartmed__Dosage__V1__ReconcileOrderRequest *req,
		int64_t now_ms, med_stay *to)
{
	bool prescriber =
		(med_call_principal(call)->roles & MED_ROLE_CLINICIAN) != 0;
	dosage_order cur;
	med_problem p;
	med_err err = get_order(call, "order_id", req->order_id, &cur);

	memset(to, 0, sizeof(*to));
	if (err != MED_OK)
		return err;
	dosage_order_settle(&cur, now_ms);
	if ((err = dosage_stays_fill(call, (dosage_order *[]){&cur}, 1)) !=
	    MED_OK)
		return err;
	if (req->decision == RD(CONTINUE) && dosage_order_has_stay(&cur) &&
	    (err = med_stays_current(call, "order_id", cur.patient_id, to)) !=
		    MED_OK)
		return err;
	if ((err = reconcile_audit(call, &cur, to, req->decision)) != MED_OK)
		return err;
	if (dosage_reconcile_problem(&cur, req->decision, to, prescriber, &p) !=
	    MED_OK)
		return med_call_fail_problem(call, &p);
	return MED_OK;
}

med_err
dosage_rpc_reconcile_order(med_call *call, const ProtobufCMessage *in,
			   ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__ReconcileOrderRequest *req =
		(const void *)in;
	dosage_order *o = (void *)out;
	version_ctx x = {.call = call,
			 .dose_override = req->dose_override,
			 .now_ms = med_now_ms()};
	med_stay to;
	med_err err;

	if ((err = med_check_id(call, "order_id", req->order_id)) != MED_OK ||
	    (err = check_reason(call, req->reason)) != MED_OK)
		return err;
	if (req->decision != RD(CONTINUE) && req->decision != RD(STOP))
		return med_call_fail(call, MED_ERR_INVALID,
				     "decision: must be CONTINUE or STOP");
	if ((err = reconcile_check(call, req, x.now_ms, &to)) != MED_OK)
		return err;
	if (req->decision == RD(STOP))
		err = change_state(call, EV(RECONCILED_STOPPED), req->order_id,
				   req->reason, NULL, o);
	else {
		x.continue_to =
			med_arena_strdup(med_call_arena(call), to.encounter_id);
		if (x.continue_to == NULL)
			return MED_ERR_NOMEM;
		err = new_version(call, &x, req->order_id,
				  EV(RECONCILED_CONTINUED), req->reason, o);
	}
	if (err != MED_OK)
		return err;
	return dosage_orders_fill(call, &o, 1, x.now_ms);
}
