build-asan/obj/gen/smartmed/audit/v1/audit.pb-c.o: \
 build-asan/gen/smartmed/audit/v1/audit.pb-c.c \
 build-asan/gen/smartmed/audit/v1/audit.pb-c.h \
 build-asan/gen/smartmed/common/v1/audit_event.pb-c.h
build-asan/gen/smartmed/audit/v1/audit.pb-c.h:
build-asan/gen/smartmed/common/v1/audit_event.pb-c.h:
