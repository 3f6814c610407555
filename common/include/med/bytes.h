/*
 * med/bytes.h - a bounded writer and reader of canonical byte strings:
 * big-endian integers and length-prefixed strings in a caller's buffer.
 * The encodings that are signed or hashed (verification tokens, audit
 * leaves and tree heads) are written with it, so every one of them has the
 * same rules: nothing is written past the capacity, and the first overflow
 * is remembered instead of checked after every put.
 */
#ifndef MED_BYTES_H
#define MED_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* med_wbuf - a writer over p[0..cap); over is set by the first put that
 * does not fit, after which puts do nothing.  Initialise with
 * (med_wbuf){.p = buf, .cap = cap}. */
typedef struct med_wbuf {
	uint8_t *p;
	size_t len, cap;
	bool over;
} med_wbuf;

/* med_wbuf_put appends n bytes of src. */
void med_wbuf_put(med_wbuf *w, const void *src, size_t n);

/* med_wbuf_put_be appends the low `bytes` bytes of v (1..8), big-endian. */
void med_wbuf_put_be(med_wbuf *w, uint64_t v, unsigned bytes);

/* med_wbuf_put_f64 appends d's IEEE-754 bits as 8 big-endian bytes. */
void med_wbuf_put_f64(med_wbuf *w, double d);

/*
 * med_wbuf_put_str appends n bytes of s after their length in prefix_bytes
 * (1..8) big-endian bytes; a length that does not fit the prefix sets over.
 * s may be NULL when n is 0.
 */
void med_wbuf_put_str(med_wbuf *w, const char *s, size_t n,
		      unsigned prefix_bytes);

/* med_rbuf - a reader over p[0..len); bad is set by the first read past
 * the end, after which reads return zeros and NULL. */
typedef struct med_rbuf {
	const uint8_t *p;
	size_t len, off;
	bool bad;
} med_rbuf;

/* med_rbuf_take returns the next n bytes, or NULL (and sets bad). */
const uint8_t *med_rbuf_take(med_rbuf *r, size_t n);

/* med_rbuf_get_be reads a big-endian integer of `bytes` bytes (1..8). */
uint64_t med_rbuf_get_be(med_rbuf *r, unsigned bytes);

/* med_rbuf_get_f64 reads 8 big-endian bytes as an IEEE-754 double. */
double med_rbuf_get_f64(med_rbuf *r);

#endif
