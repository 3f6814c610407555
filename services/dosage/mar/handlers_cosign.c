/*
 * handlers_cosign.c - the independent second check of a high-alert dose,
 * before the dose: CosignAdministration (the second person, with their own
 * credentials, checks order, patient and dose) and the rule
 * RecordAdministration applies with it (dosage_high_alert_gate).  The
 * co-signer is the authenticated caller of CosignAdministration, never a
 * name the first nurse types, so the check cannot be made by one person.
 */
#include <med/audit.h>
#include <med/check.h>
#include <med/service.h>
#include <med/util.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "checks.h"
#include "catalogue.h"
#include "mar.h"
#include "orders.h"
#include "route.h"
#include "subject.h"
#include "units.h"

#define ACTIVE SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_ACTIVE
/* --- CosignAdministration ----------------------------------------------- */

typedef struct cosign_req {
	med_call *call;
	const Smartmed__Dosage__V1__CosignAdministrationRequest *req;
	dosage_cosign *out; /* the reply: the co-sign inserted */
} cosign_req;

/* audit_cosign names the co-sign and, when the dose checked is not the
 * ordered one, the reason on the call's audit event. */
static med_err
audit_cosign(med_call *call, const dosage_cosign *k)
{
	char words[128], code[16];

	if (k->dose_deviation == NULL)
		return med_call_add_detail(call, "cosign_id", k->id);
	dosage_deviation_summary(k->dose_in_drug_unit,
				 k->ordered_dose_in_drug_unit, k->drug_unit,
				 words, sizeof(words));
	snprintf(code, sizeof(code), "%d", (int)k->dose_deviation->reason);
	med_audit_detail d[] = {
		{"cosign_id", k->id},
		{"dose_deviation", words},
		{"dose_deviation_reason", code},
		{"dose_deviation_text", k->dose_deviation->text},
	};
	med_call_add_details(call, d, sizeof(d) / sizeof(d[0]));
	return MED_OK;
}

/* cosign_dose checks the dose the second person read off the syringe
 * against the order (right_dose.c), not only against what the first nurse
 * drew up; fills k's doses. */
