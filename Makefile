# SPDX-License-Identifier: GPL-2.0-only
# fusewb: FUSE writeback observability with eBPF.

OUT        ?= build
CC         ?= cc
CLANG      ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL    ?= bpftool
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share/fusewb
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# systemd and systemd-sysusers look under /usr/local/lib too; Debian's
# package installs with PREFIX=/usr and SYSTEMDUNITDIR=/lib/systemd/system
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
# what --version and fusewb_build_info say: git describe, or the VERSION file
VERSION    ?= $(shell sh scripts/version.sh)
ARCH       := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

CFLAGS     ?= -O2 -g
CFLAGS     += -Wall -Wextra
DEPFLAGS    = -MMD -MP
CPPFLAGS   += -I$(OUT) -Icli
LIBS        = $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz) -lm
BPF_CFLAGS  = -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Ibpf/$(ARCH) -Ibpf -Wall

BPF_SRCS    = $(wildcard bpf/*.bpf.c)
BPF_OBJS    = $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_HDRS    = $(wildcard bpf/*.h) bpf/$(ARCH)/vmlinux.h
LIB_SRCS    = $(wildcard cli/lib/*.c)
LIB_OBJS    = $(patsubst cli/lib/%.c,$(OUT)/lib/%.o,$(LIB_SRCS))
# the pure renderers (stat JSON, Prometheus text, diagnose's reports, top's
# model and screens): linked by the binary and by the unit tests
RENDER_SRCS = $(wildcard cli/render/*.c)
RENDER_OBJS = $(patsubst cli/render/%.c,$(OUT)/render/%.o,$(RENDER_SRCS))
CMD_SRCS    = $(wildcard cli/*.c)
CMD_OBJS    = $(patsubst cli/%.c,$(OUT)/cli/%.o,$(CMD_SRCS))
UNIT_SRCS   = $(wildcard tests/unit/*.c)
UNIT_BINS   = $(patsubst tests/unit/%.c,$(OUT)/unit/%,$(UNIT_SRCS))
# front ends may need more libraries; they add to this
CMD_LIBS    = $(shell pkg-config --libs ncursesw libmicrohttpd 2>/dev/null || echo -lncursesw -lmicrohttpd) -lpthread
TEST_BINS   = $(OUT)/fakepeer

.PHONY: FORCE all bpf deps test unit bench install clean vmlinux demo deb-check
all: $(OUT)/fusewb $(OUT)/fusewbtop test-bins

-include tests/testfs/Makefile.inc
-include cli/Makefile.inc
-include kernel/Makefile.inc
-include tests/bench/Makefile.inc
# header dependencies, written by the compiler (-MMD)
-include $(wildcard $(OUT)/lib/*.d $(OUT)/render/*.d $(OUT)/cli/*.d $(OUT)/unit/*.d)

test-bins: $(TEST_BINS) $(UNIT_BINS)

$(OUT) $(OUT)/bpf $(OUT)/lib $(OUT)/render $(OUT)/cli $(OUT)/unit:
	mkdir -p $@

# The BPF object: CO-RE against the committed bpf/$(ARCH)/vmlinux.h (see
# README).  `make ARCH=arm64 OUT=build/arm64 bpf` builds it for arm64.
# One object per bpf/*.bpf.c, joined by libbpf's static linker into the one
# object the skeleton is made of (bpf/shared.bpf.h says what they share).
bpf: $(OUT)/fusewb.bpf.o

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(OUT)/bpf
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# shared.bpf.o first: libbpf 1.1's linker gives an extern it meets before
# the definition the wrong offset in the object's BTF (a map it then loses)
$(OUT)/fusewb.bpf.o: $(OUT)/bpf/shared.bpf.o $(BPF_OBJS)
	$(BPFTOOL) gen object $@.tmp $(OUT)/bpf/shared.bpf.o $(filter-out %/shared.bpf.o,$(BPF_OBJS))
	$(LLVM_STRIP) -g $@.tmp -o $@
	rm -f $@.tmp

$(OUT)/fusewb.skel.h: $(OUT)/fusewb.bpf.o
	$(BPFTOOL) gen skeleton $< name fusewb_bpf > $@.tmp && mv $@.tmp $@

# rewritten only when the version changes, so that only version.o rebuilds
$(OUT)/version.h: FORCE | $(OUT)
	@printf '#define FWB_VERSION "%s"\n' '$(VERSION)' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(OUT)/lib/version.o: $(OUT)/version.h
FORCE:

$(OUT)/lib/%.o: cli/lib/%.c cli/lib/fusewb.h bpf/fusewb.h $(OUT)/fusewb.skel.h | $(OUT)/lib
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

# afresh: ar would keep the object of a source that is gone
$(OUT)/libfusewb.a: $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(OUT)/render/%.o: cli/render/%.c cli/lib/fusewb.h bpf/fusewb.h | $(OUT)/render
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(OUT)/librender.a: $(RENDER_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(OUT)/cli/%.o: cli/%.c cli/lib/fusewb.h cli/commands.h | $(OUT)/cli
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(OUT)/fusewb: $(CMD_OBJS) $(OUT)/librender.a $(OUT)/libfusewb.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CMD_OBJS) $(OUT)/librender.a $(OUT)/libfusewb.a $(CMD_LIBS) $(LIBS)

$(OUT)/fusewbtop: $(OUT)/fusewb
	ln -sf fusewb $@

# poses as a fusewb of another build (tests/e2e/71-diagnose-peer-layout.t)
$(OUT)/fakepeer: tests/tools/fakepeer.c | $(OUT)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) $(LIBS)

$(OUT)/unit/%: tests/unit/%.c $(OUT)/librender.a $(OUT)/libfusewb.a | $(OUT)/unit
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -o $@ $< $(OUT)/librender.a $(OUT)/libfusewb.a $(LIBS)

# Regenerate the committed vmlinux.h of this architecture from the running
# kernel (bpf/arm64/vmlinux.h came from Debian's arm64 kernel package:
# scripts/arm64-vmlinux-h.sh).
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > bpf/$(ARCH)/vmlinux.h

deps:
	bash scripts/deps.sh

unit: $(UNIT_BINS)
	prove -v $(UNIT_BINS)

test: all
	bash tests/run

# build, lint, install, run and purge the Debian package (root; changes the system)
deb-check:
	bash tests/run tests/pkg/deb.t

bench: all
	bash tests/bench/bench.sh

demo: all
	bash scripts/demo.sh

MAN_PAGES   = $(wildcard doc/man/*.1)

install: $(OUT)/fusewb
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/dashboards $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(OUT)/fusewb $(DESTDIR)$(BINDIR)/fusewb
	ln -sf fusewb $(DESTDIR)$(BINDIR)/fusewbtop
	cp -r dashboards/. $(DESTDIR)$(DATADIR)/dashboards/
	install -m 0644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man1/
	ln -sf fusewbtop.1 $(DESTDIR)$(MANDIR)/man1/fusewb-top.1
	install -m 0644 completion/fusewb.bash $(DESTDIR)$(BASHCOMPDIR)/fusewb
	ln -sf fusewb $(DESTDIR)$(BASHCOMPDIR)/fusewbtop
	# the unit names the binary where this install puts it, not /usr/local/bin
	sed 's|/usr/local/bin/fusewb|$(BINDIR)/fusewb|g' deploy/systemd/fusewb-export.service \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/fusewb-export.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/fusewb-export.service
	install -m 0644 deploy/systemd/fusewb.sysusers $(DESTDIR)$(SYSUSERSDIR)/fusewb.conf

clean:
	rm -rf $(OUT)
