build-asan/obj/common/src/util.o: common/src/util.c \
 common/include/med/util.h
common/include/med/util.h:
