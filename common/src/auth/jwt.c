/*
 * jwt.c - bearer JWTs from the hospital's identity provider (OIDC access or
 * ID tokens), checked offline against the provider's keys (a JWKS file).
 *
 * The header is read first and decides nothing on its own: the algorithm
 * must be RS256 or ES256 (so "none", and HS256 keyed with our public key,
 * never reach a key), only keys of that algorithm are tried, and "typ" must
 * be absent, JWT or at+jwt (RFC 9068 access tokens).  The signature is
 * checked with OpenSSL 3 against each JWK (RSA n/e, EC P-256 x/y) turned
 * into a public key when the file is loaded; libjwt 1.10 is not used for it
 * because it refuses every "typ" but JWT.  Claims are read with jansson.
 * The keys come from a JWKS file, or from the provider's JWKS URL
 * (jwks_fetch.c) cached for its max-age.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sodium.h>

#include <med/auth.h>
#include <med/codec.h>
#include <med/log.h>
#include <med/metrics.h>
#include <med/util.h>

#include "jwks_fetch.h"

#define JWT_MAX_LEN	 8192
#define JWT_MAX_KEYS	 32
#define JWT_KID_MAX	 128
#define JWT_JWKS_MAX	 (1u << 20)
#define JWT_CLAIM_MAX	 64
#define JWT_EC_COORD_LEN 32
#define JWT_SIG_MAX	 1024 /* RSA-8192 */

/*
 * The latest NumericDate taken (9999-12-31T23:59:59Z): a date beyond it is
 * not a date, and keeping dates this small keeps "exp + leeway" arithmetic
 * far from overflowing.
 */
#define JWT_DATE_MAX 253402300799LL

typedef enum jwt_alg { ALG_INVALID = 0, ALG_RS256, ALG_ES256 } jwt_alg;

typedef struct jwt_key {
	char kid[JWT_KID_MAX];
	jwt_alg alg;
	EVP_PKEY *pkey; /* read-only after load: shared by all threads */
} jwt_key;

/*
 * jwt_keyset - the keys of one reading of the JWKS file.  A reload builds a
 * new set and swaps the pointer; a check holds a reference to the set it
 * started with, so no reader ever sees a half-loaded set, and the old set
 * is freed by whoever lets go of it last.
 */
typedef struct jwt_keyset {
	atomic_uint refs;
	size_t n_keys;
	jwt_key keys[JWT_MAX_KEYS];
} jwt_keyset;

/* A token whose kid is not in the set makes the file be looked at again,
 * at most this often (a flood of made-up kids costs one stat a second). */
#define JWT_KID_RECHECK_NS 1000000000LL

/* A JWKS URL: how long one fetch may take, how soon a failed one is tried
 * again (the old keys in use meanwhile), and the longest max-age taken. */
#define JWKS_FETCH_TIMEOUT_MS 5000L
#define JWKS_RETRY_NS	      (10 * 1000000000LL)
#define JWKS_MAX_AGE_S	      86400

typedef struct jwt_auth {
	pthread_mutex_t keys_lock;   /* guards the keys pointer */
	jwt_keyset *keys;	     /* the current set */
	pthread_mutex_t reload_lock; /* one reload at a time */
	char *jwks_path;	     /* a file, or NULL */
	char *jwks_url;		     /* a URL, or NULL */
	med_file_stamp stamp;	     /* of the file last read (reload_lock) */
	int64_t reload_ns;	     /* 0: only on an unknown kid */
	_Atomic int64_t next_check_ns, next_kid_check_ns;
	med_counter *reload_ok, *reload_failed;
	char issuer[256];
	char audience[256];
	char roles_claim[JWT_CLAIM_MAX];
	char units_claim[JWT_CLAIM_MAX];
	int leeway_s;
} jwt_auth;

/* --- base64url ------------------------------------------------------------ */

/* b64url_decode decodes s[0..n) (no padding) into a new buffer. */
static unsigned char *
b64url_decode(const char *s, size_t n, size_t *out_len)
{
	unsigned char *buf = malloc(n * 3 / 4 + 4);
	size_t len = 0;

	if (buf == NULL)
		return NULL;
	if (med_b64_decode(s, n, MED_B64_URL, buf, n * 3 / 4 + 4, &len) !=
	    MED_OK) {
		free(buf);
		return NULL;
	}
	*out_len = len;
	return buf;
}

/* b64url_json decodes a base64url segment holding a JSON object. */
static json_t *
b64url_json(const char *s, size_t n)
{
	size_t len = 0;
	unsigned char *raw = b64url_decode(s, n, &len);
	json_t *j;

	if (raw == NULL)
		return NULL;
	j = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, NULL);
	free(raw);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* --- JWK to PEM ------------------------------------------------------------
 */

static BIGNUM *
jwk_bn(json_t *jwk, const char *name)
{
	const char *v = json_string_value(json_object_get(jwk, name));
	size_t len = 0;
	unsigned char *raw;
	BIGNUM *bn;

	if (v == NULL)
		return NULL;
	raw = b64url_decode(v, strlen(v), &len);
	if (raw == NULL)
		return NULL;
	bn = BN_bin2bn(raw, (int)len, NULL);
	free(raw);
	return bn;
}

static EVP_PKEY *
pkey_from(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pkey = NULL;

	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

static EVP_PKEY *
rsa_from_jwk(json_t *jwk)
{
	BIGNUM *n = jwk_bn(jwk, "n"), *e = jwk_bn(jwk, "e");
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY *pkey = NULL;

	/* Short RSA keys are refused: 2048 bits is the floor of RFC 7518. */
	if (n != NULL && e != NULL && bld != NULL && BN_num_bits(n) >= 2048 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
		pkey = pkey_from("RSA", bld);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return pkey;
}

static EVP_PKEY *
ec_from_jwk(json_t *jwk)
{
	const char *crv = json_string_value(json_object_get(jwk, "crv"));
	const char *xs = json_string_value(json_object_get(jwk, "x"));
	const char *ys = json_string_value(json_object_get(jwk, "y"));
	unsigned char pub[1 + 2 * JWT_EC_COORD_LEN], *x = NULL, *y = NULL;
	size_t xl = 0, yl = 0;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;

	if (crv == NULL || strcmp(crv, "P-256") != 0 || xs == NULL ||
	    ys == NULL)
		return NULL;
	x = b64url_decode(xs, strlen(xs), &xl);
	y = b64url_decode(ys, strlen(ys), &yl);
	if (x == NULL || y == NULL || xl != JWT_EC_COORD_LEN ||
	    yl != JWT_EC_COORD_LEN)
		goto done;
	pub[0] = 0x04; /* uncompressed point */
	memcpy(pub + 1, x, JWT_EC_COORD_LEN);
	memcpy(pub + 1 + JWT_EC_COORD_LEN, y, JWT_EC_COORD_LEN);
	bld = OSSL_PARAM_BLD_new();
	if (bld != NULL &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					    "prime256v1", 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
					     sizeof(pub)))
		pkey = pkey_from("EC", bld);
done:
	OSSL_PARAM_BLD_free(bld);
	free(x);
	free(y);
	return pkey;
}

/* jwk_load turns one JWK into k; false (with why) when it is not usable. */
static bool
jwk_load(json_t *jwk, jwt_key *k, const char **why)
{
	const char *kty = json_string_value(json_object_get(jwk, "kty"));
	const char *use = json_string_value(json_object_get(jwk, "use"));
	const char *alg = json_string_value(json_object_get(jwk, "alg"));
	const char *kid = json_string_value(json_object_get(jwk, "kid"));

	memset(k, 0, sizeof(*k));
	*why = "not a signing key";
	if (kty == NULL || (use != NULL && strcmp(use, "sig") != 0))
		return false;
	if (strcmp(kty, "RSA") == 0 && (!alg || strcmp(alg, "RS256") == 0)) {
		k->alg = ALG_RS256;
		k->pkey = rsa_from_jwk(jwk);
	} else if (strcmp(kty, "EC") == 0 &&
		   (!alg || strcmp(alg, "ES256") == 0)) {
		k->alg = ALG_ES256;
		k->pkey = ec_from_jwk(jwk);
	} else {
		*why = "neither RS256 (RSA) nor ES256 (EC P-256)";
		return false;
	}
	*why = "bad key parameters (RSA below 2048 bits, or not on P-256)";
	if (k->pkey == NULL)
		return false;
	if (kid != NULL)
		med_strlcpy(k->kid, kid, sizeof(k->kid));
	return true;
}

static void
keyset_free(jwt_keyset *ks)
{
	if (ks == NULL)
		return;
	for (size_t i = 0; i < ks->n_keys; i++)
		EVP_PKEY_free(ks->keys[i].pkey);
	free(ks);
}

/* keyset_put lets go of a reference to ks; the last one frees it. */
static void
keyset_put(jwt_keyset *ks)
{
	if (ks != NULL && atomic_fetch_sub(&ks->refs, 1) == 1)
		keyset_free(ks);
}

/* keyset_get takes a reference to the current set. */
static jwt_keyset *
keyset_get(jwt_auth *ja)
{
	jwt_keyset *ks;

	pthread_mutex_lock(&ja->keys_lock);
	ks = ja->keys;
	atomic_fetch_add(&ks->refs, 1);
	pthread_mutex_unlock(&ja->keys_lock);
	return ks;
}

/* keyset_fill reads the usable keys of the JWKS root into ks. */
static void
keyset_fill(jwt_keyset *ks, json_t *root, const char *path)
{
	json_t *keys = json_object_get(root, "keys");
	size_t i;
	json_t *jwk;

	json_array_foreach(keys, i, jwk)
	{
		const char *why = NULL;

		if (ks->n_keys == JWT_MAX_KEYS)
			break;
		if (jwk_load(jwk, &ks->keys[ks->n_keys], &why))
			ks->n_keys++;
		else
			med_log_warn("jwt: %s: key %zu skipped: %s", path, i,
				     why);
	}
}

/* keyset_of makes a new set (one reference) of the JWKS root read from
 * path (a file or a URL); root is the caller's. */
static med_err
keyset_of(json_t *root, const char *path, jwt_keyset **out, char *errbuf,
	  size_t errlen)
{
	jwt_keyset *ks = calloc(1, sizeof(*ks));

	if (ks == NULL)
		return MED_ERR_NOMEM;
	atomic_init(&ks->refs, 1);
	keyset_fill(ks, root, path);
	if (ks->n_keys > 0) {
		*out = ks;
		return MED_OK;
	}
	keyset_free(ks);
	snprintf(errbuf, errlen, "%s: no usable RS256 or ES256 key in \"keys\"",
		 path);
	return MED_ERR_INVALID;
}

/* keyset_load reads the JWKS file at path into a new set (one reference). */
static med_err
keyset_load(const char *path, jwt_keyset **out, char *errbuf, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	med_err err;

	if (root == NULL) {
		snprintf(errbuf, errlen, "%s: %s (line %d)", path, jerr.text,
			 jerr.line);
		return MED_ERR_INVALID;
	}
	err = keyset_of(root, path, out, errbuf, errlen);
	json_decref(root);
	return err;
}

/*
 * keyset_fetch GETs the JWKS at url into a new set (one reference) and
 * sets *max_age_s (the answer's Cache-Control max-age, -1 when none).
 * Errors: MED_ERR_UNAVAILABLE (no usable answer), MED_ERR_INVALID (not a
 * JWKS), MED_ERR_NOMEM.
 */
static med_err
keyset_fetch(const char *url, jwt_keyset **out, int64_t *max_age_s,
	     char *errbuf, size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	char *body = NULL;
	size_t len = 0;
	med_err err = med__jwks_fetch(url, JWKS_FETCH_TIMEOUT_MS, &body, &len,
				      max_age_s, errbuf, errlen);

	if (err != MED_OK)
		return err;
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	free(body);
	if (root == NULL) {
		snprintf(errbuf, errlen, "%s: %s (line %d)", url, jerr.text,
			 jerr.line);
		return MED_ERR_INVALID;
	}
	err = keyset_of(root, url, out, errbuf, errlen);
	json_decref(root);
	return err;
}

/* keyset_swap makes ks the current set and lets go of the old one. */
static void
keyset_swap(jwt_auth *ja, jwt_keyset *ks)
{
	jwt_keyset *old;

	pthread_mutex_lock(&ja->keys_lock);
	old = ja->keys;
	ja->keys = ks;
	pthread_mutex_unlock(&ja->keys_lock);
	keyset_put(old);
}

/* keyset_has_kid: some key of ks carries kid. */
static bool
keyset_has_kid(const jwt_keyset *ks, const char *kid)
{
	for (size_t i = 0; i < ks->n_keys; i++)
		if (strcmp(ks->keys[i].kid, kid) == 0)
			return true;
	return false;
}

/*
 * jwks_reread reads the JWKS file again when its stamp changed since the
 * last reading; true when a new set is in use.  A file that does not load
 * keeps the current set (logged once per change, and counted).  Called
 * with reload_lock held.
 */
static bool
jwks_reread(jwt_auth *ja)
{
	char errbuf[512] = "";
	med_file_stamp now;
	jwt_keyset *ks = NULL;

	med_file_stamp_read(ja->jwks_path, &now);
	if (med_file_stamp_equal(&now, &ja->stamp))
		return false;
	ja->stamp = now;
	if (keyset_load(ja->jwks_path, &ks, errbuf, sizeof(errbuf)) != MED_OK) {
		med_log_warn("jwt: JWKS changed but cannot be used (%s); the "
			     "previous keys stay in use",
			     errbuf);
		med_counter_add(ja->reload_failed, 1);
		return false;
	}
	med_log_info("jwt: JWKS %s re-read: %zu key(s) in use", ja->jwks_path,
		     ks->n_keys);
	keyset_swap(ja, ks);
	med_counter_add(ja->reload_ok, 1);
	return true;
}

/* next_fetch_ns is when keys fetched now with max_age_s (-1: none) are
 * looked at again: at their max-age (at most a day, at least the kid
 * recheck), else every reload_ns, else in a day. */
static int64_t
next_fetch_ns(const jwt_auth *ja, int64_t now, int64_t max_age_s)
{
	if (max_age_s < 0)
		return now + (ja->reload_ns > 0
				      ? ja->reload_ns
				      : JWKS_MAX_AGE_S * 1000000000LL);
	if (max_age_s > JWKS_MAX_AGE_S)
		max_age_s = JWKS_MAX_AGE_S;
	return now + (max_age_s * 1000000000LL > JWT_KID_RECHECK_NS
			      ? max_age_s * 1000000000LL
			      : JWT_KID_RECHECK_NS);
}

/*
 * jwks_refetch GETs the JWKS URL again; true when a new set is in use.  A
 * fetch that fails, or brings no usable key, keeps the current set (the
 * last good keys) and is tried again after JWKS_RETRY_NS; both outcomes
 * are logged and counted.  Called with reload_lock held.
 */
static bool
jwks_refetch(jwt_auth *ja)
{
	char errbuf[512] = "";
	int64_t max_age_s = -1, now = med_mono_ns();
	jwt_keyset *ks = NULL;

	if (keyset_fetch(ja->jwks_url, &ks, &max_age_s, errbuf,
			 sizeof(errbuf)) != MED_OK) {
		med_log_warn("jwt: JWKS %s cannot be fetched (%s); the last "
			     "good keys stay in use",
			     ja->jwks_url, errbuf);
		atomic_store(&ja->next_check_ns, now + JWKS_RETRY_NS);
		med_counter_add(ja->reload_failed, 1);
		return false;
	}
	atomic_store(&ja->next_check_ns, next_fetch_ns(ja, now, max_age_s));
	med_log_info("jwt: JWKS %s fetched: %zu key(s) in use", ja->jwks_url,
		     ks->n_keys);
	keyset_swap(ja, ks);
	med_counter_add(ja->reload_ok, 1);
	return true;
}

/*
 * jwks_maybe_reload looks at the JWKS file when the periodic check is due,
 * or (kid_miss) when a token named a key the set lacks and the last such
 * look is a second old.  Only one thread looks; the others go on with the
 * current set.  True when a new set is in use.
 */
static bool
jwks_maybe_reload(jwt_auth *ja, bool kid_miss)
{
	int64_t now = med_mono_ns();
	bool due = (ja->reload_ns > 0 || ja->jwks_url != NULL) &&
		   now >= atomic_load(&ja->next_check_ns);
	bool kid_due = kid_miss && now >= atomic_load(&ja->next_kid_check_ns);
	bool swapped;

	if (!due && !kid_due)
		return false;
	if (pthread_mutex_trylock(&ja->reload_lock) != 0)
		return false;
	/* A URL's next look is set by the fetch (its max-age). */
	if (due && ja->jwks_url == NULL)
		atomic_store(&ja->next_check_ns, now + ja->reload_ns);
	if (kid_due)
		atomic_store(&ja->next_kid_check_ns, now + JWT_KID_RECHECK_NS);
	swapped = ja->jwks_url != NULL ? jwks_refetch(ja) : jwks_reread(ja);
	pthread_mutex_unlock(&ja->reload_lock);
	return swapped;
}

/* --- checking a token ------------------------------------------------------
 */

/* jwt_shaped: three non-empty base64url parts split by two dots. */
static bool
jwt_shaped(const char *s, size_t n, size_t dots[2])
{
	size_t nd = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '.') {
			if (nd == 2 || i == 0 || (nd == 1 && i == dots[0] + 1))
				return false;
			dots[nd++] = i;
		} else if (!((ch >= 'A' && ch <= 'Z') ||
			     (ch >= 'a' && ch <= 'z') ||
			     (ch >= '0' && ch <= '9') || ch == '-' ||
			     ch == '_')) {
			return false;
		}
	}
	return nd == 2 && dots[1] + 1 < n;
}

/*
 * typ_ok: "typ" is absent, or names a JWT: JWT (RFC 7519) or at+jwt (RFC
 * 9068 access tokens), with or without "application/", in any case (media
 * types are case-insensitive).  Any other type (a DPoP proof, a logout
 * token) is a different kind of object and is never a bearer credential.
 */
static bool
typ_ok(json_t *typ)
{
	static const char *const known[] = {"JWT", "application/jwt", "at+jwt",
					    "application/at+jwt"};
	const char *v = json_string_value(typ);

	if (typ == NULL)
		return true;
	if (v == NULL)
		return false;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcasecmp(v, known[i]) == 0)
			return true;
	return false;
}

/*
 * header_read reads the protected header: the algorithm and the key id;
 * returns why the header is refused, or NULL.
 */
static const char *
header_read(const char *tok, size_t len, jwt_alg *alg, char *kid,
	    size_t kid_len)
{
	json_t *h = b64url_json(tok, len);
	const char *a, *k, *why = NULL;

	if (h == NULL)
		return "header: not a JSON object";
	a = json_string_value(json_object_get(h, "alg"));
	k = json_string_value(json_object_get(h, "kid"));
	kid[0] = '\0';
	if (k != NULL)
		med_strlcpy(kid, k, kid_len);
	*alg = ALG_INVALID;
	if (a != NULL && strcmp(a, "RS256") == 0)
		*alg = ALG_RS256;
	else if (a != NULL && strcmp(a, "ES256") == 0)
		*alg = ALG_ES256;
	/* Anything else - none, HS*, PS*, crit extensions - is refused. */
	if (*alg == ALG_INVALID)
		why = "header: algorithm not RS256 or ES256";
	else if (json_object_get(h, "crit") != NULL)
		why = "header: crit extensions are not supported";
	else if (!typ_ok(json_object_get(h, "typ")))
		why = "header: typ is neither JWT nor at+jwt";
	json_decref(h);
	return why;
}

/*
 * es256_der turns a JWS ES256 signature (r and s, 32 bytes each, RFC 7518
 * section 3.4) into the DER ECDSA-Sig-Value OpenSSL verifies; the caller
 * frees *der with OPENSSL_free.
 */
static bool
es256_der(const unsigned char *raw, size_t n, unsigned char **der, int *len)
{
	ECDSA_SIG *sig;
	BIGNUM *r, *s;

	if (n != 2 * JWT_EC_COORD_LEN)
		return false;
	sig = ECDSA_SIG_new();
	r = BN_bin2bn(raw, JWT_EC_COORD_LEN, NULL);
	s = BN_bin2bn(raw + JWT_EC_COORD_LEN, JWT_EC_COORD_LEN, NULL);
	if (sig == NULL || r == NULL || s == NULL ||
	    ECDSA_SIG_set0(sig, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(sig);
		return false;
	}
	*der = NULL;
	*len = i2d_ECDSA_SIG(sig, der);
	ECDSA_SIG_free(sig);
	return *len > 0;
}

/* sig_ok checks sig over data[0..n) with SHA-256 under k. */
static bool
sig_ok(const jwt_key *k, const char *data, size_t n, const unsigned char *sig,
       size_t sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *der = NULL;
	int der_len = 0;
	bool ok = false;

	if (k->alg == ALG_ES256) {
		if (!es256_der(sig, sig_len, &der, &der_len))
			goto done;
		sig = der;
		sig_len = (size_t)der_len;
	}
	/* An RSA key verifies PKCS #1 v1.5 (RS256) unless told otherwise. */
	ok = ctx != NULL &&
	     EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) ==
		     1 &&
	     EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)data,
			      n) == 1;
done:
	OPENSSL_free(der);
	EVP_MD_CTX_free(ctx);
	return ok;
}

/*
 * verify_sig tries the keys of alg (and kid, when both name one) on the
 * signature after dots[1] over everything before it.
 */
static bool
verify_sig(const jwt_keyset *ks, const char *tok, size_t len,
	   const size_t dots[2], jwt_alg alg, const char *kid)
{
	size_t sig_len = 0;
	unsigned char *sig =
		b64url_decode(tok + dots[1] + 1, len - dots[1] - 1, &sig_len);
	bool ok = false;

	if (sig == NULL)
		return false;
	for (size_t i = 0; i < ks->n_keys && !ok && sig_len <= JWT_SIG_MAX;
	     i++) {
		const jwt_key *k = &ks->keys[i];

		if (k->alg != alg ||
		    (kid[0] && k->kid[0] && strcmp(kid, k->kid)))
			continue;
		ok = sig_ok(k, tok, dots[1], sig, sig_len);
	}
	free(sig);
	return ok;
}

/* What a NumericDate claim holds. */
typedef enum { DATE_ABSENT, DATE_OK, DATE_BAD } date_state;

/*
 * numeric_date reads a NumericDate (RFC 7519: seconds since 1970, possibly
 * with a fraction, which is dropped).  A string, a negative number or one
 * past JWT_DATE_MAX is DATE_BAD: a claim that cannot be a date must not be
 * mistaken for one that is far away.
 */
static date_state
numeric_date(json_t *claims, const char *name, int64_t *out)
{
	json_t *v = json_object_get(claims, name);
	double d;

	if (v == NULL)
		return DATE_ABSENT;
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i < 0 || i > JWT_DATE_MAX)
			return DATE_BAD;
		*out = (int64_t)i;
		return DATE_OK;
	}
	if (!json_is_real(v))
		return DATE_BAD;
	d = json_real_value(v);
	if (!isfinite(d) || d < 0 || d > (double)JWT_DATE_MAX)
		return DATE_BAD;
	*out = (int64_t)d;
	return DATE_OK;
}

static bool
aud_ok(json_t *claims, const char *audience)
{
	json_t *aud = json_object_get(claims, "aud"), *v;
	size_t i;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), audience) == 0;
	json_array_foreach(aud, i, v)
	{
		if (json_is_string(v) &&
		    strcmp(json_string_value(v), audience) == 0)
			return true;
	}
	return false;
}

/*
 * time_why says why the token is outside its validity, or NULL.  Dates are
 * at most JWT_DATE_MAX and the leeway at most 600 s, so no sum overflows.
 */
static const char *
time_why(const jwt_auth *ja, json_t *claims, int64_t now)
{
	int64_t exp = 0, nbf = 0, iat = 0;
	date_state st_exp = numeric_date(claims, "exp", &exp);
	date_state st_nbf = numeric_date(claims, "nbf", &nbf);
	date_state st_iat = numeric_date(claims, "iat", &iat);

	if (st_exp == DATE_ABSENT)
		return "no exp";
	if (st_exp == DATE_BAD)
		return "exp is not a NumericDate (seconds, 1970 to 9999)";
	if (st_nbf == DATE_BAD)
		return "nbf is not a NumericDate (seconds, 1970 to 9999)";
	if (st_iat == DATE_BAD)
		return "iat is not a NumericDate (seconds, 1970 to 9999)";
	if (now > exp + ja->leeway_s)
		return "expired";
	if (st_nbf == DATE_OK && now + ja->leeway_s < nbf)
		return "not yet valid (nbf)";
	if (st_iat == DATE_OK && now + ja->leeway_s < iat)
		return "issued in the future (iat)";
	return NULL;
}

/* name_ok: a user name for logs and audit: UTF-8, no control chars. */
static bool
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= MED_PRINCIPAL_NAME_MAX || !med_utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static uint32_t
role_of(json_t *v)
{
	if (!json_is_string(v))
		return 0;
	/* Services are known by their certificates, never by a token. */
	return med_role_parse(json_string_value(v), json_string_length(v)) &
	       ~(uint32_t)MED_ROLE_SERVICE;
}

static uint32_t
roles_of(json_t *claim)
{
	uint32_t roles = 0;
	json_t *v;
	size_t i;

	if (json_is_string(claim))
		return role_of(claim);
	json_array_foreach(claim, i, v) roles |= role_of(v);
	return roles;
}

static bool
unit_of(json_t *v, med_principal *out)
{
	return json_is_string(v) &&
	       med_principal_add_unit(out, json_string_value(v),
				      json_string_length(v));
}

/* units_of adds the units claim (array of strings, or one) to out. */
static bool
units_of(json_t *claim, med_principal *out)
{
	json_t *v;
	size_t i;

	if (claim == NULL)
		return true;
	if (!json_is_array(claim))
		return unit_of(claim, out);
	json_array_foreach(claim, i, v)
	{
		if (!unit_of(v, out))
			return false;
	}
	return true;
}

/* scope_add adds one scope name to out's resource scopes; false when there
 * are already MED_SCOPES_MAX.  Other scopes (openid, launch...) are
 * skipped: they grant no resource access. */
static bool
scope_add(const char *s, size_t len, med_principal *out)
{
	med_scope sc;

	if (!med_scope_parse(s, len, &sc))
		return true;
	if (out->n_scopes == MED_SCOPES_MAX)
		return false;
	out->scopes[out->n_scopes++] = sc;
	return true;
}

/* scopes_of reads SMART's scope claim: a space-separated string (RFC
 * 8693, as SMART issues it) or an array of strings.  A token with more
 * resource scopes than a principal holds is refused rather than cut. */
static bool
scopes_of(json_t *claim, med_principal *out)
{
	const char *s, *end;
	json_t *v;
	size_t i;

	if (claim == NULL)
		return true;
	out->has_scope_claim = true;
	if (json_is_array(claim)) {
		json_array_foreach(claim, i, v)
		{
			if (json_is_string(v) &&
			    !scope_add(json_string_value(v),
				       json_string_length(v), out))
				return false;
		}
		return true;
	}
	if (!json_is_string(claim))
		return false;
	for (s = json_string_value(claim); *s != '\0'; s = end) {
		while (*s == ' ')
			s++;
		for (end = s; *end != '\0' && *end != ' '; end++)
			;
		if (end > s && !scope_add(s, (size_t)(end - s), out))
			return false;
	}
	return true;
}

/* launch_patient_of reads SMART's "patient" claim (the launch context's
 * patient, for patient/ scopes); false when it is not a short string. */
static bool
launch_patient_of(json_t *claim, med_principal *out)
{
	if (claim == NULL)
		return true;
	if (!json_is_string(claim) ||
	    json_string_length(claim) >= sizeof(out->launch_patient))
		return false;
	med_strlcpy(out->launch_patient, json_string_value(claim),
		    sizeof(out->launch_patient));
	return true;
}

/* claims_check checks the payload and fills out; returns why not, or NULL. */
static const char *
claims_check(const jwt_auth *ja, json_t *claims, med_principal *out)
{
	const char *iss = json_string_value(json_object_get(claims, "iss"));
	const char *user = json_string_value(
		json_object_get(claims, "preferred_username"));
	const char *why;

	if (iss == NULL || strcmp(iss, ja->issuer) != 0)
		return "wrong issuer";
	if (!aud_ok(claims, ja->audience))
		return "wrong audience";
	why = time_why(ja, claims, med_now_ms() / 1000);
	if (why != NULL)
		return why;
	if (user == NULL)
		user = json_string_value(json_object_get(claims, "sub"));
	if (user == NULL || !name_ok(user))
		return "no usable preferred_username or sub";
	/*
	 * A user called "service:records" would pass for that service in
	 * every log line and audit event.
	 */
	if (med_principal_name_is_reserved(user, strlen(user)))
		return "user name starts with \"" MED_SERVICE_PRINCIPAL_PREFIX
		       "\", which names services";
	memset(out, 0, sizeof(*out));
	med_strlcpy(out->user, user, sizeof(out->user));
	out->roles = roles_of(json_object_get(claims, ja->roles_claim));
	/* A unit too long or too many is refused rather than cut: a cut
	 * list could name another ward. */
	if (!units_of(json_object_get(claims, ja->units_claim), out))
		return "units claim: not up to 16 short printable names";
	if (!scopes_of(json_object_get(claims, "scope"), out))
		return "scope claim: not a string or array of scopes, or more "
		       "than 32 resource scopes";
	if (!launch_patient_of(json_object_get(claims, "patient"), out))
		return "patient claim: not a patient id";
	out->authenticated = true;
	return NULL;
}

/*
 * check verifies tok[0..len) (JWT-shaped) with the keys of ks; why says
 * what failed.  *kid_unknown is set when the signature failed and the
 * token names a kid that no key of ks carries (a key the identity provider
 * may have added since the set was read).
 */
static const char *
check(const jwt_auth *ja, const jwt_keyset *ks, const char *tok, size_t len,
      const size_t dots[2], med_principal *out, bool *kid_unknown)
{
	char kid[JWT_KID_MAX];
	jwt_alg alg;
	const char *why = header_read(tok, dots[0], &alg, kid, sizeof(kid));
	json_t *claims;

	*kid_unknown = false;
	if (why != NULL)
		return why;
	if (!verify_sig(ks, tok, len, dots, alg, kid)) {
		*kid_unknown = kid[0] != '\0' && !keyset_has_kid(ks, kid);
		return "bad signature or unknown key";
	}
	claims = b64url_json(tok + dots[0] + 1, dots[1] - dots[0] - 1);
	if (claims == NULL)
		return "payload: not a JSON object";
	why = claims_check(ja, claims, out);
	json_decref(claims);
	return why;
}

/* check_current runs check with the current key set. */
static const char *
check_current(jwt_auth *ja, const med_auth_input *in, const size_t dots[2],
	      med_principal *out, bool *kid_unknown)
{
	jwt_keyset *ks = keyset_get(ja);
	const char *why = check(ja, ks, in->bearer, in->bearer_len, dots, out,
				kid_unknown);

	keyset_put(ks);
	return why;
}

static med_err
jwt_authenticate(void *self, const med_auth_input *in, med_principal *out)
{
	jwt_auth *ja = self;
	bool kid_unknown = false;
	size_t dots[2];
	const char *why;

	if (in->bearer == NULL || in->bearer_len > JWT_MAX_LEN ||
	    !jwt_shaped(in->bearer, in->bearer_len, dots))
		return MED_ERR_NOT_FOUND;
	jwks_maybe_reload(ja, false);
	why = check_current(ja, in, dots, out, &kid_unknown);
	/* A new key the provider signs with before our next periodic look:
	 * look now (rate-limited) and try once more. */
	if (why != NULL && kid_unknown && jwks_maybe_reload(ja, true))
		why = check_current(ja, in, dots, out, &kid_unknown);
	if (why == NULL)
		return MED_OK;
	memset(out, 0, sizeof(*out));
	med_log_warn("jwt: token refused: %s", why);
	return MED_ERR_UNAUTHENTICATED;
}

static void
jwt_auth_free(void *self)
{
	jwt_auth *ja = self;

	if (ja == NULL)
		return;
	keyset_put(ja->keys);
	free(ja->jwks_path);
	free(ja->jwks_url);
	pthread_mutex_destroy(&ja->keys_lock);
	pthread_mutex_destroy(&ja->reload_lock);
	free(ja);
}

/* claim_name_ok: NULL (the default) or a usable top-level claim name. */
static bool
claim_name_ok(const char *name)
{
	return name == NULL ||
	       (name[0] != '\0' && strlen(name) < JWT_CLAIM_MAX);
}

