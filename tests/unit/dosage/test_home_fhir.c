/*
 * test_home_fhir.c - the home-medicine list as FHIR MedicationStatement
 * (fhir/home_fhir.c): the status codes, the substance coding and the name,
 * a note's medicine derived from the note version, a stopped one's reason
 * and version, and a stored value R4 cannot carry refused.
 */
#include "testlib.h"

#include <med/arena.h>

#include <string.h>

#include "dosage.h"
#include "fhir_export.h"
#include "orders.h"

#define HS(x)                                                                  \
	SMARTMED__DOSAGE__V1__HOME_MEDICATION_STATUS__HOME_MEDICATION_STATUS_##x
#define PID "3f2b8a44-5c1e-4d6a-9b7e-0a1b2c3d4e5f"
#define T0  (1700000000000LL)

static Smartmed__Dosage__V1__HomeMedicationNote note;

static dosage_home_med
med_of(int status)
{
	dosage_home_med m;

	smartmed__dosage__v1__home_medication__init(&m);
	m.id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
	m.patient_id = PID;
	m.medicine = "Bisoprolol 5 mg tablets";
	m.substance = "bisoprolol";
	m.dose_text = "5 mg once daily";
	m.status = status;
	m.information_source = "GP letter";
	m.recorded_ms = T0;
	return m;
}

/* bundle writes m alone and returns the JSON (arena a). */
static char *
bundle(med_arena *a, dosage_home_med *m)
{
	char *json = NULL;
	uint32_t n = 0;

	MT_OK(dosage_fhir_home_bundle(a, PID, &m, 1, 1 << 16, &json, &n));
	MT_EQ_INT(n, 2); /* the Patient and the statement */
	return json;
}

static void
test_active_with_substance_and_source(void)
{
	med_arena *a = med_arena_new(1 << 20);
	dosage_home_med m = med_of(HS(ACTIVE));
	char *j = bundle(a, &m);

	MT_TRUE(strstr(j, "\"resourceType\":\"MedicationStatement\"") != NULL);
	MT_TRUE(strstr(j, "\"status\":\"active\"") != NULL);
	MT_TRUE(strstr(j, "urn:smartmed:dosage:substance") != NULL);
	MT_TRUE(strstr(j, "\"code\":\"bisoprolol\"") != NULL);
	MT_TRUE(strstr(j, "\"text\":\"Bisoprolol 5 mg tablets\"") != NULL);
	MT_TRUE(strstr(j, "\"informationSource\":{\"display\":\"GP "
			  "letter\"}") != NULL);
	MT_TRUE(strstr(j, "\"dosage\":[{\"text\":\"5 mg once daily\"}]") !=
		NULL);
	MT_TRUE(strstr(j, "derivedFrom") == NULL);
	MT_TRUE(strstr(j, "\"versionId\":\"1\"") != NULL);
	med_arena_free(a);
}

static void
test_uncoded_medicine_is_text_only(void)
{
	med_arena *a = med_arena_new(1 << 20);
	dosage_home_med m = med_of(HS(UNKNOWN));
	char *j;

	m.substance = "";
	m.dose_text = "";
	j = bundle(a, &m);
	MT_TRUE(strstr(j, "\"status\":\"unknown\"") != NULL);
	MT_TRUE(strstr(j, "\"medicationCodeableConcept\":{\"text\":") != NULL);
	MT_TRUE(strstr(j, "\"dosage\"") == NULL);
	med_arena_free(a);
}

static void
test_note_medicine_derived_from_the_note(void)
{
	med_arena *a = med_arena_new(1 << 20);
	dosage_home_med m = med_of(HS(ACTIVE));
	char *j;

	smartmed__dosage__v1__home_medication_note__init(&note);
	note.entry_id = "0b6f7e2a-1d4c-4e8f-9a2b-3c4d5e6f7a8b";
	note.version = 2;
	note.span_start = 6;
	note.span_end = 16;
	note.text = "bisoprolol";
	m.note = &note;
	j = bundle(a, &m);
	MT_TRUE(strstr(j, "\"derivedFrom\":[{\"reference\":\"DocumentReference/"
			  "0b6f7e2a-1d4c-4e8f-9a2b-3c4d5e6f7a8b/_history/"
			  "2\"}]") != NULL);
	MT_TRUE(strstr(j, "bytes 6-16") != NULL);
	med_arena_free(a);
}

static void
test_stopped_has_reason_and_version_2(void)
{
	med_arena *a = med_arena_new(1 << 20);
	dosage_home_med m = med_of(HS(STOPPED));
	int64_t updated = 0;
	char *j;

	m.stopped_reason = "stopped by the GP";
	m.stopped_ms = T0 + 1000;
	MT_EQ_INT(dosage_fhir_home_version(&m, &updated), 2);
	MT_EQ_INT(updated, T0 + 1000);
	j = bundle(a, &m);
	MT_TRUE(strstr(j, "\"status\":\"stopped\"") != NULL);
	MT_TRUE(strstr(j, "\"statusReason\":[{\"text\":\"stopped by the "
			  "GP\"}]") != NULL);
	MT_TRUE(strstr(j, "\"versionId\":\"2\"") != NULL);
	m.status = HS(ACTIVE);
	MT_EQ_INT(dosage_fhir_home_version(&m, &updated), 1);
	MT_EQ_INT(updated, T0);
	med_arena_free(a);
}

static void
test_bad_stored_id_refused(void)
{
	med_arena *a = med_arena_new(1 << 20);
	dosage_home_med m = med_of(HS(ACTIVE));
	dosage_home_med *p = &m;
	char *json = NULL;
	uint32_t n = 0;

	m.id = "not an id!";
	MT_EQ_INT(dosage_fhir_home_bundle(a, PID, &p, 1, 1 << 16, &json, &n),
		  MED_ERR_INVALID);
	med_arena_free(a);
}

static void
test_empty_list_has_no_entries(void)
{
	med_arena *a = med_arena_new(1 << 20);
	char *json = NULL;
	uint32_t n = 0;

	MT_OK(dosage_fhir_home_bundle(a, PID, NULL, 0, 1 << 16, &json, &n));
	MT_EQ_INT(n, 0);
	MT_TRUE(strstr(json, "\"entry\"") == NULL);
	med_arena_free(a);
}

static const mt_case cases[] = {
	{"active_with_substance_and_source",
	 test_active_with_substance_and_source},
	{"uncoded_medicine_is_text_only", test_uncoded_medicine_is_text_only},
	{"note_medicine_derived_from_the_note",
	 test_note_medicine_derived_from_the_note},
	{"stopped_has_reason_and_version_2",
	 test_stopped_has_reason_and_version_2},
	{"bad_stored_id_refused", test_bad_stored_id_refused},
	{"empty_list_has_no_entries", test_empty_list_has_no_entries},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
