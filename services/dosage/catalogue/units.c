/*
 * units.c - dose and rate units and order frequencies: parsing and
 * conversion (units.h).
 */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "units.h"

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
	{"tablet", {"tablet", DOSAGE_DOSE_DIM_TABLET, 1.0}},
	{"tablets", {"tablet", DOSAGE_DOSE_DIM_TABLET, 1.0}},
	{"{tbl}", {"tablet", DOSAGE_DOSE_DIM_TABLET, 1.0}},
	{"capsule", {"capsule", DOSAGE_DOSE_DIM_CAPSULE, 1.0}},
	{"capsules", {"capsule", DOSAGE_DOSE_DIM_CAPSULE, 1.0}},
	{"{cap}", {"capsule", DOSAGE_DOSE_DIM_CAPSULE, 1.0}},
	/* Electrolytes are prescribed by amount of substance or charge; each
	 * is its own dimension: no molar mass or valence is assumed. */
	{"mmol", {"mmol", DOSAGE_DOSE_DIM_MMOL, 1.0}},
	{"mEq", {"meq", DOSAGE_DOSE_DIM_MEQ, 1.0}},
	{"meq", {"meq", DOSAGE_DOSE_DIM_MEQ, 1.0}},
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

bool
dosage_dose_number(const char *s, double *out)
{
	char *end = NULL;
	double v;

	if (s == NULL || *s == '\0')
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(v))
		return false;
	/* strtod reports ERANGE for a number too small for a normal double
	 * (5e-324) but still gives its nearest value: such a number was
	 * written by us and must read back, never become data loss. */
	if (errno == ERANGE && fabs(v) > DBL_MIN)
		return false;
	*out = v;
	return true;
}

bool
dosage_dose_dim_is_amount(dosage_dose_dim dim)
{
	return dim == DOSAGE_DOSE_DIM_MASS || dim == DOSAGE_DOSE_DIM_UNITS ||
	       dim == DOSAGE_DOSE_DIM_MMOL || dim == DOSAGE_DOSE_DIM_MEQ;
}

bool
dosage_dose_dim_is_molar(dosage_dose_dim dim)
{
	return dim == DOSAGE_DOSE_DIM_MMOL || dim == DOSAGE_DOSE_DIM_MEQ;
}

/* time_per_hour reads the rate's time span: h (hr) or min. */
static bool
time_per_hour(const char *s, double *out)
{
	if (strcasecmp(s, "h") == 0 || strcasecmp(s, "hr") == 0) {
		*out = 1;
		return true;
	}
	if (strcasecmp(s, "min") == 0) {
		*out = 60;
		return true;
	}
	return false;
}

med_err
dosage_rate_unit_parse(const char *s, dosage_rate_unit *out)
{
	char buf[32], *amount, *mid, *time;
	dosage_rate_unit u = {0};
	size_t len = s ? strlen(s) : sizeof(buf);

	if (len >= sizeof(buf))
		return MED_ERR_INVALID;
	memcpy(buf, s, len + 1);
	amount = buf;
	if ((mid = strchr(amount, '/')) == NULL)
		return MED_ERR_INVALID;
	*mid++ = '\0';
	time = strchr(mid, '/');
	if (time != NULL) {
		*time++ = '\0';
		if (strcasecmp(mid, "kg") != 0 || strchr(time, '/') != NULL)
			return MED_ERR_INVALID;
		u.per_kg = true;
	} else {
		time = mid;
	}
	if (!time_per_hour(time, &u.per_hour) ||
	    dosage_dose_unit_parse(amount, &u.amount) != MED_OK)
		return MED_ERR_INVALID;
	/* Tablets do not flow. */
	if (u.amount.dim != DOSAGE_DOSE_DIM_VOLUME &&
	    !dosage_dose_dim_is_amount(u.amount.dim))
		return MED_ERR_INVALID;
	*out = u;
	return MED_OK;
}

double
dosage_rate_amount_per_hour(const dosage_rate_unit *u, double rate,
			    double weight_kg)
{
	return rate * u->per_hour * (u->per_kg ? weight_kg : 1);
}

#define HOUR_MS (3600LL * 1000)

med_err
dosage_dose_frequency_parse(const char *s, int64_t *interval_ms, bool *prn)
{
	static const struct {
		const char *name;
		int64_t hours;
	} named[] = {
		{"daily", 24}, {"qd", 24},	{"bid", 12},
		{"tid", 8},    {"qid", 6},	{"once", 0},
		{"prn", 0},    {"weekly", 168}, {"qweek", 168},
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
