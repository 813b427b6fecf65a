#!/usr/bin/env bash
# Outbound delivery: every accepted message goes through the queue to the SMTP client, which
# relays it to Postfix's smtp-sink (a remote MX on a loopback port that throws mail away).
# Both servers use relayhost = [127.0.0.1]:PORT (no MX lookup) and their default outbound
# settings: 20 parallel deliveries per destination (Postfix starts with 5 and grows), connection
# caching (Postfix reuses sessions when there is a backlog, Postern keeps each finished session
# for smtp_connection_cache_time_limit), no TLS (smtp-sink offers no STARTTLS; Postern's
# smtp_tls_security_level = may then sends in plaintext as Postfix's none does).
#
# smtp-source sends BENCH_MESSAGES messages to user@remote.test over BENCH_OUTBOUND_SESSIONS
# sessions from 127.0.0.1 (in mynetworks, so relaying is allowed; Postern treats this as its own
# users' mail and runs its DKIM signing path: the sender domain has no key, so nothing is signed).
# The rate is BENCH_MESSAGES / the time from the first message sent until the last one is
# delivered and removed from the queue; CPU covers the same span (the server's processes only:
# smtp-sink counts for neither). Before it, a warm-up of BENCH_OUTBOUND_WARMUP messages is sent
# and delivered on the same fresh server. smtp-sink, one per server, must have received every
# message (its counter), and the log must show a status=sent delivery for each.
#
# Usage: bench/outbound.sh   (as root)  BENCH_MESSAGES=5000 BENCH_OUTBOUND_SESSIONS=20
#        BENCH_OUTBOUND_SIZE=2048 BENCH_OUTBOUND_WARMUP=5000 BENCH_SERVERS="postfix postern"
# Results: $BENCH_WORK/outbound.tsv and a table on stdout.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

BENCH_MESSAGES=${BENCH_MESSAGES:-5000}
sessions=${BENCH_OUTBOUND_SESSIONS:-20}
size=${BENCH_OUTBOUND_SIZE:-2048}
BENCH_SERVERS=${BENCH_SERVERS:-"postfix postern"}
warmup=${BENCH_OUTBOUND_WARMUP:-5000}
SMTP_SINK=${SMTP_SINK:-/usr/sbin/smtp-sink}
[ -x "$SMTP_SINK" ] || bench_die "no smtp-sink at $SMTP_SINK (Debian package postfix)"
BENCH_SINK=discard   # for hosted domains, which this benchmark does not use
bench_init
results=$BENCH_WORK/outbound.tsv
printf 'server\tsessions\tsize\tmsgs\tsecs_to_delivered\tdelivered_per_s\tcpu_per_1000\tsink_received\tsink_sessions\tload\n' >"$results"

# A counter of smtp-sink -c ("sess=N quit=N mesg=N", rewritten in place with CR): its last value.
sink_counter() { tr '\r' '\n' <"$1" | awk -F"$2=" 'NF > 1 { n = $2 + 0 } END { print n + 0 }'; }

for server in $BENCH_SERVERS; do
    sink_port=$(bench_free_port)
    sink_out=$BENCH_WORK/smtp-sink-$server.out
    # -c: running counters on stdout; 256: listen backlog. It drops to the postfix user.
    "$SMTP_SINK" -c -u postfix "127.0.0.1:$sink_port" 256 >"$sink_out" 2>&1 </dev/null &
    sink_pid=$!
    BENCH_STARTED_PIDS+=("$sink_pid")
    bench_await_greeting "$sink_port" 30 || bench_die "smtp-sink does not greet on port $sink_port: $(cat "$sink_out")"
    relay="default_transport = smtp
relay_transport = relay
relayhost = [127.0.0.1]:$sink_port"
    if [ "$server" = postfix ]; then
        postfix_start outbound "$relay"; pid=$POSTFIX_PID; dir=$POSTFIX_DIR; port=$POSTFIX_PORT
    else
        postern_start outbound "$relay"; pid=$POSTERN_PID; dir=$POSTERN_DIR; port=$POSTERN_PORT
    fi
    "$SMTP_SOURCE" -l "$size" -m "$warmup" -s "$sessions" -f sender@bench.test -t user@remote.test "127.0.0.1:$port" \
        >"$dir/warmup.out" 2>&1 || bench_die "$server: warm-up errors: $(tail -3 "$dir/warmup.out")"
    await_removed "$dir/maillog" "$warmup" || bench_die "$server did not deliver the warm-up messages; see $dir/maillog"
    load=$(bench_load)
    cpu0=$(bench_cpu "$pid")
    t0=$(date +%s.%N)
    "$SMTP_SOURCE" -l "$size" -m "$BENCH_MESSAGES" -s "$sessions" -f sender@bench.test -t user@remote.test "127.0.0.1:$port" \
        >"$dir/smtp-source.out" 2>&1 || bench_die "$server: smtp-source errors: $(tail -3 "$dir/smtp-source.out")"
    await_removed "$dir/maillog" $((warmup + BENCH_MESSAGES)) || bench_die "$server did not deliver every message; see $dir/maillog"
    t1=$(date +%s.%N)
    cpu1=$(bench_cpu "$pid")
    if [ "$server" = postfix ]; then postfix_stop; else postern_stop; fi
    kill -TERM "$sink_pid" 2>/dev/null || true
    bench_wait_exit "$sink_pid" 10 || kill -KILL "$sink_pid" 2>/dev/null
    received=$(sink_counter "$sink_out" mesg)
    sink_sessions=$(sink_counter "$sink_out" sess)
    [ "$received" -ge $((warmup + BENCH_MESSAGES)) ] \
        || bench_die "$server: smtp-sink received $received messages, not $((warmup + BENCH_MESSAGES)); see $dir/maillog"
    # Every removal must be a delivery to the sink (status=sent), not a bounce.
    sent=$(grep -c ' status=sent ' "$dir/maillog" || true)
    [ "$sent" -ge $((warmup + BENCH_MESSAGES)) ] \
        || bench_die "$server: only $sent deliveries with status=sent; see $dir/maillog"
    python3 - "$server" "$sessions" "$size" "$BENCH_MESSAGES" "$t0" "$t1" "$cpu0" "$cpu1" "$received" "$sink_sessions" \
        "$load" >>"$results" <<'EOF'
import sys
server, sessions, size, msgs, t0, t1, cpu0, cpu1, received, sink_sessions, load = sys.argv[1:]
msgs = int(msgs); secs = float(t1) - float(t0)
print("\t".join([server, sessions, size, str(msgs), f"{secs:.2f}", f"{msgs / secs:.1f}",
                 f"{(float(cpu1) - float(cpu0)) / msgs * 1000:.2f}", received, sink_sessions, load.replace(" ", "/")]))
EOF
    bench_log "$(tail -1 "$results")"
done
python3 "$BENCH_HOME/bench/report.py" outbound "$results"
