#!/usr/bin/env bash
# Profiles Postern under inbound load with Java Flight Recorder and prints the hot spots.
#
# Usage: bench/profile.sh [SESSIONS [SIZE [MESSAGES]]]     (default 20 2048 20000; as root)
# Prints JFR's hot methods, and the execution samples attributed to the innermost Postern
# method on their stack (so time spent in the JDK counts for the Postern code that called it).
# The recording stays in $BENCH_WORK/postern-profile/postern.jfr (open it in JDK Mission Control).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
sessions=${1:-20}
size=${2:-2048}
messages=${3:-20000}

bench_init
jfr=$BENCH_WORK/postern-profile/postern.jfr
mkdir -p "$(dirname "$jfr")"
jcmd=$(dirname "$BENCH_JAVA")/jcmd
postern_start profile
smtp_source "$POSTERN_PORT" "$sessions" 2000 "$size" >/dev/null 2>&1    # warm-up
# Recording only the measured run: start-up (database migration, the authenticator's dummy
# password hash) and JIT warm-up stay out of the profile.
"$jcmd" "$POSTERN_PID" JFR.start name=bench settings=profile >/dev/null
t0=$(date +%s.%N)
smtp_source "$POSTERN_PORT" "$sessions" "$messages" "$size"
t1=$(date +%s.%N)
"$jcmd" "$POSTERN_PID" JFR.stop name=bench filename="$jfr" >/dev/null
bench_log "$messages messages in $(python3 -c "print(f'{$t1 - $t0:.2f}')") s, load $(bench_load)"
postern_stop

jfr_tool=$(dirname "$BENCH_JAVA")/jfr
"$jfr_tool" view --width 160 hot-methods "$jfr"
"$jfr_tool" print --events jdk.ExecutionSample --stack-depth 64 "$jfr" | python3 -c '
import collections, re, sys
own, total, stack = collections.Counter(), 0, []
def flush():
    global total
    if stack:
        total += 1
        frame = next((f for f in stack if f.startswith("org.postern.")), stack[0])
        own[frame] += 1
for line in sys.stdin:
    line = line.strip()
    if line.startswith("jdk.ExecutionSample"):
        flush(); stack = []
    m = re.match(r"([\w.$]+\.[\w$<>]+)\(", line)
    if m and "line:" in line:
        stack.append(m.group(1))
flush()
print(f"\nSamples by innermost Postern method ({total} samples):")
for frame, n in own.most_common(25):
    print(f"{100 * n / total:6.1f}%  {frame}")
'
