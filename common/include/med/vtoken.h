/*
 * med/vtoken.h - patient verification tokens: identity signs, dosage checks
 * them offline.
 *
 * After a bedside identification identity issues a token that says "this
 * patient was identified at the bedside by these identifiers (the wristband
 * with the face, or the wristband with the name and birth date the patient
 * stated), checked by this user, with this score against this threshold, by
 * this model on this device, at this time, until then".  The
 * claims are encoded canonically (below) and signed with Ed25519 (libsodium
 * crypto_sign_detached).  A service that receives the token needs only the
 * issuer's public key: no call to identity.
 *
 * Token string: base64url(claims) "." base64url(signature), both without
 * padding (RFC 4648 section 5), at most MED_VTOKEN_MAX_LEN characters.
 *
 * Claims encoding (version 1), all integers big-endian:
 *   "SMVT" 0x01                        magic and version
 *   str patient_id, model, device, key_id, token_id   (u16 length + bytes)
 *   f64 score, threshold               (IEEE-754 binary64 bits as u64)
 *   i64 issued_ms, expires_ms          (Unix milliseconds, two's complement)
 * in that order: magic, patient_id, score, threshold, model, device,
 * issued_ms, expires_ms, key_id, token_id.  Nothing may follow.  The same
 * claims always give the same bytes, so the signature covers exactly them.
 *
 * Version 2 ("SMVT" 0x02) is version 1's fields in the same order followed
 * by two strings: checked (the identifiers checked, MED_VTOKEN_CHECKED_*)
 * and checked_by (the user who checked them).  Claims with checked empty
 * encode as version 1, so a version-1 token's bytes are unchanged; a
 * version-1 token decodes with checked "face" (all identity signed before
 * version 2: a face match, no wristband named) and checked_by "".
 *
 * Key files: one line of standard base64 (RFC 4648 section 4, padded):
 * 32 bytes, the Ed25519 public key, or the 32-byte seed of the secret key.
 * A file of exactly 32 raw bytes is accepted too.  key_id is the hex of the
 * first 8 bytes of BLAKE2b-256 over the public key, so a verifier holding
 * several keys (rotation) picks the right one.
 *
 * Thread-safe: no global state beyond libsodium's initialisation.
 */
#ifndef MED_VTOKEN_H
#define MED_VTOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <med/err.h>

#define MED_VTOKEN_PUBLIC_KEY_LEN 32
#define MED_VTOKEN_SEED_LEN	  32
#define MED_VTOKEN_SIG_LEN	  64
#define MED_VTOKEN_STR_MAX	  64   /* bytes in each string claim */
#define MED_VTOKEN_KEY_ID_LEN	  16   /* hex characters */
#define MED_VTOKEN_MAX_LEN	  1024 /* characters of a token string */
#define MED_VTOKEN_MAX_KEYS	  4
/* A token may live at most this long (expires_ms - issued_ms). */
#define MED_VTOKEN_MAX_TTL_MS (15 * 60 * 1000)
/* Clock skew tolerated between issuer and verifier. */
#define MED_VTOKEN_SKEW_MS (60 * 1000)

/* What a token's checked claim says was checked (docs/face.md). */
#define MED_VTOKEN_CHECKED_FACE		    "face"
#define MED_VTOKEN_CHECKED_WRISTBAND_FACE   "wristband+face"
#define MED_VTOKEN_CHECKED_WRISTBAND_STATED "wristband+stated"

/* med_vtoken_claims - what identity asserts; strings NUL-terminated. */
typedef struct med_vtoken_claims {
	char patient_id[MED_VTOKEN_STR_MAX + 1];
	double score;	  /* similarity of the match */
	double threshold; /* the operating threshold score was held against */
	char model[MED_VTOKEN_STR_MAX + 1];  /* embedder name and version */
	char device[MED_VTOKEN_STR_MAX + 1]; /* capture terminal */
	int64_t issued_ms;
	int64_t expires_ms;
	char key_id[MED_VTOKEN_STR_MAX + 1];   /* set by med_vtoken_sign */
	char token_id[MED_VTOKEN_STR_MAX + 1]; /* unique per token */
	/* Version 2: the identifiers checked ("" encodes version 1) and the
	 * user who checked them. */
	char checked[MED_VTOKEN_STR_MAX + 1];
	char checked_by[MED_VTOKEN_STR_MAX + 1];
} med_vtoken_claims;

