/*
 * identifiers.c - which bedside identifications a dose may be charted on
 * (MED_DOSAGE_IDENTIFIERS), and the count of how doses were identified.
 *
 * A verification token names the identifiers identity checked
 * (med/vtoken.h): the wristband with the face, the wristband with the name
 * and birth date the patient stated, or (a token from before tokens named
 * them) the face alone.  The ward's policy lists the combinations it
 * accepts; a token outside it is refused before anything is charted.
 */
#include <med/metrics.h>
#include <med/service.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "dosage.h"

/* The identifier combinations a token can name, as the policy spells
 * them, each with its bit in dosage_state.identifiers. */
static const char *const known[] = {
	MED_VTOKEN_CHECKED_WRISTBAND_FACE,
	MED_VTOKEN_CHECKED_WRISTBAND_STATED,
	MED_VTOKEN_CHECKED_FACE,
};
#define N_KNOWN (sizeof(known) / sizeof(known[0]))

static int
known_bit(const char *s, size_t len)
{
	for (size_t i = 0; i < N_KNOWN; i++)
		if (strlen(known[i]) == len && strncmp(known[i], s, len) == 0)
			return (int)i;
	return -1;
}

med_err
dosage_identifiers_parse(const char *s, unsigned *out)
{
	unsigned set = 0;

	if (s == NULL || s[0] == '\0')
		s = DOSAGE_IDENTIFIERS_DEFAULT;
	while (*s != '\0') {
		size_t len = strcspn(s, ",");
		int bit = known_bit(s, len);

		if (bit < 0)
			return MED_ERR_INVALID;
		set |= 1u << bit;
		s += len + (s[len] == ',');
	}
	if (set == 0)
		return MED_ERR_INVALID;
	*out = set;
	return MED_OK;
}

/* accepted_list writes the policy's combinations, "a or b", into buf. */
static void
accepted_list(unsigned set, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < N_KNOWN && n < cap; i++)
		if (set & (1u << i))
			n += (size_t)snprintf(buf + n, cap - n, "%s%s",
					      n ? " or " : "", known[i]);
}

/* identifiers_audit names on the call's audit event what identified the
 * patient and who checked; the terminal is kept with the administration,
 * since an administration's event is at its bound of details
 * (MED_AUDIT_MAX_DETAILS) with every override, a deviation and merged
 * records. */
static med_err
identifiers_audit(med_call *call, const med_vtoken_claims *c)
{
	med_err err = med_call_add_detail(call, "identifiers", c->checked);

	if (err == MED_OK && c->checked_by[0] != '\0')
		err = med_call_add_detail(call, "identifiers_checked_by",
					  c->checked_by);
	return err;
}

med_err
dosage_identifiers_check(med_call *call, const med_vtoken_claims *c)
{
	const dosage_state *st = med_service_data(med_service_from_call(call));
	unsigned set = st ? st->identifiers : 0;
	int bit = known_bit(c->checked, strlen(c->checked));
	char list[128];

	if (bit >= 0 && (set & (1u << bit)))
		return identifiers_audit(call, c);
	accepted_list(set, list, sizeof(list));
	if (bit == 2)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "verification_token: the face alone was "
				     "checked, no wristband was scanned; this "
				     "ward charts a dose on %s "
				     "(" DOSAGE_IDENTIFIERS_SETTING "): scan "
				     "the wristband and verify again",
				     list);
	return med_call_fail(call, MED_ERR_PRECONDITION,
			     "verification_token: the identifiers checked "
			     "(\"%s\") are not accepted; this ward charts a "
			     "dose on %s (" DOSAGE_IDENTIFIERS_SETTING ")",
			     c->checked, list);
}

#define REASON(x) SMARTMED__DOSAGE__V1__OVERRIDE_REASON__OVERRIDE_REASON_##x

/* override_label is the metric label of an identity override's reason. */
static const char *
override_label(Smartmed__Dosage__V1__OverrideReason reason)
{
	switch (reason) {
	case REASON(EMERGENCY):
		return "emergency";
	case REASON(VERIFICATION_UNAVAILABLE):
		return "verification_unavailable";
	case REASON(OTHER):
		return "other";
	case REASON(EMERGENCY_NO_STATED_CHECK):
		return "emergency_no_stated_check";
	default:
		return "clinical";
	}
}

void
dosage_identifiers_count(med_call *call, const med_vtoken_claims *c,
			 const dosage_override *identity_override)
{
	med_metrics *m = med_service_metrics(med_service_from_call(call));
	char labels[96];
	med_counter *k;

	if (c != NULL) {
		snprintf(labels, sizeof(labels), "identifiers=\"%s\"",
			 c->checked);
		k = med_metrics_counter(m, "smartmed_dosage_identified_total",
					"Doses charted, by the identifiers "
					"checked at the bedside",
					labels);
	} else if (identity_override != NULL) {
		snprintf(labels, sizeof(labels), "reason=\"%s\"",
			 override_label(identity_override->reason));
		k = med_metrics_counter(
			m, "smartmed_dosage_identity_overrides_total",
			"Doses charted without a bedside identification, "
			"under an audited identity override, by reason",
			labels);
	} else {
		return;
	}
	if (k != NULL)
		med_counter_add(k, 1);
}

/* hold_what says in a nurse's words what the held check answered (the
 * whole message fits a gRPC status of 255 bytes). */
static const char *
hold_what(const char *outcome)
{
	if (strcmp(outcome, "stated-mismatch") == 0)
		return "the stated identifiers did not match the wristband";
	if (strcmp(outcome, "retake") == 0)
		return "the face asked for a retake";
	return "the face did not match";
}

/* count_refused counts an identity override refused under a hold. */
static void
count_refused(med_call *call, const char *outcome)
{
	med_metrics *m = med_service_metrics(med_service_from_call(call));
	char labels[64];
	med_counter *k;

	snprintf(labels, sizeof(labels), "after=\"%s\"", outcome);
	k = med_metrics_counter(
		m, "smartmed_dosage_identity_overrides_refused_total",
		"Identity overrides refused because a bedside check had not "
		"identified the patient (a face no-match or retake, stated "
		"identifiers that did not match), by that check's outcome",
		labels);
	if (k != NULL)
		med_counter_add(k, 1);
}

med_err
dosage_identity_hold_guard(med_call *call, const dosage_known *k,
			   const dosage_override *identity_override)
{
	long minutes;

	if (identity_override == NULL || k->unconfirmed[0] == '\0')
		return MED_OK;
	/* An emergency in which the patient cannot state who they are is
	 * the one case the stated check cannot follow the face. */
	if (identity_override->reason == REASON(EMERGENCY_NO_STATED_CHECK))
		return med_call_add_detail(call, "identity_override_after",
					   k->unconfirmed);
	count_refused(call, k->unconfirmed);
	(void)med_call_add_detail(call, "identity_override_refused_after",
				  k->unconfirmed);
	minutes = (long)((med_now_ms() - k->unconfirmed_ms) / 60000);
	return med_call_fail(call, MED_ERR_PRECONDITION,
			     "identity_override: %s %ld min ago; a non-match "
			     "is never an override: do the stated check "
			     "(ConfirmStatedIdentifiers), or, if the patient "
			     "cannot state who they are, "
			     "OVERRIDE_REASON_EMERGENCY_NO_STATED_CHECK",
			     hold_what(k->unconfirmed),
			     minutes < 0 ? 0 : minutes);
}
