#!/usr/bin/env bash
# selftest-sample.sh - the quick check of `make mutate`, for `make test`.
#
# A full mutation pass takes most of an hour; this takes well under a
# minute. harness/mutate/sample.txt names a few mutants per lab ("LAB ID
# killed|equivalent description"), chosen because today's grader kills
# them (or because they are listed as equivalent). It checks that
#   - build/bin/mutate builds and lists a non-empty set of mutants per lab;
#   - it still makes every sampled id (an id that changed would make the
#     equivalent lists stale without notice);
#   - each "killed" mutant compiles and is killed by `make mutate`'s own
#     grading (run.sh, with IDS=...);
#   - each "equivalent" one is still listed in harness/mutate/equivalent/
#     and compiles.
# Prints "ok   ..." or "FAIL ..." lines like harness/selftest/run.sh, then
# "mutate sample: N passed, M failed"; exit status 0 only when nothing failed.
#
# Environment: MAKE BUILD, LAB=N (one lab).
set -u
MAKE=${MAKE:-make}
BUILD=${BUILD:-build}
MUTATE=$BUILD/bin/mutate
OUT=$BUILD/selftest/mutate
SAMPLE_FILE=harness/mutate/sample.txt
passed=0
failed=0
pass() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

lab_filter=""
if [ -n "${LAB:-}" ]; then
    lab_filter="$(printf '%02d' "$((10#$LAB))")-"
fi
rm -rf "$OUT"
mkdir -p "$OUT"

if ! $MAKE --no-print-directory -s "$MUTATE" >"$OUT/build.log" 2>&1; then
    tail -n 20 "$OUT/build.log"
    fail "mutate: $MUTATE does not build"
    echo "mutate sample: $passed passed, $failed failed"
    exit 1
fi

# Every lab has mutants.
# shellcheck disable=SC2231 # the filter is part of the glob on purpose
for dir in solutions/${lab_filter:-[0-9][0-9]-}*/; do
    lab=$(basename "$dir")
    if "$MUTATE" list "$dir/lab.c" >"$OUT/$lab.tsv" 2>"$OUT/$lab.err" && [ -s "$OUT/$lab.tsv" ]; then
        pass "mutate: $lab: $(wc -l <"$OUT/$lab.tsv") mutants"
    else
        cat "$OUT/$lab.err"
        fail "mutate: $lab: no mutants listed"
    fi
done

# The sample: each id still made; the equivalent ones compile here, the
# killed ones are graded below in one run.
killed_ids=()
killed_labs=()
while read -r lab id kind _; do
    case "$lab" in '' | '#'*) continue ;; esac
    [ -z "$lab_filter" ] || [[ "$lab" == "$lab_filter"* ]] || continue
    if ! cut -f1 "$OUT/$lab.tsv" 2>/dev/null | grep -qx "$id"; then
        fail "mutate: $lab/$id ($kind in $SAMPLE_FILE): mutate no longer makes it"
        continue
    fi
    case "$kind" in
    killed)
        killed_ids+=("$id")
        killed_labs+=("$lab")
        ;;
    equivalent)
        mkdir -p "$OUT/equivalent"
        if ! grep -q "^${id}[[:space:]]" "harness/mutate/equivalent/$lab.txt" 2>/dev/null; then
            fail "mutate: $lab/$id: not in harness/mutate/equivalent/$lab.txt"
        elif "$MUTATE" write "solutions/$lab/lab.c" "$id" "$OUT/equivalent/$id.c" &&
            ${CC:-cc} -std=c11 -D_GNU_SOURCE -Ilabs/common -I"labs/$lab" -fsyntax-only "$OUT/equivalent/$id.c" \
                >"$OUT/equivalent/$id.log" 2>&1; then
            pass "mutate: $lab/$id: equivalent, still made, compiles"
        else
            head -n 5 "$OUT/equivalent/$id.log"
            fail "mutate: $lab/$id: equivalent, but it does not compile"
        fi
        ;;
    *) fail "mutate: $SAMPLE_FILE: '$kind' for $lab/$id: want killed or equivalent" ;;
    esac
done <"$SAMPLE_FILE"

# The killed ones, graded the way `make mutate` grades.
if [ ${#killed_ids[@]} -gt 0 ]; then
    MAKE=$MAKE BUILD=$BUILD MUTATE=$MUTATE MUTATE_DIR="$OUT/run" LAB="${LAB:-}" IDS="${killed_ids[*]}" BASELINE=0 \
        harness/mutate/run.sh >"$OUT/run.log" 2>&1
    for k in "${!killed_ids[@]}"; do
        lab=${killed_labs[$k]} id=${killed_ids[$k]}
        verdict=$(cat "$OUT/run/$lab/$id/verdict" 2>/dev/null)
        description=$(awk -F'\t' -v id="$id" '$1 == id { print $3 }' "$OUT/$lab.tsv")
        case "$verdict" in
        killed*) pass "mutate: $lab/$id killed (${verdict#killed }): $description" ;;
        "") fail "mutate: $lab/$id: not graded (see $OUT/run.log)" ;;
        *) fail "mutate: $lab/$id: $verdict, want killed: $description" ;;
        esac
    done
fi

echo "mutate sample: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
