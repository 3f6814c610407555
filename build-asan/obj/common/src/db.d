build-asan/obj/common/src/db.o: common/src/db.c common/include/med/db.h \
 common/include/med/err.h common/include/med/log.h \
 common/include/med/util.h
common/include/med/db.h:
common/include/med/err.h:
common/include/med/log.h:
common/include/med/util.h:
