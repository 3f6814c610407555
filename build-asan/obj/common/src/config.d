build-asan/obj/common/src/config.o: common/src/config.c \
 common/include/med/config.h common/include/med/err.h \
 common/include/med/log.h common/include/med/util.h
common/include/med/config.h:
common/include/med/err.h:
common/include/med/log.h:
common/include/med/util.h:
