#!/usr/bin/env bash
# watch.sh - `make watch`: re-grade a lab each time its lab.c is saved, and
# show the first step that loses points, with its hint. Ctrl-C stops.
set -u
MAKE=${MAKE:-make}
echo "watch: waiting for you to save a labs/NN-name/lab.c (Ctrl-C to stop)"
# Watch the folders, not the files: many editors save by writing a new file
# and renaming it over the old one.
inotifywait -m -q -r -e close_write -e moved_to --format '%w%f' labs |
    while IFS= read -r file; do
        case "$file" in
        labs/[0-9][0-9]-*/lab.c) ;;
        *) continue ;;
        esac
        lab=${file#labs/}
        lab=${lab%%-*}
        clear 2>/dev/null || true
        echo "watch: $file saved; grading lab $lab"
        $MAKE --no-print-directory -s grade LAB="$lab" BRIEF=1
        echo "watch: waiting for the next save (Ctrl-C to stop)"
    done
