/*
 * test_cgroup.c - a process's CPU quota and throttling read from fake
 * cgroup trees: v1 (the cpu controller's own hierarchy), v2, a container's
 * view (its own group at the top of the mount), a hybrid host, and groups
 * without a quota.
 */
#include "testlib.h"

#include <med/cgroup.h>

#include <errno.h>
#include <sys/stat.h>

/* put writes text to dir/rel, making the folders on the way. */
static void
put(const char *dir, const char *rel, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (char *s = strchr(path + strlen(dir) + 1, '/'); s != NULL;
	     s = strchr(s + 1, '/')) {
		*s = '\0';
		MT_TRUE(mkdir(path, 0700) == 0 || errno == EEXIST);
		*s = '/';
	}
	f = fopen(path, "w");
	MT_TRUE(f != NULL);
	fputs(text, f);
	fclose(f);
}

/* read_tree reads the tree at mt_tmpdir(): membership in "self". */
static bool
read_tree(med_cgroup_cpu *c)
{
	char of[512], root[512];

	snprintf(of, sizeof(of), "%s/self", mt_tmpdir());
	snprintf(root, sizeof(root), "%s/fs", mt_tmpdir());
	return med_cgroup_cpu_read(of, root, c);
}

/* A fake tree: the membership text and files under the mount. */
struct tree {
	const char *self;
	const char *files[4][2]; /* {path under the mount, text} */
};

/* read_fake writes t at a fresh folder and reads it. */
static bool
read_fake(const struct tree *t, med_cgroup_cpu *c)
{
	char rel[512];

	put(mt_tmpdir(), "self", t->self);
	for (size_t i = 0; i < 4 && t->files[i][0] != NULL; i++) {
		snprintf(rel, sizeof(rel), "fs/%s", t->files[i][0]);
		put(mt_tmpdir(), rel, t->files[i][1]);
	}
	return read_tree(c);
}

/* A group with a quota, and what must be read from it. */
struct quota_case {
	struct tree t;
	double cores, seconds;
	unsigned long long periods, throttled;
};

static void
check_quota(const struct quota_case *q)
{
	med_cgroup_cpu c;

	MT_TRUE(read_fake(&q->t, &c));
	MT_NEAR(c.quota_cores, q->cores, 1e-12);
	MT_EQ_INT(c.periods, q->periods);
	MT_EQ_INT(c.throttled, q->throttled);
	MT_NEAR(c.throttled_seconds, q->seconds, 1e-12);
}

/* v1: the cpu controller's own hierarchy, time in nanoseconds. */
static void
test_v1_quota(void)
{
	const struct quota_case q = {
		{"5:memory:/pod/a\n3:cpu,cpuacct:/pod/a\n0::/pod/a\n",
		 {{"cpu,cpuacct/pod/a/cpu.cfs_quota_us", "150000\n"},
		  {"cpu,cpuacct/pod/a/cpu.cfs_period_us", "100000\n"},
		  {"cpu,cpuacct/pod/a/cpu.stat",
		   "nr_periods 90\nnr_throttled 4\nthrottled_time "
		   "250000000\n"}}},
		1.5,
		0.25,
		90,
		4};

	check_quota(&q);
}

/* v2: one hierarchy, cpu.max "QUOTA PERIOD", time in microseconds. */
static void
test_v2_quota(void)
{
	const struct quota_case q = {
		{"0::/kubepods/b\n",
		 {{"kubepods/b/cpu.max", "50000 100000\n"},
		  {"kubepods/b/cpu.stat",
		   "usage_usec 77\nnr_periods 9\n"
		   "nr_throttled 3\nthrottled_usec 120000\n"}}},
		0.5,
		0.12,
		9,
		3};

	check_quota(&q);
}

/* Inside a container the mount's top is the container's own group, and
 * the path in /proc/self/cgroup (the host's) is not under it; with no
 * cpu.stat no throttling is known, but the quota still is. */
static void
test_container_view(void)
{
	const struct tree t = {"3:cpu:/libpod_parent/x/libpod-y\n",
			       {{"cpu/cpu.cfs_quota_us", "100000\n"},
				{"cpu/cpu.cfs_period_us", "100000\n"}}};
	med_cgroup_cpu c;

	MT_TRUE(read_fake(&t, &c));
	MT_NEAR(c.quota_cores, 1.0, 1e-12);
	MT_EQ_INT(c.throttled, 0);
}

static void
test_no_quota(void)
{
	/* v1 without a quota (-1), on a hybrid host whose v2 mount has no
	 * cpu.max for the group; v2 with "max". */
	const struct tree v1 = {
		"3:cpu:/user.slice\n0::/user.slice\n",
		{{"cpu/user.slice/cpu.cfs_quota_us", "-1\n"},
		 {"cpu/user.slice/cpu.cfs_period_us", "100000\n"}}};
	const struct tree v2 = {"0::/svc\n", {{"svc/cpu.max", "max 100000\n"}}};
	const struct tree bad = {"garbage\n", {{NULL, NULL}}};
	med_cgroup_cpu c = {.quota_cores = -7};

	MT_TRUE(!read_fake(&v1, &c));
	MT_TRUE(!read_fake(&v2, &c));
	MT_TRUE(!read_fake(&bad, &c));
	MT_NEAR(c.quota_cores, -7, 0);
	MT_TRUE(!med_cgroup_cpu_read("/nonexistent/cgroup", "/", &c));
	MT_TRUE(!med_cgroup_cpu_read(NULL, "/", &c));
}

/* The hybrid host's v1 quota is found before its "0::" line is tried. */
static void
test_hybrid_v1_first(void)
{
	const struct tree t = {"11:pids:/p\n3:cpu,cpuacct:/p\n0::/p\n",
			       {{"cpu,cpuacct/p/cpu.cfs_quota_us", "200000\n"},
				{"cpu,cpuacct/p/cpu.cfs_period_us", "100000\n"},
				{"p/cpu.max", "10000 100000\n"}}};
	med_cgroup_cpu c;

	MT_TRUE(read_fake(&t, &c));
	MT_NEAR(c.quota_cores, 2.0, 1e-12);
}

static const mt_case cases[] = {
	{"v1_quota", test_v1_quota},
	{"v2_quota", test_v2_quota},
	{"container_view", test_container_view},
	{"no_quota", test_no_quota},
	{"hybrid_v1_first", test_hybrid_v1_first},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
