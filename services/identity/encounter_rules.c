/*
 * encounter_rules.c - the rules of patient administration: request times,
 * open encounters, locations from versions and the care relationship.
 * Pure functions: no gRPC, no SQL.
 */
#include <med/arena.h>
#include <med/check.h>

#include <string.h>

#include "identity.h"

/* name_is compares list's name [b, e), its spaces trimmed, with ward. */
static bool
name_is(const char *b, const char *e, const char *ward)
{
	while (b < e && *b == ' ')
		b++;
	while (e > b && e[-1] == ' ')
		e--;
	if (e - b == 1 && *b == '*')
		return true;
	return (size_t)(e - b) == strlen(ward) &&
	       strncmp(b, ward, (size_t)(e - b)) == 0;
}

bool
identity_ward_shares_beds(const char *list, const char *ward)
{
	const char *b = list, *e;

	while (b != NULL && *b != '\0') {
		e = strchr(b, ',');
		if (e == NULL)
			e = b + strlen(b);
		if (name_is(b, e, ward))
			return true;
		b = *e == ',' ? e + 1 : e;
	}
	return false;
}

med_err
identity_time_problem(const char *field, int64_t t, int64_t now,
		      int64_t not_before, int64_t *out, med_problem *p)
{
	med_err err;

	if (t != 0 && (err = med_time_problem(field, t, p)) != MED_OK)
		return err;
	/* A time the caller left to us is this event's: never before the
	 * encounter's last change, which another replica (its clock a few ms
	 * ahead) or a call that took its clock after ours may have written. */
	if (t == 0)
		t = now > not_before ? now : not_before;
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

/* team_member finds user on e's team: the attending, else a member. */
static bool
team_member(const identity_encounter *e, const char *user,
	    const identity_participant **member)
{
	*member = NULL;
	if (strcmp(e->attending, user) == 0)
		return true;
	for (size_t i = 0; i < e->n_participants; i++)
		if (strcmp(e->participants[i]->user, user) == 0) {
			*member = e->participants[i];
			return true;
		}
	return false;
}

static bool
is_on_team(const identity_encounter *e, const char *user)
{
	const identity_participant *member;

	return team_member(e, user, &member);
}

static bool
in_units(const char *ward, char *const *units, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ward, units[i]) == 0)
			return true;
	return false;
}

static bool
is_on_units(const identity_encounter *e, char *const *units, size_t n)
{
	return e->location && in_units(e->location->ward, units, n);
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

/*
 * ward_nurse: a nurse of the team from before the patient came to the
 * ward they lie on now, none of whose units is that ward, cared for the
 * patient on the ward they left: the nurse's access follows that ward's
 * (a clinician's follows the patient).
 */
static bool
ward_nurse(const identity_encounter *e, const identity_participant *member,
	   const identity_ward_move *mv, char *const *units, size_t n_units)
{
	return member != NULL &&
	       member->role ==
		       SMARTMED__IDENTITY__V1__PARTICIPANT_ROLE__PARTICIPANT_ROLE_NURSE &&
	       mv != NULL && mv->from_ward[0] != '\0' &&
	       member->start_ms < mv->arrived_ms &&
	       !is_on_units(e, units, n_units);
}

/* handover_until is when the old ward's access to open encounter e ends
 * for user (0: user has none through the hand-over). */
static int64_t
handover_until(const identity_encounter *e, const identity_ward_move *mv,
	       const char *user, char *const *units, size_t n_units,
	       const identity_care_rules *r)
{
	const identity_participant *member;
	int64_t until;

	if (mv == NULL || mv->from_ward[0] == '\0')
		return 0;
	until = mv->arrived_ms + r->handover_ms;
	if (r->now_ms >= until)
		return 0;
	if (in_units(mv->from_ward, units, n_units) ||
	    (team_member(e, user, &member) &&
	     ward_nurse(e, member, mv, units, n_units)))
		return until;
	return 0;
}

/* on_team: user is on open encounter e's team and their access does not
 * rest on a ward the patient has left. */
static bool
on_team(const identity_encounter *e, const identity_ward_move *mv,
	const char *user, char *const *units, size_t n_units)
{
	const identity_participant *member;

	return team_member(e, user, &member) &&
	       !ward_nurse(e, member, mv, units, n_units);
}

void
identity_care_relation(identity_encounter *const *e, size_t n,
		       const identity_ward_move *moves, const char *user,
		       char *const *units, size_t n_units,
		       const identity_care_rules *r, identity_care_answer *out)
{
	const identity_encounter *unit = NULL, *recent = NULL, *hand = NULL;
	int64_t hand_until = 0;

	out->related = false;
	out->relationship =
		SMARTMED__IDENTITY__V1__CARE_RELATIONSHIP__CARE_RELATIONSHIP_NONE;
	for (size_t i = 0; i < n; i++) {
		const identity_ward_move *mv = moves ? &moves[i] : NULL;
		int64_t until;

		if (is_open(e[i]) && on_team(e[i], mv, user, units, n_units)) {
			answer(out, e[i],
			       SMARTMED__IDENTITY__V1__CARE_RELATIONSHIP__CARE_RELATIONSHIP_CARE_TEAM,
			       0);
			return;
		}
		if (is_open(e[i]) && unit == NULL &&
		    is_on_units(e[i], units, n_units))
			unit = e[i];
		if (is_open(e[i]) && hand == NULL &&
		    (until = handover_until(e[i], mv, user, units, n_units,
					    r)) != 0) {
			hand = e[i];
			hand_until = until;
		}
		/* The latest discharge gives the longest access. */
		if (!is_open(e[i]) && is_on_team(e[i], user) &&
		    (recent == NULL || e[i]->end_ms > recent->end_ms))
			recent = e[i];
	}
	if (unit != NULL)
		answer(out, unit,
		       SMARTMED__IDENTITY__V1__CARE_RELATIONSHIP__CARE_RELATIONSHIP_UNIT,
		       0);
	else if (hand != NULL)
		answer(out, hand,
		       SMARTMED__IDENTITY__V1__CARE_RELATIONSHIP__CARE_RELATIONSHIP_HANDOVER,
		       hand_until);
	else if (recent != NULL)
		answer(out, recent,
		       SMARTMED__IDENTITY__V1__CARE_RELATIONSHIP__CARE_RELATIONSHIP_RECENT_DISCHARGE,
		       recent->end_ms + r->window_ms);
}

void
identity_last_move(identity_enc_version *const *v, size_t n,
		   identity_ward_move *out)
{
	const char *cur = n > 0 ? v[0]->ward : "";

	out->from_ward = "";
	out->arrived_ms = n > 0 ? v[0]->effective_ms : 0;
	for (size_t i = 1; i < n; i++) {
		if (strcmp(v[i]->event, "discharge") == 0 ||
		    strcmp(v[i]->ward, cur) == 0)
			continue;
		out->from_ward = cur;
		out->arrived_ms = v[i]->effective_ms;
		cur = v[i]->ward;
	}
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
