build-asan/obj/common/src/log.o: common/src/log.c \
 common/include/med/log.h common/include/med/util.h
common/include/med/log.h:
common/include/med/util.h:
