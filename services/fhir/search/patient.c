/*
 * patient.c - identity's Patient as an R4 Patient: the MRN identifier,
 * the name, gender, birth date, and for a merged record the link to the
 * record that replaced it; and the Patient search (fhirsearch), which
 * asks identity's SearchPatients as the caller, so that identity applies
 * its roles and lookup scope (registration hospital-wide, a clinician
 * the patients in their care) and audits the search as its own.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <med/fhir.h>
#include <med/names.h>
#include <med/util.h>

#include "smartmed/common/v1/common.pb-c.h"
#include "smartmed/identity/v1/identity.pb-c.h"

#include "search.h"

#define V2_0203 "http://terminology.hl7.org/CodeSystem/v2-0203"

static const char *
gender_of(Smartmed__Identity__V1__AdministrativeSex sex)
{
	switch (sex) {
	case SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_FEMALE:
		return "female";
	case SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_MALE:
		return "male";
	case SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_OTHER:
		return "other";
	default:
		return "unknown";
	}
}

static void
write_mrn(med_json *w, const char *mrn, const char *system)
{
	const med_fhir_code mr = {V2_0203, "MR", "Medical record number"};

	med_json_begin(w, "identifier", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "use", "usual");
	med_fhir_concept(w, "type", &mr, 1, NULL);
	med_json_str(w, "system", system);
	med_json_str(w, "value", mrn);
	med_json_end(w, '}');
	med_json_end(w, ']');
}

/* write_given writes the given names, one per space-separated word. */
static void
write_given(med_json *w, const char *given)
{
	char buf[256];
	char *save = NULL;

	if (given == NULL || given[0] == '\0')
		return;
	med_strlcpy(buf, given, sizeof(buf));
	med_json_begin(w, "given", '[');
	for (char *g = strtok_r(buf, " ", &save); g != NULL;
	     g = strtok_r(NULL, " ", &save))
		med_json_str(w, NULL, g);
	med_json_end(w, ']');
}

static void
write_name(med_json *w, const Smartmed__Identity__V1__Patient *p)
{
	char text[MED_NAME_DISPLAY_MAX];

	med_json_begin(w, "name", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "use", "official");
	/* The name as the patient's culture writes it: "王芳", "Anna Smith"
	 * (docs/names.md). */
	med_json_str(w, "text",
		     med_name_display(text, sizeof(text), p->family_name,
				      p->given_name));
	med_json_str(w, "family", p->family_name);
	write_given(w, p->given_name);
	med_json_end(w, '}');
	med_json_end(w, ']');
}

/* write_link says that a merged record was replaced by the survivor. */
static void
write_link(med_json *w, const char *survivor)
{
	med_json_begin(w, "link", '[');
	med_json_begin(w, NULL, '{');
	med_fhir_reference(w, "other", "Patient", survivor, NULL);
	med_json_str(w, "type", "replaced-by");
	med_json_end(w, '}');
	med_json_end(w, ']');
}

void
fhir_patient_fields(med_json *w, const Smartmed__Identity__V1__Patient *p,
		    const char *mrn_system)
{
	bool merged = p->linked_to != NULL && p->linked_to[0] != '\0';
	char version[16];

	/* R4's versionId is an id: a string, not a number. */
	snprintf(version, sizeof(version), "%u", (unsigned)p->version);
	med_json_begin(w, "meta", '{');
	med_json_str(w, "versionId", version);
	if (med_fhir_time_ok(p->updated_ms))
		med_fhir_instant(w, "lastUpdated", p->updated_ms);
	med_json_end(w, '}');
	write_mrn(w, p->mrn, mrn_system);
	/* A merged record is kept for history but no longer in use. */
	med_json_bool(w, "active", !merged);
	write_name(w, p);
	med_json_str(w, "gender", gender_of(p->sex));
	if (p->birth_date != NULL && p->birth_date[0] != '\0')
		med_fhir_date(w, "birthDate", p->birth_date);
	/* deceased[x]: the time when identity has one, else the fact. */
	if (p->deceased && med_fhir_time_ok(p->deceased_ms) &&
	    p->deceased_ms != 0)
		med_fhir_instant(w, "deceasedDateTime", p->deceased_ms);
	else if (p->deceased)
		med_json_bool(w, "deceasedBoolean", true);
	if (merged)
		write_link(w, p->linked_to);
}

const char *
fhir_patient_gender(const Smartmed__Identity__V1__Patient *p)
{
	return gender_of(p->sex);
}

/* --- Patient search (fhirsearch) ----------------------------------------- */

/* starts_with: R4 string search, case-insensitive, from the start. */
static bool
starts_with(const char *s, const char *prefix)
{
	return s != NULL && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* given_starts: one of the space-separated given names starts with v. */
static bool
given_starts(const char *given, const char *v)
{
	for (const char *g = given; g != NULL && *g != '\0';) {
		if (starts_with(g, v))
			return true;
		g = strchr(g, ' ');
		g = g != NULL ? g + 1 : NULL;
	}
	return false;
}

static bool
value_passes(const Smartmed__Identity__V1__Patient *p, const fhir_filter *f,
	     const fhir_value *v, int64_t now_ms)
{
	fhir_range born;

	switch (f->kind) {
	case FHIR_F_STRING:
		if (strcmp(f->name, "family") == 0)
			return starts_with(p->family_name, v->text);
		if (strcmp(f->name, "given") == 0)
			return given_starts(p->given_name, v->text);
		return starts_with(p->family_name, v->text) ||
		       given_starts(p->given_name, v->text) ||
		       med_name_full_starts(p->family_name, p->given_name,
					    v->text);
	case FHIR_F_GENDER:
		return strcmp(gender_of(p->sex), v->text) == 0;
	case FHIR_F_DATE:
		return fhir_date_range(p->birth_date, &born) &&
		       fhir_date_passes(v->prefix, &v->range, &born, now_ms);
	default:
		return false;
	}
}

static bool
patient_passes(const Smartmed__Identity__V1__Patient *p, const fhir_query *q,
	       int64_t now_ms)
{
	for (size_t i = 0; i < q->n_filters; i++) {
		const fhir_filter *f = &q->filters[i];
		bool any = false;

		for (size_t j = 0; j < f->n_values && !any; j++)
			any = value_passes(p, f, &f->values[j], now_ms);
		if (!any)
			return false;
	}
	return true;
}

/* search_identity asks identity for one page of q's criteria. */
static med_err
search_identity(fhir_facade *f, fhir_call *c, const fhir_query *q,
		Smartmed__Identity__V1__SearchPatientsResponse **out,
		fhir_error *e)
{
	Smartmed__Identity__V1__SearchPatientsRequest in =
		SMARTMED__IDENTITY__V1__SEARCH_PATIENTS_REQUEST__INIT;
	Smartmed__Common__V1__PageRequest page =
		SMARTMED__COMMON__V1__PAGE_REQUEST__INIT;
	const fhir_patient_criteria *ps = &q->patients;
	ProtobufCMessage *reply = NULL;
	med_rpc_status st = {0};

	in.mrn = (char *)(ps->mrn ? ps->mrn : "");
	in.family_name_prefix = (char *)(ps->family ? ps->family : "");
	in.name_prefix = (char *)(ps->name ? ps->name : "");
	in.birth_date = (char *)(ps->birth_date ? ps->birth_date : "");
	page.page_size = (uint32_t)q->count;
	page.page_token = (char *)(ps->page_token ? ps->page_token : "");
	in.page = &page;
	if (fhir_call_unary(
		    c, f->identity,
		    "/smartmed.identity.v1.Identity/SearchPatients", &in.base,
		    &smartmed__identity__v1__search_patients_response__descriptor,
		    &reply, &st) != MED_OK)
		return fhir_fail_upstream(e, "identity", &st);
	*out = (Smartmed__Identity__V1__SearchPatientsResponse *)reply;
	return MED_OK;
}

med_err
fhir_patient_search(fhir_facade *f, fhir_call *c, const fhir_query *q,
		    fhir_patient_page *out, fhir_error *e)
{
	Smartmed__Identity__V1__SearchPatientsResponse *r = NULL;
	int64_t now_ms = med_now_ms();
	med_err err;

	memset(out, 0, sizeof(*out));
	/* An identifier of another system names nobody here. */
	if (q->patients.mrn != NULL && q->patients.mrn[0] == '\0')
		return MED_OK;
	if ((err = search_identity(f, c, q, &r, e)) != MED_OK)
		return err;
	out->patients = med_arena_zalloc(
		c->arena, (r->n_patients + 1) * sizeof(*out->patients));
	if (out->patients == NULL)
		return fhir_fail(e, MED_GRPC_RESOURCE_EXHAUSTED,
				 "out of memory");
	for (size_t i = 0; i < r->n_patients; i++)
		if (patient_passes(r->patients[i], q, now_ms))
			out->patients[out->n++] = r->patients[i];
	if (r->page != NULL && r->page->next_page_token != NULL &&
	    r->page->next_page_token[0] != '\0')
		out->next_token = r->page->next_page_token;
	return MED_OK;
}
