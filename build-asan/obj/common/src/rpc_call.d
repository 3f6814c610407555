build-asan/obj/common/src/rpc_call.o: common/src/rpc_call.c \
 common/include/med/audit.h common/include/med/err.h \
 common/include/med/log.h common/include/med/metrics.h \
 common/include/med/util.h common/src/rpc_internal.h \
 common/include/med/rpc.h common/include/med/arena.h \
 common/include/med/auth.h
common/include/med/audit.h:
common/include/med/err.h:
common/include/med/log.h:
common/include/med/metrics.h:
common/include/med/util.h:
common/src/rpc_internal.h:
common/include/med/rpc.h:
common/include/med/arena.h:
common/include/med/auth.h:
