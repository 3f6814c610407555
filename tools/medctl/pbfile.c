/*
 * pbfile.c - the value of a bytes field: the text itself, or with @PATH a
 * file's bytes, so that photographs and documents can be sent from the
 * command line.
 *
 *   text    the text's bytes, as before
 *   @PATH   the bytes of the file PATH
 *   @-      the bytes read from standard input (once per command)
 *   @@text  the literal text "@text" (one leading @ dropped)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "medctl.h"

/* Bytes read with @ in one command: a request can be no larger anyway. */
static size_t files_total;
/* Standard input can be read once; a second @- would send nothing. */
static bool stdin_used;

/* read_stream reads f to its end into a malloc'd buffer of at most max
 * bytes; *too_big when f holds more (found by reading one byte past max). */
static med_err
read_stream(FILE *f, size_t max, uint8_t **out, size_t *out_len, bool *too_big)
{
	size_t cap = 0, len = 0;
	uint8_t *buf = NULL;

	*too_big = false;
	while (!feof(f)) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 64 * 1024;
			uint8_t *nbuf;
			if (cap == max + 1) {
				*too_big = true;
				free(buf);
				return MED_OK;
			}
			ncap = ncap < max + 1 ? ncap : max + 1;
			nbuf = realloc(buf, ncap);
			if (nbuf == NULL)
				goto fail;
			buf = nbuf;
			cap = ncap;
		}
		len += fread(buf + len, 1, cap - len, f);
		if (ferror(f))
			goto fail;
	}
	*out = buf;
	*out_len = len;
	return MED_OK;
fail:
	free(buf);
	return MED_ERR_IO;
}

/* copy_into moves buf (freed here) into the arena as out. */
static med_err
copy_into(med_arena *a, uint8_t *buf, size_t len, ProtobufCBinaryData *out)
{
	uint8_t *data = med_arena_alloc(a, len ? len : 1);

	if (data == NULL) {
		free(buf);
		return MED_ERR_NOMEM;
	}
	if (len)
		memcpy(data, buf, len);
	free(buf);
	out->data = data;
	out->len = len;
	return MED_OK;
}

/* read_named reads the file name (or stdin for "-") for flag into out. */
static med_err
read_named(med_arena *a, const char *flag, const char *name,
	   ProtobufCBinaryData *out, char *err, size_t errlen)
{
	bool is_stdin = strcmp(name, "-") == 0;
	const char *shown = is_stdin ? "standard input" : name;
	size_t room = MEDCTL_MAX_FILE_BYTES - files_total;
	FILE *f = is_stdin ? stdin : fopen(name, "rb");
	uint8_t *buf = NULL;
	bool too_big = false;
	size_t len = 0;
	med_err rc;

	if (f == NULL) {
		snprintf(err, errlen, "--%s: cannot read '%s': %s", flag, name,
			 strerror(errno));
		return MED_ERR_IO;
	}
	errno = 0;
	rc = read_stream(f, room, &buf, &len, &too_big);
	if (rc != MED_OK)
		snprintf(err, errlen, "--%s: cannot read '%s': %s", flag, shown,
			 errno ? strerror(errno) : "read error");
	else if (too_big)
		snprintf(err, errlen,
			 "--%s: '%s': files given with @ add up to more "
			 "than %u MiB, the largest message a smartmed service "
			 "takes",
			 flag, shown, MEDCTL_MAX_FILE_BYTES >> 20);
	if (!is_stdin)
		fclose(f);
	if (rc != MED_OK || too_big)
		return rc != MED_OK ? rc : MED_ERR_LIMIT;
	files_total += len;
	rc = copy_into(a, buf, len, out);
	if (rc != MED_OK)
		snprintf(err, errlen, "--%s: '%s': out of memory", flag, shown);
	return rc;
}

med_err
pbfile_bytes(med_arena *a, const char *flag, const char *text,
	     ProtobufCBinaryData *out, char *err, size_t errlen)
{
	if (text[0] != '@' || text[1] == '@') {
		const char *lit = text[0] == '@' ? text + 1 : text;
		out->len = strlen(lit);
		out->data = (uint8_t *)med_arena_strdup(a, lit);
		if (out->data != NULL)
			return MED_OK;
		snprintf(err, errlen, "--%s: out of memory", flag);
		return MED_ERR_NOMEM;
	}
	if (text[1] == '\0') {
		snprintf(err, errlen,
			 "--%s: '@' needs a file name (@PATH, @- for standard "
			 "input, @@ for a literal @)",
			 flag);
		return MED_ERR_INVALID;
	}
	if (strcmp(text, "@-") == 0) {
		if (stdin_used) {
			snprintf(err, errlen,
				 "--%s: standard input (@-) can be read only "
				 "once",
				 flag);
			return MED_ERR_INVALID;
		}
		stdin_used = true;
	}
	return read_named(a, flag, text + 1, out, err, errlen);
}
