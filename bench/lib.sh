# shellcheck shell=bash
# Shared functions of the benchmark scripts: a private Postern and a private Debian Postfix 3.7,
# both on loopback ports, configured alike (no TLS, no DNS lookups, loopback in mynetworks,
# one fsync per accepted message as both do by default), started and stopped by the scripts.
#
# Source it, then call bench_init once; everything started is stopped by the EXIT trap it sets.
#
# Environment:
#   BENCH_WORK        folder for instances and results (default: a new /tmp/postern-bench.XXXXXX)
#   BENCH_SINK        discard | maildir: where accepted mail goes. discard (Postfix's discard(8),
#                     and Postern's discard transport when this build has it) measures acceptance
#                     alone; maildir delivers every message into a Maildir in both servers.
#                     Default: discard when Postern has the discard transport, else maildir.
#   BENCH_SKIP_BUILD  1: use target/postern.jar as it is
#   BENCH_RESOLVER_DIR a folder with resolv.conf and hosts: when set, the Postfix master starts in a
#                     private mount namespace where these replace /etc/resolv.conf and /etc/hosts
#                     (bench_with_resolver), so Postfix resolves through a test DNS server
#   POSTERN_JAVA_OPTS extra JVM options for Postern (see bin/postern), e.g. -XX:StartFlightRecording

BENCH_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_JAVA=${BENCH_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
SMTP_SOURCE=${SMTP_SOURCE:-/usr/sbin/smtp-source}
POSTFIX_BIN=/usr/sbin/postfix
BENCH_STARTED_POSTFIX=()
BENCH_STARTED_PIDS=()

bench_log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
bench_die() { bench_log "error: $*"; exit 1; }

bench_init() {
    [ "$(id -u)" = 0 ] || bench_die "run as root: a Postfix master must start as root"
    [ -x "$POSTFIX_BIN" ] && [ -x "$SMTP_SOURCE" ] \
        || bench_die "Postfix is not installed (apt-get install postfix; see ../shared/docs/postfix-baseline.md)"
    [ -x "$BENCH_JAVA" ] || bench_die "no JDK 25 at $BENCH_JAVA (set BENCH_JAVA)"
    if [ -z "${BENCH_WORK:-}" ]; then
        BENCH_WORK=$(mktemp -d /tmp/postern-bench.XXXXXX)
    fi
    mkdir -p "$BENCH_WORK"
    chmod 755 "$BENCH_WORK"   # Postfix daemons (user postfix) must reach their folders
    export BENCH_WORK
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
    bench_build
    if [ -z "${BENCH_SINK:-}" ]; then
        if python3 -c "import sys, zipfile; sys.exit(0 if \"org/postern/delivery/DiscardTransport.class\" in zipfile.ZipFile(sys.argv[1]).namelist() else 1)" "$BENCH_HOME/target/postern.jar" 2>/dev/null; then
            BENCH_SINK=discard
        else
            BENCH_SINK=maildir
        fi
    fi
    export BENCH_SINK
    bench_log "work folder $BENCH_WORK, sink $BENCH_SINK"
}

# Builds Postern when target/postern.jar is missing or older than the sources (as bin/postern does).
bench_build() {
    [ "${BENCH_SKIP_BUILD:-0}" = 1 ] && return 0
    local jar=$BENCH_HOME/target/postern.jar
    if [ ! -f "$jar" ] || [ ! -d "$BENCH_HOME/target/lib" ] \
        || [ -n "$(find "$BENCH_HOME/src/main" "$BENCH_HOME/pom.xml" -newer "$jar" -print -quit)" ]; then
        bench_log "building Postern (mvn -q -B -DskipTests package)"
        (cd "$BENCH_HOME" && mvn -q -B -DskipTests package) || bench_die "the build failed"
    fi
}

bench_cleanup() {
    local dir pid
    for pid in "${BENCH_STARTED_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null
            bench_wait_exit "$pid" 20 || kill -KILL "$pid" 2>/dev/null
        fi
    done
    for dir in "${BENCH_STARTED_POSTFIX[@]}"; do
        postfix_stop_dir "$dir"
    done
}

# Waits until PID has exited, at most SECONDS; false when it still runs.
bench_wait_exit() {
    local pid=$1 deadline=$((SECONDS + $2))
    while kill -0 "$pid" 2>/dev/null; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.2
    done
    return 0
}

bench_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Waits for a 220 greeting on 127.0.0.1:PORT for at most SECONDS.
bench_await_greeting() {
    local port=$1 deadline=$((SECONDS + $2)) line
    while [ $SECONDS -lt $deadline ]; do
        line=$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && head -c 3 <&3" 2>/dev/null) || true
        [ "$line" = 220 ] && return 0
        sleep 0.3
    done
    return 1
}

bench_cpu() { python3 "$BENCH_HOME/bench/procstat.py" cpu "$@"; }

# Starts the memory sampler of a process tree, writing to OUT at the end; sets BENCH_SAMPLER.
# Stop it with bench_sample_stop.
bench_sample_start() {
    local out=$1; shift
    python3 "$BENCH_HOME/bench/procstat.py" sample "$out" "$@" </dev/null >/dev/null &
    BENCH_SAMPLER=$!
    BENCH_STARTED_PIDS+=("$BENCH_SAMPLER")
}

bench_sample_stop() {
    kill -TERM "$1" 2>/dev/null
    bench_wait_exit "$1" 10 || kill -KILL "$1" 2>/dev/null
}

bench_load() { cut -d' ' -f1-3 /proc/loadavg; }

# Messages the server has removed from its queue (delivered, discarded or bounced) per its log.
bench_removed() { grep -c ': removed$' "$1" 2>/dev/null || true; }

# await_removed LOG COUNT: waits (at most 10 minutes) until LOG shows COUNT "removed" lines;
# false, with a log line, when they do not come.
await_removed() {
    local log=$1 count=$2 deadline=$((SECONDS + 600))
    while [ "$(bench_removed "$log")" -lt "$count" ]; do
        if [ $SECONDS -ge $deadline ]; then
            bench_log "only $(bench_removed "$log") of $count messages left the queue of $log"
            return 1
        fi
        sleep 0.2
    done
}

# bench_merge_cf FILE EXTRA: appends EXTRA (main.cf lines) to the main.cf FILE and removes from
# FILE's earlier lines every parameter that EXTRA sets, so a script's setting replaces the base
# one instead of overriding it (Postern warns about a parameter set twice).
bench_merge_cf() {
    local file=$1 extra=$2
    printf '%s\n' "$extra" >"$file.extra"
    awk 'NR == FNR { if (match($0, /^[A-Za-z0-9_]+[ \t]*=/)) { n = $0; sub(/[ \t]*=.*/, "", n); set[n] = 1 }; next }
         { n = $0; sub(/[ \t]*=.*/, "", n); if (!(n in set)) print }' "$file.extra" "$file" >"$file.merged"
    cat "$file.extra" >>"$file.merged"
    mv "$file.merged" "$file"
    rm -f "$file.extra"
}

# bench_with_resolver CMD...: runs CMD in a private mount namespace whose /etc/resolv.conf and
# /etc/hosts are the files in $BENCH_RESOLVER_DIR (bind mounts, as the differential DNS test does
# for its Postfix; the machine's own files are never changed). glibc's resolver takes name servers
# from resolv.conf on port 53 only: the test DNS server listens on port 53 of a 127.53.x.y address.
BENCH_RESOLVER_MOUNTS='mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/hosts && shift 2 && exec "$@"'
bench_with_resolver() {
    unshare --mount --propagation private sh -c "$BENCH_RESOLVER_MOUNTS" \
        sh "$BENCH_RESOLVER_DIR/resolv.conf" "$BENCH_RESOLVER_DIR/hosts" "$@"
}

# bench_start_with_resolver LOG CMD...: bench_with_resolver in the background, output to LOG;
# stopped on exit. Sets BENCH_STARTED_PID: the PID of CMD itself (unshare and sh exec it).
bench_start_with_resolver() {
    local log=$1; shift
    unshare --mount --propagation private sh -c "$BENCH_RESOLVER_MOUNTS" \
        sh "$BENCH_RESOLVER_DIR/resolv.conf" "$BENCH_RESOLVER_DIR/hosts" "$@" >"$log" 2>&1 </dev/null &
    BENCH_STARTED_PID=$!
    BENCH_STARTED_PIDS+=("$BENCH_STARTED_PID")
}

# ---- Postfix --------------------------------------------------------------------------------

# postfix_start NAME [MAIN_CF_LINES [MASTER_CF_LINES]]: a private instance in
# $BENCH_WORK/postfix-NAME; MAIN_CF_LINES replace or add main.cf settings, MASTER_CF_LINES are
# added to master.cf (e.g. a spawn service). Sets POSTFIX_DIR, POSTFIX_PORT, POSTFIX_PID (the master).
postfix_start() {
    local name=$1 extra=${2:-} master_extra=${3:-}
    POSTFIX_DIR=$BENCH_WORK/postfix-$name
    POSTFIX_PORT=$(bench_free_port)
    rm -rf "$POSTFIX_DIR"
    mkdir -p "$POSTFIX_DIR"/{etc,queue,data,mail}
    chmod 755 "$POSTFIX_DIR" "$POSTFIX_DIR/etc"
    local sink
    if [ "$BENCH_SINK" = discard ]; then
        sink="default_transport = discard:
relay_transport = discard:
virtual_transport = discard:"
    else
        # virtual(8) writes as the mailbox owner: any uid >= virtual_minimum_uid will do.
        chown nobody:nogroup "$POSTFIX_DIR/mail"
        sink="default_transport = error:no outbound delivery in benchmarks
virtual_mailbox_domains = example.test
virtual_mailbox_maps = static:example.test/user/
virtual_mailbox_base = $POSTFIX_DIR/mail
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_transport = virtual"
    fi
    cat >"$POSTFIX_DIR/etc/main.cf" <<EOF
compatibility_level = 3.6
myhostname = postfix.bench.test
mydomain = bench.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
queue_directory = $POSTFIX_DIR/queue
data_directory = $POSTFIX_DIR/data
maillog_file = $POSTFIX_DIR/maillog
maillog_file_prefixes = /
syslog_name = postfix-bench
alias_maps =
alias_database =
local_recipient_maps =
relay_domains =
local_transport = error:no local delivery in benchmarks
$sink
smtpd_peername_lookup = no
smtpd_tls_security_level = none
smtpd_error_sleep_time = 0s
biff = no
EOF
    bench_merge_cf "$POSTFIX_DIR/etc/main.cf" "$extra"
    # The packaged master.cf without its inet listeners, nothing chrooted, plus our listener.
    awk '
        /^#/ || /^[[:space:]]*$/ { next }
        /^[[:space:]]/ { if (!skip) print; next }
        { skip = ($2 == "inet"); if (skip) next
          if (NF >= 8) { $5 = "n" }
          print }
    ' /etc/postfix/master.cf >"$POSTFIX_DIR/etc/master.cf"
    echo "127.0.0.1:$POSTFIX_PORT inet n - n - - smtpd" >>"$POSTFIX_DIR/etc/master.cf"
    if [ -n "$master_extra" ]; then
        printf '%s\n' "$master_extra" >>"$POSTFIX_DIR/etc/master.cf"
    fi
    chown -R postfix "$POSTFIX_DIR/data"
    "$POSTFIX_BIN" -c "$POSTFIX_DIR/etc" set-permissions >/dev/null 2>&1 || bench_die "postfix set-permissions failed"
    BENCH_STARTED_POSTFIX+=("$POSTFIX_DIR")
    local start=("$POSTFIX_BIN" -c "$POSTFIX_DIR/etc" start)
    if [ -n "${BENCH_RESOLVER_DIR:-}" ]; then
        start=(bench_with_resolver "${start[@]}")
    fi
    "${start[@]}" >"$POSTFIX_DIR/start.log" 2>&1 \
        || bench_die "postfix start failed: $(cat "$POSTFIX_DIR/start.log")"
    bench_await_greeting "$POSTFIX_PORT" 30 || bench_die "Postfix does not greet on port $POSTFIX_PORT; see $POSTFIX_DIR/maillog"
    POSTFIX_PID=$(tr -d ' \n' <"$POSTFIX_DIR/queue/pid/master.pid")
    bench_log "Postfix $name: port $POSTFIX_PORT, master pid $POSTFIX_PID"
}

postfix_stop() { postfix_stop_dir "$POSTFIX_DIR"; }

postfix_stop_dir() {
    local dir=$1 pid
    [ -f "$dir/queue/pid/master.pid" ] || return 0
    pid=$(tr -d ' \n' <"$dir/queue/pid/master.pid")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        "$POSTFIX_BIN" -c "$dir/etc" stop >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null
        bench_wait_exit "$pid" 30 || kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$dir/queue/pid/master.pid"
}

# ---- Postern --------------------------------------------------------------------------------

# postern_start NAME [MAIN_CF_LINES]: a private instance in $BENCH_WORK/postern-NAME; MAIN_CF_LINES
# replace or add main.cf settings.
# Sets POSTERN_DIR, POSTERN_PORT, POSTERN_PID (the java process).
postern_start() {
    local name=$1 extra=${2:-}
    POSTERN_DIR=$BENCH_WORK/postern-$name
    POSTERN_PORT=$(bench_free_port)
    rm -rf "$POSTERN_DIR"
    mkdir -p "$POSTERN_DIR"/{etc,data,mail}
    local sink
    # No table lookups on the way, as in the Postfix instance (Postern's default tables read
    # its account database).
    if [ "$BENCH_SINK" = discard ]; then
        sink="default_transport = discard:
relay_transport = discard:
virtual_transport = discard:
virtual_mailbox_domains =
virtual_mailbox_maps =
virtual_alias_maps ="
    else
        sink="default_transport = error:no outbound delivery in benchmarks
virtual_mailbox_domains = example.test
virtual_mailbox_maps = static:example.test/user/
virtual_alias_maps =
virtual_mailbox_base = $POSTERN_DIR/mail
virtual_transport = virtual"
    fi
    cat >"$POSTERN_DIR/etc/main.cf" <<EOF
myhostname = postern.bench.test
data_directory = $POSTERN_DIR/data
maillog_file = $POSTERN_DIR/maillog
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
$sink
smtpd_peername_lookup = no
smtpd_tls_security_level = none
smtpd_error_sleep_time = 0s
# Nothing here looks anything up in DNS; if something did, it fails fast instead of leaving the machine.
dns_servers = 127.0.0.1:9
EOF
    bench_merge_cf "$POSTERN_DIR/etc/main.cf" "$extra"
    echo "$POSTERN_PORT inet n - n - - smtpd" >"$POSTERN_DIR/etc/master.cf"
    # bin/postern execs java: $! is the server's PID.
    "$BENCH_HOME/bin/postern" -c "$POSTERN_DIR/etc" serve >"$POSTERN_DIR/stdout" 2>&1 &
    POSTERN_PID=$!
    BENCH_STARTED_PIDS+=("$POSTERN_PID")
    if ! bench_await_greeting "$POSTERN_PORT" 90; then
        cat "$POSTERN_DIR/stdout" >&2
        bench_die "Postern does not greet on port $POSTERN_PORT"
    fi
    bench_log "Postern $name: port $POSTERN_PORT, pid $POSTERN_PID"
}

postern_stop() {
    [ -n "${POSTERN_PID:-}" ] || return 0
    kill -TERM "$POSTERN_PID" 2>/dev/null
    bench_wait_exit "$POSTERN_PID" 30 || kill -KILL "$POSTERN_PID" 2>/dev/null
    POSTERN_PID=
}

# ---- Load ---------------------------------------------------------------------------------

# smtp_source PORT SESSIONS MESSAGES SIZE: Postfix's load generator, one message per connection,
# or with BENCH_REUSE=1 (smtp-source -d) every session sends its messages over one connection.
smtp_source() {
    local reuse=()
    [ "${BENCH_REUSE:-0}" = 1 ] && reuse=(-d)
    "$SMTP_SOURCE" "${reuse[@]}" -l "$4" -m "$3" -s "$2" -f sender@bench.test -t user@example.test "127.0.0.1:$1"
}

# The load client for per-transaction latency (compiled once into $BENCH_WORK/classes).
latency_client() {
    if [ ! "$BENCH_WORK/classes/LatencyClient.class" -nt "$BENCH_HOME/bench/LatencyClient.java" ]; then
        mkdir -p "$BENCH_WORK/classes"
        "$(dirname "$BENCH_JAVA")/javac" -d "$BENCH_WORK/classes" "$BENCH_HOME/bench/LatencyClient.java" \
            || bench_die "LatencyClient.java does not compile"
    fi
    "$BENCH_JAVA" -cp "$BENCH_WORK/classes" LatencyClient "$@"
}
