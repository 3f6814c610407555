/*
 * units.c - codes and units: LOINC check digits, the UCUM units accepted
 * for the vital-sign LOINC codes, a UCUM syntax check for the rest, and
 * the attachment content types with their magic bytes.
 */
#include <med/util.h>

#include <string.h>

#include "records.h"

#define LOINC_MAX_LEN 10
#define UCUM_MAX_LEN  64

/*
 * The FHIR R4 vital-signs profile's codes and the UCUM units it names.  A
 * unit outside this table for one of these codes is refused: a heart rate
 * in mm[Hg] is a data-entry error, not a conversion.
 */
static const records_vital vitals[] = {
	{"8867-4", "Heart rate", "heart_rate", {"/min"}},
	{"8480-6", "Systolic blood pressure", "systolic_bp", {"mm[Hg]"}},
	{"8462-4", "Diastolic blood pressure", "diastolic_bp", {"mm[Hg]"}},
	{"8310-5", "Body temperature", "body_temperature", {"Cel", "[degF]"}},
	{"9279-1", "Respiratory rate", "respiratory_rate", {"/min"}},
	{"59408-5",
	 "Oxygen saturation in Arterial blood by Pulse oximetry",
	 "oxygen_saturation",
	 {"%"}},
	{"2708-6", "Oxygen saturation in Arterial blood", NULL, {"%"}},
	{"29463-7", "Body weight", "body_weight", {"kg", "g", "[lb_av]"}},
	{"8302-2", "Body height", "body_height", {"cm", "m", "[in_i]"}},
	{"3151-8",
	 "Inhaled oxygen flow rate",
	 "inhaled_oxygen_flow",
	 {"L/min"}},
};

/*
 * Plausibility limits of vital signs, per LOINC code and unit: a value
 * outside them is far more likely a typing slip (HR 900 for 90, 95 Cel
 * for 35) than a patient, so it is refused unless the request confirms
 * it.  The limits are wide on purpose (neonates to the severely obese,
 * deep hypothermia to hyperpyrexia); docs/api/records.md has the table.
 * SpO2 below 50 % is possible but is refused unconfirmed: pulse oximeters
 * are not calibrated there.
 */
static const records_limit limits[] = {
	{"8867-4", "/min", 20, 300},	    {"9279-1", "/min", 2, 80},
	{"8480-6", "mm[Hg]", 40, 300},	    {"8462-4", "mm[Hg]", 15, 200},
	{"8310-5", "Cel", 25, 45},	    {"8310-5", "[degF]", 77, 113},
	{"59408-5", "%", 50, 100},	    {"2708-6", "%", 50, 100},
	{"29463-7", "kg", 0.2, 650},	    {"29463-7", "g", 200, 650000},
	{"29463-7", "[lb_av]", 0.44, 1433}, {"8302-2", "cm", 20, 280},
	{"8302-2", "m", 0.2, 2.8},	    {"8302-2", "[in_i]", 8, 110},
	{"3151-8", "L/min", 0, 80},
};

const records_limit *
records_vital_limit(const char *loinc, const char *unit)
{
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		if (strcmp(limits[i].loinc, loinc) == 0 &&
		    strcmp(limits[i].unit, unit) == 0)
			return &limits[i];
	return NULL;
}

bool
records_vital_plausible(const records_limit *l, double value)
{
	return l == NULL || (value >= l->min && value <= l->max);
}

const records_vital *
records_vital_by_loinc(const char *code)
{
	for (size_t i = 0; i < sizeof(vitals) / sizeof(vitals[0]); i++)
		if (strcmp(vitals[i].loinc, code) == 0)
			return &vitals[i];
	return NULL;
}

const records_vital *
records_vital_by_field(const char *field)
{
	for (size_t i = 0; i < sizeof(vitals) / sizeof(vitals[0]); i++)
		if (vitals[i].field && strcmp(vitals[i].field, field) == 0)
			return &vitals[i];
	return NULL;
}

bool
records_vital_unit_ok(const records_vital *v, const char *unit)
{
	for (size_t i = 0; i < RECORDS_VITAL_UNITS && v->units[i]; i++)
		if (strcmp(v->units[i], unit) == 0)
			return true;
	return false;
}

/*
 * records_loinc_valid checks the shape "digits-checkdigit" and the check
 * digit, which LOINC computes with the Luhn (mod 10) algorithm.
 */
bool
records_loinc_valid(const char *code)
{
	size_t n = strlen(code);
	const char *dash = strchr(code, '-');
	size_t digits = dash ? (size_t)(dash - code) : 0;
	int sum = 0;

	if (n > LOINC_MAX_LEN || digits < 1 || digits > 7 || n != digits + 2 ||
	    strspn(code, "0123456789") != digits || dash[1] < '0' ||
	    dash[1] > '9')
		return false;
	for (size_t i = 0; i < digits; i++) {
		int d = code[digits - 1 - i] - '0';

		if (i % 2 == 0) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return (10 - sum % 10) % 10 == dash[1] - '0';
}

/*
 * records_ucum_syntax_ok is a syntax check of a UCUM code (case-sensitive
 * form): printable ASCII without spaces, square brackets and curly braces
 * balanced and not nested, no empty term around '.' or '/'.  It does not
 * know every atom; the vital-sign table is exact.
 */
bool
records_ucum_syntax_ok(const char *unit)
{
	size_t n = strlen(unit);
	char open = 0;
	char prev = '.';

	if (n == 0 || n > UCUM_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = unit[i];

		if (ch <= ' ' || ch > '~' || ch == '"')
			return false;
		if (open) {
			if ((open == '[' && ch == ']') ||
			    (open == '{' && ch == '}'))
				open = 0;
			else if (ch == '[' || ch == '{' || ch == ']' ||
				 ch == '}')
				return false;
			prev = ch;
			continue;
		}
		if (ch == '[' || ch == '{')
			open = ch;
		else if (ch == ']' || ch == '}')
			return false;
		else if (ch == '.' && (prev == '.' || prev == '/'))
			return false;
		else if (ch == '/' && prev == '/')
			return false;
		prev = ch;
	}
	return open == 0 && prev != '.' && prev != '/';
}

static const struct {
	const char *type;
	const char *magic;
	size_t magic_len;
} content_types[] = {
	{"application/pdf", "%PDF-", 5},
	{"image/png", "\x89PNG\r\n\x1a\n", 8},
	{"image/jpeg", "\xff\xd8\xff", 3},
	{"text/plain", NULL, 0},
};

bool
records_content_type_known(const char *type)
{
	for (size_t i = 0; i < sizeof(content_types) / sizeof(content_types[0]);
	     i++)
		if (strcmp(content_types[i].type, type) == 0)
			return true;
	return false;
}

bool
records_content_matches(const char *type, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < sizeof(content_types) / sizeof(content_types[0]);
	     i++) {
		if (strcmp(content_types[i].type, type) != 0)
			continue;
		if (content_types[i].magic == NULL)
			return med_utf8_valid((const char *)data, len);
		return len >= content_types[i].magic_len &&
		       memcmp(data, content_types[i].magic,
			      content_types[i].magic_len) == 0;
	}
	return false;
}

/* --- estimated GFR ------------------------------------------------------ */

/*
 * LOINC's codes for an eGFR per 1.73 m2 and the equation each names; a
 * code that names none (69405-9) needs the equation in the observation's
 * method.  An eGFR without its equation is not a number a renal band can
 * be judged by: MDRD and CKD-EPI differ most where dosing changes.
 */
static const records_egfr_code egfr_codes[] = {
	{"98979-8", "CKD-EPI 2021"}, {"62238-1", "CKD-EPI 2009"},
	{"88293-6", "CKD-EPI 2009"}, {"88294-4", "CKD-EPI 2009"},
	{"33914-3", "MDRD"},	     {"48642-3", "MDRD"},
	{"48643-1", "MDRD"},	     {"50044-7", "MDRD"},
	{"69405-9", NULL},
};

static const char *const egfr_equations[] = {
	"CKD-EPI 2021", "CKD-EPI 2009", "MDRD", "Schwartz", "EKFC",
};

const records_egfr_code *
records_egfr_by_loinc(const char *code)
{
	for (size_t i = 0; i < sizeof(egfr_codes) / sizeof(egfr_codes[0]); i++)
		if (strcmp(egfr_codes[i].loinc, code) == 0)
			return &egfr_codes[i];
	return NULL;
}

bool
records_egfr_equation_known(const char *name)
{
	for (size_t i = 0;
	     i < sizeof(egfr_equations) / sizeof(egfr_equations[0]); i++)
		if (strcmp(egfr_equations[i], name) == 0)
			return true;
	return false;
}

const char *
records_egfr_equation(const records_egfr_code *code, const char *method,
		      const char **why)
{
	if (method[0] && !records_egfr_equation_known(method)) {
		*why = "not an eGFR equation we know (CKD-EPI 2021, CKD-EPI "
		       "2009, MDRD, Schwartz, EKFC)";
		return NULL;
	}
	if (code->equation == NULL && method[0] == '\0') {
		*why = "an eGFR must name its equation (CKD-EPI 2021, CKD-EPI "
		       "2009, MDRD, Schwartz, EKFC): the LOINC code does not";
		return NULL;
	}
	if (code->equation && method[0] && strcmp(code->equation, method)) {
		*why = "disagrees with the equation the LOINC code names";
		return NULL;
	}
	return code->equation ? code->equation : method;
}

/* No patient weighs nothing, and none has weighed more than about 635
 * kg: outside (0, 650] kg a weight is a slip that no confirmation makes
 * true. */
bool
records_weight_possible(double kg)
{
	return kg > 0 && kg <= 650;
}
