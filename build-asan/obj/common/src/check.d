build-asan/obj/common/src/check.o: common/src/check.c \
 common/include/med/check.h common/include/med/err.h \
 common/include/med/rpc.h common/include/med/arena.h \
 common/include/med/auth.h common/include/med/util.h \
 build-asan/gen/smartmed/common/v1/common.pb-c.h
common/include/med/check.h:
common/include/med/err.h:
common/include/med/rpc.h:
common/include/med/arena.h:
common/include/med/auth.h:
common/include/med/util.h:
build-asan/gen/smartmed/common/v1/common.pb-c.h:
