/*
 * gapkeep.c - the gap sweep's whole counts, kept across a restart.
 *
 * The sweep (gapsweep.c) keeps in memory when it last found each chunk of
 * the log whole; after a start it had none, so reads counted every chunk
 * live until its first pass ended (9 s at 10 M leaves, about 15 minutes
 * at 1 B: docs/sizing.md).  Each whole count is therefore also stored in
 * gap_counts with the wall-clock time its count began and an HMAC-SHA-256
 * of the chunk size, the chunk and that time under the leaf key, and a
 * start takes back the counts still within MED_AUDIT_GAP_RECOUNT_S.  The
 * database cannot make a count up (it has no leaf key); it can drop one
 * (the chunk is then counted live until the sweep counts it) or put back
 * an older count of the same chunk (trusted for less long).  A chunk in
 * which the sweep finds holes loses its stored count.
 */
#include <med/log.h>
#include <med/util.h>

#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "audit_svc.h"

#define MAC_CONTEXT "smartmed-audit-gap-count-v1"
#define MAC_LEN	    crypto_auth_hmacsha256_BYTES

static void
put_be64(uint8_t *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* count_mac: HMAC-SHA-256(key, context || chunk_rows || chunk || ms). */
static void
count_mac(const uint8_t *key, uint64_t chunk_rows, uint64_t chunk,
	  int64_t counted_ms, uint8_t out[MAC_LEN])
{
	crypto_auth_hmacsha256_state h;
	uint8_t b[24];

	put_be64(b, chunk_rows);
	put_be64(b + 8, chunk);
	put_be64(b + 16, (uint64_t)counted_ms);
	crypto_auth_hmacsha256_init(&h, key, MED_AUDIT_LEAF_KEY_LEN);
	crypto_auth_hmacsha256_update(&h, (const uint8_t *)MAC_CONTEXT,
				      sizeof(MAC_CONTEXT));
	crypto_auth_hmacsha256_update(&h, b, sizeof(b));
	crypto_auth_hmacsha256_final(&h, out);
}

/* count_mac_ok: mac is the count's MAC under one of the leaf keys (the
 * newest makes them; older ones still check after a key change). */
static bool
count_mac_ok(const med_audit_leaf_keys *keys, uint64_t chunk_rows,
	     uint64_t chunk, int64_t counted_ms, const uint8_t *mac)
{
	uint8_t want[MAC_LEN];

	for (size_t i = 0; i < keys->n; i++) {
		count_mac(keys->key[i], chunk_rows, chunk, counted_ms, want);
		if (sodium_memcmp(want, mac, MAC_LEN) == 0)
			return true;
	}
	return false;
}

#define KEEP_SQL                                                               \
	"INSERT INTO gap_counts (chunk_rows, chunk, counted_ms, mac)"          \
	" VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE"                         \
	" counted_ms = VALUES(counted_ms), mac = VALUES(mac)"
#define FORGET_SQL "DELETE FROM gap_counts WHERE chunk_rows = ? AND chunk = ?"

void
audit_gap_keep(audit_state *st, uint64_t chunk, int64_t counted_ms, bool whole)
{
	uint64_t rows = st->sweep.chunk_rows;
	uint8_t mac[MAC_LEN] = {0};
	med_db_value v[] = {MED_DB_I64((int64_t)rows),
			    MED_DB_I64((int64_t)chunk), MED_DB_I64(counted_ms),
			    MED_DB_BLOBV(mac, sizeof(mac))};
	med_err err;

	if (whole)
		count_mac(st->leaf_keys.key[0], rows, chunk, counted_ms, mac);
	err = med_db_exec_once(med_service_db(st->svc),
			       whole ? KEEP_SQL : FORGET_SQL, v, whole ? 4 : 2,
			       NULL, NULL);
	/* A count not kept costs the next start a count of the chunk; a
	 * count of a chunk with holes not dropped would be trusted by it. */
	if (err != MED_OK && whole)
		med_log_debug("audit: gap sweep: count of chunk %" PRIu64
			      " not kept: %s",
			      chunk, med_strerror(err));
	else if (err != MED_OK)
		med_log_warn(
			"audit: gap sweep: the kept count of chunk %" PRIu64
			" (with holes now) could not be removed: %s",
			chunk, med_strerror(err));
}

/* keep_load - counts being taken back at a start: read first, then
 * applied under the sweep's lock (no lock held across the query). */
typedef struct keep_load {
	audit_state *st;
	int64_t wall_now, mono_now;
	audit_gap_chunk *got; /* by chunk, for the n whole chunks */
	uint64_t n, taken, refused, first_refused;
} keep_load;

/*
 * on_kept takes back one stored count: its MAC must check, its time must
 * not lie ahead, and it becomes the monotonic time as long ago.  A time
 * before the monotonic clock's start is taken as that start: older, so
 * trusted for less long, never more.
 */
static med_err
on_kept(void *ctx, const med_db_row *row)
{
	keep_load *k = ctx;
	uint64_t rows = k->st->sweep.chunk_rows;
	uint64_t chunk = (uint64_t)med_db_row_int64(row, 0);
	int64_t counted = med_db_row_int64(row, 1), age, mono;
	size_t len = 0;
	const uint8_t *mac = (const uint8_t *)med_db_row_text(row, 2, &len);

	if (mac == NULL || len != MAC_LEN ||
	    !count_mac_ok(&k->st->leaf_keys, rows, chunk, counted, mac)) {
		if (k->refused++ == 0)
			k->first_refused = chunk;
		return MED_OK;
	}
	age = k->wall_now - counted;
	if (age < 0 || chunk >= k->n)
		return MED_OK;
	mono = k->mono_now - age;
	k->got[chunk] = (audit_gap_chunk){mono > 0 ? mono : 1, 0};
	k->taken++;
	return MED_OK;
}

/* keep_apply gives the sweep the counts taken back, where it has none
 * newer of its own. */
static void
keep_apply(audit_gap_sweep *s, const keep_load *k)
{
	pthread_mutex_lock(&s->mu);
	for (uint64_t i = 0; i < k->n && i < s->n_chunks; i++)
		if (k->got[i].counted_ms > s->chunks[i].counted_ms &&
		    s->chunks[i].holes_ms == 0)
			s->chunks[i] = k->got[i];
	pthread_mutex_unlock(&s->mu);
}

static void
keep_report(const audit_gap_sweep *s, const keep_load *k)
{
	if (k->taken > 0)
		med_log_info("audit: gap sweep: %" PRIu64
			     " whole chunk count(s)"
			     " of the last %" PRId64 " s taken back from"
			     " gap_counts",
			     k->taken, s->recount_ms / 1000);
	/* Not an integrity failure of the log: the chunks are counted again.
	 * But nobody but this service should write that table. */
	if (k->refused > 0)
		med_log_warn("audit: gap sweep: %" PRIu64
			     " kept count(s) refused"
			     " (the MAC does not check under the leaf keys: "
			     "written by someone else, or under a removed key;"
			     " chunk %" PRIu64 " the first): counted again",
			     k->refused, k->first_refused);
}

med_err
audit_gap_load(audit_state *st, uint64_t whole, int64_t mono_now)
{
	audit_gap_sweep *s = &st->sweep;
	keep_load k = {.st = st,
		       .wall_now = med_now_ms(),
		       .mono_now = mono_now,
		       .n = whole};
	med_db_value v[] = {MED_DB_I64((int64_t)s->chunk_rows),
			    MED_DB_I64(k.wall_now - s->recount_ms),
			    MED_DB_I64((int64_t)whole)};
	med_err err;

	if (whole == 0)
		return MED_OK;
	if ((k.got = calloc((size_t)whole, sizeof(*k.got))) == NULL)
		return MED_ERR_NOMEM;
	err = med_db_query_once(med_service_db(st->svc),
				"SELECT chunk, counted_ms, mac FROM gap_counts"
				" WHERE chunk_rows = ? AND counted_ms > ?"
				" AND chunk < ?",
				v, 3, on_kept, &k);
	if (err == MED_OK) {
		keep_apply(s, &k);
		keep_report(s, &k);
	}
	free(k.got);
	return err;
}
