/*
 * mar.c - the ward round's schedule, without I/O or clock: an order's
 * scheduled times, what was charted for each, when the order was on hold,
 * and when an as-needed dose may next be given.
 *
 * Scheduled times are fixed by the order: its start_ms plus whole
 * intervals of its frequency, up to its end (or its discontinuation or
 * replacement), so a late dose does not move the ones after it.  From
 * DOSAGE_WALL_MIN_INTERVAL_MS the intervals are counted in the ward's
 * wall-clock time, so that a daily 08:00 dose is at 08:00 on both sides of
 * a clock change (a grid, below).
 */
#include <med/arena.h>
#include <med/util.h>

#include <stdint.h>
#include <string.h>

#include "dosage.h"
#include "catalogue.h"
#include "checks.h"
#include "dose.h"
#include "orders.h"
#include "mar.h"

#define ST(x)		     SMARTMED__DOSAGE__V1__ORDER_STATUS__ORDER_STATUS_##x
#define SLOT(x)		     SMARTMED__DOSAGE__V1__MAR_SLOT_STATE__MAR_SLOT_STATE_##x
#define ONCE_LATE	     (24LL * 3600 * 1000) /* a "once" dose is missed after */
#define SEARCH_RESOLUTION_MS 1000
/* The longest interval whose overdue dose a later one makes up: the MAR
 * reads administrations half a week around its window (store_mar.c), so a
 * day's orders always have the slot before in reach. */
#define MAKE_UP_MAX_INTERVAL_MS (24LL * 3600 * 1000)

typedef Smartmed__Dosage__V1__MarSlot mar_slot;
typedef Smartmed__Dosage__V1__MarSlotState slot_state;

/* order_interval gives o's interval (0 for "once"); false when o has no
 * scheduled times. */
static bool
order_interval(const dosage_order *o, int64_t *interval_ms)
{
	bool prn = false;

	if (o->prn || dosage_dose_frequency_parse(o->frequency, interval_ms,
						  &prn) != MED_OK)
		return false;
	return !prn;
}

int64_t
dosage_order_from_ms(const dosage_order *o)
{
	/* A later version keeps its predecessor's schedule (a renewal, a
	 * back-dated modification) but is in force only from when it was
	 * made: the times before are its predecessor's. */
	if (o->replaces_order_id && o->replaces_order_id[0] &&
	    o->created_ms > o->start_ms)
		return o->created_ms;
	return o->start_ms;
}

int64_t
dosage_order_stop_ms(const dosage_order *o)
{
	int64_t stop = INT64_MAX;

	/* A dose at the end itself is still in the order. */
	if (o->end_ms != 0)
		stop = med_time_add_ms(o->end_ms, 1);
	if (o->status == ST(STOPPED) && o->discontinued_ms < stop)
		stop = o->discontinued_ms;
	if (o->status == ST(SUPERSEDED) && o->replaced_ms < stop)
		stop = o->replaced_ms;
	return stop;
}

static int64_t
end_clamped(const dosage_order *o)
{
	return o->end_ms < MED_TIME_MAX_MS ? o->end_ms : MED_TIME_MAX_MS;
}

/* --- the grid: slot k of an order ---------------------------------------- */

/* grid - an order's scheduled times: slot k is its start plus k intervals,
 * counted in the zone's wall-clock time when wall is set (the zone's
 * offset at each slot, not at the start). */
typedef struct grid {
	dosage_zone *zone;
	int64_t start, interval, start_wall;
	bool wall;
} grid;

static void
grid_init(grid *g, dosage_zone *z, int64_t start_ms, int64_t interval_ms)
{
	g->zone = z;
	g->start = start_ms;
	g->interval = interval_ms;
	g->wall = z != NULL && interval_ms >= DOSAGE_WALL_MIN_INTERVAL_MS;
	g->start_wall = g->wall ? dosage_zone_wall_ms(z, start_ms) : start_ms;
}

/* grid_at is slot k's time (k >= 0). */
static int64_t
grid_at(const grid *g, int64_t k)
{
	if (g->interval == 0 || k == 0)
		return g->start;
	if (!g->wall)
		return g->start + k * g->interval;
	return dosage_zone_utc_ms(g->zone, g->start_wall + k * g->interval);
}

/* grid_clock is t on the grid's clock. */
static int64_t
grid_clock(const grid *g, int64_t t)
{
	return g->wall ? dosage_zone_wall_ms(g->zone, t) : t;
}

static int64_t
gap(int64_t a, int64_t b)
{
	return a > b ? a - b : b - a;
}

/* grid_nearest is the slot nearest t (0 up to the start). */
static int64_t
grid_nearest(const grid *g, int64_t t)
{
	int64_t k, best;

	if (g->interval == 0 || t <= g->start)
		return 0;
	k = (grid_clock(g, t) - g->start_wall + g->interval / 2) / g->interval;
	if (!g->wall)
		return k;
	/* The wall clock jumps at a change: the nearest may be a
	 * neighbour. */
	best = k;
	for (int64_t j = k - 1; j <= k + 1; j++)
		if (j >= 0 && gap(grid_at(g, j), t) < gap(grid_at(g, best), t))
			best = j;
	return best;
}

/* grid_first is the first slot at or after lo. */
static int64_t
grid_first(const grid *g, int64_t lo)
{
	int64_t k;

	if (g->interval == 0 || lo <= g->start)
		return 0;
	k = (grid_clock(g, lo) - g->start_wall + g->interval - 1) / g->interval;
	if (!g->wall)
		return k;
	while (k > 0 && grid_at(g, k - 1) >= lo)
		k--;
	while (grid_at(g, k) < lo)
		k++;
	return k;
}

/* grid_last is the last slot at or before end (>= the start). */
static int64_t
grid_last(const grid *g, int64_t end)
{
	int64_t k = (grid_clock(g, end) - g->start_wall) / g->interval;

	if (!g->wall)
		return k;
	while (k > 0 && grid_at(g, k) > end)
		k--;
	while (grid_at(g, k + 1) <= end)
		k++;
	return k;
}

bool
dosage_order_slot(const dosage_order *o, dosage_zone *zone, int64_t t_ms,
		  int64_t *slot_ms)
{
	int64_t iv, k, k_last;
	grid g;

	if (!dosage_order_times_ok(o) || !order_interval(o, &iv))
		return false;
	if (iv == 0) {
		*slot_ms = o->start_ms;
		return true;
	}
	grid_init(&g, zone, o->start_ms, iv);
	k = grid_nearest(&g, t_ms);
	if (o->end_ms != 0 && o->end_ms >= o->start_ms) {
		/* A stored end past the bounds runs on like no end. */
		k_last = grid_last(&g, end_clamped(o));
		if (k > k_last)
			k = k_last;
	}
	*slot_ms = grid_at(&g, k);
	return true;
}

size_t
dosage_hold_spans(const dosage_order *o, const dosage_hold_rows *ev,
		  dosage_hold_span *spans, size_t cap)
{
	size_t n = 0;
	int64_t open = -1;

	for (size_t i = 0; i < ev->n && n < cap; i++) {
		const dosage_hold_event *e = &ev->items[i];

		if (strcmp(e->order_id, o->id) != 0)
			continue;
		if (e->held && open < 0) {
			open = e->time_ms;
		} else if (!e->held) {
			/* Resumed without a hold of its own: the version
			 * carried its predecessor's hold from held_ms. */
			int64_t from = open >= 0 ? open : o->held_ms;

			if (from > 0)
				spans[n++] =
					(dosage_hold_span){from, e->time_ms};
			open = -1;
		}
	}
	/* A version made from a held order is held from the hold it
	 * carried, without a change of its own. */
	if (open < 0 && o->status == ST(ON_HOLD))
		open = o->held_ms;
	if (open >= 0 && n < cap)
		spans[n++] = (dosage_hold_span){open, INT64_MAX};
	return n;
}

/* late_ms is how long after its time a dose nobody charted may still be
 * given: half the interval (a "once" dose: a day), at least the grace. */
static int64_t
late_ms(int64_t interval)
{
	int64_t late = interval > 0 ? interval / 2 : ONCE_LATE;

	return late < DOSAGE_DUE_GRACE_MS ? DOSAGE_DUE_GRACE_MS : late;
}

/* held_for: is the uncharted dose at slot held?  When the order was on
 * hold at its time, or a hold began while the dose was still open (due or
 * late) and by now: a hold stops the doses it finds open, so none of
 * them reads as "late, may still be given", even once resumed. */
static bool
held_for(const dosage_hold_span *h, size_t n, int64_t slot, int64_t interval,
	 int64_t now)
{
	int64_t open_to = med_time_add_ms(slot, late_ms(interval));

	if (open_to > now)
		open_to = now;
	for (size_t i = 0; i < n; i++) {
		if (slot >= h[i].from_ms && slot < h[i].to_ms)
			return true;
		if (h[i].from_ms > slot && h[i].from_ms <= open_to)
			return true;
	}
	return false;
}

/* uncharted_state is where a dose nobody charted stands at now. */
static slot_state
uncharted_state(int64_t slot, int64_t interval, int64_t now)
{
	int64_t late = late_ms(interval);

	if (now < slot)
		return SLOT(UPCOMING);
	if (now <= slot + DOSAGE_DUE_GRACE_MS)
		return SLOT(DUE);
	if (now <= slot + late)
		return SLOT(LATE);
	return SLOT(MISSED);
}

/* slot_list - the scheduled times of one order in a window. */
typedef struct slot_list {
	mar_slot **items;
	size_t n, cap;
	grid g;
	int64_t start, interval, k0; /* items[i] is grid slot k0 + i */
	int64_t now_ms;
	bool earlier_unlisted; /* the order has slots before items[0] */
	const char *order_id;
	const dosage_hold_span *holds;
	size_t n_holds;
	dosage_admin *const *admins;
	size_t n_admins;
} slot_list;

/* refused_at: was a not-given record charted for the slot at t? */
static bool
refused_at(const slot_list *l, int64_t t)
{
	for (size_t i = 0; i < l->n_admins; i++) {
		const dosage_admin *m = l->admins[i];

		if (m->scheduled_ms == t &&
		    strcmp(m->status, DOSAGE_ADMIN_NOT_DONE) == 0 &&
		    strcmp(m->order_id, l->order_id) == 0)
			return true;
	}
	return false;
}

/* is_open: nobody charted the slot at s (given or not) and no hold took
 * it by t. */
static bool
is_open(const slot_list *l, const mar_slot *s, int64_t t)
{
	return !s->administration_id[0] && !refused_at(l, s->scheduled_ms) &&
	       !held_for(l->holds, l->n_holds, s->scheduled_ms, l->interval, t);
}

/*
 * made_up decides whether a dose given at t with no scheduled time, whose
 * nearest slot is items[idx] (idx may lie outside the list), makes up the
 * slot before that one instead: when the order is daily or more frequent,
 * t is more than the grace before the nearest slot's time (not that dose,
 * given a little early) and the slot before is still open at t.  A nurse
 * giving an overdue dose gives that dose: the ward list's overdue count
 * drops and the next dose stays to come.  True when it does; *owed is
 * then the slot, or NULL when it is not listed here.
 */
static bool
made_up(const slot_list *l, int64_t idx, int64_t t, mar_slot **owed)
{
	int64_t k = idx + l->k0;

	*owed = NULL;
	if (l->interval > MAKE_UP_MAX_INTERVAL_MS || k < 1 ||
	    t >= grid_at(&l->g, k) - DOSAGE_DUE_GRACE_MS)
		return false;
	if (idx - 1 < 0)
		return l->earlier_unlisted;
	if (idx - 1 >= (int64_t)l->n)
		return true;
	*owed = l->items[idx - 1];
	return is_open(l, *owed, t);
}

/* slot_for finds the free slot an administration answers: its scheduled
 * time when it names one, else the slot nearest its time within half an
 * interval, or the overdue one before it that the dose makes up
 * (made_up).  NULL when none. */
