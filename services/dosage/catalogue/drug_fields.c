/*
 * drug_fields.c - the text forms of a drug's stored fields that the
 * checks read (dose.h): renal bands ("30:0.5;10:0:1440"), the renal
 * basis, hepatic bands ("B:0.5;C:0"), lab rules and the pregnancy rule.
 * Pure functions: the catalogue validates and stores a drug with them,
 * the checks read the limits back with them.
 */
#include <med/util.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dose_fields.h"
#include "units.h"

#define HOUR_MS		(3600LL * 1000)
#define LAB_MAX_AGE_H	8760
#define LAB_DEFAULT_AGE 24

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
	char buf[32];
	size_t n = (size_t)(end - s);

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return dosage_dose_number(buf, out);
}

/* parse_band reads "crcl:factor[:interval_min]" from s[0..end). */
static bool
parse_band(const char *s, const char *end, dosage_dose_band *b)
{
	const char *colon = memchr(s, ':', (size_t)(end - s));
	const char *second;
	double minutes = 0;

	if (colon == NULL || !parse_num(s, colon, &b->crcl_below))
		return false;
	second = memchr(colon + 1, ':', (size_t)(end - colon - 1));
	if (!parse_num(colon + 1, second ? second : end, &b->factor) ||
	    (second && !parse_num(second + 1, end, &minutes)))
		return false;
	b->interval_ms = (int64_t)(minutes * 60000.0);
	return b->crcl_below > 0 && b->crcl_below <= 200 && b->factor >= 0 &&
	       b->factor <= 1 && minutes >= 0 && minutes <= 86400 &&
	       minutes == (double)(int64_t)minutes;
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

/* --- renal basis -------------------------------------------------------- */

static const char *const basis_names[] = {"crcl", "crcl_only", "egfr"};

const char *
dosage_dose_renal_basis_name(dosage_dose_renal_basis b)
{
	return (unsigned)b <= DOSAGE_RENAL_EGFR ? basis_names[b] : "?";
}

med_err
dosage_dose_renal_basis_parse(const char *s, dosage_dose_renal_basis *out)
{
	if (s == NULL || *s == '\0') {
		*out = DOSAGE_RENAL_CRCL;
		return MED_OK;
	}
	for (size_t i = 0; i < sizeof(basis_names) / sizeof(basis_names[0]);
	     i++)
		if (strcmp(s, basis_names[i]) == 0) {
			*out = (dosage_dose_renal_basis)i;
			return MED_OK;
		}
	return MED_ERR_INVALID;
}

/* --- hepatic bands ------------------------------------------------------- */

/* hepatic_band reads "C:f" (n bytes) into l. */
static bool
hepatic_band(const char *s, size_t n, dosage_dose_limits *l)
{
	char buf[32];
	double f;
	int k;

	if (n < 3 || n >= sizeof(buf) || s[1] != ':' || s[0] < 'A' ||
	    s[0] > 'C')
		return false;
	memcpy(buf, s + 2, n - 2);
	buf[n - 2] = '\0';
	k = s[0] - 'A';
	if (!dosage_dose_number(buf, &f) || f < 0 || f > 1 ||
	    (l->hepatic_set & (1u << k)))
		return false;
	l->hepatic_factor[k] = f;
	l->hepatic_set |= 1u << k;
	return true;
}

med_err
dosage_dose_hepatic_parse(const char *s, dosage_dose_limits *l)
{
	l->hepatic_set = 0;
	while (s && *s) {
		const char *semi = strchr(s, ';');
		size_t n = semi ? (size_t)(semi - s) : strlen(s);

		if (!hepatic_band(s, n, l) || (semi && semi[1] == '\0')) {
			l->hepatic_set = 0;
			return MED_ERR_INVALID;
		}
		s = semi ? semi + 1 : s + n;
	}
	return MED_OK;
}

bool
dosage_dose_hepatic_format(const dosage_dose_limits *l, char *out, size_t len)
{
	size_t off = 0;

	out[0] = '\0';
	for (int k = 0; k < 3; k++) {
		int w;

		if (!(l->hepatic_set & (1u << k)))
			continue;
		w = snprintf(out + off, len - off, "%s%c:%.15g", off ? ";" : "",
			     'A' + k, l->hepatic_factor[k]);
		if (w < 0 || (size_t)w >= len - off)
			return false;
		off += (size_t)w;
	}
	return true;
}
/* --- lab rules ---------------------------------------------------------- */

static const char *const lab_names[DOSAGE_LAB_N] = {
	"potassium",	     "inr",
	"glucose",	     "creatinine",
	"gentamicin_trough", "tobramycin_trough",
	"vancomycin_trough", "digoxin",
	"lithium",	     "theophylline",
	"phenytoin",	     "amikacin_trough",
	"carbamazepine",     "valproate",
	"ciclosporin",	     "tacrolimus"};
const char *
dosage_lab_name(dosage_lab lab)
{
	return (unsigned)lab < DOSAGE_LAB_N ? lab_names[lab] : "?";
}

/* --- the rules' syntax ---------------------------------------------------- */

/* rule_part reads one ':'-separated part of a rule into r; false when it
 * is none the syntax knows. */
static bool
rule_part(const char *part, dosage_lab_rule *r, int *n_bound, int *n_action)
{
	double v;

	if (strncmp(part, "max=", 4) == 0 || strncmp(part, "min=", 4) == 0) {
		if (!dosage_dose_number(part + 4, &v) || v < 0 || v > 1e6)
			return false;
		r->is_max = part[1] == 'a';
		r->limit = v;
		(*n_bound)++;
		return true;
	}
	if (strcmp(part, "stop") == 0 || strcmp(part, "warn") == 0) {
		r->stop = part[0] == 's';
		(*n_action)++;
		return true;
	}
	if (strncmp(part, "age_h=", 6) == 0) {
		if (!dosage_dose_number(part + 6, &v) || v < 1 ||
		    v > LAB_MAX_AGE_H || v != floor(v))
			return false;
		r->max_age_ms = (int64_t)v * HOUR_MS;
		return true;
	}
	if (strcmp(part, "need") == 0) {
		r->need = true;
		return true;
	}
	return false;
}

static bool
lab_by_name(const char *s, dosage_lab *out)
{
	for (int i = 0; i < DOSAGE_LAB_N; i++)
		if (strcmp(s, lab_names[i]) == 0) {
			*out = (dosage_lab)i;
			return true;
		}
	return false;
}

/* parse_rule reads one rule (text, in a writable copy) into r. */
static med_err
parse_rule(char *text, size_t k, dosage_lab_rule *r, char *reason, size_t len)
{
	int n_bound = 0, n_action = 0;
	char *save = NULL;
	char *part = strtok_r(text, ":", &save);

	memset(r, 0, sizeof(*r));
	r->max_age_ms = LAB_DEFAULT_AGE * HOUR_MS;
	if (part == NULL || !lab_by_name(part, &r->analyte)) {
		snprintf(reason, len,
			 "rule %zu: analyte must be potassium, inr, glucose, "
			 "creatinine or a drug level (docs/dose-safety.md)",
			 k + 1);
		return MED_ERR_INVALID;
	}
	while ((part = strtok_r(NULL, ":", &save)) != NULL)
		if (!rule_part(part, r, &n_bound, &n_action)) {
			snprintf(reason, len,
				 "rule %zu (%s): \"%.32s\" is not max=N, "
				 "min=N, stop, warn, age_h=1..8760 or need",
				 k + 1, lab_names[r->analyte], part);
			return MED_ERR_INVALID;
		}
	if (n_bound != 1 || n_action != 1) {
		snprintf(reason, len,
			 "rule %zu (%s): needs exactly one of max=N or min=N "
			 "and one of stop or warn",
			 k + 1, lab_names[r->analyte]);
		return MED_ERR_INVALID;
	}
	return MED_OK;
}

med_err
dosage_lab_rules_parse(const char *s, dosage_lab_rule *r, size_t cap, size_t *n,
		       char *reason, size_t len)
{
	char buf[512];
	char *save = NULL, *text;
	size_t k = 0;
	med_err err;

	*n = 0;
	if (s == NULL || s[0] == '\0')
		return MED_OK;
	if (med_strlcpy(buf, s, sizeof(buf)) >= sizeof(buf) ||
	    s[strlen(s) - 1] == ';' || strstr(s, ";;") || s[0] == ';') {
		snprintf(reason, len,
			 "at most %zu characters, rules separated by one ';'",
			 sizeof(buf) - 1);
		return MED_ERR_INVALID;
	}
	for (text = strtok_r(buf, ";", &save); text;
	     text = strtok_r(NULL, ";", &save), k++) {
		if (k == cap) {
			snprintf(reason, len, "at most %zu rules", cap);
			return MED_ERR_LIMIT;
		}
		if ((err = parse_rule(text, k, &r[k], reason, len)) != MED_OK)
			return err;
	}
	*n = k;
	return MED_OK;
}

bool
dosage_lab_rules_format(const dosage_lab_rule *r, size_t n, char *out,
			size_t len)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(out + off, len - off,
				 "%s%s:%s=%.6g:%s:age_h=%lld%s", i ? ";" : "",
				 dosage_lab_name(r[i].analyte),
				 r[i].is_max ? "max" : "min", r[i].limit,
				 r[i].stop ? "stop" : "warn",
				 (long long)(r[i].max_age_ms / HOUR_MS),
				 r[i].need ? ":need" : "");

		if (w < 0 || (size_t)w >= len - off)
			return false;
		off += (size_t)w;
	}
	return true;
}

med_err
dosage_pregnancy_parse(const char *s, dosage_pregnancy_risk *out)
{
	if (s == NULL || s[0] == '\0' || strcmp(s, "none") == 0)
		*out = DOSAGE_PREGNANCY_NONE;
	else if (strcmp(s, "avoid") == 0)
		*out = DOSAGE_PREGNANCY_AVOID;
	else if (strcmp(s, "contraindicated") == 0)
		*out = DOSAGE_PREGNANCY_CONTRAINDICATED;
	else
		return MED_ERR_INVALID;
	return MED_OK;
}

const char *
dosage_pregnancy_name(dosage_pregnancy_risk r)
{
	return r == DOSAGE_PREGNANCY_AVOID	       ? "avoid"
	       : r == DOSAGE_PREGNANCY_CONTRAINDICATED ? "contraindicated"
						       : "";
}
