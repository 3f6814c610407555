build-asan/obj/tests/unit/test_db.o: tests/unit/test_db.c \
 tests/unit/testlib.h common/include/med/db.h common/include/med/err.h
tests/unit/testlib.h:
common/include/med/db.h:
common/include/med/err.h:
