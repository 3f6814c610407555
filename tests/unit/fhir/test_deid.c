/*
 * test_deid.c - the research export's de-identification (services/fhir/
 * deid.c): pseudonyms, date shifts, what is removed and what is kept.
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
test_shift_date_keeps_precision(void)
{
	char out[64];

	MT_TRUE(deid_shift_date("2024-02-28", 2, out, sizeof(out)));
	MT_EQ_STR(out, "2024-03-01");
	MT_TRUE(deid_shift_date("2024-01-01T10:20:30.123+02:00", -1, out,
				sizeof(out)));
	MT_EQ_STR(out, "2023-12-31T10:20:30.123+02:00");
	MT_TRUE(deid_shift_date("2024-01", 20, out, sizeof(out)));
	MT_EQ_STR(out, "2024-02");
	MT_TRUE(!deid_shift_date("2024", 5, out, sizeof(out)));
	MT_TRUE(!deid_shift_date("8867-4", 5, out, sizeof(out)));
	MT_TRUE(!deid_shift_date("Patient/2024-01-01", 5, out, sizeof(out)));
	MT_TRUE(!deid_shift_date("2024-13-01", 5, out, sizeof(out)));
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

static json_t *
deid_observation(const deid_project *p)
{
	json_t *res = json_loads(observation, 0, NULL);

	MT_TRUE(res != NULL);
	MT_OK(deid_resource(p, "p1", res));
	return res;
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
	MT_TRUE(strstr(text, "Heart rate") != NULL);
	MT_TRUE(strstr(text, "8867-4") != NULL);
	/* The encounter is not exported: its reference is masked. */
	MT_TRUE(strstr(text, "Encounter") == NULL);
	MT_TRUE(strstr(text, "masked") != NULL);
	free(text);
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
	MT_EQ_STR(json_string_value(json_object_get(res, "id")), oid);
	MT_EQ_STR(json_string_value(json_object_get(
			  json_object_get(res, "subject"), "reference")),
		  ref);
	MT_TRUE(deid_shift_date("2024-01-10T08:00:00Z",
				deid_shift_days(&p, "p1"), want, sizeof(want)));
	MT_EQ_STR(json_string_value(json_object_get(res, "effectiveDateTime")),
		  want);
	json_decref(res);
}

static void
test_narrative_kept_when_allowed(void)
{
	deid_project p;
	json_t *res;

	project(&p, "study-a", true);
	res = deid_observation(&p);
	MT_TRUE(json_object_get(res, "note") != NULL);
	MT_TRUE(json_object_get(res, "text") != NULL);
	MT_TRUE(json_object_get(res, "identifier") == NULL);
	json_decref(res);
}

static void
test_attachment_content_removed(void)
{
	deid_project p;
	json_t *res = json_loads(
		"{\"resourceType\":\"DocumentReference\",\"id\":\"d1\","
		"\"description\":\"discharge letter for Jane\","
		"\"content\":[{\"attachment\":{\"contentType\":\"text/plain\","
		"\"data\":\"SmFuZQ==\",\"url\":\"Binary/b1\"}}]}",
		0, NULL);
	json_t *att;

	project(&p, "study-a", false);
	MT_OK(deid_resource(&p, "p1", res));
	att = json_object_get(
		json_array_get(json_object_get(res, "content"), 0),
		"attachment");
	MT_EQ_INT(json_object_size(att), 1);
	MT_TRUE(json_object_get(res, "description") == NULL);
	json_decref(res);
}

static void
test_resource_without_id_refused(void)
{
	deid_project p;
	json_t *res = json_loads("{\"resourceType\":\"Goal\"}", 0, NULL);

	project(&p, "study-a", false);
	MT_EQ_INT(deid_resource(&p, "p1", res), MED_ERR_INVALID);
	json_decref(res);
}

static const mt_case cases[] = {
	{"key_parse_refuses_bad_keys", test_key_parse_refuses_bad_keys},
	{"pseudonyms_stable_per_project", test_pseudonyms_stable_per_project},
	{"shift_in_range_never_zero", test_shift_in_range_never_zero},
	{"shift_date_keeps_precision", test_shift_date_keeps_precision},
	{"groups_and_patient", test_groups_and_patient},
	{"resource_removals", test_resource_removals},
	{"resource_references_and_dates", test_resource_references_and_dates},
	{"narrative_kept_when_allowed", test_narrative_kept_when_allowed},
	{"attachment_content_removed", test_attachment_content_removed},
	{"resource_without_id_refused", test_resource_without_id_refused},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
