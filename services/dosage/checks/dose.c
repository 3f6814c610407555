/*
 * dose.c - dose-safety rules (see dose.h): renal bands,
 * frequencies and the checks themselves.  Pure functions: the dosage
 * service brings the data, these decide.
 */
#include "dose.h"
#include "substances.h"
#include "classes.h"
#include "allergy_text.h"
#include <med/util.h>

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Relative slack so that "exactly the limit" survives g -> mg -> ug. */
#define EPS 1e-9

/* --- the checks ----------------------------------------------------------
 */

double
dosage_dose_bsa_m2(double height_cm, double weight_kg)
{
	return sqrt(height_cm * weight_kg / 3600.0);
}

/*
 * ceiling compares v with max: above is a hard stop.  From 90 % up to the
 * maximum it is ok with a note in the reason, never a warning: a usual
 * dose that is also the maximum (paracetamol 1 g, 4 g a day) would
 * otherwise warn at every order and every dose, and a warning that always
 * fires teaches staff to click through the ones that matter (issue 72).
 * what names the quantity ("dose", "24-h total"), unit its unit.
 */
static void
ceiling(dosage_dose_result *r, double v, double max, const char *what,
	const char *unit)
{
	if (v > max * (1 + EPS))
		dosage_dose_set(r, DOSAGE_DOSE_HARD_STOP, v, max,
				"%s %.6g %s exceeds maximum %.6g %s", what, v,
				unit, max, unit);
	else if (v >= DOSAGE_DOSE_WARN_FRACTION * max * (1 - EPS))
		dosage_dose_set(r, DOSAGE_DOSE_OK, v, max,
				"%s %.6g %s within maximum %.6g %s (note: at "
				"least 90%%)",
				what, v, unit, max, unit);
	else
		dosage_dose_set(r, DOSAGE_DOSE_OK, v, max,
				"%s %.6g %s within maximum %.6g %s", what, v,
				unit, max, unit);
}

static dosage_dose_status
no_limit(dosage_dose_result *r, const char *what)
{
	return dosage_dose_set(r, DOSAGE_DOSE_NOT_APPLICABLE, 0, 0,
			       "no %s in the catalogue", what);
}

/* missing answers a check whose fact is missing: not_checked, or a hard
 * stop when the policy says so. */
static dosage_dose_status
missing(dosage_dose_result *r, dosage_dose_policy policy, const char *what)
{
	if (policy == DOSAGE_DOSE_POLICY_HARD_STOP)
		return dosage_dose_set(
			r, DOSAGE_DOSE_HARD_STOP, 0, 0,
			"%s; this drug needs it (policy hard_stop)", what);
	return dosage_dose_set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0, "%s", what);
}

static void
check_single(const dosage_dose_limits *l, double dose, dosage_dose_result *min,
	     dosage_dose_result *max)
{
	if (l->single_min <= 0)
		no_limit(min, "single-dose minimum");
	else if (dose < l->single_min * (1 - EPS))
		dosage_dose_set(min, DOSAGE_DOSE_WARN, dose, l->single_min,
				"dose %.6g %s below minimum %.6g %s", dose,
				l->unit, l->single_min, l->unit);
	else
		dosage_dose_set(min, DOSAGE_DOSE_OK, dose, l->single_min,
				"dose %.6g %s at or above minimum %.6g %s",
				dose, l->unit, l->single_min, l->unit);
	if (l->single_max <= 0)
		no_limit(max, "single-dose maximum");
	else
		ceiling(max, dose, l->single_max, "dose", l->unit);
}

/* check_min_per_kg: in a band that doses per kg the minimum is per kg
 * (band_minimum); below it warns, as the drug's single_min does. */
static void
check_min_per_kg(const dosage_dose_limits *l, const dosage_dose_patient *p,
		 bool weight_usable, double dose, dosage_dose_result *r)
{
	double per_kg;

	if (!l->band_per_kg)
		return;
	if (l->min_per_kg <= 0) {
		dosage_dose_set(r, DOSAGE_DOSE_NOT_APPLICABLE, 0, 0,
				"the band doses per kg and sets no minimum "
				"per kg");
		return;
	}
	if (!weight_usable) {
		dosage_dose_set(r, DOSAGE_DOSE_NOT_CHECKED, 0, l->min_per_kg,
				"no usable weight for the minimum %.6g %s/kg",
				l->min_per_kg, l->unit);
		return;
	}
	per_kg = dose / p->weight_kg;
	if (per_kg < l->min_per_kg * (1 - EPS))
		dosage_dose_set(r, DOSAGE_DOSE_WARN, per_kg, l->min_per_kg,
				"dose %.6g %s/kg below minimum %.6g %s/kg",
				per_kg, l->unit, l->min_per_kg, l->unit);
	else
		dosage_dose_set(r, DOSAGE_DOSE_OK, per_kg, l->min_per_kg,
				"dose %.6g %s/kg at or above minimum %.6g "
				"%s/kg",
				per_kg, l->unit, l->min_per_kg, l->unit);
}

/* severity ranks a status: not_applicable < ok < not_checked < warn <
 * hard_stop. */
static int
severity(dosage_dose_status s)
{
	static const int rank[] = {0, 2, 4, 5, 3, 1};

	return rank[s];
}

/* worse keeps in a the more severe of a and b. */
static void
worse(dosage_dose_result *a, const dosage_dose_result *b)
{
	if (severity(b->status) > severity(a->status))
		*a = *b;
}

/* name_share says how much of a 24-h total came from where History does
 * not show it (a running infusion since its last event, doses taken at
 * home before admission): without it a nurse would look for the dose and
 * not find it. */
static void
name_share(dosage_dose_result *r, double amount, const char *unit,
	   const char *where)
{
	size_t len = strlen(r->reason);

	if (amount <= 0 || r->status == DOSAGE_DOSE_NOT_APPLICABLE)
		return;
	snprintf(r->reason + len, sizeof(r->reason) - len, "; %.6g %s of it %s",
		 amount, unit, where);
}

/* name_shares names a running infusion's share and the home share. */
static void
name_shares(dosage_dose_result *r, const dosage_dose_history *h,
	    const char *unit)
{
	char home[DOSAGE_DOSE_REASON_MAX];

	name_share(r, h->running_24h, unit, "from a running infusion");
	snprintf(home, sizeof(home), "taken at home (home medicine \"%s\")",
		 h->home_24h_from ? h->home_24h_from : "");
	name_share(r, h->home_24h, unit, home);
}

static void
check_daily(const dosage_dose_limits *l, const dosage_dose_history *h,
	    double dose, dosage_dose_result *r)
{
	dosage_dose_result order = {.check = r->check};

	if (l->max_24h <= 0 && l->order_max_24h <= 0) {
		no_limit(r, "24-h maximum");
		return;
	}
	dosage_dose_set(r, DOSAGE_DOSE_NOT_APPLICABLE, 0, 0, "no 24-h maximum");
	if (l->max_24h > 0)
		ceiling(r, h->given_24h + dose, l->max_24h, "24-h total",
			l->unit);
	if (l->order_max_24h > 0) {
		ceiling(&order, h->given_24h + dose, l->order_max_24h,
			"24-h total (the PRN order's maximum)", l->unit);
		/* The order's own maximum, when the tighter, is the limit
		 * the reason names. */
		if (severity(order.status) > severity(r->status) ||
		    (severity(order.status) == severity(r->status) &&
		     (l->max_24h <= 0 || l->order_max_24h < l->max_24h)))
			*r = order;
	}
	name_shares(r, h, l->unit);
}

static bool
fresh(int64_t measured_ms, int64_t at_ms, int64_t max_age_ms)
{
	/* measured_ms is stored: no subtraction that could overflow. */
	return measured_ms >= med_time_add_ms(at_ms, -max_age_ms);
}

/* weight_view - whether the checks may compute with the weight (see
 * dosage_dose_weight_assess), decided once per evaluation. */
typedef struct weight_view {
	dosage_weight_state state;
	char why[DOSAGE_DOSE_REASON_MAX - 40];
} weight_view;

/* weight_unusable answers a check that cannot use the weight: a weight
 * held back by a plausibility rule is a hard stop whatever the drug's
 * policy (a tenfold slip must not pass as "not checked"); a missing or
 * stale one follows the policy. */
static dosage_dose_status
weight_unusable(dosage_dose_result *r, dosage_dose_policy policy,
		const weight_view *w)
{
	if (w->state == DOSAGE_WEIGHT_IMPLAUSIBLE ||
	    w->state == DOSAGE_WEIGHT_JUMP)
		return dosage_dose_set(r, DOSAGE_DOSE_HARD_STOP, 0, 0, "%s",
				       w->why);
	return missing(r, policy, w->why);
}

static dosage_dose_status
check_per_kg(const dosage_dose_limits *l, const dosage_dose_patient *p,
	     const weight_view *w, const dosage_dose_history *h, double dose,
	     dosage_dose_result *r)
{
	dosage_dose_result daily = {.check = r->check};
	char unit[24];

	if (l->max_per_kg <= 0 && l->max_per_kg_24h <= 0)
		return no_limit(r, "per-kg limit");
	if (w->state != DOSAGE_WEIGHT_USABLE)
		return weight_unusable(r, l->weight_missing, w);
	snprintf(unit, sizeof(unit), "%s/kg", l->unit);
	dosage_dose_set(r, DOSAGE_DOSE_OK, 0, 0, "no per-dose per-kg limit");
	if (l->max_per_kg > 0)
		ceiling(r, dose / p->weight_kg, l->max_per_kg, "dose", unit);
	if (l->max_per_kg_24h > 0) {
		ceiling(&daily, (h->given_24h + dose) / p->weight_kg,
			l->max_per_kg_24h, "24-h total", unit);
		worse(r, &daily);
	}
	return r->status;
}

static dosage_dose_status
check_per_m2(const dosage_dose_limits *l, const dosage_dose_patient *p,
	     const weight_view *w, double dose, int64_t at_ms,
	     dosage_dose_result *r)
{
	char unit[24];

	if (l->max_per_m2 <= 0)
		return no_limit(r, "per-m2 limit");
	if (w->state != DOSAGE_WEIGHT_USABLE)
		return weight_unusable(r, l->weight_missing, w);
	if (!p->has_height || p->height_cm <= 0)
		return missing(r, l->weight_missing, "height unknown");
	if (!fresh(p->height_ms, at_ms, dosage_dose_weight_max_age_ms(l))) {
		char why[64];

		snprintf(why, sizeof(why), "height older than %lld days",
			 (long long)(dosage_dose_weight_max_age_ms(l) /
				     DOSAGE_DOSE_DAY_MS));
		return missing(r, l->weight_missing, why);
	}
	snprintf(unit, sizeof(unit), "%s/m2", l->unit);
	ceiling(r, dose / dosage_dose_bsa_m2(p->height_cm, p->weight_kg),
		l->max_per_m2, "dose", unit);
	return r->status;
}

int64_t
dosage_dose_order_min_gap_ms(int64_t interval_ms)
{
	int64_t slack =
		(int64_t)((double)interval_ms * DOSAGE_DOSE_ORDER_TOLERANCE);

	if (interval_ms <= 0)
		return 0;
	if (slack > DOSAGE_DOSE_ORDER_TOLERANCE_MAX_MS)
		slack = DOSAGE_DOSE_ORDER_TOLERANCE_MAX_MS;
	return interval_ms - slack;
}

/* early_status is what a dose too close to the nearest one is: a hard
 * stop, or a warning when the drug's schedule may slip and the catalogue's
 * own minimum holds. */
static dosage_dose_status
early_status(const dosage_dose_limits *l, const dosage_dose_history *h)
{
	return l->early_dose_warns && h->nearest_gap_ms >= l->min_interval_ms
		       ? DOSAGE_DOSE_WARN
		       : DOSAGE_DOSE_HARD_STOP;
}

/*
 * check_interval: the gap to the nearest other administration (before or
 * after this one) must be at least the catalogue's minimum interval and
 * what the order allows (its frequency less the tolerance, or a PRN
 * order's own minimum), whichever is longest.
 */
static dosage_dose_status
check_interval(const dosage_dose_limits *l, const dosage_dose_history *h,
	       dosage_dose_result *r)
{
	int64_t by_order = dosage_dose_order_min_gap_ms(l->order_interval_ms);
	int64_t min_ms = l->min_interval_ms;
	const char *why = "minimum interval";
	double gap_h = (double)h->nearest_gap_ms / 3600e3;
	double min_h;

	if (by_order > min_ms) {
		min_ms = by_order;
		why = "the order's frequency allows";
	}
	if (l->order_min_gap_ms > min_ms) {
		min_ms = l->order_min_gap_ms;
		why = "the PRN order's minimum interval";
	}
	min_h = (double)min_ms / 3600e3;
	if (min_ms <= 0)
		return no_limit(r, "minimum interval");
	if (!h->has_nearest)
		return dosage_dose_set(
			r, DOSAGE_DOSE_OK, 0, min_h,
			"no other administration of this substance");
	if (h->nearest_gap_ms < min_ms && h->nearest_home != NULL)
		return dosage_dose_set(
			r, early_status(l, h), gap_h, min_h,
			"%.4g h from a dose taken at home (home medicine "
			"\"%s\"), %s %.4g h",
			gap_h, h->nearest_home, why, min_h);
	if (h->nearest_gap_ms < min_ms)
		return dosage_dose_set(
			r, early_status(l, h), gap_h, min_h,
			"%.4g h from another administration, %s %.4g h", gap_h,
			why, min_h);
	dosage_dose_set(r, DOSAGE_DOSE_OK, gap_h, min_h,
			"%.4g h from the nearest administration, %s %.4g h",
			gap_h, why, min_h);
	return r->status;
}

/* renal_band returns the band for a renal function, or NULL when none
 * applies. */
static const dosage_dose_band *
renal_band(const dosage_dose_limits *l, double value)
{
	for (size_t i = 0; i < l->n_bands; i++)
		if (value < l->bands[i].crcl_below)
			return &l->bands[i];
	return NULL;
}

/* renal_scaled checks the dose and the 24-h total against b's scaled
 * maxima and its interval. */
static void
renal_scaled(const dosage_dose_limits *l, const dosage_dose_band *b,
	     const dosage_renal_function *f, const dosage_dose_history *h,
	     double dose, dosage_dose_result *r)
{
	dosage_dose_result more = {.check = r->check};

	dosage_dose_set(r, DOSAGE_DOSE_OK, 0, 0,
			"renal factor %.3g, no maximum to scale", b->factor);
	if (l->single_max > 0)
		ceiling(r, dose, l->single_max * b->factor,
			"renally adjusted dose", l->unit);
	if (l->max_24h > 0) {
		ceiling(&more, h->given_24h + dose, l->max_24h * b->factor,
			"renally adjusted 24-h total", l->unit);
		worse(r, &more);
	}
	if (b->interval_ms > 0 && h->has_nearest &&
	    h->nearest_gap_ms < b->interval_ms) {
		dosage_dose_set(
			&more, DOSAGE_DOSE_HARD_STOP,
			(double)h->nearest_gap_ms / 3600e3,
			(double)b->interval_ms / 3600e3,
			"%.4g h from another administration; below %s %.4g %s "
			"doses must be %.4g h apart",
			(double)h->nearest_gap_ms / 3600e3, f->label,
			b->crcl_below, f->unit,
			(double)b->interval_ms / 3600e3);
		worse(r, &more);
	}
}

/* renal_missing says why no renal function is usable. */
static dosage_dose_status
renal_missing(const dosage_dose_limits *l, const dosage_dose_patient *p,
	      dosage_dose_result *r)
{
	if (l->renal_basis == DOSAGE_RENAL_CRCL_ONLY && p->has_egfr)
		return missing(r, l->crcl_missing,
			       "creatinine clearance unknown or older than 7 "
			       "days (an eGFR does not count for this drug: "
			       "renal_basis crcl_only)");
	if (p->has_crcl || p->has_egfr)
		return missing(r, l->crcl_missing,
			       "renal function older than 7 days");
	return missing(r, l->crcl_missing, "creatinine clearance unknown");
}

/* renal_stale answers without a current renal function: a latest value,
 * however old, that fell in a contraindicating band stays a hard stop
 * asking for a new value; else the drug's policy for a missing one. */
static dosage_dose_status
renal_stale(const dosage_dose_limits *l, const dosage_dose_patient *p,
	    int64_t at_ms, double bsa, dosage_dose_result *r)
{
	const dosage_dose_band *b;
	dosage_renal_function f;

	if (!dosage_dose_renal_latest(l, p, bsa, &f) ||
	    (b = renal_band(l, f.value)) == NULL || b->factor > 0)
		return renal_missing(l, p, r);
	return dosage_dose_set(
		r, DOSAGE_DOSE_HARD_STOP, f.value, b->crcl_below,
		"last %s %.4g %s, %lld days old, was contraindicated "
		"(below %.4g): chart a new value",
		f.label, f.value, f.unit,
		(long long)((at_ms - f.measured_ms) / DOSAGE_DOSE_DAY_MS),
		b->crcl_below);
}

/* product_renal applies the product's own renal bands for renal
 * function f. */
static dosage_dose_status
product_renal(const dosage_dose_limits *l, const dosage_renal_function *f,
	      const dosage_dose_history *h, double dose, dosage_dose_result *r)
{
	const dosage_dose_band *b;

	if (l->n_bands == 0)
		return no_limit(r, "renal band");
	if ((b = renal_band(l, f->value)) == NULL)
		return dosage_dose_set(r, DOSAGE_DOSE_OK, f->value, 0,
				       "%s %.4g %s needs no adjustment",
				       f->label, f->value, f->unit);
	if (b->factor <= 0)
		return dosage_dose_set(
			r, DOSAGE_DOSE_HARD_STOP, f->value, b->crcl_below,
			"contraindicated below %s %.4g %s (%.4g)", f->label,
			b->crcl_below, f->unit, f->value);
	renal_scaled(l, b, f, h, dose, r);
	return r->status;
}

/*
 * check_renal applies the product's renal bands and its substances' renal
 * rules (renal_rules.c, per regimen) to the current renal function; the
 * stricter result stands.  Without a current one, the product's last
 * contraindicating band still stops, else the drug's policy for a
 * missing clearance.
 */
static dosage_dose_status
check_renal(const dosage_dose_limits *l, const dosage_dose_patient *p,
	    const weight_view *w, const dosage_dose_history *h, double dose,
	    int64_t at_ms, dosage_dose_result *r)
{
	dosage_dose_result kb = {.check = r->check};
	dosage_renal_function f;
	double bsa = 0;
	bool kg = w->state == DOSAGE_WEIGHT_USABLE;

	if (l->n_bands == 0 && l->n_renal_rules == 0)
		return no_limit(r, "renal adjustment");
	if (kg && p->has_height && p->height_cm > 0 &&
	    fresh(p->height_ms, at_ms, dosage_dose_weight_max_age_ms(l)))
		bsa = dosage_dose_bsa_m2(p->height_cm, p->weight_kg);
	if (!dosage_dose_renal_function(l, p, at_ms, bsa, &f))
		return renal_stale(l, p, at_ms, bsa, r);
	product_renal(l, &f, h, dose, r);
	if (l->n_renal_rules == 0)
		return r->status;
	dosage_dose_renal_rules(l, &f, kg ? p->weight_kg : 0,
				h->given_24h + dose, dose, &kb);
	if (r->status == DOSAGE_DOSE_NOT_APPLICABLE ||
	    severity(kb.status) > severity(r->status))
		*r = kb;
	return r->status;
}

/* hepatic_scaled checks the dose and the 24-h total against the maxima
 * scaled by factor for Child-Pugh class cls. */
static void
hepatic_scaled(const dosage_dose_limits *l, double factor, char cls,
	       const dosage_dose_history *h, double dose, dosage_dose_result *r)
{
	dosage_dose_result more = {.check = r->check};

	dosage_dose_set(r, DOSAGE_DOSE_OK, 0, 0,
			"Child-Pugh %c: factor %.3g, no maximum to scale", cls,
			factor);
	if (l->single_max > 0)
		ceiling(r, dose, l->single_max * factor,
			"hepatically adjusted dose", l->unit);
	if (l->max_24h > 0) {
		ceiling(&more, h->given_24h + dose, l->max_24h * factor,
			"hepatically adjusted 24-h total", l->unit);
		worse(r, &more);
	}
}

/* product_hepatic applies the product's own hepatic band for class cls
 * (k its index): its factor scales the maxima, 0 contraindicates. */
static void
product_hepatic(const dosage_dose_limits *l, char cls, const char *codes,
		const dosage_dose_history *h, double dose,
		dosage_dose_result *r)
{
	int k = cls - 'A';

	if (!(l->hepatic_set & (1u << k)))
		dosage_dose_set(r, DOSAGE_DOSE_OK, 0, 0,
				"no adjustment for Child-Pugh %c (%s)", cls,
				codes);
	else if (l->hepatic_factor[k] <= 0)
		dosage_dose_set(r, DOSAGE_DOSE_HARD_STOP, 0, 0,
				"contraindicated in Child-Pugh %c (%s)", cls,
				codes);
	else
		hepatic_scaled(l, l->hepatic_factor[k], cls, h, dose, r);
}

/*
 * check_hepatic applies the drug's hepatic band for the Child-Pugh class
 * on the problem list and its substances' hepatic rules (renal_rules.c):
 * the stricter result stands, so a product's band can tighten an
 * inherited rule but never loosen it.  A liver disease coded without a
 * class cannot choose a band: not checked, saying so.
 */
static dosage_dose_status
check_hepatic(const dosage_dose_limits *l, const dosage_dose_patient *p,
	      const dosage_dose_history *h, double dose, dosage_dose_result *r)
{
	const char *codes = p->hepatic_summary ? p->hepatic_summary : "";
	dosage_dose_result kb = {.check = r->check};
	char cls = p->child_pugh;

	if (l->hepatic_set == 0 && l->n_hepatic_rules == 0)
		return no_limit(r, "hepatic adjustment");
	if (!p->hepatic_known)
		return dosage_dose_set(
			r, DOSAGE_DOSE_NOT_CHECKED, 0, 0,
			"problem list not read: hepatic function unknown");
	if (!p->hepatic_impaired)
		return dosage_dose_set(r, DOSAGE_DOSE_OK, 0, 0,
				       "no liver disease on the problem list");
	if (cls < 'A' || cls > 'C')
		return dosage_dose_set(
			r, DOSAGE_DOSE_NOT_CHECKED, 0, 0,
			"liver disease (%s) without a Child-Pugh class: "
			"chart the class to choose the band",
			codes);
	product_hepatic(l, cls, codes, h, dose, r);
	if (l->n_hepatic_rules == 0)
		return r->status;
	dosage_dose_hepatic_rules(l, cls, h->given_24h + dose, dose, &kb);
	if (!(l->hepatic_set & (1u << (cls - 'A'))) ||
	    severity(kb.status) > severity(r->status))
		*r = kb;
	return r->status;
}

static dosage_dose_status
check_lifetime(const dosage_dose_limits *l, const dosage_dose_history *h,
	       double dose, dosage_dose_result *r)
{
	char home[DOSAGE_DOSE_REASON_MAX];

	if (l->lifetime_max <= 0)
		return no_limit(r, "lifetime maximum");
	ceiling(r, h->given_lifetime + dose, l->lifetime_max, "lifetime total",
		l->unit);
	snprintf(home, sizeof(home), "taken at home (home medicine \"%s\")",
		 h->home_24h_from ? h->home_24h_from : "");
	name_share(r, h->home_lifetime, l->unit, home);
	snprintf(home, sizeof(home),
		 "in courses before admission (home medicine \"%s\")",
		 h->prior_from ? h->prior_from : "");
	name_share(r, h->prior_lifetime, l->unit, home);
	return r->status;
}

/* allergy_against compares allergy with the k-th substance the check
 * reads: the drug's substances, then the active moieties they stand for
 * (a salt's moiety, a combination's components), whose reason names
 * both ("valaciclovir is given as aciclovir: allergy to aciclovir"). */
static dosage_allergy_hit
allergy_against(const dosage_dose_limits *l, size_t k, const char *allergy,
		char *why, size_t len)
{
	char w[DOSAGE_DOSE_REASON_MAX];
	dosage_allergy_hit h;
	size_t a = k - l->n_substances;

	if (k < l->n_substances)
		return dosage_allergy_check(allergy, l->substances[k], why,
					    len);
	h = dosage_allergy_check(allergy, l->actives[a], w, sizeof(w));
	if (snprintf(why, len, "%s is given as %s: %s", l->active_of[a],
		     l->actives[a], w) < 0)
		why[0] = '\0';
	return h;
}

/* allergy_coded checks an allergy text a pharmacist coded (CodeAllergy):
 * as its substance or class, or as no medicine at all. */
static dosage_allergy_hit
allergy_coded(const dosage_dose_limits *l, const char *text,
	      const dosage_allergy_coding *c, bool *uncoded, char *why,
	      size_t len)
{
	dosage_allergy_hit worst = DOSAGE_ALLERGY_NONE;
	char w[DOSAGE_DOSE_REASON_MAX];

	*uncoded = false;
	for (size_t k = 0; c->target[0] && k < l->n_substances + l->n_actives;
	     k++) {
		dosage_allergy_hit h =
			allergy_against(l, k, c->target, w, sizeof(w));

		if (h <= worst)
			continue;
		worst = h;
		if (snprintf(why, len,
			     "allergy \"%.40s\" coded as %s by a pharmacist: "
			     "%s",
			     text, c->target, w) < 0)
			why[0] = '\0';
	}
	return worst;
}

/* allergy_one checks one recorded allergy, read through the names, against
 * the drug's substances: the most severe hit, its reason in why; *uncoded
 * when the text was read as nothing. */
static dosage_allergy_hit
allergy_one(const dosage_dose_limits *l, const dosage_dose_patient *p,
	    const char *text, bool *uncoded, char *why, size_t len)
{
	dosage_allergy_hit worst = DOSAGE_ALLERGY_NONE;
	dosage_allergy_reading r;
	char w[DOSAGE_DOSE_REASON_MAX], how[DOSAGE_DOSE_REASON_MAX];
	const dosage_allergy_coding *coded =
		dosage_allergy_coded(p->allergy_codings, text);

	if (coded != NULL)
		return allergy_coded(l, text, coded, uncoded, why, len);
	dosage_allergy_read(text, p->allergy_names, &r);
	*uncoded = r.n == 0;
	for (size_t i = 0; i < r.n; i++)
		for (size_t k = 0; k < l->n_substances + l->n_actives; k++) {
			dosage_allergy_hit h = allergy_against(
				l, k, r.hits[i].target, w, sizeof(w));

			if (h <= worst)
				continue;
			worst = h;
			dosage_allergy_read_why(text, &r.hits[i], how,
						sizeof(how));
			/* A reason longer than the field is cut. */
			if (snprintf(why, len, "%s%s%s", how,
				     how[0] ? ": " : "", w) < 0)
				why[0] = '\0';
		}
	return worst;
}

/* allergy_severe names the severe reaction recorded with allergy i: in
 * the record's reactions, in the allergy's own words ("penicillin -
 * anaphylaxis"), or the record's grading; NULL for none. */
static const char *
allergy_severe(const dosage_dose_patient *p, size_t i)
{
	const char *r = p->allergy_reactions ? p->allergy_reactions[i] : NULL;
	const char *w = dosage_allergy_severe_reaction(r);

	if (w == NULL)
		w = dosage_allergy_severe_reaction(p->allergies[i]);
	if (w == NULL && p->allergies_severe && p->allergies_severe[i])
		w = "a reaction graded severe";
	return w;
}

/* A cross-sensitivity after a severe reaction ranks between a warning
 * and a match: it stops as a match does (allergy_worst's ranks).  A
 * class shown not cross-reactive is a note, above no hit at all, so that
 * its reason is the one the check gives. */
static int
allergy_rank(dosage_allergy_hit h, const char *severe)
{
	if (h == DOSAGE_ALLERGY_MATCH)
		return 4;
	if (h == DOSAGE_ALLERGY_CROSS)
		return severe ? 3 : 2;
	return h == DOSAGE_ALLERGY_NOTE ? 1 : 0;
}

/* allergy_worst runs every recorded allergy against every substance of
 * the drug and keeps the most severe hit; *severe names the reaction
 * when it is a cross-sensitivity after a severe one (else NULL);
 * *uncoded names the first allergy read as nothing (NULL when none). */
static dosage_allergy_hit
allergy_worst(const dosage_dose_limits *l, const dosage_dose_patient *p,
	      const char **uncoded, const char **severe, char *why, size_t len)
{
	dosage_allergy_hit worst = DOSAGE_ALLERGY_NONE;
	char w[DOSAGE_DOSE_REASON_MAX];

	*uncoded = NULL;
	*severe = NULL;
	for (size_t i = 0; i < p->n_allergies; i++) {
		bool none;
		dosage_allergy_hit h =
			allergy_one(l, p, p->allergies[i], &none, w, sizeof(w));
		const char *sev = allergy_severe(p, i);

		if (none && *uncoded == NULL)
			*uncoded = p->allergies[i];
		if (allergy_rank(h, sev) > allergy_rank(worst, *severe)) {
			worst = h;
			*severe = h == DOSAGE_ALLERGY_CROSS ? sev : NULL;
			snprintf(why, len, "%s", w);
		}
	}
	return worst;
}

/* suggested_hit returns the first allergy a note mentions, not yet
 * decided, that matches a substance of the drug or warns for it, or
 * NULL. */
static const char *
suggested_hit(const dosage_dose_limits *l, const dosage_dose_patient *p)
{
	char w[DOSAGE_DOSE_REASON_MAX];

	for (size_t i = 0; i < p->n_suggested_allergies; i++) {
		bool none;

		if (allergy_one(l, p, p->suggested_allergies[i], &none, w,
				sizeof(w)) > DOSAGE_ALLERGY_NOTE)
			return p->suggested_allergies[i];
	}
	return NULL;
}

/* first_dose_stop: what blocks a first dose (allergies not assessed, an
 * uncoded allergy) stops by policy, and only warns under an order whose
 * prescriber overrode it. */
static dosage_dose_status
first_dose_stop(const dosage_dose_limits *l, dosage_dose_policy policy,
		dosage_dose_result *r, const char *what)
{
	if (policy == DOSAGE_DOSE_POLICY_WARN)
		return dosage_dose_set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0, "%s",
				       what);
	if (l->first_dose_overridden)
		return dosage_dose_set(r, DOSAGE_DOSE_WARN, 0, 0,
				       "%s (overridden on the order)", what);
	return dosage_dose_set(r, DOSAGE_DOSE_HARD_STOP, 0, 0,
			       "%s; a first dose waits for it", what);
}

/*
 * check_allergy: allergies never assessed stop a first dose (the drug's
 * allergies_missing policy "warn" keeps the old not_checked); an allergy
 * read as a substance or class stops or warns as the table says, and a
 * cross-sensitivity that would warn stops when the allergy's reaction was
 * severe; an
 * allergy a note mentions that matches the drug (records' note reader,
 * not yet confirmed or rejected) stops a first dose until someone decides
 * it; text read as nothing is an uncoded allergy that stops a first dose
 * of any drug until it is coded.
 */
static dosage_dose_status
check_allergy(const dosage_dose_limits *l, const dosage_dose_patient *p,
	      dosage_dose_result *r)
{
	char why[DOSAGE_DOSE_REASON_MAX], what[DOSAGE_DOSE_REASON_MAX];
	const char *uncoded = NULL, *noted, *severe = NULL;
	dosage_allergy_hit hit;

	noted = suggested_hit(l, p);
	if (!p->allergies_known && noted == NULL)
		return first_dose_stop(l, l->allergies_missing, r,
				       "allergies not assessed");
	hit = allergy_worst(l, p, &uncoded, &severe, why, sizeof(why));
	if (hit == DOSAGE_ALLERGY_MATCH)
		return dosage_dose_set(r, DOSAGE_DOSE_HARD_STOP, 0, 0, "%s",
				       why);
	/* After anaphylaxis, angio-oedema or a severe cutaneous reaction a
	 * cross-sensitive class is not risked on a warning (docs/
	 * dose-safety.md, "Allergy severity"). */
	if (severe != NULL)
		return dosage_dose_set(
			r,
			l->severe_allergy_overridden ? DOSAGE_DOSE_WARN
						     : DOSAGE_DOSE_HARD_STOP,
			0, 0, DOSAGE_SEVERE_ALLERGY_PREFIX "%s)%s: %s", severe,
			l->severe_allergy_overridden
				? ", overridden on the order"
				: "",
			why);
	if (noted != NULL) {
		snprintf(what, sizeof(what),
			 "a note mentions an allergy to %.40s: confirm or "
			 "reject it before giving",
			 noted);
		return first_dose_stop(l, DOSAGE_DOSE_POLICY_HARD_STOP, r,
				       what);
	}
	if (uncoded != NULL) {
		snprintf(what, sizeof(what),
			 "uncoded allergy \"%.40s\": a pharmacist codes it",
			 uncoded);
		return first_dose_stop(l, DOSAGE_DOSE_POLICY_HARD_STOP, r,
				       what);
	}
	if (hit == DOSAGE_ALLERGY_CROSS)
		return dosage_dose_set(r, DOSAGE_DOSE_WARN, 0, 0, "%s", why);
	if (hit == DOSAGE_ALLERGY_NOTE)
		return dosage_dose_set(r, DOSAGE_DOSE_OK, 0, 0, "%s", why);
	if (l->n_substances == 0)
		return dosage_dose_set(
			r, DOSAGE_DOSE_NOT_CHECKED, 0, 0,
			"drug has no substance in the catalogue");
	dosage_dose_set(r, DOSAGE_DOSE_OK, 0, 0,
			"no recorded allergy to the substance or its classes");
	return r->status;
}

static void
check_high_alert(const dosage_dose_limits *l, dosage_dose_result *r)
{
	if (l->high_alert)
		dosage_dose_set(r, DOSAGE_DOSE_WARN, 0, 0,
				"high-alert drug: a second user must confirm");
	else
		dosage_dose_set(r, DOSAGE_DOSE_OK, 0, 0,
				"not a high-alert drug");
}

/* --- age and weight bands ------------------------------------------------
 */

/* group_fits: 1 the band holds the patient, 0 it does not, -1 it cannot
 * be told (age or weight unknown). */
static int
group_fits(const dosage_dose_group *g, const dosage_dose_patient *p,
	   const weight_view *w)
{
	bool by_weight = g->min_kg > 0 || g->max_kg > 0;
	int fits = 1;

	if (g->age != DOSAGE_DOSE_AGE_ANY) {
		if (!p->has_age)
			fits = -1;
		else if (!dosage_dose_age_holds(g->age, p->age_days,
						p->age_years))
			return 0;
	}
	if (by_weight) {
		if (w->state != DOSAGE_WEIGHT_USABLE)
			return -1;
		if (p->weight_kg < g->min_kg ||
		    (g->max_kg > 0 && p->weight_kg >= g->max_kg))
			return 0;
	}
	return fits;
}

/* tighter keeps the smaller of two limits where 0 means none. */
static double
tighter(double a, double b)
{
	if (a <= 0)
		return b;
	if (b <= 0)
		return a;
	return a < b ? a : b;
}

/* apply_group puts g's limits over l's (a band replaces, a merge of
 * several keeps the tightest). */
static void
apply_group(dosage_dose_limits *l, const dosage_dose_group *g, bool merge)
{
	double *const dst[] = {&l->single_max, &l->max_24h, &l->max_per_kg,
			       &l->max_per_kg_24h};
	const double src[] = {g->single_max, g->max_24h, g->max_per_kg,
			      g->max_per_kg_24h};

	for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++)
		if (src[i] > 0)
			*dst[i] = merge ? tighter(*dst[i], src[i]) : src[i];
	if (g->interval_ms > l->min_interval_ms || (!merge && g->interval_ms))
		l->min_interval_ms = g->interval_ms;
	if (g->weight_missing != DOSAGE_DOSE_POLICY_DEFAULT)
		l->weight_missing = g->weight_missing;
}

/* band_minimum: a band that doses per kg takes its own minimum per kg
 * (none when it sets none) in place of the drug's single_min, which is
 * the adult's: a child's correct 15 mg/kg is no "underdose" against an
 * adult's 325 mg (issue 72). */
static void
band_minimum(dosage_dose_limits *l, const dosage_dose_group *g)
{
	if (g->max_per_kg <= 0 && g->max_per_kg_24h <= 0 && g->min_per_kg <= 0)
		return;
	l->band_per_kg = true;
	l->single_min = 0;
	l->min_per_kg = g->min_per_kg;
}

/* band_label names band g ("child", "adult 50 kg and over"). */
static void
band_label(const dosage_dose_group *g, char *out, size_t len)
{
	const char *age = dosage_dose_age_name(g->age);

	if (g->min_kg > 0 && g->max_kg > 0)
		snprintf(out, len, "%s %.4g-%.4g kg", age, g->min_kg,
			 g->max_kg);
	else if (g->min_kg > 0)
		snprintf(out, len, "%s %.4g kg and over", age, g->min_kg);
	else if (g->max_kg > 0)
		snprintf(out, len, "%s under %.4g kg", age, g->max_kg);
	else
		snprintf(out, len, "%s", age);
}

/* is_child: the patient is known to be under 18. */
static bool
is_child(const dosage_dose_patient *p)
{
	return p->has_age && p->age_years < 18;
}

/*
 * choose_band applies the band that holds the patient to *eff and writes
 * the band check into r and its label into label ("" for the drug's own
 * limits).  Bands that cannot be told apart for want of age or weight
 * before the first that fits are merged, tightest limit of each.
 */
static void
choose_band(const dosage_dose_limits *l, const dosage_dose_patient *p,
	    const weight_view *w, dosage_dose_limits *eff,
	    dosage_dose_result *r, char *label, size_t len)
{
	size_t undecided = 0;

	*eff = *l;
	label[0] = '\0';
	if (l->n_groups == 0) {
		no_limit(r, "age or weight band");
		return;
	}
	for (size_t i = 0; i < l->n_groups; i++) {
		int fits = group_fits(&l->groups[i], p, w);

		if (fits == 0)
			continue;
		apply_group(eff, &l->groups[i], undecided > 0 || fits < 0);
		if (fits < 0) {
			undecided++;
			continue;
		}
		band_label(&l->groups[i], label, len);
		if (undecided == 0) {
			band_minimum(eff, &l->groups[i]);
			dosage_dose_set(r, DOSAGE_DOSE_OK, 0, 0,
					"band %s applies", label);
			return;
		}
		break;
	}
	if (undecided == 0) {
		dosage_dose_set(r, DOSAGE_DOSE_OK, 0, 0,
				"no band holds the patient: the drug's own "
				"limits apply");
		return;
	}
	snprintf(label, len, "undecided band");
	if (!p->has_age)
		dosage_dose_set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0,
				"age unknown: the tightest limits of the "
				"possible bands "
				"apply");
	else if (w->state == DOSAGE_WEIGHT_IMPLAUSIBLE ||
		 w->state == DOSAGE_WEIGHT_JUMP)
		weight_unusable(r, eff->weight_missing, w);
	else
		missing(r,
			eff->weight_missing == DOSAGE_DOSE_POLICY_DEFAULT &&
					is_child(p)
				? DOSAGE_DOSE_POLICY_HARD_STOP
				: eff->weight_missing,
			"weight unknown: cannot choose the band; the tightest "
			"limits of the possible bands apply");
}

/* has_weight_limits: does l dose by weight (per kg or per m2)? */
static bool
has_weight_limits(const dosage_dose_limits *l)
{
	return l->max_per_kg > 0 || l->max_per_kg_24h > 0 || l->max_per_m2 > 0;
}

/*
 * weight_default is the missing-weight policy of a drug that sets none:
 * a hard stop for a child, and for every age when the drug's own limits,
 * or the band that holds the patient, dose by weight (enoxaparin 1 mg/kg).
 * Limits that are per kg only in a band the missing weight leaves
 * undecided (an adult under 50 kg) keep not_checked: the tightest of the
 * bands' fixed limits still apply.
 */
static dosage_dose_policy
weight_default(const dosage_dose_limits *l, const dosage_dose_limits *eff,
	       const dosage_dose_patient *p, const char *label)
{
	bool decided = label[0] && strcmp(label, "undecided band") != 0;

	if (is_child(p) || has_weight_limits(l) ||
	    (decided && has_weight_limits(eff)))
		return DOSAGE_DOSE_POLICY_HARD_STOP;
	return DOSAGE_DOSE_POLICY_WARN;
}

/* apply_regimen puts the limits of the regimen of the order's interval
 * over eff's and names it in label. */
static void
apply_regimen(dosage_dose_limits *eff, char *label, size_t len)
{
	char tmp[64];

	if (eff->order_interval_ms <= 0)
		return;
	for (size_t i = 0; i < eff->n_regimens; i++) {
		const dosage_dose_regimen *r = &eff->regimens[i];

		if (r->interval_ms != eff->order_interval_ms)
			continue;
		apply_group(eff, &r->limits, false);
		snprintf(tmp, sizeof(tmp), "%s%sregimen %s", label,
			 label[0] ? ", " : "", r->frequency);
		snprintf(label, len, "%s", tmp);
		return;
	}
}

/* prefix_band names the band at the head of each dose check's reason. */
static void
prefix_band(dosage_dose_result *out, const char *label)
{
	for (int i = 0; i < DOSAGE_DOSE_CHECK_ALLERGY - 1; i++) {
		char tmp[DOSAGE_DOSE_REASON_MAX];

		if (out[i].status == DOSAGE_DOSE_NOT_APPLICABLE)
			continue;
		snprintf(tmp, sizeof(tmp), "[%s] %s", label, out[i].reason);
		memcpy(out[i].reason, tmp, sizeof(tmp));
	}
}

void
dosage_dose_evaluate(const dosage_dose_limits *l, const dosage_dose_patient *p,
		     const dosage_dose_history *h, double dose, int64_t at_ms,
		     dosage_dose_result out[DOSAGE_DOSE_N_CHECKS])
{
	dosage_dose_patient q;
	dosage_dose_limits eff;
	weight_view w;
	char label[64];

	memset(out, 0, sizeof(*out) * DOSAGE_DOSE_N_CHECKS);
	for (int i = 0; i < DOSAGE_DOSE_N_CHECKS - 4; i++)
		out[i].check = (dosage_dose_check)(i + 1);
	out[11].check = DOSAGE_DOSE_CHECK_HEPATIC;
	out[12].check = DOSAGE_DOSE_CHECK_LAB;
	out[13].check = DOSAGE_DOSE_CHECK_PREGNANCY;
	out[14].check = DOSAGE_DOSE_CHECK_AGE;
	w.state = dosage_dose_weight_assess(l, p, at_ms, w.why, sizeof(w.why));
	/* A creatinine newer than the clearance becomes one. */
	q = *p;
	dosage_dose_derive_crcl(&q, w.state == DOSAGE_WEIGHT_USABLE);
	choose_band(l, p, &w, &eff, &out[10], label, sizeof(label));
	apply_regimen(&eff, label, sizeof(label));
	/* Limits by weight need a weight unless the drug says not. */
	if (eff.weight_missing == DOSAGE_DOSE_POLICY_DEFAULT)
		eff.weight_missing = weight_default(l, &eff, p, label);
	check_single(&eff, dose, &out[0], &out[1]);
	check_min_per_kg(&eff, p, w.state == DOSAGE_WEIGHT_USABLE, dose,
			 &out[0]);
	check_daily(&eff, h, dose, &out[2]);
	check_per_kg(&eff, p, &w, h, dose, &out[3]);
	check_per_m2(&eff, p, &w, dose, at_ms, &out[4]);
	check_interval(&eff, h, &out[5]);
	check_renal(&eff, &q, &w, h, dose, at_ms, &out[6]);
	check_lifetime(&eff, h, dose, &out[7]);
	check_allergy(&eff, p, &out[8]);
	check_high_alert(&eff, &out[9]);
	check_hepatic(&eff, p, h, dose, &out[11]);
	dosage_dose_check_lab(&eff, p, at_ms, &out[12]);
	dosage_dose_check_pregnancy(&eff, p, &out[13]);
	dosage_dose_check_age(&eff, p, &out[14]);
	if (label[0])
		prefix_band(out, label);
}

dosage_dose_status
dosage_dose_worst(const dosage_dose_result *r, size_t n)
{
	dosage_dose_result w = {.status = DOSAGE_DOSE_NOT_APPLICABLE};

	for (size_t i = 0; i < n; i++)
		worse(&w, &r[i]);
	return w.status;
}

const char *
dosage_dose_check_name(dosage_dose_check c)
{
	static const char *const names[] = {
		"?",
		"single_min",
		"single_max",
		"daily_max",
		"per_kg",
		"per_m2",
		"interval",
		"renal",
		"lifetime",
		"allergy",
		"high_alert",
		"band",
		"infusion_rate",
	};

	if (dosage_class_check_name(c) != NULL)
		return dosage_class_check_name(c);
	if (c == DOSAGE_DOSE_CHECK_HEPATIC)
		return "hepatic";
	if (c == DOSAGE_DOSE_CHECK_LAB)
		return "lab";
	if (c == DOSAGE_DOSE_CHECK_PREGNANCY)
		return "pregnancy";
	if (c == DOSAGE_DOSE_CHECK_AGE)
		return "age";
	if (c == DOSAGE_DOSE_CHECK_ANTICOAGULANT_SWITCH)
		return "anticoagulant_switch";
	if (c == (dosage_dose_check)150) /* checks.h: the interactions */
		return "interaction";
	if (c == (dosage_dose_check)142) /* checks.h: opioid-naive starts */
		return "opioid_naive";
	if (c == (dosage_dose_check)170) /* checks.h: the admission task */
		return "home_medication_decision";
	return (unsigned)c <= DOSAGE_DOSE_CHECK_INFUSION_RATE ? names[c] : "?";
}

const char *
dosage_dose_status_name(dosage_dose_status s)
{
	static const char *const names[] = {"?",	   "ok",
					    "warn",	   "hard_stop",
					    "not_checked", "not_applicable"};

	return (unsigned)s <= DOSAGE_DOSE_NOT_APPLICABLE ? names[s] : "?";
}

/* window_sum adds the amounts of [lo, hi) in index order, as a fresh sum
 * (the running sum of worst_24h drifts by rounding). */
static double
window_sum(const double *amount, size_t lo, size_t hi)
{
	double sum = 0;

	for (size_t i = lo; i < hi; i++)
		sum += amount[i];
	return sum;
}

/* dose_window - the administrations [lo, hi) in (end - 24 h, end] of a
 * sorted array, moved forward as end grows, with their running sum. */
typedef struct dose_window {
	size_t lo, hi;
	double sum;
} dose_window;

static void
window_move(dose_window *w, const int64_t *t_ms, const double *amount, size_t n,
	    int64_t end_ms)
{
	for (; w->hi < n && t_ms[w->hi] <= end_ms; w->hi++)
		w->sum += amount[w->hi];
	for (; w->lo < w->hi && t_ms[w->lo] <= end_ms - DOSAGE_DOSE_DAY_MS;
	     w->lo++)
		w->sum -= amount[w->lo];
}

double
dosage_dose_worst_24h(const int64_t *t_ms, const double *amount, size_t n,
		      int64_t at_ms)
{
	dose_window w = {0};
	size_t best_lo, best_hi;
	double best;

	window_move(&w, t_ms, amount, n, at_ms);
	best_lo = w.lo;
	best_hi = w.hi;
	best = w.sum;
	/* The other window ends: each administration in (at, at + 24 h). */
	for (size_t i = w.hi; i < n && t_ms[i] < at_ms + DOSAGE_DOSE_DAY_MS;
	     i++) {
		window_move(&w, t_ms, amount, n, t_ms[i]);
		if (w.sum > best) {
			best = w.sum;
			best_lo = w.lo;
			best_hi = w.hi;
		}
	}
	return window_sum(amount, best_lo, best_hi);
}

/* --- a dose as it is shown ------------------------------------------------
 */

int
dosage_dose_decimals(double v)
{
	int d;

	if (v == 0 || !isfinite(v))
		return 0;
	d = DOSAGE_DOSE_SIG_DIGITS - 1 - (int)floor(log10(fabs(v)));
	return d < 0			      ? 0
	       : d > DOSAGE_DOSE_MAX_DECIMALS ? DOSAGE_DOSE_MAX_DECIMALS
					      : d;
}

double
dosage_dose_round(double v)
{
	double scale;

	if (v == 0 || !isfinite(v))
		return v;
	scale = pow(10, dosage_dose_decimals(v));
	return round(v * scale) / scale;
}
