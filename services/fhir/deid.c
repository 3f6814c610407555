/*
 * deid.c - de-identification for the research export (deid.h).
 *
 * Pseudonyms and date shifts are HMAC-SHA256 under a key derived per
 * project from the master key, so they are stable across runs of one
 * project and cannot be linked across projects without the master key.
 * Everything else is removal: identifiers, meta, references to people,
 * names and contacts, and free text unless the project allows it.
 */
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "deid.h"

#define PROJECT_KEY_LABEL "smartmed-research-v1|"
#define DATA_ABSENT_URL                                                        \
	"http://hl7.org/fhir/StructureDefinition/data-absent-reason"
#define WALK_DEPTH_MAX 64

static void
hmac(const uint8_t *key, const char *a, const char *b, const char *c,
     uint8_t out[crypto_auth_hmacsha256_BYTES])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, DEID_KEY_LEN);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)a, strlen(a));
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)b, strlen(b));
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)c, strlen(c));
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

/* --- keys ---------------------------------------------------------------- */

med_err
deid_master_key_parse(const char *text, uint8_t out[DEID_KEY_LEN], char *errbuf,
		      size_t errlen)
{
	const char *end = NULL;
	size_t n = 0;

	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	if (sodium_hex2bin(out, DEID_KEY_LEN, text, strlen(text), NULL, &n,
			   &end) != 0 ||
	    n != DEID_KEY_LEN || strspn(end, " \t\r\n") != strlen(end)) {
		snprintf(errbuf, errlen, "want 64 hex digits (32 bytes)");
		sodium_memzero(out, DEID_KEY_LEN);
		return MED_ERR_INVALID;
	}
	return MED_OK;
}

med_err
deid_master_key_load(const char *path, uint8_t out[DEID_KEY_LEN], char *errbuf,
		     size_t errlen)
{
	char text[160] = "";
	FILE *f = fopen(path, "r");
	size_t n;
	med_err err;

	if (f == NULL) {
		snprintf(errbuf, errlen, "%s: cannot open", path);
		return MED_ERR_IO;
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	err = deid_master_key_parse(text, out, errbuf, errlen);
	sodium_memzero(text, sizeof(text));
	return err;
}

void
deid_project_init(deid_project *p, const uint8_t master[DEID_KEY_LEN],
		  const char *project_id)
{
	hmac(master, PROJECT_KEY_LABEL, project_id, "", p->key);
}

void
deid_pseudonym(const deid_project *p, const char *type, const char *id,
	       char out[DEID_PSEUDONYM_LEN + 1])
{
	uint8_t mac[crypto_auth_hmacsha256_BYTES];

	hmac(p->key, type, "|", id, mac);
	sodium_bin2hex(out, DEID_PSEUDONYM_LEN + 1, mac,
		       DEID_PSEUDONYM_LEN / 2);
}

int
deid_shift_days(const deid_project *p, const char *patient_id)
{
	uint8_t mac[crypto_auth_hmacsha256_BYTES];
	uint64_t v = 0;
	int max = p->max_shift_days, d;

	hmac(p->key, "shift|", patient_id, "", mac);
	for (int i = 0; i < 8; i++)
		v = v << 8 | mac[i];
	/* 2*max values, none of them 0: [-max, -1] and [1, max].  The bias
	 * of a 64-bit value modulo at most 7300 is below 2^-50. */
	d = (int)(v % (uint64_t)(2 * max)) - max;
	return d >= 0 ? d + 1 : d;
}

/* --- dates ------------------------------------------------------------- */

static bool
digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* parse_ymd reads YYYY-MM[-DD] at s; the day is 15 when absent. */
static bool
parse_ymd(const char *s, bool with_day, int64_t *y, int *m, int *d)
{
	if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2))
		return false;
	if (with_day && (s[7] != '-' || !digits(s + 8, 2)))
		return false;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	     (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = with_day ? (s[8] - '0') * 10 + (s[9] - '0') : 15;
	return *m >= 1 && *m <= 12 && *d >= 1 && *d <= 31;
}

bool
deid_shift_date(const char *in, int days, char *out, size_t cap)
{
	size_t len = strlen(in);
	bool with_day = len >= 10;
	int64_t y;
	int m, d;
	char head[40];

	if (len != 7 && len != 10 && (len < 11 || in[10] != 'T'))
		return false;
	if (!parse_ymd(in, with_day, &y, &m, &d))
		return false;
	med_civil_from_days(med_days_from_civil(y, m, d) + days, &y, &m, &d);
	if (y < 1 || y > 9999)
		return false;
	if (with_day)
		snprintf(head, sizeof(head), "%04d-%02d-%02d", (int)y, m, d);
	else
		snprintf(head, sizeof(head), "%04d-%02d", (int)y, m);
	return (size_t)snprintf(out, cap, "%s%s", head,
				in + (with_day ? 10 : 7)) < cap;
}

int
deid_age_years(const char *birth_date, const char *today)
{
	int64_t by, ty;
	int bm, bd, tm, td;
	int age;

	if (birth_date == NULL || strlen(birth_date) != 10 ||
	    !parse_ymd(birth_date, true, &by, &bm, &bd) ||
	    !parse_ymd(today, true, &ty, &tm, &td))
		return -1;
	age = (int)(ty - by);
	if (tm < bm || (tm == bm && td < bd))
		age--;
	return age;
}

static bool
has_text(const char *s)
{
	return s != NULL && s[0] != '\0';
}

void
deid_group_of(const char *gender, const char *birth_date, const char *today,
	      char *out, size_t cap)
{
	int age = deid_age_years(birth_date, today);

	if (!has_text(gender) || strcmp(gender, "unknown") == 0 || age < 0)
		snprintf(out, cap, "unknown");
	else if (age >= DEID_AGE_GROUPED)
		snprintf(out, cap, "90+|%s", gender);
	else
		snprintf(out, cap, "%.4s|%s", birth_date, gender);
}

/* --- Patient ----------------------------------------------------------- */

static json_t *
age_group_extension(const char *url)
{
	return json_pack("[{s:s, s:s}]", "url", url, "valueString", "90+");
}

json_t *
deid_patient(const deid_project *p, const char *patient_id, const char *gender,
	     const char *birth_date, const char *today)
{
	char id[DEID_PSEUDONYM_LEN + 1], year[5];
	int age = deid_age_years(birth_date, today);
	json_t *pat;

	deid_pseudonym(p, "Patient", patient_id, id);
	pat = json_pack("{s:s, s:s}", "resourceType", "Patient", "id", id);
	if (pat == NULL)
		return NULL;
	if (age >= DEID_AGE_GROUPED) {
		json_object_set_new(pat, "extension",
				    age_group_extension(p->age_group_url));
	} else if (age >= 0) {
		snprintf(year, sizeof(year), "%.4s", birth_date);
		json_object_set_new(pat, "birthDate", json_string(year));
	}
	if (has_text(gender))
		json_object_set_new(pat, "gender", json_string(gender));
	return pat;
}

/* --- resources ----------------------------------------------------------- */

typedef struct walk {
	const deid_project *p;
	int shift_days;
} walk;

/* Elements that name the people who acted: removed with their content. */
static const char *const people_keys[] = {
	"performer",
	"recorder",
	"asserter",
	"requester",
	"author",
	"participant",
	"enterer",
	"informationSource",
	"resultsInterpreter",
	"custodian",
	"authenticator",
	"attester",
	"onBehalfOf",
	"sender",
	"recipient",
	"reportedReference",
	"authorReference",
	"careTeam",
	"expressedBy",
	"location",
	NULL,
};

/* Free-text elements, removed unless the project allows narrative. */
static const char *const free_text_keys[] = {
	"note",	       "comment",	"conclusion", "patientInstruction",
	"valueString", "presentedForm", NULL,
};

const char *const deid_types[DEID_N_TYPES] = {
	"Observation",	     "AllergyIntolerance",
	"DocumentReference", "Condition",
	"CarePlan",	     "Goal",
	"DiagnosticReport",  "Provenance",
	"MedicationRequest", "MedicationAdministration",
	"Medication",
};

int
deid_type_index(const char *type)
{
	for (int i = 0; i < DEID_N_TYPES; i++)
		if (strcmp(deid_types[i], type) == 0)
			return i;
	return -1;
}

static bool
listed(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static void walk_value(const walk *w, json_t *v, int depth);

/* masked_reference stands for a reference that was withheld where the
 * element is required (Provenance.agent.who). */
static json_t *
masked_reference(void)
{
	return json_pack("{s:[{s:s, s:s}]}", "extension", "url",
			 DATA_ABSENT_URL, "valueCode", "masked");
}

/* rewrite_reference turns "Type/id" of an exported type into
 * "Type/pseudonym"; false when the reference must be withheld. */
static bool
rewrite_reference(const walk *w, json_t *ref)
{
	const char *s = json_string_value(json_object_get(ref, "reference"));
	const char *slash = s ? strchr(s, '/') : NULL;
	char type[64], pseudo[DEID_PSEUDONYM_LEN + 1], out[160];
	size_t tlen;

	if (slash == NULL || strchr(slash + 1, '/') != NULL ||
	    (tlen = (size_t)(slash - s)) == 0 || tlen >= sizeof(type))
		return false;
	memcpy(type, s, tlen);
	type[tlen] = '\0';
	if ((strcmp(type, "Patient") != 0 && deid_type_index(type) < 0) ||
	    slash[1] == '\0')
		return false;
	deid_pseudonym(w->p, type, slash + 1, pseudo);
	snprintf(out, sizeof(out), "%s/%s", type, pseudo);
	json_object_set_new(ref, "reference", json_string(out));
	return true;
}

/* is_narrative_text: "text" that is free text rather than the label of a
 * coded concept (a CodeableConcept keeps its text next to its codes). */
static bool
is_narrative_text(json_t *obj, const char *key, json_t *v)
{
	if (strcmp(key, "text") != 0)
		return false;
	return json_is_object(v) || json_object_get(obj, "coding") == NULL;
}

/* drops_key is true when key is removed from obj whatever its value. */
static bool
drops_key(const walk *w, json_t *obj, const char *key, json_t *v)
{
	if (strcmp(key, "identifier") == 0 || strcmp(key, "meta") == 0 ||
	    listed(people_keys, key))
		return true;
	/* A reference's display is the target's name (a patient's, a
	 * clinician's). */
	if (strcmp(key, "display") == 0 &&
	    json_object_get(obj, "reference") != NULL)
		return true;
	if (w->p->include_narrative)
		return false;
	if (listed(free_text_keys, key) || is_narrative_text(obj, key, v))
		return true;
	/* Goal.description is coded; DocumentReference's is free text. */
	return strcmp(key, "description") == 0 && json_is_string(v);
}

/* strip_attachment leaves an attachment's type and size, not content. */
static void
strip_attachment(const walk *w, json_t *a)
{
	static const char *const content[] = {"data", "url", "title", "hash"};

	if (w->p->include_narrative || !json_is_object(a))
		return;
	for (size_t i = 0; i < sizeof(content) / sizeof(*content); i++)
		json_object_del(a, content[i]);
}

static void
walk_object(const walk *w, json_t *obj, int depth)
{
	const char *key;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(obj, tmp, key, v)
	{
		if (drops_key(w, obj, key, v)) {
			json_object_del(obj, key);
			continue;
		}
		if (strcmp(key, "attachment") == 0)
			strip_attachment(w, v);
		walk_value(w, v, depth + 1);
	}
	if (json_object_get(obj, "reference") != NULL &&
	    !rewrite_reference(w, obj)) {
		json_t *masked = masked_reference();

		json_object_clear(obj);
		json_object_update(obj, masked);
		json_decref(masked);
	}
}

static void
shift_string(const walk *w, json_t *s)
{
	char out[64];

	if (deid_shift_date(json_string_value(s), w->shift_days, out,
			    sizeof(out)))
		json_string_set(s, out);
}

static void
walk_value(const walk *w, json_t *v, int depth)
{
	size_t i;
	json_t *item;

	if (depth > WALK_DEPTH_MAX)
		return;
	if (json_is_object(v)) {
		walk_object(w, v, depth);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item)
		{
			walk_value(w, item, depth + 1);
		}
	} else if (json_is_string(v)) {
		shift_string(w, v);
	}
}

med_err
deid_resource(const deid_project *p, const char *patient_id, json_t *res)
{
	const char *type =
		json_string_value(json_object_get(res, "resourceType"));
	const char *id = json_string_value(json_object_get(res, "id"));
	char pseudo[DEID_PSEUDONYM_LEN + 1];
	walk w = {.p = p, .shift_days = deid_shift_days(p, patient_id)};

	if (type == NULL || id == NULL)
		return MED_ERR_INVALID;
	deid_pseudonym(p, type, id, pseudo);
	json_object_del(res, "id");
	walk_object(&w, res, 0);
	json_object_set_new(res, "id", json_string(pseudo));
	return MED_OK;
}
