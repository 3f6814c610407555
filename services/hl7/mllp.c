/*
 * mllp.c - the MLLP frame (0x0B, the message, 0x1C, 0x0D) read from a byte
 * stream and written around a reply.  Pure functions over caller buffers;
 * the listener (listener.c) feeds it what it reads.
 */
#include <stdlib.h>
#include <string.h>

#include "hl7.h"

void
hl7_framer_init(hl7_framer *f, char *buf, size_t cap)
{
	memset(f, 0, sizeof(*f));
	f->buf = buf;
	f->cap = cap;
}

void
hl7_framer_next(hl7_framer *f)
{
	f->state = HL7_FRAME_IDLE;
	f->len = 0;
	f->total = 0;
	f->oversize = false;
}

/* keep stores one byte of the message, or only counts it past the cap. */
static void
keep(hl7_framer *f, char c)
{
	f->total++;
	if (f->len < f->cap) {
		f->buf[f->len++] = c;
		return;
	}
	f->oversize = true;
}

static bool
between_frames(char c)
{
	return c == '\r' || c == '\n' || c == ' ' || c == '\t';
}

hl7_frame_event
hl7_framer_feed(hl7_framer *f, const char *in, size_t n, size_t *used)
{
	for (size_t i = 0; i < n; i++) {
		char c = in[i];

		*used = i + 1;
		switch (f->state) {
		case HL7_FRAME_IDLE:
			if (c == HL7_MLLP_START)
				f->state = HL7_FRAME_BODY;
			else if (!between_frames(c))
				return HL7_FRAME_BROKEN;
			break;
		case HL7_FRAME_BODY:
			if (c == HL7_MLLP_END)
				f->state = HL7_FRAME_END;
			else if (c == HL7_MLLP_START)
				return HL7_FRAME_BROKEN;
			else
				keep(f, c);
			break;
		case HL7_FRAME_END:
			if (c == HL7_MLLP_CR)
				return HL7_FRAME_MESSAGE;
			return HL7_FRAME_BROKEN;
		}
	}
	*used = n;
	return HL7_FRAME_MORE;
}

med_err
hl7_frame_wrap(const char *msg, size_t len, char *out, size_t cap,
	       size_t *out_len)
{
	if (len + 3 > cap)
		return MED_ERR_LIMIT;
	out[0] = HL7_MLLP_START;
	memcpy(out + 1, msg, len);
	out[len + 1] = HL7_MLLP_END;
	out[len + 2] = HL7_MLLP_CR;
	*out_len = len + 3;
	return MED_OK;
}

int64_t
hl7_read_timeout(const hl7_deadlines *d, bool first_done, hl7_frame_state state,
		 int64_t accepted_ms, int64_t frame_started_ms, int64_t now_ms)
{
	int64_t left = d->idle_ms;

	if (state != HL7_FRAME_IDLE)
		left = frame_started_ms + d->message_ms - now_ms;
	if (!first_done) {
		int64_t first = accepted_ms + d->first_message_ms - now_ms;

		if (state == HL7_FRAME_IDLE || first < left)
			left = first;
	}
	return left;
}

/* by_addr_then_age orders waiting connections by address, then oldest
 * first. */
static int
by_addr_then_age(const void *a, const void *b)
{
	const hl7_waiting *x = a, *y = b;
	int c = strcmp(x->addr, y->addr);

	if (c != 0)
		return c;
	return (x->accepted_ms > y->accepted_ms) -
	       (x->accepted_ms < y->accepted_ms);
}

int
hl7_pending_victim(hl7_waiting *w, int n, int64_t now_ms, int64_t grace_ms)
{
	int best = -1, best_count = 0;

	/* Sorted, each address is one run, its oldest first: O(n log n)
	 * for a pool of thousands. */
	qsort(w, (size_t)n, sizeof(*w), by_addr_then_age);
	for (int run = 0; run < n;) {
		int end = run, eligible = -1;

		while (end < n && strcmp(w[end].addr, w[run].addr) == 0)
			end++;
		/* The run's oldest is its only candidate: if it is too young,
		 * so are the rest. */
		if (now_ms - w[run].accepted_ms >= grace_ms)
			eligible = run;
		if (eligible >= 0 &&
		    (end - run > best_count ||
		     (end - run == best_count &&
		      w[eligible].accepted_ms < w[best].accepted_ms))) {
			best = eligible;
			best_count = end - run;
		}
		run = end;
	}
	return best < 0 ? -1 : w[best].slot;
}
