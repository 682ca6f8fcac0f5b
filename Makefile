# scstd - user-space SCST.  Plain GNU Make.
#
#   make run     install missing packages, build, run scstd in the foreground
#   make check   install, build (normal and sanitizer), run every test
#   make bench   compare against tgt (not part of check)
#   make install / uninstall   PREFIX (/usr/local), DESTDIR, see "Install" below
#   make deb     the Debian package (dpkg-buildpackage -b -us -uc, see debian/)
#   make bench-soak  10 minutes of session churn, RSS and descriptors watched
#                    (not part of check; SOAK_SECONDS=N shortens it)

DEB_PACKAGES := gcc make pkg-config liburing-dev libisal-dev libssl-dev libfuse3-dev fuse3 \
	libcmocka-dev libiscsi-bin libiscsi-dev qemu-utils qemu-block-extra tgt open-isns-server \
	open-isns-utils libisns-dev genisoimage procps iproute2 fio e2fsprogs \
	libmicrohttpd-dev python3-prometheus-client curl scdoc libsystemd-dev qemu-system-x86 cpio \
	ceph-mon ceph-osd ceph-common librbd-dev librados-dev tgt-rbd
# Packaging and its tests (tests/integration/package_*.sh): building the
# .deb, lintian, a clean Debian chroot, the completion scripts.  Not needed
# to build or run scstd, only to package it; make deps installs them too
# because make check tests the package.
PKG_PACKAGES := debhelper dpkg-dev fakeroot lintian debootstrap systemd-container bash-completion \
	groff-base

CC      ?= gcc
BUILD   ?= build
# The sanitizer build's flags go with its directory, so that any make run
# on build-asan (make asan, make install BUILD=build-asan) compiles alike.
ifeq ($(notdir $(BUILD)),build-asan)
SAN     ?= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
SAN     ?=
CFLAGS_BASE := -std=gnu11 -Wall -Wextra -Werror -O2 -g -pthread -D_GNU_SOURCE -Isrc -Iinclude
CFLAGS  ?=
ALL_CFLAGS = $(CFLAGS_BASE) $(SAN) $(CPPFLAGS) $(CFLAGS) -MMD -MP
LIBS    := -luring -lisal -lcrypto -lisns -lmicrohttpd -lsystemd -lpthread
# librbd and librados only where the rbd objects are: scstd, and the unit
# tests that pull them out of libscstd.a.  The sanitizer build's gcc does not
# link --as-needed by default, so the tests ask for it on these two.
RBD_LIBS := -lrbd -lrados
RBD_LIBS_AS_NEEDED := -Wl,--push-state,--as-needed $(RBD_LIBS) -Wl,--pop-state
# libfuse3 only where it is used: the mounts' source files and scstd.
FUSE_CFLAGS := $(shell pkg-config --cflags fuse3)
FUSE_LIBS   := $(shell pkg-config --libs fuse3)
LDFLAGS ?=

# The scst.conf engine (model, parser, writer, check, save, apply): scstd
# applies --config and reloads with it (src/mgmt/config_tree.c), scstadmin
# is a command line around it.
CONF_SRCS := $(wildcard src/conf/*.c)
CONF_OBJS := $(CONF_SRCS:%.c=$(BUILD)/obj/%.o)
LIB_SRCS := $(wildcard src/util/*.c src/core/*.c src/handlers/*.c src/targets/iscsi/*.c \
	src/mgmt/*.c src/daemon/*.c src/targets/local/*.c src/targets/copy_manager/*.c) \
	src/lib/scst_local_wire.c src/lib/scst_user_wire.c $(CONF_SRCS)
LIB_SRCS := $(filter-out src/daemon/main.c,$(LIB_SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

# raw_iscsi.c is no tool of its own: the raw initiator the protocol tools share;
# nor is tree_walk.c: the management tree walk of the tree tools; nor is
# tool_login.c: the libiscsi login of the SCSI-level tools.
TOOL_LIBS := tests/tools/raw_iscsi.c tests/tools/tree_walk.c tests/tools/tool_login.c
TOOL_SRCS := $(filter-out $(TOOL_LIBS),$(wildcard tests/tools/*.c))
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/%)
RAW_ISCSI_TOOLS := iscsi_badpdu iscsi_abort_queued iscsi_taskset iscsi_mcs iscsi_digestpeer iscsi_memlimit \
		   iscsi_close_inflight iscsi_fuzz iscsi_nonreader

# libscst_local: the raw command socket's client (include/scst_local.h).
LOCAL_LIB_SRCS := src/lib/scst_local_client.c src/lib/scst_local_wire.c
LOCAL_LIB := $(BUILD)/libscst_local.a
# libscst_user: out-of-process device handlers' side (include/scstd_user.h).
USER_LIB_SRCS := src/lib/scst_user_client.c src/lib/scst_user_wire.c
USER_LIB := $(BUILD)/libscst_user.a
# examples/user_*.c are device handlers (libscst_user), the rest local
# target drivers (libscst_local); examples/common/ holds what the CDB-mode
# handlers answer alike.
EXAMPLE_SRCS := $(wildcard examples/*.c)
EXAMPLE_COMMON_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard examples/common/*.c))
EXAMPLE_BINS := $(EXAMPLE_SRCS:examples/%.c=$(BUILD)/examples/%)
USER_EXAMPLE_BINS := $(filter $(BUILD)/examples/user_%,$(EXAMPLE_BINS))

BINS := $(BUILD)/scstd $(BUILD)/scstctl $(BUILD)/scst-ns $(BUILD)/scstadmin $(BUILD)/scst-local-cmd \
	$(LOCAL_LIB) $(USER_LIB) $(EXAMPLE_BINS)

# The benchmark's clients (libiscsi, no daemon code): see bench/.
BENCH_BINS := $(BUILD)/iscsi-bench $(BUILD)/iscsi-hold $(BUILD)/tcp-ceiling $(BUILD)/send-cost

# scstadmin: its command line plus the scst.conf engine.
SCSTADMIN_SRCS := $(wildcard tools/scstadmin/*.c)
# The value rules the daemon's stores use too (core/attr_rules.h).
CONF_RULE_OBJS := $(BUILD)/obj/src/core/attr_rules.o $(BUILD)/obj/src/core/alua_names.o
SCSTADMIN_OBJS := $(SCSTADMIN_SRCS:%.c=$(BUILD)/obj/%.o) $(CONF_OBJS) $(CONF_RULE_OBJS) \
	$(BUILD)/obj/src/util/write_all.o

.PHONY: all deps run check unit bench bench-soak clean asan progs man install uninstall deb

# Keep tool objects: they are intermediates of a pattern chain otherwise.
.SECONDARY:

all: $(BINS) $(UNIT_BINS) $(TOOL_BINS) $(BENCH_BINS) $(BUILD)/layering.ok

# The module map of docs/design.md (Layering), checked whenever a source
# changes: a header reached by a detour breaks the build, not a review.
$(BUILD)/layering.ok: $(shell find src -name '*.[ch]' -o -name '*.def') tools/check_layering.sh
	@mkdir -p $(dir $@)
	@bash tools/check_layering.sh $(CC) -std=gnu11 -D_GNU_SOURCE -Isrc -Iinclude
	@touch $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/obj/src/mgmt/fuse_mount.o: src/mgmt/fuse_mount.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(FUSE_CFLAGS) -c $< -o $@

$(BUILD)/obj/src/util/fuse_serve.o: src/util/fuse_serve.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(FUSE_CFLAGS) -c $< -o $@

$(BUILD)/obj/src/targets/local/local_fuse.o: src/targets/local/local_fuse.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(FUSE_CFLAGS) -c $< -o $@

$(LOCAL_LIB): $(LOCAL_LIB_SRCS:%.c=$(BUILD)/obj/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(USER_LIB): $(USER_LIB_SRCS:%.c=$(BUILD)/obj/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(USER_EXAMPLE_BINS): $(BUILD)/examples/%: $(BUILD)/obj/examples/%.o $(EXAMPLE_COMMON_OBJS) $(USER_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ -lpthread

$(BUILD)/scst-local-cmd: $(BUILD)/obj/tools/scst-local-cmd.o $(LOCAL_LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^

$(filter-out $(USER_EXAMPLE_BINS),$(EXAMPLE_BINS)): $(BUILD)/examples/%: $(BUILD)/obj/examples/%.o $(LOCAL_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ -lpthread

$(BUILD)/libscstd.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/scstd: $(BUILD)/obj/src/daemon/main.o $(BUILD)/libscstd.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(RBD_LIBS) $(FUSE_LIBS)

# The management client needs only the protocol's header and the write loop,
# not the core.
$(BUILD)/scstctl: $(BUILD)/obj/tools/scstctl.o $(BUILD)/obj/src/util/write_all.o
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^

# SCST's own tools against scstd's tree at /sys/kernel/scst_tgt.
$(BUILD)/scst-ns: $(BUILD)/obj/tools/scst-ns.o
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^

$(BUILD)/scstadmin: $(SCSTADMIN_OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(BUILD)/libscstd.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(RBD_LIBS_AS_NEEDED) $(LIBS) -lcmocka

# Reaches scst_local's template, which brings its FUSE mount along.
$(BUILD)/tests/test_transport_id: LIBS += $(FUSE_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/tools/%.o $(LOCAL_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) -liscsi

$(RAW_ISCSI_TOOLS:%=$(BUILD)/tests/%): $(BUILD)/obj/tests/tools/raw_iscsi.o

# The hostile scst_user handler speaks the wire format itself.
$(BUILD)/tests/user_badhandler: $(USER_LIB)

LOGIN_TOOLS := cdb_fuzz scsi_checks scsi_cdb pr_churn sanitize_progress sanitize_background \
	local_pr_status alua_checks ack_writer xcopy_checks
$(LOGIN_TOOLS:%=$(BUILD)/tests/%): $(BUILD)/obj/tests/tools/tool_login.o

# The tree tools reach the management tree through the scst.conf engine's
# tree client.
TREE_TOOLS := tree_snapshot mgmt_fuzz
$(TREE_TOOLS:%=$(BUILD)/tests/%): $(BUILD)/obj/tests/tools/tree_walk.o \
	$(BUILD)/obj/src/conf/conf_tree.o $(BUILD)/obj/src/util/write_all.o

$(BUILD)/iscsi-bench: $(BUILD)/obj/bench/iscsi_bench.o $(BUILD)/obj/bench/bench_job.o \
		$(BUILD)/obj/bench/bench_hist.o
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ -liscsi

$(BUILD)/iscsi-hold: $(BUILD)/obj/bench/iscsi_hold.o
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ -liscsi

$(BUILD)/tcp-ceiling: $(BUILD)/obj/bench/tcp_ceiling.o
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^

$(BUILD)/send-cost: $(BUILD)/obj/bench/send_cost.o
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^

# The same tree once more with AddressSanitizer and UBSan.
asan:
	$(MAKE) BUILD=build-asan all

deps:
	@missing=""; for p in $(DEB_PACKAGES) $(PKG_PACKAGES); do \
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

bench-soak: deps all
	bash bench/soak.sh

clean:
	rm -rf build build-asan build-deb

# ---- Install -----------------------------------------------------------
# What an installation holds: the daemon and its tools, libscst_local with
# its header and pkg-config file, the systemd unit, man pages, bash
# completion, and /etc/scst.conf (an example, only when none exists: an
# upgrade never overwrites the administrator's file).  Paths may be
# overridden on the command line; debian/rules does.
PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
LIBDIR      ?= $(PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
MANDIR      ?= $(PREFIX)/share/man
# scst.conf lives in /etc whatever the prefix, as with SCST.
SYSCONFDIR  ?= /etc
# systemd also reads units from /usr/local/lib/systemd/system.
UNITDIR     ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DOCDIR      ?= $(PREFIX)/share/doc/scstd

INSTALL_SBIN := scstd scstadmin scstctl scst-local-cmd scst-ns
MAN_SRCS  := $(wildcard docs/man/*.scd)
MAN_PAGES := $(MAN_SRCS:docs/man/%.scd=$(BUILD)/man/%)
# The files generated for an installation carry its paths.
GEN_SUBST = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	-e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
	-e "s|@VERSION@|$$(sed -n 's/^\#define SCSTD_VERSION "\(.*\)"/\1/p' src/daemon/version.h)|g"
GEN_FILES := $(BUILD)/dist/scstd.service $(BUILD)/dist/scst_local.pc $(BUILD)/dist/scstd_user.pc

# What an installation needs built: no tests, no examples, no benchmark.
progs: $(INSTALL_SBIN:%=$(BUILD)/%) $(LOCAL_LIB) $(USER_LIB) man
man: $(MAN_PAGES)

# Also rebuilt every time: the pages name the installation's paths.
$(BUILD)/man/%: docs/man/%.scd FORCE
	@mkdir -p $(dir $@)
	$(GEN_SUBST) $< | scdoc >$@.tmp && mv $@.tmp $@

# Rebuilt on every install: the paths are make variables, not files.
.PHONY: FORCE
$(BUILD)/dist/%: dist/%.in FORCE
	@mkdir -p $(dir $@)
	$(GEN_SUBST) $< >$@

install: progs $(GEN_FILES)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR) \
		$(DESTDIR)$(DOCDIR)/examples
	install -m 0755 $(INSTALL_SBIN:%=$(BUILD)/%) $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(LOCAL_LIB) $(USER_LIB) $(DESTDIR)$(LIBDIR)/
	install -m 0644 include/scst_local.h include/scstd_user.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 0644 $(BUILD)/dist/scst_local.pc $(BUILD)/dist/scstd_user.pc $(DESTDIR)$(PKGCONFIGDIR)/
	install -m 0644 $(BUILD)/dist/scstd.service $(DESTDIR)$(UNITDIR)/
	install -m 0644 dist/scstd-mount.conf $(DESTDIR)$(DOCDIR)/examples/
	install -m 0644 dist/scst.conf $(DESTDIR)$(DOCDIR)/examples/
	install -m 0644 dist/bash-completion/scstadmin dist/bash-completion/scstctl \
		$(DESTDIR)$(BASHCOMPDIR)/
	install -m 0644 $(filter %.5,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(filter %.8,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man8/
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/scst.conf ]; then \
		echo "install: keeping the existing $(DESTDIR)$(SYSCONFDIR)/scst.conf"; \
	else \
		echo "install -m 0644 dist/scst.conf $(DESTDIR)$(SYSCONFDIR)/scst.conf"; \
		install -m 0644 dist/scst.conf $(DESTDIR)$(SYSCONFDIR)/scst.conf; \
	fi

# scst.conf is the administrator's: removed only while it is still the
# example as installed.
uninstall:
	rm -f $(INSTALL_SBIN:%=$(DESTDIR)$(SBINDIR)/%) $(DESTDIR)$(LIBDIR)/libscst_local.a \
		$(DESTDIR)$(INCLUDEDIR)/scst_local.h $(DESTDIR)$(PKGCONFIGDIR)/scst_local.pc \
		$(DESTDIR)$(LIBDIR)/libscst_user.a $(DESTDIR)$(INCLUDEDIR)/scstd_user.h \
		$(DESTDIR)$(PKGCONFIGDIR)/scstd_user.pc \
		$(DESTDIR)$(UNITDIR)/scstd.service \
		$(DESTDIR)$(BASHCOMPDIR)/scstadmin $(DESTDIR)$(BASHCOMPDIR)/scstctl \
		$(patsubst $(BUILD)/man/%.5,$(DESTDIR)$(MANDIR)/man5/%.5,$(filter %.5,$(MAN_PAGES))) \
		$(patsubst $(BUILD)/man/%.8,$(DESTDIR)$(MANDIR)/man8/%.8,$(filter %.8,$(MAN_PAGES))) \
		$(DESTDIR)$(DOCDIR)/examples/scstd-mount.conf $(DESTDIR)$(DOCDIR)/examples/scst.conf
	rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	@if cmp -s dist/scst.conf $(DESTDIR)$(SYSCONFDIR)/scst.conf; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/scst.conf; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/scst.conf ]; then \
		echo "uninstall: keeping the modified $(DESTDIR)$(SYSCONFDIR)/scst.conf"; \
	fi

# The Debian package, into ../ as dpkg-buildpackage does (see debian/).
deb:
	dpkg-buildpackage -b -us -uc

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
