/*
 * family.c - a merged record's clinical picture is its survivor's.  When
 * identity merges a temporary record (an ED "unknown patient") into the
 * patient's real one, the data charted on it stays filed under its own id
 * and is read through the link: every dose check on the survivor asks
 * identity for the records merged into it (med_patients_family) and counts
 * their administrations, running infusions, allergies, measurements and
 * problem lists (the liver, a pregnancy) as the survivor's.  An unlink restores
 * each record's own picture at once, since nothing was moved
 * (docs/dose-safety.md, "Merged records").
 */
#include <string.h>

#include "dosage.h"
#include "patient.h"

size_t
dosage_family_bind(const dosage_family *f, const char *patient_id,
		   med_db_value *v)
{
	bool ours = f != NULL && f->n > 0 && f->n <= DOSAGE_FAMILY_MAX &&
		    strcmp(f->ids[0], patient_id) == 0;

	for (size_t i = 0; i < DOSAGE_FAMILY_MAX; i++)
		v[i] = MED_DB_STR(ours && i < f->n ? f->ids[i] : patient_id);
	return DOSAGE_FAMILY_MAX;
}

size_t
dosage_family_merged(const dosage_family *f, const char *patient_id,
		     const char *const **ids)
{
	*ids = NULL;
	if (f == NULL || f->n < 2 || f->n > DOSAGE_FAMILY_MAX ||
	    strcmp(f->ids[0], patient_id) != 0)
		return 0;
	*ids = &f->ids[1];
	return f->n - 1;
}

/* newer: should a measurement taken at src_ms (has_src) replace the one
 * taken at dst_ms (has_dst)? */
static bool
newer(bool has_dst, int64_t dst_ms, bool has_src, int64_t src_ms)
{
	return has_src && (!has_dst || src_ms > dst_ms);
}

/* join_allergies: dst's list followed by src's, in a. */
static void
join_allergies(med_arena *a, dosage_context *dst, const dosage_context *src)
{
	size_t n = dst->n_allergies + src->n_allergies;
	char **v;

	if (src->n_allergies == 0)
		return;
	v = med_arena_alloc(a, (n + 1) * sizeof(*v));
	if (v == NULL) {
		/* No room for the joined list: say nothing is known, which
		 * the allergy check reports, rather than a shorter list. */
		dst->allergies_known = false;
		return;
	}
	memcpy(v, dst->allergies, dst->n_allergies * sizeof(*v));
	memcpy(v + dst->n_allergies, src->allergies,
	       src->n_allergies * sizeof(*v));
	dst->allergies = v;
	dst->n_allergies = n;
}

#define CASE(f, c) SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__##f##_##c

/* join_prevention keeps the pregnancy-prevention programme said last of
 * dst's and src's (confirmed or withdrawn). */
static void
join_prevention(dosage_context *dst, const dosage_context *src)
{
	const int ppp =
		CASE(PREGNANCY_PREVENTION, PREGNANCY_PREVENTION_CONFIRMED);

	if ((int)src->pregnancy_prevention_case != ppp ||
	    ((int)dst->pregnancy_prevention_case == ppp &&
	     dst->pregnancy_prevention_ms >= src->pregnancy_prevention_ms))
		return;
	dst->pregnancy_prevention_case = src->pregnancy_prevention_case;
	dst->pregnancy_prevention_confirmed =
		src->pregnancy_prevention_confirmed;
	dst->pregnancy_prevention_ms = src->pregnancy_prevention_ms;
}

void
dosage_context_join(med_arena *a, dosage_context *dst,
		    const dosage_context *src)
{
	if (newer(dst->weight_case == CASE(WEIGHT, WEIGHT_KG),
		  dst->weight_measured_ms,
		  src->weight_case == CASE(WEIGHT, WEIGHT_KG),
		  src->weight_measured_ms)) {
		dst->weight_case = src->weight_case;
		dst->weight_kg = src->weight_kg;
		dst->weight_measured_ms = src->weight_measured_ms;
	}
	if (newer(dst->height_case == CASE(HEIGHT, HEIGHT_CM),
		  dst->height_measured_ms,
		  src->height_case == CASE(HEIGHT, HEIGHT_CM),
		  src->height_measured_ms)) {
		dst->height_case = src->height_case;
		dst->height_cm = src->height_cm;
		dst->height_measured_ms = src->height_measured_ms;
	}
	if (newer(dst->crcl_case == CASE(CRCL, CRCL_ML_MIN),
		  dst->crcl_measured_ms,
		  src->crcl_case == CASE(CRCL, CRCL_ML_MIN),
		  src->crcl_measured_ms)) {
		dst->crcl_case = src->crcl_case;
		dst->crcl_ml_min = src->crcl_ml_min;
		dst->crcl_measured_ms = src->crcl_measured_ms;
	}
	join_prevention(dst, src);
	if (!src->allergies_known)
		return;
	if (dst->allergies_known)
		join_allergies(a, dst, src);
	else {
		dst->allergies = src->allergies;
		dst->n_allergies = src->n_allergies;
	}
	dst->allergies_known = dst->allergies_known || src->allergies_known;
	if (src->allergies_assessed_ms > dst->allergies_assessed_ms)
		dst->allergies_assessed_ms = src->allergies_assessed_ms;
}

/* join_measurement keeps the newer present measurement in *dst. */
static void
join_measurement(const med_measurement **dst, const med_measurement *src)
{
	bool has_dst = *dst != NULL && (*dst)->present;

	if (src != NULL && newer(has_dst, has_dst ? (*dst)->effective_ms : 0,
				 src->present, src->effective_ms))
		*dst = src;
}

/* join_reactions appends src's allergies' reactions and grading to
 * dst's (n: dst's allergies before the join); either side's may be
 * NULL. */
static med_err
join_reactions(med_arena *a, dosage_facts *dst, size_t n,
	       const dosage_facts *src)
{
	size_t total = n + src->n_allergies;
	const char **r = med_arena_zalloc(a, (total + 1) * sizeof(*r));
	bool *severe = med_arena_zalloc(a, (total + 1) * sizeof(*severe));

	if (r == NULL || severe == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < total; i++) {
		const dosage_facts *f = i < n ? dst : src;
		size_t k = i < n ? i : i - n;

		r[i] = f->allergy_reactions ? f->allergy_reactions[k] : NULL;
		severe[i] = f->allergies_severe && f->allergies_severe[k];
	}
	dst->allergy_reactions = r;
	dst->allergies_severe = severe;
	return MED_OK;
}

med_err
dosage_facts_join(med_arena *a, dosage_facts *dst, const dosage_facts *src)
{
	size_t n = dst->n_allergies + src->n_allergies;
	const char **v = NULL;

	if (src->n_allergies > 0) {
		v = med_arena_alloc(a, n * sizeof(*v));
		if (v == NULL ||
		    join_reactions(a, dst, dst->n_allergies, src) != MED_OK)
			return MED_ERR_NOMEM;
		memcpy(v, dst->allergies, dst->n_allergies * sizeof(*v));
		memcpy(v + dst->n_allergies, src->allergies,
		       src->n_allergies * sizeof(*v));
		dst->allergies = v;
		dst->n_allergies = n;
	}
	dst->allergies_assessed =
		dst->allergies_assessed || src->allergies_assessed;
	join_measurement(&dst->weight, src->weight);
	join_measurement(&dst->height, src->height);
	join_measurement(&dst->crcl, src->crcl);
	join_measurement(&dst->egfr, src->egfr);
	join_measurement(&dst->potassium, src->potassium);
	join_measurement(&dst->inr, src->inr);
	join_measurement(&dst->glucose, src->glucose);
	join_measurement(&dst->creatinine, src->creatinine);
	if (src->pregnancy_test != NULL && src->pregnancy_test->present &&
	    (dst->pregnancy_test == NULL || !dst->pregnancy_test->present ||
	     src->pregnancy_test->effective_ms >
		     dst->pregnancy_test->effective_ms))
		dst->pregnancy_test = src->pregnancy_test;
	return MED_OK;
}

/* joined is "a; b", or whichever of them is not empty. */
static const char *
joined(med_arena *a, const char *x, const char *y)
{
	if (y == NULL || y[0] == '\0')
		return x;
	if (x == NULL || x[0] == '\0')
		return y;
	return med_arena_sprintf(a, "%s; %s", x, y);
}

med_err
dosage_hepatic_join(med_arena *a, dosage_hepatic_facts *dst,
		    const dosage_hepatic_facts *src)
{
	dosage_hepatic_facts out = *dst;
	const char *cp = src->child_pugh_class ? src->child_pugh_class : "";

	if (src->impairment) {
		out.impairment = true;
		/* "A" < "B" < "C": the worse class decides the band. */
		if (out.child_pugh_class == NULL ||
		    strcmp(cp, out.child_pugh_class) > 0)
			out.child_pugh_class = cp;
		if ((out.summary = joined(a, dst->summary, src->summary)) ==
		    NULL)
			return MED_ERR_NOMEM;
	}
	if (src->pregnant && !dst->pregnant) {
		out.pregnant = true;
		out.pregnancy_summary = src->pregnancy_summary;
	}
	*dst = out;
	return MED_OK;
}
