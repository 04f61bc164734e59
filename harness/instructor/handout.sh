#!/usr/bin/env bash
# handout.sh OUT.tar.gz - the kit for students, as one tarball.
#
# Everything of the kit except what a solution could be read back from:
# solutions/, the mutants and the hostile self-test cases (both are patches
# of the solutions, so their context lines are solution code), mutation
# testing (its lists quote solution lines), the self-test's library-only
# labs (written in the solutions' words, to fail), and CI.
# The tarball unpacks to socklab/ and builds and grades (score 0) as is.
set -euo pipefail
out=$1
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# The kit's files: git's list in a checkout (tracked, plus new files that
# are not ignored), otherwise every file outside build/.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files --cached --others --exclude-standard
else
    find . -type f -not -path './build/*' | sed 's|^\./||'
fi | grep -vE '^(solutions/|harness/mutants/|harness/mutate/|harness/selftest/cases/|harness/selftest/library-only/|\.ci/|\.git)' |
    while IFS= read -r f; do
        [ -f "$f" ] && install -D -m "$(stat -c %a "$f")" "$f" "$stage/socklab/$f"
    done

mkdir -p "$(dirname "$out")"
tar -C "$stage" -czf "$out.tmp" socklab
mv "$out.tmp" "$out"
echo "handout: $out ($(tar -tzf "$out" | grep -vc '/$') files, no solutions)"
