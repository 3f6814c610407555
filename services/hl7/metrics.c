/*
 * metrics.c - the service's per-sender series: each message counted by
 * type, trigger, outcome and sender, and when each sender was last heard
 * from (the silent-sender alert reads it).  Every bound sender's series
 * exist from start (issue 77): its counters at zero, and its last-message
 * time as the message store holds it, so that a feed that stopped before
 * a restart still raises the alert instead of vanishing from /metrics.
 */
#include <med/log.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "hl7_svc.h"

#define MESSAGES "smartmed_hl7_messages_total"
#define MESSAGES_HELP                                                          \
	"HL7 messages by type, trigger, outcome (AA, AE, AR, resent) and "     \
	"sender"
#define LAST	  "smartmed_hl7_sender_last_message_seconds"
#define LAST_HELP "when the sender's last message arrived, Unix seconds"

static const char *const outcomes[] = {"AA", "AE", "AR", "resent"};

/* The triggers each type is applied for (map_adt.c, map_oru.c): a bound
 * sender's zero series. */
static const struct {
	const char *type;
	const char *triggers[10];
} applied[] = {
	{"ADT",
	 {"A01", "A02", "A03", "A04", "A08", "A12", "A28", "A31", "A40", NULL}},
	{"ORU", {"R01", NULL}},
};

/* messages is the counter of one type, trigger, outcome and sender (label
 * values already safe). */
static med_counter *
messages(hl7_state *st, const char *type, const char *trigger,
	 const char *outcome, const char *sender)
{
	char labels[400];

	snprintf(labels, sizeof(labels),
		 "type=\"%s\",trigger=\"%s\",outcome=\"%s\",sender=\"%s\"",
		 type, trigger, outcome, sender);
	return med_metrics_counter(st->metrics, MESSAGES, MESSAGES_HELP,
				   labels);
}

/* last_message is the sender's last-message gauge (label value safe). */
static med_gauge *
last_message(hl7_state *st, const char *sender)
{
	char labels[300];

	snprintf(labels, sizeof(labels), "sender=\"%s\"", sender);
	return med_metrics_gauge(st->metrics, LAST, LAST_HELP, labels);
}

void
hl7_metrics_count(hl7_state *st, const hl7_header *h, const char *outcome)
{
	char type[8], trigger[8], sender[260];
	med_counter *c;
	med_gauge *g;

	snprintf(type, sizeof(type), "%s", h && h->type[0] ? h->type : "?");
	snprintf(trigger, sizeof(trigger), "%s",
		 h && h->trigger[0] ? h->trigger : "?");
	snprintf(sender, sizeof(sender), "%s@%s",
		 h && h->sending_app[0] ? h->sending_app : "unknown",
		 h ? h->sending_facility : "");
	med_metrics_label_safe(type);
	med_metrics_label_safe(trigger);
	med_metrics_label_safe(sender);
	if ((c = messages(st, type, trigger, outcome, sender)) != NULL)
		med_counter_add(c, 1);
	if ((g = last_message(st, sender)) != NULL)
		med_gauge_set(g, (double)med_now_ms() / 1000.0);
}

/* zero_series creates the counters of every type b lets its sender send,
 * at zero. */
static void
zero_series(hl7_state *st, const hl7_binding *b, const char *sender)
{
	for (size_t i = 0; i < sizeof(applied) / sizeof(applied[0]); i++) {
		if (!hl7_binding_lists_type(b, applied[i].type))
			continue;
		for (size_t t = 0; applied[i].triggers[t] != NULL; t++)
			for (size_t o = 0; o < 4; o++)
				(void)messages(st, applied[i].type,
					       applied[i].triggers[t],
					       outcomes[o], sender);
	}
}

/* restore_last sets the sender's last-message gauge to its newest stored
 * message, or to now_ms when the store holds none or cannot be read (the
 * alert then counts the silence from the start). */
static void
restore_last(hl7_state *st, const char *sender, const char *label,
	     int64_t now_ms)
{
	const char *at = strchr(sender, '@');
	med_gauge *g = last_message(st, label);
	int64_t ms = now_ms;
	char app[260];
	med_err err;

	if (at == NULL || g == NULL)
		return;
	snprintf(app, sizeof(app), "%.*s", (int)(at - sender), sender);
	err = hl7_store_last_received(st->db, app, at + 1, &ms);
	if (err != MED_OK && err != MED_ERR_NOT_FOUND)
		med_log_warn("hl7: the last message of %s cannot be read from "
			     "the store (%s): its silence counts from now",
			     sender, med_strerror(err));
	med_gauge_set(g, (double)ms / 1000.0);
}

/* bound_before: is b[i]'s sender also b[j]'s for some j < i? */
static bool
bound_before(const hl7_binding *b, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(b[j].sender, b[i].sender) == 0)
			return true;
	return false;
}

void
hl7_metrics_start(hl7_state *st)
{
	int64_t now_ms = med_now_ms();

	for (size_t i = 0; i < st->n_bindings; i++) {
		const hl7_binding *b = &st->bindings[i];
		char label[sizeof(b->sender)];

		snprintf(label, sizeof(label), "%s", b->sender);
		med_metrics_label_safe(label);
		zero_series(st, b, label);
		if (!bound_before(st->bindings, i))
			restore_last(st, b->sender, label, now_ms);
	}
}
