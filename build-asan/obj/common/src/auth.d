build-asan/obj/common/src/auth.o: common/src/auth.c \
 common/include/med/auth.h common/include/med/err.h \
 common/include/med/log.h common/include/med/util.h
common/include/med/auth.h:
common/include/med/err.h:
common/include/med/log.h:
common/include/med/util.h:
