# bench/bench.mk - `make bench`, lab 07's measurements, and the lesson's
# table and plots drawn from the numbers measured for it.
#
# Included by the top Makefile:
#     -include bench/bench.mk
# with labs/07-performance/lab07.mk included too (it defines LOADGEN), both
# after BUILD, CFLAGS, COMMON_LIB and deps-build are defined. Nothing here
# is part of `make test`.
#
#   make bench              measure, print the table, write build/bench/
#   make bench BENCH_SRC=labs       measure your own labs/07-performance/lab.c
#   make bench BENCH_SRC=solutions  measure the reference solution
#
# By default the solution is measured when the kit has one (an instructor's
# copy), and the student's own lab.c otherwise (a handout).

LOADGEN      ?= $(BUILD)/bin/loadgen
BENCH_DIR    := $(BUILD)/bench
BENCH_REPORT := $(BUILD)/bin/bench-report
BENCH_SRC    ?= $(if $(wildcard solutions/07-performance/lab.c),solutions,labs)
# Where the top Makefile puts build/bin/lab07 for that SRC_ROOT.
BENCH_LAB07   = $(if $(filter labs,$(BENCH_SRC)),$(BUILD)/bin/lab07,$(BUILD)/$(BENCH_SRC)/bin/lab07)

.PHONY: bench

$(BENCH_REPORT): bench/report.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $< -lm -o $@

bench: $(LOADGEN) $(BENCH_REPORT) | deps-build
	@$(MAKE) --no-print-directory SRC_ROOT=$(BENCH_SRC) $(BENCH_LAB07)
	@bash bench/bench.sh $(BENCH_LAB07) $(LOADGEN) $(BENCH_REPORT) $(BENCH_DIR)

# ---- the lesson's table and plots ----------------------------------------------
# docs/lessons/07-performance.md shows the numbers measured for it, kept in
# bench/measured.csv (a `make bench` run's runs.csv, copied there by hand
# together with the words that describe it). They are drawn with the same
# program as a live run, into the figures folder the docs use.
BENCH_FIGURES := $(BUILD)/diagrams/07-bench-rate.svg $(BUILD)/diagrams/07-bench-balance.svg \
                 $(BUILD)/diagrams/07-bench-stall.svg
BENCH_TABLES  := $(BUILD)/diagrams/07-bench-table.md $(BUILD)/diagrams/07-bench-stall.md

# One run of the report writes all of them (a grouped target).
$(BENCH_FIGURES) $(BENCH_TABLES) &: bench/measured.csv $(BENCH_REPORT)
	@mkdir -p $(BUILD)/diagrams
	$(BENCH_REPORT) --quiet --markdown-dir $(BUILD)/diagrams --plot-dir $(BUILD)/diagrams bench/measured.csv

diagrams: $(BENCH_FIGURES)
docs: $(BENCH_FIGURES:$(BUILD)/diagrams/%=$(BUILD)/docs/figures/%)
$(BUILD)/docs/07-performance.html: $(BENCH_TABLES) $(BENCH_FIGURES)
