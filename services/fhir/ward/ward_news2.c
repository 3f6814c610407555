/*
 * ward_news2.c - GET [base]/Patient/{id}/$news2: the NEWS2 score (Royal
 * College of Physicians, 2017; news2.c) of the patient's latest vital
 * signs in records (ListEntries of the vital-sign entries, read as the
 * caller), each parameter from its own latest reading.
 *
 *   parameter "now"        valueInstant: the time of the score
 *   parameter "complete"   valueBoolean: every parameter scored
 *   parameter "score"      valueInteger: the aggregate (complete only)
 *   parameter "risk"       valueCode low, low-medium, medium, high
 *                          (complete only)
 *   parameter "partialScore" valueInteger: incomplete only, when the
 *                          parameters that scored already reach an urgent
 *                          band: their sum, a floor of the aggregate
 *   parameter "partialRisk" valueCode low-medium, medium, high: the band
 *                          that floor reaches (the score stays incomplete)
 *   parameter "response"   valueString: what chart 2 asks for at that risk
 *                          (or at partialRisk)
 *   parameter "red"        valueBoolean: a parameter scored 3
 *   parameter "scale"      valueInteger: the SpO2 scale (1 unless the
 *                          latest reading that states one says 2)
 *   parameter "source"     valueString: the chart the bands come from
 *   parameter "maxAge"     valueQuantity (min): the oldest reading scored
 *                          (MED_NEWS2_MAX_AGE_MIN), "maxAgeSource" why
 *   parameter "parameter"  one per parameter, its parts:
 *     "code"               valueCode respiration-rate, spo2, air-or-oxygen,
 *                          systolic-bp, pulse, consciousness, temperature
 *     "value"              valueQuantity, or valueCode A/C/V/P/U for
 *                          consciousness (absent: not recorded)
 *     "effective"          valueInstant: when it was taken
 *     "points"             valueInteger (absent: not scored)
 *     "stale"              valueBoolean true: older than maxAge, not scored
 *
 * A parameter never recorded, or recorded longer ago than maxAge, leaves
 * the score incomplete: no aggregate and no risk, never a 0 or an old
 * reading's points in its place.  A missing parameter can only add
 * points, so when the others already reach an urgent band (a 3 in one, 5
 * or 7) partialScore and partialRisk say so: an incomplete score never
 * hides a patient already in danger.
 */
#include <string.h>

#include <med/fhir.h>
#include <med/util.h>

#include "smartmed/records/v1/records.pb-c.h"

#include "news2.h"
#include "ward.h"

/* Vital-sign entries read per page, and the most pages read: the latest
 * of each parameter is among the newest entries of a chart. */
#define NEWS2_PAGE_SIZE 200
#define NEWS2_PAGES_MAX 5

typedef Smartmed__Records__V1__VitalSigns vitals_pb;
typedef Smartmed__Records__V1__Quantity quantity_pb;

/* latest - each parameter's latest reading. */
typedef struct latest {
	news2_input in;
	int64_t at_ms[NEWS2_N_PARAMS];
	const quantity_pb *q[NEWS2_N_PARAMS]; /* NULL: consciousness */
	int64_t scale_ms;
} latest;

/* celsius is a temperature in Cel ([degF] converted). */
static double
celsius(const quantity_pb *q)
{
	return strcmp(q->unit, "[degF]") == 0 ? (q->value - 32) * 5 / 9
					      : q->value;
}

static void
take(latest *l, news2_param p, int64_t at, const quantity_pb *q, double v)
{
	if (l->in.has[p] && l->at_ms[p] >= at)
		return;
	l->in.has[p] = true;
	l->in.value[p] = v;
	l->at_ms[p] = at;
	l->q[p] = q;
}

static void
take_entry(latest *l, const Smartmed__Records__V1__Entry *e)
{
	const vitals_pb *s = e->vital_signs;
	int64_t at;

	if (e->content_case !=
		    SMARTMED__RECORDS__V1__ENTRY__CONTENT_VITAL_SIGNS ||
	    s == NULL ||
	    e->status ==
		    SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_ENTERED_IN_ERROR)
		return;
	at = s->effective_ms ? s->effective_ms : e->created_ms;
	if (s->respiratory_rate)
		take(l, NEWS2_RESPIRATION, at, s->respiratory_rate,
		     s->respiratory_rate->value);
	if (s->oxygen_saturation)
		take(l, NEWS2_SPO2, at, s->oxygen_saturation,
		     s->oxygen_saturation->value);
	if (s->inhaled_oxygen_flow)
		take(l, NEWS2_OXYGEN, at, s->inhaled_oxygen_flow,
		     s->inhaled_oxygen_flow->value);
	if (s->systolic_bp)
		take(l, NEWS2_SYSTOLIC, at, s->systolic_bp,
		     s->systolic_bp->value);
	if (s->heart_rate)
		take(l, NEWS2_PULSE, at, s->heart_rate, s->heart_rate->value);
	if (s->consciousness != 0)
		take(l, NEWS2_CONSCIOUSNESS, at, NULL, s->consciousness);
	if (s->body_temperature)
		take(l, NEWS2_TEMPERATURE, at, s->body_temperature,
		     celsius(s->body_temperature));
	if (s->spo2_scale != 0 && at > l->scale_ms) {
		l->in.spo2_scale = (int)s->spo2_scale;
		l->scale_ms = at;
	}
}

