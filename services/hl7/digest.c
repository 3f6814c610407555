/*
 * digest.c - what a message says, as one digest: a resend of a message is
 * told from another message that reuses its control id (MSH-10) by this
 * digest, not by the control id alone, so that an impostor who sends the
 * next control ids first cannot make the real messages vanish as
 * "resends" (issue 49, item 3).
 */
#include <sodium.h>
#include <string.h>

#include "hl7.h"

/* MSH-7 lies between the 6th and 7th field separator of the MSH segment
 * (the one after "MSH" is the 1st: it is MSH-1 itself). */
#define MSH7_SEPARATOR 6

/* msh7_span finds MSH-7 in the MSH segment seg[0..len): *start and *end
 * bound it; both are len when seg is no MSH or has no MSH-7. */
static void
msh7_span(const char *seg, size_t len, size_t *start, size_t *end)
{
	int seps = 0;

	*start = *end = len;
	if (len < 4 || memcmp(seg, "MSH", 3) != 0)
		return;
	for (size_t i = 3; i < len; i++) {
		if (seg[i] != seg[3])
			continue;
		if (++seps == MSH7_SEPARATOR) {
			*start = i + 1;
		} else if (seps == MSH7_SEPARATOR + 1) {
			*end = i;
			return;
		}
	}
	if (*start < len)
		*end = len;
}

/* digest_segment adds one segment, less its MSH-7, and a CR. */
static void
digest_segment(crypto_generichash_state *st, const char *seg, size_t len)
{
	size_t start, end;

	msh7_span(seg, len, &start, &end);
	crypto_generichash_update(st, (const unsigned char *)seg, start);
	if (end < len)
		crypto_generichash_update(st, (const unsigned char *)seg + end,
					  len - end);
	crypto_generichash_update(st, (const unsigned char *)"\r", 1);
}

void
hl7_content_digest(const char *in, size_t len,
		   unsigned char out[HL7_DIGEST_LEN])
{
	crypto_generichash_state st;
	const char *t = in, *end = in + len;

	crypto_generichash_init(&st, NULL, 0, HL7_DIGEST_LEN);
	while (t < end) {
		const char *q = t;

		while (q < end && *q != '\r' && *q != '\n')
			q++;
		if (q > t)
			digest_segment(&st, t, (size_t)(q - t));
		t = q + 1;
	}
	crypto_generichash_final(&st, out, HL7_DIGEST_LEN);
}
