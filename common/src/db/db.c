/*
 * db.c - the MariaDB connection pool behind med/db.h (Connector/C).
 *
 * This is the only file that includes MariaDB's headers.  A pool holds up
 * to pool_size connection slots; a slot connects on its first acquire and
 * is closed when the server goes away, then reconnected on its next
 * acquire.  Every statement is a prepared statement with bound parameters,
 * cached per connection by its SQL text so hot statements are prepared
 * once.  Server error messages can quote the values that caused them (a
 * duplicate MRN, say), so only the error code and the SQL text are logged
 * for errors caused by data.
 */
#include <med/db.h>
#include <med/log.h>
#include <med/metrics.h>
#include <med/util.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

/* Prepared statements kept per connection, least recently used out.  A
 * service's hot path must fit: dosage's dose check and administration
 * alone run about 35 distinct statements, and with 16 slots every one of
 * them was prepared, closed and prepared again on each call (three round
 * trips and a parse for one statement).  The server's
 * max_prepared_stmt_count (16,382 by default) bounds all connections
 * together: stmt_prepare gives back this connection's oldest ones when
 * it is reached. */
#define DB_STMT_CACHE	64
#define DB_MAX_COLUMNS	256	    /* columns per result row */
#define DB_VALUE_CAP	(16u << 20) /* bytes of one fetched value */
#define DB_MIN_BUF	64	    /* room for dates and decimals as text */
#define DB_IO_TIMEOUT_S 10	    /* a vanished server fails in seconds */
#define DB_IDLE_PING_MS 1000	    /* ping a connection idle this long */
#define DB_MIGRATE_IO_S 600	    /* DDL on big tables */
/* A row lock wait ends on the server this much before the I/O timeout. */
#define DB_LOCK_WAIT_MARGIN_S 2
/* A transaction that lost a deadlock or, on Galera, certification to a
 * commit on another node is re-run: at least DB_TX_TRIES runs in all, and
 * more while the first began less than DB_TX_BUDGET_MS ago.  A count alone
 * gave up on a hot row (one patient's chain written through two nodes):
 * with 40% of runs losing, eight losses in a row came once in a few
 * hundred calls.  The waits grow from DB_TX_BACKOFF_MS and are capped. */
#define DB_TX_TRIES	     8
#define DB_TX_TRIES_MAX	     64
#define DB_TX_BUDGET_MS	     3000
#define DB_TX_BACKOFF_MS     4
#define DB_TX_BACKOFF_MAX_MS 128
/* On a Galera node a duplicate key can be another node's commit that this
 * transaction's reads were ordered before (it would have failed
 * certification at COMMIT, but the duplicate came first): re-run it this
 * many times more.  A key that is really taken fails the same way each
 * run, so the caller still gets ALREADY_EXISTS, a few ms later. */
#define DB_TX_EXISTS_RERUNS 2
/* The migration lock: how long a holder's claim lasts unless renewed (it
 * is renewed before each migration, so it must outlast the longest one;
 * a holder that died mid-migration blocks the others this long), how long
 * a replica waits for it, and how often it looks. */
#define DB_MIGRATE_LEASE_MS ((DB_MIGRATE_IO_S + 60) * 1000LL)
#define DB_MIGRATE_WAIT_MS  (DB_MIGRATE_IO_S * 1000LL)
#define DB_MIGRATE_POLL_MS  100
#define DB_MIGRATE_SAY_MS   10000 /* how often a waiting replica says so */
#define DB_MAX_POOL	    1024

/* The session settings every connection starts with. */
#define DB_INIT_SQL                                                            \
	"SET SESSION sql_mode='STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,"  \
	"NO_ZERO_DATE,NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION',"                \
	"time_zone='+00:00'"

/* How much of the statement that ended a transaction its refusals quote. */
#define DB_ABORTED_SQL_MAX 120

typedef struct db_stmt_slot {
	char *sql;
	MYSQL_STMT *stmt;
	uint64_t used; /* the connection's clock at last use, for LRU */
} db_stmt_slot;

struct med_db_conn {
	med_db *db;
	MYSQL *mysql; /* NULL while closed */
	bool in_use;
	bool in_tx;
	unsigned int io_timeout_s; /* 0 = DB_IO_TIMEOUT_S */
	int64_t idle_since_ms;
	uint64_t clock;
	/* The server's code of the last conflict (1213 deadlock, which on
	 * Galera is also a lost certification, or 1205 lock wait timeout)
	 * of the transaction on it: the reason a rerun is counted under. */
	unsigned int conflict_code;
	/* A statement of the open transaction failed with a conflict: the
	 * server has rolled the transaction back (a deadlock, a Galera
	 * abort), so what the body sends next would run outside it, each
	 * statement committed alone (tx_aborted_refuse). */
	bool tx_aborted;
	char aborted_sql[DB_ABORTED_SQL_MAX];
	db_stmt_slot cache[DB_STMT_CACHE];
};

struct med_db {
	char *host, *socket, *user, *password, *database;
	char *tls_ca, *tls_cert, *tls_key;
	unsigned int port;
	unsigned int connect_timeout_s;
	int pool_size;
	int acquire_timeout_ms;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	med_db_conn *conns;
	int n_waiting; /* acquirers waiting for a free slot; mu held */
	/* Pool gauges in the library registry, refreshed at each scrape. */
	med_gauge *g_in_use, *g_idle, *g_waiters, *g_size;
	med_counter *timeouts;
	/* Transactions rerun after a conflict, by reason. */
	med_counter *retry_deadlock, *retry_lock_wait, *retry_other;
	med_counter *commits; /* transactions committed (med_db_commit) */
	med_histogram *wait;
	bool collecting;
	bool galera_noted; /* a Galera node seen, its line logged (atomic) */
};

enum db_col_kind { DB_COL_INT, DB_COL_DBL, DB_COL_STR };

typedef struct db_col {
	enum db_col_kind kind;
	int64_t i;
	double d;
	char *buf; /* DB_COL_STR: the value, NUL-terminated */
	unsigned long alloc;
	unsigned long len;
	my_bool is_null;
	my_bool error;
	char num[32]; /* DB_COL_INT and DB_COL_DBL as text */
} db_col;

struct med_db_row {
	size_t n;
	db_col *cols;
	MYSQL_BIND *binds;
};

static pthread_once_t db_lib_once = PTHREAD_ONCE_INIT;
static int db_lib_rc;

static void
db_lib_init(void)
{
	db_lib_rc = mysql_library_init(0, NULL, NULL);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- error mapping ---- */

static bool
is_gone_code(unsigned int code)
{
	switch (code) {
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_SERVER_LOST_EXTENDED:
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_IPSOCK_ERROR:
	case CR_UNKNOWN_HOST:
	case CR_SERVER_HANDSHAKE_ERR:
	case CR_ERR_NET_READ:
	case CR_ERR_NET_WRITE:
	case CR_COMMANDS_OUT_OF_SYNC:
	/* On an open connection a TLS error is the stream cut short: a
	 * server killed mid-statement reads as "unexpected eof". */
	case CR_SSL_CONNECTION_ERROR:
	case ER_CONNECTION_KILLED:
	case ER_SERVER_SHUTDOWN:
	case ER_CON_COUNT_ERROR:
	case ER_QUERY_INTERRUPTED:
		return true;
	default:
		return false;
	}
}

static bool
is_data_code(unsigned int code)
{
	switch (code) {
	case ER_DATA_TOO_LONG:
	case ER_WARN_DATA_OUT_OF_RANGE:
	case WARN_DATA_TRUNCATED:
	case ER_TRUNCATED_WRONG_VALUE:
	case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
	case ER_INVALID_CHARACTER_STRING:
	case ER_BAD_NULL_ERROR:
	case ER_WARN_NULL_TO_NOTNULL:
	case ER_NO_DEFAULT_FOR_FIELD:
	case ER_DIVISION_BY_ZERO:
	case ER_NO_REFERENCED_ROW_2:
		return true;
	default:
		return false;
	}
}

static med_err
map_code(unsigned int code)
{
	if (code == ER_DUP_ENTRY || code == ER_DUP_ENTRY_WITH_KEY_NAME)
		return MED_ERR_EXISTS;
	/* On Galera a transaction that loses certification to another
	 * node's commit fails with a deadlock, at COMMIT or at its next
	 * statement: the same retry as a local deadlock. */
	if (code == ER_LOCK_DEADLOCK || code == ER_LOCK_WAIT_TIMEOUT)
		return MED_ERR_CONFLICT;
	/* Galera's "WSREP has not yet prepared node for application use":
	 * a node outside the primary component (or still joining) refuses
	 * all work until it is back. */
	if (is_gone_code(code) || code == ER_UNKNOWN_COM_ERROR)
		return MED_ERR_UNAVAILABLE;
	/* A COMMIT the server could not carry out, rolled back: on Galera
	 * the node lost the primary component while replicating it. */
	if (code == ER_ERROR_DURING_COMMIT)
		return MED_ERR_UNAVAILABLE;
	/* A missing table: the service serves while its readiness thread
	 * is still migrating (a new database), or the schema was damaged.
	 * Either way the call cannot be served now, and the error line
	 * logged with it names the table. */
	if (code == ER_NO_SUCH_TABLE)
		return MED_ERR_UNAVAILABLE;
	if (is_data_code(code))
		return MED_ERR_INVALID;
	return MED_ERR_INTERNAL;
}

/* ---- connections ---- */

static void
conn_close(med_db_conn *c)
{
	for (size_t i = 0; i < DB_STMT_CACHE; i++) {
		db_stmt_slot *s = &c->cache[i];

		if (s->stmt != NULL)
			mysql_stmt_close(s->stmt);
		free(s->sql);
		*s = (db_stmt_slot){0};
	}
	if (c->mysql != NULL)
		mysql_close(c->mysql);
	c->mysql = NULL;
	c->in_tx = false;
}

/*
 * pool_suspect makes every idle connection ping before its next use: one
 * lost connection means the others are probably stale too.
 */
static void
pool_suspect(med_db *db)
{
	pthread_mutex_lock(&db->mu);
	for (int i = 0; i < db->pool_size; i++)
		if (!db->conns[i].in_use)
			db->conns[i].idle_since_ms = INT64_MIN / 2;
	pthread_mutex_unlock(&db->mu);
}

/*
 * conn_note_conflict records a conflict on c.  Inside a transaction it
 * marks the transaction aborted: a deadlock or a lost certification has
 * rolled it back on the server, and a lock wait timeout (which rolls back
 * only its statement) is re-run the same way, so nothing more is sent.
 */
static void
conn_note_conflict(med_db_conn *c, unsigned int code, const char *sql)
{
	c->conflict_code = code;
	if (!c->in_tx || c->tx_aborted)
		return;
	c->tx_aborted = true;
	snprintf(c->aborted_sql, sizeof(c->aborted_sql), "%s",
		 sql != NULL ? sql : "");
}

/*
 * tx_aborted_refuse refuses a statement sent on a transaction already
 * aborted: the body went on after an error it did not pass back.  Sent,
 * the statement would run and commit on its own (autocommit), outside the
 * transaction whose checks it depends on: a patient's last daily dose
 * given twice on two Galera nodes was this.  The log names the body's
 * statement, so the error it dropped can be found.
 */
static med_err
tx_aborted_refuse(med_db_conn *c, const char *sql)
{
	med_log_warn("db: statement after its transaction was aborted by a "
		     "conflict, refused (the error was not passed back): "
		     "%.200s; aborted at: %s",
		     sql, c->aborted_sql);
	return MED_ERR_CONFLICT;
}

/*
 * tx_still_open checks, after a statement of an open transaction, that
 * the server still has it open (the status flags of its reply).  A Galera
 * node can roll a transaction back for another node's commit without the
 * deadlock error reaching the client: the statement succeeds, and what the
 * body sends next would run outside the transaction.  Caught here, it is
 * the conflict it is, and the transaction runs again.
 */
static med_err
tx_still_open(med_db_conn *c, const char *sql)
{
	if (!c->in_tx || c->mysql == NULL ||
	    (c->mysql->server_status & SERVER_STATUS_IN_TRANS) != 0)
		return MED_OK;
	med_log_warn("db: the transaction was ended by the server without an "
		     "error (a cluster abort); running it again: %.200s",
		     sql);
	conn_note_conflict(c, ER_LOCK_DEADLOCK, sql);
	return MED_ERR_CONFLICT;
}

/*
 * conn_error logs a failed call and maps its code.  A lost connection is
 * closed here, so the slot reconnects on its next acquire.  Data errors are
 * logged without the server's message, which may quote patient data.
 */
static med_err
conn_error(med_db_conn *c, unsigned int code, const char *msg, const char *sql)
{
	med_err err = map_code(code);

	if (err == MED_ERR_CONFLICT)
		conn_note_conflict(c, code, sql);
	/* The connection is sound; only this statement cannot run yet. */
	if (code == ER_NO_SUCH_TABLE) {
		med_log_warn("db: missing table (%u %s) in: %.200s", code, msg,
			     sql);
		return err;
	}
	switch (err) {
	case MED_ERR_UNAVAILABLE:
		med_log_warn("db: connection lost (%u %s) in: %.200s", code,
			     msg, sql);
		conn_close(c);
		pool_suspect(c->db);
		break;
	case MED_ERR_INTERNAL:
		med_log_error("db: error %u (%s) in: %.200s", code, msg, sql);
		break;
	default:
		med_log_debug("db: %s (error %u) in: %.200s", med_strerror(err),
			      code, sql);
		break;
	}
	return err;
}

static med_err
conn_mysql_error(med_db_conn *c, const char *sql)
{
	return conn_error(c, mysql_errno(c->mysql), mysql_error(c->mysql), sql);
}

static med_err
stmt_error(med_db_conn *c, MYSQL_STMT *st, const char *sql)
{
	return conn_error(c, mysql_stmt_errno(st), mysql_stmt_error(st), sql);
}

/* conn_set_tls asks Connector/C for TLS only, with the server's chain
 * and name verified (MYSQL_OPT_SSL_ENFORCE refuses a server without TLS
 * instead of falling back to plaintext). */
static void
conn_set_tls(const med_db *db, MYSQL *m)
{
	my_bool on = 1;

	mysql_options(m, MYSQL_OPT_SSL_CA, db->tls_ca);
	if (db->tls_cert != NULL) {
		mysql_options(m, MYSQL_OPT_SSL_CERT, db->tls_cert);
		mysql_options(m, MYSQL_OPT_SSL_KEY, db->tls_key);
	}
	mysql_options(m, MYSQL_OPT_SSL_ENFORCE, &on);
	mysql_options(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
}

/*
 * A row lock wait ends on the server (1205, which a transaction reruns)
 * before the client gives up on the connection.  Otherwise a statement the
 * client has abandoned at its I/O timeout keeps waiting, and keeps the
 * locks its transaction holds, for the server's 50 s: every call that
 * needs those rows times out behind it, and on Galera a write set that
 * needs them waits too, which stalls every causal read of that node.
 */
static unsigned int
lock_wait_bound_s(unsigned int io_s)
{
	return io_s > DB_LOCK_WAIT_MARGIN_S + 1 ? io_s - DB_LOCK_WAIT_MARGIN_S
						: 1;
}

static void
conn_set_options(const med_db *db, MYSQL *m, unsigned int io_s)
{
	unsigned int connect_s = db->connect_timeout_s;
	unsigned int proto =
		db->socket ? MYSQL_PROTOCOL_SOCKET : MYSQL_PROTOCOL_TCP;
	my_bool off = 0;
	char lock_wait[64];

	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &io_s);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &io_s);
	/* Reconnecting behind our back would lose session state silently. */
	mysql_options(m, MYSQL_OPT_RECONNECT, &off);
	mysql_options(m, MYSQL_OPT_PROTOCOL, &proto);
	mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(m, MYSQL_INIT_COMMAND, DB_INIT_SQL);
	snprintf(lock_wait, sizeof(lock_wait),
		 "SET SESSION innodb_lock_wait_timeout = %u",
		 lock_wait_bound_s(io_s));
	mysql_options(m, MYSQL_INIT_COMMAND, lock_wait);
	if (db->tls_ca != NULL && db->socket == NULL)
		conn_set_tls(db, m);
}

/* galera_node: whether the server m reaches is a Galera node with
 * replication on (a server without Galera has no wsrep_on: false). */
static bool
galera_node(MYSQL *m, bool *on)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	*on = false;
	if (mysql_query(m, "SHOW SESSION VARIABLES LIKE 'wsrep_on'") != 0 ||
	    (res = mysql_store_result(m)) == NULL)
		return false;
	row = mysql_fetch_row(res);
	*on = row != NULL && row[1] != NULL && strcmp(row[1], "ON") == 0;
	mysql_free_result(res);
	return true;
}

/*
 * conn_causal makes a connection's reads causal on a Galera node: a read
 * waits until the node has applied every write set the cluster committed
 * before it (wsrep_sync_wait=1).  Without it a replica reading through
 * node B a moment after another replica's write through node A could miss
 * it: a face enrolled there, an allergy charted there (the change log's
 * catch-up before each 1:N search promises to see such an enrolment).  A
 * server without Galera is left as it is; one query per new connection.
 */
static bool
conn_causal(med_db *db, MYSQL *m)
{
	bool on;

	if (!galera_node(m, &on))
		return false;
	if (!on)
		return true;
	if (mysql_query(m, "SET SESSION wsrep_sync_wait = 1") != 0)
		return false;
	if (!__atomic_test_and_set(&db->galera_noted, __ATOMIC_RELAXED))
		med_log_info("db: a Galera node: reads wait until it has "
			     "applied the cluster's earlier commits "
			     "(wsrep_sync_wait=1)");
	return true;
}

static med_err
conn_open(med_db_conn *c)
{
	const med_db *db = c->db;
	MYSQL *m = mysql_init(NULL);

	if (m == NULL)
		return MED_ERR_NOMEM;
	conn_set_options(db, m,
			 c->io_timeout_s ? c->io_timeout_s : DB_IO_TIMEOUT_S);
	if (mysql_real_connect(m, db->socket ? NULL : db->host, db->user,
			       db->password, db->database, db->port, db->socket,
			       0) == NULL) {
		med_log_warn("db: cannot connect to %s: %s (%u)",
			     db->socket ? db->socket : db->host, mysql_error(m),
			     mysql_errno(m));
		mysql_close(m);
		return MED_ERR_UNAVAILABLE;
	}
	if (!conn_causal(c->db, m)) {
		med_log_warn("db: cannot set causal reads on %s: %s (%u)",
			     db->socket ? db->socket : db->host, mysql_error(m),
			     mysql_errno(m));
		mysql_close(m);
		return MED_ERR_UNAVAILABLE;
	}
	c->mysql = m;
	c->clock = 0;
	return MED_OK;
}

/*
 * conn_ready makes sure c is connected.  A connection idle for a while is
 * pinged first, so a server restart costs a reconnect, not a failed call.
 */
static med_err
conn_ready(med_db_conn *c)
{
	if (c->mysql != NULL &&
	    mono_ms() - c->idle_since_ms >= DB_IDLE_PING_MS &&
	    mysql_ping(c->mysql) != 0)
		conn_close(c);
	if (c->mysql == NULL)
		return conn_open(c);
	return MED_OK;
}

/* ---- the pool ---- */

static char *
dup_opt(const char *s)
{
	return (s != NULL && s[0] != '\0') ? strdup(s) : NULL;
}

static med_err
opts_check(const med_db_opts *o)
{
	if (o == NULL || o->user == NULL || o->database == NULL ||
	    o->database[0] == '\0')
		return MED_ERR_INVALID;
	if (o->port < 0 || o->port > 65535 || o->pool_size < 0 ||
	    o->pool_size > DB_MAX_POOL || o->connect_timeout_s < 0 ||
	    o->acquire_timeout_ms < 0)
		return MED_ERR_INVALID;
	return MED_OK;
}

static med_err
db_copy_opts(med_db *db, const med_db_opts *o)
{
	db->socket = dup_opt(o->socket);
	db->host = dup_opt(o->host);
	if (db->host == NULL && db->socket == NULL)
		db->host = strdup("127.0.0.1");
	db->user = strdup(o->user);
	db->password = dup_opt(o->password);
	db->database = strdup(o->database);
	db->tls_ca = dup_opt(o->tls_ca);
	db->tls_cert = dup_opt(o->tls_cert);
	db->tls_key = dup_opt(o->tls_key);
	if ((db->host == NULL && db->socket == NULL) || db->user == NULL ||
	    db->database == NULL ||
	    (o->password != NULL && o->password[0] && db->password == NULL) ||
	    (o->tls_ca != NULL && o->tls_ca[0] && db->tls_ca == NULL) ||
	    (o->tls_cert != NULL && o->tls_cert[0] && db->tls_cert == NULL) ||
	    (o->tls_key != NULL && o->tls_key[0] && db->tls_key == NULL))
		return MED_ERR_NOMEM;
	db->port = o->port ? (unsigned int)o->port : 3306;
	db->pool_size = o->pool_size ? o->pool_size : 4;
	db->connect_timeout_s =
		o->connect_timeout_s ? (unsigned int)o->connect_timeout_s : 2;
	db->acquire_timeout_ms =
		o->acquire_timeout_ms ? o->acquire_timeout_ms : 5000;
	return MED_OK;
}

static med_err
db_init_sync(med_db *db)
{
	pthread_condattr_t attr;
	int rc;

	if (pthread_condattr_init(&attr) != 0)
		return MED_ERR_NOMEM;
	/* Waits use the monotonic clock: a wall-clock step must not matter. */
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&db->cv, &attr);
	pthread_condattr_destroy(&attr);
	if (rc != 0)
		return MED_ERR_NOMEM;
	if (pthread_mutex_init(&db->mu, NULL) != 0) {
		pthread_cond_destroy(&db->cv);
		return MED_ERR_NOMEM;
	}
	return MED_OK;
}

static void
db_free_fields(med_db *db)
{
	free(db->host);
	free(db->socket);
	free(db->tls_ca);
	free(db->tls_cert);
	free(db->tls_key);
	free(db->user);
	free(db->password);
	free(db->database);
	free(db->conns);
	free(db);
}

/* collect_pool sets the pool gauges (a med_metrics_collect_fn). */
static void
collect_pool(void *ctx)
{
	med_db *db = ctx;
	int in_use = 0, idle = 0, waiting;

	pthread_mutex_lock(&db->mu);
	for (int i = 0; i < db->pool_size; i++) {
		in_use += db->conns[i].in_use;
		idle += !db->conns[i].in_use && db->conns[i].mysql != NULL;
	}
	waiting = db->n_waiting;
	pthread_mutex_unlock(&db->mu);
	med_gauge_set(db->g_in_use, in_use);
	med_gauge_set(db->g_idle, idle);
	med_gauge_set(db->g_waiters, waiting);
}

/* metrics_start registers the pool's series, labelled by database. */
static void
metrics_start(med_db *db)
{
	med_metrics *lib = med_metrics_lib();
	const char *help = "Connections of the database pool: in_use (held by "
			   "a call) or idle (open, free).";
	const char *retries = "smartmed_db_tx_retries_total";
	const char *retries_help =
		"Transactions run again after a conflict: deadlock (1213, on "
		"Galera also a write set that lost certification or was "
		"aborted by another node's), lock_wait_timeout (1205) or other "
		"(a conflict the transaction's body found itself, or on "
		"Galera a duplicate key, run again in case another node's "
		"commit crossed it).";
	char name[65], labels[128];

	snprintf(name, sizeof(name), "%s", db->database);
	med_metrics_label_safe(name);
	snprintf(labels, sizeof(labels), "database=\"%s\",state=\"in_use\"",
		 name);
	db->g_in_use = med_metrics_gauge(lib, "smartmed_db_pool_connections",
					 help, labels);
	snprintf(labels, sizeof(labels), "database=\"%s\",state=\"idle\"",
		 name);
	db->g_idle = med_metrics_gauge(lib, "smartmed_db_pool_connections",
				       help, labels);
	snprintf(labels, sizeof(labels), "database=\"%s\"", name);
	db->g_waiters = med_metrics_gauge(
		lib, "smartmed_db_pool_waiters",
		"Calls waiting for a free database connection.", labels);
	db->g_size = med_metrics_gauge(lib, "smartmed_db_pool_size",
				       "Connection slots of the database pool.",
				       labels);
	db->timeouts = med_metrics_counter(
		lib, "smartmed_db_pool_acquire_timeouts_total",
		"Calls that found no free database connection in time.",
		labels);
	snprintf(labels, sizeof(labels), "database=\"%s\",reason=\"deadlock\"",
		 name);
	db->retry_deadlock =
		med_metrics_counter(lib, retries, retries_help, labels);
	snprintf(labels, sizeof(labels),
		 "database=\"%s\",reason=\"lock_wait_timeout\"", name);
	db->retry_lock_wait =
		med_metrics_counter(lib, retries, retries_help, labels);
	snprintf(labels, sizeof(labels), "database=\"%s\",reason=\"other\"",
		 name);
	db->retry_other =
		med_metrics_counter(lib, retries, retries_help, labels);
	snprintf(labels, sizeof(labels), "database=\"%s\"", name);
	db->commits = med_metrics_counter(
		lib, "smartmed_db_commits_total",
		"Transactions committed (med_db_commit; reruns after a "
		"conflict "
		"count once, when they commit): over calls, the database "
		"commits per call.",
		labels);
	db->wait = med_metrics_histogram(
		lib, "smartmed_db_pool_wait_seconds",
		"Time a call waited for a database connection.", labels);
	med_gauge_set(db->g_size, db->pool_size);
	db->collecting =
		med_metrics_collector_add(lib, collect_pool, db) == MED_OK;
}

med_err
med_db_open(const med_db_opts *opts, med_db **out)
{
	med_db *db;
	med_err err;

	if (out == NULL || opts_check(opts) != MED_OK)
		return MED_ERR_INVALID;
	pthread_once(&db_lib_once, db_lib_init);
	if (db_lib_rc != 0)
		return MED_ERR_INTERNAL;
	db = calloc(1, sizeof(*db));
	if (db == NULL)
		return MED_ERR_NOMEM;
	err = db_copy_opts(db, opts);
	if (err != MED_OK)
		goto free_db;
	db->conns = calloc((size_t)db->pool_size, sizeof(*db->conns));
	if (db->conns == NULL) {
		err = MED_ERR_NOMEM;
		goto free_db;
	}
	for (int i = 0; i < db->pool_size; i++)
		db->conns[i].db = db;
	err = db_init_sync(db);
	if (err != MED_OK)
		goto free_db;
	metrics_start(db);
	*out = db;
	return MED_OK;
free_db:
	db_free_fields(db);
	return err;
}

void
med_db_close(med_db *db)
{
	if (db == NULL)
		return;
	if (db->collecting)
		med_metrics_collector_remove(med_metrics_lib(), collect_pool,
					     db);
	for (int i = 0; i < db->pool_size; i++)
		conn_close(&db->conns[i]);
	pthread_mutex_destroy(&db->mu);
	pthread_cond_destroy(&db->cv);
	db_free_fields(db);
}

/* pool_find_free prefers a connected slot; called with db->mu held. */
static med_db_conn *
pool_find_free(med_db *db)
{
	med_db_conn *closed = NULL;

	for (int i = 0; i < db->pool_size; i++) {
		med_db_conn *c = &db->conns[i];

		if (c->in_use)
			continue;
		if (c->mysql != NULL)
			return c;
		if (closed == NULL)
			closed = c;
	}
	return closed;
}

static med_err
pool_take(med_db *db, med_db_conn **out)
{
	struct timespec deadline;
	int64_t t0 = med_mono_ns();
	med_db_conn *c;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += db->acquire_timeout_ms / 1000;
	deadline.tv_nsec += (long)(db->acquire_timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&db->mu);
	db->n_waiting++;
	while ((c = pool_find_free(db)) == NULL) {
		if (pthread_cond_timedwait(&db->cv, &db->mu, &deadline) ==
			    ETIMEDOUT &&
		    (c = pool_find_free(db)) == NULL)
			break;
	}
	db->n_waiting--;
	if (c != NULL)
		c->in_use = true;
	pthread_mutex_unlock(&db->mu);
	med_histogram_observe(db->wait, (double)(med_mono_ns() - t0) / 1e9);
	if (c == NULL) {
		med_counter_add(db->timeouts, 1);
		med_log_warn("db: no free connection after %d ms",
			     db->acquire_timeout_ms);
		return MED_ERR_TIMEOUT;
	}
	*out = c;
	return MED_OK;
}

static void
pool_put(med_db_conn *c)
{
	med_db *db = c->db;

	pthread_mutex_lock(&db->mu);
	c->in_use = false;
	c->idle_since_ms = mono_ms();
	pthread_cond_signal(&db->cv);
	pthread_mutex_unlock(&db->mu);
}

med_err
med_db_acquire(med_db *db, med_db_conn **out)
{
	med_db_conn *c;
	med_err err;

	if (db == NULL || out == NULL)
		return MED_ERR_INVALID;
	err = pool_take(db, &c);
	if (err != MED_OK)
		return err;
	err = conn_ready(c);
	if (err != MED_OK) {
		pool_put(c);
		return err;
	}
	*out = c;
	return MED_OK;
}

void
med_db_release(med_db_conn *c)
{
	if (c == NULL)
		return;
	if (c->in_tx)
		med_db_rollback(c);
	pool_put(c);
}

/* ---- transactions ---- */

med_err
med_db_begin(med_db_conn *c)
{
	static const char sql[] = "START TRANSACTION";

	if (c == NULL || c->in_tx)
		return MED_ERR_INTERNAL;
	if (c->mysql == NULL)
		return MED_ERR_UNAVAILABLE;
	if (mysql_real_query(c->mysql, sql, sizeof(sql) - 1) != 0)
		return conn_mysql_error(c, sql);
	c->in_tx = true;
	c->tx_aborted = false;
	return MED_OK;
}

med_err
med_db_commit(med_db_conn *c)
{
	med_err err;

	if (c == NULL || !c->in_tx)
		return MED_ERR_INTERNAL;
	if (c->mysql == NULL)
		return MED_ERR_UNAVAILABLE;
	if (c->tx_aborted) {
		err = tx_aborted_refuse(c, "COMMIT");
		med_db_rollback(c);
		return err;
	}
	if (mysql_commit(c->mysql) == 0) {
		c->in_tx = false;
		med_counter_add(c->db->commits, 1);
		return MED_OK;
	}
	err = conn_mysql_error(c, "COMMIT");
	/* A failed commit leaves the transaction in doubt: end it. */
	med_db_rollback(c);
	return err;
}

void
med_db_rollback(med_db_conn *c)
{
	if (c == NULL)
		return;
	c->in_tx = false;
	if (c->mysql == NULL)
		return;
	if (mysql_rollback(c->mysql) != 0) {
		/* The session state is unknown: drop the connection. */
		(void)conn_mysql_error(c, "ROLLBACK");
		conn_close(c);
	}
}

/* ---- statements ---- */

static void
slot_clear(db_stmt_slot *s)
{
	if (s->stmt != NULL)
		mysql_stmt_close(s->stmt);
	free(s->sql);
	*s = (db_stmt_slot){0};
}

/* cache_victim returns a free slot, else the least recently used one. */
static db_stmt_slot *
cache_victim(med_db_conn *c)
{
	db_stmt_slot *victim = &c->cache[0];

	for (size_t i = 0; i < DB_STMT_CACHE; i++) {
		if (c->cache[i].stmt == NULL)
			return &c->cache[i];
		if (c->cache[i].used < victim->used)
			victim = &c->cache[i];
	}
	return victim;
}

/* cache_drop_oldest closes the connection's least recently used
 * statement; false when it holds none. */
static bool
cache_drop_oldest(med_db_conn *c)
{
	db_stmt_slot *oldest = NULL;

	for (size_t i = 0; i < DB_STMT_CACHE; i++) {
		db_stmt_slot *s = &c->cache[i];
		if (s->stmt != NULL &&
		    (oldest == NULL || s->used < oldest->used))
			oldest = s;
	}
	if (oldest == NULL)
		return false;
	slot_clear(oldest);
	return true;
}

static med_err
stmt_prepare(med_db_conn *c, const char *sql, MYSQL_STMT **out)
{
	my_bool update_max = 1;
	MYSQL_STMT *st = mysql_stmt_init(c->mysql);
	med_err err;

	if (st == NULL)
		return MED_ERR_NOMEM;
	while (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) != 0) {
		/* The server holds as many prepared statements as it allows
		 * (all connections together): free one of ours and try again,
		 * down to none. */
		if (mysql_stmt_errno(st) ==
			    ER_MAX_PREPARED_STMT_COUNT_REACHED &&
		    cache_drop_oldest(c)) {
			med_log_warn(
				"db: the server's max_prepared_stmt_count is "
				"reached; closed this connection's oldest "
				"statement to prepare: %.200s",
				sql);
			continue;
		}
		err = stmt_error(c, st, sql);
		mysql_stmt_close(st);
		return err;
	}
	/* Lets stored results size column buffers from their longest value. */
	mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max);
	*out = st;
	return MED_OK;
}

/* stmt_get returns the cached statement for sql, preparing it if new. */
static med_err
stmt_get(med_db_conn *c, const char *sql, MYSQL_STMT **out)
{
	db_stmt_slot *s;
	MYSQL_STMT *st = NULL;
	char *key;
	med_err err;

	for (size_t i = 0; i < DB_STMT_CACHE; i++) {
		s = &c->cache[i];
		if (s->stmt != NULL && strcmp(s->sql, sql) == 0) {
			s->used = ++c->clock;
			*out = s->stmt;
			return MED_OK;
		}
	}
	key = strdup(sql);
	if (key == NULL)
		return MED_ERR_NOMEM;
	err = stmt_prepare(c, sql, &st);
	if (err != MED_OK) {
		free(key);
		return err;
	}
	s = cache_victim(c);
	slot_clear(s);
	*s = (db_stmt_slot){.sql = key, .stmt = st, .used = ++c->clock};
	*out = st;
	return MED_OK;
}

/* field_types is the protocol's type a value of each med_db_type is
 * bound as, one row at a time (bind_param) or as arrays (array_column). */
static const enum enum_field_types field_types[] = {
	[MED_DB_NULL] = MYSQL_TYPE_NULL,
	[MED_DB_INT64] = MYSQL_TYPE_LONGLONG,
	[MED_DB_DOUBLE] = MYSQL_TYPE_DOUBLE,
	[MED_DB_TEXT] = MYSQL_TYPE_STRING,
	[MED_DB_BLOB] = MYSQL_TYPE_BLOB,
};

static med_err
bind_param(MYSQL_BIND *b, const med_db_value *v, unsigned long *len)
{
	switch (v->type) {
	case MED_DB_NULL:
		b->buffer_type = field_types[v->type];
		return MED_OK;
	case MED_DB_INT64:
		b->buffer_type = field_types[v->type];
		b->buffer = (void *)(uintptr_t)&v->i;
		return MED_OK;
	case MED_DB_DOUBLE:
		b->buffer_type = field_types[v->type];
		b->buffer = (void *)(uintptr_t)&v->d;
		return MED_OK;
	case MED_DB_TEXT:
	case MED_DB_BLOB:
		if (v->p == NULL && v->len != 0)
			return MED_ERR_INVALID;
		b->buffer_type = field_types[v->type];
		b->buffer = (void *)(uintptr_t)(v->p ? v->p : "");
		*len = (unsigned long)v->len;
		b->buffer_length = *len;
		b->length = len;
		return MED_OK;
	}
	return MED_ERR_INVALID;
}

/* stmt_bind_execute binds params (through binds and lens, zeroed, as
 * many as params) to st and executes it. */
static med_err
stmt_bind_execute(med_db_conn *c, MYSQL_STMT *st, const char *sql,
		  const med_db_value *params, size_t n_params,
		  MYSQL_BIND *binds, unsigned long *lens)
{
	for (size_t i = 0; i < n_params; i++)
		if (bind_param(&binds[i], &params[i], &lens[i]) != MED_OK)
			return MED_ERR_INVALID;
	if ((n_params > 0 && mysql_stmt_bind_param(st, binds) != 0) ||
	    mysql_stmt_execute(st) != 0)
		return stmt_error(c, st, sql);
	return MED_OK;
}

/* stmt_run prepares (or reuses) sql, binds params and executes it. */
static med_err
stmt_run(med_db_conn *c, const char *sql, const med_db_value *params,
	 size_t n_params, MYSQL_STMT **out)
{
	MYSQL_BIND binds[MED_DB_MAX_PARAMS];
	unsigned long lens[MED_DB_MAX_PARAMS];
	MYSQL_STMT *st = NULL;
	med_err err;

	if (c == NULL || sql == NULL || (n_params > 0 && params == NULL))
		return MED_ERR_INVALID;
	if (n_params > MED_DB_MAX_PARAMS) {
		/* A caller's bug, not bad input: the log names the statement.
		 */
		med_log_error("db: %zu parameters, more than the %d allowed "
			      "(MED_DB_MAX_PARAMS), in: %.200s",
			      n_params, MED_DB_MAX_PARAMS, sql);
		return MED_ERR_INVALID;
	}
	if (c->mysql == NULL)
		return MED_ERR_UNAVAILABLE;
	if (c->in_tx && c->tx_aborted)
		return tx_aborted_refuse(c, sql);
	err = stmt_get(c, sql, &st);
	if (err != MED_OK)
		return err;
	if (mysql_stmt_param_count(st) != n_params) {
		med_log_error("db: %zu parameters for %lu placeholders in: "
			      "%.200s",
			      n_params, mysql_stmt_param_count(st), sql);
		return MED_ERR_INTERNAL;
	}
	memset(binds, 0, sizeof(binds));
	err = stmt_bind_execute(c, st, sql, params, n_params, binds, lens);
	if (err == MED_OK)
		*out = st;
	return err;
}

