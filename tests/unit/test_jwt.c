/*
 * test_jwt.c - the authentication sources added for security: the JWT
 * source (shape, JWKS loading, header and claim checks on tokens signed
 * here with fresh keys), the source chain, services by certificate, and
 * break-glass grants.  Signed JWTs end to end are tested against real
 * services in tests/integration/test_security.py.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <sodium.h>

#include <med/auth.h>
#include <med/err.h>

#include "testlib.h"

/* A P-256 public key as a JWK (its private half was thrown away). */
static const char jwks_ec[] =
	"{\"keys\":[{\"kty\":\"EC\",\"kid\":\"ec-1\",\"use\":\"sig\","
	"\"alg\":\"ES256\",\"crv\":\"P-256\","
	"\"x\":\"_IDKQL0oJXL9VISFaDEUlJVh41d2UZJ25ShiJcXipjg\","
	"\"y\":\"QwPNADxj1MjCTZ7ZwPpEKXAhlc5AQKamm800VclxJGw\"}]}";

static char dir[64];

static const char *
tmp_file(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/test_jwt.XXXXXX");
		MT_TRUE(mkdtemp(dir) != NULL);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (text != NULL) {
		f = fopen(path, "w");
		MT_TRUE(f != NULL);
		fputs(text, f);
		fclose(f);
	}
	return path;
}

static med_err
auth(med_authenticator *a, const char *bearer, const char *peer,
     med_principal *p)
{
	med_auth_input in = {0};

	in.bearer = bearer;
	in.bearer_len = bearer ? strlen(bearer) : 0;
	in.peer_identity = peer;
	in.peer_identity_len = peer ? strlen(peer) : 0;
	in.transport_secure = peer != NULL;
	memset(p, 0, sizeof(*p));
	return a->authenticate(a->self, &in, p);
}

static void
open_jwt(med_authenticator *a, const char *jwks)
{
	med_jwt_opts o = {.jwks_path = tmp_file("jwks.json", jwks),
			  .issuer = "https://idp",
			  .audience = "smartmed"};
	char err[256];

	MT_OK(med_auth_jwt_open(&o, a, err, sizeof(err)));
}

static void
test_jwt_shapes(void)
{
	med_authenticator a = {0};
	med_principal p;

	open_jwt(&a, jwks_ec);
	/* Not JWT-shaped: left to the next source. */
	MT_EQ_INT(auth(&a, "0123456789abcdef", NULL, &p), MED_ERR_NOT_FOUND);
	MT_EQ_INT(auth(&a, "a.b", NULL, &p), MED_ERR_NOT_FOUND);
	MT_EQ_INT(auth(&a, "a..c", NULL, &p), MED_ERR_NOT_FOUND);
	MT_EQ_INT(auth(&a, "a.b.c.d", NULL, &p), MED_ERR_NOT_FOUND);
	MT_EQ_INT(auth(&a, "a b.c.d", NULL, &p), MED_ERR_NOT_FOUND);
	MT_EQ_INT(auth(&a, NULL, "identity", &p), MED_ERR_NOT_FOUND);
	/* JWT-shaped but not valid: refused, not passed on. */
	MT_EQ_INT(auth(&a, "a.b.c", NULL, &p), MED_ERR_UNAUTHENTICATED);
	/* {"alg":"none"} . {} . "" */
	MT_EQ_INT(auth(&a, "eyJhbGciOiJub25lIn0.e30.x", NULL, &p),
		  MED_ERR_UNAUTHENTICATED);
	/* {"alg":"ES256","kid":"ec-1"} with a signature that is not one. */
	MT_EQ_INT(auth(&a,
		       "eyJhbGciOiJFUzI1NiIsImtpZCI6ImVjLTEifQ.e30."
		       "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		       "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		       NULL, &p),
		  MED_ERR_UNAUTHENTICATED);
	MT_TRUE(!p.authenticated);
	med_authenticator_free(&a);
}

/* --- tokens signed here ------------------------------------------------ */

#define B64_MAX 512 /* a base64url key parameter (RSA-2048's n: 342) */
#define JWK_MAX 2048

typedef struct signer {
	EVP_PKEY *key;
	bool ec; /* ES256, else RS256 */
	const char *kid;
} signer;

static void
b64url(const unsigned char *bin, size_t n, char *out, size_t len)
{
	MT_TRUE(sodium_base64_ENCODED_LEN(
			n, sodium_base64_VARIANT_URLSAFE_NO_PADDING) <= len);
	sodium_bin2base64(out, len, bin, n,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* bn_b64url writes the big-endian bytes of key parameter name. */
static void
bn_b64url(EVP_PKEY *key, const char *name, int pad, char *out, size_t len)
{
	unsigned char bin[512];
	BIGNUM *bn = NULL;
	int n;

	MT_TRUE(EVP_PKEY_get_bn_param(key, name, &bn) == 1);
	n = pad ? BN_bn2binpad(bn, bin, pad) : BN_bn2bin(bn, bin);
	MT_TRUE(n > 0);
	b64url(bin, (size_t)n, out, len);
	BN_free(bn);
}

static void
signer_jwk(const signer *sg, char *out, size_t len)
{
	char a[B64_MAX], b[B64_MAX];

	MT_TRUE(len >= JWK_MAX);
	if (sg->ec) {
		bn_b64url(sg->key, OSSL_PKEY_PARAM_EC_PUB_X, 32, a, sizeof(a));
		bn_b64url(sg->key, OSSL_PKEY_PARAM_EC_PUB_Y, 32, b, sizeof(b));
		snprintf(out, len,
			 "{\"kty\":\"EC\",\"kid\":\"%s\",\"crv\":"
			 "\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}",
			 sg->kid, a, b);
		return;
	}
	bn_b64url(sg->key, OSSL_PKEY_PARAM_RSA_N, 0, a, sizeof(a));
	bn_b64url(sg->key, OSSL_PKEY_PARAM_RSA_E, 0, b, sizeof(b));
	snprintf(out, len,
		 "{\"kty\":\"RSA\",\"kid\":\"%s\",\"n\":\"%s\","
		 "\"e\":\"%s\"}",
		 sg->kid, a, b);
}

/* raw_es256 turns OpenSSL's DER ECDSA signature into JWS's r || s. */
static size_t
raw_es256(const unsigned char *der, size_t n, unsigned char out[64])
{
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &der, (long)n);

	MT_TRUE(sig != NULL);
	MT_EQ_INT(BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32), 32);
	MT_EQ_INT(BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32), 32);
	ECDSA_SIG_free(sig);
	return 64;
}

/* sign_jwt writes header.claims.signature (JSON texts as given) to out. */
static void
sign_jwt(const signer *sg, const char *header, const char *claims, char *out,
	 size_t len)
{
	unsigned char sig[1024], es[64];
	size_t sig_len = sizeof(sig), off;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	b64url((const unsigned char *)header, strlen(header), out, len);
	off = strlen(out);
	out[off++] = '.';
	b64url((const unsigned char *)claims, strlen(claims), out + off,
	       len - off);
	MT_TRUE(ctx != NULL);
	MT_TRUE(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, sg->key) ==
		1);
	MT_TRUE(EVP_DigestSign(ctx, sig, &sig_len, (unsigned char *)out,
			       strlen(out)) == 1);
	EVP_MD_CTX_free(ctx);
	off = strlen(out);
	out[off++] = '.';
	if (sg->ec)
		b64url(es, raw_es256(sig, sig_len, es), out + off, len - off);
	else
		b64url(sig, sig_len, out + off, len - off);
}

static signer ec_signer, rsa_signer;

/* open_signed makes both signers and a JWT source that trusts them. */
static void
open_signed(med_authenticator *a)
{
	char jwks[3 * JWK_MAX], ec[JWK_MAX], rsa[JWK_MAX];

	ec_signer = (signer){EVP_EC_gen("P-256"), true, "ec-t"};
	rsa_signer = (signer){EVP_RSA_gen(2048), false, "rsa-t"};
	MT_TRUE(ec_signer.key != NULL && rsa_signer.key != NULL);
	signer_jwk(&ec_signer, ec, sizeof(ec));
	signer_jwk(&rsa_signer, rsa, sizeof(rsa));
	snprintf(jwks, sizeof(jwks), "{\"keys\":[%s,%s]}", ec, rsa);
	open_jwt(a, jwks);
}

/* claims_json: valid claims for user with roles, exp/nbf/iat as given. */
static void
claims_json(char *out, size_t len, const char *user, const char *times)
{
	snprintf(out, len,
		 "{\"iss\":\"https://idp\",\"aud\":\"smartmed\","
		 "\"preferred_username\":\"%s\",\"roles\":[\"nurse\"],%s}",
		 user, times);
}

/* valid_times: exp, nbf and iat around now. */
static void
valid_times(char *out, size_t len)
{
	long long now = (long long)time(NULL);

	snprintf(out, len, "\"exp\":%lld,\"nbf\":%lld,\"iat\":%lld", now + 300,
		 now - 10, now - 10);
}

/*
 * auth_logged authenticates bearer with stderr (where the reason of a
 * refusal is logged) captured into log.
 */
static med_err
auth_logged(med_authenticator *a, const char *bearer, med_principal *p,
	    char *log, size_t len)
{
	const char *path = tmp_file("stderr.log", "");
	int saved = dup(STDERR_FILENO), fd = open(path, O_WRONLY | O_TRUNC);
	med_err err;
	FILE *f;
	size_t n;

	MT_TRUE(saved >= 0 && fd >= 0);
	MT_TRUE(dup2(fd, STDERR_FILENO) >= 0);
	err = auth(a, bearer, NULL, p);
	MT_TRUE(dup2(saved, STDERR_FILENO) >= 0);
	close(fd);
	close(saved);
	f = fopen(path, "r");
	MT_TRUE(f != NULL);
	n = fread(log, 1, len - 1, f);
	log[n] = '\0';
	fclose(f);
	return err;
}

/* expect_refused: the token is refused, and the log says why. */
static void
expect_refused(med_authenticator *a, const signer *sg, const char *header,
	       const char *claims, const char *why)
{
	char tok[8192], log[4096];
	med_principal p;

	sign_jwt(sg, header, claims, tok, sizeof(tok));
	MT_EQ_INT(auth_logged(a, tok, &p, log, sizeof(log)),
		  MED_ERR_UNAUTHENTICATED);
	MT_TRUE(!p.authenticated);
	if (strstr(log, why) == NULL)
		mt_fail(__FILE__, __LINE__, "log \"%s\" lacks \"%s\"", log,
			why);
}

static void
expect_accepted(med_authenticator *a, const signer *sg, const char *header,
		const char *claims, const char *user)
{
	char tok[8192];
	med_principal p;

	sign_jwt(sg, header, claims, tok, sizeof(tok));
	MT_OK(auth(a, tok, NULL, &p));
	MT_TRUE(p.authenticated);
	MT_EQ_STR(p.user, user);
	MT_EQ_INT((int)p.roles, MED_ROLE_NURSE);
}

/*
 * try_claims signs claims for user with the given date claims under a bare
 * header; why NULL: the token must be accepted, else refused for why.
 */
static void
try_claims(med_authenticator *a, const signer *sg, const char *user,
	   const char *times, const char *why)
{
	const char *header =
		sg->ec ? "{\"alg\":\"ES256\"}" : "{\"alg\":\"RS256\"}";
	char claims[1024];

	claims_json(claims, sizeof(claims), user, times);
	if (why != NULL)
		expect_refused(a, sg, header, claims, why);
	else
		expect_accepted(a, sg, header, claims, user);
}

static void
test_jwt_signed_accepted(void)
{
	/* No typ, JWT, and RFC 9068's at+jwt in the media type's forms. */
	static const char *const typs[] = {
		"",
		",\"typ\":\"JWT\"",
		",\"typ\":\"at+jwt\"",
		",\"typ\":\"AT+JWT\"",
		",\"typ\":\"application/at+jwt\"",
	};
	const signer *sgs[] = {&ec_signer, &rsa_signer};
	med_authenticator a = {0};
	char claims[1024], times[256], h[256];

	open_signed(&a);
	valid_times(times, sizeof(times));
	claims_json(claims, sizeof(claims), "nurse.jwt", times);
	for (size_t i = 0; i < 2; i++) {
		for (size_t j = 0; j < sizeof(typs) / sizeof(typs[0]); j++) {
			snprintf(h, sizeof(h),
				 "{\"alg\":\"%s\",\"kid\":\"%s\"%s}",
				 sgs[i]->ec ? "ES256" : "RS256", sgs[i]->kid,
				 typs[j]);
			expect_accepted(&a, sgs[i], h, claims, "nurse.jwt");
		}
	}
	/* A fractional NumericDate is a date (the fraction is dropped). */
	snprintf(times, sizeof(times), "\"exp\":%lld.5",
		 (long long)time(NULL) + 300);
	try_claims(&a, &ec_signer, "nurse.jwt", times, NULL);
	med_authenticator_free(&a);
}

static void
test_jwt_typ_refused(void)
{
	static const char *const typs[] = {
		"\"dpop+jwt\"", "\"logout+jwt\"", "\"JWE\"", "\"\"", "1",
		"null",		"[\"JWT\"]",
	};
	med_authenticator a = {0};
	char claims[1024], times[256], h[256];

	open_signed(&a);
	valid_times(times, sizeof(times));
	claims_json(claims, sizeof(claims), "nurse.jwt", times);
	for (size_t i = 0; i < sizeof(typs) / sizeof(typs[0]); i++) {
		snprintf(h, sizeof(h), "{\"alg\":\"ES256\",\"typ\":%s}",
			 typs[i]);
		expect_refused(&a, &ec_signer, h, claims,
			       "header: typ is neither JWT nor at+jwt");
	}
	med_authenticator_free(&a);
}

/*
 * Dates that are not dates - strings, huge or negative numbers - are
 * refused by name, and exp = 2^63-1 no longer overflows exp + leeway
 * (run under SANITIZER=undefined to see it).
 */
static void
test_jwt_dates_refused(void)
{
	static const struct {
		const char *extra, *why;
	} cases[] = {
		{"\"exp\":9223372036854775807", "exp is not a NumericDate"},
		{"\"exp\":1e300", "exp is not a NumericDate"},
		{"\"exp\":\"2099-01-01\"", "exp is not a NumericDate"},
		{"\"exp\":-1", "exp is not a NumericDate"},
		{"\"exp\":null", "exp is not a NumericDate"},
		{"\"nbf\":1e300", "nbf is not a NumericDate"},
		{"\"nbf\":\"0\"", "nbf is not a NumericDate"},
		{"\"nbf\":-1e300", "nbf is not a NumericDate"},
		{"\"iat\":1e300", "iat is not a NumericDate"},
		{"\"iat\":\"now\"", "iat is not a NumericDate"},
		{"\"iat\":true", "iat is not a NumericDate"},
		{"\"nbf\":253402300800", "nbf is not a NumericDate"},
	};
	med_authenticator a = {0};
	char times[512];
	long long now = (long long)time(NULL);

	open_signed(&a);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* The case's claim comes first; exp is added when absent. */
		if (strncmp(cases[i].extra, "\"exp\"", 5) == 0)
			snprintf(times, sizeof(times), "%s", cases[i].extra);
		else
			snprintf(times, sizeof(times), "%s,\"exp\":%lld",
				 cases[i].extra, now + 300);
		try_claims(&a, &ec_signer, "nurse.jwt", times, cases[i].why);
	}
	/* The last valid date is still a date: far, but valid. */
	try_claims(&a, &ec_signer, "nurse.jwt", "\"exp\":253402300799", NULL);
	/* Ordinary time checks still hold. */
	snprintf(times, sizeof(times), "\"exp\":%lld", now - 120);
	try_claims(&a, &rsa_signer, "nurse.jwt", times, "expired");
	med_authenticator_free(&a);
}

/* "service:..." names services (certificates); no token may claim it. */
static void
test_jwt_service_name_refused(void)
{
	med_authenticator a = {0};
	char claims[1024], times[256];
	long long now = (long long)time(NULL);

	open_signed(&a);
	valid_times(times, sizeof(times));
	try_claims(&a, &rsa_signer, "service:records", times,
		   "user name starts with \\\"service:\\\"");
	/* Not through sub either. */
	snprintf(claims, sizeof(claims),
		 "{\"iss\":\"https://idp\",\"aud\":\"smartmed\","
		 "\"sub\":\"service:audit\",\"exp\":%lld}",
		 now + 300);
	expect_refused(&a, &ec_signer, "{\"alg\":\"ES256\"}", claims,
		       "user name starts with");
	/* A name that merely contains it is a user like any other. */
	try_claims(&a, &ec_signer, "dr.service:x", times, NULL);
	med_authenticator_free(&a);
}

/* units_claims: valid claims for nurse.jwt with units as the JSON given. */
static void
units_claims(char *out, size_t len, const char *units)
{
	snprintf(out, len,
		 "{\"iss\":\"https://idp\",\"aud\":\"smartmed\","
		 "\"preferred_username\":\"nurse.jwt\",\"roles\":\"nurse\","
		 "\"units\":%s,\"exp\":%lld}",
		 units, (long long)time(NULL) + 300);
}

/* The units claim (wards) reaches the principal, or refuses the token. */
static void
test_jwt_units(void)
{
	const char *header = "{\"alg\":\"ES256\"}";
	med_authenticator a = {0};
	char claims[2048], tok[8192];
	med_principal p;

	open_signed(&a);
	units_claims(claims, sizeof(claims), "[\"ward-3\",\"ICU\"]");
	sign_jwt(&ec_signer, header, claims, tok, sizeof(tok));
	MT_OK(auth(&a, tok, NULL, &p));
	MT_EQ_INT((int)p.n_units, 2);
	MT_EQ_STR(p.units[0], "ward-3");
	MT_EQ_STR(p.units[1], "ICU");
	units_claims(claims, sizeof(claims), "\"ward-5\"");
	sign_jwt(&ec_signer, header, claims, tok, sizeof(tok));
	MT_OK(auth(&a, tok, NULL, &p));
	MT_EQ_INT((int)p.n_units, 1);
	MT_EQ_STR(p.units[0], "ward-5");
	units_claims(claims, sizeof(claims), "[\"ward 3\"]");
	expect_refused(&a, &ec_signer, header, claims, "units claim");
	units_claims(claims, sizeof(claims), "[3]");
	expect_refused(&a, &ec_signer, header, claims, "units claim");
	units_claims(claims, sizeof(claims),
		     "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\","
		     "\"j\",\"k\",\"l\",\"m\",\"n\",\"o\",\"p\",\"q\"]");
	expect_refused(&a, &ec_signer, header, claims, "units claim");
	med_authenticator_free(&a);
}

static void
scope_claims(char *out, size_t len, const char *extra)
{
	snprintf(out, len,
		 "{\"iss\":\"https://idp\",\"aud\":\"smartmed\","
		 "\"preferred_username\":\"app.jwt\",\"roles\":\"nurse\","
		 "%s,\"exp\":%lld}",
		 extra, (long long)time(NULL) + 300);
}

/* SMART's scope and patient claims reach the principal (fhiredge). */
static void
test_jwt_smart_scopes(void)
{
	const char *header = "{\"alg\":\"ES256\"}";
	med_authenticator a = {0};
	char claims[4096], tok[16384], many[2048] = "\"scope\":\"";
	med_principal p;

	open_signed(&a);
	scope_claims(claims, sizeof(claims),
		     "\"scope\":\"openid  patient/Observation.rs "
		     "user/*.read launch/patient\",\"patient\":\"p-1\"");
	sign_jwt(&ec_signer, header, claims, tok, sizeof(tok));
	MT_OK(auth(&a, tok, NULL, &p));
	MT_TRUE(p.has_scope_claim);
	MT_EQ_INT((int)p.n_scopes, 2);
	MT_EQ_INT((int)p.scopes[0].context, MED_SCOPE_PATIENT);
	MT_EQ_STR(p.scopes[0].type, "Observation");
	MT_EQ_INT((int)p.scopes[0].perms, MED_SCOPE_READ | MED_SCOPE_SEARCH);
	MT_EQ_INT((int)p.scopes[1].context, MED_SCOPE_USER);
	MT_EQ_STR(p.scopes[1].type, "*");
	MT_EQ_STR(p.launch_patient, "p-1");
	/* An array of scopes; no claim at all is not an empty one. */
	scope_claims(claims, sizeof(claims),
		     "\"scope\":[\"system/Patient.cruds\",\"openid\"]");
	sign_jwt(&ec_signer, header, claims, tok, sizeof(tok));
	MT_OK(auth(&a, tok, NULL, &p));
	MT_EQ_INT((int)p.n_scopes, 1);
	MT_EQ_INT((int)p.scopes[0].perms, 31);
	scope_claims(claims, sizeof(claims), "\"units\":[]");
	sign_jwt(&ec_signer, header, claims, tok, sizeof(tok));
	MT_OK(auth(&a, tok, NULL, &p));
	MT_TRUE(!p.has_scope_claim);
	MT_EQ_INT((int)p.n_scopes, 0);
	scope_claims(claims, sizeof(claims), "\"scope\":42");
	expect_refused(&a, &ec_signer, header, claims, "scope claim");
	scope_claims(claims, sizeof(claims), "\"patient\":7");
	expect_refused(&a, &ec_signer, header, claims, "patient claim");
	for (int i = 0; i < 33; i++) {
		size_t n = strlen(many);

		snprintf(many + n, sizeof(many) - n, "user/Patient.r ");
	}
	snprintf(many + strlen(many), sizeof(many) - strlen(many), "\"");
	scope_claims(claims, sizeof(claims), many);
	expect_refused(&a, &ec_signer, header, claims, "scope claim");
	med_authenticator_free(&a);
}

/* med_scope_parse: SMART v2 and v1 resource scopes, nothing else. */
static void
test_scope_parse(void)
{
	static const struct {
		const char *scope;
		int context; /* 0: not a resource scope */
		const char *type;
		uint32_t perms;
	} cases[] = {
		{"patient/Observation.rs", MED_SCOPE_PATIENT, "Observation",
		 MED_SCOPE_READ | MED_SCOPE_SEARCH},
		{"user/*.cruds", MED_SCOPE_USER, "*", 31},
		{"system/Patient.r", MED_SCOPE_SYSTEM, "Patient",
		 MED_SCOPE_READ},
		{"user/Patient.read", MED_SCOPE_USER, "Patient",
		 MED_SCOPE_READ | MED_SCOPE_SEARCH},
		{"user/Patient.write", MED_SCOPE_USER, "Patient",
		 MED_SCOPE_CREATE | MED_SCOPE_UPDATE | MED_SCOPE_DELETE},
		{"patient/*.*", MED_SCOPE_PATIENT, "*", 31},
		{"user/Observation.sr", 0, NULL, 0},  /* out of order */
		{"user/Observation.rrs", 0, NULL, 0}, /* twice */
		{"user/Observation.x", 0, NULL, 0},
		{"user/Observation.", 0, NULL, 0},
		{"user/.rs", 0, NULL, 0},
		{"user/observation.rs", 0, NULL, 0},
		{"user/Obs-1.rs", 0, NULL, 0},
		{"user/Observation.rs?category=vital-signs", 0, NULL, 0},
		{"group/Observation.rs", 0, NULL, 0},
		{"openid", 0, NULL, 0},
		{"launch/patient", 0, NULL, 0},
		{"patient/", 0, NULL, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		med_scope sc;
		bool ok = med_scope_parse(cases[i].scope,
					  strlen(cases[i].scope), &sc);

		MT_EQ_INT(ok, cases[i].context != 0);
		if (!ok)
			continue;
		MT_EQ_INT((int)sc.context, cases[i].context);
		MT_EQ_STR(sc.type, cases[i].type);
		MT_EQ_INT((int)sc.perms, (int)cases[i].perms);
	}
}

/* A signature from another key, or bytes that are no signature. */
static void
test_jwt_signature_refused(void)
{
	med_authenticator a = {0};
	signer other = {EVP_EC_gen("P-256"), true, "ec-t"};
	char claims[1024], times[256], tok[8192], log[4096];
	med_principal p;

	open_signed(&a);
	valid_times(times, sizeof(times));
	claims_json(claims, sizeof(claims), "nurse.jwt", times);
	expect_refused(&a, &other, "{\"alg\":\"ES256\"}", claims,
		       "bad signature");
	/* An RSA signature under an ES256 header. */
	sign_jwt(&rsa_signer, "{\"alg\":\"RS256\"}", claims, tok, sizeof(tok));
	memcpy(tok, "eyJhbGciOiJFUzI1NiJ9", 20); /* {"alg":"ES256"} */
	MT_EQ_INT(auth_logged(&a, tok, &p, log, sizeof(log)),
		  MED_ERR_UNAUTHENTICATED);
	/* One flipped bit in the payload. */
	sign_jwt(&ec_signer, "{\"alg\":\"ES256\"}", claims, tok, sizeof(tok));
	tok[30] = tok[30] == 'A' ? 'B' : 'A';
	MT_EQ_INT(auth_logged(&a, tok, &p, log, sizeof(log)),
		  MED_ERR_UNAUTHENTICATED);
	MT_TRUE(strstr(log, "bad signature") != NULL);
	EVP_PKEY_free(other.key);
	med_authenticator_free(&a);
}

static void
test_jwks_errors(void)
{
	med_authenticator a = {0};
	med_jwt_opts o = {.jwks_path = "/nonexistent/jwks.json",
			  .issuer = "i",
			  .audience = "a"};
	char err[256] = "";

	MT_TRUE(med_auth_jwt_open(&o, &a, err, sizeof(err)) != MED_OK);
	o.jwks_path = tmp_file("empty.json", "{\"keys\":[]}");
	MT_EQ_INT(med_auth_jwt_open(&o, &a, err, sizeof(err)), MED_ERR_INVALID);
	MT_TRUE(strstr(err, "no usable") != NULL);
	/* A symmetric key is never a verification key. */
	o.jwks_path = tmp_file("hs.json", "{\"keys\":[{\"kty\":\"oct\","
					  "\"k\":\"c2VjcmV0\"}]}");
	MT_EQ_INT(med_auth_jwt_open(&o, &a, err, sizeof(err)), MED_ERR_INVALID);
	/* Issuer and audience are required. */
	o.jwks_path = tmp_file("jwks.json", jwks_ec);
	o.audience = "";
	MT_EQ_INT(med_auth_jwt_open(&o, &a, err, sizeof(err)), MED_ERR_INVALID);
	MT_TRUE(a.authenticate == NULL);
}

static void
test_peers_and_chain(void)
{
	med_authenticator parts[2] = {{0}}, chain = {0};
	med_principal p;
	char err[256];

	MT_OK(med_auth_peers_open("identity,records", &parts[0], err,
				  sizeof(err)));
	open_jwt(&parts[1], jwks_ec);
	MT_OK(med_auth_chain(parts, 2, &chain));
	MT_TRUE(parts[0].authenticate == NULL);
	MT_OK(auth(&chain, NULL, "records", &p));
	MT_EQ_STR(p.user, "service:records");
	MT_EQ_INT((int)p.roles, MED_ROLE_SERVICE);
	/* Another certificate, or a prefix of a listed one, is nobody. */
	MT_EQ_INT(auth(&chain, NULL, "operator", &p), MED_ERR_UNAUTHENTICATED);
	MT_EQ_INT(auth(&chain, NULL, "record", &p), MED_ERR_UNAUTHENTICATED);
	/* With a token the certificate does not decide. */
	MT_EQ_INT(auth(&chain, "a.b.c", "records", &p),
		  MED_ERR_UNAUTHENTICATED);
	MT_EQ_INT(auth(&chain, "opaque", "records", &p),
		  MED_ERR_UNAUTHENTICATED);
	med_authenticator_free(&chain);
	MT_EQ_INT(med_auth_peers_open("a,,b", &parts[0], err, sizeof(err)),
		  MED_ERR_INVALID);
}

static med_break_glass *
bg_open(bool issue, int max_duration_s)
{
	char cmd[512], pub[128], key[128];
	med_break_glass_opts o = {0};
	med_break_glass *bg = NULL;
	char err[256];

	snprintf(key, sizeof(key), "%s", tmp_file("bg.key", NULL));
	snprintf(pub, sizeof(pub), "%s", tmp_file("bg.pub", NULL));
	if (access(key, R_OK) != 0) {
		snprintf(cmd, sizeof(cmd),
			 "openssl genpkey -algorithm ed25519 -out %s && "
			 "openssl pkey -in %s -pubout -out %s",
			 key, key, pub);
		MT_EQ_INT(system(cmd), 0);
	}
	o.public_key_path = pub;
	o.secret_key_path = issue ? key : NULL;
	o.max_duration_s = max_duration_s;
	MT_OK(med_break_glass_open(&o, &bg, err, sizeof(err)));
	return bg;
}

static void
test_break_glass(void)
{
	med_break_glass *bg = bg_open(true, 3600), *ro = bg_open(false, 3600);
	med_principal nurse = {.user = "nurse.a",
			       .roles = MED_ROLE_NURSE,
			       .authenticated = true};
	med_principal pharm = {.user = "ph",
			       .roles = MED_ROLE_PHARMACIST,
			       .authenticated = true};
	med_break_glass_grant g, v;
	char grant[MED_BREAK_GLASS_MAX_LEN];
	size_t n;

	MT_TRUE(med_break_glass_can_issue(bg) &&
		!med_break_glass_can_issue(ro));
	MT_OK(med_break_glass_issue(bg, &nurse, "UNCONSCIOUS", 1000, 600, grant,
				    sizeof(grant), &g));
	n = strlen(grant);
	MT_OK(med_break_glass_verify(ro, grant, n, 1000, &v));
	MT_EQ_STR(v.user, "nurse.a");
	MT_EQ_STR(v.reason, "UNCONSCIOUS");
	MT_EQ_STR(v.id, g.id);
	MT_EQ_INT((int)v.expires_s, 1600);
	/* Outside the time box. */
	MT_EQ_INT(med_break_glass_verify(ro, grant, n, 1600, &v),
		  MED_ERR_UNAUTHENTICATED);
	MT_EQ_INT(med_break_glass_verify(ro, grant, n, 999, &v),
		  MED_ERR_UNAUTHENTICATED);
	/* One changed character anywhere breaks it. */
	for (size_t i = 4; i < n; i += 7) {
		char was = grant[i];
		grant[i] = was == 'A' ? 'B' : 'A';
		MT_EQ_INT(med_break_glass_verify(ro, grant, n, 1000, &v),
			  MED_ERR_UNAUTHENTICATED);
		grant[i] = was;
	}
	MT_EQ_INT(med_break_glass_issue(bg, &pharm, "UNCONSCIOUS", 1000, 600,
					grant, sizeof(grant), &g),
		  MED_ERR_DENIED);
	MT_EQ_INT(med_break_glass_issue(bg, &nurse, "BORED", 1000, 600, grant,
					sizeof(grant), &g),
		  MED_ERR_INVALID);
	MT_EQ_INT(med_break_glass_issue(bg, &nurse, "UNCONSCIOUS", 1000, 3601,
					grant, sizeof(grant), &g),
		  MED_ERR_INVALID);
	MT_EQ_INT(med_break_glass_issue(ro, &nurse, "UNCONSCIOUS", 1000, 60,
					grant, sizeof(grant), &g),
		  MED_ERR_PRECONDITION);
	med_break_glass_free(bg);
	med_break_glass_free(ro);
}

/*
 * A grant longer than the time box is refused even with a good signature:
 * here a key holder that issues 10-year grants (as a leaked key or a tool
 * could), checked by a service whose time box is an hour.
 */
static void
test_break_glass_lifetime_capped(void)
{
	const int ten_years = 10 * 365 * 24 * 3600;
	med_break_glass *forger = bg_open(true, ten_years);
	med_break_glass *ro = bg_open(false, 3600);
	med_principal nurse = {.user = "nurse.a",
			       .roles = MED_ROLE_NURSE,
			       .authenticated = true};
	med_break_glass_grant g, v;
	char grant[MED_BREAK_GLASS_MAX_LEN];

	MT_OK(med_break_glass_issue(forger, &nurse, "UNCONSCIOUS", 1000,
				    ten_years, grant, sizeof(grant), &g));
	MT_EQ_INT(med_break_glass_verify(ro, grant, strlen(grant), 1000, &v),
		  MED_ERR_UNAUTHENTICATED);
	MT_EQ_INT(med_break_glass_verify(ro, grant, strlen(grant), 2000, &v),
		  MED_ERR_UNAUTHENTICATED);
	/* One second over the box is over; the box itself is fine. */
	MT_OK(med_break_glass_issue(forger, &nurse, "UNCONSCIOUS", 1000, 3601,
				    grant, sizeof(grant), &g));
	MT_EQ_INT(med_break_glass_verify(ro, grant, strlen(grant), 1000, &v),
		  MED_ERR_UNAUTHENTICATED);
	MT_OK(med_break_glass_issue(forger, &nurse, "UNCONSCIOUS", 1000, 3600,
				    grant, sizeof(grant), &g));
	MT_OK(med_break_glass_verify(ro, grant, strlen(grant), 1000, &v));
	MT_OK(med_break_glass_verify(forger, grant, strlen(grant), 4599, &v));
	med_break_glass_free(forger);
	med_break_glass_free(ro);
}

/* --- the JWKS file re-read ------------------------------------------------ */

/* replace_file publishes text as dir/name by a rename, as a Secret update
 * does: a reader sees the old file or the new one, never half of it. */
static void
replace_file(const char *name, const char *text)
{
	char path[160], tmp[200];
	FILE *f;

	snprintf(path, sizeof(path), "%s", tmp_file(name, NULL));
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	MT_TRUE(f != NULL);
	fputs(text, f);
	fclose(f);
	MT_TRUE(rename(tmp, path) == 0);
}

/* open_reloading opens a JWT source trusting ec_signer only (both signers
 * made), looking at its file every reload_s seconds. */
static void
open_reloading(med_authenticator *a, int reload_s, char *ec, char *rsa)
{
	char jwks[3 * JWK_MAX], err[256];
	med_jwt_opts o = {.issuer = "https://idp",
			  .audience = "smartmed",
			  .reload_s = reload_s};

	ec_signer = (signer){EVP_EC_gen("P-256"), true, "ec-t"};
	rsa_signer = (signer){EVP_RSA_gen(2048), false, "rsa-t"};
	MT_TRUE(ec_signer.key != NULL && rsa_signer.key != NULL);
	signer_jwk(&ec_signer, ec, JWK_MAX);
	signer_jwk(&rsa_signer, rsa, JWK_MAX);
	snprintf(jwks, sizeof(jwks), "{\"keys\":[%s]}", ec);
	o.jwks_path = tmp_file("jwks.json", jwks);
	MT_OK(med_auth_jwt_open(&o, a, err, sizeof(err)));
}

static const char hdr_rsa_kid[] = "{\"alg\":\"RS256\",\"kid\":\"rsa-t\"}";
static const char hdr_ec_kid[] = "{\"alg\":\"ES256\",\"kid\":\"ec-t\"}";

/* A token of a key added to the file is accepted once the file is looked
 * at again: its unknown kid makes the source look (at most once a
 * second), with no periodic re-read at all. */
static void
test_jwks_reload_on_unknown_kid(void)
{
	char ec[JWK_MAX], rsa[JWK_MAX], jwks[3 * JWK_MAX], times[256],
		claims[1024];
	med_authenticator a = {0};

	open_reloading(&a, 0, ec, rsa);
	valid_times(times, sizeof(times));
	claims_json(claims, sizeof(claims), "n.rotate", times);
	expect_refused(&a, &rsa_signer, hdr_rsa_kid, claims, "unknown key");
	snprintf(jwks, sizeof(jwks), "{\"keys\":[%s,%s]}", ec, rsa);
	replace_file("jwks.json", jwks);
	usleep(1100 * 1000); /* past the once-a-second limit */
	expect_accepted(&a, &rsa_signer, hdr_rsa_kid, claims, "n.rotate");
	expect_accepted(&a, &ec_signer, hdr_ec_kid, claims, "n.rotate");
	MT_NEAR(mt_lib_metric("smartmed_jwks_reloads_total{result=\"ok\"}"), 1,
		0);
	med_authenticator_free(&a);
}

/* A new file that does not load keeps the keys in use, and is counted. */
static void
test_jwks_bad_file_keeps_keys(void)
{
	static const char *const bad[] = {
		"{\"keys\": [",					/* cut short */
		"{\"keys\": [{\"kty\":\"oct\",\"k\":\"AA\"}]}", /* no usable key
								 */
		"",						/* empty */
	};
	char ec[JWK_MAX], rsa[JWK_MAX], times[256], claims[1024];
	med_authenticator a = {0};

	open_reloading(&a, 0, ec, rsa);
	valid_times(times, sizeof(times));
	claims_json(claims, sizeof(claims), "n.keep", times);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		replace_file("jwks.json", bad[i]);
		usleep(1100 * 1000);
		/* rsa-t is unknown: the file is looked at, and refused. */
		expect_refused(&a, &rsa_signer, hdr_rsa_kid, claims,
			       "unknown key");
		expect_accepted(&a, &ec_signer, hdr_ec_kid, claims, "n.keep");
		MT_NEAR(mt_lib_metric("smartmed_jwks_reloads_total{result="
				      "\"failed\"}"),
			(double)(i + 1), 0);
	}
	MT_NEAR(mt_lib_metric("smartmed_jwks_reloads_total{result=\"ok\"}"), 0,
		0);
	med_authenticator_free(&a);
}

/* The periodic look finds a key whose tokens name no kid; with no period
 * (0) such a token stays refused. */
static void
test_jwks_reload_periodic(void)
{
	char ec[JWK_MAX], rsa[JWK_MAX], jwks[3 * JWK_MAX], times[256],
		claims[1024];
	static const char hdr_rsa[] = "{\"alg\":\"RS256\"}";
	med_authenticator every_s = {0}, never = {0};

	open_reloading(&never, 0, ec, rsa);
	open_reloading(&every_s, 1, ec, rsa);
	valid_times(times, sizeof(times));
	claims_json(claims, sizeof(claims), "n.period", times);
	snprintf(jwks, sizeof(jwks), "{\"keys\":[%s]}", rsa);
	replace_file("jwks.json", jwks);
	usleep(1100 * 1000);
	expect_accepted(&every_s, &rsa_signer, hdr_rsa, claims, "n.period");
	expect_refused(&never, &rsa_signer, hdr_rsa, claims, "unknown key");
	med_authenticator_free(&every_s);
	med_authenticator_free(&never);
}

/* What the threads of jwks_swap_under_load share. */
typedef struct swap_run {
	med_authenticator *a;
	char token[8192];
	atomic_bool stop;
	atomic_long accepted, refused;
} swap_run;

static void *
swap_reader(void *arg)
{
	swap_run *r = arg;
	med_auth_input in = {.bearer = r->token,
			     .bearer_len = strlen(r->token)};

	while (!atomic_load(&r->stop)) {
		med_principal p;

		memset(&p, 0, sizeof(p));
		if (r->a->authenticate(r->a->self, &in, &p) == MED_OK &&
		    p.authenticated)
			atomic_fetch_add(&r->accepted, 1);
		else
			atomic_fetch_add(&r->refused, 1);
	}
	return NULL;
}

