/*
 * domain.c - the rules of the master patient index, free of gRPC and SQL.
 */
#include <med/arena.h>
#include <med/check.h>
#include <med/names.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"

/* An MRN is printable ASCII without spaces so it survives every HIS. */
static bool
mrn_chars_ok(const char *mrn)
{
	for (const char *p = mrn; *p; p++)
		if (*p <= ' ' || *p > '~')
			return false;
	return true;
}

med_err
identity_mrn_problem(const char *mrn, med_problem *p)
{
	if (!mrn_chars_ok(mrn))
		return med_problem_set(p, MED_ERR_INVALID, "mrn",
				       "only printable characters without "
				       "spaces");
	return MED_OK;
}

med_err
identity_sex_problem(int sex, med_problem *p)
{
	if (sex == 0 ||
	    protobuf_c_enum_descriptor_get_value(
		    &smartmed__identity__v1__administrative_sex__descriptor,
		    sex) == NULL)
		return med_problem_set(p, MED_ERR_INVALID, "sex",
				       "unknown value");
	return MED_OK;
}

/* fail_with fails the call with a rule's problem when it found one. */
static med_err
fail_with(med_call *call, med_err err, const med_problem *p)
{
	return err != MED_OK ? med_call_fail_problem(call, p) : MED_OK;
}

/* check_mrn: the MRN's length, then its characters. */
static med_err
check_mrn(med_call *call, const char *mrn)
{
	med_problem p;
	med_err err = med_check_text(call, "mrn", mrn, 1, 64);

	if (err != MED_OK)
		return err;
	return fail_with(call, identity_mrn_problem(mrn, &p), &p);
}

/* check_sex: a declared AdministrativeSex value. */
static med_err
check_sex(med_call *call, int sex)
{
	med_problem p;

	return fail_with(call, identity_sex_problem(sex, &p), &p);
}

/* check_demographics: the names, birth date and sex a new patient and a
 * duplicate search both carry, checked in the same order for both. */
static med_err
check_demographics(med_call *call, const char *family_name,
		   const char *given_name, const char *birth_date, int sex)
{
	med_err err;

	if ((err = med_check_text(call, "family_name", family_name, 1, 200)) !=
		    MED_OK ||
	    (err = med_check_text(call, "given_name", given_name, 0, 200)) !=
		    MED_OK ||
	    (err = med_check_date(call, "birth_date", birth_date, true)) !=
		    MED_OK ||
	    (err = med_check_enum_set(call, "sex", sex)) != MED_OK)
		return err;
	return check_sex(call, sex);
}

med_err
identity_check_create(med_call *call,
		      const Smartmed__Identity__V1__CreatePatientRequest *req)
{
	med_err err = check_mrn(call, req->mrn);

	if (err != MED_OK)
		return err;
	return check_demographics(call, req->family_name, req->given_name,
				  req->birth_date, req->sex);
}

/* name_query_problem: a name query is long enough to search by
 * (med_name_search_chars_ok): a Chinese family name is one character. */
static med_err
name_query_problem(const char *field, const char *q, med_problem *p)
{
	if (q[0] == '\0' || med_name_search_chars_ok(q))
		return MED_OK;
	return med_problem_set(p, MED_ERR_INVALID, field,
			       "at least 2 characters, or one Chinese, "
			       "Japanese or Korean character");
}

med_err
identity_search_problem(
	const Smartmed__Identity__V1__SearchPatientsRequest *req,
	med_problem *p)
{
	med_err err;

	if (req->family_name_prefix[0] == '\0' && req->birth_date[0] == '\0' &&
	    req->mrn[0] == '\0' && req->name_prefix[0] == '\0')
		return med_problem_set(p, MED_ERR_INVALID, "family_name_prefix",
				       "give a name prefix (2 characters, or "
				       "one Chinese, Japanese or Korean "
				       "character), a birth_date or an mrn");
	if ((err = name_query_problem("family_name_prefix",
				      req->family_name_prefix, p)) != MED_OK)
		return err;
	return name_query_problem("name_prefix", req->name_prefix, p);
}

med_err
identity_check_search(med_call *call,
		      const Smartmed__Identity__V1__SearchPatientsRequest *req)
{
	med_problem p;
	med_err err = identity_search_problem(req, &p);

	if (err != MED_OK)
		return med_call_fail_problem(call, &p);
	if (req->mrn[0] != '\0' &&
	    (err = med_check_text(call, "mrn", req->mrn, 1, 64)) != MED_OK)
		return err;
	if (req->family_name_prefix[0] != '\0' &&
	    (err = med_check_text(call, "family_name_prefix",
				  req->family_name_prefix, 1, 200)) != MED_OK)
		return err;
	if (req->name_prefix[0] != '\0' &&
	    (err = med_check_text(call, "name_prefix", req->name_prefix, 1,
				  200)) != MED_OK)
		return err;
	if (req->birth_date[0] != '\0' &&
	    (err = med_check_date(call, "birth_date", req->birth_date,
				  false)) != MED_OK)
		return err;
	return MED_OK;
}

/* --- updates, links --------------------------------------------------- */

static med_err
check_reason(med_call *call, const char *reason)
{
	return med_check_text(call, "reason", reason, 1, 500);
}

/* check_id_and_reason: the record a change names, then why it is made:
 * every update, link and unlink carries both. */
static med_err
check_id_and_reason(med_call *call, const char *field, const char *id,
		    const char *reason)
{
	med_err err = med_check_id(call, field, id);

	return err != MED_OK ? err : check_reason(call, reason);
}

med_err
identity_update_problem(const Smartmed__Identity__V1__UpdatePatientRequest *req,
			med_problem *p)
{
	if (!req->set_mrn_case && !req->set_family_name_case &&
	    !req->set_given_name_case && !req->set_birth_date_case &&
	    !req->set_sex_case && !req->set_deceased_case &&
	    !req->set_deceased_ms_case)
		return med_problem_set(p, MED_ERR_INVALID, "mrn",
				       "set at least one field to change");
	if (req->set_deceased_ms_case && req->deceased_ms <= 0)
		return med_problem_set(p, MED_ERR_INVALID, "deceased_ms",
				       "the time of death must be > 0 (Unix "
				       "ms); leave it unset when not known");
	if (req->set_deceased_ms_case && req->set_deceased_case &&
	    !req->deceased)
		return med_problem_set(p, MED_ERR_INVALID, "deceased_ms",
				       "a time of death with deceased false; "
				       "withdraw a death without a time");
	return MED_OK;
}

/* birth_ms is the start of the birth date "YYYY-MM-DD" in UTC. */
static int64_t
birth_ms(const char *ymd)
{
	int y = 0, m = 0, d = 0;

	if (ymd == NULL || sscanf(ymd, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return 0;
	return med_days_from_civil(y, m, d) * 86400000LL;
}

med_err
identity_death_problem(const identity_patient *p, int64_t now_ms,
		       med_problem *out)
{
	if (!p->deceased || p->deceased_ms == 0)
		return MED_OK;
	if (p->deceased_ms > now_ms + IDENTITY_DEATH_AHEAD_MS)
		return med_problem_set(out, MED_ERR_INVALID, "deceased_ms",
				       "the time of death is in the future");
	/* A birth date is a day in the ward's zone: a day's grace. */
	if (p->deceased_ms < birth_ms(p->birth_date) - 86400000LL)
		return med_problem_set(out, MED_ERR_INVALID, "deceased_ms",
				       "the time of death is before the birth "
				       "date %s",
				       p->birth_date);
	return MED_OK;
}

med_err
identity_check_update(med_call *call,
		      const Smartmed__Identity__V1__UpdatePatientRequest *req)
{
	med_problem p;
	med_err err;

	if ((err = check_id_and_reason(call, "patient_id", req->patient_id,
				       req->reason)) != MED_OK ||
	    (err = med_check_enum_set(call, "expected_version",
				      (int)req->expected_version)) != MED_OK)
		return err;
	if (req->set_mrn_case && (err = check_mrn(call, req->mrn)) != MED_OK)
		return err;
	if (req->set_family_name_case &&
	    (err = med_check_text(call, "family_name", req->family_name, 1,
				  200)) != MED_OK)
		return err;
	if (req->set_given_name_case &&
	    (err = med_check_text(call, "given_name", req->given_name, 0,
				  200)) != MED_OK)
		return err;
	if (req->set_birth_date_case &&
	    (err = med_check_date(call, "birth_date", req->birth_date, true)) !=
		    MED_OK)
		return err;
	if (req->set_sex_case && (err = check_sex(call, req->sex)) != MED_OK)
		return err;
	return fail_with(call, identity_update_problem(req, &p), &p);
}

med_err
identity_update_state_problem(const identity_patient *cur,
			      uint32_t expected_version, med_problem *p)
{
	if (cur->linked_to[0] != '\0')
		return med_problem_set(p, MED_ERR_PRECONDITION, "patient_id",
				       "the record is linked into another "
				       "patient; update the survivor "
				       "(linked_to)");
	if (cur->version != expected_version)
		return med_problem_set(p, MED_ERR_CONFLICT, "expected_version",
				       "the patient is at version %u",
				       cur->version);
	return MED_OK;
}

med_err
identity_check_duplicates(
	med_call *call,
	const Smartmed__Identity__V1__CheckDuplicatesRequest *req)
{
	med_err err;

	if (req->mrn[0] != '\0' &&
	    (err = med_check_text(call, "mrn", req->mrn, 1, 64)) != MED_OK)
		return err;
	return check_demographics(call, req->family_name, req->given_name,
				  req->birth_date, req->sex);
}

med_err
identity_link_problem(const char *survivor_id, const char *merged_id,
		      med_problem *p)
{
	if (strcmp(survivor_id, merged_id) == 0)
		return med_problem_set(p, MED_ERR_INVALID, "merged_id",
				       "must differ from survivor_id");
	return MED_OK;
}

med_err
identity_check_link(med_call *call,
		    const Smartmed__Identity__V1__LinkPatientsRequest *req)
{
	med_problem p;
	med_err err;

	if ((err = med_check_id(call, "survivor_id", req->survivor_id)) !=
		    MED_OK ||
	    (err = check_id_and_reason(call, "merged_id", req->merged_id,
				       req->reason)) != MED_OK)
		return err;
	return fail_with(
		call,
		identity_link_problem(req->survivor_id, req->merged_id, &p),
		&p);
}

med_err
identity_link_state_problem(const identity_patient *survivor,
			    const identity_patient *merged, int64_t n_survived,
			    med_problem *p)
{
	if (survivor->linked_to[0] != '\0')
		return med_problem_set(p, MED_ERR_PRECONDITION, "survivor_id",
				       "is itself linked into another "
				       "patient");
	if (merged->linked_to[0] != '\0')
		return med_problem_set(p, MED_ERR_PRECONDITION, "merged_id",
				       "is already linked into another "
				       "patient");
	if (n_survived > 0)
		return med_problem_set(p, MED_ERR_PRECONDITION, "merged_id",
				       "is the survivor of %lld active "
				       "link(s); unlink them first",
				       (long long)n_survived);
	return MED_OK;
}

med_err
identity_check_unlink(med_call *call,
		      const Smartmed__Identity__V1__UnlinkPatientsRequest *req)
{
	return check_id_and_reason(call, "link_id", req->link_id, req->reason);
}

med_err
identity_unlink_state_problem(const identity_link *l, med_problem *p)
{
	if (!l->active)
		return med_problem_set(p, MED_ERR_PRECONDITION, "link_id",
				       "the link was already undone");
	return MED_OK;
}

/* --- duplicate scoring ------------------------------------------------ */

/*
 * Base letters of U+00C0..U+017F (Latin-1 Supplement and Latin Extended-A),
 * '.' for signs that are not letters: folding them lets "Müller", "Muller"
 * and "MÜLLER" compare equal.
 */
static const char fold_table[] =
	"aaaaaaaceeeeiiiidnooooo.ouuuuytsaaaaaaaceeeeiiiidnooooo.ouuuuyty"
	"aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkkllllllll"
	"llnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

/*
 * identity_normalise writes the lower-case ASCII letters of s (diacritics
 * folded, spaces, hyphens and apostrophes dropped) into out.  Other scripts are
 * dropped too; callers then fall back to an exact comparison.
 */
void
identity_normalise(const char *s, char *out, size_t size)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	while (*p && o + 1 < size) {
		unsigned cp = *p;

		if (cp < 0x80) {
			p++;
			if (cp >= 'A' && cp <= 'Z')
				out[o++] = (char)(cp - 'A' + 'a');
			else if (cp >= 'a' && cp <= 'z')
				out[o++] = (char)cp;
			continue;
		}
		if ((cp & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80) {
			cp = ((cp & 0x1F) << 6) | (p[1] & 0x3F);
			p += 2;
			if (cp >= 0xC0 && cp < 0x180 &&
			    fold_table[cp - 0xC0] != '.')
				out[o++] = fold_table[cp - 0xC0];
			continue;
		}
		p++;
	}
	out[o] = '\0';
}

/* soundex_digit is the code of a lower-case letter; '0' for anything
 * else, which Soundex ignores like a vowel. */
static char
soundex_digit(char c)
{
	static const char map[] = "01230120022455012623010202";

	return c >= 'a' && c <= 'z' ? map[c - 'a'] : '0';
}

/* identity_soundex writes American Soundex of normalised s ("" for "" or
 * for s not starting with a lower-case letter). */
void
identity_soundex(const char *s, char out[5])
{
	size_t o = 1;
	char last;

	out[0] = '\0';
	if (*s < 'a' || *s > 'z')
		return;
	out[0] = (char)(*s - 'a' + 'A');
	last = soundex_digit(*s);
	for (s++; *s && o < 4; s++) {
		char d = soundex_digit(*s);

		if (d != '0' && d != last)
			out[o++] = d;
		/* h and w do not separate equal codes; vowels do. */
		if (*s != 'h' && *s != 'w')
			last = d;
	}
	while (o < 4)
		out[o++] = '0';
	out[4] = '\0';
}

#define JW_MAX 256

/* identity_jaro_winkler returns the Jaro-Winkler similarity of a and b. */
double
identity_jaro_winkler(const char *a, const char *b)
{
	bool ma[JW_MAX] = {false}, mb[JW_MAX] = {false};
	size_t la = strnlen(a, JW_MAX), lb = strnlen(b, JW_MAX);
	size_t win, m = 0, t = 0, k = 0, prefix = 0;
	double j;

	if (la == 0 || lb == 0)
		return la == lb ? 1.0 : 0.0;
	win = (la > lb ? la : lb) / 2;
	win = win > 0 ? win - 1 : 0;
	for (size_t i = 0; i < la; i++) {
		size_t lo = i > win ? i - win : 0;
		size_t hi = i + win + 1 < lb ? i + win + 1 : lb;

		for (size_t x = lo; x < hi; x++) {
			if (mb[x] || a[i] != b[x])
				continue;
			ma[i] = mb[x] = true;
			m++;
			break;
		}
	}
	if (m == 0)
		return 0.0;
	for (size_t i = 0; i < la; i++) {
		if (!ma[i])
			continue;
		while (!mb[k])
			k++;
		if (a[i] != b[k])
			t++;
		k++;
	}
	j = ((double)m / (double)la + (double)m / (double)lb +
	     ((double)m - (double)t / 2.0) / (double)m) /
	    3.0;
	while (prefix < 4 && prefix < la && prefix < lb &&
	       a[prefix] == b[prefix])
		prefix++;
	return j + (double)prefix * 0.1 * (1.0 - j);
}

typedef Smartmed__Identity__V1__FieldComparison identity_reason;

static identity_reason *
add_reason(med_arena *a, Smartmed__Identity__V1__DuplicateCandidate *c,
	   const char *field, int agreement, double weight, const char *detail)
{
	identity_reason *r = med_arena_zalloc(a, sizeof(*r));

	if (r == NULL)
		return NULL;
	smartmed__identity__v1__field_comparison__init(r);
	r->field = (char *)field;
	r->agreement = (Smartmed__Identity__V1__FieldAgreement)agreement;
	r->weight = weight;
	r->detail = med_arena_strdup(a, detail);
	if (r->detail == NULL)
		return NULL;
	c->reasons[c->n_reasons++] = r;
	return r;
}

#define AGREE	SMARTMED__IDENTITY__V1__FIELD_AGREEMENT__FIELD_AGREEMENT_AGREE
#define PARTIAL SMARTMED__IDENTITY__V1__FIELD_AGREEMENT__FIELD_AGREEMENT_PARTIAL
#define DISAGREE                                                               \
	SMARTMED__IDENTITY__V1__FIELD_AGREEMENT__FIELD_AGREEMENT_DISAGREE
#define MISSING SMARTMED__IDENTITY__V1__FIELD_AGREEMENT__FIELD_AGREEMENT_MISSING

#define NAME_BUF 512

/*
 * compare_name scores one name field: full weight when equal after
 * normalisation, partial when the Soundex codes or Jaro-Winkler >= 0.88 say
 * it is a spelling variant (or, for given names, one is an initial or a
 * prefix of the other).
 */
static med_err
compare_name(med_arena *a, Smartmed__Identity__V1__DuplicateCandidate *c,
	     const char *field, const char *x, const char *y, double full,
	     double partial, bool prefix_ok)
{
	char nx[NAME_BUF], ny[NAME_BUF], sx[5], sy[5], detail[64];
	int agreement = DISAGREE;
	double w = 0.0, jw;

	identity_normalise(x, nx, sizeof(nx));
	identity_normalise(y, ny, sizeof(ny));
	if (nx[0] == '\0' || ny[0] == '\0') {
		/* Other scripts fold to nothing: compare them as written. */
		if (x[0] != '\0' && y[0] != '\0' && strcmp(x, y) == 0)
			return add_reason(a, c, field, AGREE, full, "equal")
				       ? MED_OK
				       : MED_ERR_NOMEM;
		w = (x[0] == '\0' || y[0] == '\0') ? partial / 2.0 : 0.0;
		return add_reason(a, c, field, w > 0.0 ? MISSING : DISAGREE, w,
				  w > 0.0 ? "empty" : "different")
			       ? MED_OK
			       : MED_ERR_NOMEM;
	}
	identity_soundex(nx, sx);
	identity_soundex(ny, sy);
	jw = identity_jaro_winkler(nx, ny);
	(void)snprintf(detail, sizeof(detail), "different (jaro-winkler %.2f)",
		       jw);
	if (strcmp(nx, ny) == 0) {
		agreement = AGREE;
		w = full;
		(void)snprintf(detail, sizeof(detail), "equal");
	} else if (strcmp(sx, sy) == 0 || jw >= 0.88) {
		agreement = PARTIAL;
		w = partial;
		(void)snprintf(detail, sizeof(detail), "%s (jaro-winkler %.2f)",
			       strcmp(sx, sy) == 0 ? "same soundex" : "similar",
			       jw);
	} else if (prefix_ok && (strncmp(nx, ny, strlen(nx)) == 0 ||
				 strncmp(nx, ny, strlen(ny)) == 0)) {
		agreement = PARTIAL;
		w = partial;
		(void)snprintf(detail, sizeof(detail), "initial or prefix");
	}
	return add_reason(a, c, field, agreement, w, detail) ? MED_OK
							     : MED_ERR_NOMEM;
}

typedef struct identity_ymd {
	int y, m, d;
} identity_ymd;

static bool
parse_ymd(const char *s, identity_ymd *out)
{
	return sscanf(s, "%4d-%2d-%2d", &out->y, &out->m, &out->d) == 3;
}

static med_err
compare_birth(med_arena *a, Smartmed__Identity__V1__DuplicateCandidate *c,
	      const char *x, const char *y)
{
	identity_ymd p, q;
	int agreement = DISAGREE;
	double w = 0.0;
	const char *detail = "different";

	if (!parse_ymd(x, &p) || !parse_ymd(y, &q))
		detail = "unreadable";
	else if (p.y == q.y && p.m == q.m && p.d == q.d) {
		agreement = AGREE;
		w = IDENTITY_W_BIRTH;
		detail = "equal";
	} else if (p.y == q.y && p.m == q.d && p.d == q.m) {
		agreement = PARTIAL;
		w = IDENTITY_W_BIRTH_NEAR;
		detail = "day and month swapped";
	} else if ((p.y == q.y + 1 || p.y + 1 == q.y) && p.m == q.m &&
		   p.d == q.d) {
		agreement = PARTIAL;
		w = IDENTITY_W_BIRTH_NEAR;
		detail = "year off by one";
	}
	return add_reason(a, c, "birth_date", agreement, w, detail)
		       ? MED_OK
		       : MED_ERR_NOMEM;
}

#define SEX_UNKNOWN                                                            \
	SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_UNKNOWN

static med_err
compare_sex(med_arena *a, Smartmed__Identity__V1__DuplicateCandidate *c, int x,
	    int y)
{
	if (x == y)
		return add_reason(a, c, "sex", AGREE, IDENTITY_W_SEX, "equal")
			       ? MED_OK
			       : MED_ERR_NOMEM;
	if (x == SEX_UNKNOWN || y == SEX_UNKNOWN)
		return add_reason(a, c, "sex", PARTIAL, IDENTITY_W_SEX / 3.0,
				  "unknown on one side")
			       ? MED_OK
			       : MED_ERR_NOMEM;
	return add_reason(a, c, "sex", DISAGREE, 0.0, "different")
		       ? MED_OK
		       : MED_ERR_NOMEM;
}

static med_err
compare_mrn(med_arena *a, Smartmed__Identity__V1__DuplicateCandidate *c,
	    const char *x, const char *y)
{
	if (x[0] == '\0')
		return add_reason(a, c, "mrn", MISSING, 0.0, "not given")
			       ? MED_OK
			       : MED_ERR_NOMEM;
	if (strcmp(x, y) == 0)
		return add_reason(a, c, "mrn", AGREE, IDENTITY_W_MRN, "equal")
			       ? MED_OK
			       : MED_ERR_NOMEM;
	/* Different MRNs are the normal case of a duplicate registration, so
	 * they take nothing away. */
	return add_reason(a, c, "mrn", DISAGREE, 0.0, "different")
		       ? MED_OK
		       : MED_ERR_NOMEM;
}

med_err
identity_score(med_arena *a, const identity_demo *probe,
	       Smartmed__Identity__V1__Patient *p,
	       Smartmed__Identity__V1__DuplicateCandidate *out)
{
	med_err err;

	smartmed__identity__v1__duplicate_candidate__init(out);
	out->patient = p;
	out->reasons = med_arena_zalloc(a, 5 * sizeof(*out->reasons));
	if (out->reasons == NULL)
		return MED_ERR_NOMEM;
	if ((err = compare_name(a, out, "family_name", probe->family_name,
				p->family_name, IDENTITY_W_FAMILY,
				IDENTITY_W_FAMILY_NEAR, false)) != MED_OK ||
	    (err = compare_name(a, out, "given_name", probe->given_name,
				p->given_name, IDENTITY_W_GIVEN,
				IDENTITY_W_GIVEN_NEAR, true)) != MED_OK ||
	    (err = compare_birth(a, out, probe->birth_date, p->birth_date)) !=
		    MED_OK ||
	    (err = compare_sex(a, out, probe->sex, p->sex)) != MED_OK ||
	    (err = compare_mrn(a, out, probe->mrn, p->mrn)) != MED_OK)
		return err;
	for (size_t i = 0; i < out->n_reasons; i++)
		out->score += out->reasons[i]->weight;
	if (out->score > 1.0)
		out->score = 1.0;
	/* Round so that bands do not hinge on the last bits of a sum. */
	out->score = (double)(int64_t)(out->score * 1000.0 + 0.5) / 1000.0;
	out->band =
		out->score >= IDENTITY_MATCH_THRESHOLD
			? SMARTMED__IDENTITY__V1__DUPLICATE_BAND__DUPLICATE_BAND_MATCH
		: out->score >= IDENTITY_POSSIBLE_THRESHOLD
			? SMARTMED__IDENTITY__V1__DUPLICATE_BAND__DUPLICATE_BAND_POSSIBLE_MATCH
			: SMARTMED__IDENTITY__V1__DUPLICATE_BAND__DUPLICATE_BAND_NEW;
	return MED_OK;
}

static int
by_score_desc(const void *x, const void *y)
{
	const Smartmed__Identity__V1__DuplicateCandidate *a =
		*(const Smartmed__Identity__V1__DuplicateCandidate *const *)x;
	const Smartmed__Identity__V1__DuplicateCandidate *b =
		*(const Smartmed__Identity__V1__DuplicateCandidate *const *)y;

	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	return strcmp(a->patient->patient_id, b->patient->patient_id);
}

med_err
identity_rank(med_arena *a, const identity_demo *probe,
	      Smartmed__Identity__V1__Patient **pool, size_t n_pool,
	      Smartmed__Identity__V1__DuplicateCandidate ***out, size_t *n)
{
	Smartmed__Identity__V1__DuplicateCandidate **keep;
	size_t k = 0;

	keep = med_arena_zalloc(a, (n_pool + 1) * sizeof(*keep));
	if (keep == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < n_pool; i++) {
		Smartmed__Identity__V1__DuplicateCandidate *c =
			med_arena_zalloc(a, sizeof(*c));
		med_err err;

		if (c == NULL)
			return MED_ERR_NOMEM;
		if ((err = identity_score(a, probe, pool[i], c)) != MED_OK)
			return err;
		if (c->score >= IDENTITY_POSSIBLE_THRESHOLD)
			keep[k++] = c;
	}
	qsort(keep, k, sizeof(*keep), by_score_desc);
	*out = keep;
	*n = k < IDENTITY_MAX_CANDIDATES ? k : IDENTITY_MAX_CANDIDATES;
	return MED_OK;
}

static const char *
band_name(int band)
{
	return band == SMARTMED__IDENTITY__V1__DUPLICATE_BAND__DUPLICATE_BAND_MATCH
		       ? "match"
		       : "possible match";
}

med_err
identity_duplicates_problem(identity_candidate *const *c, size_t n,
			    med_problem *p)
{
	if (n == 0)
		return MED_OK;
	return med_problem_set(p, MED_ERR_PRECONDITION, NULL,
			       "possible duplicate: %zu candidate(s), best is "
			       "a %s (score %.3f); review them with "
			       "CheckDuplicates",
			       n, band_name(c[0]->band), c[0]->score);
}

size_t
identity_birth_variants(const char *date, char out[4][IDENTITY_DATE_BUF])
{
	identity_ymd d;
	size_t n = 0;

	if (!parse_ymd(date, &d))
		return 0;
	(void)snprintf(out[n++], IDENTITY_DATE_BUF, "%04d-%02d-%02d", d.y, d.m,
		       d.d);
	if (d.d <= 12 && d.d != d.m)
		(void)snprintf(out[n++], IDENTITY_DATE_BUF, "%04d-%02d-%02d",
			       d.y, d.d, d.m);
	/* 29 February has no neighbour in the years around it. */
	if (!(d.m == 2 && d.d == 29)) {
		(void)snprintf(out[n++], IDENTITY_DATE_BUF, "%04d-%02d-%02d",
			       d.y - 1, d.m, d.d);
		(void)snprintf(out[n++], IDENTITY_DATE_BUF, "%04d-%02d-%02d",
			       d.y + 1, d.m, d.d);
	}
	return n;
}

med_err
identity_patient_named(med_arena *a, identity_patient *p)
{
	char name[MED_NAME_DISPLAY_MAX];

	med_name_display(name, sizeof(name), p->family_name, p->given_name);
	p->display_name = med_arena_strdup(a, name);
	return p->display_name != NULL ? MED_OK : MED_ERR_NOMEM;
}
