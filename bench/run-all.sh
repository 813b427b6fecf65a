#!/usr/bin/env bash
# Runs every Postern-versus-Postfix benchmark in one go and writes a Markdown summary with
# the machine, the load and the results (tables with Postern/Postfix ratios), ready to paste
# into docs/performance.md.
#
# Usage (as root, from anywhere):  bench/run-all.sh
#   BENCH_MESSAGES=5000  messages per acceptance/checks/delivery/outbound point (the docs' numbers: 5000)
#   BENCH_JMH=1          also run the JMH micro-benchmarks (about 10 more minutes)
#   BENCH_WORK=DIR       where instances, logs and results go (default: a new /tmp folder)
#   BENCH_CHECKS=0       skip bench/checks.sh (it needs opendkim, opendmarc, postfix-policyd-spf-python
#                        and python3-dkim; the others need only postfix)
# Other settings: see bench/acceptance.sh, bench/checks.sh, bench/connections.sh, bench/delivery.sh,
# bench/outbound.sh, bench/lib.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
home=$(cd "$here/.." && pwd)
export BENCH_WORK=${BENCH_WORK:-$(mktemp -d /tmp/postern-bench.XXXXXX)}
mkdir -p "$BENCH_WORK"
summary=$BENCH_WORK/summary.md

(cd "$home" && mvn -q -B -DskipTests package)
export BENCH_SKIP_BUILD=1

{
    echo "# Postern vs Postfix: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- Postern: $(cd "$home" && git rev-parse --short HEAD 2>/dev/null || echo '?'), $("${BENCH_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}" -version 2>&1 | head -1)"
    echo "- Postfix: $(postconf -d -h mail_version 2>/dev/null)"
    echo "- Machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r)"
    echo "- Memory (free -g): $(free -g | awk '/^Mem:/ {print "total " $2 " GB, available " $7 " GB"}')"
    echo "- Queue filesystem: $(df -T "$BENCH_WORK" | awk 'NR == 2 {print $2 " on " $1}')"
    echo "- Load before: $(uptime | sed 's/.*load average: //')"
    echo
} >"$summary"

section() {
    local title=$1; shift
    echo "## $title" >>"$summary"
    echo >>"$summary"
    echo "Command: \`$*\`; load before: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$summary"
    echo >>"$summary"
    "$@" | tee -a "$summary"
    echo >>"$summary"
}

section "Acceptance, several messages per connection (smtp-source -d, LatencyClient)" env BENCH_REUSE=1 "$here/acceptance.sh"
section "Acceptance, one message per connection (smtp-source, LatencyClient)" env BENCH_REUSE=0 "$here/acceptance.sh"
section "Idle connections" "$here/connections.sh"
if [ "${BENCH_CHECKS:-1}" = 1 ]; then
    section "Inbound with the full port-25 checks (DNSBL, reverse DNS, SPF, DKIM, DMARC)" "$here/checks.sh"
fi
section "Delivery to Maildir" "$here/delivery.sh"
section "Outbound delivery to smtp-sink" "$here/outbound.sh"
if [ "${BENCH_JMH:-0}" = 1 ]; then
    BENCH_SKIP_BUILD=0 "$here/jmh.sh" -rf text -rff "$BENCH_WORK/jmh.txt" >"$BENCH_WORK/jmh.log" 2>&1
    { echo "## JMH micro-benchmarks"; echo; echo "Command: \`bench/jmh.sh\`"; echo; echo '```'
      cat "$BENCH_WORK/jmh.txt"; echo '```'; echo; } | tee -a "$summary"
fi
echo "Load after: $(uptime | sed 's/.*load average: //')" >>"$summary"
echo >&2
echo "Summary: $summary" >&2
