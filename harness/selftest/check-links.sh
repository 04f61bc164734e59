#!/usr/bin/env bash
# check-links.sh - check every link and image of the rendered docs.
#
#   harness/selftest/check-links.sh DIR
#
# Reads every href="..." and src="..." in DIR/*.html:
#   - a relative target must exist, relative to the page, once its ?query
#     and #fragment are dropped;
#   - a #fragment must be the id of an element in the target page ("#id"
#     alone: in the page itself);
#   - http:, https:, mailto: and other links with a scheme cannot be
#     checked offline: they are listed as "not checked";
#   - a target starting with "/" is broken: the docs are opened as files,
#     where "/" is the root of the disk, not of the docs.
#
# Prints one line per broken link, "page: target (why)", and exits 1 if
# there is any. Otherwise prints "links: N checked, 0 broken" and exits 0.
# Usage errors exit 2.
set -u

usage_error() {
    echo "check-links.sh: $1 (usage: check-links.sh DIR)" >&2
    exit 2
}

[ $# -eq 1 ] || usage_error "expected one argument, the folder of HTML pages"
dir=${1%/}
[ -n "$dir" ] || dir=/
[ -d "$dir" ] || usage_error "'$1' is not a folder"

shopt -s nullglob
pages=("$dir"/*.html)
if [ ${#pages[@]} -eq 0 ]; then
    echo "check-links.sh: no HTML pages in $dir: were the docs built?" >&2
    exit 1
fi

checked=0
broken=0
declare -A ids_of # page file -> its ids, one per line, with a newline at each end

# The attribute values of href and src in a page, one per line. Pandoc
# writes attributes in double quotes; single quotes are read too.
links_in() {
    grep -oE "(^|[[:space:]])(href|src)=(\"[^\"]*\"|'[^']*')" "$1" |
        sed -E "s/^[[:space:]]*(href|src)=[\"']//; s/[\"']\$//"
}

# Undo what HTML and URLs encode in a link: &amp; and %XX.
decode() {
    local text=${1//&amp;/&}
    text=${text//&quot;/\"}
    text=${text//&#39;/\'}
    # %41 -> \x41, which printf %b turns back into the byte.
    printf '%b' "$(printf '%s' "$text" | sed -E 's/\\/\\\\/g; s/%([0-9A-Fa-f]{2})/\\x\1/g')"
}

# Does the element id $2 exist in page $1?
has_id() {
    local page=$1 id=$2
    if [ -z "${ids_of[$page]+set}" ]; then
        ids_of[$page]=$'\n'$(grep -oE "(^|[[:space:]])id=(\"[^\"]*\"|'[^']*')" "$page" |
            sed -E "s/^[[:space:]]*id=[\"']//; s/[\"']\$//")$'\n'
    fi
    [[ ${ids_of[$page]} == *$'\n'"$id"$'\n'* ]]
}

report() { # report PAGE TARGET WHY
    echo "$1: $2 ($3)"
    broken=$((broken + 1))
}

for page in "${pages[@]}"; do
    name=${page##*/}
    while IFS= read -r link; do
        case $link in
        //* | [a-zA-Z]*:*)
            # A scheme ("https:", "mailto:") or a host ("//example.org"):
            # only links without a scheme are files we can look at. A
            # colon after a "/" or "#" is part of a path, not a scheme.
            scheme=${link%%:*}
            if [[ $link == //* || ! $scheme =~ [/#?] ]]; then
                echo "not checked: $name: $link"
                continue
            fi
            ;;
        esac

        checked=$((checked + 1))
        path=${link%%#*}
        fragment=
        [[ $link == *#* ]] && fragment=${link#*#}
        path=${path%%\?*}
        path=$(decode "$path")
        fragment=$(decode "$fragment")

        if [[ $path == /* ]]; then
            report "$name" "$link" "absolute path: the docs are read as files"
            continue
        fi
        if [ -z "$path" ]; then
            target=$page # "#id" or "": this page
        else
            target=$dir/$path
        fi
        if [ ! -e "$target" ]; then
            report "$name" "$link" "no such file"
            continue
        fi
        if [ -n "$fragment" ]; then
            if [ -d "$target" ] || [[ $target != *.html && $target != *.htm ]]; then
                report "$name" "$link" "a #fragment on something that is not a page"
            elif ! has_id "$target" "$fragment"; then
                report "$name" "$link" "no id \"$fragment\" in ${target##*/}"
            fi
        fi
    done < <(links_in "$page")
done

echo "links: $checked checked, $broken broken"
[ "$broken" -eq 0 ]
