/*
 * peers.c - the HL7 service's calls to identity and records: mutual TLS
 * as the service principal (service:hl7), a request id per write derived
 * from the message (a resend after a lost ACK repeats the same ids, and
 * the peer's request log answers it without a second write), and the
 * peer's refusal turned into the ACK's ERR segment.
 */
#include <med/log.h>
#include <med/util.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hl7_svc.h"

/* How long one peer call may take: the sender waits for the ACK. */
#define PEER_DEADLINE_MS 10000

void
hl7_note(hl7_apply *a, const char *fmt, ...)
{
	va_list ap;
	size_t room = sizeof(a->changes) - a->changes_len;
	int n;

	if (room < 2)
		return;
	if (a->changes_len > 0) {
		a->changes[a->changes_len++] = '\n';
		room--;
	}
	va_start(ap, fmt);
	n = vsnprintf(a->changes + a->changes_len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		a->changes_len += (size_t)n < room ? (size_t)n : room - 1;
}

/* PV1's fields by the name identity gives a visit's field in a refusal
 * ("attending: must not be empty"): the sender must be pointed at the
 * field it filled, not at the segment's first one. */
static int
pv1_field_of(const char *message, int field)
{
	static const struct {
		const char *name;
		int field;
	} names[] = {{"attending", 7}, {"encounter_class", 2},
		     {"unit", 3},      {"ward", 3},
		     {"room", 3},      {"bed", 3}};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i].name);
		if (strncmp(message, names[i].name, n) == 0 &&
		    message[n] == ':')
			return names[i].field;
	}
	return field;
}

/* refusal turns the peer's answer to a bad request into the ACK's ERR:
 * the value came from segment-field, so that is where the sender looks. */
static med_err
refusal(med_err err, const med_rpc_status *s, const char *segment, int field,
	hl7_problem *p)
{
	int code = err == MED_ERR_NOT_FOUND ? HL7_E_UNKNOWN_KEY
		   : err == MED_ERR_EXISTS  ? HL7_E_DUPLICATE_KEY
		   : err == MED_ERR_INVALID ? HL7_E_DATA_TYPE
					    : HL7_E_INTERNAL;

	if (strcmp(segment, "PV1") == 0)
		field = pv1_field_of(s->message, field);
	return hl7_problem_set(p, "AE", code, segment, 1, field, "%s-%d: %s",
			       segment, field, s->message);
}

static bool
is_refusal(med_err err)
{
	return err == MED_ERR_INVALID || err == MED_ERR_NOT_FOUND ||
	       err == MED_ERR_EXISTS || err == MED_ERR_PRECONDITION ||
	       err == MED_ERR_CONFLICT;
}

med_err
hl7_peer_call(hl7_apply *a, med_channel *ch, const char *path,
	      const ProtobufCMessage *req,
	      const ProtobufCMessageDescriptor *desc, const char *op,
	      const char *segment, int field, ProtobufCMessage **out,
	      hl7_problem *p, int *code)
{
	char rid[128];
	med_call_opts o = {.deadline_ms = PEER_DEADLINE_MS,
			   .idempotent = true,
			   .max_attempts = 2};
	med_rpc_status s = {0};
	med_err err;

	if (ch == NULL) {
		(void)hl7_problem_set(p, "AR", HL7_E_INTERNAL, "", 0, 0,
				      "%s is not configured on this service",
				      path);
		return MED_ERR_UNAVAILABLE;
	}
	if (op != NULL) {
		snprintf(rid, sizeof(rid), "%s-%s", a->key, op);
		o.request_id = rid;
	}
	err = med_channel_unary(ch, path, req, desc, a->arena, &o, out, &s);
	if (err == MED_OK)
		return MED_OK;
	if (code != NULL)
		*code = (int)err;
	if (is_refusal(err)) {
		(void)refusal(err, &s, segment, field, p);
		return MED_ERR_INVALID;
	}
	med_log_warn("hl7: %s: %s", path,
		     s.message[0] ? s.message : med_strerror(err));
	(void)hl7_problem_set(p, "AR", HL7_E_INTERNAL, "", 0, 0,
			      "%s failed (%s); send the message again later",
			      path,
			      s.message[0] ? s.message : med_strerror(err));
	return MED_ERR_UNAVAILABLE;
}

/* open_peer opens a mutual-TLS channel to url_key's address, or leaves
 * *out NULL when the setting is empty. */
static med_err
open_peer(const med_config *c, const char *url_key, const char *name_key,
	  med_channel **out)
{
	const char *url = med_config_str(c, url_key);

	*out = NULL;
	if (url == NULL || url[0] == '\0') {
		med_log_warn("hl7: %s is not set: messages for it get AR",
			     url_key);
		return MED_OK;
	}
	return med_channel_dial(c, url, med_config_str(c, name_key), url_key,
				out);
}

med_err
hl7_peers_open(hl7_state *st, const med_config *c)
{
	med_err err = open_peer(c, HL7_IDENTITY_URL_KEY, HL7_IDENTITY_NAME_KEY,
				&st->identity);

	if (err == MED_OK)
		err = open_peer(c, HL7_RECORDS_URL_KEY, HL7_RECORDS_NAME_KEY,
				&st->records);
	if (err != MED_OK)
		hl7_peers_close(st);
	return err;
}

void
hl7_peers_close(hl7_state *st)
{
	med_channel_close(st->identity);
	med_channel_close(st->records);
	st->identity = NULL;
	st->records = NULL;
}
