/*
 * vtoken.c - patient verification tokens (see med/vtoken.h for the format).
 */
#include <med/bytes.h>
#include <med/codec.h>
#include <med/util.h>
#include <med/vtoken.h>

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const uint8_t magic[5] = {'S', 'M', 'V', 'T', 0x01};
/* The version byte of magic; version 2 adds checked and checked_by. */
#define VERSION_AT 4
#define VERSION_2  0x02

/* Largest claims encoding: magic, seven strings, four 8-byte numbers. */
#define CLAIMS_MAX (sizeof(magic) + 7 * (2 + MED_VTOKEN_STR_MAX) + 4 * 8)

const char *
med_vtoken_fail_str(med_vtoken_fail why)
{
	switch (why) {
	case MED_VTOKEN_FAIL_NONE:
		return "ok";
	case MED_VTOKEN_FAIL_MALFORMED:
		return "malformed";
	case MED_VTOKEN_FAIL_UNKNOWN_KEY:
		return "signed by an unknown key";
	case MED_VTOKEN_FAIL_SIGNATURE:
		return "bad signature";
	case MED_VTOKEN_FAIL_EXPIRED:
		return "expired";
	case MED_VTOKEN_FAIL_NOT_YET:
		return "issued in the future";
	case MED_VTOKEN_FAIL_LIFETIME:
		return "lifetime longer than allowed";
	}
	return "unknown";
}

static med_err
sodium_ready(void)
{
	/* sodium_init is idempotent and thread-safe; < 0 is a real failure. */
	return sodium_init() < 0 ? MED_ERR_INTERNAL : MED_OK;
}

med_err
med_vtoken_keygen(uint8_t seed[MED_VTOKEN_SEED_LEN],
		  uint8_t pk[MED_VTOKEN_PUBLIC_KEY_LEN])
{
	uint8_t sk[crypto_sign_SECRETKEYBYTES];

	if (sodium_ready() != MED_OK)
		return MED_ERR_INTERNAL;
	randombytes_buf(seed, MED_VTOKEN_SEED_LEN);
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(sk, sizeof(sk));
	return MED_OK;
}

void
med_vtoken_key_id(const uint8_t pk[MED_VTOKEN_PUBLIC_KEY_LEN],
		  char out[MED_VTOKEN_KEY_ID_LEN + 1])
{
	uint8_t h[32];

	crypto_generichash(h, sizeof(h), pk, MED_VTOKEN_PUBLIC_KEY_LEN, NULL,
			   0);
	med_hex_encode(out, MED_VTOKEN_KEY_ID_LEN + 1, h,
		       MED_VTOKEN_KEY_ID_LEN / 2);
}

/* key_parse accepts 32 raw bytes or base64 text of 32 bytes. */
static med_err
key_parse(const uint8_t *buf, size_t n, uint8_t key[32])
{
	size_t got = 0;

	if (n == 32) {
		memcpy(key, buf, 32);
		return MED_OK;
	}
	while (n > 0 &&
	       (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	if (med_b64_decode((const char *)buf, n, MED_B64_STD, key, 32, &got) !=
		    MED_OK ||
	    got != 32)
		return MED_ERR_INVALID;
	return MED_OK;
}

med_err
med_vtoken_key_read(const char *path, uint8_t key[32], char *errbuf,
		    size_t errlen)
{
	uint8_t buf[128];
	size_t n;
	FILE *f;
	med_err err;

	if (sodium_ready() != MED_OK)
		return MED_ERR_INTERNAL;
	f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return MED_ERR_IO;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	err = n < sizeof(buf) ? key_parse(buf, n, key) : MED_ERR_INVALID;
	sodium_memzero(buf, sizeof(buf));
	if (err != MED_OK)
		snprintf(errbuf, errlen,
			 "%s: not a key (32 raw bytes or base64 of 32 bytes)",
			 path);
	return err;
}

med_err
med_vtoken_key_write(const char *path, const uint8_t key[32], unsigned mode)
{
	char text[MED_B64_STD_LEN(32)];
	int fd;
	size_t len;
	med_err err = MED_OK;

	if (sodium_ready() != MED_OK)
		return MED_ERR_INTERNAL;
	med_b64_encode(text, sizeof(text), key, 32, MED_B64_STD);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return errno == EEXIST ? MED_ERR_EXISTS : MED_ERR_IO;
	len = strlen(text);
	text[len] = '\n';
	if (write(fd, text, len + 1) != (ssize_t)(len + 1) || fsync(fd) != 0)
		err = MED_ERR_IO;
	if (close(fd) != 0)
		err = MED_ERR_IO;
	sodium_memzero(text, sizeof(text));
	return err;
}

med_err
med_vtoken_keyset_add(med_vtoken_keyset *ks,
		      const uint8_t pk[MED_VTOKEN_PUBLIC_KEY_LEN])
{
	if (ks->n >= MED_VTOKEN_MAX_KEYS)
		return MED_ERR_LIMIT;
	if (sodium_ready() != MED_OK)
		return MED_ERR_INTERNAL;
	memcpy(ks->pk[ks->n], pk, MED_VTOKEN_PUBLIC_KEY_LEN);
	med_vtoken_key_id(pk, ks->key_id[ks->n]);
	ks->n++;
	return MED_OK;
}

/* --- canonical encoding --------------------------------------------------
 */

/* put_str writes a claim string: 2-byte length, UTF-8 bytes. */
static bool
put_str(med_wbuf *w, const char *s)
{
	size_t n = strnlen(s, MED_VTOKEN_STR_MAX + 1);

	if (n > MED_VTOKEN_STR_MAX || !med_utf8_valid(s, n))
		return false;
	med_wbuf_put_str(w, s, n, 2);
	return true;
}

med_err
med_vtoken_encode(const med_vtoken_claims *c, uint8_t *buf, size_t cap,
		  size_t *len)
{
	med_wbuf w = {.p = buf, .cap = cap};
	bool v2 = c->checked[0] != '\0';
	uint8_t version = v2 ? VERSION_2 : magic[VERSION_AT];

	med_wbuf_put(&w, magic, VERSION_AT);
	med_wbuf_put(&w, &version, 1);
	if (!put_str(&w, c->patient_id))
		return MED_ERR_INVALID;
	med_wbuf_put_f64(&w, c->score);
	med_wbuf_put_f64(&w, c->threshold);
	if (!put_str(&w, c->model) || !put_str(&w, c->device))
		return MED_ERR_INVALID;
	med_wbuf_put_be(&w, (uint64_t)c->issued_ms, 8);
	med_wbuf_put_be(&w, (uint64_t)c->expires_ms, 8);
	if (!put_str(&w, c->key_id) || !put_str(&w, c->token_id))
		return MED_ERR_INVALID;
	if (v2 && (!put_str(&w, c->checked) || !put_str(&w, c->checked_by)))
		return MED_ERR_INVALID;
	if (w.over)
		return MED_ERR_LIMIT;
	*len = w.len;
	return MED_OK;
}

static void
get_str(med_rbuf *r, char out[MED_VTOKEN_STR_MAX + 1])
{
	size_t n = (size_t)med_rbuf_get_be(r, 2);
	const uint8_t *s;

	out[0] = '\0';
	if (n > MED_VTOKEN_STR_MAX) {
		r->bad = true;
		return;
	}
	s = med_rbuf_take(r, n);
	if (s == NULL || !med_utf8_valid((const char *)s, n)) {
		r->bad = true;
		return;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

med_err
med_vtoken_decode(const uint8_t *buf, size_t len, med_vtoken_claims *out)
{
	med_rbuf r = {.p = buf, .len = len};
	med_vtoken_claims c;
	const uint8_t *m = med_rbuf_take(&r, sizeof(magic));
	bool v2;

	memset(&c, 0, sizeof(c));
	if (m == NULL || memcmp(m, magic, VERSION_AT) != 0 ||
	    (m[VERSION_AT] != magic[VERSION_AT] && m[VERSION_AT] != VERSION_2))
		return MED_ERR_INVALID;
	v2 = m[VERSION_AT] == VERSION_2;
	get_str(&r, c.patient_id);
	c.score = med_rbuf_get_f64(&r);
	c.threshold = med_rbuf_get_f64(&r);
	get_str(&r, c.model);
	get_str(&r, c.device);
	c.issued_ms = (int64_t)med_rbuf_get_be(&r, 8);
	c.expires_ms = (int64_t)med_rbuf_get_be(&r, 8);
	get_str(&r, c.key_id);
	get_str(&r, c.token_id);
	if (v2) {
		get_str(&r, c.checked);
		get_str(&r, c.checked_by);
	} else {
		/* Before version 2 identity signed only face matches. */
		med_strlcpy(c.checked, MED_VTOKEN_CHECKED_FACE,
			    sizeof(c.checked));
	}
	if (r.bad || r.off != len || (v2 && c.checked[0] == '\0'))
		return MED_ERR_INVALID;
	*out = c;
	return MED_OK;
}

/* --- sign and verify ------------------------------------------------------
 */

med_err
med_vtoken_sign(const uint8_t seed[MED_VTOKEN_SEED_LEN],
		med_vtoken_claims *claims, char *out, size_t cap)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	uint8_t msg[CLAIMS_MAX], sig[crypto_sign_BYTES];
	size_t len, need, off;
	med_err err;

	if (sodium_ready() != MED_OK)
		return MED_ERR_INTERNAL;
	crypto_sign_seed_keypair(pk, sk, seed);
	med_vtoken_key_id(pk, claims->key_id);
	err = med_vtoken_encode(claims, msg, sizeof(msg), &len);
	if (err == MED_OK) {
		crypto_sign_detached(sig, NULL, msg, len, sk);
		need = MED_B64_URL_LEN(len) + MED_B64_URL_LEN(sizeof(sig));
		if (need > cap || need > MED_VTOKEN_MAX_LEN + 1)
			err = MED_ERR_LIMIT;
	}
	if (err == MED_OK) {
		med_b64_encode(out, cap, msg, len, MED_B64_URL);
		off = strlen(out);
		out[off++] = '.';
		med_b64_encode(out + off, cap - off, sig, sizeof(sig),
			       MED_B64_URL);
	}
	sodium_memzero(sk, sizeof(sk));
	return err;
}

static med_err
fail(med_vtoken_fail *why, med_vtoken_fail w)
{
	if (why)
		*why = w;
	switch (w) {
	case MED_VTOKEN_FAIL_MALFORMED:
		return MED_ERR_INVALID;
	case MED_VTOKEN_FAIL_UNKNOWN_KEY:
	case MED_VTOKEN_FAIL_SIGNATURE:
		return MED_ERR_UNAUTHENTICATED;
	default:
		return MED_ERR_PRECONDITION;
	}
}

/* find_key returns the index of key_id in keys, or -1. */
static int
find_key(const med_vtoken_keyset *keys, const char *key_id)
{
	for (size_t i = 0; i < keys->n; i++)
		if (strcmp(keys->key_id[i], key_id) == 0)
			return (int)i;
	return -1;
}

/* check_times applies the lifetime, skew and expiry rules. */
static med_vtoken_fail
check_times(const med_vtoken_claims *c, int64_t now_ms)
{
	if (c->expires_ms <= c->issued_ms ||
	    c->expires_ms - c->issued_ms > MED_VTOKEN_MAX_TTL_MS)
		return MED_VTOKEN_FAIL_LIFETIME;
	if (c->issued_ms > now_ms + MED_VTOKEN_SKEW_MS)
		return MED_VTOKEN_FAIL_NOT_YET;
	if (now_ms >= c->expires_ms)
		return MED_VTOKEN_FAIL_EXPIRED;
	return MED_VTOKEN_FAIL_NONE;
}

med_err
med_vtoken_verify(const med_vtoken_keyset *keys, const char *token,
		  int64_t now_ms, med_vtoken_claims *out, med_vtoken_fail *why)
{
	uint8_t msg[CLAIMS_MAX], sig[crypto_sign_BYTES + 1];
	size_t tlen, mlen = 0, slen = 0;
	const char *dot;
	med_vtoken_claims c;
	med_vtoken_fail w;
	int k;

	if (sodium_ready() != MED_OK)
		return MED_ERR_INTERNAL;
	tlen = token ? strnlen(token, MED_VTOKEN_MAX_LEN + 1) : 0;
	dot = tlen ? memchr(token, '.', tlen) : NULL;
	if (tlen == 0 || tlen > MED_VTOKEN_MAX_LEN || dot == NULL ||
	    med_b64_decode(token, (size_t)(dot - token), MED_B64_URL, msg,
			   sizeof(msg), &mlen) != MED_OK ||
	    med_b64_decode(dot + 1, tlen - (size_t)(dot + 1 - token),
			   MED_B64_URL, sig, sizeof(sig), &slen) != MED_OK ||
	    slen != crypto_sign_BYTES ||
	    med_vtoken_decode(msg, mlen, &c) != MED_OK)
		return fail(why, MED_VTOKEN_FAIL_MALFORMED);
	k = find_key(keys, c.key_id);
	if (k < 0)
		return fail(why, MED_VTOKEN_FAIL_UNKNOWN_KEY);
	if (crypto_sign_verify_detached(sig, msg, mlen, keys->pk[k]) != 0)
		return fail(why, MED_VTOKEN_FAIL_SIGNATURE);
	w = check_times(&c, now_ms);
	if (w != MED_VTOKEN_FAIL_NONE)
		return fail(why, w);
	if (why)
		*why = MED_VTOKEN_FAIL_NONE;
	*out = c;
	return MED_OK;
}
