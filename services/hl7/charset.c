/*
 * charset.c - HL7 v2 messages in a multibyte character set of the
 * Chinese HIS (GB 18030, GBK): MSH-18 read from the bytes as sent, the
 * whole message turned into UTF-8 with glibc's iconv before it is split,
 * and the ACK turned back into the sender's set.  A whole-message
 * decoding, not a field-by-field one, because the second byte of a
 * two-byte GBK character may be any of | ^ ~ \ : splitting the bytes as
 * sent would cut characters in two.
 */
#include <med/util.h>

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hl7.h"

/* MSH-18 spellings read here (case aside) and glibc's name of the set.
 * "GB 18030-2000" is HL7 table 0211's; the others are what HIS send.
 * GB2312 is read as GBK, its superset: HIS that label GB2312 send GBK's
 * characters too.  GBK and GB2312 ACKs transliterate what GBK lacks. */
static const struct {
	const char *name;
	const char *decode, *encode;
} multibyte[] = {
	{"GB 18030-2000", "GB18030", "GB18030"},
	{"GB 18030-2005", "GB18030", "GB18030"},
	{"GB 18030", "GB18030", "GB18030"},
	{"GB18030", "GB18030", "GB18030"},
	{"GBK", "GBK", "GBK//TRANSLIT"},
	{"CP936", "GBK", "GBK//TRANSLIT"},
	{"GB2312", "GBK", "GBK//TRANSLIT"},
};

static int
multibyte_index(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(multibyte) / sizeof(multibyte[0]); i++)
		if (strlen(multibyte[i].name) == n &&
		    strncasecmp(multibyte[i].name, name, n) == 0)
			return (int)i;
	return -1;
}

bool
hl7_charset_is_multibyte(const char *name, size_t n)
{
	return multibyte_index(name, n) >= 0;
}

/*
 * msh18_raw finds MSH-18 in the bytes as sent.  A byte from 0x81 starts a
 * GB character whose next byte (or three, for GB 18030's four-byte form)
 * belongs to it, so a separator-like byte there is not counted.  A
 * message in another set that this scan misreads names no GB set here
 * and is read by the parser as ever.
 */
static const char *
msh18_raw(const char *in, size_t len, size_t *n)
{
	size_t i = 4, field = 2, start = 0;
	char sep;

	*n = 0;
	if (len < 8 || memcmp(in, "MSH", 3) != 0)
		return NULL;
	sep = in[3];
	for (; i < len && in[i] != '\r' && in[i] != '\n'; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c >= 0x81 && i + 1 < len) {
			unsigned char c2 = (unsigned char)in[i + 1];

			if (c2 >= 0x30 && c2 <= 0x39 && i + 3 < len)
				i += 3;
			else if (c2 >= 0x40)
				i++;
			continue;
		}
		if (in[i] != sep)
			continue;
		if (field == 18)
			break;
		if (++field == 18)
			start = i + 1;
	}
	if (field != 18 || start == 0)
		return NULL;
	*n = i - start;
	return in + start;
}

const char *
hl7_wire_charset(const char *in, size_t len, char *name, size_t cap)
{
	size_t n;
	const char *f = msh18_raw(in, len, &n);
	int i = f ? multibyte_index(f, n) : -1;

	if (i < 0)
		return NULL;
	snprintf(name, cap, "%.*s", (int)n, f);
	return multibyte[i].decode;
}

const char *
hl7_charset_encoder(const char *name)
{
	int i = multibyte_index(name, strlen(name));

	return i < 0 ? NULL : multibyte[i].encode;
}

/* convert runs iconv over in[0..len) into out (cap bytes, a NUL added);
 * *bad_at is where the input stopped when it was not of the set. */
static med_err
convert(const char *to, const char *from, const char *in, size_t len, char *out,
	size_t cap, size_t *out_len, size_t *bad_at)
{
	iconv_t cd = iconv_open(to, from);
	char *src = (char *)in, *dst = out;
	size_t left = len, room = cap > 0 ? cap - 1 : 0;
	med_err err = MED_OK;

	if (cd == (iconv_t)-1)
		return MED_ERR_INTERNAL;
	if (cap == 0)
		err = MED_ERR_LIMIT;
	else if (iconv(cd, &src, &left, &dst, &room) == (size_t)-1)
		err = errno == E2BIG ? MED_ERR_LIMIT : MED_ERR_INVALID;
	iconv_close(cd);
	*bad_at = (size_t)(src - in);
	*out_len = (size_t)(dst - out);
	if (cap > 0)
		out[*out_len] = '\0';
	return err;
}

/*
 * where_in says which segment and field the end of the decoded text
 * text[0..n) is in: the segment is the part after the last terminator,
 * the field one more than the separators in it (MSH counts its first).
 */
static void
where_in(const char *text, size_t n, char sep, hl7_problem *p)
{
	size_t start = n, fields = 0;
	int seq = 1;

	while (start > 0 && text[start - 1] != '\r' && text[start - 1] != '\n')
		start--;
	for (size_t i = start; i < n; i++)
		fields += text[i] == sep;
	p->seq = 1;
	p->field = 0;
	if (n - start < 4 || text[start + 3] != sep)
		return;
	memcpy(p->segment, text + start, 3);
	p->segment[3] = '\0';
	for (size_t i = 0; i + 4 <= start; i++)
		if ((i == 0 || text[i - 1] == '\r' || text[i - 1] == '\n') &&
		    memcmp(text + i, p->segment, 3) == 0 && text[i + 3] == sep)
			seq++;
	p->seq = seq;
	p->field = (int)fields + (strcmp(p->segment, "MSH") == 0);
}

med_err
hl7_decode(const char *set, const char *name, const char *in, size_t len,
	   char *out, size_t cap, size_t *out_len, hl7_problem *p)
{
	size_t at = 0, n = 0;
	char bytes[20] = "", where[16] = "";
	hl7_problem loc = {0};
	med_err err = convert("UTF-8", set, in, len, out, cap, &n, &at);

	if (err != MED_ERR_INVALID) {
		*out_len = n;
		return err;
	}
	for (size_t i = at; i < len && i < at + 4; i++)
		snprintf(bytes + strlen(bytes), sizeof(bytes) - strlen(bytes),
			 "%s%02X", i > at ? " " : "", (unsigned char)in[i]);
	where_in(out, n, in[3], &loc);
	if (loc.segment[0] != '\0')
		snprintf(where, sizeof(where), "%s-%d: ", loc.segment,
			 loc.field);
	return hl7_problem_set(p, "AE", HL7_E_DATA_TYPE, loc.segment, loc.seq,
			       loc.field,
			       "%sbytes %s at byte %zu are not %s (MSH-18 "
			       "\"%s\"); nothing was applied",
			       where, bytes, at, set, name);
}

med_err
hl7_encode(const char *set, const char *in, size_t len, char *out, size_t cap,
	   size_t *out_len)
{
	size_t at = 0;

	return convert(set, "UTF-8", in, len, out, cap, out_len, &at);
}
