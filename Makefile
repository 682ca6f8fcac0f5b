# scstd - user-space SCST.  Plain GNU Make.
#
#   make run     install missing packages, build, run scstd in the foreground
#   make check   install, build (normal and sanitizer), run every test
#   make bench   compare against tgt (not part of check)

DEB_PACKAGES := gcc make pkg-config liburing-dev libisal-dev libssl-dev libfuse3-dev fuse3 \
	libcmocka-dev libiscsi-bin libiscsi-dev qemu-utils qemu-block-extra tgt open-isns-server \
	open-isns-utils libisns-dev genisoimage procps iproute2 fio e2fsprogs \
	iperf3 qemu-system-x86 cpio

CC      ?= gcc
BUILD   ?= build
SAN     ?=
CFLAGS_BASE := -std=gnu11 -Wall -Wextra -Werror -O2 -g -pthread -D_GNU_SOURCE -Isrc -Iinclude -Itools
CFLAGS  ?=
ALL_CFLAGS = $(CFLAGS_BASE) $(SAN) $(CFLAGS) -MMD -MP
LIBS    := -luring -lisal -lcrypto -lisns -lpthread
# libfuse3 only where it is used: the mount's one source file and scstd.
FUSE_CFLAGS := $(shell pkg-config --cflags fuse3)
FUSE_LIBS   := $(shell pkg-config --libs fuse3)
LDFLAGS ?=

LIB_SRCS := $(wildcard src/util/*.c src/core/*.c src/handlers/*.c src/targets/iscsi/*.c \
	src/mgmt/*.c src/daemon/*.c src/targets/local/*.c) src/lib/scst_local_wire.c
LIB_SRCS := $(filter-out src/daemon/main.c,$(LIB_SRCS))
# scstd applies --config with scstadmin's algorithm (src/mgmt/config_tree.c).
LIB_SRCS += $(filter-out tools/scstadmin/main.c,$(wildcard tools/scstadmin/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

# raw_iscsi.c is no tool of its own: the raw initiator the protocol tools share;
# nor is tree_walk.c: the management tree walk of the tree tools; nor is
# tool_login.c: the libiscsi login of the SCSI-level tools.
TOOL_LIBS := tests/tools/raw_iscsi.c tests/tools/tree_walk.c tests/tools/tool_login.c
TOOL_SRCS := $(filter-out $(TOOL_LIBS),$(wildcard tests/tools/*.c))
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/%)
RAW_ISCSI_TOOLS := iscsi_badpdu iscsi_taskset iscsi_mcs iscsi_digestpeer iscsi_memlimit \
		   iscsi_close_inflight iscsi_fuzz

# libscst_local: the raw command socket's client (include/scst_local.h).
LOCAL_LIB_SRCS := $(wildcard src/lib/*.c)
LOCAL_LIB := $(BUILD)/libscst_local.a
EXAMPLE_SRCS := $(wildcard examples/*.c)
EXAMPLE_BINS := $(EXAMPLE_SRCS:examples/%.c=$(BUILD)/examples/%)

BINS := $(BUILD)/scstd $(BUILD)/scstctl $(BUILD)/scstadmin $(BUILD)/scst-local-cmd $(LOCAL_LIB) $(EXAMPLE_BINS)

# The benchmark's clients (libiscsi, no daemon code): see bench/.
BENCH_BINS := $(BUILD)/iscsi-bench $(BUILD)/iscsi-hold

# scstadmin: its own sources plus the daemon's scst.conf parser.
SCSTADMIN_SRCS := $(wildcard tools/scstadmin/*.c)
SCSTADMIN_OBJS := $(SCSTADMIN_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/src/mgmt/config_parse.o

.PHONY: all deps run check unit bench clean asan

# Keep tool objects: they are intermediates of a pattern chain otherwise.
.SECONDARY:

all: $(BINS) $(UNIT_BINS) $(TOOL_BINS) $(BENCH_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/obj/src/mgmt/fuse_mount.o: src/mgmt/fuse_mount.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(FUSE_CFLAGS) -c $< -o $@

$(BUILD)/obj/src/targets/local/local_fuse.o: src/targets/local/local_fuse.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(FUSE_CFLAGS) -c $< -o $@

$(LOCAL_LIB): $(LOCAL_LIB_SRCS:%.c=$(BUILD)/obj/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/scst-local-cmd: $(BUILD)/obj/tools/scst-local-cmd.o $(LOCAL_LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^

$(BUILD)/examples/%: $(BUILD)/obj/examples/%.o $(LOCAL_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ -lpthread

$(BUILD)/libscstd.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/scstd: $(BUILD)/obj/src/daemon/main.o $(BUILD)/libscstd.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(FUSE_LIBS)

# The management client needs only the protocol's header, not the core.
$(BUILD)/scstctl: $(BUILD)/obj/tools/scstctl.o
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^

$(BUILD)/scstadmin: $(SCSTADMIN_OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(BUILD)/libscstd.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

$(BUILD)/tests/%: $(BUILD)/obj/tests/tools/%.o $(LOCAL_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) -liscsi

$(RAW_ISCSI_TOOLS:%=$(BUILD)/tests/%): $(BUILD)/obj/tests/tools/raw_iscsi.o

LOGIN_TOOLS := cdb_fuzz scsi_checks scsi_cdb pr_churn sanitize_progress local_pr_status
$(LOGIN_TOOLS:%=$(BUILD)/tests/%): $(BUILD)/obj/tests/tools/tool_login.o

# The tree tools reach the management tree through scstadmin's client.
TREE_TOOLS := tree_snapshot mgmt_fuzz
$(TREE_TOOLS:%=$(BUILD)/tests/%): $(BUILD)/obj/tests/tools/tree_walk.o \
	$(BUILD)/obj/tools/scstadmin/tree_client.o

$(BUILD)/iscsi-bench: $(BUILD)/obj/bench/iscsi_bench.o $(BUILD)/obj/bench/bench_job.o \
		$(BUILD)/obj/bench/bench_hist.o
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ -liscsi

$(BUILD)/iscsi-hold: $(BUILD)/obj/bench/iscsi_hold.o
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ -liscsi

# The same tree once more with AddressSanitizer and UBSan.
asan:
	$(MAKE) BUILD=build-asan SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" all

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps: all packages present"; fi

run: deps
	$(MAKE) all
	mkdir -p var
	./$(BUILD)/scstd --foreground

check: deps
	$(MAKE) all
	$(MAKE) asan
	bash tests/run_all.sh

bench: deps all
	bash bench/compare.sh

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
