build-asan/obj/common/src/err.o: common/src/err.c \
 common/include/med/err.h
common/include/med/err.h:
