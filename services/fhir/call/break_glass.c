/*
 * break_glass.c - the X-Break-Glass header, verified before it counts.
 *
 * A client breaks the glass through the facade by naming the grant identity
 * gave its user (StartBreakGlass's grant_id).  The facade asks identity, as
 * that user, for the user's active grants for the request's patient, and
 * the request is audited as emergency access only when the grant is among
 * them.  Anything else (garbage, a grant of another user or for another
 * patient, an ended or expired grant, an old signed header grant, which
 * names no patient) is refused with 403 and audited as a refused ordinary
 * access, so that the break-glass review lists only real emergencies.
 *
 * The header is not forwarded: the services find the grant themselves, as
 * their care check asks identity about this user and patient.
 */
#include <med/util.h>

#include <string.h>

#include "smartmed/common/v1/common.pb-c.h"
#include "smartmed/identity/v1/identity.pb-c.h"

#include "call.h"

/* Pages of one user's active grants for one patient read at most: a
 * limit on a broken identity, far above what the rate limit allows. */
#define GRANT_PAGES_MAX 10

static bool
is_grant_id(const char *s)
{
	return med_is_lower_hex(s, FHIR_GRANT_ID_LEN);
}

static med_err
refuse(fhir_error *e, const char *why)
{
	return fhir_fail(e, MED_GRPC_PERMISSION_DENIED,
			 "X-Break-Glass: %s; start a grant for this patient "
			 "with identity's StartBreakGlass and send its "
			 "grant_id",
			 why);
}

/* is_live_grant is true when g is grant_id, held by user and active. */
static bool
is_live_grant(const Smartmed__Identity__V1__BreakGlassGrant *g,
	      const char *grant_id, const char *user)
{
	return strcmp(g->grant_id, grant_id) == 0 &&
	       strcmp(g->user, user) == 0 && g->active;
}

/* find_grant pages through identity's list until grant_id turns up. */
static med_err
find_grant(fhir_facade *f, fhir_call *c, const char *patient_id,
	   const char *grant_id, const char *user, bool *found, fhir_error *e)
{
	Smartmed__Identity__V1__ListBreakGlassResponse *res = NULL;
	const char *token = "";

	*found = false;
	for (int i = 0; i < GRANT_PAGES_MAX; i++) {
		med_err err =
			fhir_list_break_glass(f, c, patient_id, token, &res, e);

		if (err != MED_OK)
			return err;
		for (size_t j = 0; j < res->n_grants; j++)
			if (is_live_grant(res->grants[j], grant_id, user))
				*found = true;
		if (*found || res->page == NULL ||
		    res->page->next_page_token[0] == '\0')
			return MED_OK;
		token = res->page->next_page_token;
	}
	return MED_OK;
}

med_err
fhir_break_glass_verify(fhir_facade *f, const fhir_request *req,
			const fhir_query *q, const med_principal *who,
			fhir_break_glass *state,
			char grant_id[FHIR_GRANT_ID_LEN + 1], fhir_error *e)
{
	/* The grant check runs as the user and carries no header itself. */
	fhir_call c = fhir_user_call(req);
	bool found = false;
	med_err err;

	*state = FHIR_BG_REFUSED;
	if (!is_grant_id(req->break_glass))
		return refuse(e, "not a grant id (32 lower-case hex "
				 "characters)");
	if (q->patient_id == NULL)
		return refuse(e, "a grant opens one patient and this request "
				 "names none");
	err = find_grant(f, &c, q->patient_id, req->break_glass, who->user,
			 &found, e);
	if (err == MED_ERR_DENIED)
		return refuse(e, "only clinicians and nurses break the glass");
	if (err != MED_OK)
		return err;
	if (!found)
		return refuse(e, "names no active grant of yours for this "
				 "patient");
	memcpy(grant_id, req->break_glass, FHIR_GRANT_ID_LEN + 1);
	*state = FHIR_BG_VERIFIED;
	return MED_OK;
}
