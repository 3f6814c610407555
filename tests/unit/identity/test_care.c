/*
 * test_care.c - the care relationship after a transfer (encounter_rules.c):
 * the last change of ward read from an encounter's versions, and the
 * hand-over window in which the old ward's staff keep access; the
 * clinicians of the team follow the patient, the team's old-ward nurses
 * follow their ward.
 */
#include "testlib.h"

#include <string.h>

#include "identity.h"

#define MIN (60 * 1000LL)
#define T0  (1700000000000LL)

#define REL(x)	SMARTMED__IDENTITY__V1__CARE_RELATIONSHIP__CARE_RELATIONSHIP_##x
#define ROLE(x) SMARTMED__IDENTITY__V1__PARTICIPANT_ROLE__PARTICIPANT_ROLE_##x

static identity_enc_version
version(const char *event, const char *ward, int64_t t)
{
	identity_enc_version v;

	smartmed__identity__v1__encounter_version__init(&v);
	v.event = (char *)event;
	v.ward = (char *)ward;
	v.effective_ms = t;
	return v;
}

static void
test_last_move(void)
{
	identity_enc_version a = version("admit", "ward-1", T0);
	identity_enc_version bed = version("transfer", "ward-1", T0 + 10 * MIN);
	identity_enc_version b = version("transfer", "ward-2", T0 + 30 * MIN);
	identity_enc_version c = version("transfer", "ward-3", T0 + 90 * MIN);
	identity_enc_version out =
		version("discharge", "ward-3", T0 + 99 * MIN);
	identity_enc_version *v[] = {&a, &bed, &b, &c, &out};
	identity_ward_move mv;

	identity_last_move(v, 2, &mv); /* a bed move is no change of ward */
	MT_EQ_STR(mv.from_ward, "");
	MT_EQ_INT(mv.arrived_ms, T0);
	identity_last_move(v, 3, &mv);
	MT_EQ_STR(mv.from_ward, "ward-1");
	MT_EQ_INT(mv.arrived_ms, T0 + 30 * MIN);
	identity_last_move(v, 5, &mv); /* the discharge moves nobody */
	MT_EQ_STR(mv.from_ward, "ward-2");
	MT_EQ_INT(mv.arrived_ms, T0 + 90 * MIN);
	identity_last_move(v, 0, &mv);
	MT_EQ_STR(mv.from_ward, "");
}

/* A stay on ward-2 since T0, moved from ward-1; nurse.team joined at
 * admission (before the move), nurse.late after it. */
typedef struct fixture {
	identity_encounter e;
	identity_location loc;
	identity_participant team, late;
	identity_participant *members[2];
	identity_encounter *list[1];
	identity_ward_move mv;
} fixture;

static void
fixture_init(fixture *f)
{
	memset(f, 0, sizeof(*f));
	smartmed__identity__v1__encounter__init(&f->e);
	smartmed__identity__v1__encounter_location__init(&f->loc);
	smartmed__identity__v1__encounter_participant__init(&f->team);
	smartmed__identity__v1__encounter_participant__init(&f->late);
	f->e.encounter_id = "enc-1";
	f->e.status =
		SMARTMED__IDENTITY__V1__ENCOUNTER_STATUS__ENCOUNTER_STATUS_IN_PROGRESS;
	f->e.attending = "dr.a";
	f->loc.ward = "ward-2";
	f->loc.start_ms = T0;
	f->e.location = &f->loc;
	f->team.user = "nurse.team";
	f->team.role = ROLE(NURSE);
	f->team.start_ms = T0 - 120 * MIN;
	f->late.user = "nurse.late";
	f->late.role = ROLE(NURSE);
	f->late.start_ms = T0 + MIN;
	f->members[0] = &f->team;
	f->members[1] = &f->late;
	f->e.participants = f->members;
	f->e.n_participants = 2;
	f->list[0] = &f->e;
	f->mv.from_ward = "ward-1";
	f->mv.arrived_ms = T0;
}

static identity_care_answer
ask(fixture *f, const char *user, const char *unit, int64_t now)
{
	identity_care_rules r = {.window_ms = 72 * 60 * MIN,
				 .handover_ms = 60 * MIN,
				 .now_ms = now};
	char *units[] = {(char *)unit};
	identity_care_answer a;

	smartmed__identity__v1__check_care_relationship_response__init(&a);
	identity_care_relation(f->list, 1, &f->mv, user, units, unit ? 1 : 0,
			       &r, &a);
	return a;
}

