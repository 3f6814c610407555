/*
 * test_rules.c - records' rules as med_problem, outside any RPC: what a
 * valid edit is (records_edit_problem names the field and why) and which
 * change may follow which version (records_amend_problem,
 * records_sign_problem, records_addendum_problem, records_error_problem).
 */
#include "testlib.h"

#include "records.h"

#include <med/arena.h>

#include <string.h>

#define ST(x)	SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_##x
#define KIND(x) SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_##x

/* note is a valid NOTE edit. */
static records_edit
note(void)
{
	records_edit ed = {.kind = KIND(NOTE),
			   .title = "Ward round",
			   .body = "Comfortable overnight.",
			   .max_attachment_bytes = 1024};

	return ed;
}

static void
test_edit_note(void)
{
	med_arena *a = med_arena_new(4096);
	records_edit ed = note();
	med_problem p = {0};

	MT_OK(records_edit_problem(a, KIND(NOTE), &ed, true, &p));
	/* A fresh entry with no status is final. */
	MT_EQ_INT(ed.status, ST(FINAL));
	ed.title = "";
	MT_EQ_INT(records_edit_problem(a, KIND(NOTE), &ed, true, &p),
		  MED_ERR_INVALID);
	MT_EQ_STR(p.field, "title");
	MT_EQ_STR(p.reason, "must not be empty");
	ed = note();
	ed.title = "tab\there";
	MT_EQ_INT(records_edit_problem(a, KIND(NOTE), &ed, true, &p),
		  MED_ERR_INVALID);
	MT_EQ_STR(p.field, "title");
	MT_EQ_STR(p.reason, "control characters are not allowed");
	med_arena_free(a);
}

static void
test_edit_blood_pressure(void)
{
	med_arena *a = med_arena_new(4096);
	Smartmed__Records__V1__VitalSigns s =
		SMARTMED__RECORDS__V1__VITAL_SIGNS__INIT;
	Smartmed__Records__V1__Quantity sys =
		SMARTMED__RECORDS__V1__QUANTITY__INIT;
	records_edit ed = note();
	med_problem p = {0};

	sys.value = 120;
	sys.unit = "mm[Hg]";
	s.systolic_bp = &sys;
	ed.kind = KIND(VITAL_SIGNS);
	ed.content.vital_signs = &s;
	MT_EQ_INT(records_edit_problem(a, KIND(VITAL_SIGNS), &ed, true, &p),
		  MED_ERR_INVALID);
	MT_EQ_STR(p.field, "vital_signs.diastolic_bp");
	MT_EQ_STR(p.reason, "blood pressure needs both systolic and diastolic");
	sys.unit = "kg";
	MT_EQ_INT(records_edit_problem(a, KIND(VITAL_SIGNS), &ed, true, &p),
		  MED_ERR_INVALID);
	MT_EQ_STR(p.field, "vital_signs.systolic_bp.unit");
	med_arena_free(a);
}

static void
test_edit_content_kind(void)
{
	med_arena *a = med_arena_new(4096);
	records_edit ed = note();
	med_problem p = {0};

	MT_EQ_INT(records_edit_problem(a, KIND(ALLERGY), &ed, true, &p),
		  MED_ERR_INVALID);
	MT_EQ_STR(p.field, "allergy");
	MT_EQ_STR(p.reason, "required for this kind of entry");
	med_arena_free(a);
}

/* version makes latest an entry at version v with status st. */
static records_version
version(records_entry *e, uint32_t v, int st, bool locked)
{
	records_entry init = SMARTMED__RECORDS__V1__ENTRY__INIT;
	records_version out = {.e = e};

	*e = init;
	e->kind = KIND(NOTE);
	e->version = v;
	e->status = st;
	e->locked = locked;
	return out;
}

static void
test_amend(void)
{
	records_entry e;
	records_version latest = version(&e, 2, ST(FINAL), false);
	records_edit ed = note();
	records_change ch = {.edit = &ed, .expected_version = 2};
	med_problem p = {0};

	ed.status = ST(FINAL);
	MT_OK(records_amend_problem(&ch, &latest, &p));
	ed.status = ST(PRELIMINARY);
	MT_EQ_INT(records_amend_problem(&ch, &latest, &p), MED_ERR_INVALID);
	MT_EQ_STR(p.field, "status");
	ed.status = ST(FINAL);
	ch.expected_version = 1;
	MT_EQ_INT(records_amend_problem(&ch, &latest, &p), MED_ERR_CONFLICT);
	MT_EQ_STR(p.field, "expected_version");
	MT_EQ_STR(p.reason, "the entry is at version 2, not 1");
	e.locked = true;
	MT_EQ_INT(records_amend_problem(&ch, &latest, &p),
		  MED_ERR_PRECONDITION);
	MT_EQ_STR(p.field, "entry_id");
}

static void
test_sign_and_error(void)
{
	records_entry e;
	records_version latest = version(&e, 1, ST(PRELIMINARY), false);
	records_change ch = {.expected_version = 1};
	med_problem p = {0};

	MT_OK(records_sign_problem(&ch, &latest, "dr.a", "dr.a", &p));
	MT_EQ_INT(records_sign_problem(&ch, &latest, "dr.b", "dr.a", &p),
		  MED_ERR_DENIED);
	MT_EQ_STR(p.reason, "only the entry's author may sign it");
	MT_EQ_INT(records_addendum_problem(&latest, &p), MED_ERR_PRECONDITION);
	MT_EQ_STR(p.reason, "the entry is not signed; amend it instead");
	e.status = ST(ENTERED_IN_ERROR);
	MT_EQ_INT(records_error_problem(&ch, &latest, "dr.a", "dr.a", &p),
		  MED_ERR_PRECONDITION);
	MT_EQ_STR(p.reason, "the entry is entered-in-error");
}

static const mt_case cases[] = {
	{"edit_note", test_edit_note},
	{"edit_blood_pressure", test_edit_blood_pressure},
	{"edit_content_kind", test_edit_content_kind},
	{"amend", test_amend},
	{"sign_and_error", test_sign_and_error},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
