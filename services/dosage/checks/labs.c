/*
 * labs.c - the lab and pregnancy checks: a drug's lab rules (catalogue
 * data: "potassium:max=5.0:stop:age_h=24:need") against the latest lab
 * values the record holds, a creatinine turned into a Cockcroft-Gault
 * clearance for the renal bands, and a drug harmful in pregnancy for a
 * pregnant patient.  Pure functions; docs/dose-safety.md, "Labs the checks
 * read" and "Pregnancy".
 */
#include <med/util.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dose.h"

#define HOUR_MS		  (3600LL * 1000)
#define LAB_MAX_AGE_H	  8760
#define LAB_DEFAULT_AGE	  24
#define CREATININE_PER_MG 88.42

static const char *const lab_names[DOSAGE_LAB_N] = {"potassium", "inr",
						    "glucose", "creatinine"};
/* Each with its leading space, so that a unitless INR reads "inr 6.2". */
static const char *const lab_units[DOSAGE_LAB_N] = {" mmol/L", "", " mmol/L",
						    " umol/L"};

const char *
dosage_lab_name(dosage_lab lab)
{
	return (unsigned)lab < DOSAGE_LAB_N ? lab_names[lab] : "?";
}

const char *
dosage_lab_unit(dosage_lab lab)
{
	if ((unsigned)lab >= DOSAGE_LAB_N)
		return "";
	return lab_units[lab][0] == ' ' ? lab_units[lab] + 1 : lab_units[lab];
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
			 "rule %zu: analyte must be potassium, inr, glucose "
			 "or creatinine",
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

/* --- Cockcroft-Gault --------------------------------------------------------
 */

double
dosage_cockcroft_gault(int age_years, double weight_kg, bool female,
		       double creat_umol_l)
{
	double mg_dl = creat_umol_l / CREATININE_PER_MG;
	double crcl;

	if (age_years < 18 || age_years > 120 || !(weight_kg > 0) ||
	    !(creat_umol_l > 0) || !isfinite(weight_kg) ||
	    !isfinite(creat_umol_l))
		return 0;
	crcl = (140.0 - age_years) * weight_kg / (72.0 * mg_dl);
	return female ? crcl * 0.85 : crcl;
}

void
dosage_dose_derive_crcl(dosage_dose_patient *p, bool weight_usable)
{
	const int c = DOSAGE_LAB_CREATININE;
	double crcl;

	if (!p->labs[c].present || p->labs[c].unusable ||
	    (p->has_crcl && p->crcl_ms >= p->labs[c].at_ms) || !p->has_age ||
	    !weight_usable || (p->sex != 'F' && p->sex != 'M'))
		return;
	crcl = dosage_cockcroft_gault(p->age_years, p->weight_kg, p->sex == 'F',
				      p->labs[c].value);
	if (crcl <= 0)
		return;
	p->has_crcl = true;
	p->crcl_ml_min = crcl;
	p->crcl_ms = p->labs[c].at_ms;
	p->crcl_label = "Cockcroft-Gault clearance";
}

/* --- the lab check ----------------------------------------------------------
 */

/* severity orders statuses for keeping the worst of several rules. */
static int
severity(dosage_dose_status s)
{
	static const int rank[] = {0, 1, 3, 4, 2, 0};

	return (unsigned)s <= DOSAGE_DOSE_NOT_APPLICABLE ? rank[s] : 0;
}

/* lack answers a rule without a usable value: a hard stop when the rule
 * needs one, else not_checked. */
static void
lack(const dosage_lab_rule *rule, dosage_dose_result *r, const char *why)
{
	if (rule->need)
		dosage_dose_set(r, DOSAGE_DOSE_HARD_STOP, 0, rule->limit,
				"%s; this drug needs a %s within %lld h "
				"(lab_rules need)",
				why, lab_names[rule->analyte],
				(long long)(rule->max_age_ms / HOUR_MS));
	else
		dosage_dose_set(r, DOSAGE_DOSE_NOT_CHECKED, 0, rule->limit,
				"%s", why);
}

/* one_rule judges one rule on p's value at at_ms. */
static void
one_rule(const dosage_lab_rule *rule, const dosage_dose_patient *p,
	 int64_t at_ms, dosage_dose_result *r)
{
	const char *name = lab_names[rule->analyte];
	const char *unit = lab_units[rule->analyte];
	double v = p->labs[rule->analyte].value;
	int64_t at = p->labs[rule->analyte].at_ms;
	bool over = rule->is_max ? v > rule->limit : v < rule->limit;
	const char *side = rule->is_max ? "above" : "below";
	char why[DOSAGE_DOSE_REASON_MAX];

	if (!p->labs[rule->analyte].present) {
		snprintf(why, sizeof(why), "no %s result in the record", name);
		lack(rule, r, why);
		return;
	}
	if (p->labs[rule->analyte].unusable) {
		snprintf(why, sizeof(why),
			 "not checked: unit: %s %.4g charted in \"%s\", which "
			 "does not convert",
			 name, v,
			 p->labs[rule->analyte].unit
				 ? p->labs[rule->analyte].unit
				 : "");
		lack(rule, r, why);
		return;
	}
	if (at < med_time_add_ms(at_ms, -rule->max_age_ms)) {
		/* A stale value that said stop still says it: only a new
		 * value may end the stop. */
		if (over && rule->stop)
			dosage_dose_set(r, DOSAGE_DOSE_HARD_STOP, v,
					rule->limit,
					"last %s %.4g%s, %lld h old, was %s "
					"the stop %.4g: "
					"chart a new value",
					name, v, unit,
					(long long)((at_ms - at) / HOUR_MS),
					side, rule->limit);
		else {
			snprintf(why, sizeof(why),
				 "%s %.4g%s is older than %lld h", name, v,
				 unit, (long long)(rule->max_age_ms / HOUR_MS));
			lack(rule, r, why);
		}
		return;
	}
	if (over)
		dosage_dose_set(
			r,
			rule->stop ? DOSAGE_DOSE_HARD_STOP : DOSAGE_DOSE_WARN,
			v, rule->limit, "%s %.4g%s %s %.4g (lab_rules %s)",
			name, v, unit, side, rule->limit,
			rule->stop ? "stop" : "warn");
	else
		dosage_dose_set(r, DOSAGE_DOSE_OK, v, rule->limit,
				"%s %.4g%s not %s %.4g", name, v, unit, side,
				rule->limit);
}

void
dosage_dose_check_lab(const dosage_dose_limits *l, const dosage_dose_patient *p,
		      int64_t at_ms, dosage_dose_result *r)
{
	if (l->n_lab_rules == 0) {
		dosage_dose_set(r, DOSAGE_DOSE_NOT_APPLICABLE, 0, 0,
				"no lab rules in the catalogue");
		return;
	}
	if (!p->labs_known) {
		dosage_dose_set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0,
				"the record is not read: lab values unknown");
		return;
	}
	r->status = DOSAGE_DOSE_NOT_APPLICABLE;
	for (size_t i = 0; i < l->n_lab_rules; i++) {
		dosage_dose_result one = {.check = r->check};

		one_rule(&l->lab_rules[i], p, at_ms, &one);
		if (severity(one.status) > severity(r->status))
			*r = one;
	}
}

/* --- pregnancy
 * ---------------------------------------------------------------- */

void
dosage_dose_check_pregnancy(const dosage_dose_limits *l,
			    const dosage_dose_patient *p, dosage_dose_result *r)
{
	const char *src = l->pregnancy_source && l->pregnancy_source[0]
				  ? l->pregnancy_source
				  : "catalogue";

	if (l->pregnancy == DOSAGE_PREGNANCY_NONE)
		dosage_dose_set(r, DOSAGE_DOSE_NOT_APPLICABLE, 0, 0,
				"no pregnancy rule in the catalogue");
	else if (p->sex == 'M')
		dosage_dose_set(r, DOSAGE_DOSE_OK, 0, 0, "registered male");
	else if (p->pregnant)
		dosage_dose_set(
			r,
			l->pregnancy == DOSAGE_PREGNANCY_CONTRAINDICATED
				? DOSAGE_DOSE_HARD_STOP
				: DOSAGE_DOSE_WARN,
			1, 0,
			"%s in pregnancy; patient pregnant (%s); source: %s",
			l->pregnancy == DOSAGE_PREGNANCY_CONTRAINDICATED
				? "contraindicated"
				: "to be avoided",
			p->pregnancy_evidence ? p->pregnancy_evidence : "?",
			src);
	else if (!p->pregnancy_known)
		dosage_dose_set(r, DOSAGE_DOSE_NOT_CHECKED, 0, 0,
				"problem list not read: pregnancy unknown");
	else
		dosage_dose_set(
			r, DOSAGE_DOSE_OK, 0, 0,
			"no pregnancy on the problem list or by a test");
}
