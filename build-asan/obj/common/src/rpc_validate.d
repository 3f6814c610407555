build-asan/obj/common/src/rpc_validate.o: common/src/rpc_validate.c \
 common/include/med/rpc.h common/include/med/arena.h \
 common/include/med/auth.h common/include/med/err.h \
 common/include/med/util.h common/src/rpc_internal.h
common/include/med/rpc.h:
common/include/med/arena.h:
common/include/med/auth.h:
common/include/med/err.h:
common/include/med/util.h:
common/src/rpc_internal.h:
