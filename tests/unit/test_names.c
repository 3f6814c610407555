/*
 * test_names.c - names as their culture writes them (med/names.h): the
 * display order, the pinyin search key and the search's minimum length.
 */
#include "testlib.h"

#include <med/names.h>

#include <string.h>

static const char *
shown(const char *family, const char *given)
{
	static char out[MED_NAME_DISPLAY_MAX];

	return med_name_display(out, sizeof(out), family, given);
}

static const char *
key(const char *family, const char *given)
{
	static char out[MED_NAME_KEY_MAX];

	MT_TRUE(med_name_key(out, sizeof(out), family, given));
	return out;
}

static void
test_chinese_family_first(void)
{
	MT_EQ_STR(shown("王", "芳"), "王芳");
	MT_EQ_STR(shown("欧阳", "娜娜"), "欧阳娜娜");
	MT_EQ_STR(shown("李", ""), "李");
	MT_EQ_STR(shown("김", "민수"), "김민수");
	MT_EQ_STR(shown("佐々木", "はな"), "佐々木はな");
}

static void
test_western_given_first(void)
{
	MT_EQ_STR(shown("Smith", "Anna Maria"), "Anna Maria Smith");
	MT_EQ_STR(shown("Smith", ""), "Smith");
	MT_EQ_STR(shown("Müller", "Jörg"), "Jörg Müller");
	/* A Chinese name written in pinyin is written the Western way. */
	MT_EQ_STR(shown("Wang", "Fang"), "Fang Wang");
	/* Mixed scripts: not one culture's order. */
	MT_EQ_STR(shown("王", "Fang"), "Fang 王");
}

static void
test_display_cut_at_character(void)
{
	char out[5];

	/* 王 and 芳 are 3 bytes each: the second does not fit in 4. */
	MT_EQ_STR(med_name_display(out, sizeof(out), "王", "芳"), "王");
}

static void
test_pinyin_key(void)
{
	MT_EQ_STR(key("王", "芳"), "wangfang");
	MT_EQ_STR(key("Wang Fang", NULL), "wangfang");
	MT_EQ_STR(key("wang fang", NULL), "wangfang");
	MT_EQ_STR(key("张", "伟"), "zhangwei");
	MT_EQ_STR(key("吕", "布"), "lvbu");
	MT_EQ_STR(key("Lü", NULL), "lv");
	MT_EQ_STR(key("O'Brien-Smith", NULL), "obriensmith");
	MT_EQ_STR(key("Müller", NULL), "mvller");
}

static void
test_pinyin_key_too_small(void)
{
	char out[6];

	MT_TRUE(!med_name_key(out, sizeof(out), "王", "芳"));
	MT_EQ_STR(out, "wangf");
}

static void
test_search_length(void)
{
	MT_TRUE(med_name_search_chars_ok("李"));
	MT_TRUE(med_name_search_chars_ok("王芳"));
	MT_TRUE(med_name_search_chars_ok("Li"));
	MT_TRUE(!med_name_search_chars_ok("L"));
	MT_TRUE(!med_name_search_chars_ok(""));
	MT_TRUE(!med_name_search_chars_ok(NULL));
}

static void
test_full_name_starts(void)
{
	MT_TRUE(med_name_full_starts("王", "芳", "王芳"));
	MT_TRUE(med_name_full_starts("王", "芳", "wang fang"));
	MT_TRUE(med_name_full_starts("王", "芳", "WangFang"));
	MT_TRUE(med_name_full_starts("王", "芳", "wangf"));
	/* Characters match characters: 汪芳 reads wāng fāng too. */
	MT_TRUE(!med_name_full_starts("汪", "芳", "王芳"));
	MT_TRUE(med_name_full_starts("汪", "芳", "wang fang"));
	MT_TRUE(!med_name_full_starts("王", "丽", "王芳"));
	MT_TRUE(!med_name_full_starts("王", "芳", "- '"));
}

static void
test_cjk_script(void)
{
	MT_TRUE(med_name_is_cjk("王"));
	MT_TRUE(med_name_is_cjk("阿依·古丽"));
	MT_TRUE(!med_name_is_cjk("Wang"));
	MT_TRUE(!med_name_is_cjk(""));
	MT_TRUE(!med_name_is_cjk(" "));
	MT_TRUE(med_name_has_han("x王"));
	MT_TRUE(!med_name_has_han("はな"));
}

static const mt_case cases[] = {
	{"chinese_family_first", test_chinese_family_first},
	{"western_given_first", test_western_given_first},
	{"display_cut_at_character", test_display_cut_at_character},
	{"pinyin_key", test_pinyin_key},
	{"pinyin_key_too_small", test_pinyin_key_too_small},
	{"search_length", test_search_length},
	{"full_name_starts", test_full_name_starts},
	{"cjk_script", test_cjk_script},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
