/*
 * break_glass_metrics.c - the break-glass counters: grants started and
 * ended early, starts refused by the rate limit.  Below the handlers that
 * count (handlers_break_glass.c) and start.c, which creates them at 0.
 */
#include <med/metrics.h>

#include <stdio.h>

#include "identity.h"

/* identity_bg_grant_counter is smartmed_break_glass_grants_total{event}. */
med_counter *
identity_bg_grant_counter(med_metrics *m, const char *event)
{
	char labels[32];

	snprintf(labels, sizeof(labels), "event=\"%s\"", event);
	return med_metrics_counter(
		m, "smartmed_break_glass_grants_total",
		"Break-glass grants started and ended early (StartBreakGlass, "
		"EndBreakGlass).",
		labels);
}

/*
 * identity_bg_throttled_counter is smartmed_break_glass_throttled_total: starts
 * refused because their user reached the rate limit (the alert
 * SmartmedBreakGlassThrottled).
 */
med_counter *
identity_bg_throttled_counter(med_metrics *m)
{
	return med_metrics_counter(
		m, "smartmed_break_glass_throttled_total",
		"Break-glass starts refused because their user reached "
		"MED_BREAK_GLASS_MAX_PER_HOUR.",
		"");
}

void
identity_break_glass_metrics(struct med_metrics *m)
{
	/* Every series at 0 from start-up: the dashboard's panels show 0, not
	 * "No data", and increase() sees the first grant or refusal too. */
	identity_bg_grant_counter(m, "start");
	identity_bg_grant_counter(m, "end");
	identity_bg_throttled_counter(m);
}