static med_err
opts_check(const med_jwt_opts *o, char *errbuf, size_t errlen)
{
	const char *why = NULL;

	bool file = o->jwks_path != NULL && o->jwks_path[0] != '\0';
	bool url = o->jwks_url != NULL && o->jwks_url[0] != '\0';

	if (file == url)
		why = "a JWKS file or a JWKS URL is required, not both";
	else if (url && strncmp(o->jwks_url, "https://", 8) != 0 &&
		 strncmp(o->jwks_url, "http://", 7) != 0)
		why = "the JWKS URL must be http:// or https://";
	else if (o->issuer == NULL || o->issuer[0] == '\0' ||
		 strlen(o->issuer) >= 256)
		why = "an issuer (iss) is required";
	else if (o->audience == NULL || o->audience[0] == '\0' ||
		 strlen(o->audience) >= 256)
		why = "an audience (aud) is required";
	else if (!claim_name_ok(o->roles_claim) ||
		 !claim_name_ok(o->units_claim))
		why = "the roles or units claim name is empty or too long";
	else if (o->leeway_s < 0 || o->leeway_s > 600)
		why = "leeway must be 0..600 s";
	else if (o->reload_s < 0 || o->reload_s > 86400)
		why = "JWKS reload interval must be 0..86400 s";
	if (why == NULL)
		return MED_OK;
	snprintf(errbuf, errlen, "jwt: %s", why);
	return MED_ERR_INVALID;
}

/* jwt_reload_init sets up what re-reading the JWKS file needs. */
static med_err
jwt_reload_init(jwt_auth *ja, const med_jwt_opts *o)
{
	const char *help = "re-reads of a changed JWKS file (failed: the "
			   "previous keys kept)";
	med_metrics *m = med_metrics_lib();
	int64_t now = med_mono_ns();

	pthread_mutex_init(&ja->keys_lock, NULL);
	pthread_mutex_init(&ja->reload_lock, NULL);
	if (o->jwks_url != NULL && o->jwks_url[0] != '\0') {
		ja->jwks_url = strdup(o->jwks_url);
		if (ja->jwks_url == NULL || med__jwks_fetch_init() != MED_OK)
			return MED_ERR_NOMEM;
	} else if ((ja->jwks_path = strdup(o->jwks_path)) == NULL) {
		return MED_ERR_NOMEM;
	}
	ja->reload_ns = (int64_t)o->reload_s * 1000000000LL;
	atomic_init(&ja->next_check_ns, now + ja->reload_ns);
	atomic_init(&ja->next_kid_check_ns, now);
	if (m != NULL) {
		ja->reload_ok =
			med_metrics_counter(m, "smartmed_jwks_reloads_total",
					    help, "result=\"ok\"");
		ja->reload_failed =
			med_metrics_counter(m, "smartmed_jwks_reloads_total",
					    help, "result=\"failed\"");
	}
	return MED_OK;
}

/* jwks_first reads the keys at start: the file, or the URL's answer (the
 * process does not start without keys). */
static med_err
jwks_first(jwt_auth *ja, char *errbuf, size_t errlen)
{
	int64_t max_age_s = -1;
	med_err err;

	if (ja->jwks_url == NULL) {
		/* Stamp first: a change while it is read is seen next time. */
		med_file_stamp_read(ja->jwks_path, &ja->stamp);
		return keyset_load(ja->jwks_path, &ja->keys, errbuf, errlen);
	}
	err = keyset_fetch(ja->jwks_url, &ja->keys, &max_age_s, errbuf, errlen);
	if (err == MED_OK)
		atomic_store(&ja->next_check_ns,
			     next_fetch_ns(ja, med_mono_ns(), max_age_s));
	return err;
}

med_err
med_auth_jwt_open(const med_jwt_opts *opts, med_authenticator *out,
		  char *errbuf, size_t errlen)
{
	char local[256];
	jwt_auth *ja;
	med_err err;

	if (errbuf == NULL || errlen == 0) {
		errbuf = local;
		errlen = sizeof(local);
	}
	if (opts == NULL || out == NULL)
		return MED_ERR_INVALID;
	err = opts_check(opts, errbuf, errlen);
	if (err != MED_OK)
		return err;
	if (sodium_init() < 0)
		return MED_ERR_INTERNAL;
	ja = calloc(1, sizeof(*ja));
	if (ja == NULL)
		return MED_ERR_NOMEM;
	med_strlcpy(ja->issuer, opts->issuer, sizeof(ja->issuer));
	med_strlcpy(ja->audience, opts->audience, sizeof(ja->audience));
	med_strlcpy(ja->roles_claim,
		    opts->roles_claim ? opts->roles_claim : "roles",
		    sizeof(ja->roles_claim));
	med_strlcpy(ja->units_claim,
		    opts->units_claim ? opts->units_claim : "units",
		    sizeof(ja->units_claim));
	ja->leeway_s = opts->leeway_s;
	err = jwt_reload_init(ja, opts);
	if (err == MED_OK)
		err = jwks_first(ja, errbuf, errlen);
	if (err != MED_OK) {
		jwt_auth_free(ja);
		return err;
	}
	*out = (med_authenticator){jwt_authenticate, jwt_auth_free, ja};
	return MED_OK;
}