static mar_slot *
slot_for(const slot_list *l, const dosage_admin *m)
{
	int64_t t = m->scheduled_ms ? m->scheduled_ms : m->effective_ms;
	int64_t idx = 0, d;
	mar_slot *owed;

	/* A stored time out of the bounds answers no slot (and no
	 * arithmetic on it). */
	if (l->n == 0 || !med_time_ms_valid(t))
		return NULL;
	if (l->interval > 0) {
		if (t < l->start - l->interval / 2)
			return NULL;
		idx = grid_nearest(&l->g, t) - l->k0;
		if (m->scheduled_ms == 0 && made_up(l, idx, t, &owed))
			return owed;
		if (idx < 0 || (size_t)idx >= l->n)
			return NULL;
	}
	d = t - l->items[idx]->scheduled_ms;
	if (m->scheduled_ms ? d != 0
			    : l->interval > 0 && (d > l->interval / 2 ||
						  -d > l->interval / 2))
		return NULL;
	return l->items[idx]->administration_id[0] ? NULL : l->items[idx];
}

bool
dosage_admin_overdue(const dosage_admin *m, int64_t now_ms)
{
	return strcmp(m->status, DOSAGE_ADMIN_ON_HOLD) == 0 &&
	       med_time_sub_ms(now_ms, m->recorded_ms) >
		       DOSAGE_CONFIRM_WINDOW_MS;
}

/* chart puts administration m on slot s, as it stands at now_ms. */
static void
chart(mar_slot *s, const dosage_admin *m, bool given, int64_t now_ms)
{
	s->confirmation_overdue = dosage_admin_overdue(m, now_ms);
	s->state = given ? SLOT(GIVEN) : SLOT(NOT_GIVEN);
	/* A high-alert dose nobody has confirmed yet waits for its second
	 * check: never shown as given (issue 47). */
	if (given && strcmp(m->status, DOSAGE_ADMIN_ON_HOLD) == 0)
		s->state = SLOT(AWAITING_COSIGN);
	s->administration_id = m->id;
	s->administration_status = m->status;
	s->charted_ms = given ? m->effective_ms : m->recorded_ms;
	if (given) {
		s->dose = m->dose;
		s->unit = m->unit;
		s->dose_deviation_summary = m->dose_deviation_summary;
		s->dose_deviation = m->dose_deviation;
	} else {
		s->not_given_reason = m->not_given_reason;
		s->not_given_text = m->not_given_text;
	}
}

static bool
counted(const dosage_admin *m)
{
	return strcmp(m->status, DOSAGE_ADMIN_COMPLETED) == 0 ||
	       strcmp(m->status, DOSAGE_ADMIN_ON_HOLD) == 0;
}

/* match charts o's administrations on the slots: doses given first (a
 * dose given answers its slot even when a refusal was charted for it),
 * then doses not given. */
static void
match(slot_list *l, const dosage_order *o, dosage_admin *const *admins,
      size_t n)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			const dosage_admin *m = admins[i];
			bool given = counted(m);
			mar_slot *s;

			if (strcmp(m->order_id, o->id) != 0 ||
			    given != (pass == 0) ||
			    (!given &&
			     strcmp(m->status, DOSAGE_ADMIN_NOT_DONE) != 0))
				continue;
			if ((s = slot_for(l, m)) != NULL)
				chart(s, m, given, l->now_ms);
		}
}

/* list_slots makes o's slots in [lo, hi). */
static med_err
list_slots(med_arena *a, const dosage_order *o, int64_t lo, int64_t hi,
	   slot_list *l)
{
	int64_t t;

	if (l->interval == 0) {
		l->k0 = 0;
		t = o->start_ms >= lo && o->start_ms < hi ? o->start_ms : hi;
	} else {
		l->k0 = grid_first(&l->g, lo);
		t = grid_at(&l->g, l->k0);
	}
	for (int64_t k = l->k0; t < hi && l->n < DOSAGE_MAR_MAX_SLOTS;
	     t = grid_at(&l->g, ++k)) {
		mar_slot *s = med_arena_push_msg(
			a, (void ***)&l->items, &l->n, &l->cap,
			&smartmed__dosage__v1__mar_slot__descriptor);

		if (s == NULL)
			return MED_ERR_NOMEM;
		s->scheduled_ms = t;
		if (l->interval == 0)
			break;
	}
	return MED_OK;
}

/* list_from is where o's slots are listed from for a window that starts
 * at from_ms: one interval before it, so that a dose made up for the slot
 * before the window's first (made_up) is seen there too, never before o
 * came into force.  *shown_from is where the window's own slots start. */
static int64_t
list_from(const dosage_order *o, int64_t interval, int64_t from_ms,
	  int64_t *shown_from)
{
	int64_t floor = dosage_order_from_ms(o);

	if (from_ms < floor)
		from_ms = floor;
	*shown_from = from_ms;
	if (interval == 0 || interval > MAKE_UP_MAX_INTERVAL_MS)
		return from_ms;
	return from_ms - interval > floor ? from_ms - interval : floor;
}

/* set_uncharted gives each slot nobody charted its state at l->now_ms. */
static void
set_uncharted(slot_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		mar_slot *s = l->items[i];

		if (s->state != SLOT(UNSPECIFIED))
			continue;
		s->state = held_for(l->holds, l->n_holds, s->scheduled_ms,
				    l->interval, l->now_ms)
				   ? SLOT(ON_HOLD)
				   : uncharted_state(s->scheduled_ms,
						     l->interval, l->now_ms);
	}
}

med_err
dosage_mar_slots(med_arena *a, const dosage_order *o, dosage_zone *zone,
		 int64_t from_ms, int64_t to_ms, int64_t now_ms,
		 const dosage_hold_span *holds, size_t n_holds,
		 dosage_admin *const *admins, size_t n_admins,
		 Smartmed__Dosage__V1__MarSlot ***out, size_t *n)
{
	slot_list l = {.start = o->start_ms,
		       .now_ms = now_ms,
		       .order_id = o->id,
		       .holds = holds,
		       .n_holds = n_holds,
		       .admins = admins,
		       .n_admins = n_admins};
	int64_t stop = dosage_order_stop_ms(o), shown_from;
	size_t skip = 0;
	med_err err;

	*out = NULL;
	*n = 0;
	/* A pending order has no doses to give yet. */
	if (!dosage_order_times_ok(o) || !order_interval(o, &l.interval) ||
	    o->status == ST(PENDING_VERIFICATION))
		return MED_OK;
	grid_init(&l.g, zone, o->start_ms, l.interval);
	from_ms = list_from(o, l.interval, from_ms, &shown_from);
	err = list_slots(a, o, from_ms, to_ms < stop ? to_ms : stop, &l);
	if (err != MED_OK)
		return err;
	l.earlier_unlisted =
		l.k0 > 0 && grid_at(&l.g, l.k0 - 1) >= dosage_order_from_ms(o);
	match(&l, o, admins, n_admins);
	set_uncharted(&l);
	while (skip < l.n && l.items[skip]->scheduled_ms < shown_from)
		skip++;
	*out = l.n > 0 ? l.items + skip : NULL;
	*n = l.n - skip;
	return MED_OK;
}

/* --- PRN: when the next dose may be given -------------------------------- */

/* nearest_gap is the gap from at_ms to the nearest dose of s. */
static bool
nearest_gap(const dosage_given_substance *s, int64_t at_ms, int64_t *gap)
{
	bool any = s->latest_ms != 0;

	*gap = any ? (at_ms > s->latest_ms
			      ? med_time_sub_ms(at_ms, s->latest_ms)
			      : med_time_sub_ms(s->latest_ms, at_ms))
		   : INT64_MAX;
	for (size_t i = 0; i < s->n; i++) {
		int64_t d = at_ms > s->t_ms[i]
				    ? med_time_sub_ms(at_ms, s->t_ms[i])
				    : med_time_sub_ms(s->t_ms[i], at_ms);

		any = true;
		if (d < *gap)
			*gap = d;
	}
	return any;
}

void
dosage_given_at(const dosage_given_list *g, int64_t at_ms,
		dosage_dose_history *h)
{
	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < g->n_substances; i++) {
		const dosage_given_substance *s = &g->s[i];
		double day =
			dosage_dose_worst_24h(s->t_ms, s->amount, s->n, at_ms);
		int64_t gap;

		/* The worst substance decides, as dosage_store_given. */
		if (day > h->given_24h)
			h->given_24h = day;
		if (s->lifetime > h->given_lifetime)
			h->given_lifetime = s->lifetime;
		if (nearest_gap(s, at_ms, &gap) &&
		    (!h->has_nearest || gap < h->nearest_gap_ms)) {
			h->has_nearest = true;
			h->nearest_gap_ms = gap;
		}
	}
}

/* time_stop: is one of the checks that time can clear a hard stop?  Sets
 * *why to its reason. */
static bool
time_stop(const dosage_dose_result *r, const char **why)
{
	for (size_t i = 0; i < DOSAGE_DOSE_N_CHECKS; i++) {
		/* A renal band may lengthen the interval (its check says
		 * so); per-kg holds a 24-h limit. */
		bool timed = r[i].check == DOSAGE_DOSE_CHECK_INTERVAL ||
			     r[i].check == DOSAGE_DOSE_CHECK_DAILY_MAX ||
			     r[i].check == DOSAGE_DOSE_CHECK_PER_KG ||
			     r[i].check == DOSAGE_DOSE_CHECK_RENAL;

		if (timed && r[i].status == DOSAGE_DOSE_HARD_STOP) {
			*why = r[i].reason;
			return true;
		}
	}
	return false;
}

typedef struct forecast {
	const dosage_drug *drug;
	const dosage_order *order;
	const dosage_dose_patient *p;
	const dosage_given_list *g;
	dosage_dose_result r[DOSAGE_DOSE_N_CHECKS];
} forecast;

/* blocked_at: would the order's dose at t be stopped by time? */
static bool
blocked_at(forecast *f, int64_t t, const char **why)
{
	dosage_dose_history h;

	dosage_given_at(f->g, t, &h);
	dosage_evaluate(f->drug, f->order, f->p, &h,
			f->order->dose_in_drug_unit, t, f->r);
	return time_stop(f->r, why);
}

void
dosage_prn_forecast(med_arena *a, const dosage_drug *drug,
		    const dosage_order *o, const dosage_dose_patient *p,
		    const dosage_given_list *g, int64_t now_ms,
		    Smartmed__Dosage__V1__MarPrn *prn)
{
	forecast f = {.drug = drug, .order = o, .p = p, .g = g};
	dosage_dose_history h;
	const char *why = "", *later;
	int64_t lo = now_ms, hi = now_ms + DOSAGE_MAR_MAX_WINDOW_MS;

	dosage_given_at(g, now_ms, &h);
	prn->given_24h = h.given_24h;
	prn->drug_unit = (char *)drug->unit;
	for (size_t i = 0; i < g->n_substances; i++)
		if (g->s[i].latest_ms > prn->last_given_ms)
			prn->last_given_ms = g->s[i].latest_ms;
	prn->next_ms = now_ms;
	prn->reason = "";
	if (!blocked_at(&f, now_ms, &why))
		return;
	prn->reason = med_arena_strdup(a, why);
	if (prn->reason == NULL)
		prn->reason = "";
	/* Time only ever clears these checks (no dose lies ahead of now),
	 * so the earliest clear time is found by halving. */
	if (blocked_at(&f, hi, &later)) {
		prn->next_ms = 0;
		return;
	}
	while (hi - lo > SEARCH_RESOLUTION_MS) {
		int64_t mid = lo + (hi - lo) / 2;

		if (blocked_at(&f, mid, &later))
			lo = mid;
		else
			hi = mid;
	}
	prn->next_ms = hi;
}
