/*
 * med/cgroup.h - this process's CPU quota and how often it ran out, read
 * from its control group (cgroup v1's cpu controller or cgroup v2), so
 * that a pod throttled by its limits.cpu says so in its own metrics.
 */
#ifndef MED_CGROUP_H
#define MED_CGROUP_H

#include <stdbool.h>

/* The CPU quota of a control group and its throttling since it began. */
typedef struct med_cgroup_cpu {
	double quota_cores;	      /* quota / period: limits.cpu */
	unsigned long long periods;   /* enforcement periods elapsed */
	unsigned long long throttled; /* periods the quota ran out in */
	double throttled_seconds;     /* time spent waiting for a period */
} med_cgroup_cpu;

/*
 * med_cgroup_cpu_read fills *out for the process whose cgroup membership
 * (the text of /proc/<pid>/cgroup) is at the path cgroup_of, with the
 * cgroup file systems mounted under mount_root (/sys/fs/cgroup).  A
 * group's files are looked for at its path under the mount, then at the
 * mount's top (inside a container the mount is the container's own
 * group).  Returns true only where a quota is set; false when there is
 * none or nothing could be read (then *out is not touched).
 */
bool med_cgroup_cpu_read(const char *cgroup_of, const char *mount_root,
			 med_cgroup_cpu *out);

#endif
