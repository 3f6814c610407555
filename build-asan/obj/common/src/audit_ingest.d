build-asan/obj/common/src/audit_ingest.o: common/src/audit_ingest.c \
 common/include/med/audit.h common/include/med/err.h \
 common/include/med/log.h common/include/med/util.h \
 build-asan/gen/smartmed/common/v1/audit_event.pb-c.h
common/include/med/audit.h:
common/include/med/err.h:
common/include/med/log.h:
common/include/med/util.h:
build-asan/gen/smartmed/common/v1/audit_event.pb-c.h:
