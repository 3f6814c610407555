/*
 * cgroup.c - a process's CPU quota and throttling from its control group.
 *
 * Kubernetes turns a container's limits.cpu into a CFS quota: so much CPU
 * time per 100 ms period.  A service whose threads use the quota up
 * within a period waits for the next one, which shows as latency with the
 * CPU graph far below the limit (measured: identity's two face
 * verifications at once, docs/sizing.md "Against the kube play").  The
 * kernel counts those periods per group; this reads them.
 */
#include <med/cgroup.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 1024

/* read_small reads the whole of a small text file into buf. */
static bool
read_small(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (f == NULL)
		return false;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n > 0;
}

/* stat_value finds "key value" among the lines of a cpu.stat text. */
static unsigned long long
stat_value(const char *text, const char *key)
{
	size_t len = strlen(key);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, len) == 0 && p[len] == ' ')
			return strtoull(p + len + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return 0;
}

/*
 * group_file finds file of the group at rel under dir: dir/rel/file, or,
 * inside a container whose mount is its own group, dir/file.
 */
static bool
group_file(const char *dir, const char *rel, const char *file, char *buf,
	   size_t size)
{
	char path[LINE_MAX_LEN * 2];

	snprintf(path, sizeof(path), "%s%s/%s", dir, rel, file);
	if (read_small(path, buf, size))
		return true;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return read_small(path, buf, size);
}

/*
 * fill_quota sets *out from a quota and period (microseconds each) and the
 * group's cpu.stat, whose throttled time is under time_key in units of
 * time_scale seconds; false where no quota is set.
 */
static bool
fill_quota(long long quota, long long period, const char *dir, const char *rel,
	   const char *time_key, double time_scale, med_cgroup_cpu *out)
{
	char stat[1024];

	if (quota <= 0 || period <= 0)
		return false;
	if (!group_file(dir, rel, "cpu.stat", stat, sizeof(stat)))
		stat[0] = '\0';
	out->quota_cores = (double)quota / (double)period;
	out->periods = stat_value(stat, "nr_periods");
	out->throttled = stat_value(stat, "nr_throttled");
	out->throttled_seconds =
		(double)stat_value(stat, time_key) * time_scale;
	return true;
}

/* v1: cpu.cfs_quota_us (-1 for none), cpu.cfs_period_us, cpu.stat. */
static bool
read_v1(const char *dir, const char *rel, med_cgroup_cpu *out)
{
	char quota[64], period[64];

	if (!group_file(dir, rel, "cpu.cfs_quota_us", quota, sizeof(quota)) ||
	    !group_file(dir, rel, "cpu.cfs_period_us", period, sizeof(period)))
		return false;
	return fill_quota(strtoll(quota, NULL, 10), strtoll(period, NULL, 10),
			  dir, rel, "throttled_time", 1e-9, out);
}

/* v2: cpu.max ("max PERIOD" for none, else "QUOTA PERIOD"), cpu.stat. */
static bool
read_v2(const char *dir, const char *rel, med_cgroup_cpu *out)
{
	char max[64];
	long long q, p;

	if (!group_file(dir, rel, "cpu.max", max, sizeof(max)) ||
	    sscanf(max, "%lld %lld", &q, &p) != 2)
		return false;
	return fill_quota(q, p, dir, rel, "throttled_usec", 1e-6, out);
}

/*
 * read_line tries one line of /proc/<pid>/cgroup, "ID:CONTROLLERS:PATH":
 * v1's group holding the cpu controller, or v2's single group ("0::").
 */
static bool
read_line(char *line, const char *mount_root, med_cgroup_cpu *out)
{
	char dir[LINE_MAX_LEN * 2], *ctrl, *rel, *tok, *save = NULL;
	char list[LINE_MAX_LEN];

	ctrl = strchr(line, ':');
	rel = ctrl ? strchr(ctrl + 1, ':') : NULL;
	if (rel == NULL)
		return false;
	*rel++ = '\0';
	ctrl++;
	rel[strcspn(rel, "\n")] = '\0';
	if (*ctrl == '\0') {
		snprintf(dir, sizeof(dir), "%s", mount_root);
		return read_v2(dir, rel, out);
	}
	snprintf(list, sizeof(list), "%s", ctrl);
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save))
		if (strcmp(tok, "cpu") == 0) {
			snprintf(dir, sizeof(dir), "%s/%s", mount_root, ctrl);
			return read_v1(dir, rel, out);
		}
	return false;
}

bool
med_cgroup_cpu_read(const char *cgroup_of, const char *mount_root,
		    med_cgroup_cpu *out)
{
	char line[LINE_MAX_LEN];
	med_cgroup_cpu got;
	bool found = false;
	FILE *f;

	if (cgroup_of == NULL || mount_root == NULL || out == NULL)
		return false;
	f = fopen(cgroup_of, "re");
	if (f == NULL)
		return false;
	/* v1's cpu line comes before v2's "0::" on a hybrid host, where the
	 * quota is v1's; a v2 host has only the "0::" line. */
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = read_line(line, mount_root, &got);
	fclose(f);
	if (found)
		*out = got;
	return found;
}
