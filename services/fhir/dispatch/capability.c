/*
 * capability.c - the CapabilityStatement: exactly what this facade
 * serves, with the types of the sources that are configured, so a client
 * never learns of a search the facade would refuse.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <med/fhir.h>

#include "dispatch.h"
#include "search.h"
#include "write.h"

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

/*
 * write_interactions writes what the routes serve for type: read, vread
 * and history-instance where read.c reads it by id, search-type when
 * search is true, create where write.c takes it; then how versions are
 * kept (a vread of an older version reads it only where readHistory).
 */
static void
write_interactions(med_json *w, const fhir_facade *f, const char *type,
		   bool search)
{
	const char *codes[5];
	bool by_id = fhir_read_serves(f, type);
	size_t n = 0;

	if (by_id) {
		codes[n++] = "read";
		codes[n++] = "vread";
		codes[n++] = "history-instance";
	}
	if (search)
		codes[n++] = "search-type";
	if (fhir_write_creates(type))
		codes[n++] = "create";
	fhir_capability_interactions(w, codes, n);
	/* fhiredge: If-None-Exist by a reading's identifier (write_cond.c);
	 * the other creates refuse the header. */
	if (fhir_write_creates(type))
		med_json_bool(w, "conditionalCreate",
			      strcmp(type, "Observation") == 0);
	if (!by_id)
		return;
	/* Every resource read by id carries meta.versionId but a
	 * Medication (the catalogue's, version 1 without meta). */
	med_json_str(w, "versioning",
		     strcmp(type, "Medication") == 0 ? "no-version"
						     : "versioned");
	med_json_bool(w, "readHistory", fhir_read_keeps_versions(type));
}

/* The result parameters every search takes, said once per type. */
#define RESULT_DOC                                                             \
	"GET [type]?... or POST [type]/_search with the parameters "           \
	"form-encoded (application/x-www-form-urlencoded).  Comma-"            \
	"separated values are OR, a repeated parameter AND.  _count 1..100 "   \
	"(default 20), _sort=date|-date (at most 10,000 matches), "            \
	"_summary=count, _elements, _format=json; paging by the Bundle's "     \
	"next and previous links, whose _cursor pins the result set "          \
	"(resources created after the first page are left out, none "          \
	"repeats); next reads on from where the page before ended, previous "  \
	"passes over the entries before its page (total unless the result "    \
	"is large; _offset only with _sort).  Patient/{id}/[type]?... (GET; "  \
	"POST .../_search) is "                                                \
	"the same search with patient={id} (the Patient compartment).  Any "   \
	"other parameter or modifier is refused with 400 naming it."

static void
write_patient(med_json *w, const fhir_facade *f)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "type", "Patient");
	med_json_str(w, "documentation",
		     "Search through identity's SearchPatients as the caller "
		     "(registration roles hospital-wide, clinicians within "
		     "their lookup scope).  One of identifier, family or name "
		     "(two characters or more), birthdate=YYYY-MM-DD is "
		     "required; given and gender filter.  _count and the next "
		     "links page; no total unless one page holds it all.  "
		     "_format as for every search.");
	write_interactions(w, f, "Patient", true);
	med_json_begin(w, "searchParam", '[');
	write_param(w, "identifier", "token",
		    "The MRN: value or system|value (system "
		    "MED_FHIR_MRN_SYSTEM); one value.");
	write_param(w, "name", "string",
		    "The family name or a given name starts with it "
		    "(case-insensitive), or the whole name does: in "
		    "characters (王芳) or in pinyin (wang fang).  2 "
		    "characters, or one Chinese, Japanese or Korean one.");
	write_param(w, "family", "string",
		    "The family name starts with it (one Chinese, Japanese "
		    "or Korean character is enough: 李).");
	write_param(w, "given", "string", "A given name starts with it.");
	write_param(w, "birthdate", "date",
		    "Every prefix and precision, as for date.");
	write_param(w, "gender", "token", "male | female | other | unknown");
	med_json_end(w, ']');
	med_json_begin(w, "operation", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "name", "everything");
	med_json_str(w, "definition", EVERYTHING_DEF);
	med_json_str(w, "documentation",
		     "GET or POST (form-encoded).  The Patient and every "
		     "resource the services export for it; _since (an "
		     "instant: what changed since; resources without "
		     "meta.lastUpdated are always included), _type "
		     "(comma-separated), _count and the Bundle's next links, "
		     "whose _cursor is a key: every page costs the same "
		     "wherever it lies, and previous links.  total unless "
		     "the chart is large; "
		     "_offset other than 0 is refused (400).");
	med_json_end(w, '}');
	fhir_write_capability_ops(w, f, "Patient"); /* fhirwrite */
	med_json_end(w, ']');
	med_json_end(w, '}');
}

/* write_includes lists the _include values served for t. */
static void
write_includes(med_json *w, const fhir_type_info *t)
{
	char star[80];

	snprintf(star, sizeof(star), "%s:patient", t->type);
	med_json_begin(w, "searchInclude", '[');
	if (strcmp(t->type, "MedicationRequest") == 0)
		med_json_str(w, NULL, "MedicationRequest:medication");
	if (strcmp(t->type, "MedicationAdministration") == 0)
		med_json_str(w, NULL, "MedicationAdministration:request");
	med_json_str(w, NULL, star);
	med_json_end(w, ']');
	if (fhir_type_is_served("Provenance")) {
		med_json_begin(w, "searchRevInclude", '[');
		med_json_str(w, NULL, "Provenance:target");
		med_json_end(w, ']');
	}
}

static void
write_search_type(med_json *w, const fhir_facade *f, const fhir_type_info *t)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "type", t->type);
	med_json_str(w, "documentation", RESULT_DOC);
	/* fhirwrite: create, for the types the facade takes writes of. */
	write_interactions(w, f, t->type, true);
	write_includes(w, t);
	med_json_begin(w, "searchParam", '[');
	write_param(w, "patient", "reference",
		    "Required: id, Patient/id or [base]/Patient/id; one "
		    "patient per search.  An unknown patient is an empty "
		    "searchset.");
	if (strcmp(t->type, "AllergyIntolerance") != 0)
		write_param(w, "subject", "reference",
			    "The same as patient (the subject is the "
			    "patient).");
	write_param(w, "date", "date",
		    "eq ne gt lt ge le sa eb ap; YYYY, YYYY-MM, YYYY-MM-DD or "
		    "YYYY-MM-DDThh:mm[:ss[.sss]] with Z or +hh:mm (none: "
		    "UTC), compared as ranges (R4 3.1.1.5.6).");
	if (t->code_element != NULL)
		write_param(w, "code", "token",
			    "[system|]code; |code: no system.");
	if (t->status_element != NULL)
		write_param(w, "status", "token", "The resource's status.");
	/* ward (issue 37): the census, ward.c. */
	if (strcmp(t->type, "Encounter") == 0)
		write_param(w, "location", "reference",
			    "The ward census: location={ward}&status="
			    "in-progress (required together, instead of "
			    "patient), the open stays in bed order, "
			    "_include=Encounter:patient, _count 1..500; a "
			    "clinician or nurse only for a ward of their "
			    "units.");
	write_param(w, "identifier", "token",
		    "[system|]value of one of the resource's identifiers (a "
		    "device reading's: the one its device sent); beside "
		    "patient, as every parameter.");
	med_json_end(w, ']');
	/* fhirwrite: MedicationRequest/{id}/$cosign. */
	if (fhir_write_has_ops(t->type)) {
		med_json_begin(w, "operation", '[');
		fhir_write_capability_ops(w, f, t->type);
		med_json_end(w, ']');
	}
	med_json_end(w, '}');
}

/* The documentation of a type that is read by id and not searched. */
#define READ_ONLY_DOC                                                          \
	"Read by id (read, vread, _history; ETag W/\"version\", "              \
	"Last-Modified, If-None-Match, If-Modified-Since): it comes with the " \
	"resources that name it ($everything, _include, _revinclude) and is "  \
	"not searched alone."

/*
 * write_audit_event: AuditEvent is read by id, searched by patient for the
 * access report, and proves its place in the log (ward.c, issue 37), when
 * the audit service is configured.
 */
static void
write_audit_event(med_json *w, const fhir_facade *f)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "type", "AuditEvent");
	med_json_str(w, "documentation",
		     "A patient's access report (auditor, admin): read by id, "
		     "and AuditEvent?patient={id}[&date=...][&_count=1..1000]; "
		     "paging by next links.");
	write_interactions(w, f, "AuditEvent", true);
	med_json_begin(w, "searchParam", '[');
	write_param(w, "patient", "reference",
		    "Required: the patient whose accesses are reported.");
	write_param(w, "date", "date",
		    "eq ge gt le lt on recorded; at most two.");
	med_json_end(w, ']');
	med_json_begin(w, "operation", '[');
	fhir_capability_op(w, f, "inclusion-proof",
			   "AuditEvent/{id}/$inclusion-proof: the event's RFC "
			   "9162 audit path to the latest signed tree head "
			   "(Parameters).");
	med_json_end(w, ']');
	med_json_end(w, '}');
}

/* write_consent: break-glass grants to review, as Consent (ward.c). */
static void
write_consent(med_json *w)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "type", "Consent");
	med_json_str(w, "documentation",
		     "Break-glass grants (purpose BTG), from identity: "
		     "Consent?[patient={id}][&status=active].");
	fhir_capability_interactions(w, &(const char *){"search-type"}, 1);
	med_json_begin(w, "searchParam", '[');
	write_param(w, "patient", "reference", "The grants for one patient.");
	write_param(w, "status", "token", "active: grants not yet over.");
	med_json_end(w, ']');
	med_json_end(w, '}');
}

/* write_read_only lists the types read by id that no search serves
 * (Goal, Provenance, Medication, AuditEvent), so a client that follows a
 * reference knows it resolves. */
static void
write_read_only(med_json *w, const fhir_facade *f)
{
	const char *types[32];
	size_t n = fhir_read_types(f, types, sizeof(types) / sizeof(*types));

	for (size_t i = 0; i < n; i++) {
		if (fhir_type_find(types[i]) != NULL &&
		    fhir_type_is_served(types[i]))
			continue; /* write_search_type listed it */
		if (strcmp(types[i], "AuditEvent") == 0 &&
		    f->audit_rpc != NULL) {
			write_audit_event(w, f);
			continue;
		}
		med_json_begin(w, NULL, '{');
		med_json_str(w, "type", types[i]);
		med_json_str(w, "documentation", READ_ONLY_DOC);
		write_interactions(w, f, types[i], false);
		med_json_end(w, '}');
	}
}

static void
write_security(med_json *w, const fhir_facade *f)
{
	const med_fhir_code oauth = {OAUTH_SYSTEM, "OAuth", NULL};

	med_json_begin(w, "security", '{');
	/* fhiredge: SMART's oauth-uris, for clients that look here. */
	fhir_smart_security_write(w, f);
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
	if (!f->research_key_loaded || f->audit_rpc == NULL)
		return;
	med_json_begin(w, "operation", '[');
	fhir_capability_op(w, f, "research-export",
			   "An approved research project's cohort, "
			   "de-identified, as NDJSON (project, _type); role "
			   "researcher.");
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
	med_json_str(w, NULL, "application/fhir+json");
	med_json_end(w, ']');
	med_json_begin(w, "rest", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "mode", "server");
	write_security(w, f);
	med_json_begin(w, "resource", '[');
	write_patient(w, f);
	for (size_t i = 0; i < fhir_n_types; i++)
		if (fhir_type_is_served(fhir_types[i].type))
			write_search_type(w, f, &fhir_types[i]);
	write_read_only(w, f);
	write_consent(w);
	/* imgtrig: ImagingStudy's create (write_imaging.c). */
	fhir_write_imaging_capability(w, f);
	med_json_end(w, ']');
	fhir_write_capability_rest(w); /* fhirwrite: batch, transaction */
	/* Patient/{id}/{type}: the served types of the Patient compartment
	 * (route.c). */
	med_json_begin(w, "compartment", '[');
	med_json_str(w, NULL,
		     "http://hl7.org/fhir/CompartmentDefinition/patient");
	med_json_end(w, ']');
	write_research_export(w, f);
	med_json_end(w, '}');
	med_json_end(w, ']');
	med_json_end(w, '}');
}
