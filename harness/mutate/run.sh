#!/usr/bin/env bash
# run.sh - `make mutate`: how strong is the grader? Grades mechanical
# mutants of each lab's reference solution and prints its mutation score.
#
# For each selected lab: the solution must score full marks first; then
# build/bin/mutate lists the mutants of its STEP blocks (one small change
# each), and each is graded by `make grade` in its own folder,
# build/mutate/NN-name/ID/, several at once. A mutant is
#   killed     some test neither passed nor was skipped (the runner also
#              stops a lab at its first failing test: GRADE_STOP_EARLY=1),
#              or the whole lab timed out;
#   survived   full marks: no test saw the change;
#   stillborn  it does not compile (not counted);
#   equivalent listed in harness/mutate/equivalent/NN-name.txt ("ID  reason"):
#              no program could tell it from the solution (not counted,
#              not graded). A listed id the tool no longer makes is "stale".
# As root, each mutant is graded in a PID namespace of its own (unshare), so
# one that signals a stray pid from a test that keeps root hurts nothing.
# Score = killed / (killed + survived). Prints, per lab,
#   NN-name: mutation score: K of M killed (P%), E equivalent, S stillborn
# and each survivor's id, description and diff against the solution; the
# same goes to build/mutate/report.txt, a summary to build/mutate/scores.csv,
# the survivors to build/mutate/survivors-NN.txt and every verdict to
# build/mutate/NN-name/verdicts.tsv.
#
# Environment (make passes its variables on):
#   LAB=N        one lab (default: all)
#   IDS="a b"    grade only these mutant ids (spaces or commas)
#   SAMPLE=k     grade only k mutants per lab (the first k ids in sorted order:
#                the same k every time)
#   JOBS=n       mutants graded at once (default: the number of cores)
#   RECHECK=0    do not re-grade a mutant killed only by a test's time limit
#                (by default it is graded once more with doubled time limits,
#                so a busy machine does not pass for a strong grader)
#   MIN_SCORE=p  exit 1 when a lab scores below p percent
#   GRADE=0      grade nothing: count again the verdicts of the last run
#                (after editing an equivalent list, say)
#   BASELINE=0   do not grade the solution first (the self-test, which has
#                just checked the solutions, saves the time)
#   MAKE BUILD MUTATE (the mutate program) MUTATE_DIR (default BUILD/mutate)
# Exit status: 0, or 1 when a solution is not at full marks, a mutant broke
# the grader, an id was unknown or a score is below MIN_SCORE; 2 for usage.
set -u
MAKE=${MAKE:-make}
BUILD=${BUILD:-build}
MUTATE=${MUTATE:-$BUILD/bin/mutate}
OUT=${MUTATE_DIR:-$BUILD/mutate}
JOBS=${JOBS:-$(nproc)}
RECHECK=${RECHECK:-1}
SAMPLE=${SAMPLE:-}
IDS=${IDS:-}
MIN_SCORE=${MIN_SCORE:-}
BASELINE=${BASELINE:-1}
GRADE=${GRADE:-1}

usage_error() { echo "mutate: $*" >&2; exit 2; }
[ -d solutions ] || usage_error "needs solutions/ (this is a student handout)"
[ -x "$MUTATE" ] || usage_error "no mutate program at $MUTATE (make $MUTATE)"
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || usage_error "JOBS=$JOBS: want a number of jobs"
[ -z "$SAMPLE" ] || [[ "$SAMPLE" =~ ^[1-9][0-9]*$ ]] || usage_error "SAMPLE=$SAMPLE: want a number of mutants"
[ -z "$MIN_SCORE" ] || [[ "$MIN_SCORE" =~ ^[0-9]+$ ]] || usage_error "MIN_SCORE=$MIN_SCORE: want a percentage"

labs=()
for dir in solutions/[0-9][0-9]-*/; do
    lab=$(basename "$dir")
    if [ -n "${LAB:-}" ]; then
        [[ "$LAB" =~ ^[0-9]+$ ]] || usage_error "LAB=$LAB: want a lab number"
        [ "${lab%%-*}" = "$(printf '%02d' "$((10#$LAB))")" ] || continue
    fi
    labs+=("$lab")
done
[ ${#labs[@]} -gt 0 ] || usage_error "LAB=${LAB:-}: no such lab in solutions/"
wanted_ids=" $(echo "$IDS" | tr ',' ' ') "

# As root, every grading runs in a PID namespace of its own. A few tests
# keep root (the "needs root" extras), and a mutant there may signal pid -1
# or a stray pid (kill() of an array element past the end, say): in its own
# namespace that reaches nothing but the mutant's test, and whatever it
# leaves running ends with the namespace.
ISOLATE=""
if [ "$(id -u)" -eq 0 ] && unshare --pid --fork --kill-child --mount-proc true 2>/dev/null; then
    ISOLATE="unshare --pid --fork --kill-child --mount-proc"
fi

# The grader's own objects are built once here, so the mutants graded in
# parallel never race to build them.
mkdir -p "$OUT"
if ! $MAKE --no-print-directory -s grader >"$OUT/grader.log" 2>&1; then
    cat "$OUT/grader.log" >&2
    echo "mutate: the grader does not build" >&2
    exit 1
fi

# Processes still running a program from under folder $1.
# shellcheck disable=SC2317 # this and the next two run in xargs's shells
leftovers() {
    local dir pid exe
    dir=$(realpath "$1")
    for pid in /proc/[0-9]*; do
        exe=$(readlink "$pid/exe" 2>/dev/null) || continue
        case "$exe" in "$dir"/*) echo "${pid#/proc/}" ;; esac
    done
}

# The verdict of one graded folder's results: "killed STEP TEST STATUS",
# "survived", "stillborn", or "error WHY".
# shellcheck disable=SC2317
verdict_of() { # verdict_of DIR LAB
    local results="$1/grade/$2.results"
    if [ ! -f "$results" ]; then
        if grep -q 'failed (status 124)\|failed (status 137)' "$1/grade.log" 2>/dev/null; then
            echo "killed - whole-lab timeout"
        else
            echo "error no results (see $1/grade.log)"
        fi
        return
    fi
    awk -F'\t' '
        $1 == "test" && $7 == "not compiled" { stillborn = 1 }
        $1 == "test" && $7 != "pass" && $7 != "skipped" && killer == "" { killer = $2 " " $3 " " $7 }
        END {
            if (stillborn) print "stillborn"
            else if (killer != "") print "killed " killer
            else print "survived"
        }' "$results"
}

# Grade one mutant (its lab.c is already written) and leave its verdict in
# DIR/verdict. Called by xargs, several at once.
# shellcheck disable=SC2317
grade_mutant() { # grade_mutant LAB ID
    local lab=$1 id=$2 dir verdict left
    dir="$OUT/$lab/$id"
    grade_once() {
        rm -rf "$dir/obj" "$dir/grade"
        # shellcheck disable=SC2086 # ISOLATE is a command and its options
        GRADE_STOP_EARLY=1 $ISOLATE $MAKE --no-print-directory -s grade LAB="${lab%%-*}" SRC_ROOT="$dir/src" \
            OBJ="$dir/obj" GRADE_DIR="$dir/grade" >"$dir/grade.log" 2>&1
        verdict=$(verdict_of "$dir" "$lab")
    }
    grade_once
    # A test's time limit may be a busy machine's doing: once more, with
    # twice the time, before it counts.
    if [ "$RECHECK" = 1 ] && [[ "$verdict" == killed*" timeout" ]]; then
        local first=$verdict
        CK_TIMEOUT_MULTIPLIER=2 grade_once
        [[ "$verdict" == killed* ]] || verdict="$verdict (at first: $first)"
    fi
    left=$(leftovers "$dir")
    if [ -n "$left" ]; then
        # shellcheck disable=SC2086 # one pid a word
        kill -KILL $left 2>/dev/null
        verdict="$verdict (processes left running were killed: ${left//$'\n'/ })"
    fi
    rm -rf "$dir/obj"
    echo "$verdict" >"$dir/verdict"
}
export -f grade_mutant verdict_of leftovers
export MAKE OUT RECHECK ISOLATE

report=$OUT/report.txt.tmp
scores=$OUT/scores.csv.tmp
echo "lab,mutants,stillborn,equivalent,graded,killed,survived,errors,score_percent" >"$scores"
: >"$report"
say() { echo "$*" | tee -a "$report"; }
status=0

for lab in "${labs[@]}"; do
    n=${lab%%-*}
    labdir=$OUT/$lab
    [ "$GRADE" = 0 ] || rm -rf "$labdir"
    mkdir -p "$labdir"
    echo "== $lab"

    # The solution first: mutants of a solution that loses points say nothing.
    # shellcheck disable=SC2086
    if [ "$GRADE" != 0 ] && [ "$BASELINE" != 0 ] && ! GRADE_STOP_EARLY=1 $ISOLATE $MAKE --no-print-directory -s grade LAB="$n" SRC_ROOT=solutions \
        OBJ="$labdir/solution/obj" GRADE_DIR="$labdir/solution/grade" >"$labdir/solution.log" 2>&1; then
        tail -n 30 "$labdir/solution.log"
        say "$lab: the solution does not score full marks: no mutation score (see $labdir/solution.log)"
        status=1
        continue
    fi
    rm -rf "$labdir/solution/obj"

    if ! "$MUTATE" list "solutions/$lab/lab.c" >"$labdir/mutants.tsv" 2>"$labdir/mutate.log"; then
        cat "$labdir/mutate.log" >&2
        say "$lab: mutate could not read solutions/$lab/lab.c"
        status=1
        continue
    fi
    total=$(wc -l <"$labdir/mutants.tsv")

    # Equivalent mutants: "ID  reason" lines; # starts a comment.
    equivalent_file=harness/mutate/equivalent/$lab.txt
    equivalent=" "
    stale=()
    if [ -f "$equivalent_file" ]; then
        while read -r id _; do
            case "$id" in '' | '#'*) continue ;; esac
            if cut -f1 "$labdir/mutants.tsv" | grep -qx "$id"; then
                equivalent="$equivalent$id "
            else
                stale+=("$id")
            fi
        done <"$equivalent_file"
    fi
    nequivalent=$(($(echo "$equivalent" | wc -w)))

    # Which mutants to grade.
    selected=()
    while IFS=$'\t' read -r id _; do
        [[ "$equivalent" == *" $id "* ]] && continue
        [ -n "${IDS// /}" ] && [[ "$wanted_ids" != *" $id "* ]] && continue
        selected+=("$id")
    done < <(sort "$labdir/mutants.tsv")
    if [ -n "$SAMPLE" ] && [ ${#selected[@]} -gt "$SAMPLE" ]; then
        selected=("${selected[@]:0:$SAMPLE}")
    fi

    start=$SECONDS
    if [ "$GRADE" != 0 ]; then
        for id in "${selected[@]}"; do
            mkdir -p "$labdir/$id/src/$lab"
            "$MUTATE" write "solutions/$lab/lab.c" "$id" "$labdir/$id/src/$lab/lab.c"
        done
        echo "$lab: grading ${#selected[@]} of $total mutants, $JOBS at a time"
        # shellcheck disable=SC2016 # $1 and $2 are for the inner bash
        printf '%s\n' "${selected[@]}" | xargs -r -P "$JOBS" -I{} bash -c 'grade_mutant "$1" "$2"' _ "$lab" {}
    else
        echo "$lab: counting the verdicts of the last run again (GRADE=0)"
    fi

    # Tally, in the order of the file.
    killed=0 survived=0 stillborn=0 errors=0
    survivors=()
    : >"$labdir/verdicts.tsv"
    while IFS=$'\t' read -r id step description; do
        if [[ "$equivalent" == *" $id "* ]]; then
            verdict=equivalent
        elif [ -f "$labdir/$id/verdict" ]; then
            verdict=$(cat "$labdir/$id/verdict")
        else
            continue
        fi
        case "$verdict" in
        killed*) killed=$((killed + 1)) ;;
        survived*) survived=$((survived + 1)) survivors+=("$id") ;;
        stillborn*) stillborn=$((stillborn + 1)) ;;
        equivalent) ;;
        *) errors=$((errors + 1)) ;;
        esac
        printf '%s\t%s\t%s\t%s\n' "$id" "$step" "$verdict" "$description" >>"$labdir/verdicts.tsv"
    done <"$labdir/mutants.tsv"

    counted=$((killed + survived))
    percent=$(awk -v k=$killed -v m=$counted 'BEGIN { if (m) printf "%.1f", 100 * k / m; else print "-" }')
    graded=0
    for id in "${selected[@]}"; do
        [ -f "$labdir/$id/verdict" ] && graded=$((graded + 1))
    done
    echo "$lab,$total,$stillborn,$nequivalent,$graded,$killed,$survived,$errors,$percent" >>"$scores"
    subset=""
    [ "$graded" -lt $((total - nequivalent)) ] && subset=" (graded $graded of $total mutants)"
    say "$lab: mutation score: $killed of $counted killed ($percent%), $nequivalent equivalent, $stillborn stillborn$subset [$((SECONDS - start)) s]"
    for id in "${stale[@]}"; do
        say "  stale: $equivalent_file lists $id, which mutate no longer makes"
        status=1
    done
    grep -P '\t(error|[^\t]*processes left running)' "$labdir/verdicts.tsv" | while IFS=$'\t' read -r id _ verdict description; do
        say "  ERROR $id: $verdict: $description"
    done
    [ "$errors" -gt 0 ] && status=1
    : >"$OUT/survivors-$n.txt"
    for id in "${survivors[@]}"; do
        description=$(awk -F'\t' -v id="$id" '$1 == id { print $3 }' "$labdir/mutants.tsv")
        printf '%s\t%s\n' "$id" "$description" >>"$OUT/survivors-$n.txt"
        say "  survived $id: $description"
        diff -u --label "solutions/$lab/lab.c" --label "mutant $id" "solutions/$lab/lab.c" \
            "$labdir/$id/src/$lab/lab.c" | sed 's/^/    /' | tee -a "$report"
    done
    if [ -n "$MIN_SCORE" ] && [ "$counted" -gt 0 ] && [ $((100 * killed)) -lt $((MIN_SCORE * counted)) ]; then
        say "  below MIN_SCORE=$MIN_SCORE%"
        status=1
    fi
done

for id in $wanted_ids; do
    if ! for lab in "${labs[@]}"; do cut -f1 "$OUT/$lab/mutants.tsv" 2>/dev/null; done | grep -qx "$id"; then
        echo "mutate: IDS: no mutant $id in the selected labs" >&2
        status=1
    fi
done
mv -f "$report" "$OUT/report.txt"
mv -f "$scores" "$OUT/scores.csv"
echo "mutate: report in $OUT/report.txt, scores in $OUT/scores.csv"
exit $status
