/*
 * ack.c - what a message's MSH says about it (sender, type, control id,
 * version) and the ACK that answers it: MSH with sender and receiver
 * swapped, MSA, and for a refusal an ERR segment naming the segment, field
 * and HL7 error code.  HL7 times (DTM) are read and written here too.
 * Pure functions.
 */
#include <med/util.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hl7.h"

/* The receiving application named in our ACKs' MSH-3. */
#define HL7_OUR_APP "SMARTMED"

/* get fills out from MSH-field (comp 0 = whole field), "" when it does not
 * decode: the header is read before anything is refused. */
static med_err
get(const hl7_msg *m, int field, int comp, char *out, size_t cap,
    hl7_problem *p)
{
	if (hl7_get(m, &m->seg[0], field, 0, comp, 0, out, cap) != MED_OK)
		return hl7_problem_set(p, "AE", HL7_E_DATA_TYPE, "MSH", 1,
				       field,
				       "MSH-%d: too long or not in the "
				       "message's character set",
				       field);
	return MED_OK;
}

static bool
version_read(const char *v)
{
	static const char *const known[] = {"2.3",   "2.3.1", "2.4",  "2.5",
					    "2.5.1", "2.6",   "2.7",  "2.7.1",
					    "2.8",   "2.8.1", "2.8.2"};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(v, known[i]) == 0)
			return true;
	return false;
}

static med_err
check_header(const hl7_header *h, hl7_problem *p)
{
	if (h->type[0] == '\0' || h->trigger[0] == '\0')
		return hl7_problem_set(p, "AR", HL7_E_REQUIRED_MISSING, "MSH",
				       1, 9,
				       "MSH-9: message type and trigger "
				       "event are required");
	if (h->control_id[0] == '\0')
		return hl7_problem_set(p, "AR", HL7_E_REQUIRED_MISSING, "MSH",
				       1, 10,
				       "MSH-10: message control id is "
				       "required");
	if (strcmp(h->processing_id, "P") != 0 &&
	    strcmp(h->processing_id, "T") != 0 &&
	    strcmp(h->processing_id, "D") != 0)
		return hl7_problem_set(p, "AR", HL7_E_UNSUPPORTED_PROCESSING,
				       "MSH", 1, 11,
				       "MSH-11: processing id must be P, T or "
				       "D");
	if (!version_read(h->version))
		return hl7_problem_set(p, "AR", HL7_E_UNSUPPORTED_VERSION,
				       "MSH", 1, 12,
				       "MSH-12: version \"%s\" is not read "
				       "(2.3 to 2.8 are)",
				       h->version);
	return MED_OK;
}

med_err
hl7_header_read(const hl7_msg *m, hl7_header *h, hl7_problem *p)
{
	char when[64];
	med_err err;

	memset(h, 0, sizeof(*h));
	if ((err = get(m, 3, 1, h->sending_app, sizeof(h->sending_app), p)) ||
	    (err = get(m, 4, 1, h->sending_facility,
		       sizeof(h->sending_facility), p)) ||
	    (err = get(m, 5, 1, h->receiving_app, sizeof(h->receiving_app),
		       p)) ||
	    (err = get(m, 6, 1, h->receiving_facility,
		       sizeof(h->receiving_facility), p)) ||
	    (err = get(m, 7, 1, when, sizeof(when), p)) ||
	    (err = get(m, 9, 1, h->type, sizeof(h->type), p)) ||
	    (err = get(m, 9, 2, h->trigger, sizeof(h->trigger), p)) ||
	    (err = get(m, 9, 3, h->structure, sizeof(h->structure), p)) ||
	    (err = get(m, 10, 0, h->control_id, sizeof(h->control_id), p)) ||
	    (err = get(m, 11, 1, h->processing_id, sizeof(h->processing_id),
		       p)) ||
	    (err = get(m, 12, 1, h->version, sizeof(h->version), p)) ||
	    (err = get(m, 18, 0, h->charset, sizeof(h->charset), p)))
		return err;
	if (when[0] != '\0' && hl7_time_parse(when, &h->sent_ms) != MED_OK)
		return hl7_problem_set(p, "AE", HL7_E_DATA_TYPE, "MSH", 1, 7,
				       "MSH-7: \"%s\" is not an HL7 date/time",
				       when);
	return check_header(h, p);
}

/* --- times --------------------------------------------------------------- */

static bool
digits(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* zone reads +HHMM / -HHMM into seconds east of UTC. */
static med_err
zone(const char *z, long *east_s)
{
	int hh, mm;

	if (strlen(z) != 5 || (z[0] != '+' && z[0] != '-') ||
	    !digits(z + 1, 2, &hh) || !digits(z + 3, 2, &mm) || hh > 14 ||
	    mm > 59)
		return MED_ERR_INVALID;
	*east_s = (z[0] == '-' ? -1 : 1) * (long)(hh * 3600 + mm * 60);
	return MED_OK;
}

med_err
hl7_time_parse(const char *s, int64_t *ms)
{
	int part[6] = {0, 1, 1, 0, 0, 0};
	static const int width[6] = {4, 2, 2, 2, 2, 2};
	static const int hi[6] = {9999, 12, 31, 23, 59, 59};
	size_t n = strcspn(s, "+-"), i = 0;
	long east_s = 0;
	int frac_ms = 0;
	struct tm tm = {0};

	if (s[n] != '\0' && zone(s + n, &east_s) != MED_OK)
		return MED_ERR_INVALID;
	for (int k = 0; k < 6 && i < n && s[i] != '.'; k++) {
		if (i + (size_t)width[k] > n ||
		    !digits(s + i, (size_t)width[k], &part[k]) ||
		    part[k] > hi[k] || (k > 0 && k < 3 && part[k] == 0))
			return MED_ERR_INVALID;
		i += (size_t)width[k];
	}
	if (i < 4)
		return MED_ERR_INVALID;
	if (i < n && s[i] == '.') {
		int scale = 100;

		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, scale /= 10)
			frac_ms += (s[i] - '0') * scale;
	}
	if (i != n || part[0] < 1900)
		return MED_ERR_INVALID;
	tm.tm_year = part[0] - 1900;
	tm.tm_mon = part[1] - 1;
	tm.tm_mday = part[2];
	tm.tm_hour = part[3];
	tm.tm_min = part[4];
	tm.tm_sec = part[5];
	*ms = ((int64_t)timegm(&tm) - east_s) * 1000 + frac_ms;
	return MED_OK;
}

void
hl7_time_format(int64_t ms, char out[20])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (strftime(out, 20, "%Y%m%d%H%M%S+0000", &tm) == 0)
		out[0] = '\0';
}

/* --- the ACK ------------------------------------------------------------- */

typedef struct ack_buf {
	char *out;
	size_t cap, len;
	bool full;
} ack_buf;

/* add appends s escaped (raw: as is). */
static void
add(ack_buf *b, const char *s, bool raw)
{
	static const hl7_delims d = {'|', '^', '~', '\\', '&'};
	char tmp[512];

	if (!raw && hl7_escape(&d, s, tmp, sizeof(tmp)) != MED_OK)
		tmp[0] = '\0';
	if (!raw)
		s = tmp;
	if (b->len + strlen(s) >= b->cap) {
		b->full = true;
		return;
	}
	memcpy(b->out + b->len, s, strlen(s));
	b->len += strlen(s);
	b->out[b->len] = '\0';
}

static void
add_msh(ack_buf *b, const hl7_header *h, int64_t now_ms)
{
	static const hl7_header nobody = {.processing_id = "P",
					  .version = "2.5.1"};
	char when[20];

	if (h == NULL)
		h = &nobody;
	hl7_time_format(now_ms, when);
	add(b, "MSH|^~\\&|", true);
	add(b, h->receiving_app[0] ? h->receiving_app : HL7_OUR_APP, false);
	add(b, "|", true);
	add(b, h->receiving_facility, false);
	add(b, "|", true);
	add(b, h->sending_app, false);
	add(b, "|", true);
	add(b, h->sending_facility, false);
	add(b, "|", true);
	add(b, when, true);
	add(b, "||ACK^", true);
	add(b, h->trigger, false);
	add(b, "^ACK|", true);
	/* Our control id: the original one, so a resent message's ACK is
	 * the same ACK. */
	add(b, h->control_id[0] ? h->control_id : "0", false);
	add(b, "|", true);
	add(b, h->processing_id[0] ? h->processing_id : "P", false);
	add(b, "|", true);
	add(b, h->version[0] ? h->version : "2.5.1", false);
	/* An ACK in the sender's multibyte set says so, as its message did
	 * (hl7_process encodes it). */
	if (hl7_charset_encoder(h->charset) != NULL) {
		add(b, "||||||", true);
		add(b, h->charset, false);
	}
}

static void
add_err(ack_buf *b, const hl7_problem *p)
{
	char num[64];

	/* ERR-2 error location (segment^sequence^field), ERR-3 the code in
	 * table 0357, ERR-4 severity, ERR-8 the text for a person. */
	add(b, "\rERR||", true);
	if (p->segment[0]) {
		add(b, p->segment, false);
		snprintf(num, sizeof(num), "^%d", p->seq > 0 ? p->seq : 1);
		add(b, num, true);
		if (p->field > 0) {
			snprintf(num, sizeof(num), "^%d", p->field);
			add(b, num, true);
		}
		if (p->field > 0 && p->comp > 0) {
			snprintf(num, sizeof(num), "^^%d", p->comp);
			add(b, num, true);
		}
	}
	snprintf(num, sizeof(num), "|%d^", p->code);
	add(b, num, true);
	add(b, p->text, false);
	add(b, "^HL70357|E||||", true);
	add(b, p->text, false);
}

med_err
hl7_ack_build(const hl7_header *h, const hl7_problem *p, int64_t now_ms,
	      char *out, size_t cap, size_t *out_len)
{
	ack_buf b = {.out = out, .cap = cap};

	if (cap == 0)
		return MED_ERR_LIMIT;
	out[0] = '\0';
	add_msh(&b, h, now_ms);
	add(&b, "\rMSA|", true);
	add(&b, p ? p->ack : "AA", true);
	add(&b, "|", true);
	add(&b, h ? h->control_id : "", false);
	if (p != NULL) {
		add(&b, "|", true);
		add(&b, p->text, false);
		add_err(&b, p);
	}
	add(&b, "\r", true);
	if (b.full)
		return MED_ERR_LIMIT;
	*out_len = b.len;
	return MED_OK;
}
