/*
 * testlib.c - runs each case of a table in a child process with a timeout,
 * so a crash or a hang fails one case and the rest still run.
 */
#include "testlib.h"

#include <med/metrics.h>

#include <stdarg.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define MT_EXIT_SKIP 77

static char mt_dir[256];

void
mt_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	_exit(1);
}

void
mt_skip(const char *why)
{
	fprintf(stderr, "    skipped: %s\n", why);
	fflush(stderr);
	_exit(MT_EXIT_SKIP);
}

const char *
mt_tmpdir(void)
{
	if (mt_dir[0] == '\0') {
		snprintf(mt_dir, sizeof(mt_dir), "/tmp/medtest.XXXXXX");
		if (mkdtemp(mt_dir) == NULL)
			mt_fail(__FILE__, __LINE__, "mkdtemp failed");
	}
	return mt_dir;
}

static int
timeout_seconds(void)
{
	const char *s = getenv("MT_TIMEOUT_S");
	long v = s ? strtol(s, NULL, 10) : 0;

	return v > 0 ? (int)v : 30;
}

static void
remove_tmpdir(void)
{
	char cmd[300];

	if (mt_dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", mt_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "    could not remove %s\n", mt_dir);
}

/* run_case returns 0 passed, 1 failed, 2 skipped. */
static int
run_case(const mt_case *c)
{
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		alarm((unsigned)timeout_seconds());
		c->fn();
		remove_tmpdir();
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == MT_EXIT_SKIP)
		return 2;
	if (WIFSIGNALED(status))
		fprintf(stderr, "    killed by signal %d%s\n", WTERMSIG(status),
			WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
	return 1;
}

static int
is_selected(const mt_case *c, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], c->name) == 0)
			return 1;
	return 0;
}

int
mt_main(int argc, char **argv, const mt_case *cases)
{
	static const char *const verdict[] = {"ok", "FAIL", "skip"};
	int counts[3] = {0, 0, 0};
	const char *prog = strrchr(argv[0], '/');

	prog = prog ? prog + 1 : argv[0];
	signal(SIGPIPE, SIG_IGN);
	for (const mt_case *c = cases; c->name != NULL; c++) {
		if (!is_selected(c, argc, argv))
			continue;
		int r = run_case(c);
		counts[r]++;
		printf("%-4s %s/%s\n", verdict[r], prog, c->name);
		fflush(stdout);
	}
	printf("%s: %d passed, %d failed, %d skipped\n", prog, counts[0],
	       counts[1], counts[2]);
	return counts[1] ? 1 : 0;
}

double
mt_lib_metric(const char *sample)
{
	char *text = NULL, *p, want[512];
	size_t len;
	double v;

	if (med_metrics_render(med_metrics_lib(), &text, &len) != MED_OK)
		mt_fail(__FILE__, __LINE__, "metrics render failed");
	snprintf(want, sizeof(want), "\n%s ", sample);
	p = strstr(text, want);
	if (p == NULL)
		mt_fail(__FILE__, __LINE__, "no sample %s in:\n%s", sample,
			text);
	v = strtod(p + strlen(want), NULL);
	free(text);
	return v;
}
