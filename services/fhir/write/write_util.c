/*
 * write_util.c - what every write (write_*.c) and the write dispatcher
 * (write.c) share: the OperationOutcome of a refusal, an upstream status
 * as an HTTP answer, references and extension URLs, the channel to a
 * service, and the parts of the CapabilityStatement a write describes
 * itself with.  It calls nothing of the facade above it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <med/fhir.h>

#include "write.h"

/* --- answers, references, channels ---------------------------------------
 */

med_err
fhir_write_fail(fhir_write *x, int http_status, const char *issue_code,
		const char *expression, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)fhir_fail(&x->e,
			http_status == 422 ? MED_GRPC_FAILED_PRECONDITION
					   : MED_GRPC_INVALID_ARGUMENT,
			"%s%s%s", expression ? expression : "",
			expression ? ": " : "", msg);
	x->e.http_status = http_status;
	x->e.issue_code = issue_code;
	snprintf(x->expression, sizeof(x->expression), "%s",
		 expression ? expression : "");
	return http_status == 422 ? MED_ERR_PRECONDITION : MED_ERR_INVALID;
}

/* names_element: a service's refusal of the request's content. */
static bool
names_element(int grpc_code)
{
	return grpc_code == MED_GRPC_NOT_FOUND ||
	       grpc_code == MED_GRPC_ALREADY_EXISTS ||
	       grpc_code == MED_GRPC_PERMISSION_DENIED;
}

med_err
fhir_write_upstream(fhir_write *x, const med_rpc_status *st,
		    const char *service, const char *expression,
		    const char *prefix)
{
	const char *msg = st->message[0] ? st->message : "call failed";

	x->refusal = fhir_write_refusal_code(service, st);
	if (st->code == MED_GRPC_INVALID_ARGUMENT ||
	    st->code == MED_GRPC_FAILED_PRECONDITION)
		return fhir_write_fail(x, 422,
				       st->code == MED_GRPC_INVALID_ARGUMENT
					       ? "invalid"
					       : "business-rule",
				       expression, "%s%s refused it: %s",
				       prefix ? prefix : "", service, msg);
	/* A refusal about the request (not the service's state) names the
	 * element too. */
	snprintf(x->expression, sizeof(x->expression), "%s",
		 names_element(st->code) && expression ? expression : "");
	(void)fhir_fail(&x->e, st->code ? st->code : MED_GRPC_INTERNAL,
			"%s%s%s%s: %s", x->expression,
			x->expression[0] ? ": " : "", prefix ? prefix : "",
			service, msg);
	fhir_mark_overload(&x->e, st);
	return med_err_from_grpc_status(x->e.grpc_code);
}

void
fhir_write_outcome(med_json *w, const char *key, const fhir_write *x)
{
	const fhir_error *e = &x->e;

	med_json_begin(w, key, '{');
	med_json_str(w, "resourceType", "OperationOutcome");
	med_json_begin(w, "issue", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "severity", "error");
	med_json_str(w, "code", e->issue_code);
	if (x->refusal != NULL) {
		/* What the refusal is, for a client to act on without
		 * reading the diagnostics' words. */
		med_json_begin(w, "details", '{');
		med_json_begin(w, "coding", '[');
		med_fhir_coding(w, &(med_fhir_code){FHIR_REFUSAL_SYSTEM,
						    x->refusal, NULL});
		med_json_end(w, ']');
		med_json_end(w, '}');
	}
	med_json_str(w, "diagnostics",
		     med_fhir_string_ok(e->diagnostics, false)
			     ? e->diagnostics
			     : "(message withheld: control characters)");
	if (x->expression[0] != '\0') {
		med_json_begin(w, "expression", '[');
		med_json_str(w, NULL, x->expression);
		med_json_end(w, ']');
	}
	med_json_end(w, '}');
	med_json_end(w, ']');
	med_json_end(w, '}');
}

/* --- helpers of the writes ------------------------------------------------
 */

const char *
fhir_write_ext_url(const fhir_write *x, const char *name, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s%s", x->f->base_url, FHIR_SD_PATH, name);
	return buf;
}

/* on_another_server: an absolute URL (scheme://) not below our base. */
static bool
on_another_server(const fhir_write *x, const char *s)
{
	size_t bn = strlen(x->f->base_url);

	if (strstr(s, "://") == NULL)
		return false;
	return strncmp(s, x->f->base_url, bn) != 0 || s[bn] != '/';
}

/*
 * fhir_write_ref_id (fhiredge): a reference is "Type/id", or this
 * server's base URL and "/Type/id".  One on another server's base (issue
 * 49, item 7) names a resource we do not hold: its id must not be taken
 * as ours, since another server's Patient/123 is not our patient 123.
 */
const char *
fhir_write_ref_id(fhir_write *x, const json_t *ref, const char *type)
{
	const char *s = json_string_value(json_object_get(ref, "reference"));
	size_t tn = strlen(type);

	x->foreign_ref = NULL;
	if (s == NULL)
		return NULL;
	if (on_another_server(x, s)) {
		x->foreign_ref = s;
		return NULL;
	}
	if (strstr(s, "://") != NULL)
		s += strlen(x->f->base_url) + 1;
	if (strncmp(s, type, tn) != 0 || s[tn] != '/' ||
	    !med_fhir_id_ok(s + tn + 1))
		return NULL;
	return med_arena_strdup(x->req->arena, s + tn + 1);
}

med_err
fhir_write_ref_foreign(fhir_write *x, const char *expression)
{
	return fhir_write_fail(x, 400, "invalid", expression,
			       "'%.100s' is on another server: want a "
			       "reference to this one's (%.100s/...), or "
			       "Type/{id}",
			       x->foreign_ref, x->f->base_url);
}

/* --- the call ------------------------------------------------------------ */

/* --- CapabilityStatement parts ---------------------------------------------
 */

void
fhir_capability_op(med_json *w, const fhir_facade *f, const char *name,
		   const char *doc)
{
	char def[700];

	snprintf(def, sizeof(def), "%s/OperationDefinition/%s", f->base_url,
		 name);
	med_json_begin(w, NULL, '{');
	med_json_str(w, "name", name);
	med_json_str(w, "definition", def);
	med_json_str(w, "documentation", doc);
	med_json_end(w, '}');
}

void
fhir_capability_interactions(med_json *w, const char *const *codes, size_t n)
{
	med_json_begin(w, "interaction", '[');
	for (size_t i = 0; i < n; i++) {
		med_json_begin(w, NULL, '{');
		med_json_str(w, "code", codes[i]);
		med_json_end(w, '}');
	}
	med_json_end(w, ']');
}
