/*
 * codec.c - hex, base64 and percent-encoding (med/codec.h): the only file
 * that calls libsodium's codecs, so each variant and its checks of bad
 * input are written once.
 */
#include <med/codec.h>

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* --- hex ------------------------------------------------------------------
 */

int
med_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
med_hex_encode(char *out, size_t cap, const void *bin, size_t n)
{
	if (cap < MED_HEX_LEN(n)) {
		if (cap > 0)
			out[0] = '\0';
		return NULL;
	}
	return sodium_bin2hex(out, cap, bin, n);
}

med_err
med_hex_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *len)
{
	size_t got = 0;

	if (n % 2 != 0)
		return MED_ERR_INVALID;
	for (size_t i = 0; i < n; i++)
		if (med_hex_digit((unsigned char)s[i]) < 0)
			return MED_ERR_INVALID;
	if (n / 2 > cap)
		return MED_ERR_LIMIT;
	if (sodium_hex2bin(out, cap, s, n, NULL, &got, NULL) != 0 ||
	    got != n / 2)
		return MED_ERR_INVALID;
	*len = got;
	return MED_OK;
}

/* --- base64 ---------------------------------------------------------------
 */

static int
sodium_variant(med_b64 v)
{
	return v == MED_B64_URL ? sodium_base64_VARIANT_URLSAFE_NO_PADDING
				: sodium_base64_VARIANT_ORIGINAL;
}

size_t
med_b64_len(size_t n, med_b64 v)
{
	return v == MED_B64_URL ? MED_B64_URL_LEN(n) : MED_B64_STD_LEN(n);
}

char *
med_b64_encode(char *out, size_t cap, const void *bin, size_t n, med_b64 v)
{
	if (cap < med_b64_len(n, v)) {
		if (cap > 0)
			out[0] = '\0';
		return NULL;
	}
	return sodium_bin2base64(out, cap, bin, n, sodium_variant(v));
}

/*
 * b64_bytes is how many bytes the characters of s[0..n) that are not
 * padding or ignored would decode to.  libsodium answers ERANGE both for a
 * full output and for missing padding: this tells the two apart.
 */
static size_t
b64_bytes(const char *s, size_t n, const char *ignore)
{
	size_t chars = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] != '=' && (ignore == NULL || s[i] == '\0' ||
				    strchr(ignore, s[i]) == NULL))
			chars++;
	return chars / 4 * 3 + (chars % 4 * 3) / 4;
}

med_err
med_b64_decode(const char *s, size_t n, med_b64 v, uint8_t *out, size_t cap,
	       size_t *len)
{
	const char *ignore = v == MED_B64_LINES ? "\r\n " : NULL;
	const char *end = NULL;
	size_t got = 0;

	errno = 0;
	if (sodium_base642bin(out, cap, s, n, ignore, &got, &end,
			      sodium_variant(v)) != 0)
		return errno == ERANGE && b64_bytes(s, n, ignore) > cap
			       ? MED_ERR_LIMIT
			       : MED_ERR_INVALID;
	if (end != s + n)
		return MED_ERR_INVALID;
	*len = got;
	return MED_OK;
}

/* --- percent-encoding -----------------------------------------------------
 */

static bool
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

bool
med_url_query_add(char *url, size_t cap, const char *key, const char *value)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t n = strnlen(url, cap);
	int k;

	if (n >= cap)
		return false;
	k = snprintf(url + n, cap - n, "%s%s=", strchr(url, '?') ? "&" : "?",
		     key);
	if (k < 0 || (size_t)k >= cap - n)
		return false;
	n += (size_t)k;
	for (const unsigned char *p = (const unsigned char *)value; *p != '\0';
	     p++) {
		if (n + (unreserved(*p) ? 1 : 3) >= cap) {
			url[n] = '\0';
			return false;
		}
		if (unreserved(*p)) {
			url[n++] = (char)*p;
			continue;
		}
		url[n++] = '%';
		url[n++] = digits[*p >> 4];
		url[n++] = digits[*p & 15];
	}
	url[n] = '\0';
	return true;
}

bool
med_form_decode(char *s)
{
	char *out = s;

	for (; *s != '\0'; s++) {
		int hi, lo;

		if (*s != '%') {
			*out++ = *s == '+' ? ' ' : *s;
			continue;
		}
		hi = med_hex_digit((unsigned char)s[1]);
		lo = hi < 0 ? -1 : med_hex_digit((unsigned char)s[2]);
		if (lo < 0 || (hi == 0 && lo == 0))
			return false;
		*out++ = (char)(hi * 16 + lo);
		s += 2;
	}
	*out = '\0';
	return true;
}
