#!/usr/bin/env bash
# Inbound acceptance: Postern against a private Postfix 3.7 on the same machine, in the same run,
# with the same clients, message sizes and durability (both fsync a message before its 250).
#
# For every server x sessions x size point, on a freshly started server:
#   1. warm-up: BENCH_WARMUP messages with smtp-source (JIT for Postern, caches for Postfix),
#      then wait until the queue is empty; by default 20,000 messages below 10 KB and 5,000
#      above (Postern's JIT compiler is still busy after 5,000 small messages, and its CPU
#      would count in the measurement);
#   2. throughput: smtp-source sends BENCH_MESSAGES messages over SESSIONS parallel sessions,
#      with BENCH_REUSE=1 (the default) several messages per connection (smtp-source -d, each
#      session keeps its connection), with BENCH_REUSE=0 one message per connection;
#      messages/s = BENCH_MESSAGES / wall time of smtp-source;
#      CPU = utime+stime of the server's processes from the start of the run until its queue is
#      empty again (so in maildir mode it includes delivery), per 1000 messages;
#   3. latency: bench/LatencyClient.java with SESSIONS sessions of several messages each
#      (MAIL to the 250 after DATA per transaction): p50/p90/p99/max;
#   peak memory: the largest sum over the server's processes of VmHWM (and of Pss), sampled
#   once a second from start to stop.
#
# Usage: bench/acceptance.sh            (as root; see bench/lib.sh for the environment)
#   BENCH_MESSAGES=20000  BENCH_SESSIONS="1 20 100"  BENCH_SIZES="2048 102400"
#   BENCH_SERVERS="postfix postern"  BENCH_WARMUP=20000|5000  BENCH_LATENCY_MESSAGES=2000 (total)
#   BENCH_REUSE=1|0
# Results: $BENCH_WORK/acceptance-reuse.tsv (or acceptance-single.tsv with BENCH_REUSE=0), and a
# table with Postern/Postfix ratios on stdout.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

BENCH_MESSAGES=${BENCH_MESSAGES:-20000}
BENCH_SESSIONS=${BENCH_SESSIONS:-"1 20 100"}
BENCH_SIZES=${BENCH_SIZES:-"2048 102400"}
BENCH_SERVERS=${BENCH_SERVERS:-"postfix postern"}
BENCH_WARMUP=${BENCH_WARMUP:-}
export BENCH_REUSE=${BENCH_REUSE:-1}
BENCH_LATENCY_MESSAGES=${BENCH_LATENCY_MESSAGES:-2000}

bench_init
if [ "$BENCH_REUSE" = 1 ]; then results=$BENCH_WORK/acceptance-reuse.tsv; else results=$BENCH_WORK/acceptance-single.tsv; fi
printf 'server\tsessions\tsize\tmsgs\tsecs\trate\tcpu_s\tcpu_per_1000\thwm_mb\tpss_mb\tprocs\tlat_msgs\tlat_rate\tp50_ms\tp90_ms\tp99_ms\tmax_ms\tload\tnote\n' >"$results"

run_point() {
    local server=$1 sessions=$2 size=$3 name pid dir port log sampler
    name=s${sessions}-$size
    if [ "$server" = postfix ]; then
        postfix_start "$name"; pid=$POSTFIX_PID; dir=$POSTFIX_DIR; port=$POSTFIX_PORT
    else
        postern_start "$name"; pid=$POSTERN_PID; dir=$POSTERN_DIR; port=$POSTERN_PORT
    fi
    log=$dir/maillog
    local note="" expected=0
    bench_sample_start "$dir/memory" "$pid"
    sampler=$BENCH_SAMPLER

    local warmup=${BENCH_WARMUP:-$([ "$size" -lt 10240 ] && echo 20000 || echo 5000)}
    smtp_source "$port" "$sessions" "$warmup" "$size" >/dev/null 2>&1 || note="warm-up errors"
    expected=$((expected + warmup))
    await_removed "$log" "$expected" || note="queue not drained"

    local load cpu0 t0 t1 cpu1
    load=$(bench_load)
    cpu0=$(bench_cpu "$pid")
    t0=$(date +%s.%N)
    smtp_source "$port" "$sessions" "$BENCH_MESSAGES" "$size" >"$dir/smtp-source.out" 2>&1 || note="smtp-source errors"
    t1=$(date +%s.%N)
    expected=$((expected + BENCH_MESSAGES))
    await_removed "$log" "$expected" || note="queue not drained"
    cpu1=$(bench_cpu "$pid")

    local per_session lat
    per_session=$(( (BENCH_LATENCY_MESSAGES + sessions - 1) / sessions ))
    [ "$per_session" -lt 5 ] && per_session=5
    lat=$(latency_client 127.0.0.1 "$port" "$sessions" "$per_session" "$size" 2>"$dir/latency.err" | grep '^RESULT') \
        || note="latency client errors"
    expected=$((expected + sessions * per_session))
    await_removed "$log" "$expected" || note="queue not drained"

    bench_sample_stop "$sampler"
    if [ "$server" = postfix ]; then postfix_stop; else postern_stop; fi

    local mem
    mem=$(cat "$dir/memory")
    python3 - "$server" "$sessions" "$size" "$BENCH_MESSAGES" "$t0" "$t1" "$cpu0" "$cpu1" "$mem" "$lat" "$load" "$note" >>"$results" <<'EOF'
import sys
server, sessions, size, msgs, t0, t1, cpu0, cpu1, mem, lat, load, note = sys.argv[1:]
msgs = int(msgs); secs = float(t1) - float(t0); cpu = float(cpu1) - float(cpu0)
m = dict(kv.split("=") for kv in mem.split())
l = dict(kv.split("=") for kv in lat.split()[1:]) if lat else {}
print("\t".join(str(x) for x in [
    server, sessions, size, msgs, f"{secs:.2f}", f"{msgs / secs:.1f}", f"{cpu:.2f}", f"{cpu / msgs * 1000:.2f}",
    f"{int(m['hwm_kb']) / 1024:.0f}", f"{int(m['pss_kb']) / 1024:.0f}", m["procs"],
    l.get("msgs", "-"), l.get("rate", "-"), l.get("p50_ms", "-"), l.get("p90_ms", "-"), l.get("p99_ms", "-"),
    l.get("max_ms", "-"), load.replace(" ", "/"), note or "ok"]))
EOF
    bench_log "$(tail -1 "$results")"
}

bench_log "acceptance ($([ "$BENCH_REUSE" = 1 ] && echo "several messages" || echo "one message") per connection): $BENCH_MESSAGES messages per point, sessions $BENCH_SESSIONS, sizes $BENCH_SIZES"
for size in $BENCH_SIZES; do
    for sessions in $BENCH_SESSIONS; do
        for server in $BENCH_SERVERS; do
            run_point "$server" "$sessions" "$size"
        done
    done
done
python3 "$BENCH_HOME/bench/report.py" acceptance "$results"
