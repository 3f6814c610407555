/*
 * scope.c - whose patients a call may find, read and identify.  A
 * clinician or nurse looks up only the patients they are related to (the
 * care relationship of CheckCareRelationship, or their own break-glass
 * grant); registrars, admins, pharmacists and services look up the whole
 * hospital, and people's whole-hospital lookups say so in the audit log
 * (docs/security.md, "Patient lookup").  Outside the scope a patient does
 * not exist: NOT_FOUND, as for an id nobody registered.
 */
#include <med/check.h>
#include <med/config.h>
#include <med/log.h>
#include <med/service.h>
#include <med/util.h>

#include <string.h>

#include "identity.h"

/* The roles held to the care relationship, as in libmed's care check. */
#define CARE_ROLES (MED_ROLE_CLINICIAN | MED_ROLE_NURSE)

/*
 * held_by_role is true when the method admits the caller by a role other
 * than clinician or nurse: those keep the reach of their role.
 */
static bool
held_by_role(med_call *call)
{
	const med_method *m = med_call_method(call);
	const med_principal *p = med_call_principal(call);

	return m == NULL || (p->roles & m->roles & MED_ROLE_ALL & ~CARE_ROLES);
}

static bool
scope_enforced(med_call *call)
{
	return med_config_bool(med_service_config(med_service_from_call(call)),
			       IDENTITY_SCOPE_KEY);
}

med_err
identity_scope_of(med_call *call, identity_scope *out)
{
	const med_principal *p = med_call_principal(call);
	int64_t hours =
		med_config_int(med_service_config(med_service_from_call(call)),
			       IDENTITY_DISCHARGE_HOURS_KEY);

	memset(out, 0, sizeof(*out));
	out->whole = !scope_enforced(call) || held_by_role(call);
	out->user = p->user;
	out->now_ms = med_now_ms();
	out->since_ms = out->now_ms - hours * 3600 * 1000;
	for (size_t i = 0; i < p->n_units && i < MED_PRINCIPAL_UNITS_MAX; i++)
		out->units[out->n_units++] = (char *)p->units[i];
	/* A service's lookups are the platform's own (patient checks); a
	 * person's whole-hospital lookup is what the audit must single
	 * out. */
	if (p->roles & MED_ROLE_SERVICE)
		return MED_OK;
	return med_call_add_detail(call, "lookup_scope",
				   out->whole ? "whole-hospital" : "care");
}

med_err
identity_scope_check(med_call *call, const identity_scope *s,
		     const char *patient_id)
{
	identity_care_answer ans =
		SMARTMED__IDENTITY__V1__CHECK_CARE_RELATIONSHIP_RESPONSE__INIT;
	med_err err;

	if (s->whole)
		return MED_OK;
	err = identity_care_of(call, patient_id, s->user, s->units, s->n_units,
			       &ans);
	if (err != MED_OK)
		return err;
	if (!ans.related)
		return MED_ERR_NOT_FOUND;
	if (ans.via_break_glass)
		med_call_mark_break_glass(call, ans.grant_id);
	return MED_OK;
}

med_err
identity_scope_not_found(med_call *call, const identity_scope *s,
			 const char *field)
{
	if (s->whole)
		return med_call_fail(call, MED_ERR_NOT_FOUND,
				     "%s: no such patient", field);
	return med_call_fail(call, MED_ERR_NOT_FOUND,
			     "%s: no such patient among yours (your care "
			     "teams, your units, your recent discharges, "
			     "your break-glass grants); registration looks "
			     "up the whole hospital",
			     field);
}

med_err
identity_scope_refuse(med_call *call, const identity_scope *s,
		      const char *patient_id, const char *field)
{
	med_call_set_patient(call, patient_id);
	(void)med_call_add_detail(call, "care_relationship", "none");
	return identity_scope_not_found(call, s, field);
}

med_err
identity_visible_patient(med_call *call, const char *patient_id)
{
	identity_patient p;
	identity_scope s;
	med_err err = med_check_id(call, "patient_id", patient_id);

	if (err == MED_OK)
		err = identity_scope_of(call, &s);
	if (err != MED_OK)
		return err;
	err = identity_store_get(med_call_db(call), med_call_arena(call),
				 "patient_id", patient_id, &p);
	if (err == MED_ERR_NOT_FOUND)
		return identity_scope_not_found(call, &s, "patient_id");
	if (err == MED_OK)
		err = identity_scope_check(call, &s, patient_id);
	if (err == MED_ERR_NOT_FOUND)
		return identity_scope_refuse(call, &s, patient_id,
					     "patient_id");
	if (err == MED_OK)
		med_call_set_patient(call, patient_id);
	return err;
}

size_t
identity_scope_keep(med_call *call, const identity_scope *s, identity_hit *h,
		    size_t n)
{
	size_t kept = 0;

	if (s->whole)
		return n;
	for (size_t i = 0; i < n; i++) {
		identity_care_answer ans =
			SMARTMED__IDENTITY__V1__CHECK_CARE_RELATIONSHIP_RESPONSE__INIT;

		/* Closed on error: a hit we cannot place is left out. */
		if (identity_care_of(call, h[i].patient_id, s->user, s->units,
				     s->n_units, &ans) == MED_OK &&
		    ans.related)
			h[kept++] = h[i];
	}
	return kept;
}

void
identity_scope_announce(const med_config *c)
{
	if (med_config_bool(c, IDENTITY_SCOPE_KEY))
		med_log_info("clinicians and nurses look up only their own "
			     "patients (care team, units, recent discharge, "
			     "break-glass grant)");
	else
		med_log_warn("MED_CARE_ENFORCE is off: clinicians and nurses "
			     "find, read and identify every patient of the "
			     "hospital");
}
