/*
 * auth_break_glass.c - emergency access grants.
 *
 * A grant is "bg1.<payload>.<signature>", both parts base64url without
 * padding.  The payload is "ID|REASON|NOT_BEFORE|EXPIRES|USER" (the user
 * last, so a '|' in a user name cannot shift the other fields); the
 * signature is Ed25519 (libsodium) over a domain label and the payload, so
 * no other signed object of ours can pass for a grant.  Grants are checked
 * offline by every service; they cannot be revoked before they expire,
 * which is why the time box is short and every use is audited.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include <med/auth.h>
#include <med/codec.h>
#include <med/util.h>

#define BG_PREFIX	 "bg1."
#define BG_DOMAIN	 "smartmed-break-glass-v1"
#define BG_PAYLOAD_MAX	 256
#define BG_DEFAULT_MAX_S (4 * 3600)
#define BG_DEFAULT_S	 3600
#define BG_ID_BYTES	 16

struct med_break_glass {
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	bool can_issue;
	int max_duration_s;
};

/* Reason codes: why the glass was broken (docs/security.md). */
static const char *const reasons[] = {
	"UNCONSCIOUS",		 "LIFE_THREAT", "EMERGENCY_CARE",
	"CARE_TEAM_UNAVAILABLE", "DISASTER",	NULL,
};

bool
med_break_glass_reason_valid(const char *code, size_t len)
{
	if (code == NULL)
		return false;
	for (const char *const *r = reasons; *r; r++)
		if (strlen(*r) == len && memcmp(*r, code, len) == 0)
			return true;
	return false;
}

static med_err
bg_fail(char *errbuf, size_t errlen, const char *path, const char *why)
{
	if (errbuf != NULL && errlen > 0)
		snprintf(errbuf, errlen, "%s: %s", path, why);
	return MED_ERR_INVALID;
}

/* read_key reads an Ed25519 PEM key; raw gets its 32 raw bytes. */
static med_err
read_key(const char *path, bool secret, unsigned char raw[32], char *errbuf,
	 size_t errlen)
{
	FILE *f = fopen(path, "re");
	EVP_PKEY *k;
	size_t len = 32;
	int ok;

	if (f == NULL) {
		bg_fail(errbuf, errlen, path, strerror(errno));
		return MED_ERR_IO;
	}
	k = secret ? PEM_read_PrivateKey(f, NULL, NULL, NULL)
		   : PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(k);
		return bg_fail(errbuf, errlen, path, "not an Ed25519 PEM key");
	}
	ok = secret ? EVP_PKEY_get_raw_private_key(k, raw, &len)
		    : EVP_PKEY_get_raw_public_key(k, raw, &len);
	EVP_PKEY_free(k);
	if (ok != 1 || len != 32)
		return bg_fail(errbuf, errlen, path, "cannot read the key");
	return MED_OK;
}

static med_err
load_secret(med_break_glass *bg, const char *path, char *errbuf, size_t errlen)
{
	unsigned char seed[32], pk[crypto_sign_PUBLICKEYBYTES];
	med_err err = read_key(path, true, seed, errbuf, errlen);

	if (err != MED_OK)
		return err;
	crypto_sign_seed_keypair(pk, bg->sk, seed);
	sodium_memzero(seed, sizeof(seed));
	if (sodium_memcmp(pk, bg->pk, sizeof(pk)) != 0)
		return bg_fail(errbuf, errlen, path,
			       "does not match the public key");
	bg->can_issue = true;
	return MED_OK;
}

med_err
med_break_glass_open(const med_break_glass_opts *opts, med_break_glass **out,
		     char *errbuf, size_t errlen)
{
	med_break_glass *bg;
	med_err err;

	if (opts == NULL || out == NULL || opts->public_key_path == NULL ||
	    opts->max_duration_s < 0)
		return MED_ERR_INVALID;
	if (sodium_init() < 0)
		return MED_ERR_INTERNAL;
	bg = sodium_malloc(sizeof(*bg));
	if (bg == NULL)
		return MED_ERR_NOMEM;
	memset(bg, 0, sizeof(*bg));
	bg->max_duration_s =
		opts->max_duration_s ? opts->max_duration_s : BG_DEFAULT_MAX_S;
	err = read_key(opts->public_key_path, false, bg->pk, errbuf, errlen);
	if (err == MED_OK && opts->secret_key_path != NULL &&
	    opts->secret_key_path[0] != '\0')
		err = load_secret(bg, opts->secret_key_path, errbuf, errlen);
	if (err != MED_OK) {
		med_break_glass_free(bg);
		return err;
	}
	*out = bg;
	return MED_OK;
}

void
med_break_glass_free(med_break_glass *bg)
{
	if (bg != NULL)
		sodium_free(bg); /* wipes the secret key */
}

bool
med_break_glass_can_issue(const med_break_glass *bg)
{
	return bg != NULL && bg->can_issue;
}

/* sign_input is the domain label, a NUL, then the payload. */
static size_t
sign_input(const char *payload, size_t n, unsigned char *buf, size_t len)
{
	size_t d = sizeof(BG_DOMAIN);

	if (d + n > len)
		return 0;
	memcpy(buf, BG_DOMAIN, d);
	memcpy(buf + d, payload, n);
	return d + n;
}

static bool
b64_append(char *buf, size_t len, size_t *off, const unsigned char *bin,
	   size_t n)
{
	if (med_b64_encode(buf + *off, len - *off, bin, n, MED_B64_URL) == NULL)
		return false;
	*off += strlen(buf + *off);
	return true;
}

static med_err
issue_check(const med_break_glass *bg, const med_principal *p,
	    const char *reason, int duration_s)
{
	if (!med_break_glass_can_issue(bg))
		return MED_ERR_PRECONDITION;
	if (p == NULL || !p->authenticated ||
	    !(p->roles & (MED_ROLE_CLINICIAN | MED_ROLE_NURSE)))
		return MED_ERR_DENIED;
	if (reason == NULL ||
	    !med_break_glass_reason_valid(reason, strlen(reason)) ||
	    duration_s < 0 || duration_s > bg->max_duration_s)
		return MED_ERR_INVALID;
	return MED_OK;
}

med_err
med_break_glass_issue(const med_break_glass *bg, const med_principal *p,
		      const char *reason, int64_t now_s, int duration_s,
		      char *buf, size_t len, med_break_glass_grant *info)
{
	unsigned char id[BG_ID_BYTES], msg[sizeof(BG_DOMAIN) + BG_PAYLOAD_MAX];
	unsigned char sig[crypto_sign_BYTES];
	char payload[BG_PAYLOAD_MAX];
	med_break_glass_grant g = {0};
	size_t off = 0, mlen;
	med_err err = issue_check(bg, p, reason, duration_s);
	int n;

	if (err != MED_OK)
		return err;
	if (duration_s == 0)
		duration_s = BG_DEFAULT_S < bg->max_duration_s
				     ? BG_DEFAULT_S
				     : bg->max_duration_s;
	randombytes_buf(id, sizeof(id));
	med_hex_encode(g.id, sizeof(g.id), id, sizeof(id));
	med_strlcpy(g.user, p->user, sizeof(g.user));
	med_strlcpy(g.reason, reason, sizeof(g.reason));
	g.not_before_s = now_s;
	g.expires_s = now_s + duration_s;
	n = snprintf(payload, sizeof(payload),
		     "%s|%s|%" PRId64 "|%" PRId64 "|%s", g.id, g.reason,
		     g.not_before_s, g.expires_s, g.user);
	if (n < 0 || (size_t)n >= sizeof(payload))
		return MED_ERR_LIMIT;
	mlen = sign_input(payload, (size_t)n, msg, sizeof(msg));
	crypto_sign_detached(sig, NULL, msg, mlen, bg->sk);
	if (len < sizeof(BG_PREFIX))
		return MED_ERR_LIMIT;
	memcpy(buf, BG_PREFIX, sizeof(BG_PREFIX));
	off = sizeof(BG_PREFIX) - 1;
	if (!b64_append(buf, len, &off, (unsigned char *)payload, (size_t)n) ||
	    off + 1 >= len)
		return MED_ERR_LIMIT;
	buf[off++] = '.';
	if (!b64_append(buf, len, &off, sig, sizeof(sig)))
		return MED_ERR_LIMIT;
	*info = g;
	return MED_OK;
}

/* parse_i64 reads a decimal field; false unless it is all digits. */
static bool
parse_i64(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;

	if (n == 0 || n > 18)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* parse_payload splits "ID|REASON|NBF|EXP|USER" into g. */
static bool
parse_payload(const char *p, size_t n, med_break_glass_grant *g)
{
	const char *f[5], *end = p + n;
	size_t len[5];

	for (int i = 0; i < 4; i++) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		if (bar == NULL)
			return false;
		f[i] = p;
		len[i] = (size_t)(bar - p);
		p = bar + 1;
	}
	f[4] = p;
	len[4] = (size_t)(end - p);
	if (len[0] != MED_BREAK_GLASS_ID_LEN ||
	    !med_break_glass_reason_valid(f[1], len[1]) ||
	    !parse_i64(f[2], len[2], &g->not_before_s) ||
	    !parse_i64(f[3], len[3], &g->expires_s) || len[4] == 0 ||
	    len[4] >= sizeof(g->user) || !med_utf8_valid(f[4], len[4]))
		return false;
	memcpy(g->id, f[0], len[0]);
	memcpy(g->reason, f[1], len[1]);
	memcpy(g->user, f[4], len[4]);
	return true;
}

/*
 * time_box_ok: the grant lasts no longer than this deployment issues
 * grants for.  A signed grant that lasts longer was not made by
 * med_break_glass_issue (a leaked or misused key, a tool): refusing it keeps
 * every session inside the time box that makes unrevocable grants
 * acceptable.
 */
static bool
time_box_ok(const med_break_glass *bg, const med_break_glass_grant *g)
{
	return g->expires_s > g->not_before_s &&
	       g->expires_s - g->not_before_s <= bg->max_duration_s;
}

med_err
med_break_glass_verify(const med_break_glass *bg, const char *grant, size_t len,
		       int64_t now_s, med_break_glass_grant *info)
{
	unsigned char payload[BG_PAYLOAD_MAX], sig[crypto_sign_BYTES + 1];
	unsigned char msg[sizeof(BG_DOMAIN) + BG_PAYLOAD_MAX];
	med_break_glass_grant g = {0};
	size_t plen = 0, slen = 0, pre = sizeof(BG_PREFIX) - 1, mlen;
	const char *dot;

	if (bg == NULL || grant == NULL || len <= pre ||
	    len > MED_BREAK_GLASS_MAX_LEN || memcmp(grant, BG_PREFIX, pre))
		return MED_ERR_UNAUTHENTICATED;
	dot = memchr(grant + pre, '.', len - pre);
	if (dot == NULL ||
	    med_b64_decode(grant + pre, (size_t)(dot - grant) - pre,
			   MED_B64_URL, payload, sizeof(payload),
			   &plen) != MED_OK ||
	    med_b64_decode(dot + 1, len - (size_t)(dot + 1 - grant),
			   MED_B64_URL, sig, sizeof(sig), &slen) != MED_OK ||
	    slen != crypto_sign_BYTES)
		return MED_ERR_UNAUTHENTICATED;
	mlen = sign_input((const char *)payload, plen, msg, sizeof(msg));
	if (mlen == 0 ||
	    crypto_sign_verify_detached(sig, msg, mlen, bg->pk) != 0 ||
	    !parse_payload((const char *)payload, plen, &g))
		return MED_ERR_UNAUTHENTICATED;
	if (now_s < g.not_before_s || now_s >= g.expires_s ||
	    !time_box_ok(bg, &g))
		return MED_ERR_UNAUTHENTICATED;
	*info = g;
	return MED_OK;
}
