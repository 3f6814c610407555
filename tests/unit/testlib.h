/*
 * testlib.h - the unit-test harness: a table of named cases, each run in its
 * own process with a timeout, assertions that print both operands.
 *
 *   static void test_x(void) { MT_EQ_INT(1 + 1, 2); }
 *   static const mt_case cases[] = { {"x", test_x}, {NULL, NULL} };
 *   int main(int argc, char **argv) { return mt_main(argc, argv, cases); }
 *
 * A binary runs every case, or only those named on the command line.
 * MT_TIMEOUT_S (default 30) bounds each case.  MT_SKIP("why") skips.
 */
#ifndef MT_TESTLIB_H
#define MT_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

typedef struct mt_case {
	const char *name;
	void (*fn)(void);
} mt_case;

/* mt_main runs the cases and returns 0 when none failed. */
int mt_main(int argc, char **argv, const mt_case *cases);

/* mt_fail prints the failure and ends the case's process. */
void mt_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

/* mt_skip ends the case's process as skipped. */
void mt_skip(const char *why) __attribute__((noreturn));

/* mt_tmpdir returns a fresh directory for this case (removed afterwards). */
const char *mt_tmpdir(void);

/*
 * mt_lib_metric returns the value of one sample, 'name{labels}' exactly as
 * rendered, of libmed's library registry (med_metrics_lib); the case fails
 * when the sample is absent.
 */
double mt_lib_metric(const char *sample);

#define MT_SKIP(why) mt_skip(why)

#define MT_TRUE(c)                                                             \
	do {                                                                   \
		if (!(c))                                                      \
			mt_fail(__FILE__, __LINE__, "expected true: %s", #c);  \
	} while (0)

#define MT_EQ_INT(a, b)                                                        \
	do {                                                                   \
		long long mt_a_ = (long long)(a), mt_b_ = (long long)(b);      \
		if (mt_a_ != mt_b_)                                            \
			mt_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld",  \
				#a, #b, mt_a_, mt_b_);                         \
	} while (0)

#define MT_EQ_STR(a, b)                                                        \
	do {                                                                   \
		const char *mt_a_ = (a), *mt_b_ = (b);                         \
		if (mt_a_ == NULL || mt_b_ == NULL || strcmp(mt_a_, mt_b_))    \
			mt_fail(__FILE__, __LINE__,                            \
				"%s == %s: \"%s\" != \"%s\"", #a, #b,          \
				mt_a_ ? mt_a_ : "(null)",                      \
				mt_b_ ? mt_b_ : "(null)");                     \
	} while (0)

/* MT_NEAR fails unless |a - b| <= eps, printing both sides. */
#define MT_NEAR(a, b, eps)                                                     \
	do {                                                                   \
		double mt_a_ = (double)(a), mt_b_ = (double)(b);               \
		if (!(fabs(mt_a_ - mt_b_) <= (eps)))                           \
			mt_fail(__FILE__, __LINE__, "%s: %g, want %g (+-%g)",  \
				#a, mt_a_, mt_b_, (double)(eps));              \
	} while (0)

#define MT_OK(e)                                                               \
	do {                                                                   \
		int mt_e_ = (int)(e);                                          \
		if (mt_e_ != 0)                                                \
			mt_fail(__FILE__, __LINE__, "%s: error %d", #e,        \
				mt_e_);                                        \
	} while (0)

#endif