static void
test_old_ward_within_window(void)
{
	fixture f;
	identity_care_answer a;

	fixture_init(&f);
	a = ask(&f, "nurse.w1", "ward-1", T0 + 10 * MIN);
	MT_TRUE(a.related);
	MT_EQ_INT(a.relationship, REL(HANDOVER));
	MT_EQ_INT(a.until_ms, T0 + 60 * MIN);
	a = ask(&f, "nurse.team", "ward-1", T0 + 59 * MIN);
	MT_EQ_INT(a.relationship, REL(HANDOVER));
	a = ask(&f, "nurse.team", NULL, T0 + 59 * MIN); /* no units at all */
	MT_EQ_INT(a.relationship, REL(HANDOVER));
}

static void
test_old_ward_after_window(void)
{
	fixture f;

	fixture_init(&f);
	MT_TRUE(!ask(&f, "nurse.w1", "ward-1", T0 + 60 * MIN).related);
	MT_TRUE(!ask(&f, "nurse.team", "ward-1", T0 + 61 * MIN).related);
	MT_TRUE(!ask(&f, "nurse.team", NULL, T0 + 61 * MIN).related);
}

static void
test_new_ward_and_team_untouched(void)
{
	fixture f;

	fixture_init(&f);
	MT_EQ_INT(ask(&f, "nurse.w2", "ward-2", T0 + 600 * MIN).relationship,
		  REL(UNIT));
	MT_EQ_INT(ask(&f, "dr.a", NULL, T0 + 600 * MIN).relationship,
		  REL(CARE_TEAM));
	/* A nurse added after the move, and an old-team nurse working on
	 * the new ward, are the team. */
	MT_EQ_INT(ask(&f, "nurse.late", NULL, T0 + 600 * MIN).relationship,
		  REL(CARE_TEAM));
	MT_EQ_INT(ask(&f, "nurse.team", "ward-2", T0 + 600 * MIN).relationship,
		  REL(CARE_TEAM));
	/* Another ward is nothing, in the window or not. */
	MT_TRUE(!ask(&f, "nurse.w5", "ward-5", T0 + MIN).related);
}

static void
test_never_moved(void)
{
	fixture f;

	fixture_init(&f);
	f.mv.from_ward = "";
	MT_EQ_INT(ask(&f, "nurse.team", NULL, T0 + 600 * MIN).relationship,
		  REL(CARE_TEAM));
	MT_TRUE(!ask(&f, "nurse.w1", "ward-1", T0 + MIN).related);
}

static void
test_zero_window(void)
{
	fixture f;
	identity_care_rules r = {
		.window_ms = 0, .handover_ms = 0, .now_ms = T0};
	char *units[] = {"ward-1"};
	identity_care_answer a;

	fixture_init(&f);
	smartmed__identity__v1__check_care_relationship_response__init(&a);
	identity_care_relation(f.list, 1, &f.mv, "nurse.w1", units, 1, &r, &a);
	MT_TRUE(!a.related);
}

/* A time the caller left out is never before the encounter's last change
 * (another replica's clock may run a few ms ahead); a time the caller
 * gave is refused when it is. */
static void
test_time_left_out_follows_last_change(void)
{
	med_problem p = {0};
	int64_t t = 0;

	MT_OK(identity_time_problem("time_ms", 0, T0, T0 + 3, &t, &p));
	MT_TRUE(t == T0 + 3);
	MT_OK(identity_time_problem("time_ms", 0, T0, T0 - 3, &t, &p));
	MT_TRUE(t == T0);
	MT_TRUE(identity_time_problem("time_ms", T0 - 1, T0, T0, &t, &p) ==
		MED_ERR_PRECONDITION);
}

/* MED_IDENTITY_SHARED_BED_WARDS: names compared exactly, spaces around
 * them ignored, * every ward, empty none. */
static void
test_ward_shares_beds(void)
{
	MT_TRUE(!identity_ward_shares_beds("", "W3"));
	MT_TRUE(identity_ward_shares_beds("W3", "W3"));
	MT_TRUE(identity_ward_shares_beds("ICU, W3 ,Maternity", "W3"));
	MT_TRUE(identity_ward_shares_beds("ICU,Maternity", "Maternity"));
	MT_TRUE(!identity_ward_shares_beds("ICU,Maternity", "W3"));
	MT_TRUE(!identity_ward_shares_beds("W3A,W", "W3"));
	MT_TRUE(!identity_ward_shares_beds("w3", "W3"));
	MT_TRUE(identity_ward_shares_beds(" * ", "W3"));
}

static const mt_case cases[] = {
	{"ward_shares_beds", test_ward_shares_beds},
	{"time_left_out_follows_last_change",
	 test_time_left_out_follows_last_change},
	{"last_move", test_last_move},
	{"old_ward_within_window", test_old_ward_within_window},
	{"old_ward_after_window", test_old_ward_after_window},
	{"new_ward_and_team_untouched", test_new_ward_and_team_untouched},
	{"never_moved", test_never_moved},
	{"zero_window", test_zero_window},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
