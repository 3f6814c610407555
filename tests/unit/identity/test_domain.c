/*
 * test_domain.c - identity's patient rules (domain.c) outside any RPC: the
 * MRN and sex of a record, what a search and an update must give, the
 * state a record or a link must be in, and the refusal of a possible
 * duplicate, each with the error, field and reason a caller is told.
 */
#include "testlib.h"

#include "identity.h"

#define FEMALE                                                                 \
	SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_FEMALE
#define MALE SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_MALE
#define OTHER                                                                  \
	SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_OTHER
#define UNKNOWN                                                                \
	SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_UNKNOWN
#define MATCH SMARTMED__IDENTITY__V1__DUPLICATE_BAND__DUPLICATE_BAND_MATCH
#define POSSIBLE                                                               \
	SMARTMED__IDENTITY__V1__DUPLICATE_BAND__DUPLICATE_BAND_POSSIBLE_MATCH

/*
 * refused expects err and a problem with that error, naming field, whose
 * reason is want exactly (the text clients and contract tests see).
 */
static void
refused(med_err got, const med_problem *p, med_err err, const char *field,
	const char *want)
{
	MT_EQ_INT(got, err);
	MT_EQ_INT(p->err, err);
	MT_EQ_STR(p->field, field);
	MT_EQ_STR(p->reason, want);
}

static void
test_mrn_characters(void)
{
	static const char *good[] = {"MRN-1001", "A", "0042/7",
				     "x~!@#$%^&*()_+{}|:<>?"};
	static const char *bad[] = {"MRN 1001", "MRN\t1", " MRN",   "MRN\n",
				    "M\x7fN",	"MRN-é",  "MRN\x01"};
	med_problem p = {0};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (identity_mrn_problem(good[i], &p) != MED_OK)
			mt_fail(__FILE__, __LINE__, "\"%s\" refused: %s",
				good[i], p.reason);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&p, 0, sizeof(p));
		refused(identity_mrn_problem(bad[i], &p), &p, MED_ERR_INVALID,
			"mrn", "only printable characters without spaces");
	}
}

static void
test_sex_declared_values(void)
{
	static const int good[] = {FEMALE, MALE, OTHER, UNKNOWN};
	static const int bad[] = {0, -1, 99, UNKNOWN + 1};
	med_problem p = {0};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		MT_OK(identity_sex_problem(good[i], &p));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&p, 0, sizeof(p));
		refused(identity_sex_problem(bad[i], &p), &p, MED_ERR_INVALID,
			"sex", "unknown value");
	}
}

static Smartmed__Identity__V1__SearchPatientsRequest
search(const char *prefix, const char *date, const char *mrn)
{
	Smartmed__Identity__V1__SearchPatientsRequest r;

	smartmed__identity__v1__search_patients_request__init(&r);
	r.family_name_prefix = (char *)prefix;
	r.birth_date = (char *)date;
	r.mrn = (char *)mrn;
	return r;
}

static void
test_search_needs_a_criterion(void)
{
	Smartmed__Identity__V1__SearchPatientsRequest r = search("", "", "");
	med_problem p = {0};

	refused(identity_search_problem(&r, &p), &p, MED_ERR_INVALID,
		"family_name_prefix",
		"give a name prefix (2 characters, or one Chinese, Japanese "
		"or Korean character), a birth_date or an mrn");
	r = search("Mu", "", "");
	MT_OK(identity_search_problem(&r, &p));
	r = search("", "1980-03-12", "");
	MT_OK(identity_search_problem(&r, &p));
	r = search("", "", "MRN-1");
	MT_OK(identity_search_problem(&r, &p));
	r = search("", "", "");
	r.name_prefix = "Ad"; /* FHIR's name= */
	MT_OK(identity_search_problem(&r, &p));
}

/* A Chinese family name is one character (李); one Latin letter is not
 * enough. */
static void
test_search_one_cjk_character(void)
{
	Smartmed__Identity__V1__SearchPatientsRequest r = search("李", "", "");
	med_problem p = {0};

	MT_OK(identity_search_problem(&r, &p));
	r = search("L", "", "");
	refused(identity_search_problem(&r, &p), &p, MED_ERR_INVALID,
		"family_name_prefix",
		"at least 2 characters, or one Chinese, Japanese or Korean "
		"character");
	r = search("", "", "");
	r.name_prefix = "W";
	refused(identity_search_problem(&r, &p), &p, MED_ERR_INVALID,
		"name_prefix",
		"at least 2 characters, or one Chinese, Japanese or Korean "
		"character");
	r.name_prefix = "王";
	MT_OK(identity_search_problem(&r, &p));
}

static void
test_update_sets_a_field(void)
{
	Smartmed__Identity__V1__UpdatePatientRequest r;
	med_problem p = {0};

	smartmed__identity__v1__update_patient_request__init(&r);
	refused(identity_update_problem(&r, &p), &p, MED_ERR_INVALID, "mrn",
		"set at least one field to change");
	/* any one of the five fields is enough */
	r.set_mrn_case =
		SMARTMED__IDENTITY__V1__UPDATE_PATIENT_REQUEST__SET_MRN_MRN;
	MT_OK(identity_update_problem(&r, &p));
	smartmed__identity__v1__update_patient_request__init(&r);
	r.set_sex_case =
		SMARTMED__IDENTITY__V1__UPDATE_PATIENT_REQUEST__SET_SEX_SEX;
	MT_OK(identity_update_problem(&r, &p));
	smartmed__identity__v1__update_patient_request__init(&r);
	r.set_birth_date_case =
		SMARTMED__IDENTITY__V1__UPDATE_PATIENT_REQUEST__SET_BIRTH_DATE_BIRTH_DATE;
	MT_OK(identity_update_problem(&r, &p));
}

static identity_patient
record(const char *id, const char *linked_to, uint32_t version)
{
	identity_patient r;

	smartmed__identity__v1__patient__init(&r);
	r.patient_id = (char *)id;
	r.linked_to = (char *)linked_to;
	r.version = version;
	return r;
}

static void
test_update_state(void)
{
	identity_patient cur = record("a", "", 3);
	identity_patient merged = record("b", "a", 3);
	med_problem p = {0};

	MT_OK(identity_update_state_problem(&cur, 3, &p));
	refused(identity_update_state_problem(&cur, 2, &p), &p,
		MED_ERR_CONFLICT, "expected_version",
		"the patient is at version 3");
	refused(identity_update_state_problem(&cur, 4, &p), &p,
		MED_ERR_CONFLICT, "expected_version",
		"the patient is at version 3");
	/* a merged record is refused whatever the version */
	refused(identity_update_state_problem(&merged, 3, &p), &p,
		MED_ERR_PRECONDITION, "patient_id",
		"the record is linked into another patient; update the "
		"survivor (linked_to)");
	refused(identity_update_state_problem(&merged, 1, &p), &p,
		MED_ERR_PRECONDITION, "patient_id",
		"the record is linked into another patient; update the "
		"survivor (linked_to)");
}

static void
test_link_not_into_itself(void)
{
	med_problem p = {0};

	MT_OK(identity_link_problem("a", "b", &p));
	refused(identity_link_problem("a", "a", &p), &p, MED_ERR_INVALID,
		"merged_id", "must differ from survivor_id");
}

static void
test_links_one_level_deep(void)
{
	identity_patient free_a = record("a", "", 1);
	identity_patient free_b = record("b", "", 1);
	identity_patient merged_a = record("a", "z", 1);
	identity_patient merged_b = record("b", "z", 1);
	med_problem p = {0};

	MT_OK(identity_link_state_problem(&free_a, &free_b, 0, &p));
	refused(identity_link_state_problem(&merged_a, &free_b, 0, &p), &p,
		MED_ERR_PRECONDITION, "survivor_id",
		"is itself linked into another patient");
	refused(identity_link_state_problem(&free_a, &merged_b, 0, &p), &p,
		MED_ERR_PRECONDITION, "merged_id",
		"is already linked into another patient");
	refused(identity_link_state_problem(&free_a, &free_b, 1, &p), &p,
		MED_ERR_PRECONDITION, "merged_id",
		"is the survivor of 1 active link(s); unlink them first");
	/* the survivor's state is named first */
	refused(identity_link_state_problem(&merged_a, &merged_b, 5, &p), &p,
		MED_ERR_PRECONDITION, "survivor_id",
		"is itself linked into another patient");
}

static void
test_unlink_only_active(void)
{
	identity_link l;
	med_problem p = {0};

	smartmed__identity__v1__patient_link__init(&l);
	l.active = true;
	MT_OK(identity_unlink_state_problem(&l, &p));
	l.active = false;
	refused(identity_unlink_state_problem(&l, &p), &p, MED_ERR_PRECONDITION,
		"link_id", "the link was already undone");
}

static void
test_duplicates_refusal(void)
{
	identity_candidate best, other;
	identity_candidate *c[2] = {&best, &other};
	med_problem p = {0};

	smartmed__identity__v1__duplicate_candidate__init(&best);
	smartmed__identity__v1__duplicate_candidate__init(&other);
	MT_OK(identity_duplicates_problem(c, 0, &p));
	best.band = MATCH;
	best.score = 1.0;
	other.band = POSSIBLE;
	other.score = 0.87;
	/* no field: the whole message is the reason, and it holds no id */
	refused(identity_duplicates_problem(c, 2, &p), &p, MED_ERR_PRECONDITION,
		"",
		"possible duplicate: 2 candidate(s), best is a match (score "
		"1.000); review them with CheckDuplicates");
	c[0] = &other;
	refused(identity_duplicates_problem(c, 1, &p), &p, MED_ERR_PRECONDITION,
		"",
		"possible duplicate: 1 candidate(s), best is a possible match "
		"(score 0.870); review them with CheckDuplicates");
}

static void
test_rules_without_a_problem(void)
{
	identity_patient merged = record("b", "a", 1);

	/* a caller that wants only the verdict passes no problem */
	MT_EQ_INT(identity_mrn_problem("a b", NULL), MED_ERR_INVALID);
	MT_EQ_INT(identity_sex_problem(0, NULL), MED_ERR_INVALID);
	MT_EQ_INT(identity_link_problem("a", "a", NULL), MED_ERR_INVALID);
	MT_EQ_INT(identity_update_state_problem(&merged, 1, NULL),
		  MED_ERR_PRECONDITION);
}

static void
test_update_death_fields(void)
{
	Smartmed__Identity__V1__UpdatePatientRequest r;
	med_problem p = {0};

	smartmed__identity__v1__update_patient_request__init(&r);
	r.set_deceased_case =
		SMARTMED__IDENTITY__V1__UPDATE_PATIENT_REQUEST__SET_DECEASED_DECEASED;
	r.deceased = true;
	MT_OK(identity_update_problem(&r, &p)); /* a death, time not known */
	r.set_deceased_ms_case =
		SMARTMED__IDENTITY__V1__UPDATE_PATIENT_REQUEST__SET_DECEASED_MS_DECEASED_MS;
	r.deceased_ms = 1700000000000LL;
	MT_OK(identity_update_problem(&r, &p));
	r.deceased = false;
	refused(identity_update_problem(&r, &p), &p, MED_ERR_INVALID,
		"deceased_ms",
		"a time of death with deceased false; withdraw a death "
		"without a time");
	r.set_deceased_case = 0;
	r.deceased_ms = 0;
	refused(identity_update_problem(&r, &p), &p, MED_ERR_INVALID,
		"deceased_ms",
		"the time of death must be > 0 (Unix ms); leave it unset when "
		"not known");
}

static void
test_death_time(void)
{
	identity_patient d = record("a", "", 2);
	med_problem p = {0};
	int64_t now = 1700000000000LL; /* 2023-11-14T22:13:20Z */

	d.birth_date = "1950-06-01";
	MT_OK(identity_death_problem(&d, now, &p)); /* alive */
	d.deceased = true;
	MT_OK(identity_death_problem(&d, now, &p)); /* time not known */
	d.deceased_ms = now - 3600000;
	MT_OK(identity_death_problem(&d, now, &p));
	d.deceased_ms = now + IDENTITY_DEATH_AHEAD_MS; /* the sender's clock */
	MT_OK(identity_death_problem(&d, now, &p));
	d.deceased_ms = now + IDENTITY_DEATH_AHEAD_MS + 1;
	refused(identity_death_problem(&d, now, &p), &p, MED_ERR_INVALID,
		"deceased_ms", "the time of death is in the future");
	d.birth_date = "2023-11-14"; /* died on the day of birth */
	d.deceased_ms = now;
	MT_OK(identity_death_problem(&d, now, &p));
	d.birth_date = "2023-11-20";
	refused(identity_death_problem(&d, now, &p), &p, MED_ERR_INVALID,
		"deceased_ms",
		"the time of death is before the birth date 2023-11-20");
}

/* A merge joins the deaths of a survivor and its merged records: any
 * death is the survivor's, of two times the earlier known one. */
static void
test_death_join(void)
{
	identity_patient own = SMARTMED__IDENTITY__V1__PATIENT__INIT;
	identity_death d;

	identity_death_own(&d, &own);
	identity_death_join(&d, "alive", false, 0);
	MT_TRUE(!d.deceased);
	identity_death_join(&d, "m1", true, 0); /* time not known */
	MT_TRUE(d.deceased);
	MT_EQ_INT(d.deceased_ms, 0);
	MT_EQ_STR(d.record_id, "m1");
	identity_death_join(&d, "m2", true, 5000); /* a time is known */
	MT_EQ_INT(d.deceased_ms, 5000);
	MT_EQ_STR(d.record_id, "m2");
	identity_death_join(&d, "m3", true, 9000); /* later: not kept */
	identity_death_join(&d, "m4", true, 0);
	MT_EQ_INT(d.deceased_ms, 5000);
	MT_EQ_STR(d.record_id, "m2");
	own.deceased = true;
	own.deceased_ms = 5000;
	identity_death_own(&d, &own);
	identity_death_join(&d, "m5", true, 5000); /* the same: its own */
	MT_TRUE(d.record_id == NULL);
	identity_death_join(&d, "m6", true, 4000);
	MT_EQ_STR(d.record_id, "m6");
	identity_death_apply(&own, &d);
	MT_EQ_INT(own.deceased_ms, 4000);
	MT_EQ_STR(own.deceased_record_id, "m6");
}

/* What LinkPatients tells the registrar of the survivor's death. */
static void
test_link_death_note(void)
{
	med_arena *a = med_arena_new(1 << 16);
	identity_death alive = {false, 0, NULL};
	identity_death early = {true, 1700000000000LL, NULL};
	identity_death late = {true, 1700003600000LL, NULL};
	const char *n;

	MT_TRUE(a != NULL);
	MT_TRUE(identity_link_death_note(a, &early, &alive) == NULL);
	n = identity_link_death_note(a, &alive, &late);
	MT_EQ_STR(n, "the merged record's death (2023-11-14T23:13:20.000Z) "
		     "is the survivor's: no dose is charted after it");
	n = identity_link_death_note(a, &late, &early);
	MT_EQ_STR(n, "both records record a death: the survivor keeps the "
		     "earlier, 2023-11-14T22:13:20.000Z (recorded on the "
		     "merged record; the surviving record's: "
		     "2023-11-14T23:13:20.000Z)");
	n = identity_link_death_note(a, &early, &late);
	MT_EQ_STR(n, "both records record a death: the survivor keeps the "
		     "earlier, 2023-11-14T22:13:20.000Z (recorded on the "
		     "surviving record; the merged record's: "
		     "2023-11-14T23:13:20.000Z)");
	med_arena_free(a);
}

/* A death a merged record holds is withdrawn through the unlink, not by
 * an update of the survivor. */
static void
test_withdraw_merged_death(void)
{
	Smartmed__Identity__V1__UpdatePatientRequest req =
		SMARTMED__IDENTITY__V1__UPDATE_PATIENT_REQUEST__INIT;
	identity_death merged = {true, 5000, "m1"};
	identity_death none = {false, 0, NULL};
	med_problem p;

	MT_OK(identity_withdraw_problem(&req, &merged, &p)); /* not asked */
	req.set_deceased_case =
		SMARTMED__IDENTITY__V1__UPDATE_PATIENT_REQUEST__SET_DECEASED_DECEASED;
	req.deceased = true;
	MT_OK(identity_withdraw_problem(&req, &merged, &p));
	req.deceased = false;
	MT_OK(identity_withdraw_problem(&req, &none, &p));
	refused(identity_withdraw_problem(&req, &merged, &p), &p,
		MED_ERR_PRECONDITION, "deceased",
		"the death is recorded on record m1, merged into this one; "
		"undo that link (UnlinkPatients) to withdraw it");
}

static const mt_case cases[] = {
	{"death_join", test_death_join},
	{"withdraw_merged_death", test_withdraw_merged_death},
	{"link_death_note", test_link_death_note},
	{"update_death_fields", test_update_death_fields},
	{"death_time", test_death_time},
	{"mrn_characters", test_mrn_characters},
	{"sex_declared_values", test_sex_declared_values},
	{"search_needs_a_criterion", test_search_needs_a_criterion},
	{"search_one_cjk_character", test_search_one_cjk_character},
	{"update_sets_a_field", test_update_sets_a_field},
	{"update_state", test_update_state},
	{"link_not_into_itself", test_link_not_into_itself},
	{"links_one_level_deep", test_links_one_level_deep},
	{"unlink_only_active", test_unlink_only_active},
	{"duplicates_refusal", test_duplicates_refusal},
	{"rules_without_a_problem", test_rules_without_a_problem},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
