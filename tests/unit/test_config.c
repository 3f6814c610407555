/*
 * test_config.c - med_config: precedence, validation of every type, all
 * problems reported at once, required keys and a bad MED_CONFIG_FILE.
 */
#include "testlib.h"

#include <med/config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ERRLEN 4096

static const med_config_spec specs[] = {
	{"MED_T_STR", MED_CONFIG_STRING, "dflt", false, 0, 0, "a string"},
	{"MED_T_INT", MED_CONFIG_INT, "4", false, 1, 64, "an int"},
	{"MED_T_PORT", MED_CONFIG_PORT, "50051", false, 0, 0, "a port"},
	{"MED_T_BOOL", MED_CONFIG_BOOL, "false", false, 0, 0, "a bool"},
	{"MED_T_PATH", MED_CONFIG_PATH, NULL, false, 0, 0, "a path"},
	{"MED_T_REQ", MED_CONFIG_STRING, NULL, true, 0, 0, "required"},
};
#define N_SPECS (sizeof(specs) / sizeof(specs[0]))

/* write_file writes text to a file in the case's directory. */
static const char *
write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", mt_tmpdir(), name);
	f = fopen(path, "w");
	MT_TRUE(f != NULL);
	fputs(text, f);
	fclose(f);
	return path;
}

static void
clear_env(void)
{
	for (size_t i = 0; i < N_SPECS; i++)
		unsetenv(specs[i].key);
	unsetenv("MED_CONFIG_FILE");
	setenv("MED_T_REQ", "x", 1);
}

/* load_ok loads specs and fails the case (printing errbuf) on error. */
static med_config *
load_ok(void)
{
	char errbuf[ERRLEN];
	med_config *cfg = NULL;
	int err = med_config_load(specs, N_SPECS, &cfg, errbuf, sizeof(errbuf));

	if (err != 0)
		mt_fail(__FILE__, __LINE__, "load: %d: %s", err, errbuf);
	return cfg;
}

/* load_bad expects MED_ERR_INVALID and returns the error text. */
static const char *
load_bad(void)
{
	static char errbuf[ERRLEN];
	med_config *cfg = NULL;

	MT_EQ_INT(med_config_load(specs, N_SPECS, &cfg, errbuf, ERRLEN),
		  MED_ERR_INVALID);
	MT_TRUE(cfg == NULL);
	return errbuf;
}

static void
expect_line(const char *errs, const char *line)
{
	if (strstr(errs, line) == NULL)
		mt_fail(__FILE__, __LINE__, "missing \"%s\" in:\n%s", line,
			errs);
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void
test_defaults(void)
{
	med_config *cfg;

	clear_env();
	cfg = load_ok();
	MT_EQ_STR(med_config_str(cfg, "MED_T_STR"), "dflt");
	MT_EQ_INT(med_config_int(cfg, "MED_T_INT"), 4);
	MT_EQ_INT(med_config_int(cfg, "MED_T_PORT"), 50051);
	MT_EQ_INT(med_config_bool(cfg, "MED_T_BOOL"), 0);
	MT_TRUE(med_config_str(cfg, "MED_T_PATH") == NULL);
	MT_TRUE(med_config_str(cfg, "MED_NOT_A_SPEC") == NULL);
	MT_EQ_INT(med_config_int(cfg, "MED_NOT_A_SPEC"), 0);
	med_config_free(cfg);
	med_config_free(NULL);
}

static void
test_precedence(void)
{
	const char *path;
	med_config *cfg;

	clear_env();
	path = write_file("med.conf", "# comment\n"
				      "\n"
				      "  MED_T_STR = \"from file\"  \n"
				      "MED_T_INT=7\n"
				      "MED_T_PORT='6000'\n"
				      "export MED_T_BOOL=yes\n");
	setenv("MED_CONFIG_FILE", path, 1);
	setenv("MED_T_INT", "9", 1);
	cfg = load_ok();
	MT_EQ_STR(med_config_str(cfg, "MED_T_STR"), "from file");
	MT_EQ_INT(med_config_int(cfg, "MED_T_INT"), 9);
	MT_EQ_INT(med_config_int(cfg, "MED_T_PORT"), 6000);
	MT_EQ_INT(med_config_bool(cfg, "MED_T_BOOL"), 1);
	med_config_free(cfg);
}

static void
test_values_copied(void)
{
	med_config *cfg;
	const char *s;

	clear_env();
	setenv("MED_T_STR", "original", 1);
	cfg = load_ok();
	s = med_config_str(cfg, "MED_T_STR");
	setenv("MED_T_STR", "changed!", 1);
	unsetenv("MED_T_STR");
	MT_EQ_STR(s, "original");
	med_config_free(cfg);
}

static void
test_int(void)
{
	static const char *const bad[] = {"abc", "12x", "",
					  " 5",	 "1e3", "99999999999999999999"};
	med_config *cfg;
	const char *errs;

	clear_env();
	setenv("MED_T_INT", "-0", 1);
	errs = load_bad();
	expect_line(errs, "MED_T_INT: '-0' is out of range (1..64)");
	setenv("MED_T_INT", "65", 1);
	expect_line(load_bad(), "MED_T_INT: '65' is out of range (1..64)");
	setenv("MED_T_INT", "64", 1);
	cfg = load_ok();
	MT_EQ_INT(med_config_int(cfg, "MED_T_INT"), 64);
	med_config_free(cfg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[128];

		if (bad[i][0] == '\0')
			continue; /* empty falls back to the default */
		setenv("MED_T_INT", bad[i], 1);
		snprintf(want, sizeof(want),
			 "MED_T_INT: '%s' is not an integer", bad[i]);
		expect_line(load_bad(), want);
	}
}

static void
test_port(void)
{
	med_config *cfg;

	clear_env();
	setenv("MED_T_PORT", "abc", 1);
	expect_line(load_bad(), "MED_T_PORT: 'abc' is not a port (0..65535)");
	setenv("MED_T_PORT", "65536", 1);
	expect_line(load_bad(), "MED_T_PORT: '65536' is not a port (0..65535)");
	setenv("MED_T_PORT", "-1", 1);
	expect_line(load_bad(), "MED_T_PORT: '-1' is not a port (0..65535)");
	setenv("MED_T_PORT", "0", 1);
	cfg = load_ok();
	MT_EQ_INT(med_config_int(cfg, "MED_T_PORT"), 0);
	med_config_free(cfg);
}

static void
test_bool(void)
{
	static const char *const yes[] = {"true", "1", "YES", "On"};
	static const char *const no[] = {"false", "0", "no", "OFF"};
	med_config *cfg;

	clear_env();
	for (size_t i = 0; i < 4; i++) {
		setenv("MED_T_BOOL", yes[i], 1);
		cfg = load_ok();
		MT_EQ_INT(med_config_bool(cfg, "MED_T_BOOL"), 1);
		med_config_free(cfg);
		setenv("MED_T_BOOL", no[i], 1);
		cfg = load_ok();
		MT_EQ_INT(med_config_bool(cfg, "MED_T_BOOL"), 0);
		med_config_free(cfg);
	}
	setenv("MED_T_BOOL", "maybe", 1);
	expect_line(load_bad(), "MED_T_BOOL: 'maybe' is not a boolean");
}

static void
test_path(void)
{
	const char *path;
	med_config *cfg;

	clear_env();
	path = write_file("tokens", "t u clinician\n");
	setenv("MED_T_PATH", path, 1);
	cfg = load_ok();
	MT_EQ_STR(med_config_str(cfg, "MED_T_PATH"), path);
	med_config_free(cfg);
	setenv("MED_T_PATH", "/nonexistent/tokens", 1);
	expect_line(load_bad(), "MED_T_PATH: '/nonexistent/tokens' cannot be "
				"read: No such file or directory");
	setenv("MED_T_PATH", mt_tmpdir(), 1);
	expect_line(load_bad(), "is not a regular file");
	if (geteuid() != 0) {
		chmod(path, 0);
		setenv("MED_T_PATH", path, 1);
		expect_line(load_bad(), "Permission denied");
	}
}

static void
test_required(void)
{
	clear_env();
	unsetenv("MED_T_REQ");
	expect_line(load_bad(), "MED_T_REQ: required but not set");
	setenv("MED_T_REQ", "", 1);
	expect_line(load_bad(), "MED_T_REQ: required but not set");
}

static void
test_all_errors_at_once(void)
{
	const char *errs;

	clear_env();
	unsetenv("MED_T_REQ");
	setenv("MED_T_INT", "many", 1);
	setenv("MED_T_PORT", "99999", 1);
	setenv("MED_T_BOOL", "perhaps", 1);
	setenv("MED_T_PATH", "/nonexistent", 1);
	errs = load_bad();
	MT_EQ_INT(count_lines(errs), 5);
	expect_line(errs, "MED_T_INT: 'many' is not an integer\n");
	expect_line(errs, "MED_T_PORT: '99999' is not a port (0..65535)\n");
	expect_line(errs, "MED_T_BOOL: 'perhaps' is not a boolean");
	expect_line(errs, "MED_T_PATH: '/nonexistent' cannot be read");
	expect_line(errs, "MED_T_REQ: required but not set\n");
}

static void
test_small_errbuf(void)
{
	char errbuf[16];
	med_config *cfg = NULL;

	clear_env();
	setenv("MED_T_INT", "many", 1);
	setenv("MED_T_PORT", "99999", 1);
	MT_EQ_INT(med_config_load(specs, N_SPECS, &cfg, errbuf, sizeof(errbuf)),
		  MED_ERR_INVALID);
	MT_TRUE(strlen(errbuf) < sizeof(errbuf));
	MT_EQ_INT(med_config_load(specs, N_SPECS, &cfg, NULL, 0),
		  MED_ERR_INVALID);
}

static void
test_missing_file(void)
{
	clear_env();
	setenv("MED_CONFIG_FILE", "/nonexistent/med.conf", 1);
	expect_line(load_bad(), "MED_CONFIG_FILE: cannot read "
				"'/nonexistent/med.conf': No such file or "
				"directory");
}

static void
test_bad_file_line(void)
{
	const char *errs;

	clear_env();
	setenv("MED_CONFIG_FILE",
	       write_file("bad.conf", "MED_T_INT=5\nthis is not a setting\n"
				      "MED_T_PORT=abc\n"),
	       1);
	errs = load_bad();
	expect_line(errs, "bad.conf line 2: expected KEY=VALUE");
	expect_line(errs, "MED_T_PORT: 'abc' is not a port (0..65535)");
}

static void
test_unknown_key_warns(void)
{
	med_config *cfg;

	clear_env();
	/* An unknown key is a warning in the log, never an error. */
	setenv("MED_CONFIG_FILE",
	       write_file("typo.conf", "MED_T_INTT=5\nMED_T_INT=6\n"), 1);
	cfg = load_ok();
	MT_EQ_INT(med_config_int(cfg, "MED_T_INT"), 6);
	med_config_free(cfg);
}

static void
test_print_help(void)
{
	char path[512];
	char buf[4096];
	size_t n;
	FILE *f;
	int saved = dup(1);

	snprintf(path, sizeof(path), "%s/help.txt", mt_tmpdir());
	fflush(stdout);
	MT_TRUE(freopen(path, "w", stdout) != NULL);
	med_config_print_help(specs, N_SPECS);
	fflush(stdout);
	dup2(saved, 1);
	f = fopen(path, "r");
	MT_TRUE(f != NULL);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	expect_line(buf, "SETTING");
	expect_line(buf, "MED_T_PORT  port    50051");
	expect_line(buf, "(required)");
	expect_line(buf, "a bool");
}

static const mt_case cases[] = {
	{"defaults", test_defaults},
	{"precedence", test_precedence},
	{"values_copied", test_values_copied},
	{"int", test_int},
	{"port", test_port},
	{"bool", test_bool},
	{"path", test_path},
	{"required", test_required},
	{"all_errors_at_once", test_all_errors_at_once},
	{"small_errbuf", test_small_errbuf},
	{"missing_file", test_missing_file},
	{"bad_file_line", test_bad_file_line},
	{"unknown_key_warns", test_unknown_key_warns},
	{"print_help", test_print_help},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
