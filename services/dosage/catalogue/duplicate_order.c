/*
 * duplicate_order.c - duplicate orders of one substance (classes.h): two
 * orders of a substance, or of substances that share an active moiety
 * (valaciclovir beside aciclovir, as the substance knowledge base says),
 * in force at once.  It sits above classes.c and substance_kb.c, which
 * uses classes.c's groups, so that neither of those uses the other back.
 */
#include <stdio.h>
#include <string.h>

#include "classes.h"
#include "substance_kb.h"

bool
dosage_periods_overlap(int64_t s1, int64_t e1, int64_t s2, int64_t e2)
{
	return (e2 == 0 || s1 < e2) && (e1 == 0 || s2 < e1);
}

dosage_dose_status
dosage_duplicate_order_status(bool a_scheduled, bool b_scheduled)
{
	return a_scheduled && b_scheduled ? DOSAGE_DOSE_HARD_STOP
					  : DOSAGE_DOSE_WARN;
}

/* seen_order: does an earlier item of o[0..i) that meets the rule name
 * the same order (a combination product has a row per substance)? */
static bool
seen_order(const dosage_class_other *o, const bool *met, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (met[j] && strcmp(o[j].order_id, o[i].order_id) == 0)
			return true;
	return false;
}

/* same_substance is the substance of s[0..n) that is x or shares its
 * active moiety (valaciclovir beside aciclovir: substance_kb.c), or
 * NULL. */
static const char *
same_substance(const char *const *s, size_t n, const char *x)
{
	const dosage_substance_kb *kb = dosage_substance_kb_active();

	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i], x) == 0)
			return s[i];
	for (size_t i = 0; i < n; i++)
		if (dosage_substance_kb_share(kb, s[i], x))
			return s[i];
	return NULL;
}

/* dup_what names the substance two orders share: "aciclovir", or
 * "aciclovir (valaciclovir shares its active moiety)". */
static void
dup_what(const char *own, const char *other, char *buf, size_t len)
{
	if (strcmp(own, other) == 0)
		snprintf(buf, len, "%s", other);
	else
		snprintf(buf, len, "%s (%s shares its active moiety)", other,
			 own);
}

#define DUP_MAX_MET 64

void
dosage_order_duplicate(const char *const *s, size_t n,
		       const dosage_class_other *self,
		       const dosage_class_other *others, size_t n_others,
		       dosage_dose_result *out)
{
	bool met[DUP_MAX_MET] = {false};

	memset(out, 0, sizeof(*out));
	out->check = DOSAGE_DOSE_CHECK_DUPLICATE_ORDER;
	out->status = DOSAGE_DOSE_OK;
	snprintf(out->reason, sizeof(out->reason),
		 "no other order of the same substance in force");
	for (size_t i = 0; i < n_others; i++) {
		const dosage_class_other *o = &others[i];
		const char *own = same_substance(s, n, o->substance);
		char what[160];
		dosage_dose_status st;

		if (own == NULL ||
		    !dosage_periods_overlap(self->start_ms, self->end_ms,
					    o->start_ms, o->end_ms))
			continue;
		if (i < DUP_MAX_MET)
			met[i] = true;
		if (i >= DUP_MAX_MET || !seen_order(others, met, i))
			out->value += 1;
		st = dosage_duplicate_order_status(self->scheduled,
						   o->scheduled);
		if (dosage_status_rank(st) <= dosage_status_rank(out->status))
			continue;
		out->status = st;
		dup_what(own, o->substance, what, sizeof(what));
		snprintf(out->reason, sizeof(out->reason),
			 "duplicate order of %s: %s order of %s by %s in "
			 "force at the same time as this %s one",
			 what,
			 o->scheduled ? "a regular"
			 : o->prn     ? "a PRN"
				      : "a once",
			 o->label, o->by ? o->by : "?",
			 self->scheduled ? "regular"
			 : self->prn	 ? "PRN"
					 : "once");
	}
}
