#!/usr/bin/env bash
# run.sh - `make test`: the self-test of the kit (not of a student).
#
#  0. every program builds (walk-throughs, load generator, diagram tool),
#     and each walk-through runs against its solution and its skeleton;
#  1. unit tests of labs/common and the grader's results file;
#  2. the solutions score full marks, also with two graders at once;
#  3. the untouched skeletons score 0, and the grader survives them;
#  4. every mutant in harness/mutants (a realistic mistake applied to a
#     solution) loses points in the step(s) its "Breaks:" line names; make
#     mutate works on a fixed sample (harness/mutate/selftest-sample.sh);
#  5. every hostile case in harness/selftest/cases (an endless loop, a crash,
#     the old pass status from inside a step, ...) costs only the tests its
#     "Expect:" line names, and leaves no process behind; a lab.c made of
#     calls into labs/common alone scores 0 in every lab;
#  6. the instructor's tools: the handout has no solution in it and grades
#     from a fresh folder; the Gradescope autograder, run locally, grades a
#     solution, a skeleton and a broken submission; grade-class gives each
#     student what `make grade` gives alone;
#  7. the figures and the lessons build, and every link in them resolves.
# Ends with "N passed, M failed"; exit status 0 only when nothing failed.
#
# LAB=N limits the grading checks (2 to 5) to one lab, for lab authors.
#
# Environment (exported by the Makefile): MAKE BUILD, and LAB if given.
set -u
MAKE=${MAKE:-make}
BUILD=${BUILD:-build}
ST="$BUILD/selftest"
rm -rf "$ST"
mkdir -p "$ST"
passed=0
failed=0
lab_glob="[0-9][0-9]-*"
if [ -n "${LAB:-}" ]; then
    lab_glob="$(printf '%02d' "$((10#$LAB))")-*"
fi

pass() { echo "ok   $*"; passed=$((passed + 1)); }
# "== name" starts a part; each part's time is printed when the next begins
# (SECONDS is bash's clock), so a slow part shows.
section_start=$SECONDS
section() {
    [ -z "${section_name:-}" ] || echo "   ($section_name: $((SECONDS - section_start)) s)"
    section_name=$1
    section_start=$SECONDS
    echo "== $1"
}
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

# The "score" of a results.json, e.g. 42.
json_score() { sed -n 's/^  "score": \([0-9]*\),$/\1/p' "$1"; }

# `make grade` exits 0 at full marks and 2 (make's status for a failed
# recipe) otherwise, whether points were lost or the grader broke. A broken
# grader is told apart by its own words: the report's "report:" or
# "grade:" lines on stderr, or no results.json at all.
grader_broke() { # grader_broke LOG GRADE_DIR
    grep -qE '^(report|grade): ' "$1" || [ ! -s "$2/results.json" ]
}

# Statuses of a lab's tests: "step status" per line, from a results file.
test_statuses() { awk -F'\t' '$1 == "test" { print $2, $7 }' "$1"; }

# Processes still running a program from under $1 (a build folder).
leftovers() {
    local dir pid exe
    dir=$(realpath "$1")
    for pid in /proc/[0-9]*; do
        exe=$(readlink "$pid/exe" 2>/dev/null) || continue
        case "$exe" in "$dir"/*) echo "${pid#/proc/} $exe" ;; esac
    done
}

# A patch file's header value: header FILE "Breaks" -> "step 2".
header() { sed -n "s/^$2: *//p" "$1" | head -n 1; }

section "programs"
# The walk-through programs, the load generator and the diagram generator
# are not built by grading: build them here (with WERROR=1 in CI).
if $MAKE --no-print-directory -s all >"$ST/all.log" 2>&1; then
    pass "make all: the walk-through programs and tools build"
else
    tail -n 20 "$ST/all.log"
    fail "make all"
fi

section "walk-through programs"
# Against the solution each runs to the end (exit 0); against the untouched
# skeleton it stops at a step that is not written (exit 1); a bad argument
# gets one line on stderr and exit 2.
# shellcheck disable=SC2231 # lab_glob is a glob on purpose
for dir in labs/$lab_glob/; do
    lab=$(basename "$dir")
    n=${lab%%-*}
    solution_bin="$BUILD/solutions/bin/lab$n"
    if ! $MAKE --no-print-directory -s SOLUTIONS=1 "$solution_bin" >"$ST/walk-$n.log" 2>&1; then
        tail -n 5 "$ST/walk-$n.log"
        fail "walk-through lab$n does not build against the solution"
        continue
    fi
    timeout 120 "$solution_bin" </dev/null >"$ST/walk-$n.solution.log" 2>&1
    with_solution=$?
    timeout 120 "$BUILD/bin/lab$n" </dev/null >"$ST/walk-$n.skeleton.log" 2>&1
    with_skeleton=$?
    "$solution_bin" --no-such-option >/dev/null 2>"$ST/walk-$n.usage.log"
    bad_argument=$?
    if [ $with_solution -eq 0 ] && [ $with_skeleton -eq 1 ] && [ $bad_argument -eq 2 ] &&
        [ "$(wc -l <"$ST/walk-$n.usage.log")" -eq 1 ]; then
        pass "walk-through lab$n: solution runs to the end, skeleton stops at step 1, bad argument: one line, exit 2"
    else
        tail -n 5 "$ST/walk-$n.solution.log"
        fail "walk-through lab$n: exit $with_solution with the solution (want 0), $with_skeleton with the skeleton (want 1), $bad_argument for a bad argument (want 2, one line)"
    fi
done

section "unit tests"
if $MAKE --no-print-directory -s unit >"$ST/unit.log" 2>&1; then
    pass "unit tests ($(grep -o 'Checks: [0-9]*' "$ST/unit.log"))"
else
    cat "$ST/unit.log"
    fail "unit tests"
fi

section "solutions"
if $MAKE --no-print-directory -s grade SOLUTIONS=1 GRADE_DIR="$ST/solutions" >"$ST/solutions.log" 2>&1; then
    pass "solutions: $(grep '^Score:' "$ST/solutions.log")"
else
    cat "$ST/solutions.log"
    fail "solutions do not score full marks"
fi

# Two graders at once, sharing the machine (and its ports): both must pass.
$MAKE --no-print-directory -s grade SOLUTIONS=1 GRADE_DIR="$ST/twin-a" >"$ST/twin-a.log" 2>&1 &
twin_a=$!
$MAKE --no-print-directory -s grade SOLUTIONS=1 GRADE_DIR="$ST/twin-b" >"$ST/twin-b.log" 2>&1
twin_b_status=$?
wait $twin_a
twin_a_status=$?
if [ $twin_a_status -eq 0 ] && [ $twin_b_status -eq 0 ]; then
    pass "two graders at once: both full marks"
else
    tail -n 30 "$ST/twin-a.log" "$ST/twin-b.log"
    fail "two graders at once (status $twin_a_status and $twin_b_status)"
fi

section "skeletons"
$MAKE --no-print-directory -s grade GRADE_DIR="$ST/skeletons" >"$ST/skeletons.log" 2>&1
status=$?
score=$(json_score "$ST/skeletons/results.json" 2>/dev/null)
if [ $status -ne 0 ] && [ "$score" = "0" ] && ! grader_broke "$ST/skeletons.log" "$ST/skeletons"; then
    pass "skeletons: $(grep '^Score:' "$ST/skeletons.log") (exit status $status)"
else
    tail -n 40 "$ST/skeletons.log"
    fail "skeletons: exit status $status (want non-zero), score '${score}' (want 0)"
fi

# Grade lab.c files made from patches: $1 = what (mutants|cases), $2 = patch.
# Prints the folder it graded in; the results are in DIR/grade.
grade_patched() {
    local patch=$2 lab base dir
    lab=$(basename "$(dirname "$patch")")
    base=$(basename "$patch" .patch)
    dir="$ST/$1/$lab-$base"
    mkdir -p "$dir/src/$lab"
    if ! patch -s -o "$dir/src/$lab/lab.c" "solutions/$lab/lab.c" <"$patch" >"$dir/patch.log" 2>&1; then
        echo "patch-failed"
        return
    fi
    $MAKE --no-print-directory -s grade LAB="${lab%%-*}" SRC_ROOT="$dir/src" OBJ="$dir/obj" \
        GRADE_DIR="$dir/grade" >"$dir/grade.log" 2>&1
    local status=$?
    if grader_broke "$dir/grade.log" "$dir/grade"; then
        echo "broke"
    elif [ $status -eq 0 ]; then
        echo "full-marks"
    else
        echo "points-lost"
    fi
}

# One mutant: it must lose points in every step its "Breaks:" line names.
# A "Needs: root" line marks a mutant that only root can catch.
check_mutant() {
    local patch=$1 lab what steps status dir results missed step
    lab=$(basename "$(dirname "$patch")")
    what=$(header "$patch" Mutant)
    steps=$(header "$patch" Breaks | tr -cs '0-9' ' ')
    if [ -z "$what" ] || [ -z "${steps// /}" ]; then
        echo "FAIL $patch: needs 'Mutant:' and 'Breaks: step N' header lines"
        return
    fi
    # "Needs: root": a mutant of a step only root can test.
    if [ "$(header "$patch" Needs)" = root ] && [ "$(id -u)" -ne 0 ]; then
        echo "skip mutant $patch ($what): needs root"
        return
    fi
    status=$(grade_patched mutants "$patch")
    dir="$ST/mutants/$lab-$(basename "$patch" .patch)"
    results="$dir/grade/$lab.results"
    if [ "$status" = patch-failed ]; then
        echo "FAIL $patch: does not apply to solutions/$lab/lab.c"
    elif [ "$status" != points-lost ] || [ ! -f "$results" ]; then
        echo "FAIL $patch ($what): $status, want points-lost (see $dir/grade.log)"
    elif test_statuses "$results" | grep -q 'not compiled'; then
        echo "FAIL $patch ($what): the mutant does not compile"
    else
        missed=""
        for step in $steps; do
            test_statuses "$results" | awk -v s="$step" '$1 == s && $2 != "pass" { found = 1 } END { exit !found }' ||
                missed="$missed $step"
        done
        if [ -n "$missed" ]; then
            echo "FAIL $patch ($what): step(s)$missed lost no points"
        else
            echo "ok   mutant $lab/$(basename "$patch" .patch): $what -> step(s) $steps lose points"
        fi
    fi
}

# One hostile case. "Expect: timeout in steps 4 7": only those steps lose
# points, only with that status, and at least one test has it. "Expect:
# pass": full marks (the mischief did not break the grader). "Expect:
# rejected": the grader refuses the lab.c before running any test, saying
# why (harness/check-lab-object.sh). "Needs: root":
# skipped otherwise (kill(-1) as an ordinary user would reach the user's
# own processes).
check_case() {
    local patch=$1 lab name what expect want_status want_steps status dir results left wrong hit
    lab=$(basename "$(dirname "$patch")")
    name="$lab/$(basename "$patch" .patch)"
    what=$(header "$patch" Case)
    expect=$(header "$patch" Expect)
    want_status=${expect%% *}
    want_steps=$(echo "${expect#"$want_status"}" | tr -cs '0-9' ' ')
    if [ "$(header "$patch" Needs)" = root ] && [ "$(id -u)" -ne 0 ]; then
        echo "skip case $name ($what): needs root"
        return
    fi
    status=$(grade_patched cases "$patch")
    dir="$ST/cases/$lab-$(basename "$patch" .patch)"
    results="$dir/grade/$lab.results"
    left=$(leftovers "$dir")
    if [ ! -f "$results" ]; then
        echo "FAIL case $name ($what): the grader wrote no results ($status)"
    elif [ -n "$left" ]; then
        echo "FAIL case $name ($what): processes left running: $left"
    elif [ "$want_status" = rejected ]; then
        # refused before any test ran: every test unbuilt, the reason given
        if [ "$(test_statuses "$results" | grep -vc ' not compiled$')" -eq 0 ] &&
            grep -q 'was not graded' "$dir/grade.log"; then
            echo "ok   case $name: $what -> refused before any test ran, with the reason"
        else
            echo "FAIL case $name ($what): want it refused unbuilt; got $status (see $dir/grade.log)"
        fi
    elif [ "$want_status" = pass ]; then
        if [ "$status" = full-marks ]; then
            echo "ok   case $name: $what -> full marks, the grader unharmed, nothing left running"
        else
            echo "FAIL case $name ($what): want full marks, got $status (see $dir/grade.log)"
        fi
    else
        # every lost point must be in a wanted step, with the wanted status
        wrong=$(test_statuses "$results" | awk -v steps=" $want_steps " -v w="$want_status" \
            '$2 != "pass" && $2 != "skipped" && (index(steps, " " $1 " ") == 0 || $2 != w)')
        hit=$(test_statuses "$results" | awk -v w="$want_status" '$2 == w' | wc -l)
        if [ "$status" = points-lost ] && [ "$hit" -gt 0 ] && [ -z "$wrong" ]; then
            echo "ok   case $name: $what -> $hit test(s) $want_status in steps$want_steps only, nothing left running"
        else
            echo "FAIL case $name ($what): want $want_status in steps$want_steps only; got $status, unexpected: [$(echo "$wrong" | tr '\n' ';')]"
        fi
    fi
}

# Mutants and cases are independent, and many of them wait out a timeout,
# so several are graded at once. Their lines are counted afterwards.
export -f check_mutant check_case grade_patched header test_statuses leftovers grader_broke
export MAKE BUILD ST
run_parallel() { # run_parallel FUNCTION PATCH...
    local fn=$1 line
    shift
    [ $# -gt 0 ] || return 0
    # shellcheck disable=SC2016 # $1 and $2 are for the inner bash
    while IFS= read -r line; do
        echo "$line"
        case "$line" in
        ok*) passed=$((passed + 1)) ;;
        FAIL*) failed=$((failed + 1)) ;;
        esac
    done < <(printf '%s\n' "$@" | xargs -P 4 -I{} bash -c '"$1" "$2"' _ "$fn" {} | sort)
}

section "mutants"
shopt -s nullglob
# shellcheck disable=SC2206 # lab_glob is a glob on purpose
mutants=(harness/mutants/$lab_glob/*.patch)
[ ${#mutants[@]} -gt 0 ] || fail "no mutants found in harness/mutants"
run_parallel check_mutant "${mutants[@]}"

section "mutation testing (a fixed sample)"
# make mutate itself is too long for the self-test; this checks on a few
# fixed mutants per lab that it still builds, makes them and grades them.
MAKE="$MAKE" BUILD="$BUILD" LAB="${LAB:-}" harness/mutate/selftest-sample.sh >"$ST/mutate-sample.log" 2>&1
sample_status=$?
while IFS= read -r line; do
    echo "$line"
    case "$line" in
    ok*) passed=$((passed + 1)) ;;
    FAIL*) failed=$((failed + 1)) ;;
    esac
done < <(grep -E '^(ok|FAIL) ' "$ST/mutate-sample.log")
if [ $sample_status -ne 0 ] && ! grep -q '^FAIL ' "$ST/mutate-sample.log"; then
    tail -n 10 "$ST/mutate-sample.log"
    fail "mutate sample: exit status $sample_status"
fi

section "hostile cases"
# A case marked "Alone: yes" (the fork bomb: hundreds of spinning processes
# until its timeouts) would starve the cases graded beside it, so those
# run by themselves, after the others.
together=()
alone_cases=()
# shellcheck disable=SC2231 # lab_glob is a glob on purpose
for patch in harness/selftest/cases/$lab_glob/*.patch; do
    if [ "$(header "$patch" Alone)" = yes ]; then
        alone_cases+=("$patch")
    else
        together+=("$patch")
    fi
done
run_parallel check_case "${together[@]}"
for patch in "${alone_cases[@]}"; do
    run_parallel check_case "$patch"
done

section "the student's library answers no step"
# harness/selftest/library-only/NN-name/lab.c: each lab answered by the
# nearest calls into labs/common, with no logic of its own. Every lab must
# score 0: the library handed to students performs no graded step.
# shellcheck disable=SC2231 # lab_glob is a glob on purpose
for dir in harness/selftest/library-only/$lab_glob/; do
    lab=$(basename "$dir")
    $MAKE --no-print-directory -s grade LAB="${lab%%-*}" SRC_ROOT=harness/selftest/library-only \
        OBJ="$ST/library-only/obj" GRADE_DIR="$ST/library-only/grade" >"$ST/library-only-$lab.log" 2>&1
    earned=$(awk -F'\t' '$1 == "test" { s += $5 } END { print s + 0 }' "$ST/library-only/grade/$lab.results" 2>/dev/null)
    if [ -f "$ST/library-only/grade/$lab.results" ] && [ "$earned" = 0 ] &&
        ! grader_broke "$ST/library-only-$lab.log" "$ST/library-only/grade"; then
        pass "library-only $lab: 0 points"
    else
        grep -E ' pass$' "$ST/library-only-$lab.log"
        fail "library-only $lab: $earned points from calls into labs/common alone"
    fi
done

section "instructor tools"
# The handout: no solution line in it, and it grades (score 0) when unpacked.
if $MAKE --no-print-directory -s handout >"$ST/handout.log" 2>&1 &&
    harness/instructor/check-handout.sh "$BUILD/socklab-handout.tar.gz" >>"$ST/handout.log" 2>&1; then
    pass "handout: $(grep -h 'found\|builds and grades' "$ST/handout.log" | tr '\n' ' ')"
else
    tail -n 20 "$ST/handout.log"
    fail "handout"
fi

# Gradescope, run locally against folders laid out like /autograder.
mapfile -t all_labs < <(find labs -mindepth 1 -maxdepth 1 -type d -name '[0-9][0-9]-*' -printf '%f\n' | sort)
make_submission() { # make_submission DIR KIND: solution | skeleton | broken
    local dir=$1 kind=$2 i=0 lab
    mkdir -p "$dir"
    for lab in "${all_labs[@]}"; do
        i=$((i + 1))
        mkdir -p "$dir/$lab"
        case "$kind" in
        solution) cp "solutions/$lab/lab.c" "$dir/$lab/lab.c" ;;
        skeleton) cp "labs/$lab/lab.c" "$dir/$lab/lab.c" ;;
        broken) # the first lab missing, the second not compiling, the rest solved
            if [ $i -eq 1 ]; then rmdir "$dir/$lab"; continue; fi
            cp "solutions/$lab/lab.c" "$dir/$lab/lab.c"
            [ $i -eq 2 ] && echo "this line is not C" >>"$dir/$lab/lab.c"
            ;;
        esac
    done
    [ "$kind" = broken ] && echo "notes" >"$dir/README.txt"
    return 0
}
if $MAKE --no-print-directory -s gradescope >"$ST/gradescope.log" 2>&1; then
    for kind in solution skeleton broken; do
        ag="$ST/gradescope/$kind"
        mkdir -p "$ag/source" "$ag/results"
        (cd "$ag/source" && unzip -q "$(realpath "$OLDPWD/$BUILD/gradescope/autograder.zip")")
        make_submission "$ag/submission" "$kind"
        AUTOGRADER_ROOT=$(realpath "$ag") bash "$ag/source/run_autograder" >"$ag/log" 2>&1
        got=$(json_score "$ag/results/results.json" 2>/dev/null)
        max=$(awk -F'"max_score": ' 'NF > 1 { split($2, a, ","); s += a[1] } END { print s + 0 }' \
            "$ag/results/results.json" 2>/dev/null)
        case "$kind" in
        solution) ok=$([ -n "$got" ] && [ "$got" = "$max" ] && [ "$max" -gt 0 ] && echo y) ;;
        skeleton) ok=$([ "$got" = 0 ] && echo y) ;;
        broken) ok=$([ -n "$got" ] && grep -q "no ${all_labs[0]}/lab.c" "$ag/results/results.json" &&
            grep -q 'Ignored (not a lab' "$ag/results/results.json" && echo y) ;;
        esac
        if [ "$ok" = y ]; then
            pass "gradescope ($kind submission): results.json score $got of $max"
        else
            tail -n 20 "$ag/log"
            fail "gradescope ($kind submission): score '$got' of '$max'"
        fi
    done
else
    tail -n 20 "$ST/gradescope.log"
    fail "make gradescope"
fi

# A small class: the table must give each student what `make grade` gives alone.
class="$ST/class-submissions"
make_submission "$class/ada" solution
make_submission "$class/bob" skeleton
make_submission "$class/cy" broken
if $MAKE --no-print-directory -s grade-class SUBMISSIONS="$class" BUILD="$BUILD" >"$ST/class.log" 2>&1; then
    mismatch=""
    for student in ada bob cy; do
        alone="$ST/class-alone/$student"
        $MAKE --no-print-directory -s grade SRC_ROOT="$(realpath "$class/$student")" OBJ="$alone/obj" \
            GRADE_DIR="$alone/grade" >/dev/null 2>&1
        want=$(json_score "$alone/grade/results.json")
        got=$(awk -F, -v s="\"$student\"" '$1 == s { print $(NF - 1) }' "$BUILD/class/class.csv")
        [ "$want" = "$got" ] || mismatch="$mismatch $student(alone $want, class $got)"
    done
    if [ -z "$mismatch" ]; then
        pass "grade-class: $(tail -n 1 "$ST/class.log" | sed 's/^grade-class: //'), scores equal to make grade alone"
    else
        fail "grade-class: scores differ from make grade alone:$mismatch"
    fi
else
    tail -n 20 "$ST/class.log"
    fail "make grade-class"
fi

section "figures and lessons"
if $MAKE --no-print-directory -s docs >"$ST/docs.log" 2>&1; then
    pass "docs and diagrams build"
else
    tail -n 20 "$ST/docs.log"
    fail "docs and diagrams build"
fi
if $MAKE --no-print-directory -s docs-check >"$ST/links.log" 2>&1; then
    pass "$(tail -n 1 "$ST/links.log")"
else
    cat "$ST/links.log"
    fail "broken links in build/docs"
fi

section "nothing left running"
left=$(leftovers "$BUILD")
if [ -z "$left" ]; then
    pass "no process from $BUILD/ is left running"
else
    echo "$left"
    fail "processes left running"
fi

echo "   ($section_name: $((SECONDS - section_start)) s)"
echo
echo "selftest: $passed passed, $failed failed in $SECONDS s"
[ "$failed" -eq 0 ]
