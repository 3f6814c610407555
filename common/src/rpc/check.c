/*
 * check.c - field checks and paging shared by the services' handlers.
 */
#include <med/check.h>
#include <med/util.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smartmed/common/v1/common.pb-c.h"

/* Page tokens are opaque to clients; a prefix lets us change the scheme. */
#define PAGE_TOKEN_PREFIX "o1."

static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

med_err
med_text_problem(const char *field, const char *value, size_t min_chars,
		 size_t max_chars, med_problem *p)
{
	size_t n = value ? utf8_chars(value) : 0;

	if (n == 0 && min_chars > 0)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "must not be empty");
	if (n < min_chars)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "must have at least %zu characters",
				       min_chars);
	if (n > max_chars)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "must have at most %zu characters",
				       max_chars);
	return MED_OK;
}

med_err
med_check_text(med_call *call, const char *field, const char *value,
	       size_t min_chars, size_t max_chars)
{
	med_problem p;

	if (med_text_problem(field, value, min_chars, max_chars, &p) == MED_OK)
		return MED_OK;
	return med_call_fail_problem(call, &p);
}

med_err
med_check_text_list(med_call *call, const char *field, char *const *values,
		    size_t n, size_t max_n, size_t max_chars)
{
	char name[64];
	med_err err = MED_OK;

	if (n > max_n)
		return med_call_fail(call, MED_ERR_INVALID,
				     "%s: at most %zu values", field, max_n);
	for (size_t i = 0; i < n && err == MED_OK; i++) {
		snprintf(name, sizeof(name), "%s[%zu]", field, i);
		err = med_check_text(call, name, values[i], 1, max_chars);
	}
	return err;
}

med_err
med_check_date(med_call *call, const char *field, const char *value,
	       bool required)
{
	/* A day of slack: the caller's local date may be ahead of UTC. */
	time_t tomorrow = time(NULL) + 86400;
	char latest[16];
	struct tm tm;

	if (value == NULL || value[0] == '\0')
		return required ? med_call_fail(call, MED_ERR_INVALID,
						"%s: must not be empty", field)
				: MED_OK;
	if (!med_date_valid(value))
		return med_call_fail(call, MED_ERR_INVALID,
				     "%s: must be a date YYYY-MM-DD between "
				     "1900-01-01 and 2199-12-31",
				     field);
	gmtime_r(&tomorrow, &tm);
	strftime(latest, sizeof(latest), "%Y-%m-%d", &tm);
	if (strcmp(value, latest) > 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "%s: must not be in the future", field);
	return MED_OK;
}

med_err
med_time_problem(const char *field, int64_t ms, med_problem *p)
{
	if (med_time_ms_valid(ms))
		return MED_OK;
	return med_problem_set(
		p, MED_ERR_INVALID, field,
		"must lie between 1900-01-01 and 2199-12-31 (Unix "
		"ms %lld..%lld)",
		MED_TIME_MIN_MS, MED_TIME_MAX_MS - 1);
}

med_err
med_check_time_ms(med_call *call, const char *field, int64_t ms)
{
	med_problem p;

	if (ms == 0 || med_time_problem(field, ms, &p) == MED_OK)
		return MED_OK;
	return med_call_fail_problem(call, &p);
}

med_err
med_time_ahead_problem(const char *field, int64_t ms, int64_t now_ms,
		       int64_t ahead_ms, med_problem *p)
{
	med_err err;

	if (ms == 0)
		return MED_OK;
	if ((err = med_time_problem(field, ms, p)) != MED_OK)
		return err;
	if (ms > med_time_add_ms(now_ms, ahead_ms))
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "must be at most %lld days from now",
				       (long long)(ahead_ms / 86400000));
	return MED_OK;
}

med_err
med_check_time_ahead(med_call *call, const char *field, int64_t ms,
		     int64_t now_ms, int64_t ahead_ms)
{
	med_problem p;

	if (med_time_ahead_problem(field, ms, now_ms, ahead_ms, &p) == MED_OK)
		return MED_OK;
	return med_call_fail_problem(call, &p);
}

med_err
med_check_enum_set(med_call *call, const char *field, int value)
{
	if (value == 0)
		return med_call_fail(call, MED_ERR_INVALID, "%s: must be set",
				     field);
	return MED_OK;
}

med_err
med_id_problem(const char *field, const char *value, med_problem *p)
{
	size_t n = value ? strlen(value) : 0;

	if (n == 0)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "must not be empty");
	if (n != MED_UUID_LEN ||
	    strspn(value, "0123456789abcdef-") != MED_UUID_LEN)
		return med_problem_set(p, MED_ERR_INVALID, field,
				       "is not a valid id");
	return MED_OK;
}

med_err
med_check_id(med_call *call, const char *field, const char *value)
{
	med_problem p;

	if (med_id_problem(field, value, &p) == MED_OK)
		return MED_OK;
	return med_call_fail_problem(call, &p);
}

static bool
parse_token(const char *token, uint64_t *offset)
{
	const char *digits = token + strlen(PAGE_TOKEN_PREFIX);
	char *end = NULL;
	unsigned long long v;

	if (strncmp(token, PAGE_TOKEN_PREFIX, strlen(PAGE_TOKEN_PREFIX)) != 0 ||
	    *digits < '0' || *digits > '9')
		return false;
	v = strtoull(digits, &end, 10);
	if (*end != '\0' || v > UINT32_MAX * 1000ull)
		return false;
	*offset = v;
	return true;
}

bool
med_page_key_parse(const char *token, char tag, const char *kinds,
		   med_page_key *out)
{
	char *end = NULL;
	long long t;
	med_problem p;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (token == NULL || token[0] == '\0')
		return true;
	if (token[0] != tag || token[1] == '\0' ||
	    strchr(kinds, token[1]) == NULL || token[2] != '.')
		return false;
	t = strtoll(token + 3, &end, 10);
	if (end == token + 3 || (*end != '\0' && *end != '.'))
		return false;
	out->set = true;
	out->kind = token[1];
	out->t = (int64_t)t;
	if (*end == '\0')
		return true;
	n = strlen(end + 1);
	if (n >= sizeof(out->id) ||
	    med_id_problem("page.page_token", end + 1, &p) != MED_OK)
		return false;
	memcpy(out->id, end + 1, n + 1);
	return true;
}

char *
med_page_key_token(med_arena *a, char tag, const med_page_key *k)
{
	if (k->id[0] == '\0')
		return med_arena_sprintf(a, "%c%c.%lld", tag, k->kind,
					 (long long)k->t);
	return med_arena_sprintf(a, "%c%c.%lld.%s", tag, k->kind,
				 (long long)k->t, k->id);
}

med_err
med_page_parse(med_call *call, const Smartmed__Common__V1__PageRequest *req,
	       med_page *out)
{
	med_page p = {MED_PAGE_DEFAULT, 0};

	if (req != NULL && req->page_size > MED_PAGE_MAX)
		return med_call_fail(call, MED_ERR_INVALID,
				     "page.page_size: must be at most %d",
				     MED_PAGE_MAX);
	if (req != NULL && req->page_size > 0)
		p.size = req->page_size;
	if (req != NULL && req->page_token[0] != '\0' &&
	    !parse_token(req->page_token, &p.offset))
		return med_call_fail(call, MED_ERR_INVALID,
				     "page.page_token: not a token from a "
				     "previous page");
	*out = p;
	return MED_OK;
}

med_err
med_page_parse_for_patient(med_call *call, const char *patient_id,
			   const Smartmed__Common__V1__PageRequest *req,
			   med_page *out)
{
	med_err err;

	if ((err = med_check_id(call, "patient_id", patient_id)) != MED_OK ||
	    (err = med_page_parse(call, req, out)) != MED_OK)
		return err;
	med_call_set_patient(call, patient_id);
	return MED_OK;
}

Smartmed__Common__V1__PageResponse *
med_page_respond(med_call *call, const med_page *page, size_t *n_rows)
{
	med_arena *a = med_call_arena(call);
	Smartmed__Common__V1__PageResponse *r = med_arena_alloc(a, sizeof(*r));

	if (r == NULL)
		return NULL;
	smartmed__common__v1__page_response__init(r);
	if (*n_rows > page->size) {
		*n_rows = page->size;
		r->next_page_token = med_arena_sprintf(
			a, PAGE_TOKEN_PREFIX "%llu",
			(unsigned long long)(page->offset + page->size));
		if (r->next_page_token == NULL)
			return NULL;
	}
	return r;
}
