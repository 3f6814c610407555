/*
 * ward_mar.c - GET [base]/Patient/{id}/$mar: dosage's own MAR (GetMar) as
 * Parameters, so that the ward console draws the slots dosage keeps and
 * never counts doses against a schedule of its own (issue 51, item 1).
 *
 *   parameter "now"       valueInstant: the time the states were read at
 *   parameter "order"     one per order version, its parts:
 *     "request"           valueReference MedicationRequest/{order id}
 *     "drug", "dose"      valueString: the drug's name, the ordered dose
 *     "slot"              one per scheduled dose, its parts:
 *       "scheduled"       valueInstant
 *       "state"           valueCode: upcoming, due, late, missed, given,
 *                         not-given, on-hold, awaiting-cosign
 *       "administration"  valueReference MedicationAdministration/{id}:
 *                         the dose charted for this slot (dosage decides
 *                         which: docs/dose-safety.md, "The MAR")
 *       "charted"         valueInstant: given at, or not-given charted at
 *       "amount"          valueQuantity: the dose given
 *       "deviation"       valueString: charted dose against the ordered
 *       "reason"          valueString: why not given
 *       "confirmationOverdue"  valueBoolean: a co-sign 30 minutes late
 *       "timeCritical"    valueString: a time-critical medicine's flag,
 *                         "not given, time-critical" or "late,
 *                         time-critical" (MarSlot.time_critical_flag)
 */
#include <string.h>

#include <med/fhir.h>
#include <med/util.h>

#include "smartmed/dosage/v1/dosage.pb-c.h"

#include "ward.h"

#define SLOT(x) SMARTMED__DOSAGE__V1__MAR_SLOT_STATE__MAR_SLOT_STATE_##x

typedef Smartmed__Dosage__V1__MarSlot mar_slot;
typedef Smartmed__Dosage__V1__MarOrder mar_order;

static const char *
state_code(Smartmed__Dosage__V1__MarSlotState s)
{
	switch (s) {
	case SLOT(UPCOMING):
		return "upcoming";
	case SLOT(DUE):
		return "due";
	case SLOT(LATE):
		return "late";
	case SLOT(MISSED):
		return "missed";
	case SLOT(GIVEN):
		return "given";
	case SLOT(NOT_GIVEN):
		return "not-given";
	case SLOT(ON_HOLD):
		return "on-hold";
	case SLOT(AWAITING_COSIGN):
		return "awaiting-cosign";
	default:
		return "unknown";
	}
}

static void
ref_part(med_json *w, const char *name, const char *type, const char *id)
{
	if (id == NULL || id[0] == '\0')
		return;
	fhir_ward_part_begin(w, name);
	med_fhir_reference(w, "valueReference", type, id, NULL);
	med_json_end(w, '}');
}

static void
slot_part(med_json *w, const mar_slot *s)
{
	fhir_ward_part_begin(w, "slot");
	med_json_begin(w, "part", '[');
	fhir_ward_part_instant(w, "scheduled", s->scheduled_ms);
	fhir_ward_part_str(w, "state", "valueCode", state_code(s->state));
	ref_part(w, "administration", "MedicationAdministration",
		 s->administration_id);
	fhir_ward_part_instant(w, "charted", s->charted_ms);
	if (s->dose > 0 && s->unit != NULL && s->unit[0] != '\0') {
		fhir_ward_part_begin(w, "amount");
		med_fhir_quantity(w, "valueQuantity", s->dose, s->unit);
		med_json_end(w, '}');
	}
	fhir_ward_part_str(w, "deviation", "valueString",
			   s->dose_deviation_summary);
	fhir_ward_part_str(w, "reason", "valueString", s->not_given_text);
	if (s->confirmation_overdue) {
		fhir_ward_part_begin(w, "confirmationOverdue");
		med_json_bool(w, "valueBoolean", true);
		med_json_end(w, '}');
	}
	fhir_ward_part_str(w, "timeCritical", "valueString",
			   s->time_critical_flag);
	med_json_end(w, ']');
	med_json_end(w, '}');
}

static void
order_param(med_json *w, const mar_order *o)
{
	fhir_ward_part_begin(w, "order");
	med_json_begin(w, "part", '[');
	ref_part(w, "request", "MedicationRequest", o->order->id);
	fhir_ward_part_str(w, "drug", "valueString", o->drug_name);
	fhir_ward_part_str(w, "dose", "valueString", o->dose_text);
	for (size_t i = 0; i < o->n_slots; i++)
		slot_part(w, o->slots[i]);
	med_json_end(w, ']');
	med_json_end(w, '}');
}

static med_channel *
dosage_channel(void)
{
	fhir_source *src = fhir_sources();

	for (size_t i = 0; i < fhir_n_sources(); i++)
		if (strcmp(src[i].service, "dosage") == 0)
			return src[i].ch;
	return NULL;
}

med_err
fhir_ward_serve_mar(ward_req *x)
{
	Smartmed__Dosage__V1__GetMarRequest in =
		SMARTMED__DOSAGE__V1__GET_MAR_REQUEST__INIT;
	Smartmed__Dosage__V1__GetMarResponse *out = NULL;
	med_channel *ch = dosage_channel();
	med_rpc_status st = {0};
	med_json *w = &x->w;

	if (ch == NULL)
		return fhir_fail(&x->e, MED_GRPC_UNIMPLEMENTED,
				 "$mar: MED_DOSAGE_URL is not set");
	in.patient_id = (char *)x->patient_id;
	in.from_ms = x->mar_from_ms;
	in.to_ms = x->mar_to_ms;
	if (fhir_call_unary(&x->c, ch, "/smartmed.dosage.v1.Dosage/GetMar",
			    &in.base,
			    &smartmed__dosage__v1__get_mar_response__descriptor,
			    (ProtobufCMessage **)&out, &st) != MED_OK)
		return fhir_ward_upstream_failed(x, "dosage", &st);
	med_json_begin(w, NULL, '{');
	med_json_str(w, "resourceType", "Parameters");
	med_json_begin(w, "parameter", '[');
	fhir_ward_part_instant(w, "now", out->now_ms);
	for (size_t i = 0; i < out->n_orders; i++)
		if (out->orders[i]->order != NULL)
			order_param(w, out->orders[i]);
	med_json_end(w, ']');
	med_json_end(w, '}');
	x->n = out->n_orders;
	return MED_OK;
}