/* med_vtoken_fail - why a token was refused. */
typedef enum med_vtoken_fail {
	MED_VTOKEN_FAIL_NONE = 0,
	MED_VTOKEN_FAIL_MALFORMED,   /* not a token of this format */
	MED_VTOKEN_FAIL_UNKNOWN_KEY, /* key_id matches no configured key */
	MED_VTOKEN_FAIL_SIGNATURE,   /* signature does not verify */
	MED_VTOKEN_FAIL_EXPIRED,     /* now >= expires_ms */
	MED_VTOKEN_FAIL_NOT_YET,     /* issued in the future */
	MED_VTOKEN_FAIL_LIFETIME,    /* expires_ms - issued_ms too long */
} med_vtoken_fail;

/* med_vtoken_fail_str returns a short static reason ("expired"). */
const char *med_vtoken_fail_str(med_vtoken_fail why);

/* med_vtoken_keyset - the issuer public keys a verifier trusts. */
typedef struct med_vtoken_keyset {
	uint8_t pk[MED_VTOKEN_MAX_KEYS][MED_VTOKEN_PUBLIC_KEY_LEN];
	char key_id[MED_VTOKEN_MAX_KEYS][MED_VTOKEN_KEY_ID_LEN + 1];
	size_t n;
} med_vtoken_keyset;

/* med_vtoken_keygen makes a fresh key pair (seed and public key). */
med_err med_vtoken_keygen(uint8_t seed[MED_VTOKEN_SEED_LEN],
			  uint8_t pk[MED_VTOKEN_PUBLIC_KEY_LEN]) MED_MUST_CHECK;

/* med_vtoken_key_id writes the key id of pk into out[17]. */
void med_vtoken_key_id(const uint8_t pk[MED_VTOKEN_PUBLIC_KEY_LEN],
		       char out[MED_VTOKEN_KEY_ID_LEN + 1]);

/*
 * med_vtoken_key_read reads a 32-byte key (public key or seed) from path:
 * base64 text or 32 raw bytes.  Errors: MED_ERR_IO (cannot read),
 * MED_ERR_INVALID (not a key); errbuf says which.
 */
med_err med_vtoken_key_read(const char *path, uint8_t key[32], char *errbuf,
			    size_t errlen) MED_MUST_CHECK;

/*
 * med_vtoken_key_write writes key as one line of base64 to path, created
 * with mode (0600 for a seed, 0644 for a public key); refuses to overwrite.
 * Errors: MED_ERR_EXISTS, MED_ERR_IO.
 */
med_err med_vtoken_key_write(const char *path, const uint8_t key[32],
			     unsigned mode) MED_MUST_CHECK;

/* med_vtoken_keyset_add trusts pk.  Errors: MED_ERR_LIMIT (full). */
med_err med_vtoken_keyset_add(med_vtoken_keyset *ks,
			      const uint8_t pk[MED_VTOKEN_PUBLIC_KEY_LEN])
	MED_MUST_CHECK;

/*
 * med_vtoken_encode writes the canonical claims bytes into buf (cap) and
 * their length into *len.  Errors: MED_ERR_INVALID (a string claim longer
 * than MED_VTOKEN_STR_MAX or not NUL-terminated), MED_ERR_LIMIT (cap).
 */
med_err med_vtoken_encode(const med_vtoken_claims *c, uint8_t *buf, size_t cap,
			  size_t *len) MED_MUST_CHECK;

/*
 * med_vtoken_decode parses canonical claims bytes (version 1 or 2) into
 * *out.  Errors:
 * MED_ERR_INVALID (wrong magic, truncated, trailing bytes, a string with a
 * NUL or too long).
 */
med_err med_vtoken_decode(const uint8_t *buf, size_t len,
			  med_vtoken_claims *out) MED_MUST_CHECK;

/*
 * med_vtoken_sign fills claims->key_id from seed's public key, signs and
 * writes the token string into out (cap >= MED_VTOKEN_MAX_LEN + 1).
 * Errors: MED_ERR_INVALID (claims), MED_ERR_LIMIT (out too small).
 */
med_err med_vtoken_sign(const uint8_t seed[MED_VTOKEN_SEED_LEN],
			med_vtoken_claims *claims, char *out,
			size_t cap) MED_MUST_CHECK;

/*
 * med_vtoken_verify checks token against keys at now_ms: format, key id,
 * signature, lifetime, not before issued_ms - skew, not at or after
 * expires_ms.  On success fills *out.  On failure *why (optional) says why
 * and the error is MED_ERR_INVALID (malformed), MED_ERR_UNAUTHENTICATED
 * (unknown key, bad signature) or MED_ERR_PRECONDITION (expired, not yet
 * valid, lifetime too long).  A bad signature is reported before any claim
 * is trusted.
 */
med_err med_vtoken_verify(const med_vtoken_keyset *keys, const char *token,
			  int64_t now_ms, med_vtoken_claims *out,
			  med_vtoken_fail *why) MED_MUST_CHECK;

#endif
