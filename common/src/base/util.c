/*
 * util.c - ids, clocks, UTF-8 and string helpers shared by every module.
 */
#include <med/codec.h>
#include <med/util.h>

#include <sodium.h>
#include <errno.h>
#include <stdbool.h>

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <limits.h>
#include <pthread.h>

/*
 * Random bytes for ids come from a per-thread buffer filled by one
 * getrandom for 16 ids: a unary audited call takes two ids (its request
 * id and its access event's), and a getrandom each was about 1% of the
 * server's samples under load (issue 54).  The bytes are the kernel's
 * CSPRNG output all the same, used once each.  A fork's child empties the
 * buffer of the thread that forked (the only one it has), so parent and
 * child never hand out the same bytes.
 */
#define RAND_BUF_LEN 256

static _Thread_local unsigned char rand_buf[RAND_BUF_LEN];
static _Thread_local size_t rand_left;
static pthread_once_t rand_once = PTHREAD_ONCE_INIT;

static void
rand_forget(void)
{
	explicit_bzero(rand_buf, sizeof(rand_buf));
	rand_left = 0;
}

static void
rand_atfork(void)
{
	(void)pthread_atfork(NULL, NULL, rand_forget);
}

/* rand_bytes fills b with len <= RAND_BUF_LEN random bytes. */
static void
rand_bytes(unsigned char *b, size_t len)
{
	size_t got = 0;

	pthread_once(&rand_once, rand_atfork);
	if (rand_left < len) {
		while (got < sizeof(rand_buf)) {
			ssize_t n = getrandom(rand_buf + got,
					      sizeof(rand_buf) - got, 0);
			if (n > 0)
				got += (size_t)n;
		}
		rand_left = sizeof(rand_buf);
	}
	rand_left -= len;
	memcpy(b, rand_buf + rand_left, len);
	explicit_bzero(rand_buf + rand_left, len);
}

/*
 * Hex without snprintf: every call without a client request id gets one,
 * and snprintf's sixteen "%02x" conversions took about 3% of the server's
 * CPU in a unary call's profile (make bench), the largest item libmed added.
 */
static void
uuid_format(char out[MED_UUID_LEN + 1], const unsigned char b[16])
{
	char hex[MED_HEX_LEN(16)];
	size_t o = 0;

	med_hex_encode(hex, sizeof(hex), b, 16);
	for (size_t i = 0; i < 16; i++) {
		/* 8-4-4-4-12 */
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[2 * i];
		out[o++] = hex[2 * i + 1];
	}
	out[o] = '\0';
}

void
med_uuid_v4(char out[MED_UUID_LEN + 1])
{
	unsigned char b[16];

	rand_bytes(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	uuid_format(out, b);
}

/*
 * Version 7 (RFC 9562): 48 bits of Unix milliseconds, then 12 bits of the
 * millisecond's fraction (the RFC's method 3, about 244 ns a step), then
 * 62 random bits.  Ids made later sort later, as bytes and as text, so a
 * B-tree keyed on them grows at its right edge: the audit log's unique
 * event id key stays in the buffer pool at any size (docs/sizing.md,
 * design 4).  Ids made within one step, or after the clock is set back,
 * are ordered at random: nothing may rely on the order, only on locality.
 */
void
med_uuid_v7(char out[MED_UUID_LEN + 1])
{
	unsigned char b[16];
	struct timespec ts;
	uint64_t ms;
	unsigned frac;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	frac = (unsigned)(((uint64_t)ts.tv_nsec % 1000000u) * 4096u / 1000000u);
	rand_bytes(b + 8, 8);
	for (int i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	b[6] = (unsigned char)(0x70 | (frac >> 8));
	b[7] = (unsigned char)(frac & 0xff);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	uuid_format(out, b);
}

int64_t
med_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
med_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* utf8_seq_len returns the length of the sequence led by c, 0 if invalid. */
static size_t
utf8_seq_len(unsigned char c)
{
	if (c >= 0x01 && c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/* utf8_second_ok applies the tighter ranges that rule out overlong forms,
 * surrogates and code points past U+10FFFF. */
static bool
utf8_second_ok(unsigned char lead, unsigned char c)
{
	if (lead == 0xe0)
		return c >= 0xa0 && c <= 0xbf;
	if (lead == 0xed)
		return c >= 0x80 && c <= 0x9f;
	if (lead == 0xf0)
		return c >= 0x90 && c <= 0xbf;
	if (lead == 0xf4)
		return c >= 0x80 && c <= 0x8f;
	return (c & 0xc0) == 0x80;
}

bool
med_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n = utf8_seq_len(p[i]);
		if (n == 0 || i + n > len)
			return false;
		if (n > 1 && !utf8_second_ok(p[i], p[i + 1]))
			return false;
		for (size_t k = 2; k < n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
		i += n;
	}
	return true;
}

size_t
med_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

int
med_exe_relative(char *buf, size_t len, const char *rel)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash != NULL)
		*slash = '\0';
	if ((size_t)snprintf(buf, len, "%s/%s", exe, rel) >= len)
		return -1;
	return 0;
}

bool
med_is_lower_hex(const char *s, size_t len)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= '0' && s[n] <= '9') ||
		      (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n == len;
}

void
med_sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	med_hex_encode(hex, 65, h, sizeof(h));
}

med_err
med_file_sha256(const char *path, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES], chunk[65536];
	crypto_hash_sha256_state st;
	FILE *f = fopen(path, "rb");
	size_t n;
	bool bad;

	if (f == NULL)
		return errno == ENOENT ? MED_ERR_NOT_FOUND : MED_ERR_IO;
	crypto_hash_sha256_init(&st);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		crypto_hash_sha256_update(&st, chunk, n);
	bad = ferror(f) != 0;
	fclose(f);
	if (bad)
		return MED_ERR_IO;
	crypto_hash_sha256_final(&st, h);
	med_hex_encode(hex, 65, h, sizeof(h));
	return MED_OK;
}

bool
med_wait_unless_stopped(const struct med_wait *w, int64_t ms)
{
	struct timespec ts;
	bool go_on;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(w->mu);
	if (!*w->stopping)
		pthread_cond_timedwait(w->cv, w->mu, &ts);
	go_on = !*w->stopping;
	pthread_mutex_unlock(w->mu);
	return go_on;
}

/* The era arithmetic of H. Hinnant's "chrono-compatible low-level date
 * algorithms": 400-year eras of 146097 days, years starting in March so
 * that the leap day is the last day of a year. */
int64_t
med_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
med_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

bool
med_time_ms_valid(int64_t ms)
{
	return ms >= MED_TIME_MIN_MS && ms < MED_TIME_MAX_MS;
}

int64_t
med_time_add_ms(int64_t t, int64_t delta_ms)
{
	int64_t sum;

	if (!__builtin_add_overflow(t, delta_ms, &sum))
		return sum;
	return delta_ms > 0 ? INT64_MAX : INT64_MIN;
}

int64_t
med_time_sub_ms(int64_t a, int64_t b)
{
	int64_t diff;

	if (!__builtin_sub_overflow(a, b, &diff))
		return diff;
	return b < 0 ? INT64_MAX : INT64_MIN;
}

static bool
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool
med_date_valid(const char *s)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31};
	int y, m, d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < MED_TIME_MIN_YEAR || y > MED_TIME_MAX_YEAR || m < 1 || m > 12 ||
	    d < 1)
		return false;
	return d <= days[m - 1] + (m == 2 && is_leap(y));
}

void
med_file_stamp_read(const char *path, med_file_stamp *out)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (path == NULL || stat(path, &st) != 0) {
		out->missing = true;
		return;
	}
	out->dev = (uint64_t)st.st_dev;
	out->ino = (uint64_t)st.st_ino;
	out->size = (uint64_t)st.st_size;
	out->mtime_ns =
		(int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
}

bool
med_file_stamp_equal(const med_file_stamp *a, const med_file_stamp *b)
{
	return a->missing == b->missing && a->dev == b->dev &&
	       a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns;
}