med_err
med_db_exec(med_db_conn *c, const char *sql, const med_db_value *params,
	    size_t n_params, uint64_t *affected, uint64_t *insert_id)
{
	MYSQL_STMT *st = NULL;
	med_err err = stmt_run(c, sql, params, n_params, &st);

	if (err == MED_OK)
		err = tx_still_open(c, sql);
	if (err != MED_OK)
		return err;
	if (affected != NULL)
		*affected = (uint64_t)mysql_stmt_affected_rows(st);
	if (insert_id != NULL)
		*insert_id = (uint64_t)mysql_stmt_insert_id(st);
	/* A statement that returned rows anyway must not block the next. */
	if (mysql_stmt_field_count(st) > 0)
		mysql_stmt_free_result(st);
	return MED_OK;
}

/* array_prepare checks an array execution's call and prepares sql (or
 * reuses it, cached as med_db_exec's are). */
static med_err
array_prepare(med_db_conn *c, const char *sql, const med_db_value *params,
	      size_t n_cols, size_t n_rows, MYSQL_STMT **st)
{
	med_err err;

	if (c == NULL || sql == NULL || params == NULL || n_cols == 0 ||
	    n_rows == 0 || n_rows > UINT_MAX / n_cols)
		return MED_ERR_INVALID;
	if (c->mysql == NULL)
		return MED_ERR_UNAVAILABLE;
	if (c->in_tx && c->tx_aborted)
		return tx_aborted_refuse(c, sql);
	if ((err = stmt_get(c, sql, st)) != MED_OK)
		return err;
	if (mysql_stmt_param_count(*st) != n_cols) {
		med_log_error("db: %zu values a row for %lu placeholders in: "
			      "%.200s",
			      n_cols, mysql_stmt_param_count(*st), sql);
		return MED_ERR_INTERNAL;
	}
	return MED_OK;
}

/* db_cell - one row's value of a column bound column-wise: a number in
 * place, a text or blob by its address (Connector/C's array binding). */
typedef union db_cell {
	long long i;
	double d;
	const void *p;
} db_cell;

/* db_array - the column-wise storage of an array execution: per column,
 * n_rows cells, lengths and NULL indicators, column after column. */
typedef struct db_array {
	MYSQL_BIND *binds;
	db_cell *cells;
	unsigned long *lens;
	char *nulls;
} db_array;

static void
array_free(db_array *a)
{
	free(a->binds);
	free(a->cells);
	free(a->lens);
	free(a->nulls);
}

static med_err
array_alloc(db_array *a, size_t n_cols, size_t n_rows)
{
	size_t n = n_cols * n_rows;

	a->binds = calloc(n_cols, sizeof(*a->binds));
	a->cells = calloc(n, sizeof(*a->cells));
	a->lens = calloc(n, sizeof(*a->lens));
	a->nulls = calloc(n, 1);
	if (a->binds && a->cells && a->lens && a->nulls)
		return MED_OK;
	array_free(a);
	return MED_ERR_NOMEM;
}

/* column_type is the type of column col's values: the first not NULL,
 * TEXT when all are (bound as texts, every one marked NULL). */
static med_db_type
column_type(const med_db_value *params, size_t n_cols, size_t col,
	    size_t n_rows)
{
	for (size_t r = 0; r < n_rows; r++)
		if (params[r * n_cols + col].type != MED_DB_NULL)
			return params[r * n_cols + col].type;
	return MED_DB_TEXT;
}

/* cell_set stores value v of a column of type t in cell, len and null. */
static med_err
cell_set(const med_db_value *v, med_db_type t, db_cell *cell,
	 unsigned long *len, char *null)
{
	*null = v->type == MED_DB_NULL ? STMT_INDICATOR_NULL
				       : STMT_INDICATOR_NONE;
	if (v->type == MED_DB_NULL)
		return MED_OK;
	if (v->type != t || ((t == MED_DB_TEXT || t == MED_DB_BLOB) &&
			     v->p == NULL && v->len != 0))
		return MED_ERR_INVALID;
	if (t == MED_DB_INT64)
		cell->i = v->i;
	else if (t == MED_DB_DOUBLE)
		cell->d = v->d;
	else {
		cell->p = v->p ? v->p : "";
		*len = (unsigned long)v->len;
	}
	return MED_OK;
}

/* array_column binds column col of the rows column-wise into a. */
static med_err
array_column(db_array *a, const med_db_value *params, size_t n_cols, size_t col,
	     size_t n_rows)
{
	med_db_type t = column_type(params, n_cols, col, n_rows);
	size_t at = col * n_rows;
	MYSQL_BIND *b = &a->binds[col];

	for (size_t r = 0; r < n_rows; r++)
		if (cell_set(&params[r * n_cols + col], t, &a->cells[at + r],
			     &a->lens[at + r], &a->nulls[at + r]) != MED_OK)
			return MED_ERR_INVALID;
	b->buffer_type = field_types[t];
	b->buffer = &a->cells[at];
	b->length = &a->lens[at];
	b->u.indicator = &a->nulls[at];
	return MED_OK;
}

/* array_execute binds a's columns to st as arrays of n_rows rows and
 * executes st once; st is left for single rows again. */
static med_err
array_execute(med_db_conn *c, MYSQL_STMT *st, const char *sql, db_array *a,
	      unsigned int n_rows)
{
	unsigned int one_row = 0;
	med_err err = MED_OK;

	mysql_stmt_attr_set(st, STMT_ATTR_ARRAY_SIZE, &n_rows);
	if (mysql_stmt_bind_param(st, a->binds) != 0 ||
	    mysql_stmt_execute(st) != 0)
		err = stmt_error(c, st, sql);
	mysql_stmt_attr_set(st, STMT_ATTR_ARRAY_SIZE, &one_row);
	return err;
}

med_err
med_db_exec_array(med_db_conn *c, const char *sql, const med_db_value *params,
		  size_t n_cols, size_t n_rows, uint64_t *affected)
{
	MYSQL_STMT *st = NULL;
	db_array a = {0};
	med_err err = array_prepare(c, sql, params, n_cols, n_rows, &st);

	if (err != MED_OK)
		return err;
	if ((err = array_alloc(&a, n_cols, n_rows)) != MED_OK)
		return err;
	for (size_t col = 0; err == MED_OK && col < n_cols; col++)
		err = array_column(&a, params, n_cols, col, n_rows);
	if (err == MED_OK)
		err = array_execute(c, st, sql, &a, (unsigned int)n_rows);
	if (err == MED_OK)
		err = tx_still_open(c, sql);
	if (err == MED_OK && affected != NULL)
		*affected = (uint64_t)mysql_stmt_affected_rows(st);
	array_free(&a);
	return err;
}

/* ---- result rows ---- */

static void
row_free(med_db_row *row)
{
	for (size_t i = 0; i < row->n; i++)
		free(row->cols[i].buf);
	free(row->cols);
	free(row->binds);
}

static bool
is_int_type(enum enum_field_types t)
{
	return t == MYSQL_TYPE_TINY || t == MYSQL_TYPE_SHORT ||
	       t == MYSQL_TYPE_INT24 || t == MYSQL_TYPE_LONG ||
	       t == MYSQL_TYPE_LONGLONG || t == MYSQL_TYPE_YEAR;
}

static med_err
col_bind(db_col *col, MYSQL_BIND *b, const MYSQL_FIELD *f)
{
	b->is_null = &col->is_null;
	b->error = &col->error;
	b->length = &col->len;
	if (is_int_type(f->type)) {
		col->kind = DB_COL_INT;
		b->buffer_type = MYSQL_TYPE_LONGLONG;
		b->buffer = &col->i;
		return MED_OK;
	}
	if (f->type == MYSQL_TYPE_FLOAT || f->type == MYSQL_TYPE_DOUBLE) {
		col->kind = DB_COL_DBL;
		b->buffer_type = MYSQL_TYPE_DOUBLE;
		b->buffer = &col->d;
		return MED_OK;
	}
	col->kind = DB_COL_STR;
	if (f->max_length > DB_VALUE_CAP)
		return MED_ERR_LIMIT;
	col->alloc = f->max_length < DB_MIN_BUF ? DB_MIN_BUF : f->max_length;
	col->alloc++;
	col->buf = malloc(col->alloc);
	if (col->buf == NULL)
		return MED_ERR_NOMEM;
	b->buffer_type = MYSQL_TYPE_STRING;
	b->buffer = col->buf;
	b->buffer_length = col->alloc;
	return MED_OK;
}

static med_err
row_init(med_db_row *row, MYSQL_RES *meta)
{
	MYSQL_FIELD *fields = mysql_fetch_fields(meta);
	med_err err;

	row->n = mysql_num_fields(meta);
	if (row->n > DB_MAX_COLUMNS)
		return MED_ERR_LIMIT;
	row->cols = calloc(row->n, sizeof(*row->cols));
	row->binds = calloc(row->n, sizeof(*row->binds));
	if (row->cols == NULL || row->binds == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < row->n; i++) {
		err = col_bind(&row->cols[i], &row->binds[i], &fields[i]);
		if (err != MED_OK)
			return err;
	}
	return MED_OK;
}

/* col_grow refetches a value longer than its buffer into a larger one. */
static med_err
col_grow(MYSQL_STMT *st, med_db_row *row, size_t i)
{
	db_col *col = &row->cols[i];
	MYSQL_BIND *b = &row->binds[i];
	char *buf;

	if (col->len > DB_VALUE_CAP)
		return MED_ERR_LIMIT;
	buf = realloc(col->buf, col->len + 1);
	if (buf == NULL)
		return MED_ERR_NOMEM;
	col->buf = buf;
	col->alloc = col->len + 1;
	b->buffer = buf;
	b->buffer_length = col->alloc;
	if (mysql_stmt_fetch_column(st, b, (unsigned int)i, 0) != 0)
		return MED_ERR_INTERNAL;
	/* Later rows fetch into the larger buffer. */
	if (mysql_stmt_bind_result(st, row->binds) != 0)
		return MED_ERR_INTERNAL;
	return MED_OK;
}

static med_err
row_finish(MYSQL_STMT *st, med_db_row *row, bool truncated)
{
	med_err err;

	for (size_t i = 0; i < row->n; i++) {
		db_col *col = &row->cols[i];

		if (col->is_null)
			continue;
		if (col->kind == DB_COL_INT) {
			snprintf(col->num, sizeof(col->num), "%lld",
				 (long long)col->i);
		} else if (col->kind == DB_COL_DBL) {
			snprintf(col->num, sizeof(col->num), "%.17g", col->d);
		} else {
			if (truncated && col->len >= col->alloc) {
				err = col_grow(st, row, i);
				if (err != MED_OK)
					return err;
			}
			col->buf[col->len] = '\0';
		}
	}
	return MED_OK;
}

static med_err
fetch_rows(med_db_conn *c, MYSQL_STMT *st, const char *sql, med_db_row *row,
	   med_db_row_fn on_row, void *ctx)
{
	med_err err;
	int rc;

	if (row->n > 0 && mysql_stmt_bind_result(st, row->binds) != 0)
		return stmt_error(c, st, sql);
	while ((rc = mysql_stmt_fetch(st)) != MYSQL_NO_DATA) {
		if (rc == 1)
			return stmt_error(c, st, sql);
		err = row_finish(st, row, rc == MYSQL_DATA_TRUNCATED);
		if (err != MED_OK) {
			med_log_error(
				"db: cannot fetch a value (%s) in: %.200s",
				med_strerror(err), sql);
			return err;
		}
		err = on_row(ctx, row);
		if (err != MED_OK)
			return err;
	}
	return MED_OK;
}

med_err
med_db_query(med_db_conn *c, const char *sql, const med_db_value *params,
	     size_t n_params, med_db_row_fn on_row, void *ctx)
{
	med_db_row row = {0};
	MYSQL_STMT *st = NULL;
	MYSQL_RES *meta;
	med_err err;

	if (on_row == NULL)
		return MED_ERR_INVALID;
	err = stmt_run(c, sql, params, n_params, &st);
	if (err != MED_OK)
		return err;
	/* Stored results let on_row run other statements on c. */
	if (mysql_stmt_store_result(st) != 0)
		return stmt_error(c, st, sql);
	if ((err = tx_still_open(c, sql)) != MED_OK) {
		mysql_stmt_free_result(st);
		return err;
	}
	meta = mysql_stmt_result_metadata(st);
	if (meta == NULL) {
		mysql_stmt_free_result(st);
		return MED_OK;
	}
	err = row_init(&row, meta);
	if (err == MED_OK)
		err = fetch_rows(c, st, sql, &row, on_row, ctx);
	else
		med_log_error("db: cannot bind result (%s) in: %.200s",
			      med_strerror(err), sql);
	row_free(&row);
	mysql_free_result(meta);
	/* A lost connection closed st already. */
	if (c->mysql != NULL)
		mysql_stmt_free_result(st);
	return err;
}

size_t
med_db_row_columns(const med_db_row *row)
{
	return row ? row->n : 0;
}

bool
med_db_row_is_null(const med_db_row *row, size_t col)
{
	return row == NULL || col >= row->n || row->cols[col].is_null;
}

const char *
med_db_row_text(const med_db_row *row, size_t col, size_t *len)
{
	const db_col *v;

	if (len != NULL)
		*len = 0;
	if (med_db_row_is_null(row, col))
		return NULL;
	v = &row->cols[col];
	if (v->kind != DB_COL_STR) {
		if (len != NULL)
			*len = strlen(v->num);
		return v->num;
	}
	if (len != NULL)
		*len = v->len;
	return v->buf;
}

med_err
med_db_row_seen(void *ctx, const med_db_row *row)
{
	(void)row;
	*(bool *)ctx = true;
	return MED_OK;
}

int64_t
med_db_row_int64(const med_db_row *row, size_t col)
{
	const db_col *v;

	if (med_db_row_is_null(row, col))
		return 0;
	v = &row->cols[col];
	if (v->kind == DB_COL_INT)
		return v->i;
	if (v->kind == DB_COL_DBL)
		return (int64_t)v->d;
	return (int64_t)strtoll(v->buf, NULL, 10);
}

double
med_db_row_double(const med_db_row *row, size_t col)
{
	const db_col *v;

	if (med_db_row_is_null(row, col))
		return 0;
	v = &row->cols[col];
	if (v->kind == DB_COL_DBL)
		return v->d;
	if (v->kind == DB_COL_INT)
		return (double)v->i;
	return strtod(v->buf, NULL);
}

/* ---- transactions as a unit ---- */

/*
 * tx_was_aborted tells whether the open transaction was aborted by a
 * conflicting commit of another Galera node (a "brute force" abort).  Such
 * an abort can surface first as the failure of the statement it cut short
 * (a duplicate key, when the other node's row is already committed) and
 * only at the next statement as the deadlock it is: ask with one more.
 * On a single server this costs a round trip on an error path only.
 */
static med_err db_exec_plain(med_db_conn *c, const char *sql);

static bool
tx_was_aborted(med_db_conn *c)
{
	if (c->in_tx && c->tx_aborted)
		return true;
	return c->mysql != NULL && c->in_tx &&
	       db_exec_plain(c, "DO 0") == MED_ERR_CONFLICT;
}

/* How deep this thread is in med_db_tx bodies (med_db_in_tx). */
static _Thread_local int t_tx_depth;

bool
med_db_in_tx(void)
{
	return t_tx_depth > 0;
}

static med_err
tx_once(med_db *db, med_db_tx_fn fn, void *ctx, unsigned int *conflict_code)
{
	med_db_conn *c;
	med_err err = med_db_acquire(db, &c);

	if (err != MED_OK)
		return err;
	c->conflict_code = 0;
	err = med_db_begin(c);
	if (err == MED_OK) {
		t_tx_depth++;
		err = fn(c, ctx);
		t_tx_depth--;
	}
	if (err != MED_OK && err != MED_ERR_CONFLICT &&
	    err != MED_ERR_UNAVAILABLE && tx_was_aborted(c))
		err = MED_ERR_CONFLICT;
	if (err == MED_OK)
		err = med_db_commit(c);
	if (err != MED_OK)
		med_db_rollback(c);
	*conflict_code = c->conflict_code;
	med_db_release(c);
	return err;
}

/*
 * tx_backoff waits a random time below a bound that doubles with each
 * try: the winner of the conflict finishes (on Galera: its write set is
 * applied on this node, so the re-run reads it), and two losers that
 * collided do not collide again in step.
 */
static void
tx_backoff(int try)
{
	static _Thread_local uint32_t seed;
	int64_t bound_ms = DB_TX_BACKOFF_MS << (try < 6 ? try : 6);
	int64_t wait_us;

	if (seed == 0)
		seed = (uint32_t)mono_ms() ^ (uint32_t)(uintptr_t)&seed;
	seed ^= seed << 13;
	seed ^= seed >> 17;
	seed ^= seed << 5;
	if (bound_ms > DB_TX_BACKOFF_MAX_MS)
		bound_ms = DB_TX_BACKOFF_MAX_MS;
	wait_us = 1000 + (int64_t)(seed % (uint32_t)(bound_ms * 1000));
	nanosleep(&(struct timespec){wait_us / 1000000,
				     (wait_us % 1000000) * 1000L},
		  NULL);
}

/* exists_may_rerun says whether a run that failed with a duplicate key
 * is run again: on a Galera node, DB_TX_EXISTS_RERUNS times at most. */
static bool
exists_may_rerun(med_db *db, med_err err, int *exists_runs)
{
	if (err != MED_ERR_EXISTS ||
	    !__atomic_load_n(&db->galera_noted, __ATOMIC_RELAXED) ||
	    *exists_runs >= DB_TX_EXISTS_RERUNS)
		return false;
	++*exists_runs;
	return true;
}

/* tx_may_rerun says whether a transaction that conflicted in each of its
 * runs so far, the first at t0, gets another. */
static bool
tx_may_rerun(int runs, int64_t t0)
{
	return runs < DB_TX_TRIES || mono_ms() - t0 < DB_TX_BUDGET_MS;
}

med_err
med_db_tx(med_db *db, med_db_tx_fn fn, void *ctx)
{
	med_err err = MED_ERR_INTERNAL;
	int64_t t0;
	int exists_runs = 0;

	if (db == NULL || fn == NULL)
		return MED_ERR_INVALID;
	t0 = mono_ms();
	for (int runs = 1;; runs++) {
		unsigned int code = 0;

		err = tx_once(db, fn, ctx, &code);
		if (exists_may_rerun(db, err, &exists_runs)) {
			med_counter_add(db->retry_other, 1);
			tx_backoff(exists_runs - 1);
			continue;
		}
		if (err != MED_ERR_CONFLICT || runs == DB_TX_TRIES_MAX ||
		    !tx_may_rerun(runs, t0))
			break;
		med_counter_add(code == ER_LOCK_DEADLOCK ? db->retry_deadlock
				: code == ER_LOCK_WAIT_TIMEOUT
					? db->retry_lock_wait
					: db->retry_other,
				1);
		tx_backoff(runs - 1);
	}
	return err;
}

/* The client's errors that say the server answered and refused: TLS
 * (CR_SSL_CONNECTION_ERROR and friends in 2026) and credentials. */
static bool
refused_not_away(unsigned int code)
{
	return code == 2026 || code == 1045 || code == 1044 || code == 1698 ||
	       code == 3159;
}

bool
med_db_server_supported(const char *info, unsigned long version, char *msg,
			size_t len)
{
	const char *name = info != NULL ? info : "";

	if (strstr(name, "MariaDB") != NULL &&
	    version >= MED_DB_MIN_SERVER_VERSION)
		return true;
	snprintf(msg, len,
		 "the database server is %s (%lu.%lu.%lu); smartmed needs "
		 "MariaDB %lu.%lu or later: upgrade it (Debian 12: apt-get "
		 "install mariadb-server from bookworm and bookworm-updates)",
		 *name ? name : "unnamed", version / 10000, version / 100 % 100,
		 version % 100, MED_DB_MIN_SERVER_VERSION / 10000,
		 MED_DB_MIN_SERVER_VERSION / 100 % 100);
	return false;
}

/* server_check: the probe's connection m reached a server smartmed runs
 * on (med_db_server_supported). */
static med_err
server_check(MYSQL *m, char *msg, size_t len)
{
	if (med_db_server_supported(mysql_get_server_info(m),
				    mysql_get_server_version(m), msg, len))
		return MED_OK;
	return MED_ERR_PRECONDITION;
}

med_err
med_db_probe(med_db *db, char *msg, size_t len)
{
	MYSQL *m = mysql_init(NULL);
	unsigned int code;
	med_err err = MED_OK;

	if (m == NULL)
		return MED_ERR_NOMEM;
	conn_set_options(db, m, db->connect_timeout_s);
	if (mysql_real_connect(m, db->socket ? NULL : db->host, db->user,
			       db->password, db->database, db->port, db->socket,
			       0) == NULL) {
		code = mysql_errno(m);
		err = refused_not_away(code) ? MED_ERR_PRECONDITION
					     : MED_ERR_UNAVAILABLE;
		snprintf(msg, len, "%s: %s (%u)",
			 db->socket ? db->socket : db->host, mysql_error(m),
			 code);
	} else {
		err = server_check(m, msg, len);
	}
	mysql_close(m);
	return err;
}

med_err
med_db_ping(med_db *db)
{
	med_db_conn *c;
	med_err err = med_db_acquire(db, &c);

	if (err != MED_OK)
		return err;
	if (mysql_ping(c->mysql) != 0)
		err = conn_mysql_error(c, "PING");
	med_db_release(c);
	return err;
}

/* ---- migrations ---- */

/* db_exec_plain runs a statement without parameters, as migrations are. */
static med_err
db_exec_plain(med_db_conn *c, const char *sql)
{
	MYSQL_RES *res;

	if (c->mysql == NULL)
		return MED_ERR_UNAVAILABLE;
	if (c->in_tx && c->tx_aborted)
		return tx_aborted_refuse(c, sql);
	if (mysql_real_query(c->mysql, sql, (unsigned long)strlen(sql)) != 0)
		return conn_mysql_error(c, sql);
	res = mysql_store_result(c->mysql);
	if (res != NULL)
		mysql_free_result(res);
	else if (mysql_field_count(c->mysql) != 0)
		return conn_mysql_error(c, sql);
	return tx_still_open(c, sql);
}

typedef struct versions_ctx {
	const med_db_migration *m;
	size_t n;
	bool *applied;
} versions_ctx;

static med_err
on_version(void *ctx, const med_db_row *row)
{
	versions_ctx *v = ctx;
	int64_t ver = med_db_row_int64(row, 0);

	for (size_t i = 0; i < v->n; i++)
		if (v->m[i].version == ver)
			v->applied[i] = true;
	return MED_OK;
}

static med_err
migrations_check(const med_db_migration *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (m[i].version <= 0 || m[i].statements == NULL ||
		    (i > 0 && m[i].version <= m[i - 1].version)) {
			med_log_error("db: migration %zu: versions must be "
				      "positive and increasing",
				      i);
			return MED_ERR_INVALID;
		}
	}
	return MED_OK;
}

static med_err
migration_apply(med_db_conn *c, const med_db_migration *m)
{
	static const char ins[] = "INSERT INTO schema_version "
				  "(version, description, applied_ms) "
				  "VALUES (?, ?, ?)";
	const char *desc = m->description ? m->description : "";
	med_db_value vals[3] = {MED_DB_I64(m->version), MED_DB_STR(desc),
				MED_DB_I64(med_now_ms())};
	med_err err;

	for (size_t i = 0; m->statements[i] != NULL; i++) {
		err = db_exec_plain(c, m->statements[i]);
		if (err != MED_OK) {
			med_log_error("db: migration %d (%s) statement %zu "
				      "failed",
				      m->version, desc, i + 1);
			return err == MED_ERR_UNAVAILABLE ? err
							  : MED_ERR_INTERNAL;
		}
	}
	/* DDL commits as it goes, so the version is recorded last. */
	err = med_db_exec(c, ins, vals, 3, NULL, NULL);
	if (err != MED_OK)
		return err == MED_ERR_UNAVAILABLE ? err : MED_ERR_INTERNAL;
	med_log_info("db: applied migration %d (%s)", m->version, desc);
	return MED_OK;
}

/*
 * The migration lock is a row in schema_lock, claimed by a committed
 * transaction, not GET_LOCK: named locks (and SELECT ... FOR UPDATE) are
 * local to one Galera node, so replicas on two nodes would both get them.
 * A commit is certified cluster-wide: when two replicas claim the free
 * row at once, one commit fails (a deadlock error) and that replica looks
 * again and waits.  The claim is a lease: DDL commits as it goes (on
 * Galera each statement runs in total order on every node), so no
 * transaction can stay open across a migration to hold a row lock.
 */
typedef struct migrate_lock {
	const char *name;
	char holder[128];
	char other[128]; /* the row's holder, when another's */
	bool held_by_other;
} migrate_lock;

static med_err
on_lock_row(void *ctx, const med_db_row *row)
{
	migrate_lock *l = ctx;
	size_t len = 0;
	const char *holder = med_db_row_text(row, 0, &len);
	bool mine = holder != NULL && len == strlen(l->holder) &&
		    memcmp(holder, l->holder, len) == 0;

	l->held_by_other = !mine && med_db_row_int64(row, 1) > med_now_ms();
	l->other[0] = '\0';
	if (l->held_by_other && holder != NULL && len < sizeof(l->other)) {
		memcpy(l->other, holder, len);
		l->other[len] = '\0';
	}
	return MED_OK;
}

/*
 * holder_gone: the lease's holder is a connection to this server, as the
 * same user, that the server no longer has, so a process killed during a
 * migration does not block the next start for the whole lease (issue 49,
 * item 11).  A holder name starts "c<connection id>@<node>", node a hash
 * of the server's host name and port and the user (lock_holder_name).
 * While the dead holder's last statement still runs, its connection is
 * still listed and the lock stays taken; a holder on another node, or of
 * another user (whose connections this one cannot list), keeps the lease.
 */
static bool
holder_gone(med_db_conn *c, const migrate_lock *l)
{
	unsigned long long id = 0;
	char node[17] = "", mine[17] = "";
	bool seen = false;

	if (sscanf(l->other, "c%llu@%16[0-9a-f]", &id, node) != 2 ||
	    sscanf(l->holder, "c%*u@%16[0-9a-f]", mine) != 1 ||
	    strcmp(node, mine) != 0)
		return false;
	if (med_db_query(c,
			 "SELECT 1 FROM information_schema.PROCESSLIST"
			 " WHERE ID = ?",
			 (med_db_value[]){MED_DB_I64((int64_t)id)}, 1,
			 med_db_row_seen, &seen) != MED_OK)
		return false;
	return !seen;
}

/* lock_claim_once: one transaction that takes the row when it is free,
 * expired or already ours.  MED_ERR_CONFLICT: another holder (now or by
 * certification); try again later. */
static med_err
lock_claim_once(med_db_conn *c, migrate_lock *l)
{
	static const char sel[] = "SELECT holder, expires_ms FROM schema_lock "
				  "WHERE name = ? FOR UPDATE";
	static const char put[] = "REPLACE INTO schema_lock "
				  "(name, holder, expires_ms) VALUES (?, ?, ?)";
	med_db_value name = MED_DB_STR(l->name);
	med_db_value row[3] = {name, MED_DB_STR(l->holder),
			       MED_DB_I64(med_now_ms() + DB_MIGRATE_LEASE_MS)};
	med_err err = med_db_begin(c);

	l->held_by_other = false;
	if (err == MED_OK)
		err = med_db_query(c, sel, &name, 1, on_lock_row, l);
	if (err == MED_OK && l->held_by_other && holder_gone(c, l)) {
		med_log_warn("db: migration lock %s: its holder %s is gone "
			     "(killed during a migration?); taking it over",
			     l->name, l->other);
		l->held_by_other = false;
	}
	if (err == MED_OK && l->held_by_other)
		err = MED_ERR_CONFLICT;
	if (err == MED_OK)
		err = med_db_exec(c, put, row, 3, NULL, NULL);
	if (err == MED_OK)
		return med_db_commit(c);
	med_db_rollback(c);
	/* Two claims of a missing row on one server: a duplicate key. */
	return err == MED_ERR_EXISTS ? MED_ERR_CONFLICT : err;
}

/* lock_wait_said: a replica waiting for the lock says so, and who holds
 * it, at once and then every DB_MIGRATE_SAY_MS: a service not ready for
 * minutes with a silent log leaves an operator nothing to go on. */
static void
lock_wait_said(const migrate_lock *l, int64_t *said_ms)
{
	if (!med_log_due(said_ms, mono_ms(), DB_MIGRATE_SAY_MS))
		return;
	med_log_info("db: migration lock %s is held by %s; waiting for it "
		     "(up to %lld s)",
		     l->name, l->other[0] ? l->other : "another replica",
		     DB_MIGRATE_WAIT_MS / 1000);
}

static med_err
lock_claim(med_db_conn *c, migrate_lock *l)
{
	int64_t deadline = mono_ms() + DB_MIGRATE_WAIT_MS;
	int64_t said_ms = 0;
	med_err err;

	while ((err = lock_claim_once(c, l)) == MED_ERR_CONFLICT) {
		lock_wait_said(l, &said_ms);
		if (mono_ms() > deadline) {
			med_log_error("db: migration lock %s still held after "
				      "%lld s",
				      l->name, DB_MIGRATE_WAIT_MS / 1000);
			return MED_ERR_TIMEOUT;
		}
		nanosleep(&(struct timespec){0, DB_MIGRATE_POLL_MS * 1000000L},
			  NULL);
	}
	return err;
}

/* lock_renew extends our lease before a migration; MED_ERR_CONFLICT when
 * it expired and another replica took it (stop: never run DDL twice). */
static med_err
lock_renew(med_db_conn *c, const migrate_lock *l)
{
	/* Always a change: the server counts changed rows, and a renewal in
	 * the claim's millisecond would otherwise look like a lost lock. */
	static const char upd[] =
		"UPDATE schema_lock "
		"SET expires_ms = GREATEST(?, expires_ms + 1) "
		"WHERE name = ? AND holder = ?";
	med_db_value args[3] = {MED_DB_I64(med_now_ms() + DB_MIGRATE_LEASE_MS),
				MED_DB_STR(l->name), MED_DB_STR(l->holder)};
	uint64_t n = 0;
	med_err err = med_db_exec(c, upd, args, 3, &n, NULL);

	if (err == MED_OK && n != 1) {
		med_log_error("db: lost the migration lock %s", l->name);
		return MED_ERR_CONFLICT;
	}
	return err;
}

static void
lock_release(med_db_conn *c, const migrate_lock *l)
{
	static const char del[] = "DELETE FROM schema_lock "
				  "WHERE name = ? AND holder = ?";
	med_db_value args[2] = {MED_DB_STR(l->name), MED_DB_STR(l->holder)};

	/* A lost connection leaves the lease to expire. */
	if (c->mysql == NULL ||
	    med_db_exec(c, del, args, 2, NULL, NULL) != MED_OK)
		med_log_warn("db: could not release the migration lock %s; "
			     "it expires by itself",
			     l->name);
}

static med_err
migrate_locked(med_db_conn *c, const migrate_lock *l, const med_db_migration *m,
	       size_t n)
{
	versions_ctx v = {.m = m, .n = n};
	med_err err;

	v.applied = calloc(n ? n : 1, sizeof(*v.applied));
	if (v.applied == NULL)
		return MED_ERR_NOMEM;
	/* Read after the claim: its commit waited for every earlier
	 * holder's writes to be applied on this node. */
	err = med_db_query(c, "SELECT version FROM schema_version", NULL, 0,
			   on_version, &v);
	for (size_t i = 0; i < n && err == MED_OK; i++) {
		if (v.applied[i])
			continue;
		err = lock_renew(c, l);
		if (err == MED_OK)
			err = migration_apply(c, &m[i]);
	}
	free(v.applied);
	return err;
}

/* node_of reads the connection's id and hashes (FNV-1a) what names its
 * server and user: the host name, the port and CURRENT_USER(). */
typedef struct conn_node {
	unsigned long long id;
	uint64_t hash;
} conn_node;

static med_err
on_conn_node(void *ctx, const med_db_row *row)
{
	conn_node *n = ctx;

	n->id = (unsigned long long)med_db_row_int64(row, 0);
	n->hash = 14695981039346656037ULL;
	for (size_t col = 1; col <= 3; col++) {
		size_t len = 0;
		const char *s = med_db_row_text(row, col, &len);

		for (size_t i = 0; s != NULL && i < len; i++)
			n->hash = (n->hash ^ (uint8_t)s[i]) * 1099511628211ULL;
		n->hash = (n->hash ^ '|') * 1099511628211ULL;
	}
	return MED_OK;
}

/*
 * lock_holder_name names this claim: the connection and its node first
 * (holder_gone reads them; the connection id also sets apart threads of
 * one process, and the unit tests migrate from four at once), then host
 * and pid for an operator.
 */
static med_err
lock_holder_name(med_db_conn *c, char *buf, size_t len)
{
	char host[64] = "?";
	conn_node n = {0, 0};
	med_err err = med_db_query(c,
				   "SELECT CONNECTION_ID(), @@hostname,"
				   " @@port, CURRENT_USER()",
				   NULL, 0, on_conn_node, &n);

	if (err != MED_OK)
		return err;
	(void)gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	snprintf(buf, len, "c%llu@%016llx %s:%ld", n.id,
		 (unsigned long long)n.hash, host, (long)getpid());
	return MED_OK;
}

static med_err
migrate_on(med_db_conn *c, const med_db_migration *m, size_t n)
{
	static const char *const create[] = {
		"CREATE TABLE IF NOT EXISTS schema_version ("
		"version INT PRIMARY KEY, description VARCHAR(200), "
		"applied_ms BIGINT) ENGINE=InnoDB" MED_DB_BIN,
		"CREATE TABLE IF NOT EXISTS schema_lock ("
		"name VARCHAR(64) PRIMARY KEY, holder VARCHAR(128) NOT NULL, "
		"expires_ms BIGINT NOT NULL) ENGINE=InnoDB" MED_DB_BIN,
	};
	migrate_lock l = {.name = "migrate"};
	med_err err = MED_OK;
	char why[256];

	/* A server that started after the probe (the service waited for it)
	 * is checked here, before any statement it cannot run. */
	if (server_check(c->mysql, why, sizeof(why)) != MED_OK) {
		med_log_error("db: %s", why);
		return MED_ERR_INTERNAL;
	}
	err = lock_holder_name(c, l.holder, sizeof(l.holder));
	for (size_t i = 0; i < 2 && err == MED_OK; i++)
		err = db_exec_plain(c, create[i]);
	/* Tables of a database made before MED_DB_BIN. */
	if (err == MED_OK)
		err = med_db_table_bin(c, "schema_version");
	if (err == MED_OK)
		err = med_db_table_bin(c, "schema_lock");
	if (err == MED_OK)
		err = lock_claim(c, &l);
	if (err != MED_OK)
		return (err == MED_ERR_UNAVAILABLE || err == MED_ERR_TIMEOUT)
			       ? err
			       : MED_ERR_INTERNAL;
	err = migrate_locked(c, &l, m, n);
	lock_release(c, &l);
	return err == MED_ERR_CONFLICT ? MED_ERR_INTERNAL : err;
}

/* med_db_table_bin_once converts on a connection of its own, as
 * med_db_migrate: rewriting a big table outlasts the pool's read timeout. */
med_err
med_db_table_bin_once(med_db *db, const char *table)
{
	med_db_conn c = {.db = db, .io_timeout_s = DB_MIGRATE_IO_S};
	med_err err;

	if (db == NULL)
		return MED_ERR_INVALID;
	err = conn_open(&c);
	if (err != MED_OK)
		return err;
	err = med_db_table_bin(&c, table);
	conn_close(&c);
	return err;
}

/*
 * med_db_migrate runs on a connection of its own, outside the pool: DDL on
 * a big table and the wait for another replica's lock both outlast the
 * pool's read timeout.
 */
med_err
med_db_migrate(med_db *db, const med_db_migration *migrations, size_t n)
{
	med_db_conn c = {.db = db, .io_timeout_s = DB_MIGRATE_IO_S};
	med_err err;

	if (db == NULL || (n > 0 && migrations == NULL))
		return MED_ERR_INVALID;
	err = migrations_check(migrations, n);
	if (err != MED_OK)
		return err;
	err = conn_open(&c);
	if (err != MED_OK)
		return err;
	err = migrate_on(&c, migrations, n);
	conn_close(&c);
	return err;
}
