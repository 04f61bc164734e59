#!/bin/sh
# contract.sh LAB_H - the functions of a lab's contract, one per line: every
# labNN_name that lab.h declares as a function (the name, then "(").
# The Makefile wraps exactly these for the grader, and check-lab-object.sh
# keeps exactly these global in a student's object.
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
    echo "usage: contract.sh LAB_H" >&2
    exit 2
fi
sed -n 's/^[a-z][^(]*[ *]\(lab[0-9][0-9]_[a-z0-9_]*\)(.*/\1/p' "$1" | sort -u
