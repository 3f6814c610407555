/*
 * test_db.c - med_db against a private MariaDB started for this binary with
 * tools/dev/mariadb.sh: migrations, every value type, errors, transactions,
 * the pool under threads and exhaustion, and a server that goes away and
 * comes back.
 *
 * tests/module.mk builds it a second time, as test_db_debug_tx, with
 * -DMED_DEBUG_TX and libmed's db_tx_guard.c built the same way (the debug
 * assertion "no outbound call inside a transaction"): that binary runs
 * only the cases the assertion changes (outbound_call_in_tx,
 * patient_lookup_in_tx, http_fetch_in_tx).
 *
 * main() starts the shared server (or reuses MED_TEST_DB_SOCKET, with root's
 * password in MED_TEST_DB_PASSWORD) before the cases run and stops it after.
 * The outage cases always start and stop a server of their own, so they
 * never disturb the shared one.
 *
 * root answers only on a server's socket, with the password mariadb.sh
 * keeps in DIR/root.cnf; the outage cases reach their server over TCP as a
 * user of their own (TCP_USER), made over the socket.
 */
#include "testlib.h"

#include "grpc/health/v1/health.pb-c.h"

#include <med/arena.h>
#include <med/audit_log.h>
#include <med/auth.h>
#include <med/db.h>
#include <med/metrics.h>
#include <med/patients.h>
#include <med/rpc.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char script[1024];   /* tools/dev/mariadb.sh */
static char topdir[256];    /* every server directory of this run */
static char main_sock[512]; /* the shared server's socket */
static char main_pw[256];   /* its root's password */
static char tcp_pw[33];	    /* TCP_USER's password, random */

#define TCP_USER "medt"

/* ---- helpers ---- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int port = -1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int
server_cmd(const char *cmd, const char *dir, int port)
{
	char line[2048];

	snprintf(line, sizeof(line), "sh '%s' %s '%s' %d >/dev/null", script,
		 cmd, dir, port);
	return system(line);
}

static med_db *
pool_open(const char *sock, const char *host, int port, const char *name,
	  int pool_size, int acquire_ms)
{
	med_db_opts o = {.host = host,
			 .port = port,
			 .socket = sock,
			 .user = sock ? "root" : TCP_USER,
			 .password = sock ? main_pw : tcp_pw,
			 .database = name,
			 .pool_size = pool_size,
			 .acquire_timeout_ms = acquire_ms};
	med_db *db = NULL;

	MT_OK(med_db_open(&o, &db));
	return db;
}

static med_err
exec1(med_db *db, const char *sql, const med_db_value *p, size_t n)
{
	med_db_conn *c;
	med_err err = med_db_acquire(db, &c);

	if (err != MED_OK)
		return err;
	err = med_db_exec(c, sql, p, n, NULL, NULL);
	med_db_release(c);
	return err;
}

/* The name of the database fresh_db_on made last. */
static char fresh_name[64];

/* fresh_db creates a new database on the server and opens a pool on it. */
static med_db *
fresh_db_on(const char *sock, const char *host, int port, int pool_size,
	    int acquire_ms)
{
	static int seq;
	char name[64], sql[128];
	med_db *admin;

	snprintf(name, sizeof(name), "medt_%d_%d", (int)getpid(), seq++);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	admin = pool_open(sock, host, port, "mysql", 1, 0);
	MT_OK(exec1(admin, sql, NULL, 0));
	med_db_close(admin);
	snprintf(fresh_name, sizeof(fresh_name), "%s", name);
	return pool_open(sock, host, port, name, pool_size, acquire_ms);
}

static med_db *
fresh_db(int pool_size, int acquire_ms)
{
	return fresh_db_on(main_sock, NULL, 0, pool_size, acquire_ms);
}

typedef struct cell {
	int64_t i;
	int rows;
} cell;

static med_err
on_cell(void *ctx, const med_db_row *row)
{
	cell *c = ctx;

	c->i = med_db_row_int64(row, 0);
	c->rows++;
	return MED_OK;
}

/* scalar_with runs a one-value query with n parameters, returns it. */
static int64_t
scalar_with(med_db *db, const char *sql, const med_db_value *p, size_t n)
{
	med_db_conn *c;
	cell v = {0};

	MT_OK(med_db_acquire(db, &c));
	MT_OK(med_db_query(c, sql, p, n, on_cell, &v));
	med_db_release(c);
	MT_EQ_INT(v.rows, 1);
	return v.i;
}

/* scalar runs a one-value query and returns the value. */
static int64_t
scalar(med_db *db, const char *sql)
{
	return scalar_with(db, sql, NULL, 0);
}

/* ---- migrations ---- */

static const char *const m1_sql[] = {
	"CREATE TABLE IF NOT EXISTS t1 (id BIGINT PRIMARY KEY, name TEXT)",
	"INSERT INTO t1 VALUES (1, 'seed')", NULL};
static const char *const m2_sql[] = {
	"CREATE TABLE IF NOT EXISTS t2 (id BIGINT PRIMARY KEY)",
	"CREATE INDEX IF NOT EXISTS t1_name ON t1 (name(20))", NULL};
static const char *const m3_sql[] = {
	"ALTER TABLE t2 ADD COLUMN IF NOT EXISTS v INT", NULL};

static const med_db_migration migs[] = {
	{1, "create t1", m1_sql},
	{2, "create t2", m2_sql},
	{3, "t2.v", m3_sql},
};

static void
test_migrate(void)
{
	med_db *db = fresh_db(2, 0);
	int64_t applied;

	MT_OK(med_db_migrate(db, migs, 2));
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM schema_version"), 2);
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM t1"), 1);
	applied = scalar(db, "SELECT applied_ms FROM schema_version "
			     "WHERE version = 1");
	MT_TRUE(applied > 0);
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM schema_version WHERE "
			     "version = 2 AND description = 'create t2'"),
		  1);
	/* Idempotent: a second run applies nothing (the INSERT would). */
	MT_OK(med_db_migrate(db, migs, 2));
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM schema_version"), 2);
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM t1"), 1);
	MT_EQ_INT(scalar(db, "SELECT applied_ms FROM schema_version "
			     "WHERE version = 1"),
		  applied);
	/* A new version is applied alone. */
	MT_OK(med_db_migrate(db, migs, 3));
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM schema_version"), 3);
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM t1"), 1);
	/* The lock row was released. */
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM schema_lock"), 0);
	med_db_close(db);
}

/* A replica that died holding the lock: its lease is waited for while it
 * lasts (another replica must not run the same DDL) and taken over once
 * it has expired. */
static void
test_migrate_stale_lock(void)
{
	med_db *db = fresh_db(1, 0);

	MT_OK(med_db_migrate(db, migs, 1));
	{
		med_db_conn *c;

		MT_OK(med_db_acquire(db, &c));
		MT_OK(med_db_exec(c,
				  "INSERT INTO schema_lock "
				  "VALUES ('migrate', 'dead', 1)",
				  NULL, 0, NULL, NULL));
		med_db_release(c);
	}
	MT_OK(med_db_migrate(db, migs, 3));
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM schema_version"), 3);
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM schema_lock"), 0);
	med_db_close(db);
}

/* A migration whose statement runs for a while, between two quick ones. */
static const char *const slow_sql[] = {"DO SLEEP(2)", NULL};
static const med_db_migration slow_migs[] = {
	{1, "create t1", m1_sql},
	{2, "slow", slow_sql},
	{3, "create t2", m2_sql},
};

/* on_name copies a text column into a 64-byte buffer. */
static med_err
on_name(void *ctx, const med_db_row *row)
{
	const char *t = med_db_row_text(row, 0, NULL);

	snprintf(ctx, 64, "%s", t != NULL ? t : "");
	return MED_OK;
}

/* db_name reads the name of db's database into buf (64 bytes). */
static void
db_name(med_db *db, char buf[64])
{
	med_db_conn *c;

	MT_OK(med_db_acquire(db, &c));
	MT_OK(med_db_query(c, "SELECT DATABASE()", NULL, 0, on_name, buf));
	med_db_release(c);
}

/*
 * A process killed during a migration (issue 49, item 11): its lease has
 * 11 minutes left, but the next start on the same server takes the lock
 * over once the server has ended the dead process's connection, which it
 * does only after the statement that was running (so no two migrations
 * overlap), instead of waiting for the lease.
 */
static void
test_migrate_killed_holder(void)
{
	med_db *db = fresh_db(1, 0);
	char name[64] = "";
	int64_t t0;
	pid_t pid;
	int status = 0;

	db_name(db, name);
	pid = fork();
	MT_TRUE(pid >= 0);
	if (pid == 0) {
		med_db *mine = pool_open(main_sock, NULL, 0, name, 1, 0);
		_exit(med_db_migrate(mine, slow_migs, 3) == MED_OK ? 0 : 1);
	}
	/* Killed while migration 2's statement runs. */
	t0 = now_ms();
	while (now_ms() - t0 < 30000 &&
	       scalar(db, "SELECT COUNT(*) FROM information_schema.PROCESSLIST"
			  " WHERE INFO LIKE 'DO SLEEP%'") == 0)
		usleep(20000);
	kill(pid, SIGKILL);
	MT_TRUE(waitpid(pid, &status, 0) == pid);
	MT_TRUE(WIFSIGNALED(status));
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM schema_lock"), 1);
	t0 = now_ms();
	MT_OK(med_db_migrate(db, slow_migs, 3));
	MT_TRUE(now_ms() - t0 < 60000);
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM schema_version"), 3);
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM schema_lock"), 0);
	med_db_close(db);
}

typedef struct migrator {
	med_db *db;
	med_err err;
} migrator;

static void *
migrator_main(void *arg)
{
	migrator *m = arg;

	m->err = med_db_migrate(m->db, migs, 3);
	return NULL;
}

/* Replicas starting together: the named lock lets one apply each step. */
static void
test_migrate_race(void)
{
	med_db *db = fresh_db(1, 0);
	migrator m[4];
	pthread_t th[4];

	for (int i = 0; i < 4; i++) {
		m[i] = (migrator){.db = db, .err = MED_ERR_INTERNAL};
		MT_EQ_INT(pthread_create(&th[i], NULL, migrator_main, &m[i]),
			  0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		MT_OK(m[i].err);
	}
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM schema_version"), 3);
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM t1"), 1);
	med_db_close(db);
}

static void
test_migrate_bad(void)
{
	static const char *const bad_sql[] = {"CREATE TABLE (", NULL};
	static const med_db_migration bad[] = {{1, "broken", bad_sql}};
	static const med_db_migration unordered[] = {{2, "b", m2_sql},
						     {1, "a", m1_sql}};
	med_db *db = fresh_db(1, 0);

	MT_EQ_INT(med_db_migrate(db, bad, 1), MED_ERR_INTERNAL);
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM schema_version"), 0);
	MT_EQ_INT(med_db_migrate(db, unordered, 2), MED_ERR_INVALID);
	med_db_close(db);
}

/* ---- values ---- */

#define BIG_LEN (1u << 20)

typedef struct rt_row {
	int rows;
	int64_t i;
	double d;
	char *text;
	char *blob;
	size_t text_len, blob_len;
	char *big;
	size_t big_len;
	int nulls;
	char i_text[32];
} rt_row;

static char *
dup_bytes(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	MT_TRUE(s != NULL);
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static med_err
on_rt(void *ctx, const med_db_row *row)
{
	rt_row *r = ctx;
	const char *s;

	r->rows++;
	MT_EQ_INT(med_db_row_columns(row), 6);
	r->i = med_db_row_int64(row, 0);
	r->d = med_db_row_double(row, 1);
	med_db_row_text(row, 0, NULL);
	snprintf(r->i_text, sizeof(r->i_text), "%s",
		 med_db_row_text(row, 0, NULL));
	s = med_db_row_text(row, 2, &r->text_len);
	r->text = s ? dup_bytes(s, r->text_len) : NULL;
	s = med_db_row_text(row, 3, &r->blob_len);
	r->blob = s ? dup_bytes(s, r->blob_len) : NULL;
	s = med_db_row_text(row, 4, &r->big_len);
	r->big = s ? dup_bytes(s, r->big_len) : NULL;
	for (size_t i = 0; i < 6; i++)
		r->nulls += med_db_row_is_null(row, i);
	MT_TRUE(med_db_row_is_null(row, 99));
	return MED_OK;
}

static void
rt_free(rt_row *r)
{
	free(r->text);
	free(r->blob);
	free(r->big);
}

static const char rt_create[] =
	"CREATE TABLE v (id BIGINT PRIMARY KEY AUTO_INCREMENT, i BIGINT, "
	"d DOUBLE, t VARCHAR(100), b LONGBLOB, big LONGTEXT, n INT) "
	"DEFAULT CHARSET=utf8mb4";
static const char rt_insert[] =
	"INSERT INTO v (i, d, t, b, big, n) VALUES (?, ?, ?, ?, ?, ?)";
static const char rt_select[] = "SELECT i, d, t, b, big, n FROM v WHERE id = ?";

static void
rt_fetch(med_db_conn *c, uint64_t id, rt_row *r)
{
	med_db_value key = MED_DB_I64((int64_t)id);

	memset(r, 0, sizeof(*r));
	MT_OK(med_db_query(c, rt_select, &key, 1, on_rt, r));
	MT_EQ_INT(r->rows, 1);
}

static void
test_roundtrip(void)
{
	static const char blob[] = {'a', 0, 'b', 0, (char)0xff, 0};
	static const char utf8[] = "Zoë Ångström 患者 🩺";
	med_db *db = fresh_db(1, 0);
	char *big = malloc(BIG_LEN + 1);
	uint64_t affected = 0, id = 0;
	med_db_conn *c;
	rt_row r;

	MT_TRUE(big != NULL);
	for (size_t i = 0; i < BIG_LEN; i++)
		big[i] = (char)('a' + i % 26);
	big[BIG_LEN] = '\0';
	MT_OK(exec1(db, rt_create, NULL, 0));
	MT_OK(med_db_acquire(db, &c));
	{
		med_db_value p[6] = {
			MED_DB_I64(INT64_MIN), MED_DB_DBL(3.141592653589793),
			MED_DB_STR(utf8),      MED_DB_BLOBV(blob, sizeof(blob)),
			MED_DB_STR(big),       MED_DB_NULLV()};

		MT_OK(med_db_exec(c, rt_insert, p, 6, &affected, &id));
	}
	MT_EQ_INT(affected, 1);
	MT_EQ_INT(id, 1);
	rt_fetch(c, id, &r);
	MT_TRUE(r.i == INT64_MIN);
	MT_TRUE(r.d == 3.141592653589793);
	MT_EQ_STR(r.i_text, "-9223372036854775808");
	MT_EQ_STR(r.text, utf8);
	MT_EQ_INT(r.blob_len, sizeof(blob));
	MT_TRUE(memcmp(r.blob, blob, sizeof(blob)) == 0);
	MT_EQ_INT(r.big_len, BIG_LEN);
	MT_TRUE(memcmp(r.big, big, BIG_LEN) == 0);
	MT_EQ_INT(r.nulls, 1);
	rt_free(&r);
	{
		med_db_value p[6] = {MED_DB_NULLV(),	    MED_DB_NULLV(),
				     MED_DB_NULLV(),	    MED_DB_NULLV(),
				     MED_DB_BLOBV(NULL, 0), MED_DB_I64(7)};

		MT_OK(med_db_exec(c, rt_insert, p, 6, NULL, &id));
	}
	rt_fetch(c, id, &r);
	MT_EQ_INT(r.nulls, 4);
	MT_TRUE(r.text == NULL && r.blob == NULL);
	MT_EQ_STR(r.big, "");
	MT_EQ_INT(r.i, 0);
	rt_free(&r);
	med_db_release(c);
	free(big);
	med_db_close(db);
}

/* A value longer than the first row's forces the refetch path. */
static void
test_growing_values(void)
{
	med_db *db = fresh_db(1, 0);
	med_db_conn *c;
	cell n = {0};

	MT_OK(exec1(db, "CREATE TABLE g (id INT PRIMARY KEY, s MEDIUMTEXT)",
		    NULL, 0));
	MT_OK(med_db_acquire(db, &c));
	for (int i = 1; i <= 3; i++) {
		char *s = calloc(1, (size_t)i * 100000 + 1);
		med_db_value p[2] = {MED_DB_I64(i), MED_DB_STR("")};

		memset(s, 'x', (size_t)i * 100000);
		p[1] = MED_DB_STR(s);
		MT_OK(med_db_exec(c, "INSERT INTO g VALUES (?, ?)", p, 2, NULL,
				  NULL));
		free(s);
	}
	MT_OK(med_db_query(c, "SELECT LENGTH(s) FROM g ORDER BY id", NULL, 0,
			   on_cell, &n));
	MT_EQ_INT(n.rows, 3);
	MT_EQ_INT(n.i, 300000);
	med_db_release(c);
	med_db_close(db);
}

/* insert_counted inserts MRN-1 into p, counting its runs in ctx. */
static med_err
insert_counted(med_db_conn *c, void *ctx)
{
	med_db_value p[1] = {MED_DB_STR("MRN-1")};

	(*(int *)ctx)++;
	return med_db_exec(c, "INSERT INTO p VALUES (?)", p, 1, NULL, NULL);
}

static void
test_dup_key(void)
{
	med_db *db = fresh_db(1, 0);
	med_db_value p[1] = {MED_DB_STR("MRN-1")};
	int runs = 0;

	MT_OK(exec1(db, "CREATE TABLE p (mrn VARCHAR(20) PRIMARY KEY)", NULL,
		    0));
	MT_OK(exec1(db, "INSERT INTO p VALUES (?)", p, 1));
	MT_EQ_INT(exec1(db, "INSERT INTO p VALUES (?)", p, 1), MED_ERR_EXISTS);
	/* The connection stays usable. */
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM p"), 1);
	/* On one server a transaction that meets a duplicate runs once (only
	 * a Galera node runs it again, in case another node's commit
	 * crossed it). */
	MT_EQ_INT(med_db_tx(db, insert_counted, &runs), MED_ERR_EXISTS);
	MT_EQ_INT(runs, 1);
	med_db_close(db);
}

/* seen_by asks whether sql yields a row, through med_db_row_seen. */
static bool
seen_by(med_db *db, const char *sql)
{
	bool seen = false;

	MT_OK(med_db_query_once(db, sql, NULL, 0, med_db_row_seen, &seen));
	return seen;
}

static void
test_row_seen(void)
{
	med_db *db = fresh_db(1, 0);

	MT_TRUE(seen_by(db, "SELECT 1"));
	MT_TRUE(!seen_by(db, "SELECT 1 FROM DUAL WHERE 1 = 0"));
	med_db_close(db);
}

/* A one-number query read through med_db_row_take_int64: the number, a
 * NULL as 0, the caller's value kept without a row, and NOT_FOUND for no
 * row through med_db_query_row. */
static void
test_row_take_int64(void)
{
	med_db *db = fresh_db(1, 0);
	med_db_conn *c;
	int64_t n = -1;

	MT_OK(med_db_query_once(db, "SELECT 9007199254740993", NULL, 0,
				med_db_row_take_int64, &n));
	MT_EQ_INT(n, 9007199254740993LL);
	MT_OK(med_db_query_once(db, "SELECT NULL", NULL, 0,
				med_db_row_take_int64, &n));
	MT_EQ_INT(n, 0);
	n = 7;
	MT_OK(med_db_query_once(db, "SELECT 1 FROM DUAL WHERE 1 = 0", NULL, 0,
				med_db_row_take_int64, &n));
	MT_EQ_INT(n, 7);
	MT_OK(med_db_acquire(db, &c));
	MT_EQ_INT(med_db_query_row(c, "SELECT 1 FROM DUAL WHERE 1 = 0", NULL, 0,
				   med_db_row_take_int64, &n),
		  MED_ERR_NOT_FOUND);
	med_db_release(c);
	med_db_close(db);
}

/* params_sql writes "SELECT ?+?+...+?" with n placeholders. */
static char *
params_sql(size_t n)
{
	char *sql = malloc(8 + 2 * n);
	size_t off = sizeof("SELECT ") - 1;

	MT_TRUE(sql != NULL);
	memcpy(sql, "SELECT ", off);
	for (size_t i = 0; i < n; i++) {
		sql[off++] = i == 0 ? '?' : '+';
		if (i > 0)
			sql[off++] = '?';
	}
	sql[off] = '\0';
	return sql;
}

/* The cap on bound parameters: MED_DB_MAX_PARAMS run, one more is refused
 * as invalid (a caller's bug the log names), never run half-bound. */
static void
test_param_cap(void)
{
	med_db *db = fresh_db(1, 0);
	med_db_value v[MED_DB_MAX_PARAMS + 1];
	char *at_cap = params_sql(MED_DB_MAX_PARAMS);
	char *over = params_sql(MED_DB_MAX_PARAMS + 1);

	for (size_t i = 0; i <= MED_DB_MAX_PARAMS; i++)
		v[i] = MED_DB_I64(1);
	MT_EQ_INT(scalar_with(db, at_cap, v, MED_DB_MAX_PARAMS),
		  MED_DB_MAX_PARAMS);
	MT_EQ_INT(exec1(db, over, v, MED_DB_MAX_PARAMS + 1), MED_ERR_INVALID);
	free(at_cap);
	free(over);
	med_db_close(db);
}

/* One row's INSERT run for 4000 rows bound as arrays (a note's
 * suggestions): every row arrives with its own values, a NULL among
 * them; with a column of mixed types, or a row's values other than the
 * placeholders, nothing is run. */
static void
test_exec_array(void)
{
	enum { ROWS = 4000 };
	static const char sql[] = "INSERT INTO bulk VALUES (?,?)";
	med_db *db = fresh_db(1, 0);
	med_db_value *v = calloc(2 * ROWS, sizeof(*v));
	med_db_conn *c;
	uint64_t affected = 0;

	MT_TRUE(v != NULL);
	for (size_t i = 0; i < ROWS; i++) {
		v[2 * i] = MED_DB_I64((int64_t)i);
		v[2 * i + 1] = MED_DB_STR(i % 2 ? "odd" : "even");
	}
	v[1] = MED_DB_NULLV();
	MT_OK(exec1(db, "CREATE TABLE bulk (n INT PRIMARY KEY, s VARCHAR(8))",
		    NULL, 0));
	MT_OK(med_db_acquire(db, &c));
	MT_OK(med_db_exec_array(c, sql, v, 2, ROWS, &affected));
	MT_EQ_INT(affected, ROWS);
	MT_EQ_INT(med_db_exec_array(c, sql, v, 1, 2 * ROWS, NULL),
		  MED_ERR_INTERNAL);
	v[3] = MED_DB_I64(1);
	MT_EQ_INT(med_db_exec_array(c, sql, v, 2, ROWS, NULL), MED_ERR_INVALID);
	MT_EQ_INT(med_db_exec_array(c, sql, v, 2, 0, NULL), MED_ERR_INVALID);
	med_db_release(c);
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM bulk"), ROWS);
	MT_EQ_INT(scalar(db, "SELECT SUM(n) FROM bulk WHERE s = 'odd'"),
		  (ROWS / 2) * (ROWS / 2));
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM bulk WHERE s IS NULL"), 1);
	free(v);
	med_db_close(db);
}

/* non_bin counts t's text columns that compare otherwise than in binary,
 * plus 1 when the table's own default does. */
static int64_t
non_bin(med_db *db, const char *t)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "SELECT (SELECT COUNT(*) FROM information_schema.COLUMNS"
		 " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '%s'"
		 " AND COLLATION_NAME <> 'utf8mb4_bin') + (SELECT COUNT(*)"
		 " FROM information_schema.TABLES WHERE TABLE_SCHEMA ="
		 " DATABASE() AND TABLE_NAME = '%s'"
		 " AND TABLE_COLLATION <> 'utf8mb4_bin')",
		 t, t);
	return scalar(db, sql);
}

/* A table of the server's latin1 default is brought to utf8mb4_bin: then
 * "A" and "a" are two keys and "李" fits; a name that is not a plain
 * identifier is refused before any SQL. */
static void
test_table_bin(void)
{
	med_db *db = fresh_db(1, 0);
	med_db_conn *c;
	med_db_value up = MED_DB_STR("A"), low = MED_DB_STR("a"),
		     han = MED_DB_STR("\xe6\x9d\x8e");

	MT_OK(exec1(db,
		    "CREATE TABLE k (id VARCHAR(8) PRIMARY KEY)"
		    " DEFAULT CHARSET=latin1",
		    NULL, 0));
	MT_OK(exec1(db,
		    "CREATE TABLE n (id INT PRIMARY KEY)"
		    " DEFAULT CHARSET=latin1",
		    NULL, 0));
	MT_OK(exec1(db, "INSERT INTO k VALUES (?)", &up, 1));
	MT_EQ_INT(exec1(db, "INSERT INTO k VALUES (?)", &low, 1),
		  MED_ERR_EXISTS);
	MT_EQ_INT(non_bin(db, "k"), 2);
	MT_EQ_INT(non_bin(db, "n"), 1);
	MT_OK(med_db_acquire(db, &c));
	MT_OK(med_db_table_bin(c, "k"));
	MT_OK(med_db_table_bin(c, "n"));
	MT_OK(med_db_table_bin(c, "k")); /* already binary: no change */
	MT_OK(med_db_table_bin(c, "no_such_table"));
	MT_EQ_INT(med_db_table_bin(c, "k; DROP TABLE k"), MED_ERR_INVALID);
	MT_EQ_INT(med_db_table_bin(c, ""), MED_ERR_INVALID);
	med_db_release(c);
	MT_EQ_INT(non_bin(db, "k"), 0);
	MT_EQ_INT(non_bin(db, "n"), 0);
	MT_OK(exec1(db, "INSERT INTO k VALUES (?)", &low, 1));
	MT_OK(exec1(db, "INSERT INTO k VALUES (?)", &han, 1));
	MT_OK(med_db_table_bin_once(db, "k"));
	med_db_close(db);
}

/* map_name maps (name) into a HealthCheckRequest's service; a row named
 * "bad" is refused, as a store refuses a row it cannot read. */
static med_err
map_name(void *ctx, med_arena *a, const med_db_row *row, void *msg)
{
	Grpc__Health__V1__HealthCheckRequest *m = msg;

	(*(int *)ctx)++;
	m->service = med_db_row_strdup(a, row, 0);
	if (m->service == NULL)
		return MED_ERR_NOMEM;
	return strcmp(m->service, "bad") == 0 ? MED_ERR_DATA_LOSS : MED_OK;
}

/* The read-one and row-collecting helpers: the first row by key,
 * NOT_FOUND with the out pointer untouched, the map's error passed on,
 * every row in order, and no messages past the arena's cap. */
static void
test_query_one(void)
{
	med_db *db = fresh_db(1, 0);
	med_arena *a = med_arena_new(1 << 16), *tiny = med_arena_new(64);
	int mapped = 0;
	med_db_msgs m = MED_DB_MSGS(
		a, &grpc__health__v1__health_check_request__descriptor,
		map_name, &mapped);
	Grpc__Health__V1__HealthCheckRequest *r = NULL, **all;
	med_db_value k1 = MED_DB_I64(1), k2 = MED_DB_I64(2), k9 = MED_DB_I64(9);
	med_db_conn *c;

	MT_TRUE(a != NULL && tiny != NULL);
	MT_OK(exec1(db, "CREATE TABLE q (id INT PRIMARY KEY, name TEXT)", NULL,
		    0));
	MT_OK(exec1(db,
		    "INSERT INTO q VALUES (1, 'records'), (2, 'bad'),"
		    " (3, 'dosage')",
		    NULL, 0));
	MT_OK(med_db_acquire(db, &c));
	MT_OK(med_db_query_one(c, "SELECT name FROM q WHERE id = ?", &k1, 1, &m,
			       (void **)&r));
	MT_TRUE(r != NULL);
	MT_EQ_STR(r->service, "records");
	MT_EQ_INT(med_db_query_one(c, "SELECT name FROM q WHERE id = ?", &k9, 1,
				   &m, (void **)&r),
		  MED_ERR_NOT_FOUND);
	MT_EQ_STR(r->service, "records"); /* untouched */
	m = MED_DB_MSGS(a, &grpc__health__v1__health_check_request__descriptor,
			map_name, &mapped);
	MT_EQ_INT(med_db_query_one(c, "SELECT name FROM q WHERE id = ?", &k2, 1,
				   &m, (void **)&r),
		  MED_ERR_DATA_LOSS);
	m = MED_DB_MSGS(a, &grpc__health__v1__health_check_request__descriptor,
			map_name, &mapped);
	MT_OK(med_db_query(c, "SELECT name FROM q WHERE id <> 2 ORDER BY id",
			   NULL, 0, med_db_msg_row, &m));
	all = (Grpc__Health__V1__HealthCheckRequest **)m.items;
	MT_EQ_INT(m.n, 2);
	MT_EQ_STR(all[0]->service, "records");
	MT_EQ_STR(all[1]->service, "dosage");
	MT_EQ_INT(mapped, 4);
	m = MED_DB_MSGS(tiny,
			&grpc__health__v1__health_check_request__descriptor,
			map_name, &mapped);
	MT_EQ_INT(med_db_query(c, "SELECT name FROM q ORDER BY id", NULL, 0,
			       med_db_msg_row, &m),
		  MED_ERR_NOMEM);
	med_db_release(c);
	MT_EQ_INT(med_db_query_one_once(db, "SELECT name FROM q WHERE id = ?",
					&k1, 1, &m, (void **)&r),
		  MED_ERR_NOMEM);
	m = MED_DB_MSGS(a, &grpc__health__v1__health_check_request__descriptor,
			map_name, &mapped);
	MT_OK(med_db_query_one_once(db, "SELECT name FROM q WHERE id = ?", &k1,
				    1, &m, (void **)&r));
	MT_EQ_STR(r->service, "records");
	med_arena_free(tiny);
	med_arena_free(a);
	med_db_close(db);
}

/* name_row copies column 0 into a caller's buffer; "bad" is an error
 * of the map, passed on. */
static med_err
name_row(void *ctx, const med_db_row *row)
{
	char *out = ctx;
	const char *s = med_db_row_text(row, 0, NULL);

	snprintf(out, 16, "%s", s ? s : "");
	return strcmp(out, "bad") == 0 ? MED_ERR_DATA_LOSS : MED_OK;
}

/* The read-one helper for rows mapped into C structs: the row by key,
 * NOT_FOUND without the row function called, its error passed on, on a
 * held connection and on one taken for the statement. */
static void
test_query_row(void)
{
	med_db *db = fresh_db(1, 0);
	med_db_value k1 = MED_DB_I64(1), k2 = MED_DB_I64(2), k9 = MED_DB_I64(9);
	char name[16] = "untouched";
	med_db_conn *c;

	MT_OK(exec1(db, "CREATE TABLE q (id INT PRIMARY KEY, name TEXT)", NULL,
		    0));
	MT_OK(exec1(db, "INSERT INTO q VALUES (1, 'records'), (2, 'bad')", NULL,
		    0));
	MT_OK(med_db_acquire(db, &c));
	MT_EQ_INT(med_db_query_row(c, "SELECT name FROM q WHERE id = ?", &k9, 1,
				   name_row, name),
		  MED_ERR_NOT_FOUND);
	MT_EQ_STR(name, "untouched");
	MT_OK(med_db_query_row(c, "SELECT name FROM q WHERE id = ?", &k1, 1,
			       name_row, name));
	MT_EQ_STR(name, "records");
	MT_EQ_INT(med_db_query_row(c, "SELECT name FROM q WHERE id = ?", &k2, 1,
				   name_row, name),
		  MED_ERR_DATA_LOSS);
	MT_EQ_INT(med_db_query_row(c, "SELEKT name", NULL, 0, name_row, name),
		  MED_ERR_INTERNAL);
	med_db_release(c);
	MT_EQ_INT(med_db_query_row_once(db, "SELECT name FROM q WHERE id = ?",
					&k9, 1, name_row, name),
		  MED_ERR_NOT_FOUND);
	MT_OK(med_db_query_row_once(db, "SELECT name FROM q WHERE id = ?", &k1,
				    1, name_row, name));
	MT_EQ_STR(name, "records");
	med_db_close(db);
}

static void
test_data_errors(void)
{
	med_db *db = fresh_db(1, 0);
	med_db_value toolong[2] = {MED_DB_STR("abcdefgh"), MED_DB_I64(1)};
	med_db_value range[2] = {MED_DB_STR("a"), MED_DB_I64(1000)};
	med_db_value null[2] = {MED_DB_NULLV(), MED_DB_I64(1)};

	MT_OK(exec1(db, "CREATE TABLE x (s VARCHAR(5) NOT NULL, n TINYINT)",
		    NULL, 0));
	MT_EQ_INT(exec1(db, "INSERT INTO x VALUES (?, ?)", toolong, 2),
		  MED_ERR_INVALID);
	MT_EQ_INT(exec1(db, "INSERT INTO x VALUES (?, ?)", range, 2),
		  MED_ERR_INVALID);
	MT_EQ_INT(exec1(db, "INSERT INTO x VALUES (?, ?)", null, 2),
		  MED_ERR_INVALID);
	MT_EQ_INT(exec1(db, "SELEKT nonsense", NULL, 0), MED_ERR_INTERNAL);
	MT_EQ_INT(exec1(db, "INSERT INTO x VALUES (?, ?)", range, 1),
		  MED_ERR_INTERNAL);
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM x"), 0);
	med_db_close(db);
}

/* ---- transactions ---- */

static med_err
tx_insert_then_fail(med_db_conn *c, void *ctx)
{
	med_db_value p = MED_DB_I64(1);
	med_err err =
		med_db_exec(c, "INSERT INTO tx VALUES (?)", &p, 1, NULL, NULL);

	(void)ctx;
	return err != MED_OK ? err : MED_ERR_INVALID;
}

static med_err
tx_insert(med_db_conn *c, void *ctx)
{
	med_db_value p = MED_DB_I64(*(int64_t *)ctx);

	return med_db_exec(c, "INSERT INTO tx VALUES (?)", &p, 1, NULL, NULL);
}

static med_err
tx_conflict(med_db_conn *c, void *ctx)
{
	(void)c;
	++*(int *)ctx;
	return MED_ERR_CONFLICT;
}

/* tx_conflict_then_insert conflicts in its first runs, as a transaction
 * on a hot row written through two Galera nodes can many times in a row,
 * then commits; ctx counts its runs. */
static med_err
tx_conflict_then_insert(med_db_conn *c, void *ctx)
{
	int64_t v = 77;

	if (++*(int *)ctx <= 12)
		return MED_ERR_CONFLICT;
	return tx_insert(c, &v);
}

/* tx_ended_silently plays a Galera node that rolls the transaction back
 * without an error: its first run inserts 1, ends the transaction with a
 * ROLLBACK statement of its own (which succeeds), then drops every error
 * as a careless body would and inserts 2; the second run inserts 3.  ctx
 * counts runs; errs[] keeps what the first run's last two statements
 * returned. */
typedef struct silent_run {
	int runs;
	med_err after_rollback, insert_after;
} silent_run;

static med_err
tx_ended_silently(med_db_conn *c, void *ctx)
{
	silent_run *r = ctx;
	int64_t one = 1, two = 2, three = 3;

	if (++r->runs > 1)
		return tx_insert(c, &three);
	(void)tx_insert(c, &one);
	r->after_rollback = med_db_exec(c, "ROLLBACK", NULL, 0, NULL, NULL);
	r->insert_after = tx_insert(c, &two);
	return MED_OK;
}

/* A transaction the server ended without an error is a conflict: the
 * statement that found it fails, nothing more reaches the server (each
 * statement would commit alone), COMMIT is refused, and it runs again. */
static void
test_tx_ended_by_server(void)
{
	med_db *db = fresh_db(1, 0);
	silent_run r = {0};

	MT_OK(exec1(db, "CREATE TABLE tx (n INT PRIMARY KEY) ENGINE=InnoDB",
		    NULL, 0));
	MT_OK(med_db_tx(db, tx_ended_silently, &r));
	MT_EQ_INT(r.runs, 2);
	MT_EQ_INT(r.after_rollback, MED_ERR_CONFLICT);
	MT_EQ_INT(r.insert_after, MED_ERR_CONFLICT);
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM tx"), 1);
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM tx WHERE n = 3"), 1);
	med_db_close(db);
}

static void
test_tx(void)
{
	med_db *db = fresh_db(2, 0);
	int64_t v = 5;
	int tries = 0;
	int64_t t0;
	med_db_conn *c;
	med_db_value p = MED_DB_I64(9);

	MT_OK(exec1(db, "CREATE TABLE tx (n INT PRIMARY KEY) ENGINE=InnoDB",
		    NULL, 0));
	MT_EQ_INT(med_db_tx(db, tx_insert_then_fail, NULL), MED_ERR_INVALID);
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM tx"), 0);
	MT_OK(med_db_tx(db, tx_insert, &v));
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM tx"), 1);
	t0 = now_ms();
	MT_EQ_INT(med_db_tx(db, tx_conflict, &tries), MED_ERR_CONFLICT);
	/* Every run of fn conflicted: it ran at least 8 times, and went on
	 * for about 3 s (Galera's certification failures come as deadlocks,
	 * and a hot row loses many in a row), but not without end. */
	MT_TRUE(tries >= 8 && tries <= 64);
	MT_TRUE(now_ms() - t0 >= 2900);
	/* Twelve conflicts in a row, then a commit: the caller sees OK. */
	tries = 0;
	MT_OK(med_db_tx(db, tx_conflict_then_insert, &tries));
	MT_EQ_INT(tries, 13);
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM tx WHERE n = 77"), 1);
	MT_OK(exec1(db, "DELETE FROM tx WHERE n = 77", NULL, 0));
	/* Release rolls back a transaction left open. */
	MT_OK(med_db_acquire(db, &c));
	MT_OK(med_db_begin(c));
	MT_OK(med_db_exec(c, "INSERT INTO tx VALUES (?)", &p, 1, NULL, NULL));
	med_db_release(c);
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM tx"), 1);
	/* Explicit commit. */
	MT_OK(med_db_acquire(db, &c));
	MT_OK(med_db_begin(c));
	MT_OK(med_db_exec(c, "INSERT INTO tx VALUES (?)", &p, 1, NULL, NULL));
	MT_OK(med_db_commit(c));
	med_db_release(c);
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM tx"), 2);
	med_db_close(db);
}

/* ---- no outbound call inside a transaction (db_tx_guard.c) ---- */

/* out_in_tx_count is the library registry's count of outbound calls to
 * method made inside a transaction (0 while the series is absent). */
static long
out_in_tx_count(const char *method)
{
	char key[128], *text, *at;
	size_t len;
	long n = 0;

	snprintf(key, sizeof(key), "%s{method=\"%s\"} ", MED_DB_OUT_IN_TX,
		 method);
	if (med_metrics_render(med_metrics_lib(), &text, &len) != MED_OK)
		return -1;
	if ((at = strstr(text, key)) != NULL)
		n = strtol(at + strlen(key), NULL, 10);
	free(text);
	return n;
}

/* call_check makes one Health/Check call on ch (nobody listens: it fails
 * UNAVAILABLE at once) and returns MED_OK so the transaction commits. */
static med_err
call_check(med_db_conn *c, void *ch)
{
	Grpc__Health__V1__HealthCheckRequest req =
		GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
	med_call_opts opts = {.deadline_ms = 2000};
	med_arena *a = med_arena_new(4096);
	ProtobufCMessage *out;

	(void)c;
	if (a == NULL)
		return MED_ERR_NOMEM;
	if (med_channel_unary(
		    ch, "/grpc.health.v1.Health/Check", &req.base,
		    &grpc__health__v1__health_check_response__descriptor, a,
		    &opts, &out, NULL) == MED_OK)
		fprintf(stderr, "Check answered: nobody should listen\n");
	med_arena_free(a);
	return MED_OK;
}

/* look_up_patient asks p (identity at a port nobody listens on) about a
 * patient, as a write would, and returns MED_OK so the transaction
 * commits. */
static med_err
look_up_patient(med_db_conn *c, void *p)
{
	med_patient_result res;

	(void)c;
	if (med_patients_check(p, "p-1", 500, NULL, &res) == MED_OK)
		fprintf(stderr, "identity answered: nobody should listen\n");
	return MED_OK;
}

/* fetch_jwks opens a JWT source whose JWKS URL (url) nobody answers: an
 * HTTP fetch at once, which fails the open. */
static med_err
fetch_jwks(med_db_conn *c, void *url)
{
	med_jwt_opts o = {.jwks_url = url, .issuer = "i", .audience = "a"};
	med_authenticator a;
	char err[256];

	(void)c;
	if (med_auth_jwt_open(&o, &a, err, sizeof(err)) == MED_OK) {
		fprintf(stderr, "JWKS fetched: nobody should listen\n");
		med_authenticator_free(&a);
	}
	return MED_OK;
}

#ifdef MED_DEBUG_TX
/* in_tx_status runs fn(ctx) inside a transaction in a child process (no
 * core file) and returns how the child ended: the debug assertion aborts
 * before the work touches gRPC or curl, so the child shares nothing with
 * this process but ctx's pointer. */
static int
in_tx_status(med_db_tx_fn fn, void *ctx)
{
	struct rlimit no_core = {0, 0};
	int status = 0;
	pid_t pid;

	fflush(NULL);
	if ((pid = fork()) == 0) {
		med_db *db = fresh_db(1, 0);

		(void)setrlimit(RLIMIT_CORE, &no_core);
		/* Any exit at all means the assertion did not fire. */
		_exit(med_db_tx(db, fn, ctx) == MED_OK ? 0 : 3);
	}
	MT_TRUE(pid > 0);
	MT_EQ_INT(waitpid(pid, &status, 0), pid);
	return status;
}
#endif

/* expect_guard runs fn(ctx) outside a transaction (allowed: method's count
 * stays 0) and inside one, where the guard fires: counted once per run, or
 * in a MED_DEBUG_TX build (test_db_debug_tx) an abort. */
static void
expect_guard(med_db_tx_fn fn, void *ctx, const char *method)
{
	MT_OK(fn(NULL, ctx));
	MT_EQ_INT(out_in_tx_count(method), 0);
#ifdef MED_DEBUG_TX
	int status = in_tx_status(fn, ctx);

	MT_TRUE(WIFSIGNALED(status));
	MT_EQ_INT(WTERMSIG(status), SIGABRT);
#else
	med_db *db = fresh_db(2, 0);

	MT_OK(med_db_tx(db, fn, ctx));
	MT_EQ_INT(out_in_tx_count(method), 1);
	MT_OK(med_db_tx(db, fn, ctx));
	MT_EQ_INT(out_in_tx_count(method), 2);
	med_db_close(db);
#endif
}

/* An outbound gRPC call made while a transaction holds its locks. */
static void
test_outbound_call_in_tx(void)
{
	char target[32];
	med_channel *ch;

	snprintf(target, sizeof(target), "127.0.0.1:%d", free_port());
	MT_OK(med_channel_open(target, &ch));
	expect_guard(call_check, ch, "Check");
	med_channel_close(ch);
}

/* A patient lookup made inside a transaction: the patient is decided
 * before it opens (patients.c), whether or not identity is then asked. */
static void
test_patient_lookup_in_tx(void)
{
	char target[32];
	med_patients_opts o = {.target = target, .ttl_ms = 60000};
	med_patients *p;

	snprintf(target, sizeof(target), "127.0.0.1:%d", free_port());
	MT_OK(med_patients_new(&o, &p));
	expect_guard(look_up_patient, p, "PatientLookup");
	med_patients_free(p);
}

/* An HTTP fetch (the JWKS, jwks_fetch.c) made inside a transaction. */
static void
test_http_fetch_in_tx(void)
{
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/jwks", free_port());
	expect_guard(fetch_jwks, url, "JWKS");
}

/* ---- the pool ---- */

#define N_THREADS 8
#define N_INSERTS 40

typedef struct worker {
	med_db *db;
	int id;
	int failures;
} worker;

static void *
worker_main(void *arg)
{
	worker *w = arg;

	for (int i = 0; i < N_INSERTS; i++) {
		med_db_value p[2] = {MED_DB_I64(w->id), MED_DB_I64(i)};
		med_db_conn *c;
		cell n = {0};

		if (med_db_acquire(w->db, &c) != MED_OK) {
			w->failures++;
			continue;
		}
		if (med_db_exec(c, "INSERT INTO w VALUES (?, ?)", p, 2, NULL,
				NULL) != MED_OK ||
		    med_db_query(c, "SELECT COUNT(*) FROM w WHERE t = ?", p, 1,
				 on_cell, &n) != MED_OK ||
		    n.i != i + 1)
			w->failures++;
		med_db_release(c);
	}
	return NULL;
}

static void
test_concurrent(void)
{
	med_db *db = fresh_db(3, 10000);
	pthread_t th[N_THREADS];
	worker w[N_THREADS];

	MT_OK(exec1(db, "CREATE TABLE w (t INT, i INT, PRIMARY KEY (t, i))",
		    NULL, 0));
	for (int i = 0; i < N_THREADS; i++) {
		w[i] = (worker){.db = db, .id = i};
		MT_EQ_INT(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < N_THREADS; i++) {
		pthread_join(th[i], NULL);
		MT_EQ_INT(w[i].failures, 0);
	}
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM w"), N_THREADS * N_INSERTS);
	/* The pool never opened more connections than its size. */
	MT_TRUE(scalar(db, "SELECT COUNT(*) FROM information_schema."
			   "processlist WHERE db = DATABASE()") <= 3);
	med_db_close(db);
}

static void
test_pool_exhaustion(void)
{
	med_db *db = fresh_db(1, 300);
	med_db_conn *c, *c2;
	int64_t t0, dt;

	MT_OK(med_db_acquire(db, &c));
	t0 = now_ms();
	MT_EQ_INT(med_db_acquire(db, &c2), MED_ERR_TIMEOUT);
	dt = now_ms() - t0;
	MT_TRUE(dt >= 290 && dt < 2000);
	med_db_release(c);
	MT_OK(med_db_acquire(db, &c2));
	MT_TRUE(c2 == c);
	med_db_release(c2);
	med_db_close(db);
}

static void *
acquire_once(void *arg)
{
	med_db_conn *c;
	med_err err = med_db_acquire(arg, &c);

	if (err == MED_OK)
		med_db_release(c);
	return (void *)(intptr_t)err;
}

/* pool_gauge reads database "medt_<pid>_<seq>"'s sample of name. */
static double
pool_gauge(const char *name, const char *db, const char *state)
{
	char s[256];

	if (state != NULL)
		snprintf(s, sizeof(s), "%s{database=\"%s\",state=\"%s\"}", name,
			 db, state);
	else
		snprintf(s, sizeof(s), "%s{database=\"%s\"}", name, db);
	return mt_lib_metric(s);
}

/* retries reads database db's smartmed_db_tx_retries_total{reason}. */
static double
retries(const char *db, const char *reason)
{
	char s[256];

	snprintf(s, sizeof(s),
		 "smartmed_db_tx_retries_total{database=\"%s\",reason=\"%s\"}",
		 db, reason);
	return mt_lib_metric(s);
}

/* commits reads database db's smartmed_db_commits_total. */
static double
commits(const char *db)
{
	char s[256];

	snprintf(s, sizeof(s), "smartmed_db_commits_total{database=\"%s\"}",
		 db);
	return mt_lib_metric(s);
}

typedef struct lock_wait {
	med_db_conn *holder; /* holds row 1 in an open transaction */
	int runs;
} lock_wait;

/* tx_wait_on_holder inserts row 1, which the holder's transaction holds:
 * its first run waits a second and fails with 1205 (lock wait timeout);
 * the second ends the holder's transaction first, and commits. */
static med_err
tx_wait_on_holder(med_db_conn *c, void *ctx)
{
	lock_wait *w = ctx;
	med_db_value p = MED_DB_I64(1);
	med_err err;

	if (++w->runs == 2)
		med_db_rollback(w->holder);
	err = med_db_exec(c, "SET SESSION innodb_lock_wait_timeout = 1", NULL,
			  0, NULL, NULL);
	if (err != MED_OK)
		return err;
	return med_db_exec(c, "INSERT INTO w VALUES (?)", &p, 1, NULL, NULL);
}

/* Each rerun of a transaction is counted by reason: "other" for a
 * conflict its body reported, lock_wait_timeout for the server's 1205. */
static void
test_tx_retries(void)
{
	med_db *db = fresh_db(2, 0);
	char name[64];
	int tries = 0;
	lock_wait w = {0};
	med_db_value p = MED_DB_I64(1);

	snprintf(name, sizeof(name), "%s", fresh_name);
	MT_EQ_INT(retries(name, "other"), 0);
	MT_EQ_INT(retries(name, "deadlock"), 0);
	MT_EQ_INT(commits(name), 0);
	MT_OK(exec1(db, "CREATE TABLE tx (n INT PRIMARY KEY) ENGINE=InnoDB",
		    NULL, 0));
	MT_OK(med_db_tx(db, tx_conflict_then_insert, &tries));
	MT_EQ_INT(retries(name, "other"), 12);
	/* Twelve runs rolled back, one committed: one commit counted. */
	MT_EQ_INT(commits(name), 1);
	MT_OK(exec1(db, "CREATE TABLE w (n INT PRIMARY KEY) ENGINE=InnoDB",
		    NULL, 0));
	MT_OK(med_db_acquire(db, &w.holder));
	MT_OK(med_db_begin(w.holder));
	MT_OK(med_db_exec(w.holder, "INSERT INTO w VALUES (?)", &p, 1, NULL,
			  NULL));
	MT_OK(med_db_tx(db, tx_wait_on_holder, &w));
	MT_EQ_INT(w.runs, 2);
	med_db_release(w.holder);
	MT_EQ_INT(retries(name, "lock_wait_timeout"), 1);
	MT_EQ_INT(retries(name, "deadlock"), 0);
	MT_EQ_INT(commits(name), 2);
	MT_EQ_INT(scalar(db, "SELECT COUNT(*) FROM w"), 1);
	med_db_close(db);
}

static void
test_pool_gauges(void)
{
	med_db *db = fresh_db(2, 300);
	med_db_conn *a, *b;
	pthread_t t;
	void *rc;
	char name[64], s[256];

	snprintf(name, sizeof(name), "medt_%d_0", (int)getpid());
	MT_EQ_INT(pool_gauge("smartmed_db_pool_size", name, NULL), 2);
	MT_EQ_INT(pool_gauge("smartmed_db_pool_connections", name, "in_use"),
		  0);
	MT_OK(med_db_acquire(db, &a));
	MT_OK(med_db_acquire(db, &b));
	MT_EQ_INT(pool_gauge("smartmed_db_pool_connections", name, "in_use"),
		  2);
	MT_EQ_INT(pool_gauge("smartmed_db_pool_connections", name, "idle"), 0);
	/* A third caller waits, then times out: a waiter, then a timeout. */
	MT_OK(pthread_create(&t, NULL, acquire_once, db));
	for (int i = 0;
	     i < 200 && pool_gauge("smartmed_db_pool_waiters", name, NULL) < 1;
	     i++)
		usleep(1000);
	MT_EQ_INT(pool_gauge("smartmed_db_pool_waiters", name, NULL), 1);
	pthread_join(t, &rc);
	MT_EQ_INT((intptr_t)rc, MED_ERR_TIMEOUT);
	MT_EQ_INT(pool_gauge("smartmed_db_pool_waiters", name, NULL), 0);
	MT_EQ_INT(pool_gauge("smartmed_db_pool_acquire_timeouts_total", name,
			     NULL),
		  1);
	/* Three waits: two at once, one the whole 300 ms acquire timeout. */
	MT_EQ_INT(pool_gauge("smartmed_db_pool_wait_seconds_count", name, NULL),
		  3);
	snprintf(s, sizeof(s),
		 "smartmed_db_pool_wait_seconds_bucket{database=\"%s\","
		 "le=\"0.1\"}",
		 name);
	MT_EQ_INT(mt_lib_metric(s), 2);
	med_db_release(a);
	med_db_release(b);
	MT_EQ_INT(pool_gauge("smartmed_db_pool_connections", name, "in_use"),
		  0);
	MT_EQ_INT(pool_gauge("smartmed_db_pool_connections", name, "idle"), 2);
	med_db_close(db);
}

static void
test_stmt_cache(void)
{
	med_db *db = fresh_db(1, 0);
	char sql[64];

	/* More distinct statements than the cache holds, then hot ones. */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 40; i++) {
			snprintf(sql, sizeof(sql), "SELECT %d + ?", i);
			med_db_value p = MED_DB_I64(round);
			med_db_conn *c;
			cell n = {0};

			MT_OK(med_db_acquire(db, &c));
			MT_OK(med_db_query(c, sql, &p, 1, on_cell, &n));
			med_db_release(c);
			MT_EQ_INT(n.i, i + round);
		}
	}
	MT_OK(med_db_ping(db));
	med_db_close(db);
}

/* run_distinct runs n distinct statements on c ("SELECT i + ?"). */
static void
run_distinct(med_db_conn *c, int n, int64_t add)
{
	char sql[64];

	for (int i = 0; i < n; i++) {
		med_db_value p = MED_DB_I64(add);
		cell got = {0};

		snprintf(sql, sizeof(sql), "SELECT %d + ?", i);
		MT_OK(med_db_query(c, sql, &p, 1, on_cell, &got));
		MT_EQ_INT(got.i, i + add);
	}
}

/* status_int reads one of the server's status counters (global or
 * session) on c. */
static int64_t
status_int(med_db_conn *c, const char *scope, const char *name)
{
	char sql[160];
	med_db_value p = MED_DB_STR(name);
	cell got = {0};

	snprintf(sql, sizeof(sql),
		 "SELECT VARIABLE_VALUE FROM information_schema.%s_STATUS "
		 "WHERE VARIABLE_NAME = ?",
		 scope);
	MT_OK(med_db_query(c, sql, &p, 1, on_cell, &got));
	MT_EQ_INT(got.rows, 1);
	return got.i;
}

/* A service's hot path (about 35 distinct statements for a dose) is
 * prepared once per connection, not on every call. */
static void
test_stmt_cache_holds_hot_path(void)
{
	med_db *db = fresh_db(1, 0);
	med_db_conn *c;
	int64_t before;

	MT_OK(med_db_acquire(db, &c));
	run_distinct(c, 48, 0);
	before = status_int(c, "SESSION", "COM_STMT_PREPARE");
	run_distinct(c, 48, 1);
	MT_EQ_INT(status_int(c, "SESSION", "COM_STMT_PREPARE") - before, 0);
	med_db_release(c);
	med_db_close(db);
}

/* Where the server holds as many prepared statements as it allows, a
 * connection gives back its oldest ones and its statements still run. */
static void
test_stmt_cache_server_full(void)
{
	med_db *db = fresh_db(1, 0);
	med_db_conn *c;
	char sql[96];
	int64_t held;

	MT_OK(med_db_acquire(db, &c));
	run_distinct(c, 10, 0);
	held = status_int(c, "GLOBAL", "PREPARED_STMT_COUNT");
	/* Room for 3 more, of which the status query takes its own. */
	snprintf(sql, sizeof(sql), "SET GLOBAL max_prepared_stmt_count = %lld",
		 (long long)held + 3);
	MT_OK(med_db_exec(c, sql, NULL, 0, NULL, NULL));
	run_distinct(c, 30, 2);
	MT_OK(med_db_exec(c, "SET GLOBAL max_prepared_stmt_count = DEFAULT",
			  NULL, 0, NULL, NULL));
	med_db_release(c);
	med_db_close(db);
}

static void
test_killed_connection(void)
{
	med_db *db = fresh_db(2, 0);
	med_db_conn *c, *c2;
	cell id = {0}, n = {0};
	char kill[64];

	MT_OK(med_db_acquire(db, &c));
	MT_OK(med_db_query(c, "SELECT CONNECTION_ID()", NULL, 0, on_cell, &id));
	MT_OK(med_db_acquire(db, &c2));
	snprintf(kill, sizeof(kill), "KILL %lld", (long long)id.i);
	MT_OK(med_db_exec(c2, kill, NULL, 0, NULL, NULL));
	med_db_release(c2);
	MT_EQ_INT(med_db_query(c, "SELECT 1", NULL, 0, on_cell, &n),
		  MED_ERR_UNAVAILABLE);
	/* Later calls on the broken connection fail cleanly. */
	MT_EQ_INT(med_db_exec(c, "SELECT 1", NULL, 0, NULL, NULL),
		  MED_ERR_UNAVAILABLE);
	MT_EQ_INT(med_db_begin(c), MED_ERR_UNAVAILABLE);
	med_db_release(c);
	MT_EQ_INT(scalar(db, "SELECT 41 + 1"), 42);
	MT_EQ_INT(scalar(db, "SELECT 1"), 1);
	med_db_close(db);
}

/* A row lock wait ends on the server with a conflict the transaction
 * reruns, before the client's 10 s I/O timeout would abandon the
 * statement with its locks still held on the server. */
static void
test_lock_wait_ends_before_io_timeout(void)
{
	med_db *db = fresh_db(2, 0);
	med_db_conn *holder, *waiter;
	cell n = {0};

	MT_EQ_INT(scalar(db, "SELECT @@SESSION.innodb_lock_wait_timeout"), 8);
	MT_OK(exec1(db, "CREATE TABLE hot (id INT PRIMARY KEY, v INT)", NULL,
		    0));
	MT_OK(exec1(db, "INSERT INTO hot VALUES (1, 0)", NULL, 0));
	MT_OK(med_db_acquire(db, &holder));
	MT_OK(med_db_begin(holder));
	MT_OK(med_db_exec(holder, "UPDATE hot SET v = 1 WHERE id = 1", NULL, 0,
			  NULL, NULL));
	MT_OK(med_db_acquire(db, &waiter));
	MT_OK(med_db_begin(waiter));
	MT_EQ_INT(med_db_query(waiter,
			       "SELECT v FROM hot WHERE id = 1 FOR "
			       "UPDATE",
			       NULL, 0, on_cell, &n),
		  MED_ERR_CONFLICT);
	med_db_rollback(waiter);
	med_db_release(waiter);
	med_db_rollback(holder);
	med_db_release(holder);
	MT_EQ_INT(scalar(db, "SELECT v FROM hot WHERE id = 1"), 0);
	med_db_close(db);
}

static void
test_open_invalid(void)
{
	med_db_opts o = {.user = "root"};
	med_db *db = NULL;

	MT_EQ_INT(med_db_open(&o, &db), MED_ERR_INVALID);
	MT_EQ_INT(med_db_open(NULL, &db), MED_ERR_INVALID);
	o.database = "x";
	o.port = 70000;
	MT_EQ_INT(med_db_open(&o, &db), MED_ERR_INVALID);
	med_db_close(NULL);
	med_db_release(NULL);
}

/* ---- outages: on a server of the case's own ---- */

typedef struct own_server {
	char dir[512];
	int port;
} own_server;

static void
own_start(own_server *s)
{
	char line[2048];

	snprintf(s->dir, sizeof(s->dir), "%s/outage", topdir);
	s->port = free_port();
	MT_TRUE(s->port > 0);
	MT_EQ_INT(server_cmd("start", s->dir, s->port), 0);
	snprintf(line, sizeof(line),
		 "sh '%s' sql '%s' \"CREATE USER IF NOT EXISTS"
		 " '%s'@'127.0.0.1' IDENTIFIED BY '%s';"
		 " GRANT ALL ON *.* TO '%s'@'127.0.0.1'\" >/dev/null",
		 script, s->dir, TCP_USER, tcp_pw, TCP_USER);
	MT_EQ_INT(system(line), 0);
}

static med_err
timed_query(med_db *db, int64_t *ms)
{
	int64_t t0 = now_ms();
	med_db_conn *c;
	cell n = {0};
	med_err err = med_db_acquire(db, &c);

	if (err == MED_OK) {
		err = med_db_query(c, "SELECT COUNT(*) FROM o", NULL, 0,
				   on_cell, &n);
		med_db_release(c);
	}
	*ms = now_ms() - t0;
	return err;
}

static void
test_server_away(void)
{
	own_server s;
	med_db *db;
	med_db_conn *a, *b;
	int64_t ms;

	own_start(&s);
	db = fresh_db_on(NULL, "127.0.0.1", s.port, 2, 0);
	MT_OK(exec1(db, "CREATE TABLE o (n INT)", NULL, 0));
	/* Open both connections so both go stale in the outage. */
	MT_OK(med_db_acquire(db, &a));
	MT_OK(med_db_acquire(db, &b));
	med_db_release(a);
	med_db_release(b);
	MT_EQ_INT(server_cmd("stop", s.dir, 0), 0);

	for (int i = 0; i < 3; i++) {
		MT_EQ_INT(timed_query(db, &ms), MED_ERR_UNAVAILABLE);
		MT_TRUE(ms < 5000);
	}
	MT_EQ_INT(med_db_ping(db), MED_ERR_UNAVAILABLE);
	MT_EQ_INT(med_db_migrate(db, migs, 1), MED_ERR_UNAVAILABLE);

	MT_EQ_INT(server_cmd("start", s.dir, s.port), 0);
	/* The same pool recovers without being reopened. */
	MT_OK(timed_query(db, &ms));
	MT_OK(med_db_ping(db));
	MT_OK(med_db_migrate(db, migs, 1));
	med_db_close(db);
	server_cmd("stop", s.dir, 0);
}

static void
test_restart_between_calls(void)
{
	own_server s;
	med_db *db;
	med_db_conn *a, *b;
	int64_t ms;

	own_start(&s);
	db = fresh_db_on(NULL, "127.0.0.1", s.port, 2, 0);
	MT_OK(exec1(db, "CREATE TABLE o (n INT)", NULL, 0));
	MT_OK(med_db_acquire(db, &a));
	MT_OK(med_db_acquire(db, &b));
	med_db_release(a);
	med_db_release(b);
	/* No call sees the outage: the stale connections must not fail. */
	MT_EQ_INT(server_cmd("stop", s.dir, 0), 0);
	MT_EQ_INT(server_cmd("start", s.dir, s.port), 0);
	sleep(2);
	MT_OK(timed_query(db, &ms));
	MT_OK(timed_query(db, &ms));
	med_db_close(db);
	server_cmd("stop", s.dir, 0);
}

static void
test_never_up(void)
{
	med_db *db = pool_open(NULL, "127.0.0.1", free_port(), "nowhere", 2, 0);
	med_db_conn *c;
	int64_t t0 = now_ms();

	MT_EQ_INT(med_db_acquire(db, &c), MED_ERR_UNAVAILABLE);
	MT_EQ_INT(med_db_ping(db), MED_ERR_UNAVAILABLE);
	MT_EQ_INT(med_db_migrate(db, migs, 1), MED_ERR_UNAVAILABLE);
	MT_TRUE(now_ms() - t0 < 5000);
	med_db_close(db);
}

/* The server check: MariaDB from 10.11 on; older or MySQL refused with a
 * line naming what was found. */
static void
test_server_supported(void)
{
	char msg[256] = "";

	MT_TRUE(med_db_server_supported("10.11.19-MariaDB-0+deb12u1", 101119,
					msg, sizeof(msg)));
	MT_TRUE(med_db_server_supported("11.4.2-MariaDB", 110402, msg,
					sizeof(msg)));
	MT_TRUE(!med_db_server_supported("10.5.23-MariaDB-0+deb11u1", 100523,
					 msg, sizeof(msg)));
	MT_TRUE(strstr(msg, "10.5.23") != NULL);
	MT_TRUE(strstr(msg, "MariaDB 10.11 or later") != NULL);
	MT_TRUE(!med_db_server_supported("8.0.36", 80036, msg, sizeof(msg)));
	MT_TRUE(strstr(msg, "8.0.36") != NULL);
	MT_TRUE(!med_db_server_supported(NULL, 0, msg, sizeof(msg)));
}

/* ---- med_audit_node_get over the audit schema's two node tables ---- */

/* node_get_fails: med_audit_node_get of (level, index) is DATA_LOSS and
 * leaves out as it was. */
static void
node_get_fails(med_db_conn *c, unsigned level, uint64_t index)
{
	uint8_t out[32];

	memset(out, 0x55, sizeof(out));
	MT_EQ_INT(med_audit_node_get(c, level, index, out), MED_ERR_DATA_LOSS);
	for (size_t i = 0; i < sizeof(out); i++)
		MT_EQ_INT(out[i], 0x55);
}

/*
 * A leaf is events.leaf_hash at seq index + 1, a node tree_nodes' hash;
 * a missing row, a leaf not yet hashed (NULL) and a hash that is not 32
 * bytes are each a damaged store (the tree size says the node exists).
 */
static void
test_audit_node_get(void)
{
	med_db *db = fresh_db(1, 0);
	med_db_conn *c;
	uint8_t out[32];

	MT_OK(exec1(db,
		    "CREATE TABLE events (seq BIGINT PRIMARY KEY,"
		    " leaf_hash VARBINARY(64))",
		    NULL, 0));
	MT_OK(exec1(db,
		    "CREATE TABLE tree_nodes (level TINYINT, idx BIGINT,"
		    " hash VARBINARY(64), PRIMARY KEY (level, idx))",
		    NULL, 0));
	MT_OK(exec1(db,
		    "INSERT INTO events VALUES (1, REPEAT('a', 32)),"
		    " (2, NULL), (3, REPEAT('b', 31))",
		    NULL, 0));
	MT_OK(exec1(db,
		    "INSERT INTO tree_nodes VALUES (1, 0, REPEAT('c', 32)),"
		    " (1, 1, REPEAT('d', 33))",
		    NULL, 0));
	MT_OK(med_db_acquire(db, &c));
	MT_OK(med_audit_node_get(c, 0, 0, out));
	MT_TRUE(out[0] == 'a' && out[31] == 'a');
	MT_OK(med_audit_node_get(c, 1, 0, out));
	MT_TRUE(out[0] == 'c' && out[31] == 'c');
	node_get_fails(c, 0, 1); /* NULL leaf hash */
	node_get_fails(c, 0, 2); /* 31 bytes */
	node_get_fails(c, 0, 3); /* no row */
	node_get_fails(c, 1, 1); /* 33 bytes */
	node_get_fails(c, 2, 0); /* no row */
	med_db_release(c);
	med_db_close(db);
}

static const mt_case cases[] = {
	{"server_supported", test_server_supported},
	{"open_invalid", test_open_invalid},
	{"migrate", test_migrate},
	{"migrate_race", test_migrate_race},
	{"migrate_stale_lock", test_migrate_stale_lock},
	{"migrate_killed_holder", test_migrate_killed_holder},
	{"migrate_bad", test_migrate_bad},
	{"roundtrip", test_roundtrip},
	{"growing_values", test_growing_values},
	{"dup_key", test_dup_key},
	{"row_seen", test_row_seen},
	{"row_take_int64", test_row_take_int64},
	{"query_one", test_query_one},
	{"query_row", test_query_row},
	{"table_bin", test_table_bin},
	{"data_errors", test_data_errors},
	{"param_cap", test_param_cap},
	{"exec_array", test_exec_array},
	{"tx", test_tx},
	{"tx_retries", test_tx_retries},
	{"tx_ended_by_server", test_tx_ended_by_server},
	{"outbound_call_in_tx", test_outbound_call_in_tx},
	{"patient_lookup_in_tx", test_patient_lookup_in_tx},
	{"http_fetch_in_tx", test_http_fetch_in_tx},
	{"concurrent", test_concurrent},
	{"pool_exhaustion", test_pool_exhaustion},
	{"pool_gauges", test_pool_gauges},
	{"stmt_cache", test_stmt_cache},
	{"stmt_cache_holds_hot_path", test_stmt_cache_holds_hot_path},
	{"stmt_cache_server_full", test_stmt_cache_server_full},
	{"audit_node_get", test_audit_node_get},
	{"killed_connection", test_killed_connection},
	{"lock_wait_ends_before_io_timeout",
	 test_lock_wait_ends_before_io_timeout},
	{"never_up", test_never_up},
	{"server_away", test_server_away},
	{"restart_between_calls", test_restart_between_calls},
	{NULL, NULL},
};

/* ---- the shared server ---- */

static int
find_script(void)
{
	const char *root = getenv("MED_REPO_ROOT");

	snprintf(script, sizeof(script), "%s/tools/dev/mariadb.sh",
		 root && root[0] ? root : ".");
	if (access(script, R_OK) != 0) {
		fprintf(stderr,
			"test_db: %s not found (run from the repo root "
			"or set MED_REPO_ROOT)\n",
			script);
		return -1;
	}
	return 0;
}

/* read_root_password reads root's password from DIR/root.cnf, the option
 * file tools/dev/mariadb.sh writes. */
static int
read_root_password(const char *dir, char *pw, size_t cap)
{
	char path[600], line[256];
	FILE *f;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/root.cnf", dir);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "password=", 9) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(pw, cap, "%s", line + 9);
		rc = 0;
	}
	fclose(f);
	return rc;
}

/* random_hex fills out with 2 * n random hex digits. */
static int
random_hex(char *out, size_t n)
{
	unsigned char b[64];
	FILE *f = fopen("/dev/urandom", "rb");
	size_t got = f ? fread(b, 1, n, f) : 0;

	if (f != NULL)
		fclose(f);
	if (n > sizeof(b) || got != n)
		return -1;
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

static int
start_shared(void)
{
	const char *sock = getenv("MED_TEST_DB_SOCKET");
	const char *pw = getenv("MED_TEST_DB_PASSWORD");
	char dir[300];

	if (random_hex(tcp_pw, (sizeof(tcp_pw) - 1) / 2) != 0)
		return -1;
	if (sock != NULL && sock[0] != '\0') {
		snprintf(main_sock, sizeof(main_sock), "%s", sock);
		snprintf(main_pw, sizeof(main_pw), "%s", pw ? pw : "");
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s/main", topdir);
	snprintf(main_sock, sizeof(main_sock), "%s/mysqld.sock", dir);
	if (server_cmd("start", dir, free_port()) != 0 ||
	    read_root_password(dir, main_pw, sizeof(main_pw)) != 0) {
		fprintf(stderr, "test_db: could not start MariaDB in %s\n",
			dir);
		return -1;
	}
	return 0;
}

static void
stop_all(void)
{
	char dir[512], cmd[600];

	snprintf(dir, sizeof(dir), "%s/main", topdir);
	server_cmd("stop", dir, 0);
	snprintf(dir, sizeof(dir), "%s/outage", topdir);
	server_cmd("stop", dir, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", topdir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_db: could not remove %s\n", topdir);
}

int
main(int argc, char **argv)
{
	int rc = 1;

	snprintf(topdir, sizeof(topdir), "/tmp/medtestdb.XXXXXX");
	if (find_script() != 0 || mkdtemp(topdir) == NULL)
		return 1;
#ifdef MED_DEBUG_TX
	/* test_db_debug_tx: by default only the case the assertion changes. */
	char *only[] = {argv[0], "outbound_call_in_tx", "patient_lookup_in_tx",
			"http_fetch_in_tx", NULL};

	if (argc < 2) {
		argc = 4;
		argv = only;
	}
#endif
	if (start_shared() == 0)
		rc = mt_main(argc, argv, cases);
	stop_all();
	return rc;
}
