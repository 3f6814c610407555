/*
 * config.c - settings from the environment, MED_CONFIG_FILE and defaults.
 *
 * Precedence: the environment, then the file, then the spec's default.
 * Every value is validated and every problem is collected, one line per
 * problem naming the key, so an operator sees them all at once.  Values are
 * copied: they stay valid until med_config_free.
 */
#include <med/config.h>
#include <med/log.h>
#include <med/util.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CFG_FILE_KEY	"MED_CONFIG_FILE"
#define CFG_MAX_LINE	4096
#define CFG_MAX_ENTRIES 1024
#define CFG_SHOW_MAX	64 /* bytes of a bad value quoted in a message */

typedef struct cfg_value {
	const char *key; /* borrowed from the spec table */
	med_config_type type;
	char *str; /* NULL when unset and without default */
	int64_t i;
	bool b;
} cfg_value;

struct med_config {
	size_t n;
	cfg_value *values;
};

/* cfg_file - the KEY=VALUE pairs of MED_CONFIG_FILE. */
typedef struct cfg_file {
	size_t n;
	char **keys;
	char **vals;
} cfg_file;

/* cfg_errs - the problems found so far, written into the caller's buffer. */
typedef struct cfg_errs {
	char *buf;
	size_t cap;
	size_t len;
	int count;
} cfg_errs;

static void cfg_err(cfg_errs *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
cfg_err(cfg_errs *e, const char *fmt, ...)
{
	va_list ap;
	int w;

	e->count++;
	if (e->buf == NULL || e->len + 1 >= e->cap)
		return;
	va_start(ap, fmt);
	w = vsnprintf(e->buf + e->len, e->cap - e->len, fmt, ap);
	va_end(ap);
	if (w < 0)
		return;
	e->len += (size_t)w;
	if (e->len + 1 < e->cap) {
		e->buf[e->len++] = '\n';
		e->buf[e->len] = '\0';
	} else {
		e->len = e->cap - 1;
	}
}

/* ---- the file ---- */

static void
file_free(cfg_file *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->keys[i]);
		free(f->vals[i]);
	}
	free(f->keys);
	free(f->vals);
	*f = (cfg_file){0};
}

static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return s;
}

static char *
unquote(char *s)
{
	size_t len = strlen(s);

	if (len >= 2 && (s[0] == '"' || s[0] == '\'') && s[len - 1] == s[0]) {
		s[len - 1] = '\0';
		return s + 1;
	}
	return s;
}

static bool
key_valid(const char *k)
{
	if (!isalpha((unsigned char)*k) && *k != '_')
		return false;
	for (; *k; k++)
		if (!isalnum((unsigned char)*k) && *k != '_')
			return false;
	return true;
}

static bool
file_add(cfg_file *f, const char *key, const char *val)
{
	char **keys, **vals;

	keys = realloc(f->keys, (f->n + 1) * sizeof(*keys));
	if (keys == NULL)
		return false;
	f->keys = keys;
	vals = realloc(f->vals, (f->n + 1) * sizeof(*vals));
	if (vals == NULL)
		return false;
	f->vals = vals;
	keys[f->n] = strdup(key);
	vals[f->n] = strdup(val);
	if (keys[f->n] == NULL || vals[f->n] == NULL) {
		free(keys[f->n]);
		free(vals[f->n]);
		return false;
	}
	f->n++;
	return true;
}

/* file_line parses one line; it returns false only when out of memory. */
static bool
file_line(cfg_file *f, char *line, const char *path, int lineno, cfg_errs *e)
{
	char *eq, *key, *s = trim(line);

	if (*s == '\0' || *s == '#')
		return true;
	if (strncmp(s, "export ", 7) == 0)
		s = trim(s + 7);
	eq = strchr(s, '=');
	if (eq != NULL)
		*eq = '\0';
	key = trim(s);
	if (eq == NULL || !key_valid(key)) {
		cfg_err(e, "%s: %s line %d: expected KEY=VALUE", CFG_FILE_KEY,
			path, lineno);
		return true;
	}
	if (f->n >= CFG_MAX_ENTRIES) {
		cfg_err(e, "%s: %s: more than %d settings", CFG_FILE_KEY, path,
			CFG_MAX_ENTRIES);
		return true;
	}
	return file_add(f, key, unquote(trim(eq + 1)));
}

