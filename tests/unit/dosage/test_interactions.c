/*
 * test_interactions.c - the interaction knowledge base: the shipped file
 * loads, every refusal of the parser names its line, and the rules fire
 * as they say (pairwise, by class, by group, cumulative, the triple
 * whammy, the window of a dose given, the drug's own substance).
 */
#include "testlib.h"

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "checks.h"

#define NOW  1700000000000LL
#define HOUR (3600LL * 1000)

/* A small base: groups, a pair by substance, by class, a cumulative rule,
 * a three-term rule, a rule with its own window. */
static const char base[] =
	"# test base\n"
	"version,t-1\n"
	"group,qt,clarithromycin;ondansetron;haloperidol;N06AB04,"
	"\"QT source\"\n"
	"group,acearb,C09AA;C09CA,src\n"
	"group,diur,C03,src\n"
	"group,nsaid,M01A,src\n"
	"interaction,P-1,warfarin + clarithromycin,major,inr up,check inr,"
	"\"label, section 7\"\n"
	"interaction,P-2,warfarin + nsaid,major,bleeding,avoid,Phansalkar\n"
	"interaction,P-3,simvastatin + J02AC,contraindicated,myopathy,stop,"
	"label\n"
	"cumulative,C-1,qt >= 2,major,torsades,ecg,CredibleMeds\n"
	"interaction,T-1,acearb + diur + nsaid,major,aki,avoid nsaid,"
	"Lapi 2013\n"
	"interaction,W-1,methotrexate + trimethoprim,moderate,marrow,fbc,"
	"BNF,12\n";

static dosage_ddi_kb *
load(const char *text)
{
	dosage_ddi_kb *kb = NULL;
	char why[256];
	med_err err =
		dosage_ddi_kb_parse(text, strlen(text), "t-1",
				    dosage_ddi_tables(), &kb, why, sizeof(why));

	if (err != MED_OK)
		mt_fail(__FILE__, __LINE__, "parse: %s", why);
	return kb;
}

/* refused: text fails with a reason holding want. */
static void
refused(const char *text, const char *want)
{
	dosage_ddi_kb *kb = NULL;
	char why[256];
	med_err err =
		dosage_ddi_kb_parse(text, strlen(text), "t-1",
				    dosage_ddi_tables(), &kb, why, sizeof(why));

	MT_EQ_INT(err, MED_ERR_INVALID);
	MT_TRUE(kb == NULL);
	if (strstr(why, want) == NULL)
		mt_fail(__FILE__, __LINE__, "\"%s\" lacks \"%s\"", why, want);
}

static void
test_shipped_loads(void)
{
	size_t len;
	const char *text = dosage_ddi_starter(&len);
	char version[80], why[256];
	dosage_ddi_kb *kb = NULL;

	MT_TRUE(dosage_ddi_text_version(text, len, version, sizeof(version)));
	MT_EQ_STR(version, "starter-2026.2");
	if (dosage_ddi_kb_parse(text, len, version, dosage_ddi_tables(), &kb,
				why, sizeof(why)) != MED_OK)
		mt_fail(__FILE__, __LINE__, "shipped: %s", why);
	MT_TRUE(dosage_ddi_kb_n_rules(kb) >= 40);
	MT_TRUE(dosage_ddi_kb_n_groups(kb) >= 10);
	for (size_t i = 0; i < dosage_ddi_kb_n_rules(kb); i++)
		MT_TRUE(dosage_ddi_kb_rule(kb, i)->source[0] != '\0');
	dosage_ddi_kb_free(kb);
}

static void
test_refusals(void)
{
	refused("version,t-1\nfrob,x\n", "line 2: unknown record \"frob\"");
	refused("interaction,A,warfarin + warfarine,major,m,a,s\n",
		"line 1: rule A: unknown substance, class or group "
		"\"warfarine\"");
	refused("interaction,A,warfarin + N99ZZ,major,m,a,s\n",
		"unknown substance, class or group \"N99ZZ\"");
	refused("\n\ninteraction,A,warfarin + aspirin,,m,a,s\n",
		"line 3: rule A: no severity");
	refused("interaction,A,warfarin + aspirin,severe,m,a,s\n",
		"severity \"severe\" is not");
	refused("interaction,A,warfarin + aspirin,major,m,a,\n",
		"line 1: rule A: no source");
	refused("interaction,A,warfarin + aspirin,major,m,,s\n",
		"rule A: no action");
	refused("interaction,A,warfarin + aspirin,major,m,a,s\n"
		"interaction,B,aspirin + warfarin,moderate,m,a,s\n",
		"line 2: rule B duplicates rule A (line 1)");
	refused("interaction,A,warfarin + aspirin,major,m,a,s\n"
		"interaction,A,warfarin + ibuprofen,major,m,a,s\n",
		"line 2: rule id A is used twice (line 1)");
	refused("interaction,A,warfarin,major,m,a,s\n", "at least two terms");
	refused("interaction,A,warfarin + aspirin,major,m,a\n",
		"a rule has 7 or 8 fields");
	refused("interaction,A,warfarin + aspirin,major,m,a,s,0\n",
		"window_h must be");
	refused("group,g,aspirin,s\ncumulative,C,g >= 1,major,m,a,s\n",
		"line 2: rule C: the count must be 2 to 10");
	refused("cumulative,C,nogroup >= 2,major,m,a,s\n",
		"rule C: unknown group \"nogroup\"");
	refused("group,g,aspirin;unobtainium,s\n"
		"interaction,A,g + warfarin,major,m,a,s\n",
		"line 1: group g: unknown substance or ATC class "
		"\"unobtainium\"");
	refused("group,g,aspirin,\ninteraction,A,g + warfarin,major,m,a,s\n",
		"line 1: group g: no source");
	refused("group,g,aspirin,s\ngroup,g,warfarin,s\n"
		"interaction,A,g + heparin,major,m,a,s\n",
		"line 2: group g is defined twice");
	refused("version,other\ninteraction,A,warfarin + aspirin,major,m,a,s\n",
		"line 1: the file says version \"other\"");
	refused("interaction,A,\"warfarin + aspirin,major,m,a,s\n",
		"not valid CSV");
	refused("# nothing\n", "no rules");
	/* A quote open at the end of line 1 and closed on line 2 would make
	 * rule B part of rule A's mechanism: refused, naming line 1. */
	refused("interaction,A,warfarin + aspirin,major,\"bleeding\n"
		"interaction,B,warfarin + ibuprofen,major,m,a,s\",a,s\n",
		"line 1: not valid CSV: a quoted field runs past the end of "
		"its line");
}

/* others - a patient's chart for the evaluation cases. */
static dosage_class_other
order_of(const char *substance)
{
	dosage_class_other o = {.label = substance,
				.order_id = substance,
				.substance = substance};

	return o;
}

static dosage_class_other
given(const char *substance, int64_t t_ms)
{
	dosage_class_other o = order_of(substance);

	o.t_ms = t_ms;
	return o;
}

/* fired evaluates substance s against others and returns the ids fired,
 * joined by ' '. */
static const char *
fired(const dosage_ddi_kb *kb, const char *s, const dosage_class_other *o,
      size_t n)
{
	static char out[256];
	dosage_ddi_hit hits[DOSAGE_DDI_HITS_MAX];
	med_arena *a = med_arena_new(1 << 20);
	size_t n_hits = 0, off = 0;
	const char *subj[] = {s};

	out[0] = '\0';
	MT_OK(dosage_ddi_evaluate(kb, a, subj, 1, o, n, NOW, hits, &n_hits));
	for (size_t i = 0; i < n_hits; i++)
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s",
					i ? " " : "", hits[i].rule->id);
	med_arena_free(a);
	return out;
}

static void
test_pairwise(void)
{
	dosage_ddi_kb *kb = load(base);
	dosage_class_other o[] = {order_of("clarithromycin")};
	dosage_class_other w[] = {order_of("warfarin")};

	MT_EQ_STR(fired(kb, "warfarin", o, 1), "P-1");
	/* Either side may be the drug checked. */
	MT_EQ_STR(fired(kb, "clarithromycin", w, 1), "P-1");
	MT_EQ_STR(fired(kb, "heparin", o, 1), "");
	dosage_ddi_kb_free(kb);
}

static void
test_class_level(void)
{
	dosage_ddi_kb *kb = load(base);
	dosage_class_other nsaid[] = {order_of("naproxen")};
	dosage_class_other azole[] = {order_of("itraconazole")};
	dosage_class_other aspirin[] = {order_of("aspirin")};

	/* A group by ATC class (M01A) and a bare ATC class (J02AC). */
	MT_EQ_STR(fired(kb, "warfarin", nsaid, 1), "P-2");
	MT_EQ_STR(fired(kb, "simvastatin", azole, 1), "P-3");
	/* Aspirin is N02BA, not M01A: not this base's NSAID. */
	MT_EQ_STR(fired(kb, "warfarin", aspirin, 1), "");
	dosage_ddi_kb_free(kb);
}

static void
test_cumulative_qt(void)
{
	dosage_ddi_kb *kb = load(base);
	dosage_class_other one[] = {order_of("haloperidol")};
	dosage_class_other same[] = {order_of("ondansetron")};
	dosage_class_other none[] = {order_of("paracetamol")};

	MT_EQ_STR(fired(kb, "ondansetron", one, 1), "C-1");
	/* Citalopram is in the group by its class N06AB04. */
	MT_EQ_STR(fired(kb, "citalopram", one, 1), "C-1");
	/* Another product of the drug's own substance is no second drug. */
	MT_EQ_STR(fired(kb, "ondansetron", same, 1), "");
	MT_EQ_STR(fired(kb, "ondansetron", none, 1), "");
	dosage_ddi_kb_free(kb);
}

static void
test_triple_whammy(void)
{
	dosage_ddi_kb *kb = load(base);
	dosage_class_other two[] = {order_of("lisinopril"),
				    order_of("furosemide")};
	dosage_class_other arb[] = {order_of("losartan"),
				    order_of("bendroflumethiazide")};
	dosage_class_other one[] = {order_of("lisinopril")};

	MT_EQ_STR(fired(kb, "ibuprofen", two, 2), "T-1");
	MT_EQ_STR(fired(kb, "naproxen", arb, 2), "T-1");
	/* Any of the three may be the drug checked. */
	MT_EQ_STR(fired(kb, "furosemide",
			(dosage_class_other[]){order_of("ibuprofen"),
					       order_of("ramipril")},
			2),
		  "T-1");
	/* The NSAID with an ACE inhibitor alone is not the triple. */
	MT_EQ_STR(fired(kb, "ibuprofen", one, 1), "");
	dosage_ddi_kb_free(kb);
}

static void
test_window(void)
{
	dosage_ddi_kb *kb = load(base);
	dosage_class_other day[] = {given("clarithromycin", NOW - 24 * HOUR)};
	dosage_class_other old[] = {given("clarithromycin", NOW - 49 * HOUR)};
	dosage_class_other w11[] = {given("trimethoprim", NOW - 11 * HOUR)};
	dosage_class_other w13[] = {given("trimethoprim", NOW - 13 * HOUR)};

	/* A dose given yesterday still acts; one 49 h ago is gone. */
	MT_EQ_STR(fired(kb, "warfarin", day, 1), "P-1");
	MT_EQ_STR(fired(kb, "warfarin", old, 1), "");
	/* The rule's own window: 12 h. */
	MT_EQ_STR(fired(kb, "methotrexate", w11, 1), "W-1");
	MT_EQ_STR(fired(kb, "methotrexate", w13, 1), "");
	MT_EQ_INT(dosage_ddi_kb_window_ms(kb), 48 * HOUR);
	dosage_ddi_kb_free(kb);
}

static void
test_worst_first(void)
{
	dosage_ddi_kb *kb = load(base);
	dosage_class_other o[] = {order_of("itraconazole"),
				  order_of("haloperidol"),
				  order_of("clarithromycin")};

	/* Simvastatin is in no QT group: only the contraindication. */
	MT_EQ_STR(fired(kb, "simvastatin", o, 3), "P-3");
	MT_EQ_STR(fired(kb, "ondansetron", o, 3), "C-1");
	dosage_ddi_kb_free(kb);
}

static void
test_shipped_scenarios(void)
{
	size_t len;
	const char *text = dosage_ddi_starter(&len);
	dosage_ddi_kb *kb = NULL;
	char why[256];
	dosage_class_other tmp[] = {order_of("trimethoprim")};
	dosage_class_other qt[] = {order_of("amiodarone")};
	dosage_class_other k[] = {order_of("spironolactone")};
	dosage_class_other ssri[] = {order_of("sertraline")};
	dosage_class_other gtn[] = {order_of("glyceryl trinitrate")};

	MT_OK(dosage_ddi_kb_parse(text, len, "starter-2026.2",
				  dosage_ddi_tables(), &kb, why, sizeof(why)));
	MT_EQ_STR(fired(kb, "methotrexate", tmp, 1), "DDI-011");
	MT_EQ_STR(fired(kb, "levofloxacin", qt, 1), "DDI-020");
	MT_EQ_STR(fired(kb, "potassium chloride", k, 1), "DDI-026 DDI-027");
	MT_EQ_STR(fired(kb, "phenelzine", ssri, 1), "DDI-023 DDI-021");
	MT_EQ_STR(fired(kb, "sildenafil", gtn, 1), "DDI-032");
	dosage_ddi_kb_free(kb);
}

/* edited is base with from replaced by to (once; from must occur). */
static const char *
edited(const char *from, const char *to)
{
	static char buf[sizeof(base) + 512];
	const char *at = strstr(base, from);

	if (at == NULL) {
		mt_fail(__FILE__, __LINE__, "\"%s\" not in the base", from);
		return base;
	}
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - base), base, to,
		 at + strlen(from));
	return buf;
}

/* changes compares text with base: "kind id|kind group:g ..." and, in
 * *weakens, whether it needs a second pharmacist. */
static const char *
changes(const char *old_text, const char *text, bool *weakens)
{
	static char out[1024];
	dosage_ddi_kb *old = old_text ? load(old_text) : NULL;
	dosage_ddi_kb *nw = load(text);
	med_arena *a = med_arena_new(1 << 20);
	dosage_ddi_diff d;
	size_t len = 0;

	out[0] = '\0';
	MT_OK(dosage_ddi_kb_diff(old, nw, a, &d));
	for (size_t i = 0; i < d.n && len < sizeof(out); i++)
		len += (size_t)snprintf(
			out + len, sizeof(out) - len, "%s%s %s%s", i ? " " : "",
			dosage_ddi_change_name(d.items[i].kind),
			d.items[i].group[0] ? "group:" : "",
			d.items[i].group[0] ? d.items[i].group
					    : d.items[i].rule_id);
	*weakens = dosage_ddi_diff_weakens(&d);
	med_arena_free(a);
	dosage_ddi_kb_free(old);
	dosage_ddi_kb_free(nw);
	return out;
}

/* A diff: what the second pharmacist is shown, and what needs one. */
static void
test_diff(void)
{
	bool w = true;

	MT_EQ_STR(changes(base, base, &w), "");
	MT_TRUE(!w);
	/* The attack: a hard stop becomes a warning, or disappears. */
	MT_EQ_STR(changes(base,
			  edited("J02AC,contraindicated", "J02AC,moderate"),
			  &w),
		  "weakened P-3");
	MT_TRUE(w);
	MT_EQ_STR(changes(base,
			  edited("interaction,P-3,simvastatin + J02AC,"
				 "contraindicated,myopathy,stop,label\n",
				 ""),
			  &w),
		  "removed P-3");
	MT_TRUE(w);
	/* Renaming a rule is removing one and adding another. */
	MT_EQ_STR(changes(base, edited("P-3,", "P-33,"), &w),
		  "removed P-3 added P-33");
	MT_TRUE(w);
	/* Terms matched as a set of what they name, not as spelt. */
	MT_EQ_STR(changes(base,
			  edited("warfarin + clarithromycin",
				 "clarithromycin +   warfarin"),
			  &w),
		  "");
	MT_EQ_STR(changes(base,
			  edited("warfarin + clarithromycin",
				 "warfarin + erythromycin"),
			  &w),
		  "changed P-1");
	MT_TRUE(w);
	/* Stronger takes effect at once; weaker in any way does not. */
	MT_EQ_STR(changes(base,
			  edited("marrow,fbc,BNF,12", "marrow,fbc,BNF,72"), &w),
		  "tightened W-1");
	MT_TRUE(!w);
	MT_EQ_STR(changes(base,
			  edited("trimethoprim,moderate", "trimethoprim,major"),
			  &w),
		  "tightened W-1");
	MT_TRUE(!w);
	MT_EQ_STR(changes(base, edited("marrow,fbc,BNF,12", "marrow,fbc,BNF,6"),
			  &w),
		  "weakened W-1");
	MT_TRUE(w);
	MT_EQ_STR(changes(base, edited("qt >= 2", "qt >= 3"), &w),
		  "weakened C-1");
	MT_TRUE(w);
	MT_EQ_STR(changes(base, edited("check inr", "check the INR daily"), &w),
		  "reworded P-1");
	MT_TRUE(!w);
	/* A group is matched by name: members lost weaken every rule
	 * naming it. */
	MT_EQ_STR(changes(base,
			  edited("ondansetron;haloperidol;", "ondansetron;"),
			  &w),
		  "weakened group:qt");
	MT_TRUE(w);
	MT_EQ_STR(changes(base, edited("ondansetron;", "ondansetron;quinine;"),
			  &w),
		  "tightened group:qt");
	MT_TRUE(!w);
	MT_EQ_STR(changes(base,
			  edited("interaction,W-1,",
				 "interaction,N-1,aspirin + warfarin,major,"
				 "bleeding,avoid,src\ninteraction,W-1,"),
			  &w),
		  "added N-1");
	MT_TRUE(!w);
	/* Nothing before: everything is added. */
	MT_EQ_STR(changes(NULL,
			  "interaction,A,warfarin + aspirin,major,m,a,s\n", &w),
		  "added A");
	MT_TRUE(!w);
}

static const mt_case cases[] = {
	{"shipped_loads", test_shipped_loads},
	{"refusals", test_refusals},
	{"pairwise", test_pairwise},
	{"class_level", test_class_level},
	{"cumulative_qt", test_cumulative_qt},
	{"triple_whammy", test_triple_whammy},
	{"window", test_window},
	{"worst_first", test_worst_first},
	{"shipped_scenarios", test_shipped_scenarios},
	{"diff", test_diff},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
