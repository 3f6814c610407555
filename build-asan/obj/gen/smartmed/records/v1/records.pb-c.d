build-asan/obj/gen/smartmed/records/v1/records.pb-c.o: \
 build-asan/gen/smartmed/records/v1/records.pb-c.c \
 build-asan/gen/smartmed/records/v1/records.pb-c.h \
 build-asan/gen/smartmed/common/v1/common.pb-c.h
build-asan/gen/smartmed/records/v1/records.pb-c.h:
build-asan/gen/smartmed/common/v1/common.pb-c.h:
