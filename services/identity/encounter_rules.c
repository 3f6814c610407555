/*
 * encounter_rules.c - the rules of patient administration: request times,
 * open encounters, locations from versions and the care relationship.
 * Pure functions: no gRPC, no SQL.
 */
#include <med/arena.h>
#include <med/check.h>

#include <string.h>

#include "identity.h"

med_err
identity_time_problem(const char *field, int64_t t, int64_t now,
		      int64_t not_before, int64_t *out, med_problem *p)
{
	med_err err;

	if (t != 0 && (err = med_time_problem(field, t, p)) != MED_OK)
		return err;
	if (t == 0)
		t = now;
	if (t > now + IDENTITY_TIME_SKEW_MS)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "must not be more than %d minutes in "
				       "the future",
				       IDENTITY_TIME_SKEW_MS / 60000);
	if (t < IDENTITY_TIME_MIN_MS)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "must not be before 2000-01-01");
	if (t < not_before)
		return med_problem_set(p, MED_ERR_PRECONDITION, field,
				       "is before the encounter's last change");
	*out = t;
	return MED_OK;
}

bool
identity_is_stay(int encounter_class)
{
	return encounter_class ==
		       SMARTMED__IDENTITY__V1__ENCOUNTER_CLASS__ENCOUNTER_CLASS_INPATIENT ||
	       encounter_class ==
		       SMARTMED__IDENTITY__V1__ENCOUNTER_CLASS__ENCOUNTER_CLASS_EMERGENCY;
}

med_err
identity_open_problem(const identity_encounter *e, uint32_t expected_version,
		      med_problem *p)
{
	if (e->status !=
	    SMARTMED__IDENTITY__V1__ENCOUNTER_STATUS__ENCOUNTER_STATUS_IN_PROGRESS)
		return med_problem_set(p, MED_ERR_PRECONDITION, "encounter_id",
				       "the encounter is not open (status "
				       "must be in-progress)");
	if (expected_version != 0 && expected_version != e->version)
		return med_problem_set(p, MED_ERR_CONFLICT, "expected_version",
				       "the encounter is at version %u",
				       e->version);
	return MED_OK;
}

static bool
is_on_team(const identity_encounter *e, const char *user)
{
	if (strcmp(e->attending, user) == 0)
		return true;
	for (size_t i = 0; i < e->n_participants; i++)
		if (strcmp(e->participants[i]->user, user) == 0)
			return true;
	return false;
}

static bool
is_on_units(const identity_encounter *e, char *const *units, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (e->location && strcmp(e->location->ward, units[i]) == 0)
			return true;
	return false;
}

static bool
is_open(const identity_encounter *e)
{
	return e->status ==
	       SMARTMED__IDENTITY__V1__ENCOUNTER_STATUS__ENCOUNTER_STATUS_IN_PROGRESS;
}

static void
answer(identity_care_answer *out, const identity_encounter *e,
       Smartmed__Identity__V1__CareRelationship r, int64_t until_ms)
{
	out->related = true;
	out->relationship = r;
	out->encounter_id = e->encounter_id;
	out->until_ms = until_ms;
}

void
identity_care_relation(identity_encounter *const *e, size_t n, const char *user,
		       char *const *units, size_t n_units, int64_t window_ms,
		       identity_care_answer *out)
{
	const identity_encounter *unit = NULL, *recent = NULL;

	out->related = false;
	out->relationship =
		SMARTMED__IDENTITY__V1__CARE_RELATIONSHIP__CARE_RELATIONSHIP_NONE;
	for (size_t i = 0; i < n; i++) {
		if (is_open(e[i]) && is_on_team(e[i], user)) {
			answer(out, e[i],
			       SMARTMED__IDENTITY__V1__CARE_RELATIONSHIP__CARE_RELATIONSHIP_CARE_TEAM,
			       0);
			return;
		}
		if (is_open(e[i]) && unit == NULL &&
		    is_on_units(e[i], units, n_units))
			unit = e[i];
		/* The latest discharge gives the longest access. */
		if (!is_open(e[i]) && is_on_team(e[i], user) &&
		    (recent == NULL || e[i]->end_ms > recent->end_ms))
			recent = e[i];
	}
	if (unit != NULL)
		answer(out, unit,
		       SMARTMED__IDENTITY__V1__CARE_RELATIONSHIP__CARE_RELATIONSHIP_UNIT,
		       0);
	else if (recent != NULL)
		answer(out, recent,
		       SMARTMED__IDENTITY__V1__CARE_RELATIONSHIP__CARE_RELATIONSHIP_RECENT_DISCHARGE,
		       recent->end_ms + window_ms);
}

static bool
moves(const identity_enc_version *v)
{
	return strcmp(v->event, "discharge") != 0;
}

med_err
identity_locations(med_arena *a, identity_enc_version *const *v, size_t n,
		   identity_location ***out, size_t *n_out)
{
	identity_location **items = NULL, *cur = NULL;
	size_t cap = 0;

	*n_out = 0;
	for (size_t i = 0; i < n; i++) {
		bool same = cur && strcmp(cur->ward, v[i]->ward) == 0 &&
			    strcmp(cur->bed, v[i]->bed) == 0;

		if (cur && (!moves(v[i]) || !same))
			cur->end_ms = v[i]->effective_ms;
		if (!moves(v[i]) || same)
			continue;
		cur = med_arena_push_msg(
			a, (void ***)&items, n_out, &cap,
			&smartmed__identity__v1__encounter_location__descriptor);
		if (cur == NULL)
			return MED_ERR_NOMEM;
		cur->ward = v[i]->ward;
		cur->bed = v[i]->bed;
		cur->start_ms = v[i]->effective_ms;
	}
	*out = items;
	return MED_OK;
}