/* read_latest pages through the patient's vital-sign entries. */
static med_err
read_latest(ward_req *x, med_channel *ch, latest *l)
{
	Smartmed__Records__V1__ListEntriesRequest in =
		SMARTMED__RECORDS__V1__LIST_ENTRIES_REQUEST__INIT;
	Smartmed__Common__V1__PageRequest page =
		SMARTMED__COMMON__V1__PAGE_REQUEST__INIT;
	Smartmed__Records__V1__ListEntriesResponse *out = NULL;
	med_rpc_status st = {0};

	in.patient_id = (char *)x->patient_id;
	in.kind = SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_VITAL_SIGNS;
	in.page = &page;
	page.page_size = NEWS2_PAGE_SIZE;
	for (int n = 0; n < NEWS2_PAGES_MAX; n++) {
		if (fhir_call_unary(
			    &x->c, ch,
			    "/smartmed.records.v1.Records/ListEntries",
			    &in.base,
			    &smartmed__records__v1__list_entries_response__descriptor,
			    (ProtobufCMessage **)&out, &st) != MED_OK)
			return fhir_ward_upstream_failed(x, "records", &st);
		for (size_t i = 0; i < out->n_entries; i++)
			take_entry(l, out->entries[i]);
		x->n += out->n_entries;
		if (out->page == NULL || out->page->next_page_token == NULL ||
		    out->page->next_page_token[0] == '\0')
			break;
		page.page_token = out->page->next_page_token;
	}
	return MED_OK;
}

static void
value_part(med_json *w, const latest *l, news2_param p)
{
	static const char *const acvpu[] = {"A", "C", "V", "P", "U"};
	int level = (int)l->in.value[p];

	if (p == NEWS2_CONSCIOUSNESS) {
		if (level >= 1 && level <= 5)
			fhir_ward_part_str(w, "value", "valueCode",
					   acvpu[level - 1]);
		return;
	}
	fhir_ward_part_begin(w, "value");
	med_fhir_quantity(w, "valueQuantity", l->q[p]->value, l->q[p]->unit);
	med_json_end(w, '}');
}

static void
parameter(med_json *w, const latest *l, const news2_result *r, news2_param p)
{
	fhir_ward_part_begin(w, "parameter");
	med_json_begin(w, "part", '[');
	fhir_ward_part_str(w, "code", "valueCode", news2_param_code(p));
	if (l->in.has[p]) {
		value_part(w, l, p);
		fhir_ward_part_instant(w, "effective", l->at_ms[p]);
	}
	if (r->points[p] >= 0)
		fhir_ward_part_int(w, "points", r->points[p]);
	if (r->stale[p])
		fhir_ward_part_bool(w, "stale", true);
	med_json_end(w, ']');
	med_json_end(w, '}');
}

/* write_risk: the aggregate and its risk, or, incomplete, the floor the
 * scored parameters already reach when it is urgent. */
static void
write_risk(med_json *w, const news2_result *r)
{
	if (r->complete) {
		fhir_ward_part_int(w, "score", r->total);
		fhir_ward_part_str(w, "risk", "valueCode", r->risk->code);
		fhir_ward_part_str(w, "response", "valueString",
				   r->risk->response);
	} else if (r->at_least) {
		fhir_ward_part_int(w, "partialScore", r->partial);
		fhir_ward_part_str(w, "partialRisk", "valueCode",
				   r->at_least->code);
		fhir_ward_part_str(w, "response", "valueString",
				   r->at_least->response);
	}
}

static void
write_score(med_json *w, const latest *l, const news2_result *r, int64_t now)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "resourceType", "Parameters");
	med_json_begin(w, "parameter", '[');
	fhir_ward_part_instant(w, "now", now);
	fhir_ward_part_bool(w, "complete", r->complete);
	write_risk(w, r);
	fhir_ward_part_bool(w, "red", r->red);
	fhir_ward_part_int(w, "scale", l->in.spo2_scale == 2 ? 2 : 1);
	fhir_ward_part_str(w, "source", "valueString", NEWS2_SOURCE);
	fhir_ward_part_begin(w, "maxAge");
	med_fhir_quantity(w, "valueQuantity",
			  (double)(l->in.max_age_ms / 60000), "min");
	med_json_end(w, '}');
	fhir_ward_part_str(w, "maxAgeSource", "valueString",
			   NEWS2_MAX_AGE_SOURCE);
	for (int p = 0; p < NEWS2_N_PARAMS; p++)
		parameter(w, l, r, (news2_param)p);
	med_json_end(w, ']');
	med_json_end(w, '}');
}

med_err
fhir_ward_serve_news2(ward_req *x)
{
	med_channel *ch = fhir_source_channel("records");
	latest l = {.in = {.spo2_scale = 1}};
	news2_result r;
	med_err err;
	int64_t now;

	if (ch == NULL)
		return fhir_fail(&x->e, MED_GRPC_UNIMPLEMENTED,
				 "$news2: MED_RECORDS_URL is not set");
	if ((err = read_latest(x, ch, &l)) != MED_OK)
		return err;
	now = med_now_ms();
	l.in.max_age_ms = x->f->news2_max_age_ms > 0 ? x->f->news2_max_age_ms
						     : NEWS2_MAX_AGE_MS;
	for (int p = 0; p < NEWS2_N_PARAMS; p++)
		l.in.age_ms[p] = l.in.has[p] ? now - l.at_ms[p] : 0;
	news2_score(&l.in, &r);
	write_score(&x->w, &l, &r, now);
	return MED_OK;
}
