# harness/mutate/mutate.mk - `make mutate`: the grader's mutation score.
#
# Included by the top Makefile (after BUILD, CFLAGS and deps-build are
# defined). build/bin/mutate makes mechanical mutants of a solution's STEP
# blocks; harness/mutate/run.sh grades them and prints, per lab, how many
# the grader kills. Not part of `make test` (a full pass takes a while);
# harness/mutate/selftest-sample.sh is its quick check.
#
#   make mutate                   every lab
#   make mutate LAB=3             one lab
#   make mutate LAB=3 SAMPLE=20   20 of its mutants (the same 20 each time)
#   make mutate LAB=3 IDS="1a2b3c4d 5e6f7a8b"
#   make mutate JOBS=2            mutants graded at once (default: one per core)
#   make mutate MIN_SCORE=90      fail when a lab scores below 90%
#   make mutate RECHECK=0         count a test's time limit as a kill at once
#   make mutate GRADE=0           grade nothing: count the last run's verdicts again
#                                 (after editing harness/mutate/equivalent/NN-name.txt)
#
# Results: build/mutate/report.txt (scores, each survivor with its diff),
# build/mutate/scores.csv, build/mutate/survivors-NN.txt, and every
# mutant's folder build/mutate/NN-name/ID/ (its lab.c, grade log, results).

MUTATE := $(BUILD)/bin/mutate

.PHONY: mutate

$(MUTATE): $(BUILD)/harness/mutate/mutate.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -o $@

.SECONDARY: $(BUILD)/harness/mutate/mutate.o

mutate: $(MUTATE) | deps-build
	@if [ ! -d solutions ]; then echo "make mutate grades mutants of solutions/ (this is a student handout)" >&2; exit 2; fi
	@MAKE='$(MAKE)' BUILD='$(BUILD)' MUTATE='$(MUTATE)' LAB='$(LAB)' IDS='$(IDS)' SAMPLE='$(SAMPLE)' \
	    JOBS='$(JOBS)' RECHECK='$(RECHECK)' MIN_SCORE='$(MIN_SCORE)' harness/mutate/run.sh
