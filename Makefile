# Makefile - socklab's one entry point. `make help` lists the targets.
#
# Everything is built out of tree, under build/. A lab is a folder
# labs/NN-name/ (lab.h, lab.c, main.c) with its tests in harness/NN-name/,
# its reference solution in solutions/NN-name/ and its mutants in
# harness/mutants/NN-name/: adding a lab means adding those folders.

# SANITIZE=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer,
# in a build folder of its own.
SANITIZE  ?=
BUILD     ?= $(if $(filter 1,$(SANITIZE)),build/sanitize,build)
# SOLUTIONS=1 grades solutions/ instead of labs/. SRC_ROOT can name any
# folder laid out like labs/ (one NN-name/lab.c per lab): the self-test
# uses that for mutants.
SOLUTIONS ?=
SRC_ROOT  ?= $(if $(filter 1 yes true,$(SOLUTIONS)),solutions,labs)
OBJ       ?= $(BUILD)/$(SRC_ROOT)
GRADE_DIR ?= $(BUILD)/grade

CFLAGS  ?= -O2 -g
WARNINGS := -Wall -Wextra -Wshadow -Wformat=2
override CFLAGS += -std=c11 -D_GNU_SOURCE $(WARNINGS) -Ilabs/common -MMD -MP
ifeq ($(WERROR),1)
override CFLAGS += -Werror
endif
ifeq ($(SANITIZE),1)
SANITIZERS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
override CFLAGS += $(SANITIZERS)
override LDFLAGS += $(SANITIZERS)
# Sanitized code runs slower: give every test three times its time limit.
export CK_TIMEOUT_MULTIPLIER := 3
endif
# Check's flags are asked for when a recipe needs them, after deps-build has
# had the chance to install it.
CHECK_CFLAGS = $(shell pkg-config --cflags check)
CHECK_LIBS   = $(shell pkg-config --libs check)

# ---- the labs -------------------------------------------------------------
LAB_NAMES := $(notdir $(wildcard labs/[0-9][0-9]-*))
ifdef LAB
LAB_NUMBER := $(shell n=$$(expr '$(LAB)' + 0 2>/dev/null) && printf '%02d' "$$n")
SELECTED   := $(if $(LAB_NUMBER),$(filter $(LAB_NUMBER)-%,$(LAB_NAMES)))
ifeq ($(SELECTED),)
$(error LAB=$(LAB): no such lab; the labs are $(LAB_NAMES))
endif
else
SELECTED := $(LAB_NAMES)
endif
lab_number = $(firstword $(subst -, ,$(1)))

# Walk-through programs: build/bin/labNN for the student's code; for
# solutions or another SRC_ROOT, beside that build.
BIN := $(if $(filter labs,$(SRC_ROOT)),$(BUILD)/bin,$(OBJ)/bin)
PROGRAMS := $(foreach n,$(SELECTED),$(BIN)/lab$(call lab_number,$(n)))

# ---- libraries ------------------------------------------------------------
# labs/common is the student's library (libsocklab.a): addresses, errno
# names, the kernel's socket table, the TCP state table. A lab.c may call
# it and the C library, nothing else (harness/check-lab-object.sh).
COMMON_SRCS := $(wildcard labs/common/*.c)
COMMON_OBJS := $(COMMON_SRCS:labs/common/%.c=$(BUILD)/common/%.o)
COMMON_LIB  := $(BUILD)/common/libsocklab.a
# kit/ is the kit's own library (libkit.a), for the grader, the
# walk-throughs and the tools: helpers that do what lab steps ask for,
# network namespaces. Its headers are not on a lab.c's include path.
KIT_SRCS    := $(wildcard kit/*.c)
KIT_OBJS    := $(KIT_SRCS:kit/%.c=$(BUILD)/kit/%.o)
KIT_LIB     := $(BUILD)/kit/libkit.a
KIT_CFLAGS   = $(CFLAGS) -Ikit
TOOL_LIBS    = $(KIT_LIB) $(COMMON_LIB)
RUNNER_OBJS := $(BUILD)/harness/runner.o $(BUILD)/harness/results.o $(BUILD)/harness/testlib.o \
               $(BUILD)/harness/subject.o $(BUILD)/harness/faults.o
REPORT      := $(BUILD)/bin/report
RESULTS     := $(SELECTED:%=$(GRADE_DIR)/%.results)

.PHONY: all grade grader test docs diagrams docs-check clean help unit handout gradescope grade-class watch \
        mutate deps-build deps-docs deps-watch deps-zip FORCE
.DEFAULT_GOAL := all

# The state-diagram generator too: lab programs draw a recorded path with it.
all: $(PROGRAMS) $(REPORT) $(BUILD)/bin/tcp-diagram

help:
	@echo "socklab - a lab kit on Linux TCP sockets. Targets:"
	@echo "  make              build the walk-through programs (build/bin/labNN) and the grader"
	@echo "  make grade        grade your labs/ (LAB=N: one lab; SOLUTIONS=1: grade solutions/)"
	@echo "  make docs         render the lessons to build/docs/ (open build/docs/index.html)"
	@echo "  make diagrams     draw the figures into build/diagrams/"
	@echo "  make test         self-test of the kit: unit tests, solutions 100%, skeletons 0,"
	@echo "                    every mutant caught, docs and figures build with working links"
	@echo "  make bench        lab 07's benchmark of four server models (build/bench/; not part of make test)"
	@echo "  make mutate       the grader's mutation score per lab (LAB=N, SAMPLE=k, IDS=..., JOBS=n; build/mutate/)"
	@echo "  make watch        re-grade a lab each time you save its lab.c"
	@echo "  make handout      build/socklab-handout.tar.gz: the kit for students, no solutions"
	@echo "  make gradescope   build/gradescope/autograder.zip: the autograder for Gradescope"
	@echo "  make grade-class SUBMISSIONS=dir"
	@echo "                    grade every student folder under dir; build/class/class.csv"
	@echo "  make clean        remove build/"
	@echo "  make help         this list"
	@echo "Variables: LAB=N, SOLUTIONS=1, SANITIZE=1 (ASan+UBSan), WERROR=1 (warnings are errors), BUILD=dir."

clean:
	rm -rf $(BUILD)

deps-build:
	@harness/deps.sh build

deps-docs:
	@harness/deps.sh docs

deps-watch:
	@harness/deps.sh watch

deps-zip:
	@harness/deps.sh zip

# ---- compiling ------------------------------------------------------------
$(BUILD)/common/%.o: labs/common/%.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(COMMON_LIB): $(COMMON_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/kit/%.o: kit/%.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -c $< -o $@

$(KIT_LIB): $(KIT_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/harness/%.o: harness/%.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -Iharness $(CHECK_CFLAGS) -c $< -o $@

# A lab's tests see its contract (labs/NN-name/lab.h), never its lab.c;
# calls.c holds the proxies that carry each call to the student's code.
$(BUILD)/harness/%/tests.o: harness/%/tests.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -Iharness -Ilabs/$* $(CHECK_CFLAGS) -c $< -o $@

$(BUILD)/harness/%/calls.o: harness/%/calls.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -Iharness -Ilabs/$* $(CHECK_CFLAGS) -c $< -o $@

# WERROR=1 is for the kit's own code (labs/, solutions/); a lab.c from
# anywhere else (a submission, a mutant) may warn: its warnings are shown,
# never fatal.
LAB_CFLAGS = $(if $(filter labs solutions,$(SRC_ROOT)),$(CFLAGS),$(filter-out -Werror,$(CFLAGS)))
$(OBJ)/%/lab.o: $(SRC_ROOT)/%/lab.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(LAB_CFLAGS) -Ilabs/$* -c $< -o $@

$(OBJ)/%/main.o: labs/%/main.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -Ilabs/$* -c $< -o $@

# The functions of a lab's contract: every labNN_name( that lab.h declares.
contract_of = $(shell harness/contract.sh labs/$(1)/lab.h)
# The tests call the contract through proxies (harness/NN-name/calls.c):
# --wrap=f sends the tests' calls of f to __wrap_f, and __real_f is the
# student's f, which only the subject process runs (harness/subject.h).
# The calls a test may make fail or fall short in the student's code
# (harness/faults.h), fortified forms included, are wrapped the same way.
FAULT_WRAPPED := socket bind listen accept accept4 connect close shutdown read __read_chk write recv __recv_chk \
                 send poll __poll_chk setsockopt getsockopt getsockname getpeername sl_diag_list
wrap_flags_of = $(foreach f,$(call contract_of,$(1)) $(FAULT_WRAPPED),-Wl,--wrap=$(f))

# The student's object, admitted only when it calls nothing but the C
# library and labs/common and runs nothing by itself; every symbol but the
# contract's is made local (harness/check-lab-object.sh says why).
$(OBJ)/%/lab-graded.o: $(OBJ)/%/lab.o harness/check-lab-object.sh $(COMMON_LIB)
	@CC='$(CC)' SANITIZE='$(SANITIZE)' harness/check-lab-object.sh $< $@ labs/$*/lab.h $(COMMON_LIB)

# The test binary: the lab's tests and proxies, the runner, and the code under test.
$(OBJ)/%/test: $(OBJ)/%/lab-graded.o $(BUILD)/harness/%/tests.o $(BUILD)/harness/%/calls.o $(RUNNER_OBJS) \
               $(KIT_LIB) $(COMMON_LIB)
	$(CC) $(LDFLAGS) $(call wrap_flags_of,$*) $^ $(CHECK_LIBS) -o $@

# The same tests without the code under test, for a lab.c that does not
# compile: it can list every test (and score each 0) but must never run one,
# so the lab's functions are left unresolved on purpose (-no-pie: the
# dynamic loader of a PIE refuses a program with unresolved calls).
$(BUILD)/harness/%/plan: $(BUILD)/harness/%/tests.o $(BUILD)/harness/%/calls.o $(RUNNER_OBJS) $(KIT_LIB) $(COMMON_LIB)
	$(CC) $(LDFLAGS) -no-pie $(call wrap_flags_of,$*) $^ $(CHECK_LIBS) -Wl,--unresolved-symbols=ignore-all -o $@

$(REPORT): $(BUILD)/harness/report.o $(BUILD)/harness/results.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -o $@

# The walk-throughs' own code, kit/walk/: the tracer that defines
# socket(), connect(), ... to print your calls, and what every walk-through
# prints the same way. It is linked into the walk-through programs only,
# never into a library: the test binaries link those, and a socket()
# found there would trace the grader. Every walk-through links it, so no
# main.c may define socket(), bind(), ... itself: two cannot be linked together.
WALK_OBJS := $(patsubst kit/walk/%.c,$(BUILD)/kit/walk/%.o,$(wildcard kit/walk/*.c))

$(BUILD)/kit/walk/%.o: kit/walk/%.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(KIT_CFLAGS) -c $< -o $@

define walkthrough_rule
$(BIN)/lab$(call lab_number,$(1)): $(OBJ)/$(1)/main.o $(OBJ)/$(1)/lab.o $(WALK_OBJS) $(KIT_LIB) $(COMMON_LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) $$^ -o $$@
endef
$(foreach n,$(LAB_NAMES),$(eval $(call walkthrough_rule,$(n))))

# ---- grading --------------------------------------------------------------
# Each lab is built and run on its own, so one that does not compile scores
# 0 with its compiler errors and the others are still graded.
# The shared objects are built here first, so parallel labs never race on them.
$(GRADE_DIR)/%.results: FORCE $(REPORT) $(COMMON_LIB) $(KIT_LIB) $(RUNNER_OBJS) | deps-build
	@MAKE='$(MAKE)' BUILD='$(BUILD)' SRC_ROOT='$(SRC_ROOT)' OBJ='$(OBJ)' GRADE_DIR='$(GRADE_DIR)' \
	    harness/grade-lab.sh $*

grade: $(RESULTS) $(REPORT)
	@$(REPORT) --json $(GRADE_DIR)/results.json --tap $(GRADE_DIR)/results.tap \
	    --junit $(GRADE_DIR)/junit.xml --scores $(GRADE_DIR)/scores.txt \
	    $(if $(REPORT_NOTE),--note $(REPORT_NOTE)) $(if $(filter 1,$(BRIEF)),--brief) $(RESULTS)

# Everything of the grader that does not depend on a student's code.
grader: $(REPORT) $(COMMON_LIB) $(KIT_LIB) $(RUNNER_OBJS) \
        $(LAB_NAMES:%=$(BUILD)/harness/%/tests.o) $(LAB_NAMES:%=$(BUILD)/harness/%/calls.o) \
        $(LAB_NAMES:%=$(BUILD)/harness/%/plan)

watch: | deps-build deps-watch
	@MAKE='$(MAKE)' harness/watch.sh

# ---- for instructors ------------------------------------------------------
handout:
	@harness/instructor/handout.sh $(BUILD)/socklab-handout.tar.gz

gradescope: | deps-zip
	@harness/instructor/gradescope.sh $(BUILD)/gradescope/autograder.zip

grade-class: | deps-build
	@MAKE='$(MAKE)' harness/instructor/grade-class.sh "$(SUBMISSIONS)" $(BUILD)/class

# ---- self-test ------------------------------------------------------------
UNIT_SRCS := $(wildcard harness/unit/*.c)
UNIT_BIN  := $(BUILD)/bin/unit-tests
$(UNIT_BIN): $(UNIT_SRCS:harness/%.c=$(BUILD)/harness/%.o) $(BUILD)/harness/results.o $(BUILD)/harness/subject.o \
             $(BUILD)/harness/faults.o $(KIT_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(foreach f,$(FAULT_WRAPPED),-Wl,--wrap=$(f)) $^ $(CHECK_LIBS) -o $@

unit: $(UNIT_BIN)
	$(UNIT_BIN)

test: | deps-build deps-docs deps-zip
	@if [ ! -d solutions ]; then echo "make test is the kit's self-test and needs solutions/ (this is a student handout): use make grade" >&2; exit 2; fi
	@MAKE='$(MAKE)' harness/selftest/run.sh

# ---- figures and lessons --------------------------------------------------
-include diagrams/diagrams.mk
# More figure fragments (a lab's plots), before the docs that show them.
-include $(filter-out diagrams/diagrams.mk,$(wildcard diagrams/*.mk))
-include docs/docs.mk

# A lab that needs more than lab.c and main.c (a load generator, say) brings
# its own rules in labs/NN-name/*.mk; `make bench` lives in bench/bench.mk.
-include $(wildcard labs/*/*.mk) $(wildcard bench/*.mk)
-include harness/mutate/mutate.mk

FORCE:

# Keep the object files that pattern rules make on the way to a program:
# make would otherwise delete them as intermediate, and rebuild them next time.
.SECONDARY: $(RUNNER_OBJS) $(BUILD)/harness/report.o $(BUILD)/harness/results.o \
            $(foreach n,$(LAB_NAMES),$(OBJ)/$(n)/lab.o $(OBJ)/$(n)/lab-graded.o $(OBJ)/$(n)/main.o \
                                     $(BUILD)/harness/$(n)/tests.o $(BUILD)/harness/$(n)/calls.o) \
            $(UNIT_SRCS:harness/%.c=$(BUILD)/harness/%.o)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
