build-asan/obj/common/src/db_util.o: common/src/db_util.c \
 common/include/med/arena.h common/include/med/db.h \
 common/include/med/err.h
common/include/med/arena.h:
common/include/med/db.h:
common/include/med/err.h:
