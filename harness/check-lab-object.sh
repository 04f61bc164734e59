#!/usr/bin/env bash
# check-lab-object.sh LAB_O OUT_O LAB_H STUDENT_LIB - admit a student's
# compiled lab.c into the grader, or refuse it with the reason.
#
# The test binary links the student's lab.o beside the grader's own code.
# The student's functions then run only in the subject process
# (harness/subject.h), but an object file can do more than define
# functions, so before linking it this script checks that lab.o:
#   - runs nothing on its own: no constructor or destructor sections
#     (.init_array, .ctors, ...) and no IFUNC resolvers, which the loader
#     would run inside the grader's process before any test;
#   - calls only the C library and the student's library (labs/common,
#     STUDENT_LIB): not the grader's helpers, not the kit's, even when
#     declared by hand;
# and it writes OUT_O, a copy of lab.o in which every global symbol that
# is not a function of the contract (lab.h) is made local, so a helper the
# student did not mark static can never stand in for a function of the
# grader or of the C library.
#
# Environment: CC (to find the C library), SANITIZE=1 (sanitized objects
# carry the sanitizers' constructors and calls: allowed, since a sanitized
# build is for finding bugs in one's own code, not for grading others').
# Prints one "lab-check:" line per problem and exits 1 when there is one.
set -u
if [ $# -ne 4 ]; then
    echo "usage: check-lab-object.sh LAB_O OUT_O LAB_H STUDENT_LIB" >&2
    exit 2
fi
lab_o=$1 out_o=$2 lab_h=$3 student_lib=$4
CC=${CC:-cc}
sanitize=${SANITIZE:-}
problems=0
problem() { echo "lab-check: $*"; problems=$((problems + 1)); }

# The contract: every function lab.h declares.
contract=$("$(dirname "$0")/contract.sh" "$lab_h")
if [ -z "$contract" ]; then
    echo "check-lab-object.sh: no function declared in $lab_h" >&2
    exit 2
fi

# 1. Nothing that runs by itself.
if [ "$sanitize" != 1 ]; then
    for section in $(readelf -SW "$lab_o" | grep -oE '\.(init|fini|preinit_array|init_array|fini_array|ctors|dtors)(\.[A-Za-z0-9_.]*)?( |$)' |
        sort -u); do
        problem "your lab.c has code that would run by itself, before any test (section $section):" \
            "remove __attribute__((constructor)) or destructor functions"
    done
fi
for symbol in $(readelf -sW "$lab_o" | awk '$4 == "IFUNC" { print $8 }' | sort -u); do
    problem "your lab.c defines $symbol as an IFUNC, whose resolver would run inside the grader: make it an ordinary function"
done

# 2. Calls only into the C library and the student's library.
allowed=$(mktemp)
trap 'rm -f "$allowed"' EXIT
{
    for lib in libc.so.6 libc_nonshared.a; do
        path=$($CC -print-file-name="$lib")
        [ -f "$path" ] || continue
        case "$lib" in
        *.so*) nm -D --defined-only "$path" 2>/dev/null ;;
        *) nm --defined-only "$path" 2>/dev/null ;;
        esac
    done | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }'
    # the compiler's own helpers (128-bit division and the like)
    nm --defined-only "$($CC -print-libgcc-file-name)" 2>/dev/null | awk 'NF >= 3 { print $3 }'
    nm -g --defined-only "$student_lib" 2>/dev/null | awk 'NF >= 3 { print $3 }'
    echo _GLOBAL_OFFSET_TABLE_
} | sort -u >"$allowed"
for symbol in $(nm -u "$lab_o" | awk '{ print $NF }' | sort -u); do
    if [ "$sanitize" = 1 ]; then
        case "$symbol" in __asan_* | __ubsan_* | __sanitizer_* | __lsan_*) continue ;; esac
    fi
    if ! grep -qxF "$symbol" "$allowed"; then
        problem "your lab.c uses $symbol, which is neither in the C library nor in the student's library" \
            "(labs/common: net.h, sockdiag.h, tcp_states.h): write that part yourself"
    fi
done

[ "$problems" -eq 0 ] || exit 1

# 3. Only the contract stays global.
localize=()
for symbol in $(nm -g --defined-only "$lab_o" | awk '{ print $NF }' | sort -u); do
    grep -qxF "$symbol" <<<"$contract" || localize+=("--localize-symbol=$symbol")
done
objcopy "${localize[@]}" "$lab_o" "$out_o"
