/*
 * test_deid.c - the research export's de-identification (services/fhir/
 * base/deid.c): pseudonyms, date shifts, what is removed and what is kept.
 */
#include <jansson.h>

#include "deid.h"
#include "testlib.h"

static const char master_hex[] =
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";

static void
project(deid_project *p, const char *id, bool narrative)
{
	uint8_t master[DEID_KEY_LEN];
	char why[128];

	MT_OK(deid_master_key_parse(master_hex, master, why, sizeof(why)));
	memset(p, 0, sizeof(*p));
	deid_project_init(p, master, id);
	p->max_shift_days = DEID_SHIFT_DAYS_DEFAULT;
	p->include_narrative = narrative;
	p->age_group_url = "https://h.example/fhir/StructureDefinition/ag";
}

static void
test_key_parse_refuses_bad_keys(void)
{
	uint8_t k[DEID_KEY_LEN];
	char why[128] = "";

	MT_EQ_INT(deid_master_key_parse("abcd", k, why, sizeof(why)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(why, "64 hex") != NULL);
	MT_EQ_INT(deid_master_key_parse("zz0102030405060708090a0b0c0d0e0f1011"
					"12131415161718191a1b1c1d1e1f",
					k, why, sizeof(why)),
		  MED_ERR_INVALID);
	MT_EQ_INT(deid_master_key_parse("000102030405060708090a0b0c0d0e0f1011"
					"12131415161718191a1b1c1d1e1f00",
					k, why, sizeof(why)),
		  MED_ERR_INVALID);
}

static void
test_pseudonyms_stable_per_project(void)
{
	deid_project a, a2, b;
	char x[DEID_PSEUDONYM_LEN + 1], y[DEID_PSEUDONYM_LEN + 1],
		z[DEID_PSEUDONYM_LEN + 1];

	project(&a, "study-a", false);
	project(&a2, "study-a", false);
	project(&b, "study-b", false);
	deid_pseudonym(&a, "Patient", "p1", x);
	deid_pseudonym(&a2, "Patient", "p1", y);
	deid_pseudonym(&b, "Patient", "p1", z);
	MT_EQ_STR(x, y);
	MT_TRUE(strcmp(x, z) != 0);
	MT_EQ_INT(strlen(x), DEID_PSEUDONYM_LEN);
	deid_pseudonym(&a, "Observation", "p1", z);
	MT_TRUE(strcmp(x, z) != 0);
}

static void
test_shift_in_range_never_zero(void)
{
	deid_project p;
	char id[16];
	int seen_neg = 0, seen_pos = 0;

	project(&p, "study-a", false);
	p.max_shift_days = 3;
	for (int i = 0; i < 200; i++) {
		int d;

		snprintf(id, sizeof(id), "p%d", i);
		d = deid_shift_days(&p, id);
		MT_TRUE(d != 0 && d >= -3 && d <= 3);
		seen_neg += d < 0;
		seen_pos += d > 0;
	}
	MT_TRUE(seen_neg > 0 && seen_pos > 0);
}

static void
test_shift_day_keeps_the_day_only(void)
{
	char out[64];

	MT_TRUE(deid_shift_day("2024-02-28", 2, false, out, sizeof(out)));
	MT_EQ_STR(out, "2024-03-01");
	/* The time of day and its zone go; the date is the one written. */
	MT_TRUE(deid_shift_day("2024-01-01T10:20:30.123+02:00", -1, false, out,
			       sizeof(out)));
	MT_EQ_STR(out, "2023-12-31");
	MT_TRUE(deid_shift_day("2024-01-10T23:59:59.999Z", 3, true, out,
			       sizeof(out)));
	MT_EQ_STR(out, "2024-01-13T00:00:00Z");
	MT_TRUE(deid_shift_day("2024-01-10", 3, true, out, sizeof(out)));
	MT_EQ_STR(out, "2024-01-13T00:00:00Z");
	MT_TRUE(deid_shift_day("2024-01", 20, false, out, sizeof(out)));
	MT_EQ_STR(out, "2024-02");
	MT_TRUE(deid_shift_day("2024", 5, false, out, sizeof(out)));
	MT_EQ_STR(out, "2024");
	MT_TRUE(!deid_shift_day("2024", 5, true, out, sizeof(out)));
	MT_TRUE(!deid_shift_day("2024-01", 5, true, out, sizeof(out)));
	MT_TRUE(!deid_shift_day("8867-4", 5, false, out, sizeof(out)));
	MT_TRUE(!deid_shift_day("Patient/2024-01-01", 5, false, out,
				sizeof(out)));
	MT_TRUE(!deid_shift_day("2024-13-01", 5, false, out, sizeof(out)));
	MT_TRUE(!deid_shift_day("2024-01-01", 5, false, out, 8));
}

static void
test_groups_and_patient(void)
{
	deid_project p;
	char g[32];
	json_t *pat;

	project(&p, "study-a", false);
	deid_group_of("female", "1957-06-30", "2026-06-29", g, sizeof(g));
	MT_EQ_STR(g, "1957|female");
	deid_group_of("male", "1936-06-29", "2026-06-29", g, sizeof(g));
	MT_EQ_STR(g, "90+|male");
	deid_group_of("male", "", "2026-06-29", g, sizeof(g));
	MT_EQ_STR(g, "unknown");
	deid_group_of("unknown", "1950-01-01", "2026-06-29", g, sizeof(g));
	MT_EQ_STR(g, "unknown");

	pat = deid_patient(&p, "p1", "female", "1957-06-30", "2026-06-29");
	MT_EQ_STR(json_string_value(json_object_get(pat, "birthDate")), "1957");
	MT_EQ_INT(json_object_size(pat), 4);
	json_decref(pat);
	pat = deid_patient(&p, "p1", "male", "1936-01-01", "2026-06-29");
	MT_TRUE(json_object_get(pat, "birthDate") == NULL);
	MT_EQ_STR(json_string_value(json_object_get(
			  json_array_get(json_object_get(pat, "extension"), 0),
			  "valueString")),
		  "90+");
	json_decref(pat);
}

static const char observation[] =
	"{\"resourceType\":\"Observation\",\"id\":\"obs-1\","
	"\"meta\":{\"versionId\":\"1\"},"
	"\"text\":{\"status\":\"generated\",\"div\":\"<div>Jane</div>\"},"
	"\"identifier\":[{\"value\":\"MRN-1\"}],"
	"\"subject\":{\"reference\":\"Patient/p1\",\"display\":\"Jane Roe\"},"
	"\"performer\":[{\"reference\":\"Practitioner/dr\"}],"
	"\"encounter\":{\"reference\":\"Encounter/e1\"},"
	"\"code\":{\"coding\":[{\"code\":\"8867-4\"}],\"text\":\"Heart "
	"rate\"},"
	"\"effectiveDateTime\":\"2024-01-10T08:00:00Z\","
	"\"issued\":\"2024-01-10T09:00:00.000Z\","
	"\"valueQuantity\":{\"value\":72.0},"
	"\"note\":[{\"text\":\"patient Jane said\"}]}";

static const deid_subject subject = {.person_id = "p1", .record_id = "p1"};

/* deid is the research copy of the resource in text. */
static json_t *
deid(const deid_project *p, const deid_subject *s, const char *text)
{
	json_t *res = json_loads(text, 0, NULL), *out = NULL;

	MT_TRUE(res != NULL);
	MT_OK(deid_resource(p, s, res, &out));
	json_decref(res);
	MT_TRUE(out != NULL);
	return out;
}

static json_t *
deid_observation(const deid_project *p)
{
	return deid(p, &subject, observation);
}

/* at is the value at a path of keys and array indexes ("code", "0"). */
static json_t *
at(json_t *v, const char *path)
{
	char copy[256], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", path);
	for (char *k = strtok_r(copy, ".", &save); v && k;
	     k = strtok_r(NULL, ".", &save))
		v = json_is_array(v) ? json_array_get(v, strtoul(k, NULL, 10))
				     : json_object_get(v, k);
	return v;
}

static const char *
str_at(json_t *v, const char *path)
{
	return json_string_value(at(v, path));
}

/* no_empty is true when no object, array or string in v is empty. */
static bool
no_empty(json_t *v)
{
	const char *key;
	json_t *item;
	size_t i;

	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_array(v)) {
		json_array_foreach(v, i,
				   item) if (!no_empty(item)) return false;
		return json_array_size(v) > 0;
	}
	if (json_is_object(v)) {
		json_object_foreach(v, key,
				    item) if (!no_empty(item)) return false;
		return json_object_size(v) > 0;
	}
	return true;
}

static void
test_resource_removals(void)
{
	deid_project p;
	json_t *res;
	char *text;

	project(&p, "study-a", false);
	res = deid_observation(&p);
	text = json_dumps(res, 0);
	MT_TRUE(strstr(text, "obs-1") == NULL);
	MT_TRUE(strstr(text, "MRN-1") == NULL);
	MT_TRUE(strstr(text, "Jane") == NULL);
	MT_TRUE(strstr(text, "Practitioner") == NULL);
	MT_TRUE(strstr(text, "\"meta\"") == NULL);
	MT_TRUE(strstr(text, "8867-4") != NULL);
	/* The encounter is not exported: its reference is not either. */
	MT_TRUE(strstr(text, "Encounter") == NULL);
	MT_TRUE(strstr(text, "encounter") == NULL);
	MT_TRUE(no_empty(res));
	free(text);
	json_decref(res);
}

/* What users type goes without narrative, wherever it is: a concept's
 * text, a coding's display, a title, a description. */
static void
test_typed_text_left_out(void)
{
	deid_project p;
	json_t *res;
	char *text;

	project(&p, "study-a", false);
	res = deid(
		&p, &subject,
		"{\"resourceType\":\"CarePlan\",\"id\":\"cp1\","
		"\"status\":\"active\",\"intent\":\"plan\","
		"\"title\":\"Plan for Jane Roe\","
		"\"subject\":{\"reference\":\"Patient/p1\"},"
		"\"author\":{\"display\":\"dr.who\"},"
		"\"addresses\":[{\"reference\":\"Condition/c1\"}],"
		"\"activity\":[{\"detail\":{\"status\":\"scheduled\","
		"\"description\":\"Visit Jane at 5 Elm St\","
		"\"scheduledPeriod\":{\"start\":\"2024-02-20\"}}}],"
		"\"category\":[{\"coding\":[{\"system\":\"http://snomed.info/"
		"sct\",\"code\":\"736353004\",\"display\":\"Jane's plan\"}],"
		"\"text\":\"Jane's plan\"}],"
		"\"extension\":[{\"url\":\"x\",\"valueString\":\"Jane\"}],"
		"\"text\":{\"status\":\"generated\",\"div\":\"<div>Jane</div>"
		"\"}}");
	text = json_dumps(res, 0);
	MT_TRUE(strstr(text, "Jane") == NULL);
	MT_TRUE(strstr(text, "Elm") == NULL);
	MT_TRUE(strstr(text, "dr.who") == NULL);
	MT_EQ_STR(str_at(res, "category.0.coding.0.code"), "736353004");
	MT_EQ_STR(str_at(res, "activity.0.detail.status"), "scheduled");
	MT_TRUE(str_at(res, "activity.0.detail.scheduledPeriod.start") != NULL);
	MT_TRUE(strstr(str_at(res, "addresses.0.reference"), "Condition/") ==
		str_at(res, "addresses.0.reference"));
	MT_TRUE(no_empty(res));
	free(text);
	json_decref(res);
}

/* A code is one token: a sentence put where a code belongs stays home. */
static void
test_code_that_is_a_sentence_left_out(void)
{
	deid_project p;
	json_t *res;

	project(&p, "study-a", false);
	res = deid(&p, &subject,
		   "{\"resourceType\":\"Condition\",\"id\":\"c1\","
		   "\"subject\":{\"reference\":\"Patient/p1\"},"
		   "\"code\":{\"coding\":[{\"system\":\"Jane Roe's list\","
		   "\"code\":\"Jane Roe, 5 Elm St\"},{\"system\":"
		   "\"http://hl7.org/fhir/sid/icd-10\",\"code\":\"J18.9\"}]}}");
	MT_EQ_INT(json_array_size(at(res, "code.coding")), 1);
	MT_EQ_STR(str_at(res, "code.coding.0.code"), "J18.9");
	json_decref(res);
}

/* R4 has no empty elements: what is withheld leaves no {} behind, and a
 * required element with nothing left is masked. */
static void
test_no_empty_elements(void)
{
	deid_project p;
	json_t *res;

	project(&p, "study-a", false);
	res = deid(&p, &subject,
		   "{\"resourceType\":\"Goal\",\"id\":\"g1\","
		   "\"lifecycleStatus\":\"active\","
		   "\"description\":{\"text\":\"Walk to Jane's house\"},"
		   "\"subject\":{\"reference\":\"Patient/p1\"},"
		   "\"note\":[{\"text\":\"Jane\"}],"
		   "\"target\":[{\"dueDate\":\"2024-03-01\"},{\"measure\":"
		   "{\"text\":\"Jane\"}}]}");
	MT_TRUE(no_empty(res));
	MT_TRUE(at(res, "note") == NULL);
	MT_EQ_INT(json_array_size(at(res, "target")), 1);
	MT_EQ_STR(str_at(res, "description.extension.0.valueCode"), "masked");
	json_decref(res);
	res = deid(&p, &subject,
		   "{\"resourceType\":\"MedicationRequest\",\"id\":\"m1\","
		   "\"status\":\"active\",\"intent\":\"order\","
		   "\"subject\":{\"reference\":\"Patient/p1\"},"
		   "\"medicationReference\":{\"reference\":\"Medication/d1\"},"
		   "\"requester\":{\"display\":\"dr.who\"},"
		   "\"statusReason\":{\"text\":\"Jane refused\"},"
		   "\"dosageInstruction\":[{\"route\":{\"text\":\"oral\"},"
		   "\"timing\":{\"code\":{\"text\":\"q8h\"},\"repeat\":{"
		   "\"frequency\":1,\"period\":8,\"periodUnit\":\"h\","
		   "\"timeOfDay\":[\"08:15:00\"]}}}]}");
	MT_TRUE(no_empty(res));
	MT_TRUE(at(res, "statusReason") == NULL);
	MT_TRUE(at(res, "dosageInstruction.0.route") == NULL);
	MT_TRUE(at(res, "dosageInstruction.0.timing.code") == NULL);
	MT_TRUE(at(res, "dosageInstruction.0.timing.repeat.timeOfDay") == NULL);
	MT_EQ_INT(json_integer_value(
			  at(res, "dosageInstruction.0.timing.repeat.period")),
		  8);
	json_decref(res);
}

/* A Provenance keeps its required agent with who masked, not a name. */
static void
test_required_reference_masked(void)
{
	deid_project p;
	json_t *res;

	project(&p, "study-a", false);
	res = deid(&p, &subject,
		   "{\"resourceType\":\"Provenance\",\"id\":\"pv1\","
		   "\"target\":[{\"reference\":\"Observation/o1\"}],"
		   "\"recorded\":\"2024-01-10T08:00:00.000Z\","
		   "\"agent\":[{\"type\":{\"coding\":[{\"code\":\"enterer\"}]},"
		   "\"who\":{\"display\":\"dr.who\"}}]}");
	MT_EQ_STR(str_at(res, "agent.0.who.extension.0.valueCode"), "masked");
	MT_EQ_STR(str_at(res, "agent.0.type.coding.0.code"), "enterer");
	MT_TRUE(strlen(str_at(res, "recorded")) == 20);
	MT_TRUE(no_empty(res));
	json_decref(res);
}

static void
test_resource_references_and_dates(void)
{
	deid_project p;
	json_t *res;
	char pid[DEID_PSEUDONYM_LEN + 1], oid[DEID_PSEUDONYM_LEN + 1], ref[64],
		want[64];

	project(&p, "study-a", false);
	res = deid_observation(&p);
	deid_pseudonym(&p, "Patient", "p1", pid);
	deid_pseudonym(&p, "Observation", "obs-1", oid);
	snprintf(ref, sizeof(ref), "Patient/%s", pid);
	MT_EQ_STR(str_at(res, "id"), oid);
	MT_EQ_STR(str_at(res, "resourceType"), "Observation");
	MT_EQ_STR(str_at(res, "subject.reference"), ref);
	MT_TRUE(deid_shift_day("2024-01-10T08:00:00Z",
			       deid_shift_days(&p, "p1"), false, want,
			       sizeof(want)));
	MT_EQ_STR(str_at(res, "effectiveDateTime"), want);
	MT_TRUE(deid_shift_day("2024-01-10T09:00:00.000Z",
			       deid_shift_days(&p, "p1"), true, want,
			       sizeof(want)));
	MT_EQ_STR(str_at(res, "issued"), want);
	json_decref(res);
}

/* A record linked into another is exported as the survivor: its Patient
 * pseudonym and its date shift; another patient's reference is not. */
static void
test_linked_record_is_its_person(void)
{
	static const deid_subject merged = {.person_id = "survivor",
					    .record_id = "dup"};
	deid_project p;
	json_t *res;
	char pid[DEID_PSEUDONYM_LEN + 1], ref[64], want[64];

	project(&p, "study-a", false);
	res = deid(
		&p, &merged,
		"{\"resourceType\":\"Condition\",\"id\":\"c1\","
		"\"subject\":{\"reference\":\"Patient/dup\"},"
		"\"onsetDateTime\":\"2024-01-10\","
		"\"evidence\":[{\"detail\":[{\"reference\":\"Patient/x\"}]}]}");
	deid_pseudonym(&p, "Patient", "survivor", pid);
	snprintf(ref, sizeof(ref), "Patient/%s", pid);
	MT_EQ_STR(str_at(res, "subject.reference"), ref);
	MT_TRUE(deid_shift_day("2024-01-10", deid_shift_days(&p, "survivor"),
			       false, want, sizeof(want)));
	MT_EQ_STR(str_at(res, "onsetDateTime"), want);
	MT_TRUE(at(res, "evidence") == NULL);
	json_decref(res);
}

static void
test_narrative_kept_when_allowed(void)
{
	deid_project p;
	json_t *res;

	project(&p, "study-a", true);
	res = deid_observation(&p);
	MT_EQ_STR(str_at(res, "note.0.text"), "patient Jane said");
	MT_EQ_STR(str_at(res, "code.text"), "Heart rate");
	MT_TRUE(at(res, "identifier") == NULL);
	MT_TRUE(at(res, "text") == NULL); /* the narrative div: never */
	MT_TRUE(at(res, "subject.display") == NULL);
	json_decref(res);
}

/* An attachment never carries content, narrative allowed or not. */
static void
test_attachment_content_never_leaves(void)
{
	deid_project p;
	json_t *res;

	for (int narrative = 0; narrative < 2; narrative++) {
		project(&p, "study-a", narrative);
		res = deid(
			&p, &subject,
			"{\"resourceType\":\"DocumentReference\","
			"\"id\":\"d1\",\"status\":\"current\","
			"\"description\":\"discharge letter for Jane\","
			"\"content\":[{\"attachment\":{\"contentType\":"
			"\"text/plain; charset=utf-8\",\"data\":"
			"\"TVJOLTE=\",\"url\":\"Binary/b1\",\"size\":5,"
			"\"title\":\"Jane\",\"creation\":\"2024-01-01\"}}]}");
		MT_EQ_INT(json_object_size(at(res, "content.0.attachment")), 1);
		MT_EQ_STR(str_at(res, "content.0.attachment.contentType"),
			  "text/plain; charset=utf-8");
		MT_TRUE((at(res, "description") != NULL) == narrative);
		json_decref(res);
	}
}

static void
test_resource_refused(void)
{
	deid_project p;
	json_t *res = json_loads("{\"resourceType\":\"Goal\"}", 0, NULL);
	json_t *out = NULL;

	project(&p, "study-a", false);
	MT_EQ_INT(deid_resource(&p, &subject, res, &out), MED_ERR_INVALID);
	json_decref(res);
	res = json_loads("{\"resourceType\":\"Encounter\",\"id\":\"e\"}", 0,
			 NULL);
	MT_EQ_INT(deid_resource(&p, &subject, res, &out), MED_ERR_INVALID);
	MT_TRUE(out == NULL);
	json_decref(res);
}

static const mt_case cases[] = {
	{"key_parse_refuses_bad_keys", test_key_parse_refuses_bad_keys},
	{"pseudonyms_stable_per_project", test_pseudonyms_stable_per_project},
	{"shift_in_range_never_zero", test_shift_in_range_never_zero},
	{"shift_day_keeps_the_day_only", test_shift_day_keeps_the_day_only},
	{"groups_and_patient", test_groups_and_patient},
	{"resource_removals", test_resource_removals},
	{"typed_text_left_out", test_typed_text_left_out},
	{"code_that_is_a_sentence_left_out",
	 test_code_that_is_a_sentence_left_out},
	{"no_empty_elements", test_no_empty_elements},
	{"required_reference_masked", test_required_reference_masked},
	{"resource_references_and_dates", test_resource_references_and_dates},
	{"linked_record_is_its_person", test_linked_record_is_its_person},
	{"narrative_kept_when_allowed", test_narrative_kept_when_allowed},
	{"attachment_content_never_leaves",
	 test_attachment_content_never_leaves},
	{"resource_refused", test_resource_refused},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
