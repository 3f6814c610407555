build-asan/obj/tests/unit/test_config.o: tests/unit/test_config.c \
 tests/unit/testlib.h common/include/med/config.h \
 common/include/med/err.h
tests/unit/testlib.h:
common/include/med/config.h:
common/include/med/err.h:
