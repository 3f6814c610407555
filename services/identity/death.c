/*
 * death.c - a death survives a merge: the rules, pure (no gRPC, no SQL).
 * A record merged into a survivor is the same person, so a death recorded
 * on either is the survivor's.  Nothing is copied when records are linked:
 * GetPatient joins the deaths of the survivor and its merged records at
 * every read, and an unlink gives each record back its own (the way the
 * other services read a merged record's data, docs/dose-safety.md,
 * "Merged records").
 */
#include <med/arena.h>
#include <med/fhir.h>

#include <stdio.h>
#include <string.h>

#include "identity.h"

void
identity_death_own(identity_death *d, const identity_patient *p)
{
	d->deceased = p->deceased;
	d->deceased_ms = p->deceased ? p->deceased_ms : 0;
	d->record_id = NULL;
}

void
identity_death_join(identity_death *d, const char *record_id, bool deceased,
		    int64_t deceased_ms)
{
	if (!deceased)
		return;
	/* Of two deaths the earlier known time stands: no dose is given
	 * after the first moment any record says the patient died. */
	if (d->deceased &&
	    (deceased_ms == 0 ||
	     (d->deceased_ms != 0 && d->deceased_ms <= deceased_ms)))
		return;
	d->deceased = true;
	d->deceased_ms = deceased_ms;
	d->record_id = record_id;
}

void
identity_death_apply(identity_patient *p, const identity_death *d)
{
	p->deceased = d->deceased;
	p->deceased_ms = d->deceased_ms;
	if (d->record_id != NULL)
		p->deceased_record_id = (char *)d->record_id;
}

/* when writes t as an RFC 3339 instant, "time not known" for 0. */
static void
when(int64_t t, char out[40])
{
	if (t == 0)
		snprintf(out, 40, "time not known");
	else if (!med_fhir_format_instant(t, out))
		snprintf(out, 40, "%lld ms", (long long)t);
}

const char *
identity_link_death_note(med_arena *a, const identity_death *survivor,
			 const identity_death *merged)
{
	identity_death after = *survivor;
	char s[40], m[40], buf[256];

	if (!merged->deceased)
		return NULL; /* the survivor's own death, if any, stands */
	when(survivor->deceased_ms, s);
	when(merged->deceased_ms, m);
	if (!survivor->deceased)
		snprintf(buf, sizeof(buf),
			 "the merged record's death (%s) is the survivor's: "
			 "no dose is charted after it",
			 m);
	else {
		identity_death_join(&after, "merged", true,
				    merged->deceased_ms);
		snprintf(buf, sizeof(buf),
			 "both records record a death: the survivor keeps "
			 "the earlier, %s (recorded on the %s record; the "
			 "%s record's: %s)",
			 after.record_id ? m : s,
			 after.record_id ? "merged" : "surviving",
			 after.record_id ? "surviving" : "merged",
			 after.record_id ? s : m);
	}
	return med_arena_strdup(a, buf);
}

med_err
identity_withdraw_problem(
	const Smartmed__Identity__V1__UpdatePatientRequest *req,
	const identity_death *merged, med_problem *p)
{
	if (!req->set_deceased_case || req->deceased || !merged->deceased)
		return MED_OK;
	/* The survivor's own row may say alive; its patient is still dead
	 * while a merged record says so, and a merged record takes no
	 * update: the withdrawal goes through the unlink. */
	return med_problem_set(p, MED_ERR_PRECONDITION, "deceased",
			       "the death is recorded on record %s, merged "
			       "into this one; undo that link (UnlinkPatients) "
			       "to withdraw it",
			       merged->record_id);
}
