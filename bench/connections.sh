#!/usr/bin/env bash
# Many concurrent idle sessions: BENCH_IDLE (default 10000) clients connect, read the greeting
# and stay silent; meanwhile new clients connect one after the other and we time their 220
# (Postern's goal: < 100 ms with 10,000 held). Peak memory of the server (sum of VmHWM and of
# Pss over its processes) is sampled over the whole run.
#
# Postern runs with postern_connection_limit above BENCH_IDLE; Postfix with its defaults
# (default_process_limit = 100: one smtpd process per session, the rest wait in the listen
# queue; once all are busy Postfix's stress mode shortens smtpd_timeout to 10 s).
# Neither limits connections per client address (smtpd_client_connection_count_limit = 0);
# the idle clients also come from 40 loopback addresses.
#
# Usage: bench/connections.sh   (as root)  BENCH_IDLE=10000  BENCH_SERVERS="postern postfix"
#        BENCH_GREETING_TIMEOUT=20 (how long an idle client waits for its greeting)
# Results: $BENCH_WORK/connections.tsv and a table on stdout.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

BENCH_IDLE=${BENCH_IDLE:-10000}
BENCH_SERVERS=${BENCH_SERVERS:-"postern postfix"}
BENCH_GREETING_TIMEOUT=${BENCH_GREETING_TIMEOUT:-20}

bench_init
# Each side (server, client) needs a descriptor per session; raise the soft limit to the hard one.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt $((BENCH_IDLE + 1000)) ]; then
    bench_die "ulimit -n is $(ulimit -n): too low for $BENCH_IDLE sessions (raise the hard limit)"
fi
results=$BENCH_WORK/connections.tsv
printf 'server\tidle_wanted\topened\tgreeted\tstill_open_at_end\tprobes_greeted\tprobe_p50_ms\tprobe_max_ms\tpeak_rss_mb\tpss_mb\tprocs\tload\n' >"$results"

for server in $BENCH_SERVERS; do
    if [ "$server" = postern ]; then
        postern_start idle "postern_connection_limit = $((BENCH_IDLE + 1000))
smtpd_client_connection_count_limit = 0"
        pid=$POSTERN_PID; dir=$POSTERN_DIR; port=$POSTERN_PORT
    else
        postfix_start idle "smtpd_client_connection_count_limit = 0"
        pid=$POSTFIX_PID; dir=$POSTFIX_DIR; port=$POSTFIX_PORT
    fi
    bench_sample_start "$dir/memory" "$pid"
    sampler=$BENCH_SAMPLER
    load=$(bench_load)
    python3 "$BENCH_HOME/bench/idle_clients.py" "$port" "$BENCH_IDLE" --hold 3 --probes 20 \
        --greeting-timeout "$BENCH_GREETING_TIMEOUT" | tee "$dir/idle.out" >&2
    bench_sample_stop "$sampler"
    if [ "$server" = postern ]; then postern_stop; else postfix_stop; fi
    python3 - "$server" "$BENCH_IDLE" "$(grep '^RESULT' "$dir/idle.out")" "$(cat "$dir/memory")" "$load" >>"$results" <<'EOF'
import sys
server, wanted, res, mem, load = sys.argv[1:]
r = dict(kv.split("=") for kv in res.split()[1:])
m = dict(kv.split("=") for kv in mem.split())
print("\t".join([server, wanted, r["opened"], r["greeted"], r["still_open"], r["probe_ok"], r["probe_p50_ms"],
                 r["probe_max_ms"], f"{int(m['hwm_kb']) / 1024:.0f}", f"{int(m['pss_kb']) / 1024:.0f}", m["procs"],
                 load.replace(" ", "/")]))
EOF
    bench_log "$(tail -1 "$results")"
done
python3 "$BENCH_HOME/bench/report.py" connections "$results"
