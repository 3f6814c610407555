/*
 * vtoken - make keys and patient verification tokens for development and
 * tests, and check tokens (see med/vtoken.h for the format).
 *
 *   vtoken keygen PRIV PUB
 *   vtoken sign --key PRIV --patient-id ID --score S --threshold T
 *               [--ttl-s N] [--model M] [--device D] [--issued-ms MS]
 *               [--checked WHAT] [--checked-by USER]
 *   vtoken verify --pub PUB [--now-ms MS] TOKEN
 *
 * sign prints the token; verify prints the claims as key=value lines and
 * exits 0, or prints why the token was refused and exits 1.  --checked
 * names the identifiers checked (default wristband+face, as a bedside
 * VerifyFace after the wristband scan signs); "" makes a version-1 token,
 * as identity signed before tokens named them.
 */
#include <med/util.h>
#include <med/vtoken.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sign_args {
	const char *key, *patient, *model, *device, *checked, *checked_by;
	double score, threshold;
	int64_t ttl_s, issued_ms;
} sign_args;

static int
usage(void)
{
	fprintf(stderr,
		"usage: vtoken keygen PRIV PUB\n"
		"       vtoken sign --key PRIV --patient-id ID --score S "
		"--threshold T [--ttl-s N]\n"
		"                   [--model M] [--device D] [--issued-ms MS]\n"
		"                   [--checked WHAT] [--checked-by USER]\n"
		"       vtoken verify --pub PUB [--now-ms MS] TOKEN\n");
	return 2;
}

static bool
parse_i64(const char *s, int64_t *out)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return false;
	*out = v;
	return true;
}

static bool
parse_dbl(const char *s, double *out)
{
	char *end = NULL;

	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && end != s && !*end && isfinite(*out);
}

static int
cmd_keygen(int argc, char **argv)
{
	uint8_t seed[MED_VTOKEN_SEED_LEN], pk[MED_VTOKEN_PUBLIC_KEY_LEN];
	char id[MED_VTOKEN_KEY_ID_LEN + 1];

	if (argc != 4)
		return usage();
	if (med_vtoken_keygen(seed, pk) != MED_OK ||
	    med_vtoken_key_write(argv[2], seed, 0600) != MED_OK ||
	    med_vtoken_key_write(argv[3], pk, 0644) != MED_OK) {
		fprintf(stderr, "vtoken: cannot write the key files (they must "
				"not exist yet)\n");
		return 1;
	}
	med_vtoken_key_id(pk, id);
	printf("key_id=%s\n", id);
	return 0;
}

/* sign_opt consumes one "--name value" pair into a. */
static bool
sign_opt(sign_args *a, const char *name, const char *v)
{
	if (strcmp(name, "--key") == 0)
		a->key = v;
	else if (strcmp(name, "--patient-id") == 0)
		a->patient = v;
	else if (strcmp(name, "--model") == 0)
		a->model = v;
	else if (strcmp(name, "--device") == 0)
		a->device = v;
	else if (strcmp(name, "--checked") == 0)
		a->checked = v;
	else if (strcmp(name, "--checked-by") == 0)
		a->checked_by = v;
	else if (strcmp(name, "--score") == 0)
		return parse_dbl(v, &a->score);
	else if (strcmp(name, "--threshold") == 0)
		return parse_dbl(v, &a->threshold);
	else if (strcmp(name, "--ttl-s") == 0)
		return parse_i64(v, &a->ttl_s);
	else if (strcmp(name, "--issued-ms") == 0)
		return parse_i64(v, &a->issued_ms);
	else
		return false;
	return true;
}

static int
cmd_sign(int argc, char **argv)
{
	sign_args a = {.model = "dev",
		       .device = "dev",
		       .checked = MED_VTOKEN_CHECKED_WRISTBAND_FACE,
		       .checked_by = "dev",
		       .ttl_s = 120,
		       .score = NAN,
		       .threshold = NAN};
	uint8_t seed[MED_VTOKEN_SEED_LEN];
	char err[256], token[MED_VTOKEN_MAX_LEN + 1];
	med_vtoken_claims c;

	for (int i = 2; i < argc; i += 2)
		if (i + 1 >= argc || !sign_opt(&a, argv[i], argv[i + 1]))
			return usage();
	if (!a.key || !a.patient || isnan(a.score) || isnan(a.threshold))
		return usage();
	if (med_vtoken_key_read(a.key, seed, err, sizeof(err)) != MED_OK) {
		fprintf(stderr, "vtoken: %s\n", err);
		return 1;
	}
	memset(&c, 0, sizeof(c));
	med_strlcpy(c.patient_id, a.patient, sizeof(c.patient_id));
	med_strlcpy(c.model, a.model, sizeof(c.model));
	med_strlcpy(c.device, a.device, sizeof(c.device));
	med_strlcpy(c.checked, a.checked, sizeof(c.checked));
	if (c.checked[0] != '\0')
		med_strlcpy(c.checked_by, a.checked_by, sizeof(c.checked_by));
	med_uuid_v4(c.token_id);
	c.score = a.score;
	c.threshold = a.threshold;
	c.issued_ms = a.issued_ms ? a.issued_ms : med_now_ms();
	c.expires_ms = c.issued_ms + a.ttl_s * 1000;
	if (med_vtoken_sign(seed, &c, token, sizeof(token)) != MED_OK) {
		fprintf(stderr, "vtoken: cannot sign (a claim is too long)\n");
		return 1;
	}
	printf("%s\n", token);
	return 0;
}

static void
print_claims(const med_vtoken_claims *c)
{
	printf("patient_id=%s\nscore=%.17g\nthreshold=%.17g\nmodel=%s\n"
	       "device=%s\nissued_ms=%lld\nexpires_ms=%lld\nkey_id=%s\n"
	       "token_id=%s\nchecked=%s\nchecked_by=%s\n",
	       c->patient_id, c->score, c->threshold, c->model, c->device,
	       (long long)c->issued_ms, (long long)c->expires_ms, c->key_id,
	       c->token_id, c->checked, c->checked_by);
}

static int
cmd_verify(int argc, char **argv)
{
	const char *pub = NULL, *token = NULL;
	int64_t now = med_now_ms();
	uint8_t pk[MED_VTOKEN_PUBLIC_KEY_LEN];
	med_vtoken_keyset ks = {.n = 0};
	med_vtoken_claims c;
	med_vtoken_fail why = MED_VTOKEN_FAIL_NONE;
	char err[256];

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--pub") == 0 && i + 1 < argc)
			pub = argv[++i];
		else if (strcmp(argv[i], "--now-ms") == 0 && i + 1 < argc) {
			if (!parse_i64(argv[++i], &now))
				return usage();
		} else if (token == NULL)
			token = argv[i];
		else
			return usage();
	}
	if (!pub || !token)
		return usage();
	if (med_vtoken_key_read(pub, pk, err, sizeof(err)) != MED_OK ||
	    med_vtoken_keyset_add(&ks, pk) != MED_OK) {
		fprintf(stderr, "vtoken: %s\n", err);
		return 1;
	}
	if (med_vtoken_verify(&ks, token, now, &c, &why) != MED_OK) {
		printf("refused: %s\n", med_vtoken_fail_str(why));
		return 1;
	}
	print_claims(&c);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "keygen") == 0)
		return cmd_keygen(argc, argv);
	if (strcmp(argv[1], "sign") == 0)
		return cmd_sign(argc, argv);
	if (strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc, argv);
	return usage();
}
