#!/usr/bin/env bash
# bench.sh - `make bench`: lab 07's four server models under load.
#
# Usage: bench/bench.sh LAB07 LOADGEN REPORT OUTDIR
#   LAB07    the lab07 program to measure (build/bin/lab07, or the solution's)
#   LOADGEN  build/bin/loadgen
#   REPORT   build/bin/bench-report, which prints the table and draws the plots
#   OUTDIR   where everything goes (build/bench): runs.csv (one line per run),
#            summary.csv (medians), table.txt, *.svg, the Markdown tables,
#            nginx's configurations and logs
#
# What it measures, each row RUNS times (3) for SECONDS (2 s) after a short
# warm-up, the rows taken in turns so that a change in the machine's load
# spreads over all of them; the table shows the medians:
#   - lab07's models: single (1 process), then accept, epoll and reuseport
#     with 1, 2 and 4 workers;
#   - nginx, when installed, with 1, 2 and 4 workers, on one shared listener
#     and with `listen ... reuseport`;
#   - loadgen against wrk, when wrk is installed, on one lab07 server, in
#     turns: loadgen must reach at least 90% of wrk's rate;
#   - the stalled-worker mode: worker 0 sleeps 50 ms before every 500th
#     connection it serves, with accept, epoll and reuseport, 4 workers.
# Environment: BENCH_RUNS, BENCH_SECONDS, BENCH_CONCURRENCY change those.
#
# As root, it runs in a network namespace of its own (unshare -n): the
# TIME_WAIT sockets of some 10^5 connections, the servers' ports and the
# load stay out of everyone else's loopback. (The kernel caps TIME_WAIT
# sockets per namespace, tcp_max_tw_buckets; a test that waits for one
# would not see it.)
set -u

