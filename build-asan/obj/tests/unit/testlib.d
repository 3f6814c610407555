build-asan/obj/tests/unit/testlib.o: tests/unit/testlib.c \
 tests/unit/testlib.h
tests/unit/testlib.h:
