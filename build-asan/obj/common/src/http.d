build-asan/obj/common/src/http.o: common/src/http.c \
 common/include/med/metrics.h common/include/med/err.h \
 common/include/med/log.h
common/include/med/metrics.h:
common/include/med/err.h:
common/include/med/log.h:
