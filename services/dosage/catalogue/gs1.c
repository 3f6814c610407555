/*
 * gs1.c - the product scan: GS1 element strings as a bedside scanner
 * reads them from a DataMatrix or GS1-128 barcode.  Raw scans carry the
 * application identifiers (AIs) back to back, a variable-length field
 * ended by the group separator (GS, 0x1D) standing for FNC1, optionally
 * after a symbology identifier ("]d2", "]C1"); the human-readable form
 * puts each AI in brackets.  Dosage reads AI 01 (GTIN), 17 (expiry,
 * YYMMDD), 10 (batch) and 21 (serial), and a bare GTIN-8/12/13/14.  Pure
 * functions, table-tested in tests/unit/dosage/test_gs1.c.
 */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "dosage.h"
#include "catalogue.h"

#define GS	'\x1d'
#define VAR_MAX 20
#define DAY_MS	(24LL * 3600 * 1000)
/* FAIL: the scan cannot be read (INVALID, named as the request's
 * product_scan). */
#define FAIL(...)                                                              \
	med_problem_set(pr, MED_ERR_INVALID, "product_scan", __VA_ARGS__)

static bool
all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

bool
dosage_gtin_valid(const char *gtin)
{
	size_t n = strlen(gtin);
	int sum = 0;

	if ((n != 8 && n != 12 && n != 13 && n != 14) || !all_digits(gtin, n))
		return false;
	/* Weights 3, 1, 3 ... from the digit left of the check digit. */
	for (size_t i = 0; i + 1 < n; i++)
		sum += (gtin[n - 2 - i] - '0') * (i % 2 == 0 ? 3 : 1);
	return (10 - sum % 10) % 10 == gtin[n - 1] - '0';
}

void
dosage_gtin14(const char *gtin, char out[15])
{
	size_t n = strlen(gtin);

	memset(out, '0', 14 - n);
	memcpy(out + 14 - n, gtin, n + 1);
}

/* fixed_field copies n digits at *p into out. */
static med_err
fixed_field(const char **p, size_t n, const char *ai, char *out,
	    med_problem *pr)
{
	if (strlen(*p) < n || !all_digits(*p, n))
		return FAIL("AI (%s) needs %zu digits", ai, n);
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n;
	return MED_OK;
}

/* var_field copies up to 20 characters, to GS, '(' (bracketed form) or
 * the end. */
static med_err
var_field(const char **p, bool bracketed, const char *ai, char *out,
	  med_problem *pr)
{
	size_t n = 0;

	while ((*p)[n] && (*p)[n] != GS && !(bracketed && (*p)[n] == '('))
		n++;
	if (n == 0 || n > VAR_MAX)
		return FAIL("AI (%s) needs 1..20 characters", ai);
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)(*p)[i]))
			return FAIL("AI (%s): unprintable character", ai);
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n;
	if (**p == GS)
		(*p)++;
	return MED_OK;
}

/* next_ai reads the AI at *p: "(NN)" or two digits. */
static med_err
next_ai(const char **p, bool bracketed, char ai[3], med_problem *pr)
{
	const char *s = *p;

	if (bracketed) {
		if (s[0] != '(' || !isdigit((unsigned char)s[1]) ||
		    !isdigit((unsigned char)s[2]) || s[3] != ')')
			return FAIL("expected an AI in brackets at '%.8s'", s);
		s++;
	} else if (!isdigit((unsigned char)s[0]) ||
		   !isdigit((unsigned char)s[1])) {
		return FAIL("expected an AI at '%.8s'", s);
	}
	ai[0] = s[0];
	ai[1] = s[1];
	ai[2] = '\0';
	*p = s + (bracketed ? 3 : 2);
	return MED_OK;
}

static med_err
element(const char **p, bool bracketed, dosage_gs1 *out, med_problem *pr)
{
	char ai[3];
	med_err err = next_ai(p, bracketed, ai, pr);

	if (err != MED_OK)
		return err;
	if (strcmp(ai, "01") == 0)
		return fixed_field(p, 14, ai, out->gtin, pr);
	if (strcmp(ai, "17") == 0)
		return fixed_field(p, 6, ai, out->expiry, pr);
	if (strcmp(ai, "10") == 0)
		return var_field(p, bracketed, ai, out->batch, pr);
	if (strcmp(ai, "21") == 0)
		return var_field(p, bracketed, ai, out->serial, pr);
	return FAIL("AI (%s) is not read (01, 17, 10, 21)", ai);
}

med_err
dosage_gs1_parse(const char *scan, dosage_gs1 *out, med_problem *pr)
{
	const char *p = scan;
	size_t n = strlen(scan);
	bool bracketed;
	med_err err;

	memset(out, 0, sizeof(*out));
	if (n > DOSAGE_GS1_MAX)
		return FAIL("at most %d characters", DOSAGE_GS1_MAX);
	if (p[0] == ']' && n >= 3)
		p += 3; /* the scanner's symbology identifier */
	/* A bare GTIN (a linear EAN/UPC code): shorter than any element
	 * string, which starts with a 2-digit AI before its 14 digits. */
	n = strlen(p);
	if (all_digits(p, n) && (n == 8 || n == 12 || n == 13 || n == 14)) {
		if (!dosage_gtin_valid(p))
			return FAIL("GTIN %s: wrong check digit", p);
		dosage_gtin14(p, out->gtin);
		return MED_OK;
	}
	if (*p == GS)
		p++; /* a leading FNC1 */
	bracketed = *p == '(';
	while (*p)
		if ((err = element(&p, bracketed, out, pr)) != MED_OK)
			return err;
	if (out->gtin[0] == '\0')
		return FAIL("no GTIN (AI 01)");
	if (!dosage_gtin_valid(out->gtin))
		return FAIL("GTIN %s: wrong check digit", out->gtin);
	return MED_OK;
}

med_err
dosage_gs1_expiry_end_ms(const char *yymmdd, int64_t now_ms, int64_t *end_ms)
{
	struct tm now_tm, t = {0};
	time_t now_s = (time_t)(now_ms / 1000);
	int yy, mm, dd, year, now_year;

	if (strlen(yymmdd) != 6 || !all_digits(yymmdd, 6))
		return MED_ERR_INVALID;
	yy = (yymmdd[0] - '0') * 10 + (yymmdd[1] - '0');
	mm = (yymmdd[2] - '0') * 10 + (yymmdd[3] - '0');
	dd = (yymmdd[4] - '0') * 10 + (yymmdd[5] - '0');
	if (mm < 1 || mm > 12 || dd > 31)
		return MED_ERR_INVALID;
	gmtime_r(&now_s, &now_tm);
	now_year = now_tm.tm_year + 1900;
	/* GS1's sliding century: up to 49 years back, 50 ahead. */
	year = now_year - now_year % 100 + yy;
	if (year - now_year >= 51)
		year -= 100;
	else if (year - now_year <= -50)
		year += 100;
	/* Day 00: the last day of the month; the end is the next day. */
	t.tm_year = year - 1900;
	t.tm_mon = dd == 0 ? mm : mm - 1;
	t.tm_mday = dd == 0 ? 1 : dd + 1;
	*end_ms = (int64_t)timegm(&t) * 1000;
	return MED_OK;
}
