build-asan/obj/gen/smartmed/common/v1/common.pb-c.o: \
 build-asan/gen/smartmed/common/v1/common.pb-c.c \
 build-asan/gen/smartmed/common/v1/common.pb-c.h
build-asan/gen/smartmed/common/v1/common.pb-c.h:
