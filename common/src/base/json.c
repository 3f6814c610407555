/*
 * json.c - the bounded JSON writer of med/json.h and JSON string escaping.
 */
#include <med/codec.h>
#include <med/json.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_FIRST_CAP 4096

/* json_escape_char writes the escape for c into esc; 0 if none needed. */
static size_t
json_escape_char(unsigned char c, char esc[8])
{
	switch (c) {
	case '"':
		return (size_t)snprintf(esc, 8, "\\\"");
	case '\\':
		return (size_t)snprintf(esc, 8, "\\\\");
	case '\n':
		return (size_t)snprintf(esc, 8, "\\n");
	case '\r':
		return (size_t)snprintf(esc, 8, "\\r");
	case '\t':
		return (size_t)snprintf(esc, 8, "\\t");
	default:
		if (c < 0x20)
			return (size_t)snprintf(esc, 8, "\\u%04x", c);
		return 0;
	}
}

size_t
med_json_escape(const char *s, char *out, size_t size)
{
	size_t o = 0;

	if (size == 0)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		size_t n = json_escape_char(*p, esc);
		if (n == 0) {
			esc[0] = (char)*p;
			n = 1;
		}
		if (o + n >= size)
			break;
		memcpy(out + o, esc, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}

void
med_json_init_arena(med_json *w, med_arena *a, size_t max)
{
	*w = (med_json){.arena = a, .max = max};
}

void
med_json_init_buf(med_json *w, char *buf, size_t cap)
{
	*w = (med_json){.buf = buf, .cap = cap, .max = cap};
	if (cap > 0)
		buf[0] = '\0';
	else
		w->err = MED_ERR_LIMIT;
}

/* grow makes room for need more bytes and the terminator. */
static bool
grow(med_json *w, size_t need)
{
	size_t cap;
	char *p;

	if (w->len + need + 1 > w->max) {
		w->err = MED_ERR_LIMIT;
		return false;
	}
	if (w->len + need + 1 <= w->cap)
		return true;
	if (w->arena == NULL) {
		w->err = MED_ERR_LIMIT;
		return false;
	}
	cap = w->cap ? w->cap : JSON_FIRST_CAP;
	while (cap < w->len + need + 1)
		cap *= 2;
	if (cap > w->max)
		cap = w->max;
	if ((p = med_arena_alloc(w->arena, cap)) == NULL) {
		w->err = MED_ERR_NOMEM;
		return false;
	}
	if (w->len)
		memcpy(p, w->buf, w->len);
	w->buf = p;
	w->cap = cap;
	return true;
}

static void
put(med_json *w, const char *s, size_t n)
{
	if (w->err != MED_OK || !grow(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void
put_escaped(med_json *w, const char *s)
{
	const char *run = s;

	put(w, "\"", 1);
	for (; *s; s++) {
		char esc[8];
		size_t n = json_escape_char((unsigned char)*s, esc);

		if (n == 0)
			continue;
		put(w, run, (size_t)(s - run));
		put(w, esc, n);
		run = s + 1;
	}
	put(w, run, (size_t)(s - run));
	put(w, "\"", 1);
}

/* prefix writes the comma a value needs, and its key inside an object. */
static void
prefix(med_json *w, const char *key)
{
	if (w->comma)
		put(w, ",", 1);
	if (key != NULL) {
		put_escaped(w, key);
		put(w, ":", 1);
	}
	w->comma = true;
}

void
med_json_begin(med_json *w, const char *key, char bracket)
{
	prefix(w, key);
	put(w, &bracket, 1);
	w->comma = false;
}

void
med_json_end(med_json *w, char bracket)
{
	put(w, &bracket, 1);
	w->comma = true;
}

void
med_json_str(med_json *w, const char *key, const char *value)
{
	prefix(w, key);
	put_escaped(w, value ? value : "");
}

void
med_json_i64(med_json *w, const char *key, int64_t value)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%lld", (long long)value);

	prefix(w, key);
	put(w, b, (size_t)n);
}

void
med_json_u64(med_json *w, const char *key, uint64_t value)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%llu", (unsigned long long)value);

	prefix(w, key);
	put(w, b, (size_t)n);
}

/* number_ok checks JSON's number grammar: -?int(.digits)?([eE][+-]?digits)?
 */
static bool
number_ok(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		s += strspn(s, "0123456789");
	else
		return false;
	if (*s == '.') {
		size_t d = strspn(s + 1, "0123456789");

		if (d == 0)
			return false;
		s += 1 + d;
	}
	if (*s == 'e' || *s == 'E') {
		size_t d;

		s++;
		if (*s == '+' || *s == '-')
			s++;
		if ((d = strspn(s, "0123456789")) == 0)
			return false;
		s += d;
	}
	return *s == '\0';
}

void
med_json_num(med_json *w, const char *key, const char *text)
{
	if (w->err == MED_OK && (text == NULL || !number_ok(text))) {
		w->err = MED_ERR_INVALID;
		return;
	}
	prefix(w, key);
	put(w, text, strlen(text));
}

void
med_json_double(med_json *w, const char *key, double value)
{
	char buf[40];

	if (!isfinite(value)) {
		if (w->err == MED_OK)
			w->err = MED_ERR_INVALID;
		return;
	}
	/* A whole number is written whole (70, not 7e+01); anything else
	 * as the shortest text that reads back as the same double, which %g
	 * writes without an exponent for every value with a fraction of
	 * ordinary size. */
	if (value == floor(value) && fabs(value) < 9007199254740992.0) {
		snprintf(buf, sizeof(buf), "%.0f", value);
	} else {
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*g", prec, value);
			if (strtod(buf, NULL) == value)
				break;
		}
	}
	prefix(w, key);
	put(w, buf, strlen(buf));
}

void
med_json_bool(med_json *w, const char *key, bool value)
{
	prefix(w, key);
	put(w, value ? "true" : "false", value ? 4 : 5);
}

void
med_json_null(med_json *w, const char *key)
{
	prefix(w, key);
	put(w, "null", 4);
}

void
med_json_hex(med_json *w, const char *key, const uint8_t *p, size_t n)
{
	prefix(w, key);
	put(w, "\"", 1);
	if (w->err != MED_OK || !grow(w, 2 * n))
		return;
	/* grow left room for 2n digits and the NUL. */
	med_hex_encode(w->buf + w->len, MED_HEX_LEN(n), p, n);
	w->len += 2 * n;
	put(w, "\"", 1);
}

void
med_json_raw(med_json *w, const char *key, const char *text, size_t n)
{
	prefix(w, key);
	put(w, text, n);
}

const char *
med_json_text(const med_json *w, size_t *len)
{
	if (w->err != MED_OK)
		return NULL;
	if (len != NULL)
		*len = w->len;
	return w->buf ? w->buf : "";
}
