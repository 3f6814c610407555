/*
 * test_jwt.c - the authentication sources added for security: the JWT
 * source (shape, JWKS loading, refusals), the source chain, services by
 * certificate, and break-glass grants.  Signed JWTs end to end are tested
 * against real services in tests/integration/test_security.py.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <med/auth.h>
#include <med/err.h>

#include "testlib.h"

/* A P-256 public key as a JWK (its private half was thrown away). */
static const char jwks_ec[] =
	"{\"keys\":[{\"kty\":\"EC\",\"kid\":\"ec-1\",\"use\":\"sig\","
	"\"alg\":\"ES256\",\"crv\":\"P-256\","
	"\"x\":\"_IDKQL0oJXL9VISFaDEUlJVh41d2UZJ25ShiJcXipjg\","
	"\"y\":\"QwPNADxj1MjCTZ7ZwPpEKXAhlc5AQKamm800VclxJGw\"}]}";

static char dir[64];

static const char *
tmp_file(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/test_jwt.XXXXXX");
		MT_TRUE(mkdtemp(dir) != NULL);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (text != NULL) {
		f = fopen(path, "w");
		MT_TRUE(f != NULL);
		fputs(text, f);
		fclose(f);
	}
	return path;
}

static med_err
auth(med_authenticator *a, const char *bearer, const char *peer,
     med_principal *p)
{
	med_auth_input in = {0};

	in.bearer = bearer;
	in.bearer_len = bearer ? strlen(bearer) : 0;
	in.peer_identity = peer;
	in.peer_identity_len = peer ? strlen(peer) : 0;
	in.transport_secure = peer != NULL;
	memset(p, 0, sizeof(*p));
	return a->authenticate(a->self, &in, p);
}

static void
open_jwt(med_authenticator *a, const char *jwks)
{
	med_jwt_opts o = {.jwks_path = tmp_file("jwks.json", jwks),
			  .issuer = "https://idp",
			  .audience = "smartmed"};
	char err[256];

	MT_OK(med_auth_jwt_open(&o, a, err, sizeof(err)));
}

static void
test_jwt_shapes(void)
{
	med_authenticator a = {0};
	med_principal p;

	open_jwt(&a, jwks_ec);
	/* Not JWT-shaped: left to the next source. */
	MT_EQ_INT(auth(&a, "0123456789abcdef", NULL, &p), MED_ERR_NOT_FOUND);
	MT_EQ_INT(auth(&a, "a.b", NULL, &p), MED_ERR_NOT_FOUND);
	MT_EQ_INT(auth(&a, "a..c", NULL, &p), MED_ERR_NOT_FOUND);
	MT_EQ_INT(auth(&a, "a.b.c.d", NULL, &p), MED_ERR_NOT_FOUND);
	MT_EQ_INT(auth(&a, "a b.c.d", NULL, &p), MED_ERR_NOT_FOUND);
	MT_EQ_INT(auth(&a, NULL, "identity", &p), MED_ERR_NOT_FOUND);
	/* JWT-shaped but not valid: refused, not passed on. */
	MT_EQ_INT(auth(&a, "a.b.c", NULL, &p), MED_ERR_UNAUTHENTICATED);
	/* {"alg":"none"} . {} . "" */
	MT_EQ_INT(auth(&a, "eyJhbGciOiJub25lIn0.e30.x", NULL, &p),
		  MED_ERR_UNAUTHENTICATED);
	/* {"alg":"ES256","kid":"ec-1"} with a signature that is not one. */
	MT_EQ_INT(auth(&a,
		       "eyJhbGciOiJFUzI1NiIsImtpZCI6ImVjLTEifQ.e30."
		       "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		       "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		       NULL, &p),
		  MED_ERR_UNAUTHENTICATED);
	MT_TRUE(!p.authenticated);
	med_authenticator_free(&a);
}

static void
test_jwks_errors(void)
{
	med_authenticator a = {0};
	med_jwt_opts o = {.jwks_path = "/nonexistent/jwks.json",
			  .issuer = "i",
			  .audience = "a"};
	char err[256] = "";

	MT_TRUE(med_auth_jwt_open(&o, &a, err, sizeof(err)) != MED_OK);
	o.jwks_path = tmp_file("empty.json", "{\"keys\":[]}");
	MT_EQ_INT(med_auth_jwt_open(&o, &a, err, sizeof(err)), MED_ERR_INVALID);
	MT_TRUE(strstr(err, "no usable") != NULL);
	/* A symmetric key is never a verification key. */
	o.jwks_path = tmp_file("hs.json", "{\"keys\":[{\"kty\":\"oct\","
					  "\"k\":\"c2VjcmV0\"}]}");
	MT_EQ_INT(med_auth_jwt_open(&o, &a, err, sizeof(err)), MED_ERR_INVALID);
	/* Issuer and audience are required. */
	o.jwks_path = tmp_file("jwks.json", jwks_ec);
	o.audience = "";
	MT_EQ_INT(med_auth_jwt_open(&o, &a, err, sizeof(err)), MED_ERR_INVALID);
	MT_TRUE(a.authenticate == NULL);
}

static void
test_peers_and_chain(void)
{
	med_authenticator parts[2] = {{0}}, chain = {0};
	med_principal p;
	char err[256];

	MT_OK(med_auth_peers_open("identity,records", &parts[0], err,
				  sizeof(err)));
	open_jwt(&parts[1], jwks_ec);
	MT_OK(med_auth_chain(parts, 2, &chain));
	MT_TRUE(parts[0].authenticate == NULL);
	MT_OK(auth(&chain, NULL, "records", &p));
	MT_EQ_STR(p.user, "service:records");
	MT_EQ_INT((int)p.roles, MED_ROLE_SERVICE);
	/* Another certificate, or a prefix of a listed one, is nobody. */
	MT_EQ_INT(auth(&chain, NULL, "operator", &p), MED_ERR_UNAUTHENTICATED);
	MT_EQ_INT(auth(&chain, NULL, "record", &p), MED_ERR_UNAUTHENTICATED);
	/* With a token the certificate does not decide. */
	MT_EQ_INT(auth(&chain, "a.b.c", "records", &p),
		  MED_ERR_UNAUTHENTICATED);
	MT_EQ_INT(auth(&chain, "opaque", "records", &p),
		  MED_ERR_UNAUTHENTICATED);
	med_authenticator_free(&chain);
	MT_EQ_INT(med_auth_peers_open("a,,b", &parts[0], err, sizeof(err)),
		  MED_ERR_INVALID);
}

static med_break_glass *
bg_open(bool issue)
{
	char cmd[512], pub[128], key[128];
	med_break_glass_opts o = {0};
	med_break_glass *bg = NULL;
	char err[256];

	snprintf(key, sizeof(key), "%s", tmp_file("bg.key", NULL));
	snprintf(pub, sizeof(pub), "%s", tmp_file("bg.pub", NULL));
	if (access(key, R_OK) != 0) {
		snprintf(cmd, sizeof(cmd),
			 "openssl genpkey -algorithm ed25519 -out %s && "
			 "openssl pkey -in %s -pubout -out %s",
			 key, key, pub);
		MT_EQ_INT(system(cmd), 0);
	}
	o.public_key_path = pub;
	o.secret_key_path = issue ? key : NULL;
	o.max_duration_s = 3600;
	MT_OK(med_break_glass_open(&o, &bg, err, sizeof(err)));
	return bg;
}

static void
test_break_glass(void)
{
	med_break_glass *bg = bg_open(true), *ro = bg_open(false);
	med_principal nurse = {.user = "nurse.a",
			       .roles = MED_ROLE_NURSE,
			       .authenticated = true};
	med_principal pharm = {.user = "ph",
			       .roles = MED_ROLE_PHARMACIST,
			       .authenticated = true};
	med_break_glass_grant g, v;
	char grant[MED_BREAK_GLASS_MAX_LEN];
	size_t n;

	MT_TRUE(med_break_glass_can_issue(bg) &&
		!med_break_glass_can_issue(ro));
	MT_OK(med_break_glass_issue(bg, &nurse, "UNCONSCIOUS", 1000, 600, grant,
				    sizeof(grant), &g));
	n = strlen(grant);
	MT_OK(med_break_glass_verify(ro, grant, n, 1000, &v));
	MT_EQ_STR(v.user, "nurse.a");
	MT_EQ_STR(v.reason, "UNCONSCIOUS");
	MT_EQ_STR(v.id, g.id);
	MT_EQ_INT((int)v.expires_s, 1600);
	/* Outside the time box. */
	MT_EQ_INT(med_break_glass_verify(ro, grant, n, 1600, &v),
		  MED_ERR_UNAUTHENTICATED);
	MT_EQ_INT(med_break_glass_verify(ro, grant, n, 999, &v),
		  MED_ERR_UNAUTHENTICATED);
	/* One changed character anywhere breaks it. */
	for (size_t i = 4; i < n; i += 7) {
		char was = grant[i];
		grant[i] = was == 'A' ? 'B' : 'A';
		MT_EQ_INT(med_break_glass_verify(ro, grant, n, 1000, &v),
			  MED_ERR_UNAUTHENTICATED);
		grant[i] = was;
	}
	MT_EQ_INT(med_break_glass_issue(bg, &pharm, "UNCONSCIOUS", 1000, 600,
					grant, sizeof(grant), &g),
		  MED_ERR_DENIED);
	MT_EQ_INT(med_break_glass_issue(bg, &nurse, "BORED", 1000, 600, grant,
					sizeof(grant), &g),
		  MED_ERR_INVALID);
	MT_EQ_INT(med_break_glass_issue(bg, &nurse, "UNCONSCIOUS", 1000, 3601,
					grant, sizeof(grant), &g),
		  MED_ERR_INVALID);
	MT_EQ_INT(med_break_glass_issue(ro, &nurse, "UNCONSCIOUS", 1000, 60,
					grant, sizeof(grant), &g),
		  MED_ERR_PRECONDITION);
	med_break_glass_free(bg);
	med_break_glass_free(ro);
}

static const mt_case cases[] = {
	{"jwt_shapes", test_jwt_shapes},
	{"jwks_errors", test_jwks_errors},
	{"peers_and_chain", test_peers_and_chain},
	{"break_glass", test_break_glass},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