static void
file_read(cfg_file *f, const char *path, cfg_errs *e)
{
	char line[CFG_MAX_LINE];
	int lineno = 0;
	FILE *fp = fopen(path, "r");

	if (fp == NULL) {
		cfg_err(e, "%s: cannot read '%s': %s", CFG_FILE_KEY, path,
			strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			cfg_err(e, "%s: %s line %d: longer than %d bytes",
				CFG_FILE_KEY, path, lineno, CFG_MAX_LINE - 2);
			break;
		}
		if (!file_line(f, line, path, lineno, e)) {
			cfg_err(e, "%s: out of memory", CFG_FILE_KEY);
			break;
		}
	}
	if (ferror(fp))
		cfg_err(e, "%s: error reading '%s'", CFG_FILE_KEY, path);
	fclose(fp);
}

/* file_get returns the last value of key in the file, or NULL. */
static const char *
file_get(const cfg_file *f, const char *key)
{
	for (size_t i = f->n; i > 0; i--)
		if (strcmp(f->keys[i - 1], key) == 0)
			return f->vals[i - 1];
	return NULL;
}

static bool
spec_has(const med_config_spec *specs, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(specs[i].key, key) == 0)
			return true;
	return false;
}

/* file_warn_unknown logs keys no spec asked for: likely typos. */
static void
file_warn_unknown(const cfg_file *f, const med_config_spec *specs, size_t n,
		  const char *path)
{
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->keys[i], CFG_FILE_KEY) == 0 ||
		    spec_has(specs, n, f->keys[i]))
			continue;
		med_log_warn("config: %s sets unknown key %s (ignored)", path,
			     f->keys[i]);
	}
}

/* ---- validation ---- */

static bool
parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = (int64_t)v;
	return true;
}

static bool
parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"true", "1", "yes", "on"};
	static const char *const no[] = {"false", "0", "no", "off"};

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static void
check_path(const char *key, const char *s, cfg_errs *e)
{
	struct stat st;

	if (stat(s, &st) != 0) {
		cfg_err(e, "%s: '%.*s' cannot be read: %s", key, CFG_SHOW_MAX,
			s, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		cfg_err(e, "%s: '%.*s' is not a regular file", key,
			CFG_SHOW_MAX, s);
		return;
	}
	if (access(s, R_OK) != 0)
		cfg_err(e, "%s: '%.*s' cannot be read: %s", key, CFG_SHOW_MAX,
			s, strerror(errno));
}

static void
check_int(const med_config_spec *sp, cfg_value *v, cfg_errs *e)
{
	if (!parse_int(v->str, &v->i)) {
		cfg_err(e, "%s: '%.*s' is not an integer", sp->key,
			CFG_SHOW_MAX, v->str);
		return;
	}
	if (sp->min < sp->max && (v->i < sp->min || v->i > sp->max))
		cfg_err(e, "%s: '%s' is out of range (%lld..%lld)", sp->key,
			v->str, (long long)sp->min, (long long)sp->max);
}

static void
check_value(const med_config_spec *sp, cfg_value *v, cfg_errs *e)
{
	switch (sp->type) {
	case MED_CONFIG_STRING:
		break;
	case MED_CONFIG_INT:
		check_int(sp, v, e);
		break;
	case MED_CONFIG_PORT:
		if (!parse_int(v->str, &v->i) || v->i < 0 || v->i > 65535)
			cfg_err(e, "%s: '%.*s' is not a port (0..65535)",
				sp->key, CFG_SHOW_MAX, v->str);
		break;
	case MED_CONFIG_BOOL:
		if (!parse_bool(v->str, &v->b))
			cfg_err(e,
				"%s: '%.*s' is not a boolean "
				"(true/false/1/0/yes/no/on/off)",
				sp->key, CFG_SHOW_MAX, v->str);
		break;
	case MED_CONFIG_PATH:
		check_path(sp->key, v->str, e);
		break;
	default:
		cfg_err(e, "%s: unknown setting type %d", sp->key,
			(int)sp->type);
		break;
	}
}

/*
 * pick_value chooses the raw text for one spec.  An empty value for a
 * typed setting means "not set", so MED_HTTP_PORT= falls back to the
 * default instead of failing as a bad port.
 */
static const char *
pick_value(const med_config_spec *sp, const cfg_file *f)
{
	const char *s = getenv(sp->key);

	if (s == NULL || (s[0] == '\0' && sp->type != MED_CONFIG_STRING))
		s = file_get(f, sp->key);
	if (s == NULL || (s[0] == '\0' && sp->type != MED_CONFIG_STRING))
		s = sp->def;
	return s;
}

static bool
load_one(const med_config_spec *sp, const cfg_file *f, cfg_value *v,
	 cfg_errs *e)
{
	const char *s = pick_value(sp, f);

	v->key = sp->key;
	v->type = sp->type;
	if (s == NULL || (s[0] == '\0' && sp->type != MED_CONFIG_STRING) ||
	    (s[0] == '\0' && sp->required)) {
		if (sp->required)
			cfg_err(e, "%s: required but not set", sp->key);
		return true;
	}
	v->str = strdup(s);
	if (v->str == NULL)
		return false;
	check_value(sp, v, e);
	return true;
}

static med_err
load_all(const med_config_spec *specs, size_t n, const cfg_file *f,
	 med_config *cfg, cfg_errs *e)
{
	for (size_t i = 0; i < n; i++) {
		if (specs[i].key == NULL) {
			cfg_err(e, "setting %zu has no key", i);
			continue;
		}
		if (!load_one(&specs[i], f, &cfg->values[i], e))
			return MED_ERR_NOMEM;
	}
	return e->count ? MED_ERR_INVALID : MED_OK;
}

med_err
med_config_load(const med_config_spec *specs, size_t n_specs, med_config **out,
		char *errbuf, size_t errlen)
{
	cfg_errs e = {.buf = errbuf, .cap = errlen};
	cfg_file f = {0};
	const char *path = getenv(CFG_FILE_KEY);
	med_config *cfg;
	med_err err = MED_ERR_NOMEM;

	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (out == NULL || (specs == NULL && n_specs > 0))
		return MED_ERR_INVALID;
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return MED_ERR_NOMEM;
	cfg->n = n_specs;
	cfg->values = calloc(n_specs ? n_specs : 1, sizeof(*cfg->values));
	if (cfg->values == NULL)
		goto free_cfg;
	if (path != NULL && path[0] != '\0') {
		file_read(&f, path, &e);
		file_warn_unknown(&f, specs, n_specs, path);
	}
	err = load_all(specs, n_specs, &f, cfg, &e);
	file_free(&f);
	if (err != MED_OK)
		goto free_cfg;
	*out = cfg;
	return MED_OK;
free_cfg:
	med_config_free(cfg);
	return err;
}

void
med_config_free(med_config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; cfg->values != NULL && i < cfg->n; i++)
		free(cfg->values[i].str);
	free(cfg->values);
	free(cfg);
}

static const cfg_value *
cfg_find(const med_config *cfg, const char *key)
{
	if (cfg == NULL || key == NULL)
		return NULL;
	for (size_t i = 0; i < cfg->n; i++)
		if (cfg->values[i].key != NULL &&
		    strcmp(cfg->values[i].key, key) == 0)
			return &cfg->values[i];
	return NULL;
}

const char *
med_config_str(const med_config *cfg, const char *key)
{
	const cfg_value *v = cfg_find(cfg, key);

	return v ? v->str : NULL;
}

int64_t
med_config_int(const med_config *cfg, const char *key)
{
	const cfg_value *v = cfg_find(cfg, key);

	if (v == NULL || v->str == NULL)
		return 0;
	return (v->type == MED_CONFIG_INT || v->type == MED_CONFIG_PORT) ? v->i
									 : 0;
}

bool
med_config_bool(const med_config *cfg, const char *key)
{
	const cfg_value *v = cfg_find(cfg, key);

	return v != NULL && v->str != NULL && v->type == MED_CONFIG_BOOL &&
	       v->b;
}

static const char *
type_name(med_config_type t)
{
	static const char *const names[] = {"string", "int", "port", "bool",
					    "path"};

	return (unsigned)t < 5 ? names[t] : "?";
}

static const char *
default_text(const med_config_spec *sp)
{
	if (sp->def != NULL)
		return sp->def[0] ? sp->def : "\"\"";
	return sp->required ? "(required)" : "-";
}

void
med_config_print_help(const med_config_spec *specs, size_t n_specs)
{
	int kw = (int)strlen("SETTING"), dw = (int)strlen("DEFAULT");

	for (size_t i = 0; i < n_specs; i++) {
		int k = (int)strlen(specs[i].key);
		int d = (int)strlen(default_text(&specs[i]));

		kw = k > kw ? k : kw;
		dw = d > dw ? d : dw;
	}
	printf("%-*s  %-6s  %-*s  %s\n", kw, "SETTING", "TYPE", dw, "DEFAULT",
	       "DESCRIPTION");
	for (size_t i = 0; i < n_specs; i++)
		printf("%-*s  %-6s  %-*s  %s\n", kw, specs[i].key,
		       type_name(specs[i].type), dw, default_text(&specs[i]),
		       specs[i].help ? specs[i].help : "");
	printf("\nThe environment overrides %s (KEY=VALUE lines), which "
	       "overrides the defaults.\n",
	       CFG_FILE_KEY);
}
