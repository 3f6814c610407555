build-asan/obj/common/src/service.o: common/src/service.c \
 common/include/med/audit.h common/include/med/err.h \
 common/include/med/log.h common/include/med/service.h \
 common/include/med/config.h common/include/med/db.h \
 common/include/med/metrics.h common/include/med/rpc.h \
 common/include/med/arena.h common/include/med/auth.h \
 common/include/med/util.h
common/include/med/audit.h:
common/include/med/err.h:
common/include/med/log.h:
common/include/med/service.h:
common/include/med/config.h:
common/include/med/db.h:
common/include/med/metrics.h:
common/include/med/rpc.h:
common/include/med/arena.h:
common/include/med/auth.h:
common/include/med/util.h:
