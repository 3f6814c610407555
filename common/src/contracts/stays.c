/*
 * stays.c - a patient's stays from identity's GetCurrentEncounter and
 * GetEncounterHistory, asked every time (no cache).  See med/stays.h.
 */
#include <med/stays.h>

#include <med/arena.h>
#include <med/util.h>

#include <string.h>

#include "care_internal.h"
#include "smartmed/identity/v1/identity.pb-c.h"

#define GET_CURRENT "/smartmed.identity.v1.Identity/GetCurrentEncounter"
#define GET_HISTORY "/smartmed.identity.v1.Identity/GetEncounterHistory"
#define ENC(x)	    SMARTMED__IDENTITY__V1__ENCOUNTER_##x

bool
med_stays_enabled(void)
{
	return patients_channel() != NULL;
}

static void
stay_from(const Smartmed__Identity__V1__Encounter *e, med_stay *out)
{
	memset(out, 0, sizeof(*out));
	med_strlcpy(out->encounter_id, e->encounter_id ? e->encounter_id : "",
		    sizeof(out->encounter_id));
	out->is_stay =
		e->encounter_class == ENC(CLASS__ENCOUNTER_CLASS_INPATIENT) ||
		e->encounter_class == ENC(CLASS__ENCOUNTER_CLASS_EMERGENCY);
	out->open = e->status == ENC(STATUS__ENCOUNTER_STATUS_IN_PROGRESS);
	out->start_ms = e->start_ms;
	out->end_ms = e->end_ms;
	if (e->location != NULL && e->location->ward != NULL)
		med_strlcpy(out->ward, e->location->ward, sizeof(out->ward));
}

/* take_locations keeps the latest MED_STAY_LOCATIONS_MAX locations of h. */
static void
take_locations(const Smartmed__Identity__V1__GetEncounterHistoryResponse *h,
	       med_stay *out)
{
	size_t first = h->n_locations > MED_STAY_LOCATIONS_MAX
			       ? h->n_locations - MED_STAY_LOCATIONS_MAX
			       : 0;

	for (size_t i = first; i < h->n_locations; i++) {
		med_stay_location *l = &out->locations[out->n_locations++];

		med_strlcpy(l->ward,
			    h->locations[i]->ward ? h->locations[i]->ward : "",
			    sizeof(l->ward));
		l->start_ms = h->locations[i]->start_ms;
		l->end_ms = h->locations[i]->end_ms;
	}
}

const char *
med_stay_ward_at(const med_stay *s, int64_t at_ms)
{
	for (size_t i = 0; i < s->n_locations; i++) {
		const med_stay_location *l = &s->locations[i];

		if (at_ms >= l->start_ms &&
		    (l->end_ms == 0 || at_ms < l->end_ms))
			return l->ward;
	}
	if (s->n_locations > 0 && at_ms < s->locations[0].start_ms)
		return s->locations[0].ward;
	return s->ward;
}

/* ask calls identity's path with req; *st says how it answered. */
static med_err
ask(med_call *call, const char *path, const ProtobufCMessage *req,
    const ProtobufCMessageDescriptor *desc, ProtobufCMessage **reply,
    med_rpc_status *st)
{
	med_call_opts co = {.deadline_ms = patients_deadline_ms(call),
			    .idempotent = true,
			    .max_attempts = 2,
			    .request_id = med_call_request_id(call)};

	return med_channel_unary(patients_channel(), path, req, desc,
				 med_call_arena(call), &co, reply, st);
}

static med_err
unavailable(med_call *call, const char *field, const med_rpc_status *st,
	    med_err err)
{
	return med_call_fail(call, MED_ERR_UNAVAILABLE,
			     "%s: identity cannot say whether the stay is "
			     "open (%s); try again",
			     field,
			     st->message[0] ? st->message : med_strerror(err));
}

med_err
med_stays_current(med_call *call, const char *field, const char *patient_id,
		  med_stay *out)
{
	Smartmed__Identity__V1__GetCurrentEncounterRequest req =
		SMARTMED__IDENTITY__V1__GET_CURRENT_ENCOUNTER_REQUEST__INIT;
	Smartmed__Identity__V1__Encounter *e = NULL;
	med_rpc_status st;
	med_err err;

	memset(out, 0, sizeof(*out));
	if (!med_stays_enabled())
		return MED_OK;
	req.patient_id = (char *)patient_id;
	err = ask(call, GET_CURRENT, &req.base,
		  &smartmed__identity__v1__encounter__descriptor,
		  (ProtobufCMessage **)&e, &st);
	if (err == MED_ERR_NOT_FOUND)
		return MED_OK; /* no open encounter */
	if (err != MED_OK)
		return unavailable(call, field, &st, err);
	stay_from(e, out);
	/* An open outpatient visit is not a stay. */
	if (!out->is_stay || !out->open)
		memset(out, 0, sizeof(*out));
	return MED_OK;
}

med_err
med_stays_get(med_call *call, const char *field, const char *encounter_id,
	      med_stay *out)
{
	Smartmed__Identity__V1__GetEncounterHistoryRequest req =
		SMARTMED__IDENTITY__V1__GET_ENCOUNTER_HISTORY_REQUEST__INIT;
	Smartmed__Identity__V1__GetEncounterHistoryResponse *h = NULL;
	med_rpc_status st;
	med_err err;

	memset(out, 0, sizeof(*out));
	med_strlcpy(out->encounter_id, encounter_id, sizeof(out->encounter_id));
	out->is_stay = out->open = true;
	if (!med_stays_enabled())
		return MED_OK;
	req.encounter_id = (char *)encounter_id;
	err = ask(
		call, GET_HISTORY, &req.base,
		&smartmed__identity__v1__get_encounter_history_response__descriptor,
		(ProtobufCMessage **)&h, &st);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "%s: identity has no stay %s",
				     field, encounter_id);
	if (err != MED_OK)
		return unavailable(call, field, &st, err);
	if (h->encounter == NULL)
		return unavailable(call, field, &st, MED_ERR_INTERNAL);
	stay_from(h->encounter, out);
	take_locations(h, out);
	return MED_OK;
}
