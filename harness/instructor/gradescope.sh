#!/usr/bin/env bash
# gradescope.sh OUT.zip - the autograder zip for Gradescope: setup.sh,
# run_autograder and the handout kit (no solutions) as socklab/.
set -euo pipefail
out=$1
here=$(dirname "$0")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

"$here/handout.sh" "$stage/kit.tar.gz" >/dev/null
tar -C "$stage" -xzf "$stage/kit.tar.gz"
rm "$stage/kit.tar.gz"
install -m 755 "$here/gradescope/setup.sh" "$stage/setup.sh"
install -m 755 "$here/gradescope/run_autograder" "$stage/run_autograder"
mkdir -p "$(dirname "$out")"
out_abs=$(realpath -m "$out")
rm -f "$out_abs.tmp"
(cd "$stage" && zip -q -r "$out_abs.tmp" setup.sh run_autograder socklab)
mv "$out_abs.tmp" "$out_abs"
echo "gradescope: $out (upload it as the autograder; see README)"
