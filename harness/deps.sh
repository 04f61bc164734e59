#!/usr/bin/env bash
# deps.sh - make sure the packages a make target needs are installed.
#
#   harness/deps.sh build    compiler, make, pkg-config, Check
#   harness/deps.sh docs     graphviz (dot) and pandoc
#   harness/deps.sh watch    inotify-tools
#   harness/deps.sh zip      zip and unzip (the Gradescope autograder)
#
# On Debian/Ubuntu, missing packages are installed with apt-get when we are
# root or have password-less sudo, saying so. Otherwise we stop with one
# line naming the exact command to run. Nothing is done when all is there.
set -u

what=${1:-build}
missing=()

need_command() { # need_command COMMAND PACKAGE
    command -v "$1" >/dev/null 2>&1 || missing+=("$2")
}

case "$what" in
build)
    need_command cc "gcc libc6-dev"
    need_command make make
    need_command pkg-config pkg-config
    need_command patch patch
    # Check is a library: ask pkg-config (when there is one) for it.
    if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists check 2>/dev/null; then
        missing+=(check)
    fi
    ;;
docs)
    need_command dot graphviz
    need_command pandoc pandoc
    ;;
watch)
    need_command inotifywait inotify-tools
    ;;
zip)
    need_command zip zip
    need_command unzip unzip
    ;;
*)
    echo "deps.sh: unknown group '$what' (build, docs, watch or zip)" >&2
    exit 2
    ;;
esac

[ ${#missing[@]} -eq 0 ] && exit 0

packages="${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "socklab: missing: $packages. Install them with your package manager (on Debian/Ubuntu: sudo apt-get install -y $packages)." >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    echo "socklab: missing packages: $packages. Run: sudo apt-get install -y $packages" >&2
    exit 1
fi

echo "socklab: installing $packages with apt-get (needed for 'make $what' targets)..."
install() {
    # make -j may run two of us at once: take turns on a lock.
    if command -v flock >/dev/null 2>&1; then
        "${sudo[@]}" flock /tmp/socklab-apt.lock env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends "$@"
    else
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
    fi
}
# shellcheck disable=SC2086 # one word per package
if ! install $packages >/tmp/socklab-apt.$$.log 2>&1; then
    # A fresh machine may have no package lists yet.
    "${sudo[@]}" apt-get update -q >>/tmp/socklab-apt.$$.log 2>&1
    # shellcheck disable=SC2086
    if ! install $packages >>/tmp/socklab-apt.$$.log 2>&1; then
        tail -n 5 /tmp/socklab-apt.$$.log >&2
        echo "socklab: apt-get could not install $packages. Run: sudo apt-get install -y $packages" >&2
        rm -f /tmp/socklab-apt.$$.log
        exit 1
    fi
fi
rm -f /tmp/socklab-apt.$$.log
echo "socklab: installed $packages."
