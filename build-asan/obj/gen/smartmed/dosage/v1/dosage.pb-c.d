build-asan/obj/gen/smartmed/dosage/v1/dosage.pb-c.o: \
 build-asan/gen/smartmed/dosage/v1/dosage.pb-c.c \
 build-asan/gen/smartmed/dosage/v1/dosage.pb-c.h \
 build-asan/gen/smartmed/common/v1/common.pb-c.h
build-asan/gen/smartmed/dosage/v1/dosage.pb-c.h:
build-asan/gen/smartmed/common/v1/common.pb-c.h:
