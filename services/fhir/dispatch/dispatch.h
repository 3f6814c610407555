/*
 * dispatch.h - the facade's dispatcher (dispatch/, above ward/): paths and
 * parameters (route.c), one function per interaction (handle.c, which
 * hands writes to write/ and the ward's requests to ward/) and the
 * CapabilityStatement (capability.c).
 */
#ifndef FHIR_DISPATCH_H
#define FHIR_DISPATCH_H

#include "fhir_facade.h"

/*
 * fhir_route parses req's path (below base_path) and parameters into q.
 * Errors: MED_ERR_NOT_FOUND (no such endpoint), MED_ERR_INVALID (a bad id
 * or parameter, named in e), MED_ERR_UNIMPLEMENTED (a method other than
 * GET).
 */
med_err fhir_route(const fhir_facade *f, const fhir_request *req, fhir_query *q,
		   fhir_error *e);

/* fhir_handle answers one request into resp (body in req->arena). */
void fhir_handle(fhir_facade *f, const fhir_request *req, fhir_response *resp);

/*
 * fhir_allowed_methods names the methods path serves, as an Allow header
 * says them: "GET, HEAD" for a resource, its versions, the capability
 * statement and the searches; ", POST" where a POST searches
 * ([type]/_search), runs an operation ($everything, $verify-face ...),
 * takes a transaction (the base) or creates ([type] of a type write.c
 * creates).  No path takes PUT, PATCH or DELETE: the facade updates and
 * deletes nothing (its CapabilityStatement says so).
 */
const char *fhir_allowed_methods(const fhir_facade *f, const char *path);

/*
 * fhir_method_refuse answers 405 with the path's Allow header and an
 * OperationOutcome when req's method is none the facade serves (any but
 * GET, HEAD and POST); false when the method may go on.  A POST where
 * nothing is posted (a resource) is 405 from fhir_route.
 */
bool fhir_method_refuse(const fhir_facade *f, const fhir_request *req,
			fhir_response *resp);

/* fhir_capability_write writes the CapabilityStatement. */
void fhir_capability_write(med_json *w, const fhir_facade *f);

#endif
