/*
 * medicine.c - a medicine's status: dated as over, stopped or started by
 * a list's status cell or a stop heading, switched from or to, taken for
 * years, still taken, a course done, a past drug that treats a current
 * problem.  What makes a drug mention past, planned or taken.
 */
#include "reader_int.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* drug_dated: is English substance item k dated as over by its list
 * item ("He received Keflex in 2022 for an abscess", "weaned off
 * prednisolone 2021", "took ibuprofen 2 days ago")?  A year or a time
 * ago after the drug dates its course as over; a start or a switch then
 * is not ("on warfarin since 2015", "switched to apixaban in 2022"), nor
 * a date inside a parenthesis after the drug, which dates something
 * else ("warfarin for mechanical aortic valve (2014)"), nor a clock time
 * ("due 2000").  A full-width parenthesis is one too ("Febuxostat 40mg
 * qd（2021年曾用 allopurinol…）": the year is allopurinol's). */
static const char *const dated_start[] = {
	"since",    "dx",	"diagnosed", "started", "commenced",
	"switched", "replaced", "changed",   "due",	"at"};

bool
notes__dated_after(const sentence *s, size_t k)
{
	size_t n_start = sizeof(dated_start) / sizeof(*dated_start);
	uint32_t end = notes__list_item_end(s, k);

	if (s->words[s->items[k].w0].han)
		return false;
	for (size_t w = s->items[k].w1; w < s->n && s->words[w].start < end;
	     w++) {
		if (notes__paren_between(s, s->items[k].end,
					 s->words[w].start) ||
		    notes__words_in(s, w, dated_start, n_start))
			return false;
		if (notes__is_year(s->words[w].key) ||
		    notes__words_at(s, w, "ago"))
			return true;
	}
	return false;
}

/* date_after: is there a year or "ago" anywhere after item k in its
 * sentence?  dated_after needs one inside the list item: this is the
 * cheap test a drug without one stops at. */
static bool
date_after(const sentence *s, size_t k)
{
	for (size_t w = s->items[k].w1; w < s->n; w++)
		if (notes__is_year(s->words[w].key) ||
		    notes__words_at(s, w, "ago"))
			return true;
	return false;
}

static bool
drug_dated(const sentence *s, size_t k)
{
	size_t n_start = sizeof(dated_start) / sizeof(*dated_start);

	if (!date_after(s, k) || notes__started_near(s, k))
		return false;
	/* "replaced ramipril 2019": the drug replaced is the past one */
	for (size_t w = notes__list_item_first(s, k); w < s->items[k].w0; w++)
		if (notes__words_in(s, w, dated_start, n_start) &&
		    !notes__words_at(s, w, "replaced"))
			return false;
	return notes__dated_after(s, k);
}

/* The words a medicines list's status cell or trailing word opens with
 * when the drug of its row is stopped ("| Naproxen | 500mg | STOPPED |",
 * "ondansetron 4 mg PRN - not used in 36h, d/c").  "held" is left out:
 * the writers disagree whether a drug held today is taken
 * (docs/note-reader.md). */
static const char *const status_stops[] = {"stopped", "discontinued", "ceased",
					   "d/c"};

/* status_stop_at: does text p open with a word of status_stops? */
static bool
status_stop_at(const char *p)
{
	for (size_t i = 0; i < sizeof(status_stops) / sizeof(*status_stops);
	     i++) {
		size_t n = strlen(status_stops[i]);
		size_t j = 0;

		while (j < n &&
		       tolower((unsigned char)p[j]) == status_stops[i][j])
			j++;
		if (j == n && !isalpha((unsigned char)p[n]))
			return true;
	}
	return false;
}

/* row_separator returns how long the separator of a list's fields at p
 * is ("|" between a table's cells, " - " or ", " between a line's
 * fields), or 0. */
static size_t
row_separator(const char *p, bool table)
{
	if (table)
		return *p == '|';
	if (strncmp(p, " - ", 3) == 0)
		return 3;
	return strncmp(p, ", ", 2) == 0 ? 2 : 0;
}

/* other_drug_from: the start of the first drug item after k, of another
 * code, in s (UINT32_MAX when none): a status after it is that drug's. */
static uint32_t
other_drug_from(const sentence *s, size_t k)
{
	for (size_t m = k + 1; m < s->n_items; m++)
		if (is_drug(&s->items[m]) &&
		    strcmp(s->items[m].e->code, s->items[k].e->code) != 0)
			return s->items[m].start;
	return UINT32_MAX;
}

/* table_row_first: is item k in the first cell of a table's row (its
 * line opens with "|", no other "|" before k)? */
static bool
table_row_first(const sentence *s, size_t k)
{
	const char *text = s->text, *p = text + s->items[k].start;
	const char *line = p;
	size_t bars = 0;

	while (line > text && line[-1] != '\n')
		line--;
	while (*line == ' ')
		line++;
	for (const char *q = line; q < p; q++)
		bars += *q == '|';
	return *line == '|' && bars == 1;
}

static bool field_opens(const sentence *s, size_t k, bool (*at)(const char *p));

/* status_stopped: does the list drug item k heads say the drug is
 * stopped, in a later cell of its table's row ("| Simvastatin | 40mg |
 * STOPPED | switched |") or in its line's last field ("- ondansetron 4
 * mg IV PRN - not used in 36h, d/c")?  The status governs its row; a
 * line's field only when no other drug follows on the line. */
static bool
status_stopped(const sentence *s, size_t k)
{
	return field_opens(s, k, status_stop_at);
}

/* start_at: does p open with a start to come ("start", "to start",
 * "commence") and end its line after at most one more word ("- start",
 * "- to start today")? */
static bool
start_at(const char *p)
{
	static const char *const starts[] = {"start", "to start", "commence",
					     "to commence"};
	size_t words = 0;

	for (size_t i = 0; i < sizeof(starts) / sizeof(*starts); i++) {
		size_t n = strlen(starts[i]);

		if (strncasecmp(p, starts[i], n) != 0 ||
		    isalpha((unsigned char)p[n]))
			continue;
		for (p += n; *p != '\0' && *p != '\n'; p++)
			words += *p == ' ' && isalnum((unsigned char)p[1]);
		return words <= 1;
	}
	return false;
}

/* status_started: does the list line of drug item k end in a field that
 * starts it ("- Pregabalin 75mg HS for neuropathy - start")?  The drug
 * is planned, as "start" before it plans it. */
static bool
status_started(const sentence *s, size_t k)
{
	return !s->words[s->items[k].w0].han && field_opens(s, k, start_at);
}

/* field_opens: does the list drug item k heads hold a later cell of its
 * table's row, or a last field of its line, that at says opens with
 * the status it looks for?  A line's field only when no other drug
 * follows on the line. */
static bool
field_opens(const sentence *s, size_t k, bool (*at)(const char *p))
{
	bool table = table_row_first(s, k);
	uint32_t other = other_drug_from(s, k);
	uint32_t end = s->words[s->n - 1].end; /* the sentence's */
	const char *text = s->text;

	if (!table && other != UINT32_MAX)
		return false;
	if (other < end)
		end = other;
	for (const char *p = text + s->items[k].end;
	     *p != '\n' && (uint32_t)(p - text) < end; p++) {
		size_t n = row_separator(p, table);
		const char *q = p + n;

		while (n > 0 && *q == ' ')
			q++;
		if (n > 0 && at(q))
			return true;
	}
	return false;
}
/* held_in_field: does item k's field of its list, up to the next comma,
 * say the drug is held ("losartan (withheld - see above)")?  A drug held
 * is taken for some writers and stopped for others: left as it is. */
static bool
held_in_field(const sentence *s, size_t k)
{
	const char *p = s->text + s->items[k].end;
	size_t n = strcspn(p, ",;\n");

	return memmem(p, n, "held", 4) != NULL ||
	       memmem(p, n, "hold", 4) != NULL;
}

/* STOP_HEADING_CHARS: the longest heading of a stopped list before its
 * colon ("Medications stopped this admission:"). */
#define STOP_HEADING_CHARS 40

/* stop_headed: is item k in a list headed by a stop, on its own line
 * ("STOPPED: tramadol 50 mg PO BID PRN.", "Discontinued: aspirin") or
 * above it (an English section whose heading stops)?  The list says
 * what is stopped now. */
static bool
stop_headed(const sentence *s, size_t k)
{
	const char *text = s->text, *p = text + s->items[k].start;
	const char *line = p, *colon;

	if (held_in_field(s, k))
		return false;
	if (s->section != NULL && (s->section->dir & NOTES_DIR_STOP) &&
	    (unsigned char)s->section->key[0] < 0x80)
		return true;
	while (line > text && line[-1] != '\n')
		line--;
	colon = memchr(line, ':', (size_t)(p - line));
	if (colon == NULL || colon - line > STOP_HEADING_CHARS)
		return false;
	for (const char *q = line; q < colon; q++)
		if ((q == line || !isalpha((unsigned char)q[-1])) &&
		    status_stop_at(q))
			return true;
	return false;
}

/* The words of a switch done, the drug after them replacing the drugs
 * before them ("Started on IV ceftriaxone + azithromycin, shifted to
 * oral cefuroxime on HD4"). */
static const char *const switched_en[] = {"switched to", "changed to",
					  "shifted to"};

/* SWITCH_TO_WORDS: the most words between a switch and the drug it
 * switches to ("shifted to oral cefuroxime"). */
#define SWITCH_TO_WORDS 2

/* switched_away: is substance item k written before a switch to
 * another drug in its sentence part (no full stop or semicolon
 * between)?  It was replaced: a past medicine.  A switch to a dose
 * ("amlodipine 5mg, changed to 10mg") names no drug and keeps it. */
static bool
switched_away(const sentence *s, size_t k)
{
	for (size_t j = k + 1; j + 1 < s->n_items; j++) {
		const item *sw = &s->items[j], *to = &s->items[j + 1];
		bool is_switch = false;

		if (notes__between_has(s, s->items[k].end, sw->start, ';') ||
		    notes__between_has(s, s->items[k].end, sw->start, '.'))
			return false;
		for (size_t i = 0;
		     i < sizeof(switched_en) / sizeof(*switched_en); i++)
			is_switch |= strcmp(sw->e->key, switched_en[i]) == 0;
		if (is_switch)
			return to->e->type == NOTES_T_SUBSTANCE &&
			       to->w0 - sw->w1 <= SWITCH_TO_WORDS &&
			       strcmp(to->e->code, s->items[k].e->code) != 0;
	}
	return false;
}

/* ARROW_GAP_CHARS: the most bytes between a drug and the drug an arrow
 * replaces it with ("pravastatin 40 -> rosuvastatin", "ceftriaxone 2 g
 * IV -> PO cefuroxime"). */
#define ARROW_GAP_CHARS 24

/* The words that make a switch one advised or weighed, not made
 * ("consider switch warfarin -> apixaban", "Recommend switching apixaban
 * → warfarin"), and "today", a switch the note makes now: whether such a
 * drug is still the patient's the writers' headers split on. */
static const char *const arrow_undone[] = {
	"consider", "recommend", "recommended", "suggest", "suggested",
	"advise",   "advised",	 "if",		"could",   "today"};

/* arrow_end: the offset just past the first arrow ("->" or "→") in text
 * [from, to), or 0 when there is none. */
static uint32_t
arrow_end(const sentence *s, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i < to; i++) {
		if (to - i >= 2 && memcmp(s->text + i, "->", 2) == 0)
			return i + 2;
		if (to - i >= 3 && memcmp(s->text + i, "\xe2\x86\x92", 3) == 0)
			return i + 3;
	}
	return 0;
}

/* routed_only: are the words of s from offset p up to word w only a
 * route ("-> IV meropenem")?  A verb there ("-> change to losartan when
 * stock arrives") makes the switch one to come. */
static bool
routed_only(const sentence *s, uint32_t p, size_t w)
{
	static const char *const routes[] = {"iv", "po", "oral", "sc", "im"};

	while (w > 0 && s->words[w - 1].start >= p) {
		w--;
		if (!notes__words_in(s, w, routes,
				     sizeof(routes) / sizeof(*routes)))
			return false;
	}
	return true;
}

/* arrowed_away: is English substance item k written right before an
 * arrow to another drug ("glibenclamide -> gliclazide 80mg bd",
 * "switched pravastatin 40 -> rosuvastatin 10"), with at most a route
 * after the arrow, no comma, bracket or sentence end between and no
 * advice or "today" in its sentence?
 * The drug was replaced: a past medicine, as six of six such switches
 * are annotated (four writers). */
static bool
arrowed_away(const sentence *s, size_t k)
{
	const item *from = &s->items[k], *to;
	uint32_t a, b;

	if (k + 1 >= s->n_items || s->words[from->w0].han)
		return false;
	to = &s->items[k + 1];
	a = from->end;
	b = to->start;
	if (to->e->type != NOTES_T_SUBSTANCE || b - a > ARROW_GAP_CHARS ||
	    strcmp(to->e->code, from->e->code) == 0 ||
	    arrow_end(s, a, b) == 0 ||
	    !routed_only(s, arrow_end(s, a, b), to->w0))
		return false;
	if (notes__part_ends(s, a, b) || notes__between_has(s, a, b, ',') ||
	    notes__between_has(s, a, b, '(') ||
	    notes__between_has(s, a, b, '?'))
		return false;
	return !notes__words_any(s, 0, s->n, arrow_undone,
				 sizeof(arrow_undone) / sizeof(*arrow_undone));
}

void
notes__switch_context(const sentence *s, size_t k, notes_finding *f)
{
	if (f->kind != NOTES_MEDICINE || f->context != 0 ||
	    s->items[k].e->type != NOTES_T_SUBSTANCE)
		return;
	if (switched_away(s, k) || arrowed_away(s, k)) {
		f->context = NOTES_HISTORICAL;
		f->trigger = "switched to";
	} else if (status_started(s, k)) {
		f->context = NOTES_HYPOTHETICAL;
		f->trigger = "start";
	} else if (notes__switched_to(s, k)) {
		f->trigger = SWITCHED_ONTO; /* current, whatever date follows */
	}
}

/* stop_lists: the headings that open, on a line of their own, a list
 * of the drugs stopped, one to a line ("STOPPED:", "Medication
 * stopped:"), lower-cased and without their colon. */
static const char *const stop_lists[] = {"stopped",
					 "discontinued",
					 "ceased",
					 "deprescribed",
					 "medication stopped",
					 "medications stopped",
					 "medicine stopped",
					 "medicines stopped",
					 "drugs stopped",
					 "stopped medication",
					 "stopped medications",
					 "stopped medicines",
					 "stopped drugs",
					 "medications ceased",
					 "medications discontinued"};

/* STOP_LIST_CHARS: room for the longest of stop_lists and its NUL */
#define STOP_LIST_CHARS 32

/* stop_list_heading: is line [ls, le) only a heading of stop_lists and
 * its colon? */
static bool
stop_list_heading(const char *ls, const char *le)
{
	char w[STOP_LIST_CHARS];
	size_t n = 0;

	while (ls < le && (*ls == ' ' || *ls == '\t'))
		ls++;
	while (le > ls && (le[-1] == ' ' || le[-1] == '\t' || le[-1] == '\r'))
		le--;
	if (le == ls || le[-1] != ':' || (size_t)(le - 1 - ls) >= sizeof(w))
		return false;
	for (const char *q = ls; q + 1 < le; q++)
		w[n++] = (char)tolower((unsigned char)*q);
	w[n] = '\0';
	return notes__among(w, stop_lists,
			    sizeof(stop_lists) / sizeof(*stop_lists));
}

/* item_marker_end: where the marker of the list item on the line from
 * ls ends ("- ", "* ", "3. ", or the indent of an indented line), the
 * spaces after it skipped; NULL when the line is no list item. */
static const char *
item_marker_end(const char *ls, const char *le)
{
	const char *p = ls;

	while (p < le && (*p == ' ' || *p == '\t'))
		p++;
	if (p < le && (*p == '-' || *p == '*'))
		p++;
	else if (p < le && isdigit((unsigned char)*p)) {
		while (p < le && isdigit((unsigned char)*p))
			p++;
		if (p == le || (*p != '.' && *p != ')'))
			return NULL;
		p++;
	} else if (p == ls)
		return NULL;
	while (p < le && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* The words that take a stopped drug up again in its item. */
static const char *const taken_again[] = {"restart", "restarted", "resume",
					  "resumed", "continue",  "continued"};

/* again_on_line: does text [p, le) hold a word of taken_again? */
static bool
again_on_line(const char *p, const char *le)
{
	for (; p < le; p++) {
		if (!isalpha((unsigned char)*p) ||
		    (isalpha((unsigned char)p[-1])))
			continue;
		for (size_t i = 0;
		     i < sizeof(taken_again) / sizeof(*taken_again); i++) {
			size_t n = strlen(taken_again[i]);

			if ((size_t)(le - p) >= n &&
			    strncasecmp(p, taken_again[i], n) == 0 &&
			    !isalpha((unsigned char)p[n]))
				return true;
		}
	}
	return false;
}

/* listed_as_stopped: does drug item k head an item of a list that a stop
 * heading opens on a line of its own, every line between them an item
 * of that list ("STOPPED:\n- Oxybutynin - anticholinergic.\n-
 * Amitriptyline - falls. Stopped.")?  The heading stops each drug its
 * items head, as "Stopped: aspirin, naproxen" does on one line; an item
 * that restarts or continues its drug is left as it reads.  A blank line
 * or a line of prose ends the list. */
static bool
listed_as_stopped(const sentence *s, size_t k)
{
	const char *text = s->text, *p = text + s->items[k].start;
	const char *ls = p, *le = p, *marker;

	while (ls > text && ls[-1] != '\n')
		ls--;
	while (*le != '\0' && *le != '\n')
		le++;
	if ((unsigned char)*p >= 0x80 || item_marker_end(ls, le) != p)
		return false;
	if (held_in_field(s, k) || again_on_line(p, le))
		return false;
	while (ls > text) {
		const char *b = le = ls - 1;

		while (b > text && b[-1] != '\n')
			b--;
		if (stop_list_heading(b, le))
			return true;
		marker = item_marker_end(b, le);
		if (marker == NULL || marker == le)
			return false;
		ls = b;
	}
	return false;
}

void
notes__status_context(const sentence *s, size_t k, notes_finding *f)
{
	if (f->kind == NOTES_MEDICINE &&
	    (f->context == 0 || f->context == NOTES_HISTORICAL) &&
	    (status_stopped(s, k) || listed_as_stopped(s, k) ||
	     (f->context == NOTES_HISTORICAL && stop_headed(s, k)))) {
		f->context = NOTES_HISTORICAL;
		f->trigger = ROW_STOPPED;
	}
}

/* effect_after: does an effect the patient feels follow drug item k in
 * its clause, before another drug and before a comma (an effect after
 * the comma is the story going on: "switched to IV meropenem, rash
 * settled")? */
static bool
effect_after(const sentence *s, size_t k)
{
	return notes__effect_follows(s, k, true);
}

/* already_on_zh: is drug item k written right after a Chinese word that
 * says the patient is on it already ("因已用达比加群未加", "正在服用华法林")?
 * Not when an effect follows it in its clause ("已用头孢后起皮疹"): that
 * tells a reaction to it (rules75zh22). */
static bool
already_on_zh(const sentence *s, size_t k)
{
	static const char *const already[] = {
		"已用",	  "已服",   "正服用",	"在服",	   "正在服用",
		"正在用", "已在用", "现用",	"現用",	   "现服用",
		"現服用", "目前用", "目前服用", "目前使用"};
	size_t w = s->items[k].w0;

	for (size_t i = 0; i < sizeof(already) / sizeof(*already); i++) {
		size_t n = strlen(already[i]) / 3;

		/* a reaction before the drug is another's:
		 * "过敏：头孢（皮疹）， 现用哌拉西林他唑巴坦" (rules75zh28) */
		if (w >= n && notes__words_at(s, w - n, already[i])) {
			const item *r = notes__reaction_of(s, k, true);

			return !effect_after(s, k) &&
			       (r == NULL || r->w1 <= s->items[k].w0) &&
			       notes__effect_of(s, k) == NULL;
		}
	}
	return false;
}

/* on_with: is drug item k written right after "on" another drug "with"
 * ("seizure while on tramadol with sertraline")?  The patient was on
 * both; the story is the first drug's, the one after "with" taken beside
 * it (rules75en25). */
static bool
on_with(const sentence *s, size_t k)
{
	const item *d = k > 0 ? &s->items[k - 1] : NULL;

	/* "with" may be an item of its own (a reaction's "with") */
	if (d != NULL && !is_drug(d) && d->w1 == s->items[k].w0 && k > 1)
		d--;
	return d != NULL && is_drug(d) && d->w0 >= 1 &&
	       notes__words_at(s, d->w0 - 1, "on") &&
	       s->items[k].w0 == d->w1 + 1 && notes__words_at(s, d->w1, "with");
}

/* on_beside_reaction: is drug item k written after "while on" ("whilst
 * on") and a reaction (or a problem) told of an earlier drug of another
 * substance, the entry's ("Tramadol - 2023: agitation, sweating, tremor while
 * on amitriptyline - recorded as suspected serotonin toxicity", allergy75nr,
 * en-dev74)?  The patient took it beside the drug that reacted; "Penicillin:
 * rash while on amoxicillin" names the member that did. */
static bool
on_beside_reaction(const sentence *s, size_t k)
{
	static const char *const during[] = {"while", "whilst"};
	size_t w = s->items[k].w0;
	bool reaction = false;

	if (w < 2 || !notes__words_in(s, w - 2, during, N_OF(during)) ||
	    !notes__words_at(s, w - 1, "on"))
		return false;
	for (size_t m = k; m-- > 0;) {
		const item *it = &s->items[m];

		reaction = reaction || it->e->type == NOTES_T_REACTION ||
			   it->e->type == NOTES_T_PROBLEM;
		if (is_drug(it))
			return reaction && !notes__related(it->e->code,
							   s->items[k].e->code);
	}
	return false;
}

bool
notes__now_on(const sentence *s, size_t k)
{
	size_t w = s->items[k].w0;

	size_t after = s->items[k].w1;

	/* "now on ramipril", "is on ramipril now"; "on bisoprolol too", "on
	 * bisoprolol as well": a drug the patient takes beside the one a
	 * story speaks of ("Timolol stopped 2023 (bradycardia, HR 48, on
	 * bisoprolol too) - documented as ADR", rules75en23) */
	return (w >= 2 && notes__words_at(s, w - 2, "now") &&
		notes__words_at(s, w - 1, "on")) ||
	       (w >= 1 && notes__words_at(s, w - 1, "on") && after < s->n &&
		(notes__words_at(s, after, "now") ||
		 notes__words_at(s, after, "too") ||
		 notes__phrase_at(s, after, "as well"))) ||
	       on_with(s, k) || already_on_zh(s, k) || on_beside_reaction(s, k);
}

/* taken_for_years: is drug item k told as taken for years ("she has had
 * frusemide for years", "has been on lithium for 10 years") or since a
 * year ("he has taken ramipril since 2016 with no cough", vocab75bl)?  In
 * an allergy list too it is a medicine the patient takes, evidence
 * against a label beside it, no allergy. */
static bool
taken_for_years(const sentence *s, size_t k)
{
	static const char *const taken[] = {"had", "taken", "on", "taking"};
	static const char *const has[] = {"has", "have", "been"};
	size_t w = s->items[k].w0, e = s->items[k].w1;

	/* "she took hydrochlorothiazide for 6 years": the past tense
	 * needs no auxiliary (allergy75aj) */
	bool took = w >= 1 && notes__words_at(s, w - 1, "took");
	bool perfect = w >= 2 && notes__words_in(s, w - 1, taken, 4) &&
		       notes__words_in(s, w - 2, has, 3);

	if (e + 1 >= s->n)
		return false;
	if (perfect && notes__words_at(s, e, "since"))
		return notes__is_year(s->words[e + 1].key);
	if (!notes__words_at(s, e, "for") || (!took && !perfect))
		return false;
	if (isdigit((unsigned char)s->words[e + 1].key[0]) && e + 2 < s->n)
		e++;
	return notes__words_at(s, e + 1, "years");
}

/* takes_now: is drug item k told as one the patient takes now, a
 * pronoun and "takes" right before it ("NSAIDs - NO allergy; she takes
 * naproxen", "he takes amoxicillin when needed"), with no reaction told
 * of it?  In an allergy list it is a medicine, evidence against the
 * label beside it, no allergy (allergy75aj). */
static bool
takes_now(const sentence *s, size_t k)
{
	static const char *const who[] = {"she", "he", "pt", "patient"};
	size_t w = s->items[k].w0;

	return w >= 2 && notes__words_at(s, w - 1, "takes") &&
	       notes__words_in(s, w - 2, who, sizeof(who) / sizeof(*who)) &&
	       notes__reaction_of(s, k, true) == NULL;
}

/* reaction_after: is a reaction told anywhere after drug item k in its
 * sentence ("she took Advil last week and got hives")? */
static bool
reaction_after(const sentence *s, size_t k)
{
	for (size_t j = k + 1; j < s->n_items; j++)
		if (s->items[j].e->type == NOTES_T_REACTION)
			return true;
	return false;
}

/* took_lately: is drug item k told as one the patient took lately, a
 * pronoun and "took" right before it and "last" with its week, month or
 * year, or "recently", right after it ("Allergies - says \"NSAIDs fine,
 * I took Nurofen last week\"", "she took Advil last month no problem"),
 * with no reaction told of it?  As with takes_now, in an allergy list
 * it is a medicine, no allergy (allergy75am). */
static bool
took_lately(const sentence *s, size_t k)
{
	static const char *const who[] = {"i", "she", "he", "pt", "patient"};
	static const char *const lately[] = {"last week", "last month",
					     "last year", "recently"};
	size_t w = s->items[k].w0;

	return w >= 2 && notes__words_at(s, w - 1, "took") &&
	       notes__words_in(s, w - 2, who, sizeof(who) / sizeof(*who)) &&
	       notes__phrases_in(s, s->items[k].w1, lately,
				 sizeof(lately) / sizeof(*lately)) &&
	       notes__reaction_of(s, k, true) == NULL && !reaction_after(s, k);
}

bool
notes__taken_here(const sentence *s, size_t k)
{
	if (takes_now(s, k) || took_lately(s, k))
		return true;
	for (size_t m = 0; m <= k; m++)
		if (is_drug(&s->items[m]) &&
		    strcmp(s->items[m].e->code, s->items[k].e->code) == 0 &&
		    taken_for_years(s, m) &&
		    (m == k || notes__reaction_of(s, k, true) == NULL))
			return true;
	return false;
}

bool
notes__taken_still(const sentence *s, size_t k, notes_finding *f)
{
	f->kind = NOTES_MEDICINE;
	f->context =
		notes__context(s, k, false, &f->trigger) & ~NOTES_HISTORICAL;
	if (f->context == 0)
		f->trigger = "";
	return true;
}

/* SWITCH_WORDS: the most words between a switch's verb and the "to"
 * before the drug it moves the patient on to ("switched her to"). */
#define SWITCH_WORDS 3

bool
notes__switched_to(const sentence *s, size_t k)
{
	static const char *const verbs[] = {"switched", "changed", "swapped",
					    "converted", "switch"};
	size_t w = s->items[k].w0;
	size_t from;

	if (w > 1 && notes__dose_form(s->words[w - 1].key))
		w--; /* "switched to IV meropenem" */
	from = w > SWITCH_WORDS + 1 ? w - SWITCH_WORDS - 1 : 0;
	if (w == 0 || s->words[w - 1].han || !notes__words_at(s, w - 1, "to") ||
	    effect_after(s, k))
		return false; /* "switched to co-amoxiclav - hives": its own */
	for (size_t v = from; v + 1 < w; v++)
		if (notes__words_in(s, v, verbs,
				    sizeof(verbs) / sizeof(*verbs)))
			return true;
	return false;
}

/* dash_labelled_zh: is Chinese drug item k followed by a dash and then,
 * in its clause, an allergy cue with only a time, a teller or a doubt
 * before it ("盤尼西林——以前話過敏", "青霉素——曾经过敏")?  The entry names
 * its drug first and, after the dash, when or by whom it was called an
 * allergy (rules75zh24). */
static bool
dash_labelled_zh(const sentence *s, size_t k)
{
	static const char *const dash = "\xe2\x80\x94"; /* — */
	size_t w = s->items[k].w1;
	size_t j = k + 1;

	if (w >= s->n || !s->words[w].han ||
	    memmem(s->text + s->items[k].end,
		   s->words[w].start - s->items[k].end, dash, 3) == NULL)
		return false;
	while (j < s->n_items && (s->items[j].e->type == NOTES_T_HISTORICAL ||
				  s->items[j].e->type == NOTES_T_UNCERTAIN ||
				  s->items[j].e->type == NOTES_T_PSEUDO))
		j++;
	return j < s->n_items && s->items[j].e->type == NOTES_T_ALLERGY_CUE &&
	       strcmp(s->items[j].e->key, "过敏") == 0 &&
	       s->items[j].w0 - w <= REACTION_WORDS + 1 &&
	       !notes__comma_between(s, k, j) && !notes__terminated(s, k, j);
}

bool
notes__dash_labelled(const sentence *s, size_t k)
{
	const item *cue = k + 1 < s->n_items ? &s->items[k + 1] : NULL;
	size_t w = s->items[k].w1;

	if (dash_labelled_zh(s, k))
		return true;
	return cue != NULL && cue->e->type == NOTES_T_ALLERGY_CUE &&
	       (unsigned char)cue->e->key[0] < 0x80 && w < s->n &&
	       notes__between_has(s, s->items[k].end, s->words[w].start, '-') &&
	       cue->w0 - w <= REACTION_WORDS;
}

/* The most words between a condition and the parenthesis of its drug:
 * its duration ("高血压20年（缬沙坦80mg qd）"). */
#define TREATS_GAP_WORDS 2

/* words_before returns the number of s's words that end before p. */
static size_t
words_before(const sentence *s, const char *p)
{
	size_t w = 0;

	while (w < s->n && s->text + s->words[w].end <= p)
		w++;
	return w;
}

/* treats_current: is drug item k, a past medicine, written in a
 * parenthesis right after a problem (its duration between, no quote)
 * the same words leave current, with
 * no trigger of its own there ("既往：高血压20年（缬沙坦80mg qd）")?  The
 * drug is that condition's treatment and goes on as it does; it is
 * taken. */
static bool
treats_current(const sentence *s, size_t k, const notes_finding *f)
{
	const char *close, *open, *trigger;
	size_t p = k;

	if (f->kind != NOTES_MEDICINE || f->context != NOTES_HISTORICAL)
		return false;
	open = notes__paren_open(s, k, &close);
	while (open != NULL && p > 0 && s->text + s->items[p - 1].end > open)
		p--;
	if (open == NULL || p == 0 ||
	    s->items[p - 1].e->type != NOTES_T_PROBLEM ||
	    words_before(s, open) - s->items[p - 1].w1 > TREATS_GAP_WORDS ||
	    memchr(s->text + s->items[p - 1].end, '"',
		   (size_t)(open - s->text) - s->items[p - 1].end) != NULL)
		return false;
	for (size_t m = p; m < s->n_items; m++)
		if (s->text + s->items[m].start < close &&
		    notes__is_trigger(s->items[m].e->type))
			return false;
	return notes__context(s, p - 1, false, &trigger) == 0;
}

/* stop_to_come: is medicine f, read as both past and planned, stopped
 * only if something happens ("如肾功能下降需停用利伐沙班", "If she bleeds,
 * stop aspirin")?  A conditional stop, as a stop weighed (考虑停用), leaves
 * the drug taken now. */
static bool
stop_to_come(const sentence *s, const notes_finding *f)
{
	if (f->kind != NOTES_MEDICINE ||
	    f->context != (NOTES_HISTORICAL | NOTES_HYPOTHETICAL))
		return false;
	for (size_t m = 0; m < s->n_items; m++)
		if (s->items[m].e->type == NOTES_T_HISTORICAL &&
		    (s->items[m].e->dir & NOTES_DIR_STOP))
			return true;
	return false;
}

/* dose_changed_zh: is Chinese medicine f, read as planned, a drug whose
 * dose its clause changes ("华法林由3mg调整为3.375mg", "如出现低血糖，格列
 * 齐特减量")?  A plan changes the dose of a drug the patient takes. */
static bool
dose_changed_zh(const sentence *s, size_t k, const notes_finding *f)
{
	static const char *const change[] = {"减量", "加量", "减半", "调整为",
					     "增至", "减至", "加至"};
	size_t from, to;

	if (f->kind != NOTES_MEDICINE || f->context != NOTES_HYPOTHETICAL ||
	    !s->words[s->items[k].w0].han)
		return false;
	notes__clause_words(s, k, &from, &to);
	to = notes__drug_bound(s, k) < to ? notes__drug_bound(s, k) : to;
	return notes__words_any(s, s->items[k].w1, to, change,
				sizeof(change) / sizeof(*change));
}

/* answer_marks: the bytes from i past the marks between a question and
 * its answer (spaces, "-", ">", an em or an en dash). */
static size_t
answer_marks(const char *t, size_t i, size_t len)
{
	for (;;) {
		if (i < len && strchr(" \t->", t[i]) != NULL)
			i++;
		else if (i + 3 <= len &&
			 (memcmp(t + i, "\xe2\x80\x94", 3) == 0 ||
			  memcmp(t + i, "\xe2\x80\x93", 3) == 0))
			i += 3;
		else
			return i;
	}
}

/* question_after: the offset of the question mark that asks about drug
 * item k, right after it or after a few words of its own clause ("Given
 * cefuroxime as prophylaxis pre-op? - NO", "Enoxaparin 40 mg sc tonight
 * as bridging? No"), or 0: no stop, comma, colon, bracket, spaced dash,
 * table bar or other item comes between ("clopidogrel - hold 5 days? -> NO"
 * asks about the hold). */
static size_t
question_after(const sentence *s, size_t k)
{
	const char *t = s->text;
	size_t i = s->items[k].end, stop = i + 48;
	uint32_t next = k + 1 < s->n_items ? s->items[k + 1].start : UINT32_MAX;

	for (; i < s->text_len && i < stop && i < next; i++) {
		if (t[i] == '?')
			return i;
		if (strchr(",;:()|\n", t[i]) != NULL ||
		    (t[i] == '-' && i > 0 && t[i - 1] == ' ') ||
		    (t[i] == '.' && i + 1 < s->text_len && t[i + 1] == ' '))
			return 0;
	}
	return 0;
}

/* declined_answer: is English drug item k asked about with a question
 * mark right after it and answered "no" ("Rx: IV prochlorperazine? ->
 * NO, ...", "add hydrochlorothiazide? no", "consider theophylline? -
 * no")?  The writer weighed giving the drug and decided against it:
 * negated (issue 75, medctx75g).  A question about a drug the patient
 * has, the word before the drug says so ("Hold aspirin? - NO",
 * "Continue gliclazide? - no", "he takes rifampicin? - NO", "restart
 * desogestrel? - no", "now on febuxostat? - no", "Current meds:
 * Microgynon? No - she stopped the pill", "depression with keppra
 * initially? No"), answers what is done
 * with it, not whether it is given, and is left to the other rules. */
static bool
declined_answer(const sentence *s, size_t k, const notes_finding *f)
{
	static const char *const of_taken[] = {
		"hold",	       "continue",  "cont",   "stop",	 "restart",
		"resume",      "on",	    "taking", "takes",	 "take",
		"withhold",    "increase",  "reduce", "wean",	 "to",
		"of",	       "likely",    "also",   "started", "meds",
		"medications", "medicines", "with"};
	static const char *const route[] = {"iv", "po", "oral", "sc", "im"};
	const char *t = s->text;
	size_t len = s->text_len, i, w = s->items[k].w0;

	if (f->kind != NOTES_MEDICINE || (f->context & NOTES_NEGATED) ||
	    s->words[w].han || (i = question_after(s, k)) == 0)
		return false;
	while (i < len && t[i] == '?')
		i++;
	i = answer_marks(t, i, len);
	if (i + 2 > len || strncasecmp(t + i, "no", 2) != 0 ||
	    (i + 2 < len && isalpha((unsigned char)t[i + 2])))
		return false;
	while (w > 0 && notes__words_any(s, w - 1, w, route,
					 sizeof(route) / sizeof(*route)))
		w--;
	return w == 0 ||
	       !notes__words_any(s, w - 1, w, of_taken,
				 sizeof(of_taken) / sizeof(*of_taken));
}

void
notes__treatment_context(const sentence *s, size_t k, notes_finding *f)
{
	if (treats_current(s, k, f) || stop_to_come(s, f) ||
	    dose_changed_zh(s, k, f)) {
		f->context = 0;
		f->trigger = "";
	}
	if (declined_answer(s, k, f)) {
		f->context = NOTES_NEGATED;
		f->trigger = "no";
	}
}

/* given_tolerated: is drug item k followed by the participle that gives
 * it and then told tolerated, its entry naming no reaction ("- Klacid
 * given 2021 admission – tolerated.", allergy75tq, zh-dev88)?  "the
 * atorvastatin gave him aches" and "(Stemetil) - given by a GP in 2025;
 * his tremor got worse" stay entries. */
static bool
given_tolerated(const sentence *s, size_t k)
{
	static const char *const given[] = {"given", "used", "received",
					    "administered"};
	const item *d = &s->items[k];

	if (d->w1 >= s->n || !notes__words_in(s, d->w1, given, N_OF(given)) ||
	    !notes__names_no_reaction(s))
		return false;
	for (size_t j = k + 1; j < s->n_items; j++)
		if (s->items[j].e->type == NOTES_T_TOLERATED)
			return true;
	return false;
}

/* chosen_instead: is drug item k followed by a word that says it was
 * chosen in the allergens' place, its sentence naming no reaction
 * ("Ibuprofen - gastric pain, she avoids. Hence Inj. Ceftriaxone
 * chosen.", allergy75ue, en-dev92)? */
static bool
chosen_instead(const sentence *s, size_t k)
{
	static const char *const chosen[] = {"chosen", "preferred", "selected"};
	size_t w = s->items[k].w1;

	return w < s->n && notes__words_in(s, w, chosen, N_OF(chosen)) &&
	       notes__names_no_reaction(s);
}

/* given_in_list: is drug item k, under an allergy heading, written right
 * after a verb that gives it ("anaesthetist used teicoplanin +
 * metronidazole", "received clindamycin") or after "OK with" ("Avoids
 * all NSAIDs, OK with paracetamol", allergy75rn), or joined by "+", ","
 * or "and" to a drug so given?  It is the drug given in the allergen's
 * place, no entry of the list (allergy75cd); so is one given and
 * tolerated (given_tolerated) or chosen (chosen_instead). */
static bool
given_in_list(const sentence *s, size_t k)
{
	static const char *const gave[] = {"used", "gave", "given", "received",
					   "administered"};
	static const char *const fine[] = {"ok with", "okay with", "fine with",
					   "ok with plain", "fine with plain"};
	static const char *const joiner[] = {"and"};
	const item *d = &s->items[k];

	if (d->w0 >= 1 && notes__words_in(s, d->w0 - 1, gave, N_OF(gave)))
		return true;
	if (given_tolerated(s, k) || chosen_instead(s, k))
		return true;
	if (notes__phrase_before(s, d->w0, fine, N_OF(fine)) > 0)
		return true;
	if (k == 0 || !is_drug(d - 1))
		return false;
	if (!notes__only_marks(s->text, d[-1].end, d->start, "+,") &&
	    !(d->w0 == d[-1].w1 + 1 &&
	      notes__words_in(s, d[-1].w1, joiner, N_OF(joiner))))
		return false;
	return given_in_list(s, k - 1);
}

bool
notes__listed_allergen(const sentence *s, size_t k, bool drug)
{
	return s->allergy_list && !notes__currently_on(s, k) &&
	       !(drug && (notes__declined_in_list(s, k) ||
			  notes__replaced_by(s, k) || given_in_list(s, k)));
}

const item *
notes__effect_of(const sentence *s, size_t k)
{
	const item *effect = notes__caused_by(s, k);

	if (effect == NULL)
		effect = notes__lay_effect(s, k) ? notes__lay_effect(s, k)
						 : notes__blamed_on(s, k);
	return effect != NULL && notes__pressure_raised(effect) ? NULL : effect;
}

/* eased_after: what a course's days may be followed by, after 后, when
 * the course eased the illness ("抗感染7天后好转", "口服14天后好转"). */
static const char *const eased_after[] = {"好转", "缓解", "痊愈", "消退",
					  "改善"};

/* days_at: is word w the number of a course written in days or hours
 * ("5天", "共4日", "24小时", "7天后好转": the days it took to ease), not
 * a day of one ("第2天"), a rate ("每3天"), a hold's length ("术前停48小
 * 时") or a time to come or gone ("3天后", "2天前")? */
static bool
days_at(const sentence *s, size_t w)
{
	static const char *const unit[] = {"天", "日", "小时"};
	static const char *const not_before[] = {"第", "每", "近", "停"};
	static const char *const not_after[] = {"后", "前", "内", "以"};
	size_t u;

	/* a regimen of weeks ("双抗21天") goes on */
	if (!notes__is_number(s->words[w].key) || strlen(s->words[w].key) > 2 ||
	    w + 1 >= s->n ||
	    !notes__words_in(s, w + 1, unit, sizeof(unit) / sizeof(*unit)) ||
	    (!notes__words_at(s, w + 1, "小时") &&
	     notes__atoi_small(s->words[w].key) > 14))
		return false;
	if (w > 0 && notes__words_in(s, w - 1, not_before,
				     sizeof(not_before) / sizeof(*not_before)))
		return false;
	u = w + (notes__words_at(s, w + 1, "小时") ? 3 : 2);
	return u >= s->n ||
	       !notes__words_in(s, u, not_after,
				sizeof(not_after) / sizeof(*not_after)) ||
	       (notes__words_at(s, u, "后") && u + 1 < s->n &&
		notes__words_in(s, u + 1, eased_after,
				sizeof(eased_after) / sizeof(*eased_after)));
}

/* course_done returns the word that gives drug item k of a Chinese
 * sentence a course of days in its clause ("予头孢呋辛1.5g ivgtt bid
 * 5天", "自服头孢呋辛2天无好转", "头孢呋辛联合甲硝唑静滴抗感染3天"), or
 * NULL: a course given in days is over, the drug a past one. */
static const char *
course_done(const sentence *s, size_t k)
{
	if (!s->words[s->items[k].w0].han)
		return NULL;
	for (size_t w = s->items[k].w1; w < s->n; w++) {
		const char *key = s->words[w].key;

		if (strcmp(key, "\xef\xbc\x8c") == 0 || strcmp(key, ";") == 0)
			return NULL;
		/* "胺碘酮继续维持24小时": continued, not over */
		if (notes__words_at(s, w, "继续") ||
		    notes__words_at(s, w, "维持"))
			return NULL;
		if (days_at(s, w))
			return s->words[w + 1].key;
	}
	return NULL;
}

/* numbered_lead: is there nothing before sentence s on its line but
 * spaces, a bullet or a list number ("- ", "3. ", "(2) ")?  The list
 * number may end the sentence before, as "3." does. */
static bool
numbered_lead(const sentence *s)
{
	const char *p = s->text + s->words[0].start;

	while (p > s->text && p[-1] != '\0' &&
	       strchr(" \t-*()0123456789.\xe2\x80\xa2", p[-1]) != NULL)
		p--;
	return p == s->text || p[-1] == '\n';
}

/* numbered_line: does s open its line after a list number that ended
 * the sentence before ("3. 地塞米松注射液 5mg iv qd × 3天": "3." is read
 * as a stop)? */
static bool
numbered_line(const sentence *s)
{
	const char *p = s->text + s->words[0].start;

	while (p > s->text && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	if (p == s->text || p[-1] != '.')
		return false;
	p--;
	return p > s->text && isdigit((unsigned char)p[-1]) && numbered_lead(s);
}

/* prescribed_line_zh: does Chinese drug item k open a numbered line of
 * its own ("2.克林霉素0.3g tid口服5天", "3. 地塞米松注射液 5mg iv qd × 3天")?
 * That is an order as a prescription writes it, drug first, its days the course
 * to take, not a course over ("予头孢呋辛1.5g ivgtt bid 5天" tells one). */
static bool
prescribed_line_zh(const sentence *s, size_t k)
{
	static const char *const marks[] = {".", "\u3001", "\uff0e", ")",
					    "\uff09"};
	uint32_t from, to;

	if (k == 0 && s->items[0].w0 == 0)
		return numbered_line(s);
	if (k != 0 || s->items[0].w0 != 1 ||
	    !notes__is_number(s->words[0].key) || notes__line_lead(s) == NULL)
		return false;
	from = s->words[0].end;
	to = s->words[1].start;
	while (to > from && s->text[to - 1] == ' ')
		to--; /* "3. 地塞米松注射液 5mg iv qd × 3天" */
	for (size_t i = 0; i < sizeof(marks) / sizeof(*marks); i++)
		if (to - from == strlen(marks[i]) &&
		    memcmp(s->text + from, marks[i], to - from) == 0)
			return true;
	return false;
}

/* year_first_zh: the word after the year that opens Chinese sentence s
 * at its line's start, past a list mark ("- 2018年梅毒，苄星青霉素治疗3
 * 次", "3. 1992年患肺结核", "(2) 2010年…"), or 0 when no year opens it. */
static size_t
year_first_zh(const sentence *s)
{
	static const char *const marks[] = {"(", ")",	   "\uff08", "\uff09",
					    ".", "\u3001", "\uff0e"};
	size_t w = 0;

	while (w < 4 && w < s->n &&
	       ((notes__is_number(s->words[w].key) &&
		 strlen(s->words[w].key) <= 2) ||
		notes__among(s->words[w].key, marks,
			     sizeof(marks) / sizeof(*marks))))
		w++;
	if (w + 1 >= s->n || !notes__is_year(s->words[w].key) ||
	    !notes__words_at(s, w + 1, "\u5e74"))
		return 0;
	return numbered_lead(s) ? w + 1 : 0;
}

/* year_led_zh: is Chinese drug item k told in a line a past year opens,
 * a history's item ("- 2020年肺结核，规律抗结核治疗6个月（异烟肼、利福
 * 平），治愈", "2023年 chlamydia，食 azithromycin 1g")?  The year dates
 * the course as over, as the writers annotate it (medctx75c: 35 drugs in
 * such lines historical, 6 not); a drug taken since or now is not ("此
 * 后服阿司匹林", "2018年起服氯氮平", "现仅服"), nor one with a dosing
 * frequency after it, an order still taken ("吃氯吡格雷 75mg qd"). */
static bool
year_led_zh(const sentence *s, size_t k)
{
	static const char *const since[] = {
		"\u5e74\u8d77", "\u6708\u8d77", "\u5f00\u59cb", "\u81f3\u4eca",
		"\u76ee\u524d", "\u73b0\u5728", "\u73b0\u4ec5", "\u73b0\u670d",
		"\u73b0\u7528", "\u7ee7\u7eed", "\u6b64\u540e", "\u4e4b\u540e",
		"\u4ee5\u540e", "\u52a0\u7528", "\u957f\u671f", "\u7ef4\u6301"};
	static const char *const often[] = {
		"qd", "bid", "tid", "qid", "qn", "qod", "daily", "nocte", "qw"};
	size_t first = year_first_zh(s), from, to;

	if (first == 0 || notes__words_any(s, first, s->n, since,
					   sizeof(since) / sizeof(*since)))
		return false;
	notes__clause_words(s, k, &from, &to);
	return !notes__words_any(s, s->items[k].w1, to, often,
				 sizeof(often) / sizeof(*often));
}

/* The words a course finished may hold between its verb and its drug
 * ("completed 6 months of rivaroxaban", "completed a course of treatment
 * (rifampicin, isoniazid)"), besides numbers and other drugs. */
static const char *const course_words[] = {
	"a",	     "the",	"full",	 "his",	 "her",	 "course", "of",
	"treatment", "therapy", "day",	 "days", "week", "weeks",  "month",
	"months",    "year",	"years", "and",	 "with", "oral",   "iv"};

/* FINISHED_WORDS: the most words between a course's finishing verb and
 * its drug, other drugs aside ("completed 6 months of treatment (...)"). */
#define FINISHED_WORDS 6

/* finished_verb: is word w "completed" or "finished", told as done: not
 * "not completed", "never finished" or "yet to be completed"? */
static bool
finished_verb(const sentence *s, size_t w)
{
	static const char *const undone[] = {"not",   "never", "be",  "yet",
					     "until", "once",  "when"};

	if (!notes__words_at(s, w, "completed") &&
	    !notes__words_at(s, w, "finished"))
		return false;
	return w == 0 || !notes__words_in(s, w - 1, undone,
					  sizeof(undone) / sizeof(*undone));
}

/* verb_closed: does a comma, colon or closing bracket end the clause
 * right after finishing verb w ("prednisone burst (finished),
 * azithromycin", "Intensive phase completed: rifampicin")?  The drugs
 * after it are then not the course it finished. */
static bool
verb_closed(const sentence *s, size_t w)
{
	uint32_t from = s->words[w].end, to = s->words[w + 1].start;

	return notes__between_has(s, from, to, ',') ||
	       notes__between_has(s, from, to, ':') ||
	       notes__between_has(s, from, to, ')');
}

/* drug_item_at: the item of another substance that holds word w, or
 * SIZE_MAX when none does. */
static size_t
drug_item_at(const sentence *s, size_t w)
{
	for (size_t j = 0; j < s->n_items; j++)
		if (s->items[j].w0 <= w && w < s->items[j].w1 &&
		    s->items[j].e->type == NOTES_T_SUBSTANCE)
			return j;
	return SIZE_MAX;
}

/* finished_before: is English drug item k written after "completed" or
 * "finished" in its sentence part, with only a course's words and other
 * drugs between ("DVT 2019 - completed 3 months of rivaroxaban", "(finished
 * apixaban)")?  The course is over: a past medicine, as a course finished
 * after its drug ("course completed") is. */
static bool
finished_before(const sentence *s, size_t k)
{
	size_t w = s->items[k].w0, n = 0;

	if (s->words[w].han)
		return false;
	while (w > 0 && n <= FINISHED_WORDS) {
		size_t j = drug_item_at(s, --w);

		if (notes__part_ends(s, s->words[w].end, s->words[w + 1].start))
			return false;
		if (j != SIZE_MAX) {
			w = s->items[j].w0;
			continue;
		}
		if (finished_verb(s, w))
			return !verb_closed(s, w);
		if (!notes__is_number(s->words[w].key) &&
		    !notes__words_in(s, w, course_words,
				     sizeof(course_words) /
					     sizeof(*course_words)))
			return false;
		n++;
	}
	return false;
}

/* The clause marks of Chinese text: the scanner keeps the full-width
 * comma and semicolon as words of their own, and drops the rest. */
static const char *const clause_marks_zh[] = {"\xef\xbc\x8c", "\xef\xbc\x9b",
					      "\xe3\x80\x82", ",", ";"};
#define N_CLAUSE_MARKS_ZH (sizeof(clause_marks_zh) / sizeof(*clause_marks_zh))

/* clause_gap_zh: does a clause mark (，；。 or an ASCII comma or
 * semicolon) stand at word w + 1 or in the text between words w and
 * w + 1? */
static bool
clause_gap_zh(const sentence *s, size_t w)
{
	uint32_t from = s->words[w].end, to = s->words[w + 1].start;

	if (notes__among(s->words[w + 1].key, clause_marks_zh,
			 N_CLAUSE_MARKS_ZH))
		return true;
	for (size_t m = 0; m < N_CLAUSE_MARKS_ZH; m++)
		if (to > from &&
		    memmem(s->text + from, to - from, clause_marks_zh[m],
			   strlen(clause_marks_zh[m])) != NULL)
			return true;
	return false;
}

/* given_in_clause_zh: is a verb of giving or taking (予, 给予, 服, 用)
 * written before drug item k in its clause, other drugs of a chain
 * between ("予地塞米松5mg静推、苯海拉明肌注")? */
static bool
given_in_clause_zh(const sentence *s, size_t k)
{
	static const char *const give[] = {"予", "给予", "給予", "服", "用"};

	for (size_t w = s->items[k].w0; w-- > 0;) {
		if (clause_gap_zh(s, w))
			return false;
		if (notes__words_in(s, w, give, sizeof(give) / sizeof(*give)))
			return true;
	}
	return false;
}

/* eased_in_clause_zh: is "后" (後) and an easing written after drug item
 * k in its clause ("予地西泮后缓解", "服 Colchicine 0.5mg bd 3 日後好
 * 轉", "抗感染7天后好转")? */
static bool
eased_in_clause_zh(const sentence *s, size_t k)
{
	static const char *const after[] = {"后", "後"};
	static const char *const eased[] = {"缓解", "緩解", "好转", "好轉",
					    "消退", "改善", "纠正", "糾正"};

	for (size_t w = s->items[k].w1; w + 1 < s->n; w++) {
		if (clause_gap_zh(s, w - 1))
			return false;
		if (notes__words_in(s, w, after, 2) && !clause_gap_zh(s, w) &&
		    notes__words_in(s, w + 1, eased,
				    sizeof(eased) / sizeof(*eased)))
			return true;
	}
	return false;
}

/* clock_at: does text p write a clock time, digits a colon and two
 * digits ("11:30", "02:00")? */
static bool
clock_at(const char *p)
{
	return isdigit((unsigned char)p[0]) && p[1] == ':' &&
	       isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3]);
}

/* told_today_zh: does the line of Chinese sentence s, up to its end,
 * tell today's shift, a clock time ("11:30 患者诉恶心", "10:15 开始蔗糖
 * 铁静滴。…") or a word for today or last night (今日, 凌晨, 夜间), or a
 * drug given on (继续, 逐日减量)?  A nurse's "予昂丹司琼4mg静推后缓解"
 * of this shift is the drug given now, affirmed by the writers who wrote
 * it (medpast75a: 7 drugs of 6 sets). */
static bool
told_today_zh(const sentence *s)
{
	static const char *const today[] = {"今日", "今晨", "今天", "凌晨",
					    "夜间", "昨夜", "昨晚", "继续",
					    "逐日", "减量"};
	const char *end = s->text + s->words[s->n - 1].end;
	const char *p = s->text + s->words[0].start;

	while (p > s->text && p[-1] != '\n' && p[-1] != '\0')
		p--;
	for (; p + 3 < end; p++)
		if (clock_at(p))
			return true;
	return notes__words_any(s, 0, s->n, today,
				sizeof(today) / sizeof(*today));
}

/* eased_remedy_zh: is Chinese drug item k given and told as having eased
 * what it was given for, in its clause ("入科第3天出现酒精戒断症状，予地
 * 西泮后缓解", "予肾上腺素肌注、地塞米松10mg静推后好转")?  A course or a
 * dose done, the drug a past one, as the writers of 10 dev sets annotate
 * it (medpast75a: 19 such drugs read affirmed wanted historical, 4
 * wanted affirmed); not when the sentence tells today's shift. */
static bool
eased_remedy_zh(const sentence *s, size_t k)
{
	return given_in_clause_zh(s, k) && eased_in_clause_zh(s, k) &&
	       !told_today_zh(s);
}

/* course_length_at: does word w open the length of a course in days or
 * weeks ("for 7 days", "for 2 weeks", "x 5 days", "5/7", "2/52")? */
static bool
course_length_at(const sentence *s, size_t w)
{
	static const char *const units[] = {"day", "days", "week", "weeks"};
	static const char *const lead[] = {"for", "x"};
	const char *after;

	if (notes__words_in(s, w, lead, sizeof(lead) / sizeof(*lead)))
		w++;
	if (w >= s->n || !notes__is_number(s->words[w].key))
		return false;
	after = s->text + s->words[w].end;
	if (*after == '/')
		return w + 1 < s->n && (notes__words_at(s, w + 1, "7") ||
					notes__words_at(s, w + 1, "52"));
	return w + 1 < s->n &&
	       notes__words_in(s, w + 1, units, sizeof(units) / sizeof(*units));
}

/* given_course_en: is English drug item k a course the note tells as
 * given, "gave" before it in its sentence and the course's length after
 * it, before the next drug ("the GP gave doxycycline 100 mg bd for 2
 * weeks", "We gave ciprofloxacin 750mg bd for 14 days", "GP gave
 * flucloxacillin 5/7")?  A course given for its days is over, the drug
 * a past one (en-dev15, t32e, en-dev43, en-dev48); a dose given with no
 * course ("Crew gave aspirin 300mg") is taken, as eight writers read it. */
static bool
given_course_en(const sentence *s, size_t k)
{
	size_t w0 = s->items[k].w0, end = s->n;
	bool gave = false;

	if (s->words[w0].han)
		return false;
	for (size_t w = 0; w < w0; w++)
		gave |= notes__words_at(s, w, "gave");
	for (size_t m = k + 1; m < s->n_items; m++)
		if (is_drug(&s->items[m])) {
			end = s->items[m].w0;
			break;
		}
	for (size_t w = s->items[k].w1; gave && w < end; w++) {
		if (notes__words_at(s, w, ";"))
			return false;
		if (course_length_at(s, w))
			return true;
	}
	return false;
}

void
notes__course_context(const sentence *s, size_t k, notes_finding *f)
{
	if (f->kind != NOTES_MEDICINE || f->context != 0)
		return;
	if (course_done(s, k) && !prescribed_line_zh(s, k)) {
		f->context = NOTES_HISTORICAL;
		f->trigger = course_done(s, k);
	} else if (drug_dated(s, k)) {
		f->context = NOTES_HISTORICAL;
		f->trigger = "dated";
	} else if (year_led_zh(s, k)) {
		f->context = NOTES_HISTORICAL;
		f->trigger = "year_led";
	} else if (given_course_en(s, k)) {
		f->context = NOTES_HISTORICAL;
		f->trigger = "gave";
	} else if (finished_before(s, k)) {
		f->context = NOTES_HISTORICAL;
		f->trigger = "completed";
	} else if (eased_remedy_zh(s, k)) {
		f->context = NOTES_HISTORICAL;
		f->trigger = "eased";
	}
}

/* premedicated_zh: is Chinese drug item k given ahead of a transfusion
 * or an infusion, right after the words that say so ("输前用异丙嗪后未再
 * 发生", "输血前予苯海拉明")?  It is a premedication against a known
 * reaction, as "premedicated w/" is in English, not its cause
 * (rules75zh24). */
static bool
premedicated_zh(const sentence *s, size_t k)
{
	static const char *const before[] = {
		"输前用",   "输前予",	"输前给予", "输注前用", "输注前予",
		"输血前用", "输血前予", "输液前用", "预先用",	"预先给予",
	};
	static const char *const ahead[] = {"预处理", "预防用药"};
	static const char *const give[] = {"予", "给予", "用"};
	static const char *const marks[] = {"，", "；", "。", ",", ";"};
	size_t w0 = s->items[k].w0, from = w0, to = s->items[k].w1;

	if (notes__words_end_at(s, w0, before,
				sizeof(before) / sizeof(*before)))
		return true;
	/* "再次置换前予地塞米松5mg静推、异丙嗪25mg肌注预处理": the clause,
	 * the drugs it lists included, gives them and says they premedicate
	 * (allergy75kp) */
	while (from > 0 && !notes__words_in(s, from - 1, marks, N_OF(marks)))
		from--;
	while (to < s->n && !notes__words_in(s, to, marks, N_OF(marks)))
		to++;
	return notes__words_any(s, s->items[k].w1, to, ahead, N_OF(ahead)) &&
	       notes__words_any(s, from, w0, give, N_OF(give));
}

/* treated_then_zh: is Chinese drug item k given "at the time" in the
 * clause after a reaction, a verb of giving before it in its clause
 * ("全身起风团、喉咙发紧，当时诊所用了地塞米松", "出现皮疹，随即予氯雷他定")?
 * The drug treated the reaction, as "treated at the time with" says in
 * English, not its cause; a reaction told after the drug ("当时用了阿莫西
 * 林后出疹") is the drug's own (rules75zh25). */
static bool
treated_then_zh(const sentence *s, size_t k)
{
	static const char *const then[] = {"当时", "当场", "随即", "立即"};
	static const char *const give[] = {"用", "予", "给", "打", "注射"};
	size_t from, to, w0 = s->items[k].w0;

	notes__clause_words(s, k, &from, &to);
	if (w0 == 0 || !s->words[w0 - 1].han ||
	    (s->items[k].w1 < s->n && notes__words_at(s, s->items[k].w1, "后")))
		return false;
	if (!notes__words_any(s, from, w0, then,
			      sizeof(then) / sizeof(*then)) ||
	    !notes__words_any(s, from, w0, give, sizeof(give) / sizeof(*give)))
		return false;
	for (size_t m = k; m-- > 0;) {
		if (is_drug(&s->items[m]))
			return false;
		if (s->items[m].e->type == NOTES_T_REACTION)
			return s->items[m].w1 <= from;
	}
	return false;
}

/* it_eased: do the words from w say that "it" eased, the reaction told
 * before the drug ("given promethazine and it settled", "which
 * resolved")? */
static bool
it_eased(const sentence *s, size_t w, const char *const *eased, size_t n)
{
	static const char *const it[] = {"it", "this", "which"};

	if (w < s->n && notes__words_at(s, w, "and"))
		w++;
	return w + 1 < s->n && notes__words_in(s, w, it, 3) &&
	       notes__words_in(s, w + 1, eased, n);
}

/* given_before: is a give word at most four words before drug item k,
 * or before the drug joined to it by "and" ("gave chlorphenamine and a
 * 5-day prednisolone course")?  Both drugs of the pair are given. */
static bool
given_before(const sentence *s, size_t k, const char *const *give, size_t n)
{
	size_t w0 = s->items[k].w0, p0, p1;

	if (notes__any_in(s, w0 > 4 ? w0 - 4 : 0, w0, give, n))
		return true;
	if (k == 0 || !is_drug(&s->items[k - 1]) ||
	    notes__terminated(s, k - 1, k))
		return false;
	p0 = s->items[k - 1].w0;
	p1 = s->items[k - 1].w1;
	if (w0 - p1 > 4 ||
	    !notes__any_in(s, p1, w0, (const char *const[]){"and"}, 1))
		return false;
	return notes__any_in(s, p0 > 4 ? p0 - 4 : 0, p0, give, n);
}

/* given_then_eased: is English drug item k given ("was given an
 * antihistamine (chlorphenamine) and the rash settled in 3 days", "gave
 * cetirizine and the hives cleared") with a reaction written after it
 * in its clause that eases?  The drug is what eased it, not its cause:
 * a cause's reaction comes on ("given amoxicillin and the rash started"),
 * it does not settle. */
static bool
given_then_eased(const sentence *s, size_t k)
{
	static const char *const give[] = {"given", "gave", "received"};
	static const char *const eased[] = {"faded",   "settled",  "resolved",
					    "cleared", "improved", "subsided"};
	if (!given_before(s, k, give, sizeof(give) / sizeof(*give)))
		return false;
	if (it_eased(s, notes__past_dose(s, s->items[k].w1), eased,
		     sizeof(eased) / sizeof(*eased)))
		return true;
	for (size_t j = k + 1; j < s->n_items; j++) {
		const item *it = &s->items[j];

		if (is_drug(it) || notes__terminated(s, k, j))
			return false;
		if (it->e->type == NOTES_T_REACTION)
			return it->w1 < s->n &&
			       notes__words_in(s, it->w1, eased,
					       sizeof(eased) / sizeof(*eased));
	}
	return false;
}

/* treated_through_zh: is Chinese drug item k one that a reaction was
 * treated through ("经肾上腺素及地塞米松治疗好转": 经 before it in its
 * clause, 治疗 and an easing right after it or after the drugs joined
 * to it)?  The drugs that eased the reaction are its remedy, not its
 * cause. */
static bool
treated_through_zh(const sentence *s, size_t k)
{
	static const char *const joins[] = {"及", "和", "与", "、", "加"};
	static const char *const heals[] = {"好转", "缓解", "消退",
					    "消失", "好轉", "緩解"};
	size_t from, to, j = k, w;

	notes__clause_words(s, k, &from, &to);
	if (!notes__any_in(s, from, s->items[k].w0, (const char *const[]){"经"},
			   1))
		return false;
	while (j + 1 < s->n_items && is_drug(&s->items[j + 1]) &&
	       s->items[j + 1].w0 == s->items[j].w1 + 1 &&
	       notes__words_in(s, s->items[j].w1, joins,
			       sizeof(joins) / sizeof(*joins)))
		j++;
	w = s->items[j].w1;
	return notes__words_at(s, w, "治疗") && w + 2 < to &&
	       notes__words_any(s, w + 2, w + 5 < to ? w + 5 : to, heals,
				sizeof(heals) / sizeof(*heals));
}

/* eased_next_clause: is there a reaction in the clause a semicolon
 * closes right before indication item j ("urticarial rash after IV
 * metoclopramide; settled with chlorphenamine 4 mg")?  A remedy word
 * that opens its clause has no subject of its own: what it settles is
 * the reaction told just before. */
static bool
eased_next_clause(const sentence *s, size_t r, size_t j)
{
	return j > 1 && strcmp(s->items[j - 1].e->key, ";") == 0 && r < j - 1 &&
	       !notes__terminated(s, r, j - 1);
}

/* story_after: is a reaction or an allergy cue told after item k in its
 * sentence? */
static bool
story_after(const sentence *s, size_t k)
{
	for (size_t j = k + 1; j < s->n_items; j++)
		if (s->items[j].e->type == NOTES_T_REACTION ||
		    s->items[j].e->type == NOTES_T_ALLERGY_CUE)
			return true;
	return false;
}

/* what_remedied: is item r what remedy cue j after it treats with English
 * drug item k: a reaction, or a problem when k is the first drug after
 * the cue and no reaction or allergy follows it ("fever 39 and bone
 * pains for 2 days - expected, not allergy; managed with paracetamol",
 * allergy75dz)?  A story after the drug makes it the culprit ("UTI
 * treated with nitrofurantoin - rash"). */
static bool
what_remedied(const sentence *s, size_t r, size_t j, size_t k)
{
	notes_type t = s->items[r].e->type;

	if (t == NOTES_T_REACTION)
		return true;
	if (t != NOTES_T_PROBLEM ||
	    (unsigned char)s->text[s->items[k].start] >= 0x80 ||
	    story_after(s, k))
		return false;
	for (size_t m = j + 1; m < k; m++)
		if (is_drug(&s->items[m]))
			return false;
	return true;
}

/* remedy_passed: is another drug named after remedy cue j and a comma
 * written after it before drug item k ("予苯海拉明后缓解，家属要求记录"氟
 * 哌啶醇过敏""): the cue gave that drug, and k is told in a clause of its
 * own (allergy75hr)?  Drugs the cue lists together ("treated with
 * chlorphenamine and hydrocortisone") have no comma past the first. */
static bool
remedy_passed(const sentence *s, size_t j, size_t k)
{
	for (size_t m = j + 1; m < k; m++)
		if (is_drug(&s->items[m]) &&
		    notes__comma_in(s, s->items[m].end, s->items[k].start))
			return true;
	return false;
}

bool
notes__remedy_given(const sentence *s, size_t k)
{
	if (premedicated_zh(s, k) || treated_then_zh(s, k) ||
	    given_then_eased(s, k) || treated_through_zh(s, k))
		return true;
	for (size_t j = 1; j < k; j++) {
		if (s->items[j].e->type != NOTES_T_INDICATION ||
		    notes__terminated(s, j, k) || remedy_passed(s, j, k))
			continue;
		for (size_t r = 0; r < j; r++)
			if (what_remedied(s, r, j, k) &&
			    (!notes__terminated(s, r, j) ||
			     eased_next_clause(s, r, j)))
				return true;
	}
	return false;
}

/* story_item: is it a reaction or an allergy cue, what an allergy's
 * story is told with? */
static bool
story_item(const item *it)
{
	return it->e->type == NOTES_T_REACTION ||
	       it->e->type == NOTES_T_ALLERGY_CUE;
}

/* switched_to: is word w, a "to", the end of a switch ("Change to
 * Augmentin 625 mg", "stepped down to oral co-amoxiclav")?  The drug
 * after it is the one given now, no reaction's cause (issue 75,
 * allergy75hw). */
static bool
switched_to(const sentence *s, size_t w)
{
	static const char *const verbs[] = {
		"change",  "changed", "switch",	   "switched", "swap",
		"swapped", "convert", "converted", "down",     "over"};

	return w > 0 && notes__words_at(s, w, "to") &&
	       notes__words_in(s, w - 1, verbs, N_OF(verbs));
}

/* reaction_linked_before: is drug item k written right after a word
 * that ties a reaction to it ("hives 30 minutes after oral amoxicillin
 * 500mg"), a form or route between? */
static bool
reaction_linked_before(const sentence *s, size_t k)
{
	static const char *const links[] = {"after", "with", "following", "to"};
	size_t w = s->items[k].w0;

	if (w > 1 && notes__dose_form(s->words[w - 1].key))
		w--;
	return w > 0 && notes__words_in(s, w - 1, links, N_OF(links)) &&
	       !switched_to(s, w - 1);
}

bool
notes__remedy_dosed(const sentence *s, size_t k)
{
	bool before = false;

	/* a dose or "prn" after it: "has asthma, Ventolin prn" */
	if (s->items[k].w1 >= s->n ||
	    !(notes__dose_at(s, s->items[k].w1) ||
	      notes__words_at(s, s->items[k].w1, "prn")) ||
	    reaction_linked_before(s, k))
		return false;
	for (size_t j = 0; j < s->n_items; j++) {
		if (j > k && story_item(&s->items[j]))
			return false;
		before = before || (j < k && story_item(&s->items[j]));
	}
	return before;
}

/* dosed_from: do the words from w write a dose, "4.5g" read as the two
 * words "4" and "5g" too? */
static bool
dosed_from(const sentence *s, size_t w)
{
	return notes__past_dose(s, w) > w;
}

bool
notes__dosed_none_known(const sentence *s, size_t k)
{
	bool none = false, later_drug = false;

	if (!dosed_from(s, s->items[k].w1) || reaction_linked_before(s, k))
		return false;
	for (size_t j = 0; j < s->n_items; j++) {
		later_drug = later_drug || (j > k && is_drug(&s->items[j]));
		if (story_item(&s->items[j]) && !later_drug)
			return false;
		none = none ||
		       (j > k && s->items[j].e->type == NOTES_T_NONE_KNOWN);
	}
	return none;
}
