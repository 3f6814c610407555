build-asan/obj/common/src/rpc_client.o: common/src/rpc_client.c \
 common/include/med/util.h common/src/rpc_internal.h \
 common/include/med/rpc.h common/include/med/arena.h \
 common/include/med/auth.h common/include/med/err.h
common/include/med/util.h:
common/src/rpc_internal.h:
common/include/med/rpc.h:
common/include/med/arena.h:
common/include/med/auth.h:
common/include/med/err.h:
