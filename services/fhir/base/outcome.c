/*
 * outcome.c - errors as FHIR sees them: each gRPC status a service can
 * answer maps to one HTTP status and one OperationOutcome issue code, here
 * and nowhere else.
 */
#include <stdarg.h>
#include <stdio.h>

#include <med/fhir.h>
#include <med/rpc.h>

#include "fhir_facade.h"

/* gRPC status codes (grpc/status.h), kept numeric so that only libmed's
 * rpc files include gRPC headers. */
enum {
	GRPC_OK = 0,
	GRPC_CANCELLED = 1,
	GRPC_INVALID_ARGUMENT = 3,
	GRPC_DEADLINE_EXCEEDED = 4,
	GRPC_NOT_FOUND = 5,
	GRPC_ALREADY_EXISTS = 6,
	GRPC_PERMISSION_DENIED = 7,
	GRPC_RESOURCE_EXHAUSTED = 8,
	GRPC_FAILED_PRECONDITION = 9,
	GRPC_ABORTED = 10,
	GRPC_UNIMPLEMENTED = 12,
	GRPC_UNAVAILABLE = 14,
	GRPC_UNAUTHENTICATED = 16,
};

typedef struct status_map {
	int grpc_code;
	int http_status;
	const char *issue_code; /* http://hl7.org/fhir/issue-type */
} status_map;

/* Anything not listed is the facade's or a service's fault: 500. */
static const status_map status_table[] = {
	{GRPC_INVALID_ARGUMENT, 400, "invalid"},
	{GRPC_UNAUTHENTICATED, 401, "login"},
	{GRPC_PERMISSION_DENIED, 403, "forbidden"},
	{GRPC_NOT_FOUND, 404, "not-found"},
	{GRPC_UNIMPLEMENTED, 405, "not-supported"},
	{GRPC_ALREADY_EXISTS, 409, "duplicate"},
	{GRPC_ABORTED, 409, "conflict"},
	/* A merged patient or a record in a state that forbids the read. */
	{GRPC_FAILED_PRECONDITION, 412, "business-rule"},
	{GRPC_RESOURCE_EXHAUSTED, 429, "throttled"},
	{GRPC_UNAVAILABLE, 503, "transient"},
	{GRPC_DEADLINE_EXCEEDED, 503, "timeout"},
	{GRPC_CANCELLED, 503, "transient"},
};

med_err
fhir_fail(fhir_error *e, int grpc_code, const char *fmt, ...)
{
	va_list ap;

	e->grpc_code = grpc_code;
	e->http_status = 500;
	e->issue_code = "exception";
	for (size_t i = 0; i < sizeof(status_table) / sizeof(*status_table);
	     i++) {
		if (status_table[i].grpc_code == grpc_code) {
			e->http_status = status_table[i].http_status;
			e->issue_code = status_table[i].issue_code;
		}
	}
	va_start(ap, fmt);
	vsnprintf(e->diagnostics, sizeof(e->diagnostics), fmt, ap);
	va_end(ap);
	return med_err_from_grpc_status(grpc_code);
}

void
fhir_outcome_write(med_json *w, const fhir_error *e)
{
	med_json_begin(w, NULL, '{');
	med_json_str(w, "resourceType", "OperationOutcome");
	med_json_begin(w, "issue", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "severity", "error");
	med_json_str(w, "code", e->issue_code);
	/* R4 strings carry no control characters; a service's message
	 * with one is replaced rather than breaking the outcome. */
	if (e->diagnostics[0] != '\0')
		med_json_str(
			w, "diagnostics",
			med_fhir_string_ok(e->diagnostics, false)
				? e->diagnostics
				: "(message withheld: control characters)");
	med_json_end(w, '}');
	med_json_end(w, ']');
	med_json_end(w, '}');
}

void
fhir_mark_overload(fhir_error *e, const med_rpc_status *st)
{
	if (st->code != GRPC_RESOURCE_EXHAUSTED || st->retry_pushback_ms <= 0)
		return;
	e->http_status = 503;
	e->issue_code = "transient";
	snprintf(e->retry_after, sizeof(e->retry_after), "%d",
		 (st->retry_pushback_ms + 999) / 1000);
}

med_err
fhir_fail_upstream(fhir_error *e, const char *service, const med_rpc_status *st)
{
	med_err err;

	if (st->code == GRPC_OK)
		return fhir_fail(e, MED_GRPC_INTERNAL, "%s: call failed",
				 service);
	err = fhir_fail(e, st->code, "%s: %s", service, st->message);
	fhir_mark_overload(e, st);
	return err;
}

/* fhir_respond_retry_after carries e's Retry-After, if any, into resp. */
void
fhir_respond_retry_after(fhir_response *resp, med_arena *arena,
			 const fhir_error *e)
{
	if (e->retry_after[0] != '\0')
		resp->retry_after = med_arena_strdup(arena, e->retry_after);
}

void
fhir_respond_outcome(fhir_response *resp, med_arena *arena, const fhir_error *e)
{
	med_json w;
	size_t len = 0;
	const char *text;

	med_json_init_arena(&w, arena, FHIR_BODY_MAX);
	fhir_outcome_write(&w, e);
	text = med_json_text(&w, &len);
	resp->status = e->http_status;
	resp->ask_for_token = e->http_status == 401;
	fhir_respond_retry_after(resp, arena, e);
	resp->body = text ? text : "";
	resp->len = text ? len : 0;
	resp->content_type = NULL;
}
