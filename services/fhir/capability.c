/*
 * capability.c - the CapabilityStatement: exactly what this facade
 * serves, with the types of the sources that are configured, so a client
 * never learns of a search the facade would refuse.
 */
#include <stdio.h>
#include <time.h>

#include <med/fhir.h>

#include "fhir_facade.h"

#define OAUTH_SYSTEM                                                           \
	"http://terminology.hl7.org/CodeSystem/restful-security-service"
#define EVERYTHING_DEF                                                         \
	"http://hl7.org/fhir/OperationDefinition/Patient-everything"

static void
write_param(med_json *w, const char *name, const char *type, const char *doc)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "name", name);
	med_json_str(w, "type", type);
	med_json_str(w, "documentation", doc);
	med_json_end(w, '}');
}

static void
write_interaction(med_json *w, const char *code)
{
	med_json_begin(w, "interaction", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "code", code);
	med_json_end(w, '}');
	med_json_end(w, ']');
}

static void
write_patient(med_json *w, const fhir_facade *f)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "type", "Patient");
	write_interaction(w, "read");
	med_json_begin(w, "operation", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "name", "everything");
	med_json_str(w, "definition", EVERYTHING_DEF);
	med_json_str(w, "documentation",
		     "The Patient and every resource the services export "
		     "for it; paged with _count and the Bundle's next "
		     "links.");
	med_json_end(w, '}');
	fhir_write_capability_ops(w, f, "Patient"); /* fhirwrite */
	med_json_end(w, ']');
	med_json_end(w, '}');
}

static void
write_search_type(med_json *w, const fhir_facade *f, const fhir_type_info *t)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "type", t->type);
	/* fhirwrite: create, for the types the facade takes writes of. */
	if (fhir_write_creates(t->type)) {
		med_json_begin(w, "interaction", '[');
		med_json_begin(w, NULL, '{');
		med_json_str(w, "code", "search-type");
		med_json_end(w, '}');
		med_json_begin(w, NULL, '{');
		med_json_str(w, "code", "create");
		med_json_end(w, '}');
		med_json_end(w, ']');
	} else {
		write_interaction(w, "search-type");
	}
	med_json_begin(w, "searchParam", '[');
	write_param(w, "patient", "reference",
		    "Required: the patient's id (searches are per patient).");
	write_param(w, "date", "date",
		    "[eq|ne|gt|lt|ge|le]YYYY-MM-DD, the day in UTC; "
		    "at most two.");
	if (t->code_element != NULL)
		write_param(w, "code", "token", "[system|]code");
	if (t->status_element != NULL)
		write_param(w, "status", "token", "The resource's status.");
	med_json_end(w, ']');
	/* fhirwrite: MedicationRequest/{id}/$cosign. */
	if (fhir_write_has_ops(t->type)) {
		med_json_begin(w, "operation", '[');
		fhir_write_capability_ops(w, f, t->type);
		med_json_end(w, ']');
	}
	med_json_end(w, '}');
}

static void
write_security(med_json *w)
{
	const med_fhir_code oauth = {OAUTH_SYSTEM, "OAuth", NULL};

	med_json_begin(w, "security", '{');
	med_json_begin(w, "service", '[');
	med_json_begin(w, NULL, '{');
	med_json_begin(w, "coding", '[');
	med_fhir_coding(w, &oauth);
	med_json_end(w, ']');
	med_json_end(w, '}');
	med_json_end(w, ']');
	med_json_str(w, "description",
		     "Authorization: Bearer <JWT from the hospital's identity "
		     "provider>; the services apply their own roles and care "
		     "relationship rules.  X-Break-Glass: <grant_id> of an "
		     "active StartBreakGlass grant of the user for the "
		     "patient, checked with identity (else 403).");
	med_json_end(w, '}');
}

/* write_research_export lists $research-export, a system-level operation,
 * only when the facade can serve it (else it answers 501). */
static void
write_research_export(med_json *w, const fhir_facade *f)
{
	char def[640];

	if (!f->research_key_loaded || f->audit_rpc == NULL)
		return;
	snprintf(def, sizeof(def), "%s/OperationDefinition/research-export",
		 f->base_url);
	med_json_begin(w, "operation", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "name", "research-export");
	med_json_str(w, "definition", def);
	med_json_str(w, "documentation",
		     "An approved research project's cohort, de-identified, "
		     "as NDJSON (project, _type); role researcher.");
	med_json_end(w, '}');
	med_json_end(w, ']');
}

void
fhir_capability_write(med_json *w, const fhir_facade *f)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "resourceType", "CapabilityStatement");
	med_json_str(w, "status", "active");
	med_fhir_instant(w, "date", (int64_t)time(NULL) * 1000);
	med_json_str(w, "kind", "instance");
	med_json_begin(w, "software", '{');
	med_json_str(w, "name", "smartmed-fhir");
	med_json_end(w, '}');
	med_json_begin(w, "implementation", '{');
	med_json_str(w, "description", "smartmed FHIR facade");
	med_json_str(w, "url", f->base_url);
	med_json_end(w, '}');
	med_json_str(w, "fhirVersion", "4.0.1");
	med_json_begin(w, "format", '[');
	med_json_str(w, NULL, "json");
	med_json_end(w, ']');
	med_json_begin(w, "rest", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "mode", "server");
	write_security(w);
	med_json_begin(w, "resource", '[');
	write_patient(w, f);
	for (size_t i = 0; i < fhir_n_types; i++)
		if (fhir_type_is_served(fhir_types[i].type))
			write_search_type(w, f, &fhir_types[i]);
	med_json_end(w, ']');
	fhir_write_capability_rest(w); /* fhirwrite: batch, transaction */
	write_research_export(w, f);
	med_json_end(w, '}');
	med_json_end(w, ']');
	med_json_end(w, '}');
}
