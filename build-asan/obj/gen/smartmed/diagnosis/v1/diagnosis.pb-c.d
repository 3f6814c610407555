build-asan/obj/gen/smartmed/diagnosis/v1/diagnosis.pb-c.o: \
 build-asan/gen/smartmed/diagnosis/v1/diagnosis.pb-c.c \
 build-asan/gen/smartmed/diagnosis/v1/diagnosis.pb-c.h \
 build-asan/gen/smartmed/common/v1/common.pb-c.h
build-asan/gen/smartmed/diagnosis/v1/diagnosis.pb-c.h:
build-asan/gen/smartmed/common/v1/common.pb-c.h:
