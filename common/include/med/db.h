/*
 * med/db.h - MariaDB through Connector/C.  Only common/src/db.c includes
 * MariaDB's headers.
 *
 * A pool of connections, prepared statements only (parameters are bound,
 * never pasted into SQL), transactions, and per-service schema migrations
 * recorded in a schema_version table.  When the server is away every call
 * returns MED_ERR_UNAVAILABLE (never a crash) and broken connections are
 * reopened on their next use, so the service recovers when it is back.
 */
#ifndef MED_DB_H
#define MED_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <med/err.h>

typedef struct med_db med_db;
typedef struct med_db_conn med_db_conn;
typedef struct med_db_row med_db_row;

/* med_db_opts - where the database is and how many connections to keep. */
typedef struct med_db_opts {
	const char *host;   /* NULL or "" with socket set */
	int port;	    /* 0 = 3306 */
	const char *socket; /* unix socket path, or NULL */
	const char *user;
	const char *password;	/* may be NULL */
	const char *database;	/* the service's own schema */
	int pool_size;		/* 0 = 4 */
	int connect_timeout_s;	/* 0 = 2 */
	int acquire_timeout_ms; /* wait for a free connection; 0 = 5000 */
	/*
	 * tls_ca: over TCP, speak TLS only, verify the server's certificate
	 * against this CA file and its name against host; a server that
	 * offers no TLS, or a certificate that fails, fails the connection.
	 * NULL: no TLS (a local socket, or a development setting).  Not used
	 * with socket.  tls_cert and tls_key: an optional client certificate.
	 */
	const char *tls_ca;
	const char *tls_cert;
	const char *tls_key;
} med_db_opts;

/*
 * med_db_open creates the pool.  It does not connect: connections open on
 * first use, so a service can start while the database is still away.
 * Errors: MED_ERR_INVALID (options), MED_ERR_NOMEM.
 */
med_err med_db_open(const med_db_opts *opts, med_db **out) MED_MUST_CHECK;

/* med_db_close closes every connection and frees db; NULL is fine. */
void med_db_close(med_db *db);

/* med_db_migration - one schema step, applied once, in version order. */
typedef struct med_db_migration {
	int version; /* 1, 2, 3 ... */
	const char *description;
	const char *const *statements; /* NULL-terminated list of SQL */
} med_db_migration;

/*
 * med_db_migrate applies the migrations not yet recorded in schema_version,
 * in order, under a lock row in schema_lock that a Galera cluster certifies
 * (GET_LOCK is local to one node), so replicas starting together on any
 * nodes apply each step once.  Errors: MED_ERR_UNAVAILABLE (database away),
 * MED_ERR_TIMEOUT (another replica held the lock for 10 minutes),
 * MED_ERR_INTERNAL (a statement failed: logged with the version; or the
 * lock's lease ran out during a migration).
 */
med_err med_db_migrate(med_db *db, const med_db_migration *migrations,
		       size_t n) MED_MUST_CHECK;

/* The oldest MariaDB smartmed's statements run on: 10.11, the release in
 * Debian 12 from its first point release on (mysql_get_server_version's
 * form: major * 10000 + minor * 100 + patch). */
#define MED_DB_MIN_SERVER_VERSION 101100UL

/*
 * med_db_server_supported says whether a server that calls itself info
 * (mysql_get_server_info: "10.11.19-MariaDB-0+deb12u1") at version (as
 * MED_DB_MIN_SERVER_VERSION) runs smartmed's statements: MariaDB from
 * MED_DB_MIN_SERVER_VERSION on (MySQL lacks MariaDB's JSON_TABLE and
 * sequence forms).  When not, msg gets one line naming what was found
 * and what to do.
 */
bool med_db_server_supported(const char *info, unsigned long version, char *msg,
			     size_t len);

/*
 * med_db_probe opens one connection to learn whether the database can be
 * reached as configured.  MED_OK: it can; MED_ERR_UNAVAILABLE: the server
 * is away (a service starts anyway and waits); MED_ERR_PRECONDITION: the
 * server answered but refused the settings (TLS missing or not verified,
 * or the credentials) or is a server smartmed does not run on (older than
 * MED_DB_MIN_SERVER_VERSION, or not MariaDB), which waiting cannot fix;
 * msg says which.
 */
med_err med_db_probe(med_db *db, char *msg, size_t len) MED_MUST_CHECK;

/* med_db_ping is MED_OK when a connection can run a query now. */
med_err med_db_ping(med_db *db) MED_MUST_CHECK;

/*
 * med_db_acquire takes a connection from the pool (reconnecting it when it
 * was broken).  Errors: MED_ERR_UNAVAILABLE, MED_ERR_TIMEOUT (pool busy).
 */
med_err med_db_acquire(med_db *db, med_db_conn **out) MED_MUST_CHECK;

/* med_db_release returns c to its pool (rolling back an open transaction). */
void med_db_release(med_db_conn *c);

/* Transactions on one connection. */
med_err med_db_begin(med_db_conn *c) MED_MUST_CHECK;
med_err med_db_commit(med_db_conn *c) MED_MUST_CHECK;
void med_db_rollback(med_db_conn *c);

/* med_db_type - the type of a bound parameter. */
typedef enum med_db_type {
	MED_DB_NULL = 0,
	MED_DB_INT64 = 1,
	MED_DB_DOUBLE = 2,
	MED_DB_TEXT = 3,
	MED_DB_BLOB = 4,
} med_db_type;

/* med_db_value - one parameter; pointers are borrowed for the call. */
typedef struct med_db_value {
	med_db_type type;
	int64_t i;
	double d;
	const void *p;
	size_t len;
} med_db_value;

#define MED_DB_NULLV() ((med_db_value){.type = MED_DB_NULL})
#define MED_DB_I64(v)  ((med_db_value){.type = MED_DB_INT64, .i = (v)})
#define MED_DB_DBL(v)  ((med_db_value){.type = MED_DB_DOUBLE, .d = (v)})
#define MED_DB_STR(s)                                                          \
	((med_db_value){.type = MED_DB_TEXT, .p = (s), .len = strlen(s)})
#define MED_DB_BLOBV(ptr, n)                                                   \
	((med_db_value){.type = MED_DB_BLOB, .p = (ptr), .len = (n)})

/*
 * MED_DB_MAX_PARAMS is the most bound parameters one statement may carry.
 * A caller with a list of values longer than this sends it in chunks; a
 * fixed-size list states MED_DB_PARAMS_FIT(n) so that the build fails
 * rather than the statement (an outbox relay once stalled for good on a
 * DELETE of 128 ids: every run was refused, nothing moved).
 */
#define MED_DB_MAX_PARAMS 64
#define MED_DB_PARAMS_FIT(n)                                                   \
	_Static_assert((n) <= MED_DB_MAX_PARAMS,                               \
		       #n " parameters exceed MED_DB_MAX_PARAMS")

/*
 * med_db_exec runs one statement that returns no rows.  affected and
 * insert_id are optional.  Errors: MED_ERR_EXISTS (duplicate key),
 * MED_ERR_CONFLICT (deadlock or lock wait timeout; retry the transaction),
 * MED_ERR_UNAVAILABLE (connection lost: c is marked broken),
 * MED_ERR_INVALID (a value out of the column's range, or more than
 * MED_DB_MAX_PARAMS parameters: logged with the statement),
 * MED_ERR_INTERNAL.
 */
med_err med_db_exec(med_db_conn *c, const char *sql, const med_db_value *params,
		    size_t n_params, uint64_t *affected,
		    uint64_t *insert_id) MED_MUST_CHECK;

/*
 * med_db_exec_array runs sql, a statement of one row's n_cols
 * placeholders (an INSERT of one row), once for each of n_rows rows of
 * values as ONE bulk execution (MariaDB's array binding: one packet, one
 * statement on the server, the rows' affected counts summed into
 * *affected).  params holds the rows one after another, n_rows × n_cols
 * values; every row's value of a column is of one type, or NULL.  The
 * statement is prepared once per connection and cached as med_db_exec's
 * are: one text for any number of rows.  Errors as med_db_exec
 * (MED_ERR_INVALID also for no rows, or a column of mixed types).
 */
med_err med_db_exec_array(med_db_conn *c, const char *sql,
			  const med_db_value *params, size_t n_cols,
			  size_t n_rows, uint64_t *affected) MED_MUST_CHECK;

/* med_db_row_fn gets each row; a non-OK return stops and is returned. */
typedef med_err (*med_db_row_fn)(void *ctx, const med_db_row *row);

/*
 * med_db_query runs a SELECT and calls on_row for each row, in order.  Rows
 * are valid only during the callback.  Errors as med_db_exec.
 */
med_err med_db_query(med_db_conn *c, const char *sql,
		     const med_db_value *params, size_t n_params,
		     med_db_row_fn on_row, void *ctx) MED_MUST_CHECK;

/* med_db_row_columns returns the number of columns. */
size_t med_db_row_columns(const med_db_row *row);

/* med_db_row_is_null is true when column col is NULL. */
bool med_db_row_is_null(const med_db_row *row, size_t col);

/* med_db_row_text returns column col as text (NULL for NULL); *len opt. */
const char *med_db_row_text(const med_db_row *row, size_t col, size_t *len);

/* med_db_row_seen is a med_db_row_fn for "is there a row": it sets the
 * bool that ctx points to. */
med_err med_db_row_seen(void *ctx, const med_db_row *row);

/* med_db_row_int64 returns column col as an integer (0 for NULL). */
int64_t med_db_row_int64(const med_db_row *row, size_t col);

/* med_db_row_double returns column col as a double (0 for NULL). */
double med_db_row_double(const med_db_row *row, size_t col);

/* med_db_tx_fn is the body of a transaction. */
typedef med_err (*med_db_tx_fn)(med_db_conn *c, void *ctx);

/*
 * med_db_tx runs fn inside one transaction: acquire, begin, fn, commit; any
 * error rolls back.  A deadlock, or on Galera a lost certification (both
 * MED_ERR_CONFLICT), re-runs fn from the start in a new transaction, up
 * to 8 times in all with random, growing waits; fn must therefore decide
 * only from what it reads inside the transaction.
 */
med_err med_db_tx(med_db *db, med_db_tx_fn fn, void *ctx) MED_MUST_CHECK;

/*
 * med_db_in_tx is true while this thread runs the fn of a med_db_tx (and
 * so of a med_call_tx): for the checks of work that must never happen
 * under a transaction's locks (an outbound call, a care decision that may
 * ask identity over the network).  A transaction opened by hand with
 * med_db_begin does not count.
 */
bool med_db_in_tx(void);

/* The counter of med_db_outside_tx, labelled by method. */
#define MED_DB_OUT_IN_TX "smartmed_outbound_calls_in_transaction_total"

/*
 * med_db_outside_tx states the invariant "no outbound call inside a
 * transaction" (db_tx_guard.c) before work that may wait on another
 * process: where names it (a gRPC path, whose last part becomes the
 * method label, or a fixed label such as "JWKS"; never a URL with ids),
 * what says what it is ("outbound call", "HTTP fetch").  Outside a
 * transaction it does nothing; inside one it reports as
 * med_db_report_in_tx does, counting MED_DB_OUT_IN_TX.  Thread-safe.
 */
void med_db_outside_tx(const char *where, const char *what);

/*
 * med_db_report_in_tx reports work that must never run under a
 * transaction's locks but did: it counts counter{method=<where's last
 * part>} (help its text), logs an error naming what and where, and in a
 * build with MED_DEBUG_TX aborts (the debug assertion).  Thread-safe.
 */
void med_db_report_in_tx(const char *counter, const char *help,
			 const char *where, const char *what);

/* --- conveniences over the calls above (db_util.c) ---------------------- */

struct med_arena;

/* med_db_query_once acquires a connection, runs med_db_query, releases. */
med_err med_db_query_once(med_db *db, const char *sql,
			  const med_db_value *params, size_t n_params,
			  med_db_row_fn on_row, void *ctx) MED_MUST_CHECK;

/* med_db_exec_once acquires a connection, runs med_db_exec, releases. */
med_err med_db_exec_once(med_db *db, const char *sql,
			 const med_db_value *params, size_t n_params,
			 uint64_t *affected,
			 uint64_t *insert_id) MED_MUST_CHECK;

struct ProtobufCMessageDescriptor;

/*
 * med_db_map_fn fills msg, a message already initialised from the
 * collector's descriptor, from one row: the column reads stay in the
 * store beside its SELECT, only the collecting is shared.  Strings and
 * nested messages come from arena; ctx is the collector's.  Errors:
 * MED_ERR_NOMEM, or what the mapping decides (stops the query).
 */
typedef med_err (*med_db_map_fn)(void *ctx, struct med_arena *arena,
				 const med_db_row *row, void *msg);

/*
 * med_db_msgs collects a query's rows as protobuf messages of one type,
 * in row order, in an arena array (items[0..n), as med_arena_push_msg
 * grows it; it fits a repeated field).  Set it with MED_DB_MSGS and pass
 * med_db_msg_row as the row function with the collector as its ctx.
 */
typedef struct med_db_msgs {
	struct med_arena *arena;
	const struct ProtobufCMessageDescriptor *desc;
	med_db_map_fn map;
	void *ctx;
	void **items;
	size_t n, cap;
} med_db_msgs;

#define MED_DB_MSGS(arena_, desc_, map_, ctx_)                                 \
	((med_db_msgs){.arena = (arena_),                                      \
		       .desc = (desc_),                                        \
		       .map = (map_),                                          \
		       .ctx = (ctx_)})

/* med_db_msg_row is the med_db_row_fn of a med_db_msgs (ctx): it appends
 * a message and maps the row into it.  MED_ERR_NOMEM past the arena's
 * cap, or the map's error. */
med_err med_db_msg_row(void *ctx, const med_db_row *row);

/*
 * med_db_query_one runs sql, a SELECT that names at most one row (by a
 * key), collects into m and sets *out to the first message it added:
 * the "read one, NOT_FOUND if none" of a store.  out is the address of the
 * caller's message pointer, set only on success.  Errors:
 * MED_ERR_NOT_FOUND (no row), as med_db_query and med_db_msg_row.
 */
med_err med_db_query_one(med_db_conn *c, const char *sql,
			 const med_db_value *params, size_t n_params,
			 med_db_msgs *m, void **out) MED_MUST_CHECK;

/* med_db_query_one_once is med_db_query_one on a connection of the pool
 * taken for this one statement. */
med_err med_db_query_one_once(med_db *db, const char *sql,
			      const med_db_value *params, size_t n_params,
			      med_db_msgs *m, void **out) MED_MUST_CHECK;

/*
 * med_db_query_row is med_db_query for a SELECT that names at most one row
 * (by a key) read into the caller's own struct rather than a message:
 * on_row sees the row, and no row is MED_ERR_NOT_FOUND.  The "read one,
 * NOT_FOUND if none" of a store whose rows map into C structs.
 */
med_err med_db_query_row(med_db_conn *c, const char *sql,
			 const med_db_value *params, size_t n_params,
			 med_db_row_fn on_row, void *ctx) MED_MUST_CHECK;

/* med_db_query_row_once is med_db_query_row on a connection of the pool
 * taken for this one statement. */
med_err med_db_query_row_once(med_db *db, const char *sql,
			      const med_db_value *params, size_t n_params,
			      med_db_row_fn on_row, void *ctx) MED_MUST_CHECK;

/* med_db_row_take_int64 is a med_db_row_fn for a query of one number (a
 * count, a clock, a sequence): it sets the int64_t (or uint64_t, which may
 * alias it) that ctx points to from column 0 (0 for NULL).  With no row the
 * caller's value stays; with med_db_query_row no row is MED_ERR_NOT_FOUND. */
med_err med_db_row_take_int64(void *ctx, const med_db_row *row);

/*
 * MED_DB_BIN is the table options every table is created with: identifiers
 * (user names, request ids, patient ids, codes) compare byte for byte, in
 * any script.  The server's default (latin1_swedish_ci) folds case, so
 * "DR.CASE" equals "dr.case", and refuses "dr.李" outright.
 */
#define MED_DB_BIN " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"

/* Migration statements that bring an older table there: every text column
 * converted (rewrites the table), or only the default of a table without
 * text columns (instant). */
#define MED_DB_TO_BIN(table)                                                   \
	"ALTER TABLE " table " CONVERT TO CHARACTER SET utf8mb4"               \
	" COLLATE utf8mb4_bin"
#define MED_DB_DEFAULT_BIN(table) "ALTER TABLE " table MED_DB_BIN

/*
 * med_db_table_bin brings table (made before MED_DB_BIN, in the
 * connection's database) to utf8mb4_bin: every text column converted
 * when one compares otherwise, else only the table's default (instant).
 * Reads information_schema first, so a table already binary costs one
 * query.  Errors: MED_ERR_INVALID (a name other than [a-z0-9_]), as
 * med_db_exec.
 */
med_err med_db_table_bin(med_db_conn *c, const char *table) MED_MUST_CHECK;

/* med_db_table_bin_once is med_db_table_bin on a connection of its own,
 * outside the pool, whose reads may take as long as a migration's. */
med_err med_db_table_bin_once(med_db *db, const char *table) MED_MUST_CHECK;

/* med_db_row_strdup copies column col into arena; NULL becomes "".  Returns
 * NULL only when the arena is full. */
char *med_db_row_strdup(struct med_arena *arena, const med_db_row *row,
			size_t col);

#endif