if [ $# -ne 4 ]; then
    echo "usage: bench/bench.sh LAB07 LOADGEN REPORT OUTDIR" >&2
    exit 2
fi
lab07=$(realpath "$1")
loadgen=$(realpath "$2")
report=$(realpath "$3")
out=$4

runs=${BENCH_RUNS:-3}
seconds=${BENCH_SECONDS:-2}
concurrency=${BENCH_CONCURRENCY:-32}
warmup=0.2
stall_ms=50
stall_every=500
compare_workers=2

# ---- a network namespace of our own ------------------------------------------
if [ -z "${BENCH_NETNS:-}" ]; then
    if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null && command -v ip >/dev/null &&
        unshare -n true 2>/dev/null; then
        exec unshare -n env BENCH_NETNS=private bash "$0" "$@"
    fi
    export BENCH_NETNS=shared
fi
if [ "$BENCH_NETNS" = private ] && ! ip link set lo up; then
    echo "bench: cannot bring up the loopback of the new network namespace" >&2
    exit 1
fi

mkdir -p "$out"
out=$(realpath "$out") # nginx reads relative paths from its own prefix, /usr/share/nginx
csv="$out/runs.csv"
started=$(date +%s)
load_start=$(cut -d' ' -f1 /proc/loadavg)
cpu_model=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
machine="$(nproc) CPUs${cpu_model:+ ($cpu_model)}, Linux $(uname -r)"
case "$lab07" in
*/solutions/*) lab07_source="solutions/" ;;
*) lab07_source="labs/ (your code)" ;;
esac

{
    echo "# make bench, lab 07: one line per run; bench-report takes the medians."
    echo "# date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "# machine: $machine"
    echo "# load-start: $load_start"
    echo "# runs: $runs"
    echo "# seconds: $seconds"
    echo "# concurrency: $concurrency"
    echo "# network: $([ "$BENCH_NETNS" = private ] && echo "a network namespace of its own" || echo "the machine's own loopback")"
    echo "# setup: 127.0.0.1, loadgen -c $concurrency, $runs runs of $seconds s per row after $warmup s of warm-up (medians); lab07 from $lab07_source"
    echo "# stall: worker 0 sleeps $stall_ms ms before every ${stall_every}th connection it serves"
    echo "# compare-server: lab07 --model reuseport"
    echo "group,server,workers,run,rate,p50_ms,p90_ms,p99_ms,max_ms,answered,errors,max_min_share"
} >"$csv"

echo "bench: $runs runs of $seconds s per row, $concurrency connections in flight; load average $load_start;"
echo "bench: $([ "$BENCH_NETNS" = private ] && echo "in a network namespace of its own" || echo "on the machine's own loopback (not root: no namespace of its own)")."

# ---- one measurement ----------------------------------------------------------
# measure GROUP SERVER WORKERS RUN PORT [LOADGEN OPTIONS...]: one loadgen run,
# appended to the CSV as one line.
measure() {
    local group=$1 server=$2 workers=$3 run=$4 port=$5 line kv
    shift 5
    line=$("$loadgen" -c "$concurrency" -d "$seconds" --workers "$workers" --kv "$@" "127.0.0.1:$port")
    local rate="" p50="" p90="" p99="" max="" answered="" errors="" share=""
    for kv in $line; do
        case ${kv%%=*} in
        rate) rate=${kv#*=} ;;
        p50_ms) p50=${kv#*=} ;;
        p90_ms) p90=${kv#*=} ;;
        p99_ms) p99=${kv#*=} ;;
        max_ms) max=${kv#*=} ;;
        answered) answered=${kv#*=} ;;
        errors) errors=${kv#*=} ;;
        max_min_share) share=${kv#*=} ;;
        esac
    done
    if [ -z "$rate" ]; then
        echo "bench: loadgen gave no result for $server with $workers workers" >&2
        return 1
    fi
    [ "$errors" = 0 ] || echo "bench: $server, $workers workers: $errors connections failed ($line)" >&2
    echo "$group,$server,$workers,$run,$rate,$p50,$p90,$p99,$max,$answered,$errors,$share" >>"$csv"
    printf "  %-9s %-16s %d workers  run %d: %7.0f conn/s  p99 %6.2f ms\n" "$group" "$server" "$workers" "$run" \
        "$rate" "$p99"
}

# ---- lab07 ------------------------------------------------------------------
# start_lab07 MODEL WORKERS [OPTIONS...]: sets lab07_pid and lab07_port.
start_lab07() {
    local log="$out/lab07.log" i
    # Emptied here, not by the redirection below: that one happens in the
    # background process, maybe after we have read the last server's port.
    : >"$log"
    "$lab07" --model "$1" --workers "$2" "${@:3}" >>"$log" 2>&1 &
    lab07_pid=$!
    lab07_port=""
    for i in $(seq 500); do # lab07 prints its port once every worker can be reached
        lab07_port=$(sed -n 's|.*serving http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$log")
        [ -n "$lab07_port" ] && return 0
        kill -0 "$lab07_pid" 2>/dev/null || break
        sleep 0.01
    done
    echo "bench: lab07 --model $1 --workers $2 did not start:" >&2
    cat "$log" >&2
    return 1
}

stop_lab07() {
    kill -TERM "$lab07_pid" 2>/dev/null
    wait "$lab07_pid"
}

# lab07_row GROUP MODEL WORKERS RUN [LAB07 OPTIONS...]
lab07_row() {
    start_lab07 "$2" "$3" "${@:5}" || exit 1
    measure "$1" "$2" "$3" "$4" "$lab07_port" --warmup "$warmup"
    stop_lab07
}

# ---- nginx ------------------------------------------------------------------
# nginx cannot be told "port 0": we pick a free port by binding port 0 and
# closing (loadgen --free-port), once, and both configurations use it.
ngx_dir="$out/nginx"
nginx_conf() { # nginx_conf WORKERS reuseport|shared -> the file's path
    local workers=$1 kind=$2 conf="$ngx_dir/nginx-$2-$1.conf" temp=""
    local module
    # The temporary folders nginx uses are compiled in under /var/lib/nginx:
    # point them at our folder, for the modules this nginx has.
    for module in client_body proxy fastcgi uwsgi scgi; do
        if [ "$module" = client_body ] || ! nginx -V 2>&1 | grep -q -- "--without-http_${module}_module"; then
            temp="$temp    ${module}_temp_path $ngx_dir/tmp/$module;"$'\n'
        fi
    done
    cat >"$conf" <<EOF
# Written by bench/bench.sh: nginx answering like lab07 ("worker PID").
worker_processes $workers;
daemon off;
master_process on;
pid $ngx_dir/nginx.pid;
error_log $ngx_dir/error.log warn;
events {
    worker_connections 1024;
}
http {
    access_log off;
    default_type text/plain;
$temp    server {
        listen 127.0.0.1:$nginx_port$([ "$kind" = reuseport ] && echo " reuseport");
        location / {
            return 200 "worker \$pid\n";
        }
    }
}
EOF
    echo "$conf"
}

nginx_row() { # nginx_row WORKERS shared|reuseport RUN
    local conf i pid
    conf=$(nginx_conf "$1" "$2")
    nginx -e "$ngx_dir/error.log" -c "$conf" >>"$ngx_dir/nginx.out" 2>&1 &
    pid=$!
    for i in $(seq 300); do
        "$loadgen" -c 1 -n 1 --timeout 500 --kv "127.0.0.1:$nginx_port" >/dev/null 2>&1 && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
    done
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "bench: nginx did not start (see $ngx_dir/error.log); no more nginx rows" >&2
        have_nginx=no
        return
    fi
    measure nginx "$([ "$2" = reuseport ] && echo nginx-reuseport || echo nginx)" "$1" "$3" "$nginx_port" \
        --warmup "$warmup"
    kill -TERM "$pid" # the master stops its workers, and waits for them
    wait "$pid"
}

have_nginx=no
if command -v nginx >/dev/null; then
    have_nginx=yes
    mkdir -p "$ngx_dir/tmp"
    nginx_port=$("$loadgen" --free-port)
    echo "# nginx: port $nginx_port, picked by binding 127.0.0.1:0 and closing (nginx cannot listen on port 0)" >>"$csv"
    echo "bench: nginx on port $nginx_port, a free port found by binding port 0 and closing it."
else
    echo "# nginx: not installed (apt-get install nginx-light), so no nginx rows" >>"$csv"
    echo "bench: nginx is not installed: skipping its rows (apt-get install nginx-light)."
fi

# ---- loadgen against wrk -----------------------------------------------------
compare_row() { # compare_row RUN: loadgen, then wrk, against one running lab07
    local port=$lab07_port wrk_out rate p50 p90 p99 max answered errors
    measure compare loadgen "$compare_workers" "$1" "$port"
    # wrk takes whole seconds.
    wrk_out=$(wrk -t1 -c"$concurrency" -d"$(awk -v s="$seconds" 'BEGIN { print (s == int(s)) ? s : int(s) + 1 }')s" --latency -H 'Connection: close' "http://127.0.0.1:$port/")
    # wrk prints latencies as 512.00us, 1.23ms or 1.02s: in milliseconds.
    read -r rate p50 p90 p99 max answered errors < <(echo "$wrk_out" | awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /^ *Latency / && !max { max = ms($4) }
        /^ *50% / { p50 = ms($2) } /^ *90% / { p90 = ms($2) } /^ *99% / { p99 = ms($2) }
        /requests in/ { answered = $1 }
        /Socket errors/ { gsub(/,/, ""); errors += $4 + $6 + $8 + $10 }
        /Non-2xx/ { errors += $NF }
        /^Requests\/sec/ { rate = $2 }
        END { printf "%s %s %s %s %s %s %d\n", rate, p50, p90, p99, max, answered, errors }')
    if [ -z "$rate" ] || [ -z "$p99" ]; then
        echo "bench: could not read wrk's output:" >&2
        echo "$wrk_out" >&2
        return
    fi
    echo "compare,wrk,$compare_workers,$1,$rate,$p50,$p90,$p99,$max,$answered,$errors" >>"$csv"
    printf "  %-9s %-16s %d workers  run %d: %7.0f conn/s  p99 %6.2f ms\n" compare wrk "$compare_workers" "$1" \
        "$rate" "$p99"
}
if command -v wrk >/dev/null; then
    have_wrk=yes
else
    have_wrk=no
    echo "# wrk: not installed (apt-get install wrk), so no loadgen vs wrk row" >>"$csv"
    echo "bench: wrk is not installed: skipping the loadgen vs wrk row (apt-get install wrk)."
fi

# ---- the rows, in turns ------------------------------------------------------
for run in $(seq "$runs"); do
    echo "bench: round $run of $runs"
    lab07_row model single 1 "$run"
    for workers in 1 2 4; do
        for model in accept epoll reuseport; do
            lab07_row model "$model" "$workers" "$run"
        done
        if [ "$have_nginx" = yes ]; then
            nginx_row "$workers" shared "$run"
            [ "$have_nginx" = yes ] && nginx_row "$workers" reuseport "$run"
        fi
    done
    if [ "$have_wrk" = yes ]; then
        start_lab07 reuseport "$compare_workers" || exit 1
        compare_row "$run"
        stop_lab07
    fi
    for model in accept epoll reuseport; do
        lab07_row stall "$model" 4 "$run" --stall-ms "$stall_ms" --stall-every "$stall_every" --stall-worker 0
    done
done

echo "# load-end: $(cut -d' ' -f1 /proc/loadavg)" >>"$csv"
echo "# elapsed: $(($(date +%s) - started)) s" >>"$csv"
echo
"$report" --text "$out/table.txt" --markdown-dir "$out" --summary "$out/summary.csv" --plot-dir "$out" "$csv" ||
    exit 1
echo
echo "bench: $(($(date +%s) - started)) s. Raw numbers: $csv; medians: $out/summary.csv;"
echo "bench: plots: $out/07-bench-rate.svg, 07-bench-balance.svg, 07-bench-stall.svg."
