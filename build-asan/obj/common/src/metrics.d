build-asan/obj/common/src/metrics.o: common/src/metrics.c \
 common/include/med/metrics.h common/include/med/err.h \
 common/include/med/log.h
common/include/med/metrics.h:
common/include/med/err.h:
common/include/med/log.h:
