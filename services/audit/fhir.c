/*
 * fhir.c - a patient's audit records as FHIR R4 AuditEvent resources in
 * the shape of IHE Basic Audit Log Patterns (BALP): type "rest", the RPC
 * as subtype, the C/R/U/D/E action, the outcome, the user as the
 * requesting agent with roles and purpose of use, the emitting service as
 * source observer, the patient and the resource touched as entities, and
 * break-glass as the BTG security label.
 */
#include <med/err.h>
#include <med/fhir.h>
#include <med/json.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "audit_svc.h"

#define FHIR_BASE     MED_FHIR_EXPORT_BASE
#define TERMINOLOGY   "http://terminology.hl7.org/CodeSystem/"
#define ACT_REASON    TERMINOLOGY "v3-ActReason"
#define OBJECT_ROLE   TERMINOLOGY "object-role"
#define ACTION_SYSTEM "urn:smartmed:audit:action"
#define ROLE_SYSTEM   "urn:smartmed:role"
#define USER_SYSTEM   "urn:smartmed:user"
#define ENTITY_SYSTEM "urn:smartmed:resource"
#define DEVICE_SYSTEM "urn:smartmed:device"

typedef Smartmed__Common__V1__AuditEvent audit_event;

static void
coding_array(med_json *w, const char *key, const char *system, const char *code,
	     const char *display)
{
	med_json_begin(w, key, '[');
	med_fhir_coding(w, &(med_fhir_code){system, code, display});
	med_json_end(w, ']');
}

static void
one_code(med_json *w, const char *key, const char *system, const char *code,
	 const char *display)
{
	const med_fhir_code c = {system, code, display};

	med_fhir_concept(w, key, &c, 1, NULL);
}

/*
 * outcome maps the gRPC status to R4's AuditEventOutcome: a refusal of
 * the caller's request (bad input, no permission, not found) is a minor
 * failure, a fault of the system a serious one.
 */
static const char *
outcome(int status)
{
	switch (status) {
	case MED_GRPC_OK:
		return "0";
	case MED_GRPC_UNKNOWN:
	case MED_GRPC_INTERNAL:
	case MED_GRPC_UNAVAILABLE:
	case MED_GRPC_DATA_LOSS:
		return "8";
	default:
		return "4";
	}
}

static void
security(med_json *w, const audit_event *e)
{
	if (!e->break_glass)
		return;
	med_json_begin(w, "meta", '{');
	coding_array(w, "security", ACT_REASON, "BTG", "break the glass");
	med_json_end(w, '}');
}

static void
roles(med_json *w, const char *list)
{
	char role[64];
	const char *p = list;

	if (list[0] == '\0')
		return;
	med_json_begin(w, "role", '[');
	while (*p != '\0') {
		size_t n = strcspn(p, ",");

		snprintf(role, sizeof(role), "%.*s", (int)n, p);
		if (role[0] != '\0')
			one_code(w, NULL, ROLE_SYSTEM, role, NULL);
		p += n + (p[n] == ',');
	}
	med_json_end(w, ']');
}

static void
purpose(med_json *w, const char *key, const audit_event *e)
{
	const char *code = e->purpose_of_use[0] ? e->purpose_of_use : "TREAT";

	med_json_begin(w, key, '[');
	one_code(w, NULL, ACT_REASON, code, NULL);
	med_json_end(w, ']');
}

/* fhirwrite: device_agent adds the device that measured a reading (the
 * FHIR facade's writes: detail device = "Device/{id}") as a second,
 * non-requesting agent. */
static void
device_agent(med_json *w, const audit_event *e)
{
	const char *dev = NULL;

	for (size_t i = 0; i < e->n_details && dev == NULL; i++)
		if (strcmp(e->details[i]->key, "device") == 0 &&
		    strncmp(e->details[i]->value, "Device/", 7) == 0)
			dev = e->details[i]->value;
	if (dev == NULL)
		return;
	med_json_begin(w, NULL, '{');
	one_code(w, "type", TERMINOLOGY "v3-ParticipationType", "DEV",
		 "device");
	med_json_begin(w, "who", '{');
	med_json_begin(w, "identifier", '{');
	med_json_str(w, "system", DEVICE_SYSTEM);
	med_json_str(w, "value", dev + 7);
	med_json_end(w, '}');
	med_json_str(w, "display", dev);
	med_json_end(w, '}');
	med_json_bool(w, "requestor", false);
	med_json_end(w, '}');
}

static void
user_agent(med_json *w, const audit_event *e)
{
	const char *who = e->actor[0] ? e->actor : "unauthenticated";

	med_json_begin(w, "agent", '[');
	med_json_begin(w, NULL, '{');
	one_code(w, "type", TERMINOLOGY "v3-ParticipationType", "IRCP",
		 "information recipient");
	roles(w, e->actor_roles);
	med_json_begin(w, "who", '{');
	med_json_begin(w, "identifier", '{');
	med_json_str(w, "system", USER_SYSTEM);
	med_json_str(w, "value", who);
	med_json_end(w, '}');
	med_json_str(w, "display", who);
	med_json_end(w, '}');
	med_json_bool(w, "requestor", true);
	purpose(w, "purposeOfUse", e);
	med_json_end(w, '}');
	device_agent(w, e);
	med_json_end(w, ']');
}

static void
source(med_json *w, const audit_event *e)
{
	med_json_begin(w, "source", '{');
	med_json_begin(w, "observer", '{');
	med_json_str(w, "display", e->service);
	med_json_end(w, '}');
	coding_array(w, "type", TERMINOLOGY "security-source-type", "4",
		     "Application Server");
	med_json_end(w, '}');
}

static void
entities(med_json *w, const char *pid, const audit_event *e)
{
	med_json_begin(w, "entity", '[');
	med_json_begin(w, NULL, '{');
	med_fhir_reference(w, "what", "Patient", pid, NULL);
	med_json_begin(w, "role", '{');
	med_json_str(w, "system", OBJECT_ROLE);
	med_json_str(w, "code", "1");
	med_json_str(w, "display", "Patient");
	med_json_end(w, '}');
	med_json_end(w, '}');
	if (e->resource[0] != '\0') {
		med_json_begin(w, NULL, '{');
		med_json_begin(w, "what", '{');
		med_json_begin(w, "identifier", '{');
		med_json_str(w, "system", ENTITY_SYSTEM);
		med_json_str(w, "value", e->resource);
		med_json_end(w, '}');
		med_json_end(w, '}');
		med_json_begin(w, "role", '{');
		med_json_str(w, "system", OBJECT_ROLE);
		med_json_str(w, "code", "4");
		med_json_str(w, "display", "Domain Resource");
		med_json_end(w, '}');
		med_json_end(w, '}');
	}
	med_json_end(w, ']');
}

static void
audit_event_resource(med_json *w, const char *pid,
		     const Smartmed__Audit__V1__AuditRecord *r)
{
	const audit_event *e = r->event;
	char id[64], status[32];

	/* Event ids are UUIDs; an older or foreign one falls back to seq. */
	if (med_fhir_id_ok(e->event_id))
		snprintf(id, sizeof(id), "%s", e->event_id);
	else
		snprintf(id, sizeof(id), "seq-%llu",
			 (unsigned long long)r->seq);
	snprintf(status, sizeof(status), "gRPC status %d", e->outcome);
	med_fhir_entry_begin(w, FHIR_BASE, "AuditEvent", id);
	security(w, e);
	med_json_begin(w, "type", '{');
	med_json_str(w, "system", TERMINOLOGY "audit-event-type");
	med_json_str(w, "code", "rest");
	med_json_str(w, "display", "RESTful Operation");
	med_json_end(w, '}');
	coding_array(w, "subtype", ACTION_SYSTEM, e->action, NULL);
	if (e->action_code[0] != '\0')
		med_json_str(w, "action", e->action_code);
	med_fhir_instant(w, "recorded", e->time_ms);
	med_json_str(w, "outcome", outcome(e->outcome));
	med_json_str(w, "outcomeDesc", status);
	purpose(w, "purposeOfEvent", e);
	user_agent(w, e);
	source(w, e);
	entities(w, pid, e);
	med_fhir_entry_end(w);
}

/* events_page - the page's records and their patient. */
typedef struct events_page {
	const char *pid;
	Smartmed__Audit__V1__AuditRecord *const *records;
	size_t n;
} events_page;

static uint32_t
event_entries(med_json *w, void *ctx)
{
	const events_page *p = ctx;

	for (size_t i = 0; i < p->n; i++)
		audit_event_resource(w, p->pid, p->records[i]);
	return (uint32_t)p->n;
}

med_err
audit_fhir_bundle(med_arena *arena, const char *patient_id,
		  Smartmed__Audit__V1__AuditRecord *const *records, size_t n,
		  size_t max_bytes, char **json, uint32_t *n_resources)
{
	events_page p = {patient_id, records, n};

	return med_fhir_page_json(arena, max_bytes, patient_id, n > 0,
				  event_entries, &p, json, n_resources);
}
