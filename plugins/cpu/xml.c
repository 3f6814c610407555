/*
 * xml.c - a small, bounded XML reader for OpenCV FileStorage files (the
 * Haar cascades).  It builds a flat tree of elements with their raw inner
 * text; attributes are skipped, comments and the prolog are ignored.  What
 * such files never hold (DOCTYPE, CDATA, entities in numbers) is refused.
 * Every error names the line.  Caps: CV_XML_MAX_FILE bytes,
 * CV_XML_MAX_NODES elements, CV_XML_MAX_DEPTH nesting.
 */
#include "classic.h"
#include "cpu.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct xml_parser {
	cv_xml *x;
	const char *p, *end;
	int stack[CV_XML_MAX_DEPTH];
	int last_child[CV_XML_MAX_DEPTH];
	int depth;
	int cap;
	med_plugin_err *err;
} xml_parser;

static int
line_of(const xml_parser *ps)
{
	int line = 1;

	for (const char *q = ps->x->buf; q < ps->p; q++)
		line += *q == '\n';
	return line;
}

static int
xml_fail(xml_parser *ps, const char *why)
{
	return cv_fail(ps->err, MED_PLUGIN_EINVAL, "xml line %d: %s",
		       line_of(ps), why);
}

static int
is_name_char(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':';
}

/* skip_past moves after the next occurrence of s; -1 if there is none. */
static int
skip_past(xml_parser *ps, const char *s)
{
	const char *q = strstr(ps->p, s);

	if (q == NULL || q >= ps->end)
		return -1;
	ps->p = q + strlen(s);
	return 0;
}

static int
add_node(xml_parser *ps, const char *name, size_t name_len)
{
	cv_xml *x = ps->x;
	int i = x->n_nodes;

	if (i >= CV_XML_MAX_NODES)
		return xml_fail(ps, "too many elements");
	if (i == ps->cap) {
		int cap = ps->cap ? ps->cap * 2 : 1024;
		cv_xml_node *n = realloc(x->nodes, (size_t)cap * sizeof(*n));
		if (n == NULL)
			return cv_fail(ps->err, MED_PLUGIN_ENOMEM,
				       "out of memory");
		x->nodes = n;
		ps->cap = cap;
	}
	x->nodes[i] = (cv_xml_node){name, name_len, NULL, 0, -1, -1};
	if (ps->depth > 0) {
		int parent = ps->stack[ps->depth - 1];
		int prev = ps->last_child[ps->depth - 1];
		if (prev < 0)
			x->nodes[parent].first_child = i;
		else
			x->nodes[prev].next = i;
		ps->last_child[ps->depth - 1] = i;
	} else if (i != 0) {
		return xml_fail(ps, "more than one root element");
	}
	x->n_nodes++;
	return 0;
}

/* skip_attrs moves past the attributes; 1 if the tag ends with "/>". */
static int
skip_attrs(xml_parser *ps)
{
	for (;;) {
		while (ps->p < ps->end && isspace((unsigned char)*ps->p))
			ps->p++;
		if (ps->p >= ps->end)
			return xml_fail(ps, "truncated tag"), -1;
		if (*ps->p == '>') {
			ps->p++;
			return 0;
		}
		if (ps->p[0] == '/' && ps->p + 1 < ps->end && ps->p[1] == '>') {
			ps->p += 2;
			return 1;
		}
		while (ps->p < ps->end && is_name_char((unsigned char)*ps->p))
			ps->p++;
		if (ps->p + 1 >= ps->end || *ps->p != '=' ||
		    (ps->p[1] != '"' && ps->p[1] != '\''))
			return xml_fail(ps, "malformed attribute"), -1;
		char quote[2] = {ps->p[1], '\0'};
		ps->p += 2;
		if (skip_past(ps, quote))
			return xml_fail(ps, "unterminated attribute"), -1;
	}
}

static int
open_tag(xml_parser *ps)
{
	const char *name = ++ps->p;
	int rc, empty;

	while (ps->p < ps->end && is_name_char((unsigned char)*ps->p))
		ps->p++;
	if (ps->p == name || !(isalpha((unsigned char)*name) || *name == '_'))
		return xml_fail(ps, "bad element name");
	rc = add_node(ps, name, (size_t)(ps->p - name));
	if (rc)
		return rc;
	empty = skip_attrs(ps);
	if (empty < 0)
		return ps->err->code;
	if (empty)
		return 0;
	if (ps->depth >= CV_XML_MAX_DEPTH)
		return xml_fail(ps, "nested too deeply");
	ps->stack[ps->depth] = ps->x->n_nodes - 1;
	ps->last_child[ps->depth] = -1;
	ps->depth++;
	ps->x->nodes[ps->x->n_nodes - 1].inner = ps->p;
	return 0;
}

static int
close_tag(xml_parser *ps)
{
	const char *lt = ps->p, *name = ps->p + 2;
	cv_xml_node *n;

	ps->p = name;
	while (ps->p < ps->end && is_name_char((unsigned char)*ps->p))
		ps->p++;
	if (ps->depth == 0)
		return xml_fail(ps, "closing tag without an open element");
	n = &ps->x->nodes[ps->stack[ps->depth - 1]];
	if ((size_t)(ps->p - name) != n->name_len ||
	    memcmp(name, n->name, n->name_len) != 0) {
		char why[160];
		snprintf(why, sizeof(why), "</%.*s> closes <%.*s>",
			 (int)(ps->p - name > 40 ? 40 : ps->p - name), name,
			 (int)(n->name_len > 40 ? 40 : n->name_len), n->name);
		return xml_fail(ps, why);
	}
	while (ps->p < ps->end && isspace((unsigned char)*ps->p))
		ps->p++;
	if (ps->p >= ps->end || *ps->p != '>')
		return xml_fail(ps, "truncated closing tag");
	ps->p++;
	n->inner_len = (size_t)(lt - n->inner);
	ps->depth--;
	return 0;
}

static int
markup(xml_parser *ps)
{
	if (strncmp(ps->p, "<?", 2) == 0)
		return skip_past(ps, "?>") ? xml_fail(ps, "unterminated <?")
					   : 0;
	if (strncmp(ps->p, "<!--", 4) == 0)
		return skip_past(ps, "-->")
			       ? xml_fail(ps, "unterminated comment")
			       : 0;
	if (ps->p[1] == '!')
		return xml_fail(ps, "DOCTYPE and CDATA are not supported");
	if (ps->p[1] == '/')
		return close_tag(ps);
	return open_tag(ps);
}

int
cv_xml_parse(char *buf, size_t len, cv_xml *x, med_plugin_err *err)
{
	xml_parser ps = {.x = x, .p = buf, .end = buf + len, .err = err};
	int rc = 0;

	*x = (cv_xml){.buf = buf, .len = len};
	if (memchr(buf, '\0', len) != NULL)
		return xml_fail(&ps, "NUL byte in file");
	while (rc == 0 && ps.p < ps.end) {
		if (*ps.p == '<') {
			rc = markup(&ps);
		} else if (ps.depth == 0 && !isspace((unsigned char)*ps.p)) {
			rc = xml_fail(&ps, "text outside the root element");
		} else {
			const char *lt =
				memchr(ps.p, '<', (size_t)(ps.end - ps.p));
			ps.p = lt ? lt : ps.end;
		}
	}
	if (rc == 0 && ps.depth > 0)
		rc = xml_fail(&ps, "truncated: an element is not closed");
	if (rc == 0 && x->n_nodes == 0)
		rc = xml_fail(&ps, "no root element");
	return rc;
}

int
cv_xml_read(const char *path, cv_xml *x, med_plugin_err *err)
{
	FILE *f;
	long n;
	char *buf;
	int rc;

	if (path == NULL)
		return cv_fail(err, MED_PLUGIN_EINVAL, "no model path");
	f = fopen(path, "rb");
	if (f == NULL)
		return cv_fail(err, MED_PLUGIN_EIO, "cannot open %s", path);
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return cv_fail(err, MED_PLUGIN_EIO, "cannot size %s", path);
	}
	if ((size_t)n > CV_XML_MAX_FILE) {
		fclose(f);
		return cv_fail(err, MED_PLUGIN_EINVAL,
			       "%s: %ld bytes, more than the %zu allowed", path,
			       n, CV_XML_MAX_FILE);
	}
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return cv_fail(err, MED_PLUGIN_EIO, "cannot read %s", path);
	}
	fclose(f);
	buf[n] = '\0';
	rc = cv_xml_parse(buf, (size_t)n, x, err);
	if (rc)
		cv_xml_fini(x);
	return rc;
}

void
cv_xml_fini(cv_xml *x)
{
	free(x->buf);
	free(x->nodes);
	*x = (cv_xml){0};
}

int
cv_xml_child(const cv_xml *x, int node, const char *name)
{
	size_t len = strlen(name);

	if (node < 0)
		return -1;
	for (int c = x->nodes[node].first_child; c >= 0; c = x->nodes[c].next)
		if (x->nodes[c].name_len == len &&
		    memcmp(x->nodes[c].name, name, len) == 0)
			return c;
	return -1;
}

int
cv_xml_count(const cv_xml *x, int node)
{
	int n = 0;

	for (int c = node < 0 ? -1 : x->nodes[node].first_child; c >= 0;
	     c = x->nodes[c].next)
		n++;
	return n;
}

/* skip_blank skips white space and comments inside a text. */
static const char *
skip_blank(const char *p, const char *end)
{
	for (;;) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (end - p < 4 || strncmp(p, "<!--", 4) != 0)
			return p;
		const char *q = strstr(p, "-->");
		if (q == NULL || q >= end)
			return end;
		p = q + 3;
	}
}

int
cv_xml_numbers(const cv_xml *x, int node, double *out, int max)
{
	const cv_xml_node *n;
	const char *p, *end;
	int count = 0;

	if (node < 0 || x->nodes[node].first_child >= 0)
		return -1;
	n = &x->nodes[node];
	p = n->inner;
	end = n->inner + n->inner_len;
	/* The text ends at '<' (or the NUL after the file), so strtod stops
	 * inside the element. */
	for (p = skip_blank(p, end); p < end; p = skip_blank(p, end)) {
		char *e;
		double v;
		if (count == max)
			return -1;
		errno = 0;
		v = strtod(p, &e);
		if (e == p || e > end || errno == ERANGE || !isfinite(v))
			return -1;
		out[count++] = v;
		p = e;
	}
	return count;
}
