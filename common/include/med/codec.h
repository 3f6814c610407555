/*
 * med/codec.h - the one hex, base64 and percent-encoding of the tree.
 *
 * Every service and libmed module encodes and decodes through these; the
 * layer check (tools/dev/check_symbols.py) refuses an object other than
 * common/src/base/codec.c that calls libsodium's base64 and hex functions,
 * and a source that writes its own hex digit table or "%%%02X" escape.
 * The base64 and hex work is libsodium's (constant-time, strict); this
 * header fixes the variants, the lengths and what bad input returns.
 */
#ifndef MED_CODEC_H
#define MED_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <med/err.h>

/* --- hex ------------------------------------------------------------------
 */

/* MED_HEX_LEN is the room the hex text of n bytes takes, with its NUL. */
#define MED_HEX_LEN(n) (2 * (size_t)(n) + 1)

/* med_hex_digit returns the value of one hex digit (0-9, a-f, A-F), or -1
 * for any other character. */
int med_hex_digit(int c);

/*
 * med_hex_encode writes bin[0..n) as 2n lower-case hex digits and a NUL
 * into out.  Returns out, or NULL (out set to "" when cap > 0) when cap is
 * below MED_HEX_LEN(n).
 */
char *med_hex_encode(char *out, size_t cap, const void *bin, size_t n);

/*
 * med_hex_decode decodes exactly the n hex digits s[0..n) (either case)
 * into out and sets *len to n / 2.  Errors: MED_ERR_INVALID (n odd, or a
 * character that is not a hex digit), MED_ERR_LIMIT (cap below n / 2).
 * *len is set only on success; out may hold part of the bytes on error.
 */
med_err med_hex_decode(const char *s, size_t n, uint8_t *out, size_t cap,
		       size_t *len) MED_MUST_CHECK;

/* --- base64 (RFC 4648) ----------------------------------------------------
 */

typedef enum med_b64 {
	MED_B64_STD,   /* section 4 alphabet, '=' padded */
	MED_B64_URL,   /* section 5 alphabet (- _), no padding */
	MED_B64_LINES, /* as MED_B64_STD; decoding skips CR, LF and space */
} med_b64;

/* MED_B64_STD_LEN and MED_B64_URL_LEN are the room the text of n bytes
 * takes in each variant, with its NUL (usable as array sizes). */
#define MED_B64_STD_LEN(n) ((((size_t)(n) + 2) / 3) * 4 + 1)
#define MED_B64_URL_LEN(n)                                                     \
	(((size_t)(n) / 3) * 4 +                                               \
	 ((size_t)(n) % 3 != 0 ? (size_t)(n) % 3 + 1 : 0) + 1)

/* med_b64_len is MED_B64_STD_LEN or MED_B64_URL_LEN of n, as v asks. */
size_t med_b64_len(size_t n, med_b64 v);

/*
 * med_b64_encode writes bin[0..n) as base64 of variant v and a NUL into
 * out.  Returns out, or NULL (out set to "" when cap > 0) when cap is below
 * med_b64_len(n, v).
 */
char *med_b64_encode(char *out, size_t cap, const void *bin, size_t n,
		     med_b64 v);

/*
 * med_b64_decode decodes all of s[0..n), base64 of variant v, into out and
 * sets *len to the bytes written.  Errors: MED_ERR_INVALID (a character
 * outside the alphabet, wrong padding, trailing text), MED_ERR_LIMIT (the
 * bytes do not fit in cap).  *len is set only on success; out may hold
 * part of the bytes on error.
 */
med_err med_b64_decode(const char *s, size_t n, med_b64 v, uint8_t *out,
		       size_t cap, size_t *len) MED_MUST_CHECK;

/* --- percent-encoding (RFC 3986) ------------------------------------------
 */

/*
 * med_url_query_add appends "?key=value" (or "&key=value" when url already
 * has a '?') to the NUL-terminated url of room cap, value percent-encoded:
 * every byte but the unreserved A-Z a-z 0-9 - . _ ~ becomes %XX.  Returns
 * false when it did not all fit; url is then cut short, still terminated.
 */
bool med_url_query_add(char *url, size_t cap, const char *key,
		       const char *value);

/*
 * med_form_decode decodes s in place as a query or form value: "+" becomes
 * a space and "%XX" the byte XX.  Returns false, s then undefined, for a
 * "%" not followed by two hex digits and for "%00" (a NUL would cut the
 * value short where the caller cannot see it).
 */
bool med_form_decode(char *s);

#endif
