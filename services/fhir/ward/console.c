/*
 * console.c - serves the ward console (services/console: static HTML, CSS
 * and JavaScript) under /console, beside the FHIR API it calls, so that
 * the browser sees one origin and needs no CORS for its FHIR requests.
 *
 * Only plain file names of the console's own folder are served (letters,
 * digits, '-', '_' and one extension of a known type): a path with a
 * slash, a dot segment or an encoded byte never reaches the file system,
 * so no request can read outside the folder.  /console/config.json is
 * written from the settings (the identity provider the console signs in
 * with and the FHIR base path); the console keeps no setting of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <med/json.h>
#include <med/log.h>

#include "ward.h"

#define CONSOLE_PREFIX	 "/console"
#define CONSOLE_NAME_MAX 64
#define CONSOLE_FILE_MAX (2u << 20) /* the largest file served, bytes */
#define CONSOLE_INDEX	 "index.html"
#define CONSOLE_CONFIG	 "config.json"

static const struct {
	const char *ext;
	const char *type;
} content_types[] = {
	{".html", "text/html; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".svg", "image/svg+xml"},
	{".json", "application/json; charset=utf-8"},
	{".png", "image/png"},
};

/* content_type returns the type of name's extension, NULL: not served. */
static const char *
content_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(content_types) / sizeof(*content_types);
	     i++)
		if (strcmp(dot, content_types[i].ext) == 0)
			return content_types[i].type;
	return NULL;
}

/* name_ok: a plain file name, [A-Za-z0-9_-]+ and one extension. */
static bool
name_ok(const char *name)
{
	size_t n = strlen(name), dots = 0;

	if (n == 0 || n > CONSOLE_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '-' || c == '_';

		if (c == '.')
			dots++;
		else if (!plain)
			return false;
	}
	return dots == 1 && content_type(name) != NULL;
}

static void
respond_text(fhir_response *resp, int status, const char *text)
{
	resp->status = status;
	resp->body = text;
	resp->len = strlen(text);
	resp->content_type = "text/plain; charset=utf-8";
}

/* read_file reads dir/name whole into arena; MED_ERR_NOT_FOUND when it is
 * not a regular file there. */
static med_err
read_file(med_arena *arena, const char *dir, const char *name, char **body,
	  size_t *len)
{
	char path[4096];
	struct stat sb;
	size_t got = 0;
	med_err err = MED_ERR_IO;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return MED_ERR_INVALID;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? MED_ERR_NOT_FOUND : MED_ERR_IO;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    (size_t)sb.st_size > CONSOLE_FILE_MAX) {
		err = MED_ERR_NOT_FOUND;
		goto close_fd;
	}
	*body = med_arena_alloc(arena, (size_t)sb.st_size + 1);
	if (*body == NULL) {
		err = MED_ERR_NOMEM;
		goto close_fd;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, *body + got, (size_t)sb.st_size - got);

		if (n <= 0)
			goto close_fd;
		got += (size_t)n;
	}
	(*body)[got] = '\0';
	*len = got;
	err = MED_OK;
close_fd:
	close(fd);
	return err;
}

/* serve_config writes config.json from the settings. */
static void
serve_config(const fhir_facade *f, const fhir_request *req, fhir_response *resp)
{
	med_json w;

	size_t len = 0;
	const char *text;

	med_json_init_arena(&w, req->arena, 4096);
	med_json_begin(&w, NULL, '{');
	med_json_str(&w, "fhirBase", f->base_path);
	med_json_str(&w, "fhirBaseUrl", f->base_url);
	med_json_str(&w, "issuer", f->console_issuer);
	med_json_str(&w, "clientId", f->console_client_id);
	med_json_str(&w, "mrnSystem", f->mrn_system);
	med_json_str(&w, "timeZone", f->console_time_zone);
	med_json_end(&w, '}');
	text = med_json_text(&w, &len);
	if (text == NULL) {
		respond_text(resp, 500, "console: config too long\n");
		return;
	}
	resp->status = 200;
	resp->body = text;
	resp->len = len;
	resp->content_type = content_type(CONSOLE_CONFIG);
}

/*
 * url_origin copies url's origin ("https://idp.example:8444") into out
 * (len bytes): "" when url is not an https URL or its origin does not
 * fit, so that nothing but HTTPS ever widens the policy.
 */
static void
url_origin(const char *url, char *out, size_t len)
{
	static const char scheme[] = "https://";
	size_t n;

	out[0] = '\0';
	if (url == NULL || strncmp(url, scheme, sizeof(scheme) - 1) != 0)
		return;
	n = sizeof(scheme) - 1;
	n += strcspn(url + n, "/?#");
	if (n == sizeof(scheme) - 1 || n >= len || strcspn(url, " ;,'\"") < n)
		return;
	memcpy(out, url, n);
	out[n] = '\0';
}

/*
 * console_csp is the console's Content-Security-Policy: its own files
 * only, no framing by any origin, and requests to the facade and to the
 * identity provider it signs in with (the issuer's origin and the token
 * endpoint's) and nowhere else, so that an injected script cannot post a
 * chart to another host.  NULL when out of memory.
 */
static const char *
console_csp(const fhir_facade *f, med_arena *a)
{
	char issuer[256], token[256];

	url_origin(f->console_issuer, issuer, sizeof(issuer));
	url_origin(f->smart.token_endpoint, token, sizeof(token));
	if (strcmp(token, issuer) == 0)
		token[0] = '\0';
	return med_arena_sprintf(
		a,
		"default-src 'self'; script-src 'self'; style-src 'self'; "
		"img-src 'self' data: blob:; media-src 'self' blob: "
		"mediastream:; connect-src 'self'%s%s%s%s; form-action "
		"'self'; base-uri 'none'; object-src 'none'; frame-ancestors "
		"'none'",
		issuer[0] ? " " : "", issuer, token[0] ? " " : "", token);
}

/* serve_file answers GET/HEAD of one file of the console's folder. */
static void
serve_file(const fhir_facade *f, const fhir_request *req, const char *name,
	   fhir_response *resp)
{
	char *body = NULL;
	size_t len = 0;
	med_err err;

	if (!name_ok(name)) {
		respond_text(resp, 404, "console: no such file\n");
		return;
	}
	if (strcmp(name, CONSOLE_CONFIG) == 0) {
		serve_config(f, req, resp);
		return;
	}
	err = read_file(req->arena, f->console_dir, name, &body, &len);
	if (err == MED_ERR_NOT_FOUND) {
		respond_text(resp, 404, "console: no such file\n");
		return;
	}
	if (err != MED_OK) {
		med_log_error("console: cannot read %s/%s", f->console_dir,
			      name);
		respond_text(resp, 500, "console: cannot read the file\n");
		return;
	}
	resp->status = 200;
	resp->body = body;
	resp->len = len;
	resp->content_type = content_type(name);
	resp->csp = console_csp(f, req->arena);
}

bool
fhir_console_handle(const fhir_facade *f, const fhir_request *req,
		    fhir_response *resp)
{
	size_t n = strlen(CONSOLE_PREFIX);
	const char *rest;

	if (f->console_dir == NULL || f->console_dir[0] == '\0' ||
	    strncmp(req->path, CONSOLE_PREFIX, n) != 0 ||
	    (req->path[n] != '\0' && req->path[n] != '/'))
		return false;
	if (strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0) {
		respond_text(resp, 405, "console: GET only\n");
		return true;
	}
	rest = req->path[n] == '\0' ? "" : req->path + n + 1;
	serve_file(f, req, rest[0] == '\0' ? CONSOLE_INDEX : rest, resp);
	return true;
}
