build-asan/obj/common/src/arena.o: common/src/arena.c \
 common/include/med/arena.h
common/include/med/arena.h:
