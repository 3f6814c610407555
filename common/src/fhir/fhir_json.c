/*
 * fhir_json.c - FHIR R4 JSON pieces of med/fhir.h over the med_json
 * writer: every service's FHIR goes through these, so instants, decimals
 * and references are spelled one way.
 */
#include <med/arena.h>
#include <med/fhir.h>
#include <med/log.h>
#include <med/util.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FULL_URL_MAX 512
#define FHIR_ID_MAX  64

/* fail keeps the writer's first error, as med_json does. */
static void
fail(med_json *w, med_err err)
{
	if (w->err == MED_OK)
		w->err = err;
}

bool
med_fhir_time_ok(int64_t ms)
{
	return med_time_ms_valid(ms);
}

bool
med_fhir_format_instant(int64_t ms, char out[25])
{
	/* Floor division: times before 1970 are negative and their
	 * milliseconds must still count forward from the second. */
	int64_t sec = ms / 1000, milli = ms % 1000;
	time_t t;
	struct tm tm;

	out[0] = '\0';
	if (!med_fhir_time_ok(ms))
		return false;
	if (milli < 0) {
		milli += 1000;
		sec -= 1;
	}
	t = (time_t)sec;
	if (gmtime_r(&t, &tm) == NULL)
		return false;
	/* The range keeps the year at four digits: 24 characters. */
	if (strftime(out, 25, "%Y-%m-%dT%H:%M:%S", &tm) != 19)
		return false;
	snprintf(out + 19, 6, ".%03dZ", (int)milli);
	return true;
}

/*
 * absent writes key's value as missing for a stored value no reader
 * could take as it is: one bad row must not make a patient's whole
 * record unexportable (a clinician would lose every other order with
 * it), nor go out as a plausible wrong time.
 */
static void
absent(med_json *w, const char *key, const char *what)
{
	char name[80];

	if (key == NULL ||
	    (size_t)snprintf(name, sizeof(name), "_%s", key) >= sizeof(name)) {
		fail(w, MED_ERR_INVALID);
		return;
	}
	med_log_warn("fhir: a stored %s outside 1900-01-01..2199-12-31 in "
		     "\"%s\" is exported as data-absent",
		     what, key);
	med_json_begin(w, name, '{');
	med_json_begin(w, "extension", '[');
	med_json_begin(w, NULL, '{');
	med_json_str(w, "url", MED_FHIR_DATA_ABSENT_URL);
	med_json_str(w, "valueCode", "error");
	med_json_end(w, '}');
	med_json_end(w, ']');
	med_json_end(w, '}');
}

void
med_fhir_instant(med_json *w, const char *key, int64_t ms)
{
	char buf[25];

	if (!med_fhir_format_instant(ms, buf)) {
		absent(w, key, "time");
		return;
	}
	med_json_str(w, key, buf);
}

void
med_fhir_date(med_json *w, const char *key, const char *ymd)
{
	if (!med_date_valid(ymd)) {
		absent(w, key, "date");
		return;
	}
	med_json_str(w, key, ymd);
}

bool
med_fhir_string_ok(const char *s, bool free_text)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x20 && *p != 0x7f)
			continue;
		if (free_text && (*p == '\t' || *p == '\n' || *p == '\r'))
			continue;
		return false;
	}
	return true;
}

void
med_fhir_decimal(med_json *w, const char *key, const char *text)
{
	med_json_num(w, key, text);
}

void
med_fhir_decimal_of(med_json *w, const char *key, double value)
{
	med_json_double(w, key, value);
}

void
med_fhir_reference(med_json *w, const char *key, const char *type,
		   const char *id, const char *display)
{
	char ref[FULL_URL_MAX];

	if ((size_t)snprintf(ref, sizeof(ref), "%s/%s", type, id) >=
	    sizeof(ref)) {
		fail(w, MED_ERR_INVALID);
		return;
	}
	med_json_begin(w, key, '{');
	med_json_str(w, "reference", ref);
	if (display != NULL && *display != '\0')
		med_json_str(w, "display", display);
	med_json_end(w, '}');
}

