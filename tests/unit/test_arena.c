/*
 * test_arena.c - the per-call arena: alignment, growth, the hard cap, reset.
 */
#include "testlib.h"

#include <med/arena.h>
#include <stdint.h>

static void
test_alloc_aligned(void)
{
	med_arena *a = med_arena_new(1 << 20);

	for (int i = 1; i < 100; i++) {
		void *p = med_arena_alloc(a, (size_t)i);
		MT_TRUE(p != NULL);
		MT_EQ_INT((uintptr_t)p % 16, 0);
	}
	med_arena_free(a);
}

static void
test_cap_enforced(void)
{
	med_arena *a = med_arena_new(10000);

	MT_TRUE(med_arena_alloc(a, 8000) != NULL);
	MT_TRUE(med_arena_alloc(a, 4000) == NULL);
	MT_TRUE(med_arena_alloc(a, 100) != NULL);
	med_arena_free(a);
}

static void
test_large_alloc_grows(void)
{
	med_arena *a = med_arena_new(1 << 24);
	char *p = med_arena_alloc(a, 1 << 20);

	MT_TRUE(p != NULL);
	p[(1 << 20) - 1] = 'x';
	MT_TRUE(med_arena_used(a) >= (1 << 20));
	med_arena_free(a);
}

static void
test_reset_reuses(void)
{
	med_arena *a = med_arena_new(1 << 20);

	for (int i = 0; i < 100; i++)
		MT_TRUE(med_arena_alloc(a, 1000) != NULL);
	med_arena_reset(a);
	MT_EQ_INT(med_arena_used(a), 0);
	MT_TRUE(med_arena_alloc(a, 100) != NULL);
	med_arena_free(a);
}

static void
test_strings(void)
{
	med_arena *a = med_arena_new(1 << 16);

	MT_EQ_STR(med_arena_strdup(a, "héllo"), "héllo");
	MT_TRUE(med_arena_strdup(a, NULL) == NULL);
	MT_EQ_STR(med_arena_sprintf(a, "%s-%d", "x", 42), "x-42");
	med_arena_free(a);
}

static void
test_pb_allocator(void)
{
	med_arena *a = med_arena_new(1 << 16);
	ProtobufCAllocator al;

	med_arena_pb_allocator(a, &al);
	void *p = al.alloc(al.allocator_data, 64);
	MT_TRUE(p != NULL);
	al.free(al.allocator_data, p);
	med_arena_free(a);
	med_arena_free(NULL);
}

/* What a task allocated in its own arena lives on in the arena that
 * absorbed it, which goes on allocating and frees it all. */
static void
test_absorb(void)
{
	med_arena *dst = med_arena_new(1 << 20);
	med_arena *src = med_arena_new(1 << 20);
	med_arena *empty = med_arena_new(1 << 20);
	char *before = med_arena_strdup(dst, "call's own");
	char *moved = med_arena_strdup(src, "task's");
	char *big = med_arena_alloc(src, 10000);
	size_t used = med_arena_used(dst) + med_arena_used(src);

	MT_TRUE(before && moved && big);
	memset(big, 'x', 10000);
	med_arena_absorb(dst, src);
	MT_EQ_INT(med_arena_used(dst), used);
	MT_EQ_STR(moved, "task's");
	MT_EQ_STR(before, "call's own");
	MT_EQ_STR(med_arena_strdup(dst, "after"), "after");
	med_arena_absorb(dst, empty);
	med_arena_absorb(dst, NULL);
	MT_EQ_INT(med_arena_used(dst), used + 16);
	med_arena_free(dst);
}

static const mt_case cases[] = {
	{"alloc_aligned", test_alloc_aligned},
	{"cap_enforced", test_cap_enforced},
	{"large_alloc_grows", test_large_alloc_grows},
	{"reset_reuses", test_reset_reuses},
	{"strings", test_strings},
	{"pb_allocator", test_pb_allocator},
	{"absorb", test_absorb},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
