/*
 * auth.c - roles, the deny-by-default check, and the token-file
 * authenticator.
 *
 * The token file keeps only a BLAKE2b hash of each token in memory, and a
 * lookup compares the caller's hash against every entry in constant time, so
 * neither a memory dump nor response timing gives a token away.
 */
#include <med/auth.h>
#include <med/log.h>
#include <med/util.h>

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TOKEN_HASH_LEN 32
#define TOKEN_MAX_LEN  512
#define LINE_MAX_LEN   2048
#define MAX_TOKENS     65536

static const char *const role_names[] = {
	"clinician", "nurse",	"pharmacist", "registrar",
	"admin",     "auditor", "service",    "researcher",
};

#define N_ROLES (sizeof(role_names) / sizeof(role_names[0]))
_Static_assert((1u << N_ROLES) - 1 == MED_ROLES_KNOWN,
	       "role_names names every MED_ROLE_* bit, in bit order");

struct token {
	unsigned char hash[TOKEN_HASH_LEN];
	char user[MED_PRINCIPAL_NAME_MAX];
	uint32_t roles;
	char units[256]; /* "ward-3,ward-5", checked when the file is read */
};

struct token_file {
	struct token *tokens;
	size_t n, cap;
};

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_rc = -1;

static void
sodium_setup(void)
{
	sodium_rc = sodium_init() < 0 ? -1 : 0;
}

uint32_t
med_role_parse(const char *name, size_t len)
{
	if (name == NULL)
		return 0;
	for (size_t i = 0; i < N_ROLES; i++)
		if (strlen(role_names[i]) == len &&
		    memcmp(role_names[i], name, len) == 0)
			return 1u << i;
	return 0;
}

void
med_role_names(uint32_t roles, char *buf, size_t len)
{
	size_t o = 0;

	if (buf == NULL || len == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < N_ROLES; i++) {
		if (!(roles & (1u << i)))
			continue;
		int n = snprintf(buf + o, len - o, "%s%s", o ? "," : "",
				 role_names[i]);
		if (n < 0 || (size_t)n >= len - o) {
			/* Cut at the last whole name rather than mid-word. */
			buf[o] = '\0';
			return;
		}
		o += (size_t)n;
	}
}

bool
med_principal_name_is_reserved(const char *name, size_t len)
{
	size_t n = sizeof(MED_SERVICE_PRINCIPAL_PREFIX) - 1;

	return name != NULL && len >= n &&
	       memcmp(name, MED_SERVICE_PRINCIPAL_PREFIX, n) == 0;
}

bool
med_principal_is_service(const med_principal *p, const char *service)
{
	size_t n = sizeof(MED_SERVICE_PRINCIPAL_PREFIX) - 1;

	return (p->roles & MED_ROLE_SERVICE) &&
	       med_principal_name_is_reserved(p->user, strlen(p->user)) &&
	       strcmp(p->user + n, service) == 0;
}

/* unit_char_ok: unit names go into cache keys, logs and audit details. */
static bool
unit_char_ok(char c)
{
	return c > 0x20 && c < 0x7f && c != ',';
}

bool
med_principal_add_unit(med_principal *p, const char *name, size_t len)
{
	if (len == 0 || len >= MED_UNIT_NAME_MAX ||
	    p->n_units == MED_PRINCIPAL_UNITS_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!unit_char_ok(name[i]))
			return false;
	memcpy(p->units[p->n_units], name, len);
	p->units[p->n_units][len] = '\0';
	p->n_units++;
	return true;
}

/* add_units adds the units of "a,b,c" to p; false at the first bad one. */
static bool
add_units(med_principal *p, const char *csv)
{
	while (*csv != '\0') {
		size_t n = strcspn(csv, ",");

		if (!med_principal_add_unit(p, csv, n))
			return false;
		csv += n;
		if (*csv == ',')
			csv++;
	}
	return true;
}

med_err
med_auth_check(const med_principal *p, uint32_t required_roles)
{
	if (required_roles == 0)
		return MED_ERR_DENIED;
	if (required_roles & MED_ROLES_PUBLIC)
		return MED_OK;
	if (p == NULL || !p->authenticated)
		return MED_ERR_UNAUTHENTICATED;
	if ((p->roles & required_roles & MED_ROLES_KNOWN) == 0)
		return MED_ERR_DENIED;
	return MED_OK;
}

static void
token_hash(const char *tok, size_t len, unsigned char out[TOKEN_HASH_LEN])
{
	crypto_generichash(out, TOKEN_HASH_LEN, (const unsigned char *)tok, len,
			   NULL, 0);
}

static med_err
token_file_authenticate(void *self, const med_auth_input *in,
			med_principal *out)
{
	const struct token_file *tf = self;
	unsigned char h[TOKEN_HASH_LEN];
	const struct token *found = NULL;

	if (in == NULL || in->bearer == NULL || in->bearer_len == 0 ||
	    in->bearer_len > TOKEN_MAX_LEN)
		return MED_ERR_UNAUTHENTICATED;
	token_hash(in->bearer, in->bearer_len, h);
	/* Look at every entry so the time does not depend on the match. */
	for (size_t i = 0; i < tf->n; i++)
		if (sodium_memcmp(h, tf->tokens[i].hash, TOKEN_HASH_LEN) == 0)
			found = &tf->tokens[i];
	sodium_memzero(h, sizeof(h));
	if (found == NULL)
		return MED_ERR_UNAUTHENTICATED;
	memset(out, 0, sizeof(*out));
	med_strlcpy(out->user, found->user, sizeof(out->user));
	out->roles = found->roles;
	out->authenticated = true;
	(void)add_units(out, found->units); /* checked when read */
	return MED_OK;
}

static void
token_file_free(void *self)
{
	struct token_file *tf = self;

	if (tf == NULL)
		return;
	sodium_memzero(tf->tokens, tf->cap * sizeof(*tf->tokens));
	free(tf->tokens);
	free(tf);
}

void
med_authenticator_free(med_authenticator *a)
{
	if (a == NULL)
		return;
	if (a->free != NULL)
		a->free(a->self);
	memset(a, 0, sizeof(*a));
}

/* --- token file parsing ------------------------------------------------- */

struct parse {
	const char *path;
	int line;
	char *errbuf;
	size_t errlen;
};

static med_err parse_fail(struct parse *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static med_err
parse_fail(struct parse *ps, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->errbuf != NULL && ps->errlen > 0)
		snprintf(ps->errbuf, ps->errlen, "%s:%d: %s", ps->path,
			 ps->line, msg);
	return MED_ERR_INVALID;
}

static med_err
parse_roles(struct parse *ps, const char *s, uint32_t *out)
{
	uint32_t roles = 0;

	for (;;) {
		size_t n = strcspn(s, ",");
		uint32_t r = med_role_parse(s, n);

		if (n == 0)
			return parse_fail(ps, "empty role name");
		if (r == 0)
			return parse_fail(ps, "unknown role \"%.*s\"", (int)n,
					  s);
		/*
		 * A token copied from a file must not make its holder a
		 * service, which may read any patient's demographics.
		 */
		if (r == MED_ROLE_SERVICE)
			return parse_fail(ps, "role \"service\" cannot come "
					      "from a token; services are "
					      "known by their certificates "
					      "(MED_TLS_SERVICE_PEERS)");
		roles |= r;
		s += n;
		if (*s == '\0')
			break;
		s++;
	}
	*out = roles;
	return MED_OK;
}

static med_err
token_add(struct parse *ps, struct token_file *tf, const struct token *t)
{
	struct token *nt;

	for (size_t i = 0; i < tf->n; i++)
		if (sodium_memcmp(tf->tokens[i].hash, t->hash,
				  TOKEN_HASH_LEN) == 0)
			return parse_fail(ps, "duplicate token");
	if (tf->n == tf->cap) {
		size_t ncap = tf->cap ? tf->cap * 2 : 16;

		if (ncap > MAX_TOKENS)
			return parse_fail(ps, "more than %d tokens",
					  MAX_TOKENS);
		nt = realloc(tf->tokens, ncap * sizeof(*nt));
		if (nt == NULL)
			return MED_ERR_NOMEM;
		tf->tokens = nt;
		tf->cap = ncap;
	}
	tf->tokens[tf->n++] = *t;
	return MED_OK;
}

/* parse_units checks and keeps the optional units field of a line. */
static med_err
parse_units(struct parse *ps, const char *csv, struct token *t)
{
	med_principal probe = {0};

	if (csv == NULL)
		return MED_OK;
	if (strlen(csv) >= sizeof(t->units) || !add_units(&probe, csv) ||
	    csv[strlen(csv) - 1] == ',')
		return parse_fail(ps,
				  "units: at most %d comma-separated names of "
				  "1..%d printable characters",
				  MED_PRINCIPAL_UNITS_MAX,
				  MED_UNIT_NAME_MAX - 1);
	med_strlcpy(t->units, csv, sizeof(t->units));
	return MED_OK;
}

/* parse_line handles one line; blank lines and comments are skipped. */
static med_err
parse_line(struct parse *ps, struct token_file *tf, char *line)
{
	const char *ws = " \t\r\n";
	char *save = NULL, *tok, *user, *roles, *units, *extra;
	struct token t = {0};
	med_err err;

	tok = strtok_r(line, ws, &save);
	if (tok == NULL || tok[0] == '#')
		return MED_OK;
	user = strtok_r(NULL, ws, &save);
	roles = strtok_r(NULL, ws, &save);
	units = strtok_r(NULL, ws, &save);
	extra = strtok_r(NULL, ws, &save);
	if (user == NULL || roles == NULL || extra != NULL)
		return parse_fail(ps, "expected \"TOKEN USER ROLE[,ROLE...] "
				      "[UNIT[,UNIT...]]\"");
	if (strlen(tok) > TOKEN_MAX_LEN)
		return parse_fail(ps, "token longer than %d bytes",
				  TOKEN_MAX_LEN);
	if (strlen(user) >= sizeof(t.user) ||
	    !med_utf8_valid(user, strlen(user)))
		return parse_fail(ps, "user name too long or not UTF-8");
	if (med_principal_name_is_reserved(user, strlen(user)))
		return parse_fail(ps,
				  "user name starts with \"%s\", which "
				  "names services",
				  MED_SERVICE_PRINCIPAL_PREFIX);
	if ((err = parse_roles(ps, roles, &t.roles)) != MED_OK ||
	    (err = parse_units(ps, units, &t)) != MED_OK)
		return err;
	med_strlcpy(t.user, user, sizeof(t.user));
	token_hash(tok, strlen(tok), t.hash);
	sodium_memzero(tok, strlen(tok));
	return token_add(ps, tf, &t);
}

static med_err
parse_stream(struct parse *ps, FILE *f, struct token_file *tf)
{
	char line[LINE_MAX_LEN];
	med_err err = MED_OK;

	while (err == MED_OK && fgets(line, sizeof(line), f) != NULL) {
		ps->line++;
		if (strchr(line, '\n') == NULL && !feof(f))
			err = parse_fail(ps, "line longer than %d bytes",
					 LINE_MAX_LEN - 2);
		else
			err = parse_line(ps, tf, line);
	}
	sodium_memzero(line, sizeof(line));
	if (err == MED_OK && ferror(f))
		err = parse_fail(ps, "read error");
	return err;
}

static void
warn_if_readable(const char *path, FILE *f)
{
	struct stat st;

	if (fstat(fileno(f), &st) == 0 && (st.st_mode & S_IROTH))
		med_log_warn("auth: token file %s is world-readable; "
			     "chmod 600 it",
			     path);
}

med_err
med_auth_token_file_open(const char *path, med_authenticator *out, char *errbuf,
			 size_t errlen)
{
	struct parse ps = {path, 0, errbuf, errlen};
	struct token_file *tf;
	med_err err;
	FILE *f;

	if (path == NULL || out == NULL)
		return MED_ERR_INVALID;
	pthread_once(&sodium_once, sodium_setup);
	if (sodium_rc != 0)
		return parse_fail(&ps, "libsodium failed to initialise");
	f = fopen(path, "re");
	if (f == NULL) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s: %s", path,
				 strerror(errno));
		return MED_ERR_IO;
	}
	warn_if_readable(path, f);
	tf = calloc(1, sizeof(*tf));
	err = tf ? parse_stream(&ps, f, tf) : MED_ERR_NOMEM;
	fclose(f);
	if (err != MED_OK) {
		token_file_free(tf);
		return err;
	}
	if (tf->n == 0)
		med_log_warn("auth: token file %s holds no tokens", path);
	*out = (med_authenticator){token_file_authenticate, token_file_free,
				   tf};
	return MED_OK;
}

/* --- a chain of sources ------------------------------------------------- */

struct chain {
	med_authenticator *parts;
	size_t n;
};

static med_err
chain_authenticate(void *self, const med_auth_input *in, med_principal *out)
{
	const struct chain *ch = self;

	for (size_t i = 0; i < ch->n; i++) {
		const med_authenticator *a = &ch->parts[i];
		med_err err = a->authenticate(a->self, in, out);

		if (err != MED_ERR_NOT_FOUND)
			return err;
	}
	return MED_ERR_UNAUTHENTICATED;
}

static void
chain_free(void *self)
{
	struct chain *ch = self;

	if (ch == NULL)
		return;
	for (size_t i = 0; i < ch->n; i++)
		med_authenticator_free(&ch->parts[i]);
	free(ch->parts);
	free(ch);
}

med_err
med_auth_chain(med_authenticator *parts, size_t n, med_authenticator *out)
{
	struct chain *ch = calloc(1, sizeof(*ch));

	if (ch != NULL && n > 0)
		ch->parts = calloc(n, sizeof(*ch->parts));
	if (ch == NULL || (n > 0 && ch->parts == NULL)) {
		for (size_t i = 0; i < n; i++)
			med_authenticator_free(&parts[i]);
		free(ch);
		return MED_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (parts[i].authenticate != NULL)
			ch->parts[ch->n++] = parts[i];
		memset(&parts[i], 0, sizeof(parts[i]));
	}
	*out = (med_authenticator){chain_authenticate, chain_free, ch};
	return MED_OK;
}

/* --- services by certificate ---------------------------------------------
 */

#define MAX_PEERS 64

struct peers {
	char names[MAX_PEERS][MED_PRINCIPAL_NAME_MAX -
			      (sizeof(MED_SERVICE_PRINCIPAL_PREFIX) - 1)];
	size_t n;
};

static med_err
peers_authenticate(void *self, const med_auth_input *in, med_principal *out)
{
	const struct peers *ps = self;

	/* A token names a user: the certificate only says where it came
	 * from, so user calls are left to the token sources. */
	if (in->bearer != NULL || !in->transport_secure ||
	    in->peer_identity == NULL)
		return MED_ERR_NOT_FOUND;
	for (size_t i = 0; i < ps->n; i++) {
		if (strlen(ps->names[i]) != in->peer_identity_len ||
		    memcmp(ps->names[i], in->peer_identity,
			   in->peer_identity_len) != 0)
			continue;
		memset(out, 0, sizeof(*out));
		snprintf(out->user, sizeof(out->user),
			 MED_SERVICE_PRINCIPAL_PREFIX "%s", ps->names[i]);
		out->roles = MED_ROLE_SERVICE;
		out->authenticated = true;
		return MED_OK;
	}
	return MED_ERR_NOT_FOUND;
}

static med_err
peers_add(struct peers *ps, const char *name, size_t n, char *errbuf,
	  size_t errlen)
{
	if (n == 0 || n >= sizeof(ps->names[0]) || ps->n == MAX_PEERS ||
	    !med_utf8_valid(name, n) || memchr(name, ' ', n) != NULL) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen,
				 "service peers: bad name \"%.*s\" (empty, "
				 "too long, a space, or more than %d names)",
				 (int)(n > 64 ? 64 : n), name, MAX_PEERS);
		return MED_ERR_INVALID;
	}
	memcpy(ps->names[ps->n], name, n);
	ps->names[ps->n++][n] = '\0';
	return MED_OK;
}

med_err
med_auth_peers_open(const char *csv, med_authenticator *out, char *errbuf,
		    size_t errlen)
{
	struct peers *ps;
	med_err err = MED_OK;

	if (csv == NULL || out == NULL)
		return MED_ERR_INVALID;
	ps = calloc(1, sizeof(*ps));
	if (ps == NULL)
		return MED_ERR_NOMEM;
	while (*csv != '\0' && err == MED_OK) {
		size_t n = strcspn(csv, ",");
		err = peers_add(ps, csv, n, errbuf, errlen);
		csv += n;
		if (*csv == ',')
			csv++;
	}
	if (err != MED_OK) {
		free(ps);
		return err;
	}
	*out = (med_authenticator){peers_authenticate, free, ps};
	return MED_OK;
}

/* --- SMART scopes (fhiredge) ------------------------------------------- */

/* scope_perms reads SMART v2's "cruds" letters (each at most once, in that
 * order) or v1's read, write and "*"; 0 when it is neither. */
static uint32_t
scope_perms(const char *s, size_t len)
{
	static const char order[] = "cruds";
	uint32_t perms = 0;
	size_t at = 0;

	if (len == 4 && memcmp(s, "read", 4) == 0)
		return MED_SCOPE_READ | MED_SCOPE_SEARCH;
	if (len == 5 && memcmp(s, "write", 5) == 0)
		return MED_SCOPE_CREATE | MED_SCOPE_UPDATE | MED_SCOPE_DELETE;
	if (len == 1 && s[0] == '*')
		return (1u << 5) - 1;
	for (size_t i = 0; i < len; i++) {
		while (at < 5 && order[at] != s[i])
			at++;
		if (at == 5)
			return 0;
		perms |= 1u << at++;
	}
	return perms;
}

/* scope_context reads "patient/", "user/" or "system/"; 0 otherwise, and
 * *used says how much of s it took. */
static med_scope_context
scope_context(const char *s, size_t len, size_t *used)
{
	static const struct {
		const char *prefix;
		med_scope_context ctx;
	} contexts[] = {{"patient/", MED_SCOPE_PATIENT},
			{"user/", MED_SCOPE_USER},
			{"system/", MED_SCOPE_SYSTEM}};

	for (size_t i = 0; i < sizeof(contexts) / sizeof(*contexts); i++) {
		size_t n = strlen(contexts[i].prefix);

		if (len > n && memcmp(s, contexts[i].prefix, n) == 0) {
			*used = n;
			return contexts[i].ctx;
		}
	}
	return 0;
}

static bool
scope_type_ok(const char *s, size_t len)
{
	if (len == 1 && s[0] == '*')
		return true;
	if (len == 0 || len >= MED_SCOPE_TYPE_MAX || s[0] < 'A' || s[0] > 'Z')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

bool
med_scope_parse(const char *s, size_t len, med_scope *out)
{
	size_t used = 0;
	med_scope_context ctx = scope_context(s, len, &used);
	const char *type = s + used, *dot;
	size_t type_len;
	uint32_t perms;

	/* A granular scope ("...rs?category=...") limits by a search the
	 * facade does not run for scopes: it grants nothing. */
	if (ctx == 0 || memchr(s, '?', len) != NULL)
		return false;
	dot = memchr(type, '.', len - used);
	if (dot == NULL)
		return false;
	type_len = (size_t)(dot - type);
	perms = scope_perms(dot + 1, len - used - type_len - 1);
	if (!scope_type_ok(type, type_len) || perms == 0)
		return false;
	out->context = ctx;
	memcpy(out->type, type, type_len);
	out->type[type_len] = '\0';
	out->perms = perms;
	return true;
}
