/*
 * care.c - the care decision: whether a user has a care relationship with
 * a patient (CheckCareRelationship's answer, and the lookup scope's,
 * scope.c), from the patient's encounters, the hand-over after a transfer
 * and an active break-glass grant.  Below the handlers and scope.c, which
 * ask it; it reads the stores and the pure rules (encounter_rules.c).
 */
#include <med/arena.h>
#include <med/config.h>
#include <med/rpc.h>
#include <med/service.h>
#include <med/util.h>

#include "identity.h"

/*
 * by_break_glass relates a user with no care relationship through an
 * active break-glass grant for the patient (StartBreakGlass).  Ended and
 * expired grants are not found, which is how an early end reaches every
 * service within its care cache's TTL.
 */
static med_err
by_break_glass(med_call *call, const char *patient_id, const char *user,
	       identity_care_answer *res)
{
	identity_bg_grant *g = NULL;
	med_err err =
		identity_bg_active_for(med_call_db(call), med_call_arena(call),
				       user, patient_id, med_now_ms(), &g);

	if (err == MED_ERR_NOT_FOUND)
		return MED_OK;
	if (err != MED_OK)
		return err;
	res->related = true;
	res->relationship =
		SMARTMED__IDENTITY__V1__CARE_RELATIONSHIP__CARE_RELATIONSHIP_BREAK_GLASS;
	res->via_break_glass = true;
	res->grant_id = g->grant_id;
	res->until_ms = g->expires_ms;
	return MED_OK;
}

/* last_moves reads the last change of ward of each open encounter of e
 * (the hand-over after a transfer). */
static med_err
last_moves(med_call *call, identity_encounter *const *e, size_t n,
	   identity_ward_move **out)
{
	identity_ward_move *mv = med_arena_zalloc(med_call_arena(call),
						  (n ? n : 1) * sizeof(*mv));
	med_err err;

	if (mv == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		mv[i].from_ward = "";
		if (e[i]->status != IDENTITY_ENC_IN_PROGRESS)
			continue;
		if ((err = identity_enc_store_last_move(
			     med_call_db(call), med_call_arena(call),
			     e[i]->encounter_id, &mv[i])) != MED_OK)
			return err;
	}
	*out = mv;
	return MED_OK;
}

med_err
identity_care_of(med_call *call, const char *patient_id, const char *user,
		 char *const *units, size_t n_units, identity_care_answer *res)
{
	const med_config *c = med_service_config(med_service_from_call(call));
	int64_t hours = med_config_int(c, IDENTITY_DISCHARGE_HOURS_KEY);
	int64_t minutes = med_config_int(c, IDENTITY_HANDOVER_MINUTES_KEY);
	identity_care_rules r = {.window_ms = hours * 3600 * 1000,
				 .handover_ms = minutes * 60 * 1000,
				 .now_ms = med_now_ms()};
	identity_encounter **e = NULL;
	identity_ward_move *mv = NULL;
	size_t n = 0;
	med_err err = identity_enc_store_care_candidates(
		med_call_db(call), med_call_arena(call), patient_id,
		r.now_ms - r.window_ms, &e, &n);

	if (err == MED_OK)
		err = last_moves(call, e, n, &mv);
	if (err != MED_OK)
		return err;
	identity_care_relation(e, n, mv, user, units, n_units, &r, res);
	res->discharge_access_hours = (uint32_t)hours;
	res->handover_minutes = (uint32_t)minutes;
	return res->related ? MED_OK
			    : by_break_glass(call, patient_id, user, res);
}