/*
 * Readers checking a token of a key that every version of the file holds
 * are never refused while the file is swapped under them again and again:
 * each check uses one whole key set, and a set is freed only after its
 * last reader let go of it.
 */
static void
test_jwks_swap_under_load(void)
{
	char ec[JWK_MAX], rsa[JWK_MAX], jwks[3 * JWK_MAX], times[256],
		claims[1024];
	static swap_run run;
	med_authenticator a = {0};
	pthread_t th[4];

	open_reloading(&a, 1, ec, rsa);
	valid_times(times, sizeof(times));
	claims_json(claims, sizeof(claims), "n.load", times);
	sign_jwt(&ec_signer, hdr_ec_kid, claims, run.token, sizeof(run.token));
	run.a = &a;
	for (int i = 0; i < 4; i++)
		MT_TRUE(pthread_create(&th[i], NULL, swap_reader, &run) == 0);
	for (int i = 0; i < 25; i++) { /* 2.5 s: two or three reloads */
		if (i % 2 == 0)
			snprintf(jwks, sizeof(jwks), "{\"keys\":[%s,%s]}", rsa,
				 ec);
		else
			snprintf(jwks, sizeof(jwks), "{\"keys\":[%s]}", ec);
		replace_file("jwks.json", jwks);
		usleep(100 * 1000);
	}
	atomic_store(&run.stop, true);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	MT_EQ_INT(atomic_load(&run.refused), 0);
	MT_TRUE(atomic_load(&run.accepted) > 0);
	MT_TRUE(mt_lib_metric("smartmed_jwks_reloads_total{result=\"ok\"}") >=
		2);
	med_authenticator_free(&a);
}

static const mt_case cases[] = {
	{"jwt_units", test_jwt_units},
	{"jwt_smart_scopes", test_jwt_smart_scopes},
	{"scope_parse", test_scope_parse},
	{"jwt_shapes", test_jwt_shapes},
	{"jwt_signed_accepted", test_jwt_signed_accepted},
	{"jwt_typ_refused", test_jwt_typ_refused},
	{"jwt_dates_refused", test_jwt_dates_refused},
	{"jwt_service_name_refused", test_jwt_service_name_refused},
	{"jwt_signature_refused", test_jwt_signature_refused},
	{"jwks_errors", test_jwks_errors},
	{"peers_and_chain", test_peers_and_chain},
	{"break_glass", test_break_glass},
	{"break_glass_lifetime_capped", test_break_glass_lifetime_capped},
	{"jwks_reload_on_unknown_kid", test_jwks_reload_on_unknown_kid},
	{"jwks_bad_file_keeps_keys", test_jwks_bad_file_keeps_keys},
	{"jwks_reload_periodic", test_jwks_reload_periodic},
	{"jwks_swap_under_load", test_jwks_swap_under_load},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