static med_err
cosign_dose(cosign_req *x, const dosage_order *o, const dosage_drug *drug,
	    dosage_cosign *k)
{
	med_call *call = x->call;
	med_problem p;
	med_err err;

	if (dosage_push_problem(drug, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	if ((err = dosage_convert(call, "unit", x->req->dose, x->req->unit,
				  drug, &k->dose_in_drug_unit)) != MED_OK)
		return err;
	k->ordered_dose_in_drug_unit = dosage_ordered_amount(o, drug);
	if (dosage_right_dose_problem("the dose co-signed",
				      k->dose_in_drug_unit,
				      k->ordered_dose_in_drug_unit, drug->unit,
				      x->req->dose_deviation, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	if (!dosage_dose_as_ordered(k->dose_in_drug_unit,
				    k->ordered_dose_in_drug_unit))
		k->dose_deviation = x->req->dose_deviation;
	k->drug_unit = drug->unit;
	return MED_OK;
}

/*
 * cosign_rate checks an infusion's rate the second person read off the
 * pump: not above what the order prescribes (its titration maximum) when
 * the order states it in the same unit.  StartInfusion compares the rate
 * with the order in the drug's unit again; the co-sign holds the rate as
 * set, which is what the first nurse must set.
 */
static med_err
cosign_rate(cosign_req *x, const dosage_order *o, dosage_cosign *k)
{
	const char *unit = x->req->unit;
	double rate = x->req->dose;
	double most = o->infusion_rate_max > 0 ? o->infusion_rate_max
					       : o->infusion_rate;
	bool comparable = most > 0 && strcmp(o->infusion_rate_unit, unit) == 0;

	if (x->req->dose_deviation)
		return med_call_fail(x->call, MED_ERR_INVALID,
				     "dose_deviation: not for an infusion's "
				     "rate; a rate other than the order's "
				     "needs a new order (ModifyOrder)");
	if (comparable && rate > most * (1 + 1e-9))
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "dose: the rate %g %s is above the "
				     "order's %s of %g %s; a faster rate "
				     "needs a clinician's new order "
				     "(ModifyOrder)",
				     rate, unit,
				     o->infusion_rate_max > 0
					     ? "titration maximum"
					     : "prescribed rate",
				     most, unit);
	k->dose_in_drug_unit = rate;
	k->ordered_dose_in_drug_unit = comparable ? most : 0;
	k->drug_unit = (char *)unit;
	return MED_OK;
}

static med_err
cosign_decide(cosign_req *x, const dosage_order *o, const dosage_drug *drug,
	      dosage_cosign *k)
{
	med_call *call = x->call;
	char *id = med_arena_alloc(med_call_arena(call), MED_UUID_LEN + 1);
	dosage_rate_unit ru;
	med_err err;

	/* The request's patient was named (and decided) before the
	 * transaction; another order's patient is refused, not named here. */
	if (strcmp(o->patient_id, x->req->patient_id) != 0)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "patient_id: not the order's patient");
	if (o->status != ACTIVE)
		return dosage_order_refuse(call, o);
	if (!drug->high_alert)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "order_id: %s is not a high-alert drug; "
				     "no co-sign is needed",
				     drug->code);
	/* A rate unit ("mL/h") is an infusion's rate, any other a dose. */
	if (dosage_rate_unit_parse(x->req->unit, &ru) == MED_OK)
		err = cosign_rate(x, o, k);
	else
		err = cosign_dose(x, o, drug, k);
	if (err != MED_OK)
		return err;
	if (id == NULL)
		return MED_ERR_NOMEM;
	med_uuid_v4(id);
	k->id = id;
	k->order_id = o->id;
	k->patient_id = o->patient_id;
	k->dose = x->req->dose;
	k->unit = x->req->unit;
	k->cosigned_by = (char *)med_call_principal(call)->user;
	k->created_ms = med_now_ms();
	k->expires_ms = k->created_ms + DOSAGE_COSIGN_TTL_MS;
	return audit_cosign(call, k);
}

/* cosign_tx reads the order and its drug, decides the co-sign and
 * inserts it, in the call's transaction. */
static med_err
cosign_tx(med_db_conn *c, void *arg)
{
	cosign_req *x = arg;
	med_arena *a = med_call_arena(x->call);
	dosage_order o;
	dosage_drug drug;
	med_err err =
		dosage_store_read_order(c, a, x->req->order_id, false, &o);

	if (err != MED_OK)
		return err;
	err = dosage_store_drug_conn(c, a, o.drug_code, &drug);
	if (err != MED_OK)
		return err == MED_ERR_NOT_FOUND ? MED_ERR_DATA_LOSS : err;
	if ((err = cosign_decide(x, &o, &drug, x->out)) != MED_OK)
		return err;
	return dosage_store_insert_cosign(c, x->out);
}

/* cosign_alive asks identity (never the cache) before the transaction
 * whether the patient has died: a second check is for a dose about to be
 * given now, which after a death is none (docs/dose-safety.md, "Death"). */
static med_err
cosign_alive(med_call *call, const char *patient_id)
{
	med_patient_result r;
	dosage_known k;
	med_err err = med_patients_family(call, "patient_id", patient_id, &r);

	if (err != MED_OK)
		return err;
	memset(&k, 0, sizeof(k));
	k.death.deceased = r.deceased;
	k.death.deceased_ms = r.deceased_ms;
	return dosage_death_guard(call, "patient_id", &k, med_now_ms());
}

med_err
dosage_rpc_cosign_administration(med_call *call, const ProtobufCMessage *in,
				 ProtobufCMessage *out)
{
	const Smartmed__Dosage__V1__CosignAdministrationRequest *req =
		(const void *)in;
	cosign_req x = {call, req, (dosage_cosign *)out};
	med_problem p;
	med_err err;

	if ((err = med_check_id(call, "order_id", req->order_id)) != MED_OK ||
	    (err = med_check_id(call, "patient_id", req->patient_id)) !=
		    MED_OK ||
	    (err = med_check_text(call, "unit", req->unit, 1, 16)) != MED_OK)
		return err;
	if (dosage_amount_problem("dose", req->dose, true, &p) != MED_OK ||
	    dosage_deviation_problem("dose_deviation", req->dose_deviation,
				     &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	/* Named first: a caller outside the patient's care learns nothing,
	 * the death included. */
	med_call_set_patient(call, req->patient_id);
	if ((err = cosign_alive(call, req->patient_id)) != MED_OK)
		return err;
	err = med_call_tx(call, cosign_tx, &x);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "order_id: no such order");
	return err;
}

/* --- the rule RecordAdministration applies ------------------------------- */

med_err
dosage_high_alert_gate(med_call *call, const dosage_subject *s,
		       const char *cosign_id, dosage_override *exception,
		       double conv, int64_t now_ms, dosage_admin *m)
{
	med_err err;

	m->status = DOSAGE_ADMIN_COMPLETED;
	if (!s->drug.high_alert) {
		if (cosign_id[0] == '\0' && exception == NULL)
			return MED_OK;
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "%s: %s is not a high-alert drug",
				     cosign_id[0] ? "cosign_id"
						  : "cosign_override",
				     s->drug.code);
	}
	if (cosign_id[0] != '\0') {
		if (!s->has_cosign)
			return med_call_fail(call, MED_ERR_NOT_FOUND,
					     "cosign_id: no such co-sign");
		if ((err = dosage_cosign_fits(call, s, conv, s->drug.unit,
					      m->effective_ms, now_ms,
					      m->performer)) != MED_OK)
			return err;
		m->cosign_id = (char *)cosign_id;
		m->confirmed_by = s->cosign.cosigned_by;
		m->confirmed_ms = s->cosign.created_ms;
		return MED_OK;
	}
	if (exception == NULL)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "cosign_id: %s is a high-alert drug: "
				     "another user's CosignAdministration for "
				     "this order, patient and dose comes "
				     "first (or cosign_override, the audited "
				     "exception)",
				     s->drug.code);
	/* The exception: recorded now, confirmed afterwards. */
	m->status = DOSAGE_ADMIN_ON_HOLD;
	m->cosign_override = exception;
	return MED_OK;
}
