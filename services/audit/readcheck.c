/*
 * readcheck.c - every row a read serves (Query, PatientAccessReport, the
 * FHIR export, the record of an inclusion proof) is checked before it
 * leaves, and so is the run of positions it was read from.
 *
 * Whoever can write the audit database can UPDATE a row, INSERT one or
 * DELETE one.  The proofs and auditverify catch that, but an auditor who
 * reads the log through Query would be shown the altered row as genuine.
 * So each row's leaf hash is recomputed from its fields and its MAC
 * checked under the leaf key, which the database never holds (the MAC
 * covers the leaf hash, which covers the row's seq: a MAC vouches for one
 * row at one place).  A row without a MAC is one stored before leaf MACs
 * only when no row before it has one (legacy rows all come first, as
 * auditverify requires); any later one was inserted behind the service.
 * Deleted rows leave a hole in the dense seq: the positions a read covered
 * are counted, and the holes named.
 *
 * What fails is served flagged, never dropped: one altered row must
 * neither hide the genuine rows around it nor pass for genuine itself.
 * Each flagged record is counted (smartmed_audit_reads_flagged_total) and,
 * when it means the store was changed, reported as an integrity failure
 * (trust.c: an error line, the integrity gauge at 0, no more signed heads).
 */
#include <med/arena.h>
#include <med/log.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit_svc.h"

#define RI(x) SMARTMED__AUDIT__V1__RECORD_INTEGRITY__RECORD_INTEGRITY_##x

/*
 * first_mac_seq gives the seq of the first row with a MAC (UINT64_MAX when
 * none has one yet).  Once found it is kept: it never moves for a log the
 * service writes, and a copy in memory cannot be moved from the database.
 * The scan stops at the first such row, which is row 1 in a log that never
 * held legacy rows.
 */
static med_err
first_mac_seq(audit_state *st, med_db_conn *c, uint64_t *out)
{
	/* med_db_row_take_int64 writes it as int64_t, which C lets alias its
	 * unsigned type; a seq is never negative. */
	uint64_t seq = 0;
	med_err err;

	pthread_mutex_lock(&st->trust_mu);
	seq = st->first_mac_seq;
	pthread_mutex_unlock(&st->trust_mu);
	if (seq != 0) {
		*out = seq;
		return MED_OK;
	}
	err = med_db_query(c,
			   "SELECT seq FROM events WHERE leaf_mac IS NOT NULL"
			   " ORDER BY seq LIMIT 1",
			   NULL, 0, med_db_row_take_int64, &seq);
	if (err != MED_OK)
		return err;
	if (seq == 0) {
		*out = UINT64_MAX;
		return MED_OK;
	}
	pthread_mutex_lock(&st->trust_mu);
	if (st->first_mac_seq == 0)
		st->first_mac_seq = seq;
	pthread_mutex_unlock(&st->trust_mu);
	*out = seq;
	return MED_OK;
}

med_err
audit_check_init(audit_check *k, audit_state *st, med_db_conn *c,
		 med_arena *arena)
{
	memset(k, 0, sizeof(*k));
	k->st = st;
	k->entry = med_arena_alloc(arena, MED_AUDIT_ENTRY_MAX);
	if (k->entry == NULL)
		return MED_ERR_NOMEM;
	return first_mac_seq(st, c, &k->first_mac_seq);
}

Smartmed__Audit__V1__RecordIntegrity
audit_check_row(audit_check *k, const med_audit_row *r, const char **problem)
{
	uint8_t leaf[MED_MERKLE_HASH_LEN];
	med_audit_row_fault fault = MED_AUDIT_ROW_OK;
	med_err err = med_audit_row_check(r, &k->st->leaf_keys, k->entry,
					  MED_AUDIT_ENTRY_MAX, leaf, &fault);

	if (err != MED_OK) {
		*problem = "its fields cannot be encoded as a log entry (row "
			   "altered)";
		return RI(ALTERED);
	}
	if (fault == MED_AUDIT_ROW_NO_MAC && r->rec.seq < k->first_mac_seq) {
		*problem = "stored before leaf MACs: no MAC vouches for it "
			   "(check it with InclusionProof)";
		return RI(UNVERIFIED);
	}
	if (fault == MED_AUDIT_ROW_NO_MAC) {
		*problem = "no leaf MAC, though rows before it carry one "
			   "(inserted behind the audit service)";
		return RI(ALTERED);
	}
	*problem = fault == MED_AUDIT_ROW_OK ? ""
					     : med_audit_row_fault_text(fault);
	return fault == MED_AUDIT_ROW_OK ? RI(VERIFIED) : RI(ALTERED);
}

/*
 * Only a read's first failure is reported: a range of altered rows would
 * otherwise log a line per row on every read, and a read that finds the
 * same first row again is then logged once (audit_integrity_fail says a
 * repeated problem once).
 */
void
audit_check_report(audit_state *st, bool *failed,
		   Smartmed__Audit__V1__RecordIntegrity integrity, uint64_t seq,
		   uint64_t last, const char *problem)
{
	bool first = !*failed;

	switch (integrity) {
	case RI(ALTERED):
		med_counter_add(st->flagged_altered, 1);
		*failed = true;
		if (first)
			(void)audit_integrity_fail(st,
						   "leaf %" PRIu64
						   " (seq %" PRIu64
						   "): %s (found by a read)",
						   seq - 1, seq, problem);
		break;
	case RI(MISSING):
		med_counter_add(st->flagged_missing, 1);
		*failed = true;
		if (first)
			(void)audit_integrity_fail(
				st,
				"events: seq %" PRIu64 "..%" PRIu64
				" are missing (found by a read)",
				seq, last);
		break;
	case RI(UNVERIFIED):
		med_counter_add(st->flagged_unverified, 1);
		break;
	default:
		break;
	}
}

static med_err
on_gap(void *ctx, const med_db_row *row)
{
	audit_gaps *g = ctx;

	g->gaps[g->n].first = (uint64_t)med_db_row_int64(row, 0);
	g->gaps[g->n].last = (uint64_t)med_db_row_int64(row, 1);
	g->n++;
	return MED_OK;
}

/*
 * The holes of (lo, hi]: each present row with its predecessor (lo for the
 * first), and hi + 1 as a sentinel so that a hole at the end shows too.
 */
#define GAPS_SQL                                                               \
	"SELECT COALESCE(prev, ?) + 1, seq - 1 FROM (SELECT seq,"              \
	" LAG(seq) OVER (ORDER BY seq) AS prev FROM"                           \
	" (SELECT seq FROM events WHERE seq > ? AND seq <= ?"                  \
	" UNION ALL SELECT ?) s) t WHERE seq > COALESCE(prev, ?) + 1"          \
	" ORDER BY seq LIMIT ?"

med_err
audit_gaps_count(med_db_conn *c, audit_gaps *g, uint64_t lo, uint64_t hi)
{
	uint64_t present = 0;
	med_db_value count[] = {MED_DB_I64((int64_t)lo),
				MED_DB_I64((int64_t)hi)};
	med_db_value v[] = {
		MED_DB_I64((int64_t)lo),
		MED_DB_I64((int64_t)lo),
		MED_DB_I64((int64_t)hi),
		MED_DB_I64((int64_t)hi + 1),
		MED_DB_I64((int64_t)lo),
		MED_DB_I64((int64_t)(AUDIT_GAPS_MAX - g->n)),
	};
	med_err err;

	if (hi <= lo || g->n >= AUDIT_GAPS_MAX)
		return MED_OK;
	/* Counting is cheap; the window query runs only when rows are gone. */
	err = med_db_query(c,
			   "SELECT COUNT(*) FROM events WHERE seq > ? AND"
			   " seq <= ?",
			   count, 2, med_db_row_take_int64, &present);
	if (err != MED_OK || present == hi - lo)
		return err;
	if (g->gaps == NULL)
		g->gaps = med_arena_alloc(g->arena,
					  AUDIT_GAPS_MAX * sizeof(*g->gaps));
	if (g->gaps == NULL)
		return MED_ERR_NOMEM;
	return med_db_query(c, GAPS_SQL, v, sizeof(v) / sizeof(v[0]), on_gap,
			    g);
}
