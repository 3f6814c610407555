/*
 * target.c - the rule for request targets the HTTPS edge serves
 * (fhir_path_ok), applied by server.c to the raw target before
 * libmicrohttpd decodes it: what a decoded path could mean differently
 * ("%2F" a separator, "%00" the end of a C string, ".." a parent) never
 * reaches the routing.  Pure, so the unit tests link it alone.
 */
#include <string.h>

#include "edge.h"

/* path_char: what a path may hold (RFC 3986 pchar without '%'). */
static bool
path_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || strchr("-._~!$&'()*+,;=:@/", ch);
}

/* segment_ok: no empty, "." or ".." segment (s points after a '/'). */
static bool
segment_ok(const char *s, size_t n)
{
	return n != 0 && !(n == 1 && s[0] == '.') &&
	       !(n == 2 && s[0] == '.' && s[1] == '.');
}

static bool
query_ok(const char *q)
{
	for (; *q != '\0'; q++) {
		if ((unsigned char)*q <= ' ' || *q == 0x7f)
			return false;
		if (q[0] == '%' && q[1] == '0' && q[2] == '0')
			return false;
	}
	return true;
}

bool
fhir_path_ok(const char *target, const char **why)
{
	const char *p = target, *seg;

	*why = "want an origin-form path ('/...')";
	if (target == NULL || target[0] != '/')
		return false;
	for (p = target + 1, seg = p;; p++) {
		if (*p == '\0' || *p == '?' || *p == '/') {
			/* An empty last segment is a trailing slash ("/",
			 * "/fhir/": clients write the base so); an empty one
			 * before a '/' is "//". */
			bool last_empty = p == seg && *p != '/' &&
					  (p == target + 1 || p[-2] != '/');

			if (!segment_ok(seg, (size_t)(p - seg)) &&
			    !last_empty) {
				*why = "empty, '.' or '..' path segment";
				return false;
			}
			if (*p != '/')
				break;
			seg = p + 1;
		} else if (*p == '%') {
			*why = "percent-encoding in the path (an encoded "
			       "'/', '\\' or NUL is refused, and no resource "
			       "needs one)";
			return false;
		} else if (!path_char(*p)) {
			*why = "a character outside RFC 3986's path characters";
			return false;
		}
	}
	if (*p == '?' && !query_ok(p + 1)) {
		*why = "an encoded NUL or a control character in the query";
		return false;
	}
	*why = NULL;
	return true;
}
