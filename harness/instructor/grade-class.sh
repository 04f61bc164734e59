#!/usr/bin/env bash
# grade-class.sh SUBMISSIONS OUTDIR - grade a whole class.
#
# Every folder under SUBMISSIONS is one student's submission, holding
# NN-name/lab.c folders (or labs/NN-name/lab.c). Each is graded by the same
# `make grade` a student runs, in a build folder of its own, several at
# once (one job per core). Writes OUTDIR/STUDENT/grade/results.json (and the
# rest of the report files) per student, and OUTDIR/class.csv: one row per
# student, a column per lab, the total.
#
# Environment (exported by the Makefile): MAKE.
set -u
MAKE=${MAKE:-make}
submissions=${1:-}
out=${2:-build/class}
if [ -z "$submissions" ] || [ ! -d "$submissions" ]; then
    echo "grade-class: SUBMISSIONS='$submissions' is not a folder (make grade-class SUBMISSIONS=dir)" >&2
    exit 2
fi
submissions=$(realpath "$submissions")
mkdir -p "$out"
out=$(realpath "$out")

mapfile -t students < <(find "$submissions" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
if [ ${#students[@]} -eq 0 ]; then
    echo "grade-class: no student folders in $submissions" >&2
    exit 2
fi

# The grader's shared parts are built once, first, so that the parallel
# jobs below never race to build the same files.
$MAKE --no-print-directory -s grader || exit 3

grade_one() {
    local student=$1 src="$submissions/$1"
    [ -d "$src/labs" ] && src="$src/labs"
    mkdir -p "$out/$student"
    $MAKE --no-print-directory -s grade SRC_ROOT="$src" OBJ="$out/$student/obj" \
        GRADE_DIR="$out/$student/grade" >"$out/$student/report.txt" 2>&1
    echo "grade-class: $student: $(grep '^Score:' "$out/$student/report.txt" || echo 'no score')"
}
export -f grade_one
export MAKE submissions out

start=$(date +%s)
# shellcheck disable=SC2016 # $1 is for the inner bash
printf '%s\n' "${students[@]}" | xargs -P "$(nproc)" -I{} bash -c 'grade_one "$1"' _ {}

# The table. Labs are the kit's labs, in order.
mapfile -t labs < <(find labs -mindepth 1 -maxdepth 1 -type d -name '[0-9][0-9]-*' -printf '%f\n' | sort)
csv="$out/class.csv"
{
    printf 'student'
    for lab in "${labs[@]}"; do printf ',lab%s' "${lab%%-*}"; done
    printf ',total,max\n'
    for student in "${students[@]}"; do
        scores="$out/$student/grade/scores.txt"
        printf '"%s"' "${student//\"/\"\"}"
        total=0
        max=0
        for lab in "${labs[@]}"; do
            line=$(awk -v n="${lab%%-*}" '$1 == n' "$scores" 2>/dev/null)
            earned=$(echo "$line" | awk '{ print $2 }')
            printf ',%s' "${earned:-0}"
            total=$((total + ${earned:-0}))
            max=$((max + $(echo "$line" | awk '{ print $3 + 0 }')))
        done
        printf ',%d,%d\n' "$total" "$max"
    done
} >"$csv.tmp" && mv "$csv.tmp" "$csv"
echo "grade-class: ${#students[@]} students in $(($(date +%s) - start)) s; table: $csv"
