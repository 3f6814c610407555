/*
 * handlers_bedside.c - the bedside's two identifiers (docs/face.md, "Two
 * identifiers at the bedside"): the wristband as the scanner read it,
 * checked against the patient before any face work (VerifyFace), and the
 * ward's standard second check when the face does not confirm the patient,
 * the name and birth date the patient states read against the wristband's
 * record (ConfirmStatedIdentifiers), which signs a token of its own.
 */
#include <med/audit.h>
#include <med/check.h>
#include <med/codec.h>
#include <med/service.h>
#include <med/vtoken.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "identity.h"

/* The longest wristband a scanner may type: an MRN or a patient id. */
#define WRISTBAND_MAX 64

/* trim_copy copies s without leading and trailing blanks (a scanner's
 * trailing CR or LF included) into a. */
static char *
trim_copy(med_arena *a, const char *s)
{
	size_t n;

	while (*s != '\0' && isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return med_arena_sprintf(a, "%.*s", (int)n, s);
}

/* wristband_lookup finds the record a scanned wristband names: a patient
 * id when it has that shape and is one, else an MRN. */
static med_err
wristband_lookup(med_call *call, const char *scan, identity_patient *out)
{
	med_db *db = med_call_db(call);
	med_arena *a = med_call_arena(call);
	med_problem p;
	med_err err = MED_ERR_NOT_FOUND;

	if (med_id_problem("wristband", scan, &p) == MED_OK)
		err = identity_store_get(db, a, "patient_id", scan, out);
	if (err == MED_ERR_NOT_FOUND)
		err = identity_store_get(db, a, "mrn", scan, out);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, MED_ERR_NOT_FOUND,
				     "wristband: no patient has the wristband "
				     "\"%s\" (an MRN or patient id): scan it "
				     "again, or have the registration checked",
				     scan);
	return err;
}

/* family_head is the record a patient's data is read as: the survivor it
 * is merged into, else itself. */
static const char *
family_head(const identity_patient *p)
{
	return p->linked_to != NULL && p->linked_to[0] != '\0' ? p->linked_to
							       : p->patient_id;
}

med_err
identity_wristband_resolve(med_call *call, const char *wristband,
			   const char *patient_id, const char **out_id)
{
	char *scan = trim_copy(med_call_arena(call), wristband);
	identity_patient band, claimed;
	med_err err;

	if (scan == NULL)
		return MED_ERR_NOMEM;
	if ((err = med_check_text(call, "wristband", scan, 1, WRISTBAND_MAX)) !=
		    MED_OK ||
	    (err = wristband_lookup(call, scan, &band)) != MED_OK)
		return err;
	/* One detail says how the wristband went: VerifyFace's audit event
	 * has room for one more (MED_AUDIT_MAX_DETAILS). */
	if (patient_id[0] == '\0') {
		*out_id = band.patient_id;
		return med_call_add_detail(call, "wristband", "scanned");
	}
	if ((err = med_check_id(call, "patient_id", patient_id)) != MED_OK)
		return err;
	err = identity_store_get(med_call_db(call), med_call_arena(call),
				 "patient_id", patient_id, &claimed);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "patient_id: no such patient");
	if (err != MED_OK)
		return err;
	med_call_set_patient(call, patient_id);
	if (strcmp(family_head(&band), family_head(&claimed)) != 0) {
		(void)med_call_add_detail(call, "wristband",
					  "another patient's");
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "wristband: \"%s\" is another patient's "
				     "wristband, not this patient's: stop, and "
				     "check who is in the bed before going on",
				     scan);
	}
	*out_id = patient_id;
	return med_call_add_detail(call, "wristband", "scanned");
}

/* --- ConfirmStatedIdentifiers ---------------------------------------- */

/* fold writes s lower-cased (ASCII), trimmed, with runs of blanks made
 * one space, into out (cap): names are read aloud and typed, so case and
 * spacing say nothing. */
static void
fold(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	bool blank = false;

	while (*s != '\0' && isspace((unsigned char)*s))
		s++;
	for (; *s != '\0' && n + 2 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if (isspace(c)) {
			blank = true;
			continue;
		}
		if (blank)
			out[n++] = ' ';
		blank = false;
		out[n++] = (char)tolower(c);
	}
	out[n] = '\0';
}

static bool
same_name(const char *registered, const char *stated)
{
	char r[808], s[808];

	fold(registered ? registered : "", r, sizeof(r));
	fold(stated, s, sizeof(s));
	return strcmp(r, s) == 0;
}

/* given_agrees: the stated given name is the registered given names, or
 * their first one ("Mary" for "Mary Ann"). */
static bool
given_agrees(const char *registered, const char *stated)
{
	char r[808], s[808];
	size_t n;

	fold(registered ? registered : "", r, sizeof(r));
	fold(stated, s, sizeof(s));
	n = strlen(s);
	return strcmp(r, s) == 0 ||
	       (n > 0 && strncmp(r, s, n) == 0 && r[n] == ' ');
}

static med_err
stated_checks(
	med_call *call,
	const Smartmed__Identity__V1__ConfirmStatedIdentifiersRequest *req)
{
	static const char *const after[] = {"", "no-match", "retake",
					    "not-possible"};
	identity_face *f = identity_face_from_call(call);
	med_err err;
	size_t i;

	if (f == NULL || identity_face_key_id(f)[0] == '\0')
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "verification tokens are not configured "
				     "(MED_IDENTITY_SIGNING_KEY_FILE and "
				     "MED_IDENTITY_TEMPLATE_KEY_FILE)");
	if ((err = med_check_text(call, "family_name", req->family_name, 1,
				  200)) != MED_OK ||
	    (err = med_check_text(call, "given_name", req->given_name, 0,
				  200)) != MED_OK ||
	    (err = med_check_date(call, "birth_date", req->birth_date, true)) !=
		    MED_OK ||
	    (err = med_check_text(call, "terminal", req->terminal, 0,
				  MED_VTOKEN_STR_MAX)) != MED_OK)
		return err;
	for (i = 0; i < sizeof(after) / sizeof(after[0]); i++)
		if (strcmp(req->after_face, after[i]) == 0)
			return MED_OK;
	return med_call_fail(call, MED_ERR_INVALID,
			     "after_face: must be no-match, retake, "
			     "not-possible or empty");
}

/* compare lists in res the stated fields that disagree with p's. */
static med_err
compare(med_call *call,
	const Smartmed__Identity__V1__ConfirmStatedIdentifiersRequest *req,
	const identity_patient *p,
	Smartmed__Identity__V1__ConfirmStatedIdentifiersResponse *res)
{
	char **m = med_arena_alloc(med_call_arena(call), 3 * sizeof(char *));
	size_t n = 0;

	if (m == NULL)
		return MED_ERR_NOMEM;
	if (!same_name(p->family_name, req->family_name))
		m[n++] = (char *)"family_name";
	if (req->given_name[0] != '\0' &&
	    !given_agrees(p->given_name, req->given_name))
		m[n++] = (char *)"given_name";
	if (p->birth_date == NULL || strcmp(p->birth_date, req->birth_date))
		m[n++] = (char *)"birth_date";
	res->mismatched = m;
	res->n_mismatched = n;
	res->confirmed = n == 0;
	return MED_OK;
}

/* stated_token signs the token of a confirmed stated check. */
static med_err
stated_token(med_call *call, const char *patient_id, const char *terminal,
	     Smartmed__Identity__V1__ConfirmStatedIdentifiersResponse *res)
{
	identity_face *f = identity_face_from_call(call);
	char tok[MED_VTOKEN_MAX_LEN + 1];
	int64_t now = med_now_ms();
	med_vtoken_claims c;
	med_err err;

	memset(&c, 0, sizeof(c));
	med_strlcpy(c.patient_id, patient_id, sizeof(c.patient_id));
	/* Both identifiers agreed exactly: the score is met in full. */
	c.score = 1.0;
	c.threshold = 1.0;
	med_strlcpy(c.model, "stated-identifiers", sizeof(c.model));
	med_strlcpy(c.device, terminal[0] ? terminal : "unspecified",
		    sizeof(c.device));
	med_strlcpy(c.checked, MED_VTOKEN_CHECKED_WRISTBAND_STATED,
		    sizeof(c.checked));
	med_strlcpy(c.checked_by, identity_caller(call), sizeof(c.checked_by));
	c.issued_ms = now;
	c.expires_ms = now + identity_face_ttl_ms(f);
	med_uuid_v4(c.token_id);
	err = med_vtoken_sign(identity_face_signing_seed(f), &c, tok,
			      sizeof(tok));
	if (err != MED_OK)
		return err;
	res->verification_token = med_arena_strdup(med_call_arena(call), tok);
	res->expires_ms = c.expires_ms;
	res->identifiers_checked = (char *)MED_VTOKEN_CHECKED_WRISTBAND_STATED;
	return res->verification_token ? MED_OK : MED_ERR_NOMEM;
}

static void
stated_audit(
	med_call *call,
	const Smartmed__Identity__V1__ConfirmStatedIdentifiersRequest *req,
	const Smartmed__Identity__V1__ConfirmStatedIdentifiersResponse *res)
{
	char list[64] = "";
	size_t n = 0;

	for (size_t i = 0; i < res->n_mismatched && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
				      i ? "," : "", res->mismatched[i]);
	med_call_set_patient(call, res->patient_id);
	med_call_add_details(
		call,
		(med_audit_detail[]){
			{"event", res->confirmed
					  ? "stated identifiers confirmed"
					  : "stated identifiers did not match"},
			{"identifiers", MED_VTOKEN_CHECKED_WRISTBAND_STATED},
			{"after_face", req->after_face},
			{"mismatched", list},
			{"terminal", req->terminal}},
		5);
}

med_err
identity_rpc_confirm_stated_identifiers(med_call *call,
					const ProtobufCMessage *in,
					ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__ConfirmStatedIdentifiersRequest *req =
		(const void *)in;
	Smartmed__Identity__V1__ConfirmStatedIdentifiersResponse *res =
		(void *)out;
	identity_patient p;
	const char *id = NULL;
	med_err err;

	if ((err = stated_checks(call, req)) != MED_OK ||
	    (err = identity_wristband_resolve(call, req->wristband,
					      req->patient_id, &id)) != MED_OK)
		return err;
	err = identity_store_get(med_call_db(call), med_call_arena(call),
				 "patient_id", id, &p);
	if (err != MED_OK)
		return err;
	res->patient_id = (char *)id;
	if ((err = compare(call, req, &p, res)) != MED_OK)
		return err;
	identity_watch_stated(med_call_db(call),
			      med_service_metrics(med_service_from_call(call)),
			      req->terminal, id, res->confirmed);
	if (res->confirmed)
		identity_hold_clear(call, id);
	else if ((err = identity_hold_set(call, id, "stated-mismatch",
					  req->terminal)) != MED_OK)
		return err;
	if ((res->confirmed &&
	     (err = stated_token(call, id, req->terminal, res)) != MED_OK))
		return err;
	stated_audit(call, req, res);
	return MED_OK;
}
