#!/usr/bin/env bash
# Local delivery into Maildir: accepted mail goes through the queue to the virtual transport,
# which writes one Maildir file per message (Postern's VirtualTransport, Postfix's virtual(8)).
# smtp-source sends BENCH_MESSAGES messages over BENCH_DELIVERY_SESSIONS sessions; the rate is
# BENCH_MESSAGES / the time from the first message sent until the last one is delivered and
# removed from the queue. CPU covers the same span. The Maildir must hold every message.
#
# Usage: bench/delivery.sh   (as root)  BENCH_MESSAGES=5000 BENCH_DELIVERY_SESSIONS=20 BENCH_DELIVERY_SIZE=2048
#        BENCH_DELIVERY_WARMUP=5000
# Results: $BENCH_WORK/delivery.tsv and a table on stdout.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

BENCH_MESSAGES=${BENCH_MESSAGES:-5000}
sessions=${BENCH_DELIVERY_SESSIONS:-20}
size=${BENCH_DELIVERY_SIZE:-2048}
BENCH_SERVERS=${BENCH_SERVERS:-"postfix postern"}
warmup=${BENCH_DELIVERY_WARMUP:-5000}
BENCH_SINK=maildir
bench_init
results=$BENCH_WORK/delivery.tsv
printf 'server\tsessions\tsize\tmsgs\tsecs_to_delivered\tdelivered_per_s\tcpu_per_1000\tmaildir_files\tload\n' >"$results"

for server in $BENCH_SERVERS; do
    if [ "$server" = postfix ]; then
        postfix_start delivery; pid=$POSTFIX_PID; dir=$POSTFIX_DIR; port=$POSTFIX_PORT
    else
        postern_start delivery; pid=$POSTERN_PID; dir=$POSTERN_DIR; port=$POSTERN_PORT
    fi
    smtp_source "$port" "$sessions" "$warmup" "$size" >/dev/null 2>&1
    await_removed "$dir/maillog" "$warmup" || bench_die "$server did not deliver the warm-up messages"
    load=$(bench_load)
    cpu0=$(bench_cpu "$pid")
    t0=$(date +%s.%N)
    smtp_source "$port" "$sessions" "$BENCH_MESSAGES" "$size" >"$dir/smtp-source.out" 2>&1
    await_removed "$dir/maillog" $((warmup + BENCH_MESSAGES)) || bench_die "$server did not deliver every message"
    t1=$(date +%s.%N)
    cpu1=$(bench_cpu "$pid")
    files=$(find "$dir/mail" -path '*/new/*' -type f | wc -l)
    if [ "$server" = postfix ]; then postfix_stop; else postern_stop; fi
    python3 - "$server" "$sessions" "$size" "$BENCH_MESSAGES" "$t0" "$t1" "$cpu0" "$cpu1" "$files" "$load" >>"$results" <<'EOF'
import sys
server, sessions, size, msgs, t0, t1, cpu0, cpu1, files, load = sys.argv[1:]
msgs = int(msgs); secs = float(t1) - float(t0)
print("\t".join([server, sessions, size, str(msgs), f"{secs:.2f}", f"{msgs / secs:.1f}",
                 f"{(float(cpu1) - float(cpu0)) / msgs * 1000:.2f}", files, load.replace(" ", "/")]))
EOF
    bench_log "$(tail -1 "$results")"
done
python3 "$BENCH_HOME/bench/report.py" delivery "$results"
