build-asan/obj/common/src/rpc_health.o: common/src/rpc_health.c \
 build-asan/gen/grpc/health/v1/health.pb-c.h common/src/rpc_internal.h \
 common/include/med/rpc.h common/include/med/arena.h \
 common/include/med/auth.h common/include/med/err.h
build-asan/gen/grpc/health/v1/health.pb-c.h:
common/src/rpc_internal.h:
common/include/med/rpc.h:
common/include/med/arena.h:
common/include/med/auth.h:
common/include/med/err.h:
