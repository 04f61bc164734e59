#!/usr/bin/env bash
# check-handout.sh HANDOUT.tar.gz - prove a handout is fit to give out:
#   1. it unpacks into a fresh directory, builds, and grades with score 0;
#   2. no passage of any solution (three consecutive code lines that are
#      not the skeleton's) appears anywhere in it.
set -u
tarball=$(realpath "$1")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
status=0

tar -C "$dir" -xzf "$tarball" || { echo "check-handout: cannot unpack $tarball"; exit 1; }
[ -d "$dir/socklab/solutions" ] && { echo "check-handout: solutions/ is in the handout"; status=1; }

# 2. the search. A single line such as `int fd = socket(...)` is everywhere
# in a socket kit, so the unit searched for is a passage: three consecutive
# code lines of a solution, not all three in the skeleton, at least 60
# characters together (so `if (fd == -1) / return -1;` idioms do not count).
# Lines are compared trimmed, with blank, comment and #include lines left
# out. Every file is searched, the student's library (labs/common) and the
# kit's (kit/) included: a step answered there would be a leak too.
code_lines() {
    sed 's/^[[:space:]]*//; s/[[:space:]]*$//' "$1" | grep -vE '^$|^/\*|^\*|^//|^#include|^[{}]$|^} *else *\{?$'
}
corpus="$dir/corpus"
find "$dir/socklab" -type f \( -name '*.c' -o -name '*.h' -o -name '*.md' -o -name '*.patch' -o -name '*.sh' -o -name '*.txt' \) -print |
    while IFS= read -r f; do code_lines "$f" | tr '\n' '\037'; echo; done >"$corpus"
hits=0
for solution in solutions/*/lab.c; do
    lab=$(basename "$(dirname "$solution")")
    mapfile -t sol < <(code_lines "$solution")
    skeleton=$(code_lines "labs/$lab/lab.c")
    for ((i = 0; i + 2 < ${#sol[@]}; i++)); do
        a=${sol[i]} b=${sol[i + 1]} c=${sol[i + 2]}
        if grep -qxF -- "$a" <<<"$skeleton" && grep -qxF -- "$b" <<<"$skeleton" && grep -qxF -- "$c" <<<"$skeleton"; then
            continue
        fi
        [ $((${#a} + ${#b} + ${#c})) -ge 60 ] || continue
        if grep -qF -- "$a"$'\037'"$b"$'\037'"$c" "$corpus"; then
            echo "check-handout: solutions/$lab/lab.c has a passage that is in the handout:"
            printf '    %s\n' "$a" "$b" "$c"
            hits=$((hits + 1))
        fi
    done
done
[ $hits -eq 0 ] || status=1
echo "check-handout: searched for the solutions' passages (3 code lines each): $hits found"

# 1. build and grade from the fresh directory
make -C "$dir/socklab" --no-print-directory -s grade >"$dir/grade.log" 2>&1
grade_status=$?
score=$(grep '^Score:' "$dir/grade.log")
if [ $grade_status -ne 0 ] && ! grep -qE "^(report|grade): " "$dir/grade.log" && printf '%s\n' "$score" | grep -q '^Score: 0/'; then
    echo "check-handout: the unpacked handout builds and grades: $score"
else
    tail -n 20 "$dir/grade.log"
    echo "check-handout: grading the unpacked handout gave status $grade_status ($score)"
    status=1
fi
exit $status
