/*
 * modelcard.c - model cards: the front block of "key: value" lines, the
 * fields every card must have, and the model file's SHA-256.  See
 * med/modelcard.h.
 */
#include "modelcard.h"
#include <med/util.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CARD_SUFFIX ".card.md"

static med_err fail(char *msg, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* fail writes one message line (when msg is given) and says INVALID. */
static med_err
fail(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (msg != NULL && len > 0) {
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return MED_ERR_INVALID;
}

med_err
identity_modelcard_path(const char *model_path, char *buf, size_t len)
{
	const char *slash = strrchr(model_path, '/');
	const char *dot = strrchr(model_path, '.');
	size_t stem = strlen(model_path);

	if (dot != NULL && (slash == NULL || dot > slash + 1))
		stem = (size_t)(dot - model_path);
	if (stem + sizeof(CARD_SUFFIX) > len)
		return MED_ERR_LIMIT;
	memcpy(buf, model_path, stem);
	memcpy(buf + stem, CARD_SUFFIX, sizeof(CARD_SUFFIX));
	return MED_OK;
}

/* next_line copies the line at *p (without its newline) into line and
 * moves *p past it; false at the end of text or for an over-long line
 * (then *too_long is set).  trim() drops a CR of CRLF. */
static bool
next_line(const char **p, char *line, size_t len, bool *too_long)
{
	const char *s = *p, *end;
	size_t n;

	if (*s == '\0')
		return false;
	end = strchr(s, '\n');
	n = end != NULL ? (size_t)(end - s) : strlen(s);
	*p = end != NULL ? end + 1 : s + n;
	*too_long = n >= len;
	if (*too_long)
		return false;
	memcpy(line, s, n);
	line[n] = '\0';
	return true;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static bool
key_ok(const char *k)
{
	if (*k == '\0' || strlen(k) >= IDENTITY_MODELCARD_KEY_LEN)
		return false;
	for (; *k; k++)
		if (!(islower((unsigned char)*k) ||
		      isdigit((unsigned char)*k) || *k == '_'))
			return false;
	return true;
}

/* add_field parses "key: value" (line number n) into c. */
static med_err
add_field(identity_modelcard *c, char *line, int n, char *msg, size_t len)
{
	char *colon = strchr(line, ':');
	char *key, *value;

	if (colon == NULL)
		return fail(msg, len, "%s: line %d: expected 'key: value'",
			    c->path, n);
	*colon = '\0';
	key = trim(line);
	value = trim(colon + 1);
	if (!key_ok(key))
		return fail(msg, len,
			    "%s: line %d: key '%s' must be 1..31 of [a-z0-9_]",
			    c->path, n, key);
	if (identity_modelcard_get(c, key) != NULL)
		return fail(msg, len, "%s: line %d: '%s' is given twice",
			    c->path, n, key);
	if (c->n_fields == IDENTITY_MODELCARD_MAX_FIELDS)
		return fail(msg, len, "%s: more than %d fields", c->path,
			    IDENTITY_MODELCARD_MAX_FIELDS);
	if (strlen(value) >= IDENTITY_MODELCARD_VALUE_LEN)
		return fail(msg, len,
			    "%s: line %d: the value of '%s' is longer than %d",
			    c->path, n, key, IDENTITY_MODELCARD_VALUE_LEN - 1);
	med_strlcpy(c->fields[c->n_fields].key, key,
		    IDENTITY_MODELCARD_KEY_LEN);
	med_strlcpy(c->fields[c->n_fields].value, value,
		    IDENTITY_MODELCARD_VALUE_LEN);
	c->n_fields++;
	return MED_OK;
}

med_err
identity_modelcard_parse(const char *text, identity_modelcard *out, char *msg,
			 size_t msg_len)
{
	char line[IDENTITY_MODELCARD_KEY_LEN + IDENTITY_MODELCARD_VALUE_LEN +
		  64];
	const char *p = text;
	bool too_long = false;
	int n = 1;
	med_err err;

	out->n_fields = 0;
	if (!next_line(&p, line, sizeof(line), &too_long) ||
	    strcmp(trim(line), "---") != 0)
		return fail(msg, msg_len,
			    "%s: line 1: a card opens with '---' and a block "
			    "of 'key: value' lines",
			    out->path);
	while (next_line(&p, line, sizeof(line), &too_long)) {
		char *t = trim(line);
		n++;
		if (strcmp(t, "---") == 0)
			return MED_OK;
		if (*t == '\0' || *t == '#')
			continue;
		if ((err = add_field(out, t, n, msg, msg_len)) != MED_OK)
			return err;
	}
	if (too_long)
		return fail(msg, msg_len, "%s: line %d is too long", out->path,
			    n + 1);
	return fail(msg, msg_len, "%s: the front block has no closing '---'",
		    out->path);
}

const char *
identity_modelcard_get(const identity_modelcard *c, const char *key)
{
	for (size_t i = 0; i < c->n_fields; i++)
		if (strcmp(c->fields[i].key, key) == 0)
			return c->fields[i].value;
	return NULL;
}

med_err
identity_modelcard_number(const identity_modelcard *c, const char *key,
			  double lo, double hi, double *out, char *msg,
			  size_t msg_len)
{
	const char *v = identity_modelcard_get(c, key);
	char *end = NULL;
	double d;

	if (v == NULL || *v == '\0')
		return fail(msg, msg_len, "%s: '%s' is required", c->path, key);
	errno = 0;
	d = strtod(v, &end);
	if (end == v || *end != '\0' || errno != 0 || !isfinite(d))
		return fail(msg, msg_len, "%s: '%s: %s' is not a number",
			    c->path, key, v);
	if (d < lo || d > hi)
		return fail(msg, msg_len, "%s: '%s: %s' is outside [%g, %g]",
			    c->path, key, v, lo, hi);
	*out = d;
	return MED_OK;
}

/* read_text reads a whole (small) file into a NUL-terminated buffer. */
static med_err
read_text(const char *path, char **out, char *msg, size_t len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL) {
		if (errno == ENOENT) {
			fail(msg, len,
			     "%s: no model card (every model needs "
			     "one beside it)",
			     path);
			return MED_ERR_NOT_FOUND;
		}
		fail(msg, len, "%s: %s", path, strerror(errno));
		return MED_ERR_IO;
	}
	buf = malloc(IDENTITY_MODELCARD_MAX_BYTES + 1);
	if (buf == NULL) {
		fclose(f);
		return MED_ERR_NOMEM;
	}
	n = fread(buf, 1, IDENTITY_MODELCARD_MAX_BYTES + 1, f);
	fclose(f);
	if (n > IDENTITY_MODELCARD_MAX_BYTES) {
		free(buf);
		return fail(msg, len, "%s: larger than %d bytes", path,
			    IDENTITY_MODELCARD_MAX_BYTES);
	}
	buf[n] = '\0';
	*out = buf;
	return MED_OK;
}

static bool
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || !isalnum((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) ||
		      isdigit((unsigned char)*s) || *s == '.' || *s == '_' ||
		      *s == '-'))
			return false;
	return true;
}

/* required checks the fields every card has, the model's hash included. */
static med_err
required(const identity_modelcard *c, const char *model_path, const char *kind,
	 char *msg, size_t len)
{
	static const char *const must[] = {"kind", "name", "version", "licence",
					   "sha256"};
	const char *v;
	char hex[65];
	med_err err;

	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		if ((v = identity_modelcard_get(c, must[i])) == NULL || !*v)
			return fail(msg, len, "%s: '%s' is required", c->path,
				    must[i]);
	if (strcmp(identity_modelcard_get(c, "kind"), kind) != 0)
		return fail(msg, len, "%s: kind '%s', but a %s is needed here",
			    c->path, identity_modelcard_get(c, "kind"), kind);
	if (!name_ok(identity_modelcard_get(c, "name")))
		return fail(msg, len,
			    "%s: name '%s' must be 1..63 of [a-z0-9._-]",
			    c->path, identity_modelcard_get(c, "name"));
	if ((err = med_file_sha256(model_path, hex)) != MED_OK)
		return fail(msg, len, "%s: cannot read the model (%s)",
			    model_path, med_strerror(err));
	if (strcmp(hex, identity_modelcard_get(c, "sha256")) != 0)
		return fail(msg, len,
			    "%s: sha256 %s does not match the model file %s "
			    "(%s)",
			    c->path, identity_modelcard_get(c, "sha256"),
			    model_path, hex);
	return MED_OK;
}

med_err
identity_modelcard_load(const char *model_path, const char *want_kind,
			identity_modelcard *out, char *msg, size_t msg_len)
{
	char *text = NULL;
	med_err err;

	memset(out, 0, sizeof(*out));
	if (identity_modelcard_path(model_path, out->path, sizeof(out->path)) !=
	    MED_OK)
		return fail(msg, msg_len, "%s: path too long", model_path);
	if ((err = read_text(out->path, &text, msg, msg_len)) != MED_OK)
		return err;
	err = identity_modelcard_parse(text, out, msg, msg_len);
	free(text);
	if (err == MED_OK)
		err = required(out, model_path, want_kind, msg, msg_len);
	return err;
}

med_err
identity_modelcard_read(const char *path, identity_modelcard *out, char *msg,
			size_t msg_len)
{
	char *text = NULL;
	med_err err;

	memset(out, 0, sizeof(*out));
	if (strlen(path) >= sizeof(out->path))
		return fail(msg, msg_len, "%s: path too long", path);
	med_strlcpy(out->path, path, sizeof(out->path));
	if ((err = read_text(path, &text, msg, msg_len)) != MED_OK) {
		if (err == MED_ERR_NOT_FOUND)
			fail(msg, msg_len, "%s: no such file", path);
		return err;
	}
	err = identity_modelcard_parse(text, out, msg, msg_len);
	free(text);
	return err;
}
