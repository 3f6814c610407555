/*
 * headfile.c - the newest head the service published, kept where a
 * database restore does not reach: a file on the audit service's own
 * volume (MED_AUDIT_HEAD_FILE, by default beside the keys in
 * MED_AUDIT_SPOOL_DIR).
 *
 * A restore from backup brings back the tree_heads rows of the backup's
 * time with the events, so the database alone shows a shorter, consistent
 * log; the service would then sign heads over a history that contradicts
 * the heads it published before.  The file says what was published: a
 * head is signed only over a log that extends it (at least its size, and
 * its root the root of the log's first entries), and events are stored
 * only while the log does.  Otherwise the service reports the rollback and
 * waits for an auditor's decision (StartEpoch, epoch.c).
 *
 * The file is text, rewritten whole for every head (temporary file, fsync,
 * rename, fsync of the directory), so a kill leaves the old or the new one:
 *
 *   smartmed-audit-head v1
 *   epoch 1
 *   tree_size 5037
 *   timestamp_ms 1764262800000
 *   root <64 hex digits>
 *   signature <128 hex digits>
 *   key_id <16 hex digits>
 *
 * tree_size 0 means no head yet (or the empty tree's: a prefix of all).
 */
#include <med/codec.h>
#include <med/log.h>
#include <med/util.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit_svc.h"

#define HLEN	      MED_MERKLE_HASH_LEN
#define HEAD_FILE_MAX 1024
#define HEAD_MAGIC    "smartmed-audit-head v1"

/* head_path finds the file: the setting, or audit-head in the spool. */
static void
head_path(audit_state *st)
{
	const med_config *cfg = med_service_config(st->svc);
	const char *file = med_config_str(cfg, "MED_AUDIT_HEAD_FILE");
	const char *spool = med_config_str(cfg, "MED_AUDIT_SPOOL_DIR");

	if (file != NULL && file[0] != '\0')
		med_strlcpy(st->head.path, file, sizeof(st->head.path));
	else
		snprintf(st->head.path, sizeof(st->head.path), "%s/audit-head",
			 spool ? spool : ".");
}

int
audit_head_format(const audit_published *p, char *buf, size_t cap)
{
	char root[MED_HEX_LEN(HLEN)], sig[MED_HEX_LEN(crypto_sign_BYTES)];
	const audit_sth *h = &p->head;

	med_hex_encode(root, sizeof(root), h->root, HLEN);
	med_hex_encode(sig, sizeof(sig), h->sig, sizeof(h->sig));
	return snprintf(buf, cap,
			HEAD_MAGIC "\nepoch %" PRIu32 "\ntree_size %" PRIu64
				   "\ntimestamp_ms %" PRId64
				   "\nroot %s\nsignature %s\nkey_id %s\n",
			p->epoch, p->has_head ? h->tree_size : 0,
			p->has_head ? h->timestamp_ms : 0, root, sig,
			p->has_head ? h->key_id : "-");
}

/* dir_sync makes a rename in path's directory survive a power cut. */
static void
dir_sync(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
		 slash ? path : ".");
	fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* head_write replaces the file with p: the old or the new one survives
 * a kill at any point. */
static med_err
head_write(const char *path, const audit_published *p)
{
	char text[HEAD_FILE_MAX], tmp[4200];
	int len = audit_head_format(p, text, sizeof(text));
	int fd;
	bool ok;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		med_log_error("MED_AUDIT_HEAD_FILE %s: cannot create: %s", tmp,
			      strerror(errno));
		return MED_ERR_IO;
	}
	ok = write(fd, text, (size_t)len) == len && fsync(fd) == 0;
	close(fd);
	if (!ok || rename(tmp, path) != 0) {
		med_log_error("MED_AUDIT_HEAD_FILE %s: cannot write: %s", path,
			      strerror(errno));
		unlink(tmp);
		return MED_ERR_IO;
	}
	dir_sync(path);
	return MED_OK;
}

bool
audit_head_parse(const char *text, audit_published *p)
{
	char root[2 * HLEN + 2], sig[2 * crypto_sign_BYTES + 2];
	char key_id[AUDIT_KEY_ID_LEN + 2];
	unsigned long long size;
	long long ts;
	size_t n;
	audit_sth *h = &p->head;

	if (sscanf(text,
		   HEAD_MAGIC " epoch %" SCNu32 " tree_size %llu timestamp_ms "
			      "%lld root %65s signature %129s key_id %17s",
		   &p->epoch, &size, &ts, root, sig, key_id) != 6 ||
	    p->epoch == 0 || strlen(key_id) > AUDIT_KEY_ID_LEN)
		return false;
	if (!med_merkle_unhex(root, h->root) ||
	    strlen(sig) != 2 * crypto_sign_BYTES ||
	    med_hex_decode(sig, strlen(sig), h->sig, sizeof(h->sig), &n) !=
		    MED_OK)
		return false;
	h->tree_size = size;
	h->timestamp_ms = ts;
	memcpy(h->key_id, key_id, strlen(key_id) + 1);
	p->has_head = size > 0;
	return true;
}

/* head_read reads path into p.  MED_ERR_NOT_FOUND: no file. */
static med_err
head_read(const char *path, audit_published *p)
{
	char text[HEAD_FILE_MAX];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return errno == ENOENT ? MED_ERR_NOT_FOUND : MED_ERR_IO;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return audit_head_parse(text, p) ? MED_OK : MED_ERR_INVALID;
}

/* head_signed: a kept head carries the signature of the key it names,
 * when the service knows that key (a key rotated out without
 * MED_AUDIT_PREVIOUS_PUBKEYS is not: its root still counts). */
static bool
head_signed(audit_state *st, const audit_published *p)
{
	const uint8_t *pk;

	if (!p->has_head)
		return true;
	pk = audit_signer_key(st, p->head.key_id);
	if (pk == NULL) {
		med_log_warn("MED_AUDIT_HEAD_FILE %s: its head is signed with "
			     "key %s, which this service does not know; its "
			     "root is checked all the same",
			     st->head.path, p->head.key_id);
		return true;
	}
	return audit_sth_verify(pk, &p->head);
}

static void
head_metrics_init(audit_state *st)
{
	med_metrics *m = med_service_metrics(st->svc);
	audit_head_keeper *k = &st->head;

	k->rollback = med_metrics_gauge(
		m, "smartmed_audit_rollback_detected",
		"1 while the audit log does not extend the newest head the "
		"service published (a restore rolled it back): no head is "
		"signed and no event stored until StartEpoch",
		"");
	k->published_size =
		med_metrics_gauge(m, "smartmed_audit_published_tree_size",
				  "Entries the newest published head covers "
				  "(MED_AUDIT_HEAD_FILE)",
				  "");
	k->restored_gauge = med_metrics_gauge(
		m, "smartmed_audit_rollback_log_size",
		"Entries the log held when it was found not to extend the "
		"published head (0: no rollback)",
		"");
	k->epoch = med_metrics_gauge(m, "smartmed_audit_epoch",
				     "The log's epoch: 1, and one more for "
				     "each StartEpoch after a restore",
				     "");
}

/* head_gauges_set publishes the keeper's state (under its lock). */
static void
head_gauges_set(audit_head_keeper *k)
{
	bool rolled = k->state == AUDIT_HEAD_ROLLBACK;

	med_gauge_set(k->rollback, rolled ? 1 : 0);
	med_gauge_set(k->published_size,
		      k->pub.has_head ? (double)k->pub.head.tree_size : 0);
	med_gauge_set(k->restored_gauge, rolled ? (double)k->restored_size : 0);
	med_gauge_set(k->epoch, k->pub.epoch);
}

med_err
audit_head_load(audit_state *st)
{
	audit_head_keeper *k = &st->head;
	med_err err;

	head_metrics_init(st);
	head_path(st);
	err = head_read(k->path, &k->pub);
	if (err == MED_ERR_NOT_FOUND) {
		k->pub = (audit_published){.epoch = 1};
		med_log_warn("audit: no head file %s (first start): it starts "
			     "from the newest head in the database; a restore "
			     "made before this start cannot be detected",
			     k->path);
		err = MED_OK;
	} else if (err == MED_ERR_INVALID ||
		   (err == MED_OK && !head_signed(st, &k->pub))) {
		med_log_error("MED_AUDIT_HEAD_FILE %s: not a head this service "
			      "wrote (damaged, or signed with another key); "
			      "it is what a restore is checked against, so the "
			      "service does not start without it",
			      k->path);
		err = MED_ERR_INVALID;
	} else if (err == MED_OK) {
		med_log_info("audit: published head (epoch %" PRIu32
			     ") of %" PRIu64 " entries, kept in %s",
			     k->pub.epoch,
			     k->pub.has_head ? k->pub.head.tree_size : 0,
			     k->path);
	} else {
		med_log_error("MED_AUDIT_HEAD_FILE %s: cannot read: %s",
			      k->path, strerror(errno));
	}
	head_gauges_set(k);
	return err;
}

/* rollback reports that the log of size entries does not extend the
 * published head (why says how), once. */
static med_err
rollback(audit_state *st, uint64_t size, const char *why)
{
	audit_head_keeper *k = &st->head;
	char root[MED_HEX_LEN(HLEN)];
	audit_published p;
	bool first;

	pthread_mutex_lock(&k->mu);
	p = k->pub;
	first = k->state != AUDIT_HEAD_ROLLBACK;
	if (first) {
		k->state = AUDIT_HEAD_ROLLBACK;
		k->restored_size = size;
		med_strlcpy(k->why, why, sizeof(k->why));
		head_gauges_set(k);
	}
	pthread_mutex_unlock(&k->mu);
	if (!first)
		return MED_ERR_PRECONDITION;
	med_hex_encode(root, sizeof(root), p.head.root, HLEN);
	med_log_error("audit: ROLLBACK: the log (%" PRIu64 " entries) does "
		      "not extend the head of %" PRIu64 " entries (root %s, "
		      "epoch %" PRIu32 ") this service published (%s): %s; "
		      "no tree head is signed and no event stored until an "
		      "auditor decides (StartEpoch, docs/operations.md)",
		      size, p.head.tree_size, root, p.epoch, k->path, why);
	return MED_ERR_PRECONDITION;
}

/*
 * prefix_root_check is called when the log's first p->tree_size entries
 * could not be proven to give the published root: the stored nodes are
 * checked against the verified tree f first (a damaged node is an
 * integrity failure, not a restore); then the roots differ.
 */
static med_err
prefix_root_check(audit_state *st, med_db_conn *c, const med_merkle_frontier *f,
		  const audit_sth *p)
{
	med_merkle_frontier at;
	uint8_t root[HLEN];
	char why[AUDIT_PROBLEM_LEN], hex[MED_HEX_LEN(HLEN)];
	med_err err = med_merkle_frontier_load(&at, p->tree_size,
					       med_audit_node_get, c);

	if (err == MED_OK)
		med_merkle_frontier_root(&at, root);
	if (err == MED_OK || err == MED_ERR_DATA_LOSS)
		err = audit_root_check(st, c, f, p->tree_size, root);
	if (err != MED_OK)
		return err;
	med_hex_encode(hex, sizeof(hex), root, HLEN);
	snprintf(why, sizeof(why),
		 "its first %" PRIu64 " entries have root %s, another history",
		 p->tree_size, hex);
	return rollback(st, f->size, why);
}

/* extends: the verified tree f extends the published head p. */
static med_err
extends(audit_state *st, med_db_conn *c, const med_merkle_frontier *f,
	const audit_sth *p)
{
	uint8_t root[HLEN], path[MED_MERKLE_MAX_PROOF][HLEN];
	size_t n = 0;
	med_err err;

	/* The empty tree (the first start's head) is a prefix of all. */
	if (p->tree_size == 0)
		return MED_OK;
	if (p->tree_size > f->size)
		return rollback(st, f->size, "it holds fewer entries");
	med_merkle_frontier_root(f, root);
	if (p->tree_size == f->size)
		return sodium_memcmp(root, p->root, HLEN) == 0
			       ? MED_OK
			       : rollback(st, f->size,
					  "its root at that size differs");
	/* The proof's nodes come from the store, but it is checked against
	 * the verified root and the published one: nothing stored is
	 * trusted. */
	err = med_merkle_consistency_proof(p->tree_size, f->size,
					   med_audit_node_get, c, path, &n);
	if (err == MED_OK &&
	    med_merkle_verify_consistency(p->tree_size, f->size, p->root, root,
					  (const uint8_t(*)[HLEN])path, n))
		return MED_OK;
	if (err != MED_OK && err != MED_ERR_DATA_LOSS)
		return err;
	return prefix_root_check(st, c, f, p);
}

/*
 * adopt keeps the newest head of this key in the database as the
 * published one when the service has none (a first start with this
 * file): the verified tree was established from it (trust.c), so the log
 * extends it.
 */
static med_err
adopt(audit_state *st, med_db_conn *c, const med_merkle_frontier *f)
{
	audit_sth h;
	med_err err = audit_sth_latest_of_key(c, st->key_id, &h);

	if (err == MED_ERR_NOT_FOUND)
		return MED_OK;
	if (err != MED_OK)
		return err;
	if (!audit_sth_verify(st->pk, &h) || h.tree_size > f->size)
		return MED_OK; /* trust.c reports such a head */
	return audit_head_publish(st, &h);
}

/* mark_extends records a check that passed. */
static void
mark_extends(audit_head_keeper *k)
{
	pthread_mutex_lock(&k->mu);
	if (k->state == AUDIT_HEAD_UNCHECKED) {
		k->state = AUDIT_HEAD_EXTENDS;
		head_gauges_set(k);
	}
	pthread_mutex_unlock(&k->mu);
}

med_err
audit_head_check(audit_state *st, med_db_conn *c, const med_merkle_frontier *f)
{
	audit_head_keeper *k = &st->head;
	audit_published p;
	bool pending;
	med_err err;

	pthread_mutex_lock(&k->mu);
	p = k->pub;
	pending = k->epoch_pending;
	pthread_mutex_unlock(&k->mu);
	if (pending)
		return MED_OK;
	if (!p.has_head)
		err = adopt(st, c, f);
	else
		err = extends(st, c, f, &p.head);
	if (err == MED_OK)
		mark_extends(k);
	return err;
}

med_err
audit_head_publish(audit_state *st, const audit_sth *h)
{
	audit_head_keeper *k = &st->head;
	audit_published next;
	med_err err;

	pthread_mutex_lock(&k->mu);
	next = k->pub;
	if (k->epoch_pending)
		next.epoch++;
	next.has_head = true;
	next.head = *h;
	err = head_write(k->path, &next);
	if (err == MED_OK) {
		if (k->epoch_pending)
			med_log_warn("audit: epoch %" PRIu32 " begins with the "
				     "head of %" PRIu64 " entries",
				     next.epoch, h->tree_size);
		k->pub = next;
		k->epoch_pending = false;
		k->state = AUDIT_HEAD_EXTENDS;
		head_gauges_set(k);
	}
	pthread_mutex_unlock(&k->mu);
	return err;
}

static med_err
check_tx(med_db_conn *c, void *arg)
{
	audit_state *st = arg;
	med_merkle_frontier f;
	med_err err = audit_trust_now(st, c, &f);

	return err == MED_OK ? audit_head_check(st, c, &f) : err;
}

med_err
audit_head_ready(audit_state *st)
{
	audit_head_state state;
	med_err err;

	audit_head_snapshot(st, NULL, &state, NULL);
	if (state == AUDIT_HEAD_UNCHECKED) {
		err = med_db_tx(med_service_db(st->svc), check_tx, st);
		if (err != MED_OK && err != MED_ERR_PRECONDITION)
			return err;
		audit_head_snapshot(st, NULL, &state, NULL);
	}
	return state == AUDIT_HEAD_EXTENDS ? MED_OK : MED_ERR_UNAVAILABLE;
}

void
audit_head_snapshot(audit_state *st, audit_published *pub,
		    audit_head_state *state, uint64_t *restored_size)
{
	audit_head_keeper *k = &st->head;

	pthread_mutex_lock(&k->mu);
	if (pub != NULL)
		*pub = k->pub;
	if (state != NULL)
		*state = k->state;
	if (restored_size != NULL)
		*restored_size = k->restored_size;
	pthread_mutex_unlock(&k->mu);
}

void
audit_head_begin_epoch(audit_state *st)
{
	pthread_mutex_lock(&st->head.mu);
	st->head.epoch_pending = true;
	pthread_mutex_unlock(&st->head.mu);
}
