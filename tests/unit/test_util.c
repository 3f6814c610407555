/*
 * test_util.c - ids, UTF-8 validation, JSON escaping, error mapping, logs.
 */
#include "testlib.h"

#include <med/arena.h>
#include <med/check.h>
#include <med/err.h>
#include <med/log.h>
#include <med/json.h>
#include <med/util.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* check_uuid_layout: 8-4-4-4-12 lowercase hex digits, the version digit
 * and the RFC variant. */
static void
check_uuid_layout(const char *a, char version)
{
	MT_EQ_INT(strlen(a), 36);
	MT_EQ_INT(a[14], version);
	MT_TRUE(a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b');
	for (int i = 0; i < 36; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23)
			MT_EQ_INT(a[i], '-');
		else
			MT_TRUE(strchr("0123456789abcdef", a[i]) != NULL);
}

/* check_distinct: n ids (sorted here) hold no two alike. */
static void
check_distinct(char (*ids)[MED_UUID_LEN + 1], int n)
{
	qsort(ids, (size_t)n, sizeof(ids[0]),
	      (int (*)(const void *, const void *))strcmp);
	for (int i = 1; i < n; i++)
		MT_TRUE(strcmp(ids[i - 1], ids[i]) != 0);
}

static void
test_uuid_format(void)
{
	char a[MED_UUID_LEN + 1], b[MED_UUID_LEN + 1];

	med_uuid_v4(a);
	med_uuid_v4(b);
	check_uuid_layout(a, '4');
	MT_TRUE(strcmp(a, b) != 0);
}

/*
 * Ids come from a per-thread buffer of random bytes: a forked child must
 * not hand out the ids its parent hands out next (the child forgets the
 * buffer it inherited), and 2,000 ids of one thread are all distinct.
 */
static void
test_uuid_fork_and_refill(void)
{
	static char ids[2000][MED_UUID_LEN + 1];
	char parent[MED_UUID_LEN + 1], child[MED_UUID_LEN + 1] = "";
	int fds[2], status = 0;
	pid_t pid;

	med_uuid_v4(parent); /* fills this thread's buffer */
	MT_OK(pipe(fds));
	pid = fork();
	MT_TRUE(pid >= 0);
	if (pid == 0) {
		med_uuid_v4(child);
		_exit(write(fds[1], child, sizeof(child)) == sizeof(child) ? 0
									   : 1);
	}
	close(fds[1]);
	MT_EQ_INT(read(fds[0], child, sizeof(child)), (int)sizeof(child));
	close(fds[0]);
	MT_EQ_INT(waitpid(pid, &status, 0), pid);
	MT_EQ_INT(status, 0);
	med_uuid_v4(parent);
	MT_TRUE(strcmp(parent, child) != 0);
	for (int i = 0; i < 2000; i++)
		med_uuid_v4(ids[i]);
	check_distinct(ids, 2000);
}

/* The Unix ms in the first 48 bits of a v7 id (8 + 4 hex digits). */
static int64_t
uuid_v7_ms(const char *id)
{
	char hex[13];

	memcpy(hex, id, 8);
	memcpy(hex + 8, id + 9, 4);
	hex[12] = '\0';
	return (int64_t)strtoll(hex, NULL, 16);
}

/*
 * v7 ids: version 7 and the RFC variant, the clock's milliseconds first,
 * so an id made after another (a millisecond later) sorts after it as
 * text (what keeps the audit log's event id key at its right edge), and
 * 2,000 ids of one thread are distinct.
 */
static void
test_uuid_v7(void)
{
	static char ids[2000][MED_UUID_LEN + 1];
	char a[MED_UUID_LEN + 1], b[MED_UUID_LEN + 1];
	int64_t before = med_now_ms(), after;
	struct timespec two_ms = {0, 2000000};

	med_uuid_v7(a);
	after = med_now_ms();
	check_uuid_layout(a, '7');
	MT_TRUE(uuid_v7_ms(a) >= before && uuid_v7_ms(a) <= after);
	nanosleep(&two_ms, NULL);
	med_uuid_v7(b);
	MT_TRUE(strcmp(a, b) < 0);
	for (int i = 0; i < 2000; i++)
		med_uuid_v7(ids[i]);
	check_distinct(ids, 2000);
}

static void
test_utf8(void)
{
	static const struct {
		const char *s;
		size_t len;
		bool ok;
	} v[] = {
		{"plain", 5, true},
		{"h\xc3\xa9llo", 6, true},
		{"\xe2\x82\xac", 3, true},	/* euro sign */
		{"\xf0\x9f\x98\x80", 4, true},	/* emoji */
		{"a\0b", 3, false},		/* NUL */
		{"\xc0\xaf", 2, false},		/* overlong */
		{"\xe0\x80\xaf", 3, false},	/* overlong */
		{"\xed\xa0\x80", 3, false},	/* surrogate */
		{"\xf4\x90\x80\x80", 4, false}, /* past U+10FFFF */
		{"\xc3", 1, false},		/* truncated */
		{"\xff", 1, false},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (med_utf8_valid(v[i].s, v[i].len) != v[i].ok)
			mt_fail(__FILE__, __LINE__, "case %zu: want %d", i,
				v[i].ok);
}

static void
test_json_escape(void)
{
	char out[64];

	med_json_escape("a\"b\\c\nd\x01", out, sizeof(out));
	MT_EQ_STR(out, "a\\\"b\\\\c\\nd\\u0001");
	med_json_escape("0123456789", out, 5);
	MT_EQ_STR(out, "0123");
}

/* The time bounds agree with the calendar they name. */
static void
test_time_bounds(void)
{
	static const struct {
		int64_t ms;
		bool ok;
	} v[] = {
		{MED_TIME_MIN_MS, true},
		{MED_TIME_MIN_MS - 1, false},
		{MED_TIME_MAX_MS - 1, true},
		{MED_TIME_MAX_MS, false},
		{0, true},
		{-1, true},
		{32503680000000LL, false},  /* 3000-01-01 */
		{253402300799999LL, false}, /* 9999-12-31T23:59:59.999 */
		{INT64_MAX, false},
		{INT64_MIN, false},
	};

	MT_EQ_INT(MED_TIME_MIN_MS,
		  med_days_from_civil(MED_TIME_MIN_YEAR, 1, 1) * 86400000);
	MT_EQ_INT(MED_TIME_MAX_MS,
		  med_days_from_civil(MED_TIME_MAX_YEAR + 1, 1, 1) * 86400000);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (med_time_ms_valid(v[i].ms) != v[i].ok)
			mt_fail(__FILE__, __LINE__, "case %zu: want %d", i,
				v[i].ok);
}

/* Adding to a time saturates instead of overflowing (UBSan would flag
 * the overflow; the saturated sum still compares the right way). */
static void
test_time_add(void)
{
	MT_EQ_INT(med_time_add_ms(1000, 500), 1500);
	MT_EQ_INT(med_time_add_ms(1000, -1500), -500);
	MT_EQ_INT(med_time_add_ms(INT64_MAX, 3600000), INT64_MAX);
	MT_EQ_INT(med_time_add_ms(INT64_MAX - 1, 1), INT64_MAX);
	MT_EQ_INT(med_time_add_ms(INT64_MIN, -3600000), INT64_MIN);
	MT_EQ_INT(med_time_add_ms(INT64_MIN, INT64_MAX), -1);
	MT_EQ_INT(med_time_add_ms(3600000, INT64_MAX), INT64_MAX);
	MT_EQ_INT(med_time_sub_ms(1500, 1000), 500);
	MT_EQ_INT(med_time_sub_ms(1000, 1500), -500);
	MT_EQ_INT(med_time_sub_ms(1000, INT64_MIN), INT64_MAX);
	MT_EQ_INT(med_time_sub_ms(-1000, INT64_MAX), INT64_MIN);
	MT_EQ_INT(med_time_sub_ms(INT64_MAX, -1), INT64_MAX);
	MT_EQ_INT(med_time_sub_ms(INT64_MIN, 1), INT64_MIN);
	MT_EQ_INT(med_time_sub_ms(INT64_MIN, INT64_MIN), 0);
}

static void
test_date_valid(void)
{
	static const struct {
		const char *s;
		bool ok;
	} v[] = {
		{"1900-01-01", true},  {"2199-12-31", true},
		{"2000-02-29", true},  {"2024-02-29", true},
		{"1899-12-31", false}, {"2200-01-01", false},
		{"3000-01-01", false}, {"9999-12-31", false},
		{"1900-02-29", false}, {"2023-02-29", false},
		{"2024-04-31", false}, {"2024-13-01", false},
		{"2024-00-10", false}, {"2024-01-00", false},
		{"2024-1-01", false},  {"2024-01-01T00", false},
		{"20x4-01-01", false}, {"", false},
		{NULL, false},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (med_date_valid(v[i].s) != v[i].ok)
			mt_fail(__FILE__, __LINE__, "case %zu (%s): want %d", i,
				v[i].s ? v[i].s : "NULL", v[i].ok);
}

/* The rules without a call name the field and the bound. */
static void
test_time_problems(void)
{
	med_problem p;

	MT_EQ_INT(med_time_problem("at_ms", 1714552200123LL, &p), MED_OK);
	MT_EQ_INT(med_time_problem("at_ms", INT64_MAX, &p), MED_ERR_INVALID);
	MT_EQ_STR(p.field, "at_ms");
	MT_EQ_STR(p.reason,
		  "must lie between 1900-01-01 and 2199-12-31 (Unix ms "
		  "-2208988800000..7258118399999)");
	MT_EQ_INT(med_time_problem("order.end_ms", MED_TIME_MIN_MS - 1, &p),
		  MED_ERR_INVALID);
	MT_EQ_STR(p.field, "order.end_ms");
}

static void
test_civil_days(void)
{
	static const struct {
		int y, m, d;
		int64_t days;
	} known[] = {
		{1970, 1, 1, 0},      {1969, 12, 31, -1},
		{2000, 3, 1, 11017},  {2000, 2, 29, 11016},
		{1900, 3, 1, -25508}, {2024, 12, 31, 20088},
		{1, 1, 1, -719162},
	};
	int64_t y;
	int m, d;

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		MT_EQ_INT(
			med_days_from_civil(known[i].y, known[i].m, known[i].d),
			known[i].days);
		med_civil_from_days(known[i].days, &y, &m, &d);
		MT_EQ_INT(y, known[i].y);
		MT_EQ_INT(m, known[i].m);
		MT_EQ_INT(d, known[i].d);
	}
	/* Every day of four centuries goes there and back. */
	for (int64_t z = -146097; z < 146097 * 3; z++) {
		med_civil_from_days(z, &y, &m, &d);
		if (med_days_from_civil(y, m, d) != z) {
			MT_EQ_INT(med_days_from_civil(y, m, d), z);
			break;
		}
	}
}

static void
test_strlcpy(void)
{
	char out[4];

	MT_EQ_INT(med_strlcpy(out, "abcdef", sizeof(out)), 6);
	MT_EQ_STR(out, "abc");
}

static void
test_err_mapping(void)
{
	MT_EQ_INT(med_err_to_grpc_status(MED_OK), 0);
	MT_EQ_INT(med_err_to_grpc_status(MED_ERR_INVALID), 3);
	MT_EQ_INT(med_err_to_grpc_status(MED_ERR_NOT_FOUND), 5);
	MT_EQ_INT(med_err_to_grpc_status(MED_ERR_UNAVAILABLE), 14);
	MT_EQ_INT(med_err_to_grpc_status(MED_ERR_UNAUTHENTICATED), 16);
	MT_EQ_INT(med_err_to_grpc_status((med_err)999), 2);
	MT_EQ_STR(med_grpc_status_name(7), "PERMISSION_DENIED");
	MT_EQ_STR(med_grpc_status_name(99), "UNKNOWN");
	MT_EQ_STR(med_strerror(MED_ERR_EXISTS), "already exists");
}

static void
test_log_json_line(void)
{
	int fds[2];
	char buf[512] = {0};

	MT_OK(pipe(fds));
	MT_TRUE(dup2(fds[1], 2) == 2);
	med_log_init("unit", MED_LOG_INFO);
	med_log_set_request_id("req-1");
	med_log_debug("hidden");
	med_log_info("hello \"%s\"", "x");
	MT_TRUE(read(fds[0], buf, sizeof(buf) - 1) > 0);
	MT_TRUE(strstr(buf, "\"level\":\"info\"") != NULL);
	MT_TRUE(strstr(buf, "\"service\":\"unit\"") != NULL);
	MT_TRUE(strstr(buf, "\"request_id\":\"req-1\"") != NULL);
	MT_TRUE(strstr(buf, "\"msg\":\"hello \\\"x\\\"\"}\n") != NULL);
	MT_TRUE(strstr(buf, "hidden") == NULL);
	MT_EQ_INT(med_log_level_parse("warn"), MED_LOG_WARN);
	MT_EQ_INT(med_log_level_parse("loud"), -1);
}

/* A repeating line speaks at once, then once a period, and again at
 * once after its condition ended (reset to 0). */
static void
test_log_due(void)
{
	int64_t last = 0;

	MT_TRUE(med_log_due(&last, 1000, 10000));
	MT_EQ_INT(last, 1000);
	MT_TRUE(!med_log_due(&last, 10999, 10000));
	MT_TRUE(med_log_due(&last, 11000, 10000));
	MT_TRUE(!med_log_due(&last, 11001, 10000));
	MT_EQ_INT(last, 11000);
	last = 0;
	MT_TRUE(med_log_due(&last, 11002, 10000));
}

static void
test_lower_hex(void)
{
	MT_TRUE(med_is_lower_hex("0123456789abcdef", 16));
	MT_TRUE(!med_is_lower_hex("0123456789abcdef", 15));
	MT_TRUE(!med_is_lower_hex("0123456789ABCDEF", 16));
	MT_TRUE(!med_is_lower_hex("0123456789abcdeg", 16));
	MT_TRUE(med_is_lower_hex("", 0));
}

static void
test_exe_relative(void)
{
	char exe[4096], want[4200], got[4200], tiny[8];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	MT_TRUE(n > 0);
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(want, sizeof(want), "%s/../plugins", exe);
	MT_EQ_INT(med_exe_relative(got, sizeof(got), "../plugins"), 0);
	MT_EQ_STR(got, want);
	MT_EQ_INT(med_exe_relative(tiny, sizeof(tiny), "../plugins"), -1);
}

/* A keyset page token reads back as written; anything else is refused. */
static void
test_page_key(void)
{
	static const char *const bad[] = {
		"x",
		"kC",
		"kC.",
		"kQ.1.x",
		"kC.1.x",
		"jC.1",
		"kC.1a",
		"kC..1",
		"o1.50",
		"kC.1.",
		"kC.1.00000000-0000-4000-8000-00000000000g",
	};
	med_arena *a = med_arena_new(4096);
	med_page_key k = {true, 'C', -5,
			  "6f1c2a4e-9b7d-4c3a-8e2f-1a2b3c4d5e6f"};
	med_page_key back, off = {true, 'O', 120, ""};
	char *t = med_page_key_token(a, 'k', &k);

	MT_EQ_STR(t, "kC.-5.6f1c2a4e-9b7d-4c3a-8e2f-1a2b3c4d5e6f");
	MT_TRUE(med_page_key_parse(t, 'k', "CPF", &back));
	MT_TRUE(back.set && back.kind == 'C' && back.t == -5);
	MT_EQ_STR(back.id, k.id);
	t = med_page_key_token(a, 'd', &off);
	MT_EQ_STR(t, "dO.120");
	MT_TRUE(med_page_key_parse(t, 'd', "OAR", &back));
	MT_TRUE(back.set && back.kind == 'O' && back.t == 120 &&
		back.id[0] == '\0');
	MT_TRUE(med_page_key_parse("", 'k', "CPF", &back) && !back.set);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (med_page_key_parse(bad[i], 'k', "CPF", &back))
			mt_fail(__FILE__, __LINE__, "'%s' accepted", bad[i]);
	med_arena_free(a);
}

static const mt_case cases[] = {
	{"page key tokens", test_page_key},
	{"exe_relative", test_exe_relative},
	{"uuid_format", test_uuid_format},
	{"uuid_fork_and_refill", test_uuid_fork_and_refill},
	{"uuid_v7", test_uuid_v7},
	{"utf8", test_utf8},
	{"json_escape", test_json_escape},
	{"strlcpy", test_strlcpy},
	{"civil date day counts", test_civil_days},
	{"time bounds", test_time_bounds},
	{"time add saturates", test_time_add},
	{"date valid", test_date_valid},
	{"time problems name field and bound", test_time_problems},
	{"err_mapping", test_err_mapping},
	{"log_json_line", test_log_json_line},
	{"log_due", test_log_due},
	{"lower_hex", test_lower_hex},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
