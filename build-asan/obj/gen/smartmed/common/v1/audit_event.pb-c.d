build-asan/obj/gen/smartmed/common/v1/audit_event.pb-c.o: \
 build-asan/gen/smartmed/common/v1/audit_event.pb-c.c \
 build-asan/gen/smartmed/common/v1/audit_event.pb-c.h
build-asan/gen/smartmed/common/v1/audit_event.pb-c.h:
