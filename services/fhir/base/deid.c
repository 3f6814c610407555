/*
 * deid.c - de-identification for the research export (deid.h).
 *
 * Pseudonyms and date shifts are HMAC-SHA256 under a key derived per
 * project from the master key, so they are stable across runs of one
 * project and cannot be linked across projects without the master key.
 * A research resource is built, not stripped: only the elements of an
 * allow-list per type are copied (codes, quantities, statuses, dates cut
 * to the day, references to exported resources), free text only when the
 * project allows narrative, attachment content never.
 */
#include <med/codec.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "deid.h"

#define PROJECT_KEY_LABEL "smartmed-research-v1|"
#define DATA_ABSENT_URL                                                        \
	"http://hl7.org/fhir/StructureDefinition/data-absent-reason"

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
	size_t len, n = 0;

	text += strspn(text, " \t\n\r");
	len = strcspn(text, " \t\n\r");
	if (med_hex_decode(text, len, out, DEID_KEY_LEN, &n) != MED_OK ||
	    n != DEID_KEY_LEN ||
	    strspn(text + len, " \t\r\n") != strlen(text + len)) {
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
	med_hex_encode(out, DEID_PSEUDONYM_LEN + 1, mac,
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
deid_shift_day(const char *in, int days, bool instant, char *out, size_t cap)
{
	size_t len = strlen(in);
	bool with_day = len >= 10;
	int64_t y;
	int m, d;

	if (len == 4 && digits(in, 4) && !instant)
		return (size_t)snprintf(out, cap, "%s", in) < cap;
	if (len != 7 && len != 10 && (len < 11 || in[10] != 'T'))
		return false;
	if ((instant && !with_day) || !parse_ymd(in, with_day, &y, &m, &d))
		return false;
	med_civil_from_days(med_days_from_civil(y, m, d) + days, &y, &m, &d);
	if (y < 1 || y > 9999)
		return false;
	if (!with_day)
		return (size_t)snprintf(out, cap, "%04d-%02d", (int)y, m) < cap;
	/* The time of day and its zone go: see deid.h. */
	return (size_t)snprintf(out, cap, "%04d-%02d-%02d%s", (int)y, m, d,
				instant ? "T00:00:00Z" : "") < cap;
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

/* --- the allow-list ------------------------------------------------------ */

/*
 * What an element is decides what of it may leave.  Only the elements
 * named below are copied into the research resource; anything else a
 * service writes (today or in a later release) stays home until it is
 * added here on purpose.
 */
typedef enum elem_kind {
	K_CODE,	   /* a code from a value set: one token, kept */
	K_URI,	   /* a code system: http(s) or urn, kept */
	K_MIME,	   /* a MIME type, kept */
	K_NUMBER,  /* a decimal or integer, kept */
	K_BOOL,	   /* kept */
	K_DATE,	   /* date or dateTime: shifted, the day only */
	K_INSTANT, /* instant: shifted, the day at 00:00:00Z */
	K_REF,	   /* Reference: a pseudonym, or withheld */
	K_TEXT,	   /* typed by a user: only with include_narrative */
	K_OBJ,	   /* a complex element with a list of its own */
} elem_kind;

/* elem - one allowed element of a complex type or resource. */
typedef struct elem {
	const char *name;
	elem_kind kind;
	/* R4 requires it: when its content is withheld but the parent stays,
	 * it is written as data-absent-reason "masked" rather than left out. */
	bool required;
	const struct elem *of; /* K_OBJ: the allowed members, NULL-ended */
} elem;

/* The entries of the lists: EL (optional), REQ (required), OBJ and
 * OBJ_REQ (complex), CONCEPT and CONCEPT_REQ (CodeableConcept). */
/* clang-format off */
#define EL(n, k)	   {n, k, false, NULL}
#define REQ(n, k)	   {n, k, true, NULL}
#define OBJ(n, of)	   {n, K_OBJ, false, of}
#define OBJ_REQ(n, of)	   {n, K_OBJ, true, of}
#define CONCEPT(n)	   OBJ(n, concept)
#define CONCEPT_REQ(n)	   OBJ_REQ(n, concept)
#define NOTE		   OBJ("note", annotation)
#define END		   {NULL, K_CODE, false, NULL}
/* clang-format on */

/* Data types.  A Coding keeps system and code; its display, like a
 * CodeableConcept's text, is free text (a clinician types it). */
static const elem coding[] = {EL("system", K_URI), EL("code", K_CODE),
			      EL("display", K_TEXT), END};
static const elem concept[] = {OBJ("coding", coding), EL("text", K_TEXT), END};
static const elem quantity[] = {EL("value", K_NUMBER), EL("unit", K_CODE),
				EL("system", K_URI), EL("code", K_CODE), END};
static const elem ratio[] = {OBJ("numerator", quantity),
			     OBJ("denominator", quantity), END};
static const elem period[] = {EL("start", K_DATE), EL("end", K_DATE), END};
/* Who wrote a note and when (author*, time) is left out with the rest. */
static const elem annotation[] = {EL("text", K_TEXT), END};
/* An attachment never carries content (data, url, title, hash, size,
 * creation): documents carry the patient's header (name, MRN, birth date,
 * address) whatever the project allows.  See docs/security.md. */
static const elem attachment[] = {EL("contentType", K_MIME), END};

/* Observation (records, diagnosis) */
static const elem obs_component[] = {
	CONCEPT_REQ("code"), OBJ("valueQuantity", quantity),
	CONCEPT("valueCodeableConcept"), EL("valueString", K_TEXT), END};
static const elem observation[] = {
	EL("status", K_CODE),
	CONCEPT("category"),
	CONCEPT_REQ("code"),
	EL("subject", K_REF),
	EL("effectiveDateTime", K_DATE),
	OBJ("effectivePeriod", period),
	EL("issued", K_INSTANT),
	OBJ("valueQuantity", quantity),
	CONCEPT("valueCodeableConcept"),
	EL("valueString", K_TEXT),
	CONCEPT("interpretation"),
	NOTE,
	CONCEPT("bodySite"),
	CONCEPT("method"),
	EL("hasMember", K_REF),
	EL("derivedFrom", K_REF),
	OBJ("component", obs_component),
	END,
};

/* AllergyIntolerance (records) */
static const elem allergy_reaction[] = {CONCEPT("substance"),
					CONCEPT_REQ("manifestation"),
					EL("onset", K_DATE),
					EL("severity", K_CODE),
					NOTE,
					END};
static const elem allergy[] = {
	CONCEPT("clinicalStatus"),
	CONCEPT("verificationStatus"),
	EL("type", K_CODE),
	EL("category", K_CODE),
	EL("criticality", K_CODE),
	CONCEPT("code"),
	REQ("patient", K_REF),
	EL("onsetDateTime", K_DATE),
	EL("recordedDate", K_DATE),
	EL("lastOccurrence", K_DATE),
	NOTE,
	OBJ("reaction", allergy_reaction),
	END,
};

/* DocumentReference (records) */
static const elem doc_relates[] = {EL("code", K_CODE), REQ("target", K_REF),
				   END};
static const elem doc_content[] = {OBJ_REQ("attachment", attachment),
				   OBJ("format", coding), END};
static const elem document[] = {
	EL("status", K_CODE),
	EL("docStatus", K_CODE),
	CONCEPT("type"),
	CONCEPT("category"),
	EL("subject", K_REF),
	EL("date", K_INSTANT),
	OBJ("relatesTo", doc_relates),
	EL("description", K_TEXT),
	OBJ_REQ("content", doc_content),
	END,
};

/* Condition (diagnosis) */
static const elem cond_evidence[] = {CONCEPT("code"), EL("detail", K_REF), END};
static const elem condition[] = {
	CONCEPT("clinicalStatus"),
	CONCEPT("verificationStatus"),
	CONCEPT("category"),
	CONCEPT("severity"),
	CONCEPT("code"),
	CONCEPT("bodySite"),
	REQ("subject", K_REF),
	EL("onsetDateTime", K_DATE),
	EL("abatementDateTime", K_DATE),
	EL("recordedDate", K_DATE),
	OBJ("evidence", cond_evidence),
	NOTE,
	END,
};

/* CarePlan and Goal (diagnosis) */
static const elem plan_detail[] = {
	EL("kind", K_CODE),	   CONCEPT("code"),
	EL("status", K_CODE),	   OBJ("scheduledPeriod", period),
	EL("description", K_TEXT), END};
static const elem plan_activity[] = {EL("outcomeReference", K_REF), NOTE,
				     OBJ("detail", plan_detail), END};
static const elem care_plan[] = {
	EL("status", K_CODE),
	EL("intent", K_CODE),
	CONCEPT("category"),
	EL("title", K_TEXT),
	EL("description", K_TEXT),
	REQ("subject", K_REF),
	OBJ("period", period),
	EL("created", K_DATE),
	EL("addresses", K_REF),
	EL("goal", K_REF),
	OBJ("activity", plan_activity),
	NOTE,
	END,
};
static const elem goal_target[] = {CONCEPT("measure"),
				   OBJ("detailQuantity", quantity),
				   EL("dueDate", K_DATE), END};
static const elem goal[] = {
	EL("lifecycleStatus", K_CODE),
	CONCEPT("achievementStatus"),
	CONCEPT("category"),
	CONCEPT("priority"),
	CONCEPT_REQ("description"),
	REQ("subject", K_REF),
	EL("startDate", K_DATE),
	OBJ("target", goal_target),
	EL("statusDate", K_DATE),
	EL("addresses", K_REF),
	NOTE,
	END,
};

/* DiagnosticReport and Provenance (diagnosis) */
static const elem report[] = {
	EL("status", K_CODE),
	CONCEPT("category"),
	CONCEPT_REQ("code"),
	EL("subject", K_REF),
	EL("effectiveDateTime", K_DATE),
	OBJ("effectivePeriod", period),
	EL("issued", K_INSTANT),
	EL("result", K_REF),
	EL("conclusion", K_TEXT),
	CONCEPT("conclusionCode"),
	END,
};
static const elem prov_agent[] = {CONCEPT("type"), CONCEPT("role"),
				  REQ("who", K_REF), END};
static const elem prov_entity[] = {EL("role", K_CODE), REQ("what", K_REF), END};
static const elem provenance[] = {
	REQ("target", K_REF),
	EL("occurredDateTime", K_DATE),
	OBJ("occurredPeriod", period),
	EL("recorded", K_INSTANT),
	CONCEPT("reason"),
	CONCEPT("activity"),
	OBJ_REQ("agent", prov_agent),
	OBJ("entity", prov_entity),
	END,
};

/* MedicationRequest, MedicationAdministration, Medication (dosage).
 * Timing.repeat.timeOfDay is a time of day: left out like every time. */
static const elem timing_repeat[] = {
	OBJ("boundsPeriod", period), OBJ("boundsDuration", quantity),
	EL("count", K_NUMBER),	     EL("countMax", K_NUMBER),
	EL("duration", K_NUMBER),    EL("durationUnit", K_CODE),
	EL("frequency", K_NUMBER),   EL("frequencyMax", K_NUMBER),
	EL("period", K_NUMBER),	     EL("periodMax", K_NUMBER),
	EL("periodUnit", K_CODE),    EL("dayOfWeek", K_CODE),
	EL("when", K_CODE),	     END};
static const elem timing[] = {OBJ("repeat", timing_repeat), CONCEPT("code"),
			      END};
static const elem dose_rate[] = {CONCEPT("type"), OBJ("doseQuantity", quantity),
				 OBJ("rateQuantity", quantity),
				 OBJ("rateRatio", ratio), END};
static const elem dosage_instr[] = {
	EL("sequence", K_NUMBER),
	EL("text", K_TEXT),
	EL("patientInstruction", K_TEXT),
	OBJ("timing", timing),
	EL("asNeededBoolean", K_BOOL),
	CONCEPT("asNeededCodeableConcept"),
	CONCEPT("site"),
	CONCEPT("route"),
	CONCEPT("method"),
	OBJ("doseAndRate", dose_rate),
	END,
};
static const elem med_request[] = {
	EL("status", K_CODE),
	CONCEPT("statusReason"),
	EL("intent", K_CODE),
	CONCEPT("category"),
	EL("priority", K_CODE),
	CONCEPT_REQ("medicationCodeableConcept"),
	REQ("medicationReference", K_REF),
	REQ("subject", K_REF),
	EL("authoredOn", K_DATE),
	CONCEPT("reasonCode"),
	EL("reasonReference", K_REF),
	NOTE,
	OBJ("dosageInstruction", dosage_instr),
	EL("priorPrescription", K_REF),
	END,
};
static const elem admin_dosage[] = {EL("text", K_TEXT),
				    CONCEPT("site"),
				    CONCEPT("route"),
				    CONCEPT("method"),
				    OBJ("dose", quantity),
				    OBJ("rateRatio", ratio),
				    OBJ("rateQuantity", quantity),
				    END};
static const elem med_admin[] = {
	EL("status", K_CODE),
	CONCEPT("statusReason"),
	CONCEPT("category"),
	CONCEPT_REQ("medicationCodeableConcept"),
	REQ("medicationReference", K_REF),
	REQ("subject", K_REF),
	EL("effectiveDateTime", K_DATE),
	OBJ("effectivePeriod", period),
	EL("request", K_REF),
	CONCEPT("reasonCode"),
	NOTE,
	OBJ("dosage", admin_dosage),
	END,
};
static const elem med_ingredient[] = {
	CONCEPT_REQ("itemCodeableConcept"),
	REQ("itemReference", K_REF),
	EL("isActive", K_BOOL),
	OBJ("strength", ratio),
	END,
};
static const elem medication[] = {
	CONCEPT("code"),
	EL("status", K_CODE),
	CONCEPT("form"),
	OBJ("amount", ratio),
	OBJ("ingredient", med_ingredient),
	END,
};

const char *const deid_types[DEID_N_TYPES] = {
	"Observation",	     "AllergyIntolerance",
	"DocumentReference", "Condition",
	"CarePlan",	     "Goal",
	"DiagnosticReport",  "Provenance",
	"MedicationRequest", "MedicationAdministration",
	"Medication",
};

/* The allowed elements of deid_types[i]. */
static const elem *const type_elems[DEID_N_TYPES] = {
	observation, allergy,	 document,    condition, care_plan,  goal,
	report,	     provenance, med_request, med_admin, medication,
};

int
deid_type_index(const char *type)
{
	for (int i = 0; i < DEID_N_TYPES; i++)
		if (strcmp(deid_types[i], type) == 0)
			return i;
	return -1;
}

/* --- copying what is allowed ---------------------------------------------- */

typedef struct walk {
	const deid_project *p;
	const deid_subject *s;
	int shift_days;
} walk;

static json_t *keep_value(const walk *w, const elem *e, json_t *v);

/* masked stands for a required element whose content was withheld: R4
 * has no empty elements, and leaving it out would break the resource. */
static json_t *
masked(void)
{
	return json_pack("{s:[{s:s, s:s}]}", "extension", "url",
			 DATA_ABSENT_URL, "valueCode", "masked");
}

/* token_ok: 1..max printable ASCII characters, spaces only if allowed.
 * A code, a system or a unit is never a sentence: free text put where a
 * code belongs does not pass. */
static bool
token_ok(const char *s, size_t max, bool spaces)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (s[n] < (spaces ? 0x20 : 0x21) || s[n] > 0x7e || n == max)
			return false;
	return n > 0;
}

static bool
uri_ok(const char *s)
{
	return token_ok(s, 256, false) &&
	       (strncmp(s, "http://", 7) == 0 ||
		strncmp(s, "https://", 8) == 0 || strncmp(s, "urn:", 4) == 0);
}

/* reference_of is the research Reference for ref: "Type/pseudonym" for
 * the subject and for the exported types; NULL (withheld) otherwise,
 * logical references (identifier) and display-only ones included. */
static json_t *
reference_of(const walk *w, json_t *ref)
{
	const char *s = json_string_value(json_object_get(ref, "reference"));
	const char *slash = s ? strchr(s, '/') : NULL;
	char type[64], pseudo[DEID_PSEUDONYM_LEN + 1], out[160];
	size_t tlen;

	if (slash == NULL || strchr(slash + 1, '/') != NULL ||
	    (tlen = (size_t)(slash - s)) == 0 || tlen >= sizeof(type) ||
	    slash[1] == '\0')
		return NULL;
	memcpy(type, s, tlen);
	type[tlen] = '\0';
	if (strcmp(type, "Patient") == 0) {
		/* Only the record being exported, named as its person. */
		if (strcmp(slash + 1, w->s->record_id) != 0)
			return NULL;
		deid_pseudonym(w->p, "Patient", w->s->person_id, pseudo);
	} else if (deid_type_index(type) >= 0) {
		deid_pseudonym(w->p, type, slash + 1, pseudo);
	} else {
		return NULL;
	}
	snprintf(out, sizeof(out), "%s/%s", type, pseudo);
	return json_pack("{s:s}", "reference", out);
}

static json_t *
date_of(const walk *w, const char *s, bool instant)
{
	char out[32];

	if (!deid_shift_day(s, w->shift_days, instant, out, sizeof(out)))
		return NULL;
	return json_string(out);
}

/* keep_primitive copies a primitive of kind k, or NULL to leave it out. */
static json_t *
keep_primitive(const walk *w, elem_kind k, json_t *v)
{
	const char *s = json_string_value(v);

	switch (k) {
	case K_NUMBER:
		return json_is_number(v) ? json_copy(v) : NULL;
	case K_BOOL:
		return json_is_boolean(v) ? json_copy(v) : NULL;
	case K_CODE:
		return s && token_ok(s, 64, false) ? json_copy(v) : NULL;
	case K_URI:
		return s && uri_ok(s) ? json_copy(v) : NULL;
	case K_MIME:
		return s && token_ok(s, 128, true) && strchr(s, '/') != NULL
			       ? json_copy(v)
			       : NULL;
	case K_DATE:
	case K_INSTANT:
		return s ? date_of(w, s, k == K_INSTANT) : NULL;
	case K_TEXT:
		return s && s[0] != '\0' && w->p->include_narrative
			       ? json_copy(v)
			       : NULL;
	default:
		return NULL;
	}
}

/* mask_of is what stands for v as the required element e when nothing
 * of it may leave; NULL when e is optional (it is then left out). */
static json_t *
mask_of(const elem *e, json_t *v)
{
	if (!e->required || (e->kind != K_REF && e->kind != K_OBJ))
		return NULL;
	return json_is_array(v) ? json_pack("[o]", masked()) : masked();
}

/* set_kept adds kept (when there is one) to out as name. */
static void
set_kept(json_t *out, const char *name, json_t *kept)
{
	if (kept != NULL)
		json_object_set_new(out, name, kept);
}

/* keep_object copies obj's allowed members; NULL when none is left (R4
 * has no empty objects).  Required members are masked afterwards, so
 * that an element with nothing else does not survive as a mask alone. */
static json_t *
keep_object(const walk *w, const elem *of, json_t *obj)
{
	json_t *out = json_object();

	if (out == NULL || !json_is_object(obj)) {
		json_decref(out);
		return NULL;
	}
	for (const elem *e = of; e->name != NULL; e++) {
		json_t *v = json_object_get(obj, e->name);

		if (v != NULL)
			set_kept(out, e->name, keep_value(w, e, v));
	}
	if (json_object_size(out) == 0) {
		json_decref(out);
		return NULL;
	}
	for (const elem *e = of; e->name != NULL; e++) {
		json_t *v = json_object_get(obj, e->name);

		if (v != NULL && json_object_get(out, e->name) == NULL)
			set_kept(out, e->name, mask_of(e, v));
	}
	return out;
}

/* keep_array copies each item; NULL when none is left. */
static json_t *
keep_array(const walk *w, const elem *e, json_t *arr)
{
	json_t *out = json_array(), *item;
	size_t i;

	if (out == NULL)
		return NULL;
	json_array_foreach(arr, i, item)
	{
		/* R4 has no arrays of arrays: one is not followed down. */
		json_t *kept =
			json_is_array(item) ? NULL : keep_value(w, e, item);

		if (kept != NULL)
			json_array_append_new(out, kept);
	}
	if (json_array_size(out) == 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* keep_value is the research copy of v as element e (new reference), or
 * NULL when nothing of it may leave. */
static json_t *
keep_value(const walk *w, const elem *e, json_t *v)
{
	if (json_is_array(v))
		return keep_array(w, e, v);
	if (e->kind == K_OBJ)
		return keep_object(w, e->of, v);
	if (e->kind == K_REF)
		return json_is_object(v) ? reference_of(w, v) : NULL;
	return keep_primitive(w, e->kind, v);
}

med_err
deid_resource(const deid_project *p, const deid_subject *s, json_t *res,
	      json_t **out)
{
	const char *type =
		json_string_value(json_object_get(res, "resourceType"));
	const char *id = json_string_value(json_object_get(res, "id"));
	char pseudo[DEID_PSEUDONYM_LEN + 1];
	walk w = {
		.p = p, .s = s, .shift_days = deid_shift_days(p, s->person_id)};
	int t = type ? deid_type_index(type) : -1;
	json_t *kept, *head;

	if (t < 0 || id == NULL)
		return MED_ERR_INVALID;
	deid_pseudonym(p, type, id, pseudo);
	head = json_pack("{s:s, s:s}", "resourceType", type, "id", pseudo);
	kept = keep_object(&w, type_elems[t], res);
	if (head == NULL) {
		json_decref(kept);
		return MED_ERR_NOMEM;
	}
	if (kept != NULL)
		json_object_update(head, kept);
	json_decref(kept);
	*out = head;
	return MED_OK;
}
