/*
 * process.c - one framed message from receipt to ACK: parse it, answer a
 * resend with the stored ACK, apply it to identity or records, store the
 * message with its ACK and changes (the audit event in the same
 * transaction), count it, and only then answer: an AA is never sent for
 * a message the store does not hold.  Also the registry that keeps one
 * live connection per sender.
 */
#include <med/audit.h>
#include <med/codec.h>
#include <med/log.h>
#include <med/util.h>

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl7_svc.h"

/* Memory for one message's peer replies. */
#define APPLY_ARENA_BYTES (4u << 20)

/* --- the message --------------------------------------------------------- */

/* message_key is the request-id stem of a message: a hash of its sender
 * and control id, so that a resend makes the same ids. */
static void
message_key(const hl7_header *h, char out[40])
{
	unsigned char hash[16];
	char in[600];
	int n = snprintf(in, sizeof(in), "%s|%s|%s", h->sending_app,
			 h->sending_facility, h->control_id);

	crypto_generichash(hash, sizeof(hash), (const unsigned char *)in,
			   (size_t)n, NULL, 0);
	memcpy(out, "hl7-", 4);
	med_hex_encode(out + 4, 33, hash, sizeof(hash));
}

med_err
hl7_apply_message(hl7_apply *a, hl7_problem *p)
{
	if (strcmp(a->h->type, "ADT") == 0)
		return hl7_apply_adt(a, p);
	if (strcmp(a->h->type, "ORU") == 0)
		return hl7_apply_oru(a, p);
	return hl7_problem_set(p, "AR", HL7_E_UNSUPPORTED_TYPE, "MSH", 1, 9,
			       "MSH-9: message type \"%s\" is not supported "
			       "(ADT, ORU are)",
			       a->h->type);
}

/* outcome - what happened to one message, for the store and the ACK. */
typedef struct outcome {
	hl7_header h;
	bool have_header; /* its MSH read: the ACK can name the sender */
	bool header_ok;	  /* and it has all an accepted message needs */
	hl7_problem p;
	bool refused;
	bool final;
	bool stored;
	hl7_apply *apply;
} outcome;

/*
 * read_message parses the message.  Its MSH is read first and alone, so
 * that an ACK to a message whose body is bad (or too large to keep)
 * still names its sender and control id.
 */
static med_err
read_message(hl7_state *st, const char *in, size_t len, size_t total,
	     bool oversize, hl7_msg *m, outcome *o)
{
	const char *cr = memchr(in, '\r', len);
	const char *lf = memchr(in, '\n', len);
	size_t msh_len = cr ? (size_t)(cr - in) : len;

	if (lf != NULL && (size_t)(lf - in) < msh_len)
		msh_len = (size_t)(lf - in);
	if (hl7_parse(in, msh_len, m, &o->p) != MED_OK) {
		hl7_problem ignored;

		/* A character set not read here still leaves the MSH split:
		 * its ASCII fields address the AR. */
		o->have_header = m->n_seg == 1 &&
				 hl7_header_read(m, &o->h, &ignored) == MED_OK;
		return MED_ERR_INVALID;
	}
	o->have_header = true;
	if (hl7_header_read(m, &o->h, &o->p) != MED_OK)
		return MED_ERR_INVALID;
	o->header_ok = true;
	if (oversize)
		return hl7_problem_set(&o->p, "AR", HL7_E_SEGMENT_SEQUENCE,
				       "MSH", 1, 0,
				       "the message is %zu bytes, above "
				       "MED_HL7_MAX_MESSAGE_BYTES (%zu)",
				       total, st->max_bytes);
	return hl7_parse(in, len, m, &o->p);
}

static void
apply(hl7_state *st, const hl7_msg *m, outcome *o)
{
	med_arena *arena = med_arena_new(APPLY_ARENA_BYTES);
	med_err err;

	o->apply->st = st;
	o->apply->m = m;
	o->apply->h = &o->h;
	o->apply->arena = arena;
	message_key(&o->h, o->apply->key);
	if (arena == NULL) {
		(void)hl7_problem_set(&o->p, "AR", HL7_E_INTERNAL, "", 0, 0,
				      "out of memory; send it again later");
		o->refused = true;
		return;
	}
	err = hl7_apply_message(o->apply, &o->p);
	o->refused = err != MED_OK;
	o->final = err != MED_ERR_UNAVAILABLE;
	med_arena_free(arena);
}

static void
store(hl7_state *st, const hl7_peer *peer, const char *in, size_t len,
      size_t total, outcome *o, const char *ack, size_t ack_len)
{
	hl7_record r = {
		.received_ms = med_now_ms(),
		.header = &o->h,
		.patient_mrn = o->apply->mrn,
		.patient_id = o->apply->patient_id,
		.ack_code = o->refused ? o->p.ack : "AA",
		.error = o->refused ? o->p.text : "",
		.message = in,
		.message_len = len,
		.size_bytes = total,
		.ack = ack,
		.ack_len = ack_len,
		.changes = o->apply->changes,
		.peer = peer->label,
		.final = o->final && o->header_ok,
	};
	med_err err = hl7_store_put(st->db, st->audit, &r, st->retention_ms);

	o->stored = err == MED_OK;
	if (o->stored)
		return;
	/* Not stored: no AA may go out, and the sender must send it again
	 * (the peers' request logs keep a second write from happening). */
	med_log_error("hl7: storing message %s from %s: %s", o->h.control_id,
		      o->h.sending_app, med_strerror(err));
	if (err == MED_ERR_EXISTS)
		/* The same control id committed meanwhile through another
		 * connection (a sender that resent before its first ACK came
		 * back): sent again, it gets that message's stored ACK. */
		(void)hl7_problem_set(&o->p, "AR", HL7_E_INTERNAL, "MSH", 1, 10,
				      "MSH-10: control id %s was stored "
				      "meanwhile from another connection; send "
				      "it again for its ACK",
				      o->h.control_id);
	else
		(void)hl7_problem_set(&o->p, "AR", HL7_E_INTERNAL, "", 0, 0,
				      "the message store is unavailable; send "
				      "the message again later");
	o->refused = true;
	o->final = false;
}

/* check_sender keeps a connection to the one sender its first message
 * named (a sender's newer connection takes over from its older one: the
 * listener closes that one). */
static bool
check_sender(const hl7_header *h, char *sender, size_t cap, hl7_problem *p)
{
	char name[260];

	snprintf(name, sizeof(name), "%s@%s", h->sending_app,
		 h->sending_facility);
	if (sender[0] != '\0' && strcmp(sender, name) == 0)
		return true;
	if (sender[0] != '\0') {
		(void)hl7_problem_set(p, "AR", HL7_E_INTERNAL, "MSH", 1, 3,
				      "MSH-3/MSH-4: this connection carries "
				      "%s; open one connection per sender",
				      sender);
		return false;
	}
	med_strlcpy(sender, name, cap);
	return true;
}

/*
 * resent answers a resend from the store: the same content under a
 * control id already answered gets the stored ACK (audited, nothing
 * applied).  Another message under that control id is refused AR, kept in
 * the store for review and audited, never answered AA unapplied: a sender
 * who reuses an id, or an impostor who took it first, is seen.
 */
static bool
resent(hl7_state *st, outcome *o, const char *in, size_t in_len, char *ack,
       size_t cap, size_t *len)
{
	hl7_replay replay = HL7_REPLAY_NONE;
	int64_t stored_id = 0;

	if (!o->header_ok ||
	    hl7_store_find_ack(st->db, &o->h, in, in_len, ack, cap, len,
			       &replay, &stored_id) != MED_OK)
		return false;
	if (replay == HL7_REPLAY_OTHER) {
		*len = 0;
		(void)hl7_problem_set(
			&o->p, "AR", HL7_E_INTERNAL, "MSH", 1, 10,
			"MSH-10: control id %s of %s@%s answered another "
			"message already (stored message %lld); this one "
			"differs, was not applied and is kept for review: send "
			"it with a new control id",
			o->h.control_id, o->h.sending_app,
			o->h.sending_facility, (long long)stored_id);
		o->refused = true;
		o->final = false;
		return false;
	}
	if (replay != HL7_REPLAY_SAME)
		return false;
	if (hl7_store_audit_resend(st->db, st->audit, &o->h, stored_id) !=
	    MED_OK)
		med_log_warn("hl7: the resend of %s could not be audited",
			     o->h.control_id);
	return true;
}

static void
answer(const outcome *o, int64_t now_ms, char *ack, size_t cap, size_t *len)
{
	if (hl7_ack_build(o->have_header ? &o->h : NULL,
			  o->refused ? &o->p : NULL, now_ms, ack, cap,
			  len) != MED_OK)
		*len = 0;
}

/* check_binding: the peer may send this message as its sender
 * (MED_HL7_SENDERS); otherwise AR naming the peer and the sender. */
static bool
check_binding(const hl7_state *st, const hl7_peer *peer, const hl7_header *h,
	      hl7_problem *p)
{
	char sender[260], why[700];

	snprintf(sender, sizeof(sender), "%s@%s", h->sending_app,
		 h->sending_facility);
	if (hl7_binding_check(st->bindings, st->n_bindings, peer->names,
			      peer->n_names, sender, h->type, why, sizeof(why)))
		return true;
	(void)hl7_problem_set(p, "AR", HL7_E_INTERNAL, "MSH", 1, 3,
			      "MSH-3/MSH-4: the peer (%s) %s",
			      peer->label[0] ? peer->label : "unknown", why);
	return false;
}

/* --- a message in a multibyte set --------------------------------------- */

/* wire - a message as it came and as it is read: one in a multibyte set
 * (GB 18030, GBK: MSH-18) is decoded into UTF-8 as a whole before it is
 * parsed, stored and applied, and its ACK goes back in that set. */
typedef struct wire {
	char name[32];	  /* MSH-18 as sent */
	const char *set;  /* iconv's name of it; NULL: read as it stands */
	const char *text; /* what is parsed, compared and stored */
	size_t len;
	char *decoded;
	bool bad;   /* not of its set (or not decodable now): p says why */
	bool final; /* the refusal stands for a resend too */
	hl7_problem p;
} wire;

static void
wire_decode(wire *w, const char *in, size_t len, bool oversize)
{
	size_t cap = 2 * len + 1, n = 0;
	med_err err;

	w->text = in;
	w->len = len;
	w->set = hl7_wire_charset(in, len, w->name, sizeof(w->name));
	/* An oversized message's head is cut anywhere: it is refused and
	 * kept as sent. */
	if (w->set == NULL || oversize)
		return;
	w->decoded = malloc(cap);
	err = w->decoded == NULL ? MED_ERR_NOMEM
				 : hl7_decode(w->set, w->name, in, len,
					      w->decoded, cap, &n, &w->p);
	if (err == MED_OK) {
		w->text = w->decoded;
		w->len = n;
		return;
	}
	w->bad = true;
	w->final = err == MED_ERR_INVALID;
	if (!w->final)
		(void)hl7_problem_set(&w->p, "AR", HL7_E_INTERNAL, "MSH", 1, 18,
				      "MSH-18: the message could not be "
				      "decoded from %s now (%s); send it "
				      "again later",
				      w->name, med_strerror(err));
}

/* wire_encode turns the ACK into the sender's multibyte set; when it
 * cannot, nothing is sent (the sender sends the message again). */
static void
wire_encode(const wire *w, char *ack, size_t cap, size_t *len)
{
	const char *set = w->set ? hl7_charset_encoder(w->name) : NULL;
	char *out;
	size_t n = 0;

	if (set == NULL || *len == 0)
		return;
	out = malloc(cap);
	if (out == NULL || hl7_encode(set, ack, *len, out, cap, &n) != MED_OK) {
		med_log_error("hl7: an ACK could not be encoded in %s", set);
		n = 0;
	}
	if (n > 0)
		memcpy(ack, out, n);
	*len = n;
	free(out);
}

/* wire_refuse takes the decoding's refusal once the header is read (the
 * binding checked, a resend answered from the store). */
static void
wire_refuse(const wire *w, outcome *o)
{
	o->p = w->p;
	o->final = w->final;
	o->refused = true;
}

void
hl7_process(hl7_state *st, const hl7_peer *peer, const char *in, size_t len,
	    size_t total, bool oversize, char *sender, size_t sender_cap,
	    char *ack, size_t ack_cap, size_t *ack_len)
{
	hl7_apply *ap = calloc(1, sizeof(*ap));
	hl7_segment *segs = calloc(HL7_MAX_SEGMENTS, sizeof(*segs));
	hl7_msg m = {.seg = segs, .cap_seg = HL7_MAX_SEGMENTS};
	outcome o = {.apply = ap, .final = true};
	wire w = {0};
	int64_t now_ms = med_now_ms();

	*ack_len = 0;
	if (ap == NULL || segs == NULL) {
		(void)hl7_problem_set(&o.p, "AR", HL7_E_INTERNAL, "", 0, 0,
				      "out of memory");
		o.refused = true;
		answer(&o, now_ms, ack, ack_cap, ack_len);
		goto done;
	}
	wire_decode(&w, in, len, oversize);
	if (read_message(st, w.text, w.len, total, oversize, &m, &o) !=
		    MED_OK &&
	    !(w.bad && o.header_ok)) {
		if (w.bad)
			wire_refuse(&w, &o);
		o.refused = true;
	} else if (!check_binding(st, peer, &o.h, &o.p) ||
		   !check_sender(&o.h, sender, sender_cap, &o.p)) {
		o.refused = true;
		o.final = false;
	} else if (resent(st, &o, w.text, w.len, ack, ack_cap, ack_len)) {
		hl7_metrics_count(st, &o.h, "resent");
		goto done;
	} else if (w.bad && !o.refused) {
		wire_refuse(&w, &o);
	} else if (!o.refused) {
		apply(st, &m, &o);
	}
	answer(&o, now_ms, ack, ack_cap, ack_len);
	store(st, peer, w.text, w.len, total, &o, ack, *ack_len);
	/* Not stored: the AA became an AR, and that is what goes out. */
	if (!o.stored)
		answer(&o, now_ms, ack, ack_cap, ack_len);
	hl7_metrics_count(st, o.have_header ? &o.h : NULL,
			  o.refused ? o.p.ack : "AA");
done:
	wire_encode(&w, ack, ack_cap, ack_len);
	free(w.decoded);
	free(segs);
	free(ap);
}
