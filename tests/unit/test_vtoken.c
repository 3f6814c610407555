/*
 * test_vtoken.c - verification tokens: canonical encoding, sign/verify,
 * expiry, forged and malformed tokens, key files.
 */
#include "testlib.h"

#include <med/util.h>
#include <med/vtoken.h>

#include <stdio.h>

#define NOW 1700000000000LL

static uint8_t seed[MED_VTOKEN_SEED_LEN], pk[MED_VTOKEN_PUBLIC_KEY_LEN];
static med_vtoken_keyset ks;

static void
setup(void)
{
	MT_OK(med_vtoken_keygen(seed, pk));
	memset(&ks, 0, sizeof(ks));
	MT_OK(med_vtoken_keyset_add(&ks, pk));
}

static med_vtoken_claims
claims(void)
{
	med_vtoken_claims c;

	memset(&c, 0, sizeof(c));
	med_strlcpy(c.patient_id, "0b0e4c36-6a1b-4c1e-9d35-2f0c3b8a7d11",
		    sizeof(c.patient_id));
	c.score = 0.93;
	c.threshold = 0.8;
	med_strlcpy(c.model, "lbp-v1", sizeof(c.model));
	med_strlcpy(c.device, "ward3-bed7", sizeof(c.device));
	c.issued_ms = NOW;
	c.expires_ms = NOW + 120000;
	med_strlcpy(c.token_id, "t-1", sizeof(c.token_id));
	return c;
}

static void
sign(med_vtoken_claims *c, char *tok)
{
	MT_OK(med_vtoken_sign(seed, c, tok, MED_VTOKEN_MAX_LEN + 1));
}

static void
test_roundtrip(void)
{
	med_vtoken_claims c = claims(), got;
	char tok[MED_VTOKEN_MAX_LEN + 1];
	med_vtoken_fail why = MED_VTOKEN_FAIL_MALFORMED;

	setup();
	sign(&c, tok);
	MT_OK(med_vtoken_verify(&ks, tok, NOW + 1000, &got, &why));
	MT_EQ_INT(why, MED_VTOKEN_FAIL_NONE);
	MT_EQ_STR(got.patient_id, c.patient_id);
	MT_TRUE(got.score == 0.93 && got.threshold == 0.8);
	MT_EQ_STR(got.model, "lbp-v1");
	MT_EQ_STR(got.device, "ward3-bed7");
	MT_EQ_INT(got.issued_ms, NOW);
	MT_EQ_INT(got.expires_ms, NOW + 120000);
	MT_EQ_STR(got.key_id, ks.key_id[0]);
	MT_EQ_STR(got.token_id, "t-1");
}

static void
test_encoding_deterministic(void)
{
	med_vtoken_claims c = claims(), d;
	uint8_t a[512], b[512];
	size_t la, lb;

	MT_OK(med_vtoken_encode(&c, a, sizeof(a), &la));
	MT_OK(med_vtoken_encode(&c, b, sizeof(b), &lb));
	MT_EQ_INT(la, lb);
	MT_TRUE(memcmp(a, b, la) == 0);
	MT_TRUE(memcmp(a, "SMVT\x01", 5) == 0);
	/* 5 magic + 5 strings (2 + len) + 4 numbers of 8 bytes. */
	MT_EQ_INT(la, 5 + 2 * 5 + 36 + 6 + 10 + 0 + 3 + 32);
	MT_OK(med_vtoken_decode(a, la, &d));
	MT_EQ_STR(d.patient_id, c.patient_id);
	/* Trailing bytes and truncation are refused. */
	MT_EQ_INT(med_vtoken_decode(a, la - 1, &d), MED_ERR_INVALID);
	a[la] = 0;
	MT_EQ_INT(med_vtoken_decode(a, la + 1, &d), MED_ERR_INVALID);
	a[4] = 3; /* unknown version */
	MT_EQ_INT(med_vtoken_decode(a, la, &d), MED_ERR_INVALID);
	/* Version 2 read as version 1 has trailing bytes: refused. */
	a[4] = 2;
	MT_EQ_INT(med_vtoken_decode(a, la, &d), MED_ERR_INVALID);
}

/* A token names the identifiers checked and who checked them (version
 * 2); a version-1 token still verifies, read as a face match. */
static void
test_checked_claims(void)
{
	med_vtoken_claims c = claims(), got;
	char tok[MED_VTOKEN_MAX_LEN + 1];
	uint8_t a[512];
	size_t la;

	setup();
	med_strlcpy(c.checked, MED_VTOKEN_CHECKED_WRISTBAND_STATED,
		    sizeof(c.checked));
	med_strlcpy(c.checked_by, "nurse.ann", sizeof(c.checked_by));
	MT_OK(med_vtoken_encode(&c, a, sizeof(a), &la));
	MT_TRUE(memcmp(a, "SMVT\x02", 5) == 0);
	sign(&c, tok);
	MT_OK(med_vtoken_verify(&ks, tok, NOW + 1000, &got, NULL));
	MT_EQ_STR(got.checked, "wristband+stated");
	MT_EQ_STR(got.checked_by, "nurse.ann");
	MT_EQ_STR(got.patient_id, c.patient_id);

	c = claims();
	sign(&c, tok);
	MT_OK(med_vtoken_verify(&ks, tok, NOW + 1000, &got, NULL));
	MT_EQ_STR(got.checked, MED_VTOKEN_CHECKED_FACE);
	MT_EQ_STR(got.checked_by, "");
}

static void
test_long_claim_refused(void)
{
	med_vtoken_claims c = claims();
	char tok[MED_VTOKEN_MAX_LEN + 1];

	setup();
	memset(c.model, 'm', MED_VTOKEN_STR_MAX);
	c.model[MED_VTOKEN_STR_MAX] = '\0';
	MT_OK(med_vtoken_sign(seed, &c, tok, sizeof(tok)));
	c.model[MED_VTOKEN_STR_MAX] = 'm'; /* no terminator in range */
	MT_EQ_INT(med_vtoken_sign(seed, &c, tok, sizeof(tok)), MED_ERR_INVALID);
}

static void
test_expiry_edges(void)
{
	med_vtoken_claims c = claims(), got;
	char tok[MED_VTOKEN_MAX_LEN + 1];
	med_vtoken_fail why;

	setup();
	sign(&c, tok);
	MT_OK(med_vtoken_verify(&ks, tok, c.expires_ms - 1, &got, &why));
	MT_EQ_INT(med_vtoken_verify(&ks, tok, c.expires_ms, &got, &why),
		  MED_ERR_PRECONDITION);
	MT_EQ_INT(why, MED_VTOKEN_FAIL_EXPIRED);
	MT_EQ_STR(med_vtoken_fail_str(why), "expired");
	/* Issued in the future beyond the skew. */
	MT_OK(med_vtoken_verify(&ks, tok, NOW - MED_VTOKEN_SKEW_MS, &got,
				&why));
	MT_EQ_INT(med_vtoken_verify(&ks, tok, NOW - MED_VTOKEN_SKEW_MS - 1,
				    &got, &why),
		  MED_ERR_PRECONDITION);
	MT_EQ_INT(why, MED_VTOKEN_FAIL_NOT_YET);
}

static void
test_lifetime_cap(void)
{
	med_vtoken_claims c = claims(), got;
	char tok[MED_VTOKEN_MAX_LEN + 1];
	med_vtoken_fail why;

	setup();
	c.expires_ms = NOW + MED_VTOKEN_MAX_TTL_MS;
	sign(&c, tok);
	MT_OK(med_vtoken_verify(&ks, tok, NOW, &got, &why));
	c.expires_ms = NOW + MED_VTOKEN_MAX_TTL_MS + 1;
	sign(&c, tok);
	MT_EQ_INT(med_vtoken_verify(&ks, tok, NOW, &got, &why),
		  MED_ERR_PRECONDITION);
	MT_EQ_INT(why, MED_VTOKEN_FAIL_LIFETIME);
}

static void
test_forged_signature(void)
{
	med_vtoken_claims c = claims(), got;
	char tok[MED_VTOKEN_MAX_LEN + 1];
	uint8_t other_seed[32], other_pk[32];
	med_vtoken_fail why;
	char *dot;

	setup();
	sign(&c, tok);
	/* Flip a character of the claims part: the signature no longer
	 * matches (or the claims no longer parse). */
	tok[10] = tok[10] == 'A' ? 'B' : 'A';
	MT_TRUE(med_vtoken_verify(&ks, tok, NOW, &got, &why) != MED_OK);
	MT_TRUE(why == MED_VTOKEN_FAIL_SIGNATURE ||
		why == MED_VTOKEN_FAIL_MALFORMED);
	/* Our claims (naming our key) with a signature made by another key
	 * over other claims: the key is found, the signature fails. */
	MT_OK(med_vtoken_keygen(other_seed, other_pk));
	sign(&c, tok);
	{
		char forged[MED_VTOKEN_MAX_LEN + 1];
		med_vtoken_claims f = claims();

		med_strlcpy(f.patient_id, "someone-else", sizeof(f.patient_id));
		MT_OK(med_vtoken_sign(other_seed, &f, forged, sizeof(forged)));
		dot = strchr(forged, '.');
		MT_TRUE(dot != NULL);
		memcpy(strchr(tok, '.'), dot, strlen(dot) + 1);
	}
	MT_EQ_INT(med_vtoken_verify(&ks, tok, NOW, &got, &why),
		  MED_ERR_UNAUTHENTICATED);
	MT_EQ_INT(why, MED_VTOKEN_FAIL_SIGNATURE);
}

static void
test_unknown_key(void)
{
	med_vtoken_claims c = claims(), got;
	char tok[MED_VTOKEN_MAX_LEN + 1];
	uint8_t other_seed[32], other_pk[32];
	med_vtoken_fail why;

	setup();
	MT_OK(med_vtoken_keygen(other_seed, other_pk));
	MT_OK(med_vtoken_sign(other_seed, &c, tok, sizeof(tok)));
	MT_EQ_INT(med_vtoken_verify(&ks, tok, NOW, &got, &why),
		  MED_ERR_UNAUTHENTICATED);
	MT_EQ_INT(why, MED_VTOKEN_FAIL_UNKNOWN_KEY);
	/* Rotation: trusting both keys accepts both. */
	MT_OK(med_vtoken_keyset_add(&ks, other_pk));
	MT_OK(med_vtoken_verify(&ks, tok, NOW, &got, &why));
}

static void
test_malformed(void)
{
	static const char *const bad[] = {
		"",	 ".",	    "abc",	    "abc.", ".abc",
		"a.b.c", "!!!.???", "U01WVAE.AAAA", NULL,
	};
	med_vtoken_claims got;
	med_vtoken_fail why;
	char big[MED_VTOKEN_MAX_LEN + 8];

	setup();
	for (int i = 0; bad[i]; i++) {
		MT_EQ_INT(med_vtoken_verify(&ks, bad[i], NOW, &got, &why),
			  MED_ERR_INVALID);
		MT_EQ_INT(why, MED_VTOKEN_FAIL_MALFORMED);
	}
	MT_EQ_INT(med_vtoken_verify(&ks, NULL, NOW, &got, &why),
		  MED_ERR_INVALID);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[10] = '.';
	MT_EQ_INT(med_vtoken_verify(&ks, big, NOW, &got, &why),
		  MED_ERR_INVALID);
}

static void
test_key_files(void)
{
	char priv[512], pub[512], raw[512], err[256];
	uint8_t s2[32], p2[32];
	FILE *f;

	setup();
	snprintf(priv, sizeof(priv), "%s/k.priv", mt_tmpdir());
	snprintf(pub, sizeof(pub), "%s/k.pub", mt_tmpdir());
	snprintf(raw, sizeof(raw), "%s/k.raw", mt_tmpdir());
	MT_OK(med_vtoken_key_write(priv, seed, 0600));
	MT_OK(med_vtoken_key_write(pub, pk, 0644));
	MT_EQ_INT(med_vtoken_key_write(pub, pk, 0644), MED_ERR_EXISTS);
	MT_OK(med_vtoken_key_read(priv, s2, err, sizeof(err)));
	MT_OK(med_vtoken_key_read(pub, p2, err, sizeof(err)));
	MT_TRUE(memcmp(s2, seed, 32) == 0 && memcmp(p2, pk, 32) == 0);
	f = fopen(raw, "wb");
	MT_TRUE(f != NULL);
	MT_EQ_INT(fwrite(pk, 1, 32, f), 32);
	fclose(f);
	MT_OK(med_vtoken_key_read(raw, p2, err, sizeof(err)));
	MT_TRUE(memcmp(p2, pk, 32) == 0);
	f = fopen(raw, "wb");
	fputs("not a key\n", f);
	fclose(f);
	MT_EQ_INT(med_vtoken_key_read(raw, p2, err, sizeof(err)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(err, "not a key") != NULL);
	MT_EQ_INT(med_vtoken_key_read("/nonexistent/k", p2, err, sizeof(err)),
		  MED_ERR_IO);
}

static void
test_keyset_limit(void)
{
	med_vtoken_keyset k = {.n = 0};

	setup();
	for (int i = 0; i < MED_VTOKEN_MAX_KEYS; i++)
		MT_OK(med_vtoken_keyset_add(&k, pk));
	MT_EQ_INT(med_vtoken_keyset_add(&k, pk), MED_ERR_LIMIT);
}

static const mt_case cases[] = {
	{"roundtrip", test_roundtrip},
	{"encoding_deterministic", test_encoding_deterministic},
	{"checked_claims", test_checked_claims},
	{"long_claim_refused", test_long_claim_refused},
	{"expiry_edges", test_expiry_edges},
	{"lifetime_cap", test_lifetime_cap},
	{"forged_signature", test_forged_signature},
	{"unknown_key", test_unknown_key},
	{"malformed", test_malformed},
	{"key_files", test_key_files},
	{"keyset_limit", test_keyset_limit},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
