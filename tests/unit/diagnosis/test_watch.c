/*
 * test_watch.c - the PACS watcher's pure part (watch_study.c): which
 * series of a study the change feed announces count as a chest X-ray.
 */
#include "testlib.h"

#include "watch.h"

static void
test_chest_by_body_part(void)
{
	MT_TRUE(watch_looks_chest("DX", "CHEST", "", ""));
	MT_TRUE(watch_looks_chest("CR", "chest", "", ""));
	MT_TRUE(watch_looks_chest("DX", "THORAX", "", ""));
}

static void
test_chest_by_description(void)
{
	MT_TRUE(watch_looks_chest("CR", "", "PA Lung", ""));
	MT_TRUE(watch_looks_chest("DX", "", "", "CXR 2 views"));
	MT_TRUE(watch_looks_chest("DX", NULL, NULL, "Chest PA/LAT"));
}

static void
test_other_modalities_refused(void)
{
	MT_TRUE(!watch_looks_chest("CT", "CHEST", "", ""));
	MT_TRUE(!watch_looks_chest("MR", "CHEST", "", ""));
	MT_TRUE(!watch_looks_chest("", "CHEST", "", ""));
	MT_TRUE(!watch_looks_chest(NULL, "CHEST", "", ""));
}

static void
test_other_body_parts_refused(void)
{
	MT_TRUE(!watch_looks_chest("CR", "HAND", "", ""));
	MT_TRUE(!watch_looks_chest("DX", "ANKLE", "AP", "Ankle trauma"));
	/* Nothing said: an X-ray of anything is not taken on trust. */
	MT_TRUE(!watch_looks_chest("DX", "", "", ""));
}

static const mt_case cases[] = {
	{"chest_by_body_part", test_chest_by_body_part},
	{"chest_by_description", test_chest_by_description},
	{"other_modalities_refused", test_other_modalities_refused},
	{"other_body_parts_refused", test_other_body_parts_refused},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
