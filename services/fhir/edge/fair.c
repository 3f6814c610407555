/*
 * fair.c - whom the HTTPS edge closes when a connection arrives and the
 * port already holds MED_FHIR_MAX_CONNS (fhir_fair_victim), applied by
 * server.c at every accept past the cap.  Refusing the newcomer, as a
 * plain cap does, hands the port to whoever fills it first: under a
 * flood from 40 addresses an honest client's connection waited in the
 * backlog for a flooder's head deadline (issue 74).  Instead the address
 * holding the most connections gives up its oldest idle one, as long as
 * it holds at least two more than the newcomer's address: a client with
 * few connections always gets in, and flooders only take places from each
 * other.  An address's own share (MED_FHIR_MAX_CONNS_PER_CLIENT,
 * fhir_fair_own_victim) is kept the same way: a newcomer from an address
 * holding its share closes that address's oldest idle connection, so
 * that a flood of idle connections from an honest client's own address
 * (a shared proxy, a NAT) costs it no try; a plain cap refused the
 * honest connection at accept until a flooder's head deadline.  Pure, so
 * the unit tests link it alone.
 */
#include <stdlib.h>

#include "edge.h"

/* by_addr_then_age orders seats by address, then oldest first. */
static int
by_addr_then_age(const void *a, const void *b)
{
	const fhir_fair_seat *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->since_ms != y->since_ms)
		return x->since_ms < y->since_ms ? -1 : 1;
	return 0;
}

/* run_of counts the seats of seats[i]'s address (sorted) and finds its
 * oldest idle one (-1: none). */
static size_t
run_of(const fhir_fair_seat *seats, size_t n, size_t i, long *oldest_idle)
{
	size_t j = i;

	*oldest_idle = -1;
	for (; j < n && seats[j].addr == seats[i].addr; j++)
		if (*oldest_idle < 0 && seats[j].idle)
			*oldest_idle = (long)j;
	return j - i;
}

long
fhir_fair_victim(fhir_fair_seat *seats, size_t n, uint32_t addr)
{
	size_t own = 0, most = 0;
	long victim = -1;

	qsort(seats, n, sizeof(*seats), by_addr_then_age);
	for (size_t i = 0; i < n;) {
		long idle;
		size_t count = run_of(seats, n, i, &idle);

		if (seats[i].addr == addr)
			own = count;
		else if (idle >= 0 && count > most) {
			most = count;
			victim = idle;
		}
		i += count;
	}
	return most >= own + 2 ? victim : -1;
}

long
fhir_fair_own_victim(const fhir_fair_seat *seats, size_t n, uint32_t addr,
		     size_t max_per_addr)
{
	size_t own = 0;
	long oldest = -1;

	for (size_t i = 0; i < n; i++) {
		if (seats[i].addr != addr)
			continue;
		own++;
		if (seats[i].idle &&
		    (oldest < 0 || seats[i].since_ms < seats[oldest].since_ms))
			oldest = (long)i;
	}
	if (own < max_per_addr)
		return FHIR_FAIR_ROOM;
	return oldest >= 0 ? oldest : FHIR_FAIR_BUSY;
}
