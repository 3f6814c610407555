/*
 * dose.c - dose-safety rules (see dose.h): units, renal bands,
 * frequencies and the checks themselves.  Pure functions: the dosage
 * service brings the data, these decide.
 */
#include "dose.h"
#include <med/util.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Relative slack so that "exactly the limit" survives g -> mg -> ug. */
#define EPS 1e-9

static const struct {
	const char *name;
	dosage_dose_unit unit;
} units[] = {
	{"g", {"g", DOSAGE_DOSE_DIM_MASS, 1000.0}},
	{"mg", {"mg", DOSAGE_DOSE_DIM_MASS, 1.0}},
	{"ug", {"ug", DOSAGE_DOSE_DIM_MASS, 0.001}},
	{"mcg", {"ug", DOSAGE_DOSE_DIM_MASS, 0.001}},
	{"\xc2\xb5g", {"ug", DOSAGE_DOSE_DIM_MASS, 0.001}}, /* µg, micro sign */
	{"\xce\xbcg", {"ug", DOSAGE_DOSE_DIM_MASS, 0.001}}, /* μg, Greek mu */
	{"L", {"L", DOSAGE_DOSE_DIM_VOLUME, 1000.0}},
	{"mL", {"mL", DOSAGE_DOSE_DIM_VOLUME, 1.0}},
	{"[iU]", {"[iU]", DOSAGE_DOSE_DIM_UNITS, 1.0}},
	{"IU", {"[iU]", DOSAGE_DOSE_DIM_UNITS, 1.0}},
	{"unit", {"[iU]", DOSAGE_DOSE_DIM_UNITS, 1.0}},
	{"units", {"[iU]", DOSAGE_DOSE_DIM_UNITS, 1.0}},
};

med_err
dosage_dose_unit_parse(const char *s, dosage_dose_unit *out)
{
	if (s == NULL)
		return MED_ERR_INVALID;
	/* Case matters in UCUM (mg is not Mg); only the spellings above. */
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(s, units[i].name) == 0) {
			*out = units[i].unit;
			return MED_OK;
		}
	return MED_ERR_INVALID;
}

med_err
dosage_dose_convert(double v, const char *from, const char *to, double *out)
{
	dosage_dose_unit a, b;

	if (dosage_dose_unit_parse(from, &a) != MED_OK ||
	    dosage_dose_unit_parse(to, &b) != MED_OK || a.dim != b.dim ||
	    !isfinite(v))
		return MED_ERR_INVALID;
	/* Exact when the factors are equal: no rounding for mg -> mg. */
	*out = a.factor == b.factor ? v : v * a.factor / b.factor;
	return MED_OK;
}

/* --- renal bands ---------------------------------------------------------
 */

void
dosage_dose_bands_sort(dosage_dose_band *bands, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		dosage_dose_band b = bands[i];
		size_t j = i;

		while (j > 0 && bands[j - 1].crcl_below > b.crcl_below) {
			bands[j] = bands[j - 1];
			j--;
		}
		bands[j] = b;
	}
}

/* parse_num reads a finite double from s up to end (exclusive). */
static bool
parse_num(const char *s, const char *end, double *out)
{
	char buf[32], *stop = NULL;
	size_t n = (size_t)(end - s);

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtod(buf, &stop);
	return errno == 0 && stop == buf + n && isfinite(*out);
}

/* parse_band reads "crcl:factor" from s[0..end). */
static bool
parse_band(const char *s, const char *end, dosage_dose_band *b)
{
	const char *colon = memchr(s, ':', (size_t)(end - s));

	return colon && parse_num(s, colon, &b->crcl_below) &&
	       parse_num(colon + 1, end, &b->factor) && b->crcl_below > 0 &&
	       b->crcl_below <= 200 && b->factor >= 0 && b->factor <= 1;
}

med_err
dosage_dose_bands_parse(const char *s, dosage_dose_band *bands, size_t cap,
			size_t *n)
{
	size_t k = 0;

	while (s && *s) {
		const char *end = strchr(s, ';');

		if (end == NULL)
			end = s + strlen(s);
		if (k >= cap)
			return MED_ERR_LIMIT;
		if (!parse_band(s, end, &bands[k]) ||
		    (*end == ';' && end[1] == '\0'))
			return MED_ERR_INVALID;
		k++;
		s = *end ? end + 1 : end;
	}
	dosage_dose_bands_sort(bands, k);
	for (size_t i = 1; i < k; i++)
		if (bands[i].crcl_below == bands[i - 1].crcl_below)
			return MED_ERR_INVALID;
	*n = k;
	return MED_OK;
}

/* --- frequencies ---------------------------------------------------------
 */

#define HOUR_MS (3600LL * 1000)

med_err
dosage_dose_frequency_parse(const char *s, int64_t *interval_ms, bool *prn)
{
	static const struct {
		const char *name;
		int64_t hours;
	} named[] = {
		{"daily", 24}, {"qd", 24},  {"bid", 12}, {"tid", 8},
		{"qid", 6},    {"once", 0}, {"prn", 0},
	};
	size_t len = s ? strlen(s) : 0;

	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strcasecmp(s ? s : "", named[i].name) == 0) {
			*interval_ms = named[i].hours * HOUR_MS;
			*prn = strcmp(named[i].name, "prn") == 0;
			return MED_OK;
		}
	/* qNh: N of one or two digits, 1..72. */
	if (len >= 3 && len <= 4 && tolower((unsigned char)s[0]) == 'q' &&
	    tolower((unsigned char)s[len - 1]) == 'h' &&
	    isdigit((unsigned char)s[1]) &&
	    (len == 3 || isdigit((unsigned char)s[2]))) {
		int64_t h = s[1] - '0';

		if (len == 4)
			h = h * 10 + (s[2] - '0');
		if (h >= 1 && h <= 72) {
			*interval_ms = h * HOUR_MS;
			*prn = false;
			return MED_OK;
		}
	}
	return MED_ERR_INVALID;
}

/* --- the checks ----------------------------------------------------------
 */

double
dosage_dose_bsa_m2(double height_cm, double weight_kg)
{
	return sqrt(height_cm * weight_kg / 3600.0);
}

static dosage_dose_status set(dosage_dose_result *r, dosage_dose_status st,
			      double value, double limit, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static dosage_dose_status
set(dosage_dose_result *r, dosage_dose_status st, double value, double limit,
    const char *fmt, ...)
{
	va_list ap;

	r->status = st;
	r->value = value;
	r->limit = limit;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	return st;
}

/*
 * ceiling compares v with max: above is a hard stop, at or above 90 %
 * warns.  what names the quantity ("dose", "24-h total"), unit its unit.
 */
static void
ceiling(dosage_dose_result *r, double v, double max, const char *what,
	const char *unit)
{
	if (v > max * (1 + EPS))
		set(r, DOSAGE_DOSE_HARD_STOP, v, max,
		    "%s %.6g %s exceeds maximum %.6g %s", what, v, unit, max,
		    unit);
	else if (v >= DOSAGE_DOSE_WARN_FRACTION * max * (1 - EPS))
		set(r, DOSAGE_DOSE_WARN, v, max,
		    "%s %.6g %s is at least 90%% of maximum %.6g %s", what, v,
		    unit, max, unit);
	else
		set(r, DOSAGE_DOSE_OK, v, max,
		    "%s %.6g %s within maximum %.6g %s", what, v, unit, max,
		    unit);
}

static dosage_dose_status
no_limit(dosage_dose_result *r, const char *what)
{
	return set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0, "no %s in the catalogue",
		   what);
}

static void
check_single(const dosage_dose_limits *l, double dose, dosage_dose_result *min,
	     dosage_dose_result *max)
{
	if (l->single_min <= 0)
		no_limit(min, "single-dose minimum");
	else if (dose < l->single_min * (1 - EPS))
		set(min, DOSAGE_DOSE_WARN, dose, l->single_min,
		    "dose %.6g %s below minimum %.6g %s", dose, l->unit,
		    l->single_min, l->unit);
	else
		set(min, DOSAGE_DOSE_OK, dose, l->single_min,
		    "dose %.6g %s at or above minimum %.6g %s", dose, l->unit,
		    l->single_min, l->unit);
	if (l->single_max <= 0)
		no_limit(max, "single-dose maximum");
	else
		ceiling(max, dose, l->single_max, "dose", l->unit);
}

static void
check_daily(const dosage_dose_limits *l, const dosage_dose_history *h,
	    double dose, dosage_dose_result *r)
{
	if (l->max_24h <= 0)
		no_limit(r, "24-h maximum");
	else
		ceiling(r, h->given_24h + dose, l->max_24h, "24-h total",
			l->unit);
}

static bool
body_fresh(const dosage_dose_patient *p, int64_t at_ms)
{
	return at_ms - p->measured_ms <= DOSAGE_DOSE_BODY_MAX_AGE_MS;
}

/* worse keeps in a the more severe of a and b. */
static void
worse(dosage_dose_result *a, const dosage_dose_result *b)
{
	static const int rank[] = {0, 1, 3, 4, 2};

	if (rank[b->status] > rank[a->status])
		*a = *b;
}

static dosage_dose_status
check_per_kg(const dosage_dose_limits *l, const dosage_dose_patient *p,
	     const dosage_dose_history *h, double dose, int64_t at_ms,
	     dosage_dose_result *r)
{
	dosage_dose_result daily = {.check = r->check};
	char unit[24];

	if (l->max_per_kg <= 0 && l->max_per_kg_24h <= 0)
		return no_limit(r, "per-kg limit");
	if (!p->has_weight || p->weight_kg <= 0)
		return set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0, "weight unknown");
	if (!body_fresh(p, at_ms))
		return set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0,
			   "weight older than 30 days");
	snprintf(unit, sizeof(unit), "%s/kg", l->unit);
	set(r, DOSAGE_DOSE_OK, 0, 0, "no per-dose per-kg limit");
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
	     double dose, int64_t at_ms, dosage_dose_result *r)
{
	char unit[24];

	if (l->max_per_m2 <= 0)
		return no_limit(r, "per-m2 limit");
	if (!p->has_weight || !p->has_height || p->weight_kg <= 0 ||
	    p->height_cm <= 0)
		return set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0,
			   "height or weight unknown");
	if (!body_fresh(p, at_ms))
		return set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0,
			   "height and weight older than 30 days");
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

/*
 * check_interval: the gap to the nearest other administration (before or
 * after this one) must be at least the catalogue's minimum interval and
 * what the order's frequency allows, whichever is longer.
 */
static dosage_dose_status
check_interval(const dosage_dose_limits *l, const dosage_dose_history *h,
	       dosage_dose_result *r)
{
	int64_t by_order = dosage_dose_order_min_gap_ms(l->order_interval_ms);
	int64_t min_ms =
		l->min_interval_ms > by_order ? l->min_interval_ms : by_order;
	const char *why = min_ms == by_order && by_order > l->min_interval_ms
				  ? "the order's frequency allows"
				  : "minimum interval";
	double gap_h = (double)h->nearest_gap_ms / 3600e3;
	double min_h = (double)min_ms / 3600e3;

	if (min_ms <= 0)
		return no_limit(r, "minimum interval");
	if (!h->has_nearest)
		return set(r, DOSAGE_DOSE_OK, 0, min_h,
			   "no other administration of this drug");
	if (h->nearest_gap_ms < min_ms)
		return set(r, DOSAGE_DOSE_HARD_STOP, gap_h, min_h,
			   "%.4g h from another administration, %s %.4g h",
			   gap_h, why, min_h);
	set(r, DOSAGE_DOSE_OK, gap_h, min_h,
	    "%.4g h from the nearest administration, %s %.4g h", gap_h, why,
	    min_h);
	return r->status;
}

static dosage_dose_status
check_renal(const dosage_dose_limits *l, const dosage_dose_patient *p,
	    const dosage_dose_history *h, double dose, int64_t at_ms,
	    dosage_dose_result *r)
{
	const dosage_dose_band *b = NULL;
	dosage_dose_result daily = {.check = r->check};

	if (l->n_bands == 0)
		return no_limit(r, "renal adjustment");
	if (!p->has_crcl)
		return set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0,
			   "creatinine clearance unknown");
	if (at_ms - p->measured_ms > DOSAGE_DOSE_CRCL_MAX_AGE_MS)
		return set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0,
			   "creatinine clearance older than 7 days");
	for (size_t i = 0; i < l->n_bands && b == NULL; i++)
		if (p->crcl_ml_min < l->bands[i].crcl_below)
			b = &l->bands[i];
	if (b == NULL)
		return set(r, DOSAGE_DOSE_OK, p->crcl_ml_min, 0,
			   "creatinine clearance %.4g mL/min needs no "
			   "adjustment",
			   p->crcl_ml_min);
	if (b->factor <= 0)
		return set(r, DOSAGE_DOSE_HARD_STOP, p->crcl_ml_min,
			   b->crcl_below,
			   "contraindicated below creatinine clearance %.4g "
			   "mL/min",
			   b->crcl_below);
	set(r, DOSAGE_DOSE_OK, 0, 0, "renal factor %.3g, no maximum to scale",
	    b->factor);
	if (l->single_max > 0)
		ceiling(r, dose, l->single_max * b->factor,
			"renally adjusted dose", l->unit);
	if (l->max_24h > 0) {
		ceiling(&daily, h->given_24h + dose, l->max_24h * b->factor,
			"renally adjusted 24-h total", l->unit);
		worse(r, &daily);
	}
	return r->status;
}

static dosage_dose_status
check_lifetime(const dosage_dose_limits *l, const dosage_dose_history *h,
	       double dose, dosage_dose_result *r)
{
	if (l->lifetime_max <= 0)
		return no_limit(r, "lifetime maximum");
	ceiling(r, h->given_lifetime + dose, l->lifetime_max, "lifetime total",
		l->unit);
	return r->status;
}

static bool
allergy_matches(const char *allergy, const char *name)
{
	return name && *name && strcasecmp(allergy, name) == 0;
}

static dosage_dose_status
check_allergy(const dosage_dose_limits *l, const dosage_dose_patient *p,
	      dosage_dose_result *r)
{
	if (!p->allergies_known)
		return set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0,
			   "allergies not recorded");
	if ((!l->substance || !*l->substance) &&
	    (!l->drug_class || !*l->drug_class))
		return set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0,
			   "drug has no substance or class in the catalogue");
	for (size_t i = 0; i < p->n_allergies; i++) {
		const char *a = p->allergies[i];

		if (allergy_matches(a, l->substance) ||
		    allergy_matches(a, l->drug_class))
			return set(r, DOSAGE_DOSE_HARD_STOP, 0, 0,
				   "patient is allergic to %.100s", a);
	}
	set(r, DOSAGE_DOSE_OK, 0, 0,
	    "no recorded allergy to the substance or class");
	return r->status;
}

static void
check_high_alert(const dosage_dose_limits *l, dosage_dose_result *r)
{
	if (l->high_alert)
		set(r, DOSAGE_DOSE_WARN, 0, 0,
		    "high-alert drug: a second user must confirm");
	else
		set(r, DOSAGE_DOSE_OK, 0, 0, "not a high-alert drug");
}

void
dosage_dose_evaluate(const dosage_dose_limits *l, const dosage_dose_patient *p,
		     const dosage_dose_history *h, double dose, int64_t at_ms,
		     dosage_dose_result out[DOSAGE_DOSE_N_CHECKS])
{
	memset(out, 0, sizeof(*out) * DOSAGE_DOSE_N_CHECKS);
	for (int i = 0; i < DOSAGE_DOSE_N_CHECKS; i++)
		out[i].check = (dosage_dose_check)(i + 1);
	check_single(l, dose, &out[0], &out[1]);
	check_daily(l, h, dose, &out[2]);
	check_per_kg(l, p, h, dose, at_ms, &out[3]);
	check_per_m2(l, p, dose, at_ms, &out[4]);
	check_interval(l, h, &out[5]);
	check_renal(l, p, h, dose, at_ms, &out[6]);
	check_lifetime(l, h, dose, &out[7]);
	check_allergy(l, p, &out[8]);
	check_high_alert(l, &out[9]);
}

dosage_dose_status
dosage_dose_worst(const dosage_dose_result *r, size_t n)
{
	dosage_dose_result w = {.status = DOSAGE_DOSE_OK};

	for (size_t i = 0; i < n; i++)
		worse(&w, &r[i]);
	return w.status;
}

const char *
dosage_dose_check_name(dosage_dose_check c)
{
	static const char *const names[] = {
		"?",	    "single_min", "single_max", "daily_max",
		"per_kg",   "per_m2",	  "interval",	"renal",
		"lifetime", "allergy",	  "high_alert",
	};

	return (unsigned)c <= DOSAGE_DOSE_N_CHECKS ? names[c] : "?";
}

const char *
dosage_dose_status_name(dosage_dose_status s)
{
	static const char *const names[] = {"?", "ok", "warn", "hard_stop",
					    "not_checked"};

	return (unsigned)s <= DOSAGE_DOSE_NOT_CHECKED ? names[s] : "?";
}

/* window_total sums the amounts given in (end - 24 h, end]. */
static double
window_total(const int64_t *t_ms, const double *amount, size_t n,
	     int64_t end_ms)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++)
		if (t_ms[i] > end_ms - DOSAGE_DOSE_DAY_MS && t_ms[i] <= end_ms)
			sum += amount[i];
	return sum;
}

double
dosage_dose_worst_24h(const int64_t *t_ms, const double *amount, size_t n,
		      int64_t at_ms)
{
	double worst = window_total(t_ms, amount, n, at_ms);

	for (size_t i = 0; i < n; i++) {
		double w;

		if (t_ms[i] < at_ms || t_ms[i] >= at_ms + DOSAGE_DOSE_DAY_MS)
			continue;
		w = window_total(t_ms, amount, n, t_ms[i]);
		if (w > worst)
			worst = w;
	}
	return worst;
}
