/*
 * senders.c - who may send as whom (MED_HL7_SENDERS): each sender
 * (MSH-3@MSH-4) is bound to the peers that may speak for it, a name of
 * their verified client certificate (its CN or a DNS subjectAltName) or,
 * on a trusted plain-TCP network, their address ("addr:10.1.2.3"), and to
 * the message types it may send.  A peer no binding names for a sender
 * is refused, with the binding that would let it send: without bindings
 * every message is refused (issue 74: secure by default; before, any
 * peer the listener admitted could send as any sender).  Pure functions
 * over caller memory, unit-tested.
 */
#include <stdio.h>
#include <string.h>

#include "hl7.h"

#define ENTRY_SEP ';'

/* copy_span copies s[0..n) into out (cap bytes); false when it does not
 * fit or is empty. */
static bool
copy_span(const char *s, size_t n, char *out, size_t cap)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= cap)
		return false;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

/* parse_entry reads one "PEER=APP@FACILITY[:TYPE,TYPE]" of e[0..n). */
static bool
parse_entry(const char *e, size_t n, hl7_binding *b)
{
	const char *eq = memchr(e, '=', n);
	const char *colon;
	size_t rest;

	memset(b, 0, sizeof(*b));
	if (eq == NULL ||
	    !copy_span(e, (size_t)(eq - e), b->peer, sizeof(b->peer)))
		return false;
	rest = n - (size_t)(eq + 1 - e);
	colon = memchr(eq + 1, ':', rest);
	if (colon != NULL && !copy_span(colon + 1, rest - (size_t)(colon - eq),
					b->types, sizeof(b->types)))
		return false;
	if (!copy_span(eq + 1, colon ? (size_t)(colon - eq - 1) : rest,
		       b->sender, sizeof(b->sender)))
		return false;
	return strchr(b->sender, '@') != NULL && b->sender[0] != '@';
}

med_err
hl7_bindings_parse(const char *text, hl7_binding *out, size_t cap, size_t *n,
		   char *why, size_t len)
{
	const char *t = text ? text : "";

	*n = 0;
	while (*t != '\0') {
		const char *end = strchr(t, ENTRY_SEP);
		size_t k = end ? (size_t)(end - t) : strlen(t);

		if (strspn(t, " \t") < k) {
			if (*n == cap) {
				snprintf(why, len, "more than %zu entries",
					 cap);
				return MED_ERR_INVALID;
			}
			if (!parse_entry(t, k, &out[*n])) {
				snprintf(why, len,
					 "entry %zu (\"%.*s\"): want "
					 "PEER=APP@FACILITY[:TYPE,TYPE]",
					 *n + 1, (int)(k > 80 ? 80 : k), t);
				return MED_ERR_INVALID;
			}
			(*n)++;
		}
		t += k + (end != NULL);
	}
	return MED_OK;
}

/* type_listed: is type one of the comma-separated types ("" = any)? */
static bool
type_listed(const char *types, const char *type)
{
	size_t n = strlen(type);

	if (types[0] == '\0')
		return true;
	for (const char *t = types; *t != '\0';) {
		size_t k = strcspn(t, ",");

		if (k == n && strncmp(t, type, n) == 0)
			return true;
		t += k + (t[k] == ',');
	}
	return false;
}

/* peer_named: is name one of the peer's names? */
static bool
peer_named(const char *const *peers, size_t n_peers, const char *name)
{
	for (size_t i = 0; i < n_peers; i++)
		if (strcmp(peers[i], name) == 0)
			return true;
	return false;
}

bool
hl7_binding_check(const hl7_binding *b, size_t n, const char *const *peers,
		  size_t n_peers, const char *sender, const char *type,
		  char *why, size_t len)
{
	const char *types = NULL;
	const char *peer = n_peers > 0 ? peers[0] : "PEER";
	int k;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(b[i].sender, sender) != 0 ||
		    !peer_named(peers, n_peers, b[i].peer))
			continue;
		if (type_listed(b[i].types, type))
			return true;
		types = b[i].types;
	}
	if (types != NULL)
		k = snprintf(why, len,
			     "may send as %s only %s messages, not %s", sender,
			     types, type);
	else
		k = snprintf(why, len, "is not bound to the sender %s%s",
			     sender, n == 0 ? " (no sender is bound)" : "");
	if (k >= 0 && (size_t)k < len)
		snprintf(why + k, len - (size_t)k,
			 ": to let it, add the binding %s=%s:%s to "
			 "MED_HL7_SENDERS",
			 peer, sender, type);
	return false;
}

bool
hl7_binding_lists_type(const hl7_binding *b, const char *type)
{
	return type_listed(b->types, type);
}
