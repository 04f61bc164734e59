#!/usr/bin/env bash
# check-handout.sh HANDOUT.tar.gz - prove a handout is fit to give out:
#   1. it unpacks into a fresh directory, builds, and grades with score 0;
#   2. no distinctive line of any solution appears anywhere in it.
# A "distinctive line" is a line of solutions/NN/lab.c that the skeleton
# labs/NN/lab.c does not have, at least 20 characters long once trimmed,
# and not a comment.
set -u
tarball=$(realpath "$1")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
status=0

tar -C "$dir" -xzf "$tarball" || { echo "check-handout: cannot unpack $tarball"; exit 1; }
[ -d "$dir/socklab/solutions" ] && { echo "check-handout: solutions/ is in the handout"; status=1; }

# 2. the search
hits=0
for solution in solutions/*/lab.c; do
    lab=$(basename "$(dirname "$solution")")
    while IFS= read -r line; do
        trimmed=$(printf '%s' "$line" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
        [ ${#trimmed} -ge 20 ] || continue
        case "$trimmed" in '/*'* | '*'* | '//'*) continue ;; esac
        if grep -rqF -- "$trimmed" "$dir/socklab"; then
            echo "check-handout: a line of solutions/$lab/lab.c is in the handout: $trimmed"
            grep -rlF -- "$trimmed" "$dir/socklab" | sed "s|$dir/||; s|^|    in |"
            hits=$((hits + 1))
        fi
    done < <(grep -vxF -f "labs/$lab/lab.c" "$solution")
done
[ $hits -eq 0 ] || status=1
echo "check-handout: searched for the solutions' distinctive lines: $hits found"

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
