/*
 * test_auth.c - roles, the deny-by-default check and the token file.
 */
#include "testlib.h"

#include <med/auth.h>

#include <sys/stat.h>

static const char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", mt_tmpdir(), name);
	f = fopen(path, "w");
	MT_TRUE(f != NULL);
	fputs(text, f);
	fclose(f);
	MT_OK(chmod(path, mode));
	return path;
}

static med_err
auth(med_authenticator *a, const char *token, med_principal *p)
{
	med_auth_input in = {0};

	in.bearer = token;
	in.bearer_len = token ? strlen(token) : 0;
	memset(p, 0, sizeof(*p));
	return a->authenticate(a->self, &in, p);
}

static void
test_roles(void)
{
	char buf[128];

	MT_EQ_INT(med_role_parse("nurse", 5), MED_ROLE_NURSE);
	MT_EQ_INT(med_role_parse("service", 7), MED_ROLE_SERVICE);
	MT_EQ_INT(med_role_parse("nurses", 5), MED_ROLE_NURSE);
	MT_EQ_INT(med_role_parse("nurses", 6), 0);
	MT_EQ_INT(med_role_parse("Nurse", 5), 0);
	MT_EQ_INT(med_role_parse("", 0), 0);
	med_role_names(MED_ROLE_CLINICIAN | MED_ROLE_AUDITOR, buf, sizeof(buf));
	MT_EQ_STR(buf, "clinician,auditor");
	med_role_names(0, buf, sizeof(buf));
	MT_EQ_STR(buf, "");
	med_role_names(MED_ROLE_ALL, buf, sizeof(buf));
	MT_EQ_STR(buf, "clinician,nurse,pharmacist,registrar,admin,auditor,"
		       "service");
	MT_EQ_INT(med_role_parse("researcher", 10), MED_ROLE_RESEARCHER);
	med_role_names(MED_ROLES_KNOWN, buf, sizeof(buf));
	MT_EQ_STR(buf, "clinician,nurse,pharmacist,registrar,admin,auditor,"
		       "service,researcher");
	med_role_names(MED_ROLE_CLINICIAN | MED_ROLE_NURSE, buf, 12);
	MT_EQ_STR(buf, "clinician");
}

static void
test_check(void)
{
	med_principal nurse = {
		.user = "n", .roles = MED_ROLE_NURSE, .authenticated = true};
	med_principal researcher = {.user = "r",
				    .roles = MED_ROLE_RESEARCHER,
				    .authenticated = true};
	med_principal anon = {.authenticated = false};

	MT_EQ_INT(med_auth_check(&nurse, 0), MED_ERR_DENIED);
	MT_EQ_INT(med_auth_check(&anon, 0), MED_ERR_DENIED);
	MT_EQ_INT(med_auth_check(&anon, MED_ROLES_PUBLIC), MED_OK);
	MT_EQ_INT(med_auth_check(NULL, MED_ROLES_PUBLIC), MED_OK);
	MT_EQ_INT(med_auth_check(&anon, MED_ROLE_NURSE),
		  MED_ERR_UNAUTHENTICATED);
	MT_EQ_INT(med_auth_check(NULL, MED_ROLE_NURSE),
		  MED_ERR_UNAUTHENTICATED);
	MT_EQ_INT(med_auth_check(&nurse, MED_ROLE_NURSE | MED_ROLE_CLINICIAN),
		  MED_OK);
	MT_EQ_INT(med_auth_check(&nurse, MED_ROLE_ADMIN), MED_ERR_DENIED);
	/* A researcher is outside MED_ROLE_ALL: only a method naming the
	 * role admits one. */
	MT_EQ_INT(med_auth_check(&researcher, MED_ROLE_ALL), MED_ERR_DENIED);
	MT_EQ_INT(med_auth_check(&researcher, MED_ROLE_RESEARCHER), MED_OK);
}

static void
test_token_file(void)
{
	const char *path = write_file("tokens",
				      "# dev tokens\n"
				      "\n"
				      "tok-nurse  alice  nurse\n"
				      "\ttok-admin bob admin,auditor  \n"
				      "   # indented comment\n"
				      "tok-last carol clinician",
				      0600);
	med_authenticator a = {0};
	med_principal p;
	char err[256] = "";

	MT_OK(med_auth_token_file_open(path, &a, err, sizeof(err)));
	MT_OK(auth(&a, "tok-nurse", &p));
	MT_EQ_STR(p.user, "alice");
	MT_EQ_INT(p.roles, MED_ROLE_NURSE);
	MT_TRUE(p.authenticated);
	MT_EQ_INT(med_auth_check(&p, MED_ROLE_NURSE), MED_OK);
	MT_EQ_INT(med_auth_check(&p, MED_ROLE_ADMIN), MED_ERR_DENIED);
	MT_OK(auth(&a, "tok-admin", &p));
	MT_EQ_STR(p.user, "bob");
	MT_EQ_INT(p.roles, MED_ROLE_ADMIN | MED_ROLE_AUDITOR);
	MT_OK(auth(&a, "tok-last", &p));
	MT_EQ_STR(p.user, "carol");
	med_authenticator_free(&a);
	med_authenticator_free(&a);
}

static void
test_wrong_token(void)
{
	const char *path = write_file("tokens", "secret-1 alice nurse\n", 0600);
	med_authenticator a = {0};
	med_principal p;
	med_auth_input in = {0};

	MT_OK(med_auth_token_file_open(path, &a, NULL, 0));
	MT_EQ_INT(auth(&a, "secret-2", &p), MED_ERR_UNAUTHENTICATED);
	MT_TRUE(!p.authenticated);
	MT_EQ_INT(auth(&a, "secret-", &p), MED_ERR_UNAUTHENTICATED);
	MT_EQ_INT(auth(&a, "secret-11", &p), MED_ERR_UNAUTHENTICATED);
	MT_EQ_INT(auth(&a, "", &p), MED_ERR_UNAUTHENTICATED);
	MT_EQ_INT(auth(&a, NULL, &p), MED_ERR_UNAUTHENTICATED);
	/* The bearer is a slice: only bearer_len bytes count. */
	in.bearer = "secret-1XYZ";
	in.bearer_len = 8;
	MT_OK(a.authenticate(a.self, &in, &p));
	MT_EQ_STR(p.user, "alice");
	med_authenticator_free(&a);
}

static void
expect_bad(const char *text, const char *want)
{
	const char *path = write_file("bad", text, 0600);
	med_authenticator a = {0};
	char err[256] = "";

	MT_EQ_INT(med_auth_token_file_open(path, &a, err, sizeof(err)),
		  MED_ERR_INVALID);
	if (strstr(err, want) == NULL)
		mt_fail(__FILE__, __LINE__, "error \"%s\" lacks \"%s\"", err,
			want);
	MT_TRUE(strstr(err, path) == err);
}

static void
test_bad_lines(void)
{
	expect_bad("ok1 a nurse\n\nonlytoken\n", ":3: expected");
	expect_bad("ok1 a nurse\ntok user\n", ":2: expected");
	expect_bad("tok user nurse ward-3 extra\n", ":1: expected");
	expect_bad("# c\nok1 a nurse\nok1 b admin\n", ":3: duplicate token");
	expect_bad("tok user nurse,\n", ":1: empty role name");
	expect_bad("tok user ,nurse\n", ":1: empty role name");
}

/* Units (wards) come from a line's fourth field into the principal. */
static void
test_units(void)
{
	const char *path = write_file("tokens",
				      "t1 alice nurse ward-3,ICU\n"
				      "t2 bob clinician\n",
				      0600);
	med_authenticator a = {0};
	med_principal p;

	MT_OK(med_auth_token_file_open(path, &a, NULL, 0));
	MT_OK(auth(&a, "t1", &p));
	MT_EQ_INT(p.n_units, 2);
	MT_EQ_STR(p.units[0], "ward-3");
	MT_EQ_STR(p.units[1], "ICU");
	MT_OK(auth(&a, "t2", &p));
	MT_EQ_INT(p.n_units, 0);
	med_authenticator_free(&a);
}

static void
test_bad_units(void)
{
	char many[512];
	size_t n = (size_t)snprintf(many, sizeof(many), "t1 u nurse w");

	/* One unit more than a principal holds. */
	for (int i = 1; i <= MED_PRINCIPAL_UNITS_MAX; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, ",w");
	snprintf(many + n, sizeof(many) - n, "\n");
	expect_bad("t1 u nurse ward-3,\n", ":1: units:");
	expect_bad("t1 u nurse ,ward-3\n", ":1: units:");
	expect_bad("t1 u nurse a,,b\n", ":1: units:");
	expect_bad(many, ":1: units:");
	expect_bad("t1 u nurse "
		   "a234567890123456789012345678901234567890123456789012345678"
		   "901234\n",
		   ":1: units:");
}

static void
test_add_unit(void)
{
	med_principal p = {0};

	MT_TRUE(med_principal_add_unit(&p, "ward-3", 6));
	MT_TRUE(!med_principal_add_unit(&p, "", 0));
	MT_TRUE(!med_principal_add_unit(&p, "ward 3", 6));
	MT_TRUE(!med_principal_add_unit(&p, "a,b", 3));
	MT_TRUE(!med_principal_add_unit(&p, "w\x01", 2));
	MT_EQ_INT(p.n_units, 1);
	for (int i = 1; i < MED_PRINCIPAL_UNITS_MAX; i++)
		MT_TRUE(med_principal_add_unit(&p, "w", 1));
	MT_TRUE(!med_principal_add_unit(&p, "w", 1));
}

static void
test_unknown_role(void)
{
	expect_bad("# c\nt1 u nurse\nt2 v nurse,surgeon\n",
		   ":3: unknown role \"surgeon\"");
	expect_bad("t1 u Admin\n", ":1: unknown role \"Admin\"");
}

/*
 * Services are known by their certificates: a line that would make a
 * token's holder a service, by role or by name, stops the load and names
 * the line.
 */
static void
test_no_service_tokens(void)
{
	expect_bad("t1 u nurse\nt2 svc service\n",
		   ":2: role \"service\" cannot come from a token");
	expect_bad("t1 u nurse,service\n",
		   ":1: role \"service\" cannot come from a token");
	expect_bad("# c\nt1 service:records nurse\n",
		   ":2: user name starts with \"service:\"");
	expect_bad("t1 service: nurse\n", ":1: user name starts with");
}

static void
test_reserved_names(void)
{
	MT_TRUE(med_principal_name_is_reserved("service:records", 15));
	MT_TRUE(med_principal_name_is_reserved("service:", 8));
	/* Only the prefix, exactly, within the given length. */
	MT_TRUE(!med_principal_name_is_reserved("service:records", 7));
	MT_TRUE(!med_principal_name_is_reserved("service", 7));
	MT_TRUE(!med_principal_name_is_reserved("Service:records", 15));
	MT_TRUE(!med_principal_name_is_reserved("dr.service:x", 12));
	MT_TRUE(!med_principal_name_is_reserved(NULL, 0));
}

static void
test_principal_is_service(void)
{
	med_principal p = {.user = "service:hl7", .roles = MED_ROLE_SERVICE};

	MT_TRUE(med_principal_is_service(&p, "hl7"));
	MT_TRUE(!med_principal_is_service(&p, "hl"));
	MT_TRUE(!med_principal_is_service(&p, "records"));
	/* A user, or the name without the service role, is no service. */
	p.roles = MED_ROLE_REGISTRAR;
	MT_TRUE(!med_principal_is_service(&p, "hl7"));
	p = (med_principal){.user = "hl7", .roles = MED_ROLE_SERVICE};
	MT_TRUE(!med_principal_is_service(&p, "hl7"));
}

static void
test_missing_file(void)
{
	med_authenticator a = {0};
	char err[256] = "", path[512];

	snprintf(path, sizeof(path), "%s/absent", mt_tmpdir());
	MT_EQ_INT(med_auth_token_file_open(path, &a, err, sizeof(err)),
		  MED_ERR_IO);
	MT_TRUE(strstr(err, "absent") != NULL);
	med_authenticator_free(&a);
}

static void
test_world_readable(void)
{
	/* Allowed (a warning is logged), so development setups still run. */
	const char *path = write_file("tokens", "t1 u nurse\n", 0644);
	med_authenticator a = {0};
	med_principal p;

	MT_OK(med_auth_token_file_open(path, &a, NULL, 0));
	MT_OK(auth(&a, "t1", &p));
	med_authenticator_free(&a);
}

static const mt_case cases[] = {
	{"roles", test_roles},
	{"check", test_check},
	{"token_file", test_token_file},
	{"wrong_token", test_wrong_token},
	{"bad_lines", test_bad_lines},
	{"units", test_units},
	{"bad_units", test_bad_units},
	{"add_unit", test_add_unit},
	{"unknown_role", test_unknown_role},
	{"no_service_tokens", test_no_service_tokens},
	{"reserved_names", test_reserved_names},
	{"principal_is_service", test_principal_is_service},
	{"missing_file", test_missing_file},
	{"world_readable", test_world_readable},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
