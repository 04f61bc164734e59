#!/usr/bin/env bash
# grade-lab.sh NAME - grade one lab (e.g. 01-five-tuple); called by `make grade`.
#
# Builds the lab's test binary against $SRC_ROOT/NAME/lab.c and runs it,
# which writes $GRADE_DIR/NAME.results. When the lab does not build (or
# harness/check-lab-object.sh refuses the compiled lab.c), the
# lab's "plan" (its tests without the student's code) records every test
# with 0 points and the compiler's first errors, so the other labs are still
# graded and the report still adds up.
#
# Environment (set by the Makefile's recipe): MAKE BUILD SRC_ROOT OBJ GRADE_DIR.
set -u
name=$1
results="$GRADE_DIR/$name.results"
log="$GRADE_DIR/$name.build.log"
mkdir -p "$GRADE_DIR"
rm -f "$results"

# The plan lists the lab's tests and scores each 0, with $1's text as the reason.
record_not_built() {
    if ! $MAKE --no-print-directory -s BUILD="$BUILD" "$BUILD/harness/$name/plan" >>"$log" 2>&1; then
        echo "grade: the grader of lab $name does not build (see $log)" >&2
        exit 3
    fi
    "$BUILD/harness/$name/plan" --out "$results" --not-compiled "$1" || exit 3
}

if [ ! -f "$SRC_ROOT/$name/lab.c" ]; then
    echo "There is no $name/lab.c in $SRC_ROOT: nothing to grade for this lab." >"$log.errors"
    record_not_built "$log.errors"
    exit 0
fi

if $MAKE --no-print-directory -s BUILD="$BUILD" SRC_ROOT="$SRC_ROOT" OBJ="$OBJ" "$OBJ/$name/test" >"$log" 2>&1; then
    # Each test has its own time limit; this outer bound only guards against
    # the runner itself getting stuck.
    timeout -k 5 "${LAB_TIMEOUT:-900}" "$OBJ/$name/test" --out "$results" --output-dir "$GRADE_DIR/$name"
    status=$?
    if [ $status -ne 0 ]; then
        echo "grade: the test runner of lab $name failed (status $status)" >&2
        exit 3
    fi
elif grep -q '^lab-check: ' "$log"; then
    # It compiled, but check-lab-object.sh refused to let the grader link it.
    { echo "Your lab.c was not graded: it may call only the C library and labs/common, and nothing in it may run by itself."
      sed -n 's/^lab-check: //p' "$log"; } >"$log.errors"
    record_not_built "$log.errors"
else
    # Keep what the compiler said; make's own "***" lines only add noise.
    { echo "Your lab.c did not build, so no test could run. The compiler said:"; grep -v '^make' "$log"; } >"$log.errors"
    record_not_built "$log.errors"
fi
