/*
 * parse.c - HL7 v2 messages read with their own encoding characters: the
 * segments and fields of a message, the escapes of a value, and the
 * character sets of MSH-18.  Pure functions over the caller's text; no
 * allocation.
 */
#include <med/codec.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "hl7.h"

/* --- character sets ------------------------------------------------------ */

/* MSH-18 names this service reads (HL7 table 0211), and what they mean. */
static const struct {
	const char *name;
	hl7_charset cs;
} charsets[] = {
	{"", HL7_CHARSET_ASCII},
	{"ASCII", HL7_CHARSET_ASCII},
	{"UNICODE UTF-8", HL7_CHARSET_UTF8},
	{"8859/1", HL7_CHARSET_LATIN1},
};

static bool
charset_lookup(const char *name, size_t n, hl7_charset *out)
{
	/* The process layer decodes these before parsing (charset.c). */
	if (hl7_charset_is_multibyte(name, n)) {
		*out = HL7_CHARSET_DECODED;
		return true;
	}
	for (size_t i = 0; i < sizeof(charsets) / sizeof(charsets[0]); i++)
		if (strlen(charsets[i].name) == n &&
		    memcmp(charsets[i].name, name, n) == 0) {
			*out = charsets[i].cs;
			return true;
		}
	return false;
}

/* to_utf8 turns raw bytes of the message's character set into UTF-8 in
 * place-safe fashion (in and out may not overlap). */
static med_err
to_utf8(hl7_charset cs, const char *in, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == 0 || (cs == HL7_CHARSET_ASCII && c >= 0x80))
			return MED_ERR_INVALID;
		if (cs != HL7_CHARSET_LATIN1 || c < 0x80) {
			if (o + 1 >= cap)
				return MED_ERR_LIMIT;
			out[o++] = (char)c;
			continue;
		}
		if (o + 2 >= cap)
			return MED_ERR_LIMIT;
		out[o++] = (char)(0xC0 | (c >> 6));
		out[o++] = (char)(0x80 | (c & 0x3F));
	}
	out[o] = '\0';
	if ((cs == HL7_CHARSET_UTF8 || cs == HL7_CHARSET_DECODED) &&
	    !med_utf8_valid(out, o))
		return MED_ERR_INVALID;
	return MED_OK;
}

/* --- escapes ------------------------------------------------------------- */

/* put appends one byte, leaving room for the NUL; out NULL only counts
 * (hl7_unescape checking escapes without keeping the text). */
static med_err
put(char *out, size_t cap, size_t *o, char c)
{
	if (out == NULL) {
		(*o)++;
		return MED_OK;
	}
	if (*o + 1 >= cap)
		return MED_ERR_LIMIT;
	out[(*o)++] = c;
	return MED_OK;
}

/* hex_bytes decodes \Xhh..\'s digits s[0..n). */
static med_err
hex_bytes(const char *s, size_t n, char *out, size_t cap, size_t *o)
{
	med_err err;

	if (n == 0 || n % 2 != 0)
		return MED_ERR_INVALID;
	for (size_t i = 0; i < n; i += 2) {
		int hi = med_hex_digit((unsigned char)s[i]);
		int lo = med_hex_digit((unsigned char)s[i + 1]);

		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return MED_ERR_INVALID;
		if ((err = put(out, cap, o, (char)(hi << 4 | lo))) != MED_OK)
			return err;
	}
	return MED_OK;
}

/* one_escape decodes the escape s[0..n) (between the escape characters). */
static med_err
one_escape(const hl7_delims *d, const char *s, size_t n, char *out, size_t cap,
	   size_t *o)
{
	char c;

	if (n == 1) {
		switch (s[0]) {
		case 'F':
			c = d->field;
			break;
		case 'S':
			c = d->comp;
			break;
		case 'T':
			c = d->sub;
			break;
		case 'R':
			c = d->rep;
			break;
		case 'E':
			c = d->esc;
			break;
		case 'H': /* start and end of highlighting: no text */
		case 'N':
			return MED_OK;
		default:
			return MED_ERR_INVALID;
		}
		return put(out, cap, o, c);
	}
	if (n == 3 && memcmp(s, ".br", 3) == 0)
		return put(out, cap, o, '\n');
	if (s[0] == 'X')
		return hex_bytes(s + 1, n - 1, out, cap, o);
	return MED_ERR_INVALID;
}

med_err
hl7_unescape(const hl7_delims *d, const char *in, size_t n, char *out,
	     size_t cap, size_t *out_len)
{
	size_t o = 0;
	med_err err;

	if (out != NULL && cap == 0)
		return MED_ERR_LIMIT;
	for (size_t i = 0; i < n; i++) {
		const char *end;

		if (in[i] == '\0')
			return MED_ERR_INVALID;
		if (d->esc == 0 || in[i] != d->esc) {
			if ((err = put(out, cap, &o, in[i])) != MED_OK)
				return err;
			continue;
		}
		end = memchr(in + i + 1, d->esc, n - i - 1);
		if (end == NULL || end == in + i + 1)
			return MED_ERR_INVALID;
		err = one_escape(d, in + i + 1, (size_t)(end - in - i - 1), out,
				 cap, &o);
		if (err != MED_OK)
			return err;
		i = (size_t)(end - in);
	}
	if (out != NULL)
		out[o] = '\0';
	if (out_len != NULL)
		*out_len = o;
	return MED_OK;
}

/* escape_code names the escape of c, or NULL when c stands as itself. */
static const char *
escape_code(const hl7_delims *d, char c)
{
	if (c == d->field)
		return "F";
	if (c == d->comp)
		return "S";
	if (c == d->sub)
		return "T";
	if (c == d->rep)
		return "R";
	if (c == d->esc)
		return "E";
	if (c == '\r' || c == '\n')
		return ".br";
	return NULL;
}

med_err
hl7_escape(const hl7_delims *d, const char *in, char *out, size_t cap)
{
	size_t o = 0;

	if (cap == 0)
		return MED_ERR_LIMIT;
	for (; *in; in++) {
		const char *code = escape_code(d, *in);
		size_t need = code ? strlen(code) + 2 : 1;

		if (o + need >= cap)
			return MED_ERR_LIMIT;
		if (code == NULL) {
			out[o++] = *in;
			continue;
		}
		out[o++] = d->esc;
		memcpy(out + o, code, need - 2);
		o += need - 2;
		out[o++] = d->esc;
	}
	out[o] = '\0';
	return MED_OK;
}

/* --- segments and fields ------------------------------------------------- */

/* nth_part finds the n-th (from 0) part of s[0..len) split by sep. */
static const char *
nth_part(const char *s, size_t len, char sep, int n, size_t *part_len)
{
	const char *end = s + len;

	for (int i = 0; i < n; i++) {
		const char *q = memchr(s, sep, (size_t)(end - s));

		if (q == NULL) {
			*part_len = 0;
			return "";
		}
		s = q + 1;
	}
	{
		const char *q = memchr(s, sep, (size_t)(end - s));

		*part_len = q ? (size_t)(q - s) : (size_t)(end - s);
	}
	return s;
}

const char *
hl7_field_raw(const hl7_segment *s, int field, size_t *len)
{
	int idx = strcmp(s->id, "MSH") == 0 ? field - 1 : field;

	*len = 0;
	if (field < 1 || idx < 1 || (size_t)idx >= s->n_fields)
		return "";
	*len = s->field_len[idx];
	return s->field[idx];
}

size_t
hl7_reps(const hl7_msg *m, const hl7_segment *s, int field)
{
	size_t len, n = 1;
	const char *f = hl7_field_raw(s, field, &len);

	if (len == 0)
		return 0;
	if (strcmp(s->id, "MSH") == 0 && field <= 2)
		return 1;
	for (size_t i = 0; i < len; i++)
		n += f[i] == m->d.rep;
	return n;
}

med_err
hl7_get(const hl7_msg *m, const hl7_segment *s, int field, int rep, int comp,
	int sub, char *out, size_t cap)
{
	char raw[4096];
	size_t len, raw_len;
	const char *f = hl7_field_raw(s, field, &len);
	med_err err;

	if (cap == 0)
		return MED_ERR_LIMIT;
	out[0] = '\0';
	if (strcmp(s->id, "MSH") == 0 && field <= 2) {
		/* MSH-1 and MSH-2 are the separators themselves. */
		if (field == 1 && cap > 1) {
			out[0] = m->d.field;
			out[1] = '\0';
		}
		return field == 2 ? to_utf8(m->charset, f, len, out, cap)
				  : MED_OK;
	}
	f = nth_part(f, len, m->d.rep, rep, &len);
	if (comp > 0)
		f = nth_part(f, len, m->d.comp, comp - 1, &len);
	if (comp > 0 && sub > 0)
		f = nth_part(f, len, m->d.sub, sub - 1, &len);
	err = hl7_unescape(&m->d, f, len, raw, sizeof(raw), &raw_len);
	if (err != MED_OK)
		return err;
	return to_utf8(m->charset, raw, raw_len, out, cap);
}

const hl7_segment *
hl7_find(const hl7_msg *m, const char *id, int seq)
{
	for (size_t i = 0; i < m->n_seg; i++)
		if (strcmp(m->seg[i].id, id) == 0 && --seq == 0)
			return &m->seg[i];
	return NULL;
}

/* --- the whole message --------------------------------------------------- */

static med_err
read_delims(const char *text, size_t len, hl7_msg *m, hl7_problem *p)
{
	const char *enc;
	size_t n = 0;

	if (len < 8 || memcmp(text, "MSH", 3) != 0)
		return hl7_problem_set(p, "AR", HL7_E_SEGMENT_SEQUENCE, "MSH",
				       1, 0,
				       "the message does not start with an "
				       "MSH segment");
	m->d.field = text[3];
	enc = text + 4;
	while (4 + n < len && enc[n] != m->d.field && enc[n] != '\r' &&
	       enc[n] != '\n')
		n++;
	if (n < 3 || n > 5)
		return hl7_problem_set(p, "AR", HL7_E_DATA_TYPE, "MSH", 1, 2,
				       "MSH-2 must hold 4 encoding characters "
				       "(component, repetition, escape, "
				       "subcomponent), found %zu",
				       n);
	m->d.comp = enc[0];
	m->d.rep = enc[1];
	m->d.esc = enc[2];
	m->d.sub = n > 3 ? enc[3] : 0;
	/* v2.7 adds a fifth, the truncation character: read, then ignored. */
	{
		const char all[6] = {m->d.field, m->d.comp, m->d.rep,
				     m->d.esc,	 m->d.sub,  0};

		for (int i = 0; i < 5; i++)
			for (int j = i + 1; j < 5; j++)
				if (all[i] == all[j] || all[i] == ' ' ||
				    (unsigned char)all[i] < 0x21 ||
				    (unsigned char)all[i] > 0x7E ||
				    (all[i] >= '0' && all[i] <= '9') ||
				    (all[i] >= 'A' && all[i] <= 'Z'))
					return hl7_problem_set(
						p, "AR", HL7_E_DATA_TYPE, "MSH",
						1, i == 0 ? 1 : 2,
						"the separators of MSH-1 and "
						"MSH-2 must be distinct "
						"punctuation");
	}
	return MED_OK;
}

/* split_fields fills s's field table from its text. */
static med_err
split_fields(const hl7_msg *m, hl7_segment *s, int seq, hl7_problem *p)
{
	const char *t = s->text, *end = s->text + s->len;

	s->n_fields = 0;
	while (t <= end) {
		const char *q = memchr(t, m->d.field, (size_t)(end - t));
		size_t n = q ? (size_t)(q - t) : (size_t)(end - t);

		if (s->n_fields == HL7_MAX_FIELDS)
			return hl7_problem_set(p, "AR", HL7_E_SEGMENT_SEQUENCE,
					       s->id, seq, HL7_MAX_FIELDS,
					       "more than %d fields",
					       HL7_MAX_FIELDS - 1);
		s->field[s->n_fields] = t;
		s->field_len[s->n_fields++] = n;
		if (q == NULL)
			break;
		t = q + 1;
	}
	return MED_OK;
}

/* check_escapes refuses a field whose escapes do not decode. */
static med_err
check_escapes(const hl7_msg *m, const hl7_segment *s, int seq, hl7_problem *p)
{
	bool msh = strcmp(s->id, "MSH") == 0;

	for (size_t i = msh ? 2 : 1; i < s->n_fields; i++) {
		const char *f = s->field[i];
		size_t n = s->field_len[i];
		int field = msh ? (int)i + 1 : (int)i;

		/* Separators inside the field may sit between escapes; the
		 * escapes themselves never span one. */
		for (size_t a = 0, b = 0; b <= n; b++) {
			if (b < n && f[b] != m->d.comp && f[b] != m->d.rep &&
			    f[b] != m->d.sub)
				continue;
			if (hl7_unescape(&m->d, f + a, b - a, NULL, 0, NULL) !=
			    MED_OK)
				return hl7_problem_set(
					p, "AE", HL7_E_DATA_TYPE, s->id, seq,
					field,
					"%s-%d: invalid escape sequence "
					"(\\F\\ \\S\\ \\T\\ \\R\\ \\E\\ "
					"\\Xhh\\ \\.br\\ are read)",
					s->id, field);
			a = b + 1;
		}
	}
	return MED_OK;
}

static int
seq_of(const hl7_msg *m, size_t upto, const char *id)
{
	int seq = 1;

	for (size_t i = 0; i < upto; i++)
		seq += strcmp(m->seg[i].id, id) == 0;
	return seq;
}

static med_err
add_segment(hl7_msg *m, const char *t, size_t n, hl7_problem *p)
{
	hl7_segment *s;
	int seq;

	if (n == 0)
		return MED_OK;
	if (m->n_seg == m->cap_seg)
		return hl7_problem_set(p, "AR", HL7_E_SEGMENT_SEQUENCE, "MSH",
				       1, 0, "more than %zu segments",
				       m->cap_seg);
	s = &m->seg[m->n_seg];
	if (n < 3 || (n > 3 && t[3] != m->d.field))
		return hl7_problem_set(p, "AE", HL7_E_SEGMENT_SEQUENCE, "", 0,
				       0,
				       "segment %zu: no 3-character "
				       "segment id before the field "
				       "separator",
				       m->n_seg + 1);
	for (int i = 0; i < 3; i++)
		if (!((t[i] >= 'A' && t[i] <= 'Z') ||
		      (t[i] >= '0' && t[i] <= '9')))
			return hl7_problem_set(p, "AE", HL7_E_SEGMENT_SEQUENCE,
					       "", 0, 0,
					       "segment %zu: the id is not 3 "
					       "upper-case letters or digits",
					       m->n_seg + 1);
	memcpy(s->id, t, 3);
	s->id[3] = '\0';
	s->text = t;
	s->len = n;
	seq = seq_of(m, m->n_seg, s->id);
	if (split_fields(m, s, seq, p) != MED_OK)
		return MED_ERR_INVALID;
	m->n_seg++;
	return check_escapes(m, s, seq, p);
}

static med_err
read_charset(hl7_msg *m, hl7_problem *p)
{
	size_t n;
	const char *cs = hl7_field_raw(&m->seg[0], 18, &n);
	const char *rep = memchr(cs, m->d.rep, n);

	/* Repetitions of MSH-18 name code extensions (ISO 2022): the first
	 * is the default set, and switching is not supported. */
	if (rep != NULL)
		return hl7_problem_set(p, "AR", HL7_E_TABLE_VALUE, "MSH", 1, 18,
				       "MSH-18: code extensions (more than one "
				       "character set) are not supported");
	if (!charset_lookup(cs, n, &m->charset))
		return hl7_problem_set(
			p, "AR", HL7_E_TABLE_VALUE, "MSH", 1, 18,
			"MSH-18: character set \"%.*s\" is not "
			"supported (ASCII, UNICODE UTF-8, 8859/1, "
			"GB 18030-2000, GB18030, GBK, GB2312 are)",
			(int)(n > 40 ? 40 : n), cs);
	return MED_OK;
}

med_err
hl7_parse(const char *text, size_t len, hl7_msg *m, hl7_problem *p)
{
	const char *t = text, *end = text + len;
	med_err err;

	m->n_seg = 0;
	m->charset = HL7_CHARSET_ASCII;
	if ((err = read_delims(text, len, m, p)) != MED_OK)
		return err;
	while (t < end) {
		const char *q = t;

		while (q < end && *q != '\r' && *q != '\n')
			q++;
		if ((err = add_segment(m, t, (size_t)(q - t), p)) != MED_OK)
			return err;
		if (q + 1 < end && q[0] == '\r' && q[1] == '\n')
			q++;
		t = q + 1;
	}
	if (m->n_seg == 0 || strcmp(m->seg[0].id, "MSH") != 0)
		return hl7_problem_set(p, "AR", HL7_E_SEGMENT_SEQUENCE, "MSH",
				       1, 0, "no MSH segment");
	return read_charset(m, p);
}