void
med_fhir_display_ref(med_json *w, const char *key, const char *display)
{
	med_json_begin(w, key, '{');
	med_json_str(w, "display", display);
	med_json_end(w, '}');
}

void
med_fhir_coding(med_json *w, const med_fhir_code *c)
{
	med_json_begin(w, NULL, '{');
	/* A code from a system without a known URI goes without one: R4
	 * allows that, while an empty string is no valid value. */
	if (c->system != NULL && *c->system != '\0')
		med_json_str(w, "system", c->system);
	med_json_str(w, "code", c->code);
	if (c->display != NULL && *c->display != '\0')
		med_json_str(w, "display", c->display);
	med_json_end(w, '}');
}

static size_t
count_codes(const med_fhir_code *codes, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += codes[i].code != NULL && *codes[i].code != '\0';
	return k;
}

void
med_fhir_concept(med_json *w, const char *key, const med_fhir_code *codes,
		 size_t n, const char *text)
{
	bool has_text = text != NULL && *text != '\0';

	if (count_codes(codes, n) == 0 && !has_text) {
		fail(w, MED_ERR_INVALID);
		return;
	}
	med_json_begin(w, key, '{');
	if (count_codes(codes, n) > 0) {
		med_json_begin(w, "coding", '[');
		for (size_t i = 0; i < n; i++)
			if (codes[i].code != NULL && *codes[i].code != '\0')
				med_fhir_coding(w, &codes[i]);
		med_json_end(w, ']');
	}
	if (has_text)
		med_json_str(w, "text", text);
	med_json_end(w, '}');
}

void
med_fhir_quantity(med_json *w, const char *key, double value, const char *ucum)
{
	med_json_begin(w, key, '{');
	med_fhir_decimal_of(w, "value", value);
	med_json_str(w, "unit", ucum);
	med_json_str(w, "system", MED_FHIR_UCUM);
	med_json_str(w, "code", ucum);
	med_json_end(w, '}');
}

void
med_fhir_quantity_exact(med_json *w, const char *key, double value,
			const char *decimal, const char *ucum)
{
	if (decimal == NULL || decimal[0] == '\0') {
		med_fhir_quantity(w, key, value, ucum);
		return;
	}
	med_json_begin(w, key, '{');
	med_fhir_decimal(w, "value", decimal);
	med_json_str(w, "unit", ucum);
	med_json_str(w, "system", MED_FHIR_UCUM);
	med_json_str(w, "code", ucum);
	med_json_end(w, '}');
}

/* plain_decimal_ok checks the spelling: an optional minus, an integer
 * part without leading zeros, an optional fraction. */
static bool
plain_decimal_ok(const char *s)
{
	size_t whole, frac = 0;

	if (*s == '-')
		s++;
	whole = strspn(s, "0123456789");
	if (whole == 0 || (whole > 1 && s[0] == '0'))
		return false;
	s += whole;
	if (*s == '.') {
		frac = strspn(s + 1, "0123456789");
		if (frac == 0)
			return false;
		s += 1 + frac;
	}
	return *s == '\0';
}

bool
med_fhir_decimal_matches(const char *text, double value)
{
	char *end = NULL;
	double parsed;

	if (strlen(text) > MED_FHIR_DECIMAL_MAX || !plain_decimal_ok(text))
		return false;
	errno = 0;
	parsed = strtod(text, &end);
	/* The client parsed the same text into value: equal as doubles. */
	return errno == 0 && end != NULL && *end == '\0' && parsed == value;
}

bool
med_fhir_id_ok(const char *id)
{
	size_t n =
		strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvw"
			   "xyz0123456789-.");

	return n > 0 && n <= FHIR_ID_MAX && id[n] == '\0';
}

void
med_fhir_entry_begin(med_json *w, const char *base, const char *type,
		     const char *id)
{
	char url[FULL_URL_MAX];

	if (!med_fhir_id_ok(id) ||
	    (size_t)snprintf(url, sizeof(url), "%s/%s/%s", base, type, id) >=
		    sizeof(url)) {
		fail(w, MED_ERR_INVALID);
		return;
	}
	med_json_begin(w, NULL, '{');
	med_json_str(w, "fullUrl", url);
	med_json_begin(w, "resource", '{');
	med_json_str(w, "resourceType", type);
	med_json_str(w, "id", id);
}

void
med_fhir_entry_end(med_json *w)
{
	med_json_end(w, '}');
	med_json_end(w, '}');
}

void
med_fhir_meta(med_json *w, uint32_t version, int64_t updated_ms)
{
	char v[16];

	snprintf(v, sizeof(v), "%u", version);
	med_json_begin(w, "meta", '{');
	med_json_str(w, "versionId", v);
	med_fhir_instant(w, "lastUpdated", updated_ms);
	med_json_end(w, '}');
}

/* --- one export page ------------------------------------------------------ */

uint32_t
med_fhir_page_bundle(med_json *w, const char *patient_id, bool has_entries,
		     med_fhir_entries_fn fn, void *ctx)
{
	uint32_t n = 0;

	med_json_begin(w, NULL, '{');
	med_json_str(w, "resourceType", "Bundle");
	med_json_str(w, "type", "collection");
	med_fhir_instant(w, "timestamp", med_now_ms());
	if (has_entries) {
		med_json_begin(w, "entry", '[');
		if (patient_id != NULL) {
			med_fhir_entry_begin(w, MED_FHIR_EXPORT_BASE, "Patient",
					     patient_id);
			med_fhir_entry_end(w);
			n = 1;
		}
		n += fn(w, ctx);
		med_json_end(w, ']');
	}
	med_json_end(w, '}');
	return n;
}

med_err
med_fhir_page_json(med_arena *arena, size_t max_bytes, const char *patient_id,
		   bool has_entries, med_fhir_entries_fn fn, void *ctx,
		   char **json, uint32_t *n_resources)
{
	med_json w;
	uint32_t n;
	const char *text;

	med_json_init_arena(&w, arena, max_bytes);
	n = med_fhir_page_bundle(&w, patient_id, has_entries, fn, ctx);
	if ((text = med_json_text(&w, NULL)) == NULL)
		return w.err != MED_OK ? w.err : MED_ERR_INTERNAL;
	*json = (char *)text;
	*n_resources = n;
	return MED_OK;
}

/* object_end returns the end of the JSON object that starts at p ('{'),
 * strings skipped, or NULL when it does not end. */
static const char *
object_end(const char *p)
{
	int depth = 0;

	for (; *p != '\0'; p++) {
		if (*p == '"') {
			for (p++; *p != '\0' && *p != '"'; p++)
				if (*p == '\\' && p[1] != '\0')
					p++;
			if (*p == '\0')
				return NULL;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if ((*p == '}' || *p == ']') && --depth == 0) {
			return p + 1;
		}
	}
	return NULL;
}

med_err
med_fhir_bundle_resource(const char *bundle, const char *type, const char *id,
			 const char **start, size_t *len)
{
	char needle[FULL_URL_MAX + 64];
	const char *at, *end;
	int n;

	/* med_fhir_entry_begin writes exactly this, and the fullUrl names
	 * the resource, so the first match is the entry. */
	n = snprintf(needle, sizeof(needle),
		     "{\"fullUrl\":\"%s/%s/%s\",\"resource\":",
		     MED_FHIR_EXPORT_BASE, type, id);
	if (n < 0 || (size_t)n >= sizeof(needle) || !med_fhir_id_ok(id))
		return MED_ERR_NOT_FOUND;
	if ((at = strstr(bundle, needle)) == NULL)
		return MED_ERR_NOT_FOUND;
	at += n;
	if (*at != '{' || (end = object_end(at)) == NULL)
		return MED_ERR_INVALID;
	*start = at;
	*len = (size_t)(end - at);
	return MED_OK;
}

med_err
med_fhir_bundle_resource_copy(med_arena *a, const char *bundle,
			      const char *type, const char *id, char **out)
{
	const char *at;
	size_t len;
	med_err err = med_fhir_bundle_resource(bundle, type, id, &at, &len);

	if (err != MED_OK)
		return err;
	if ((*out = med_arena_alloc(a, len + 1)) == NULL)
		return MED_ERR_NOMEM;
	memcpy(*out, at, len);
	(*out)[len] = '\0';
	return MED_OK;
}
