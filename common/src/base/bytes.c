/*
 * bytes.c - the bounded byte writer and reader of med/bytes.h.
 */
#include <med/bytes.h>

#include <string.h>

void
med_wbuf_put(med_wbuf *w, const void *src, size_t n)
{
	if (w->over || n > w->cap - w->len) {
		w->over = true;
		return;
	}
	if (n > 0)
		memcpy(w->p + w->len, src, n);
	w->len += n;
}

void
med_wbuf_put_be(med_wbuf *w, uint64_t v, unsigned bytes)
{
	uint8_t b[8];

	if (bytes == 0 || bytes > 8) {
		w->over = true;
		return;
	}
	for (unsigned i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	med_wbuf_put(w, b, bytes);
}

void
med_wbuf_put_f64(med_wbuf *w, double d)
{
	uint64_t v;

	memcpy(&v, &d, sizeof(v));
	med_wbuf_put_be(w, v, 8);
}

void
med_wbuf_put_str(med_wbuf *w, const char *s, size_t n, unsigned prefix_bytes)
{
	if (prefix_bytes < 8 && n >> (8 * prefix_bytes) != 0) {
		w->over = true;
		return;
	}
	med_wbuf_put_be(w, n, prefix_bytes);
	med_wbuf_put(w, s, n);
}

const uint8_t *
med_rbuf_take(med_rbuf *r, size_t n)
{
	const uint8_t *p;

	if (r->bad || r->len - r->off < n) {
		r->bad = true;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

uint64_t
med_rbuf_get_be(med_rbuf *r, unsigned bytes)
{
	const uint8_t *b =
		bytes >= 1 && bytes <= 8 ? med_rbuf_take(r, bytes) : NULL;
	uint64_t v = 0;

	if (b == NULL) {
		r->bad = true;
		return 0;
	}
	for (unsigned i = 0; i < bytes; i++)
		v = (v << 8) | b[i];
	return v;
}

double
med_rbuf_get_f64(med_rbuf *r)
{
	uint64_t v = med_rbuf_get_be(r, 8);
	double d;

	memcpy(&d, &v, sizeof(d));
	return d;
}
