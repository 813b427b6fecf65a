#!/usr/bin/env bash
# Inbound with the full port-25 checks: a stranger (a client outside mynetworks) sends DKIM-signed
# mail that passes DNSBL, reverse DNS, SPF, DKIM and DMARC, all answered by the project's test DNS
# server (bench/BenchDns.java). Postern does the checks itself; Postfix does them with the Debian
# companions an admin would install: policyd-spf (postfix-policyd-spf-python, spawned by the
# master), OpenDKIM (verify mode) and OpenDMARC as milters, each a private instance on a loopback
# port with its own configuration in the work folder.
#
# Both servers, the same checks:
#   smtpd_client_restrictions    = reject_rbl_client dnsbl.example, reject_unknown_client_hostname
#   smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, SPF
#                                  (Postfix: check_policy_service unix:private/policyd-spf;
#                                   Postern: check_spf)
#   DKIM verification            (Postfix: OpenDKIM milter; Postern: its inbound filter)
#   DMARC, p=reject enforced     (Postfix: OpenDMARC milter, RejectFailures; Postern: check_dmarc
#                                  in smtpd_end_of_data_restrictions)
#   smtpd_peername_lookup = yes, mynetworks = 192.0.2.0/24 (not the client), loopback not skipped
#   by SPF/DMARC (Postern's spf_dmarc_skip_addresses, policyd-spf's skip_addresses, OpenDMARC's
#   IgnoreHosts, OpenDKIM's InternalHosts all default to loopback and are set to 192.0.2.1).
#   Accepted mail for user@example.test goes to discard:, after the fsync'd acceptance.
#
# DNS: the test DNS server listens on port 53 of a random 127.53.x.y address, since glibc's
# resolver (Postfix, policyd-spf's dnspython, OpenDMARC) takes a resolv.conf nameserver without a
# port. The Postfix master, OpenDKIM and OpenDMARC run in private mount namespaces whose
# /etc/resolv.conf names it and whose /etc/hosts is empty (bench_with_resolver in bench/lib.sh),
# so the client's PTR record comes from DNS. Postern gets it in dns_servers. Debian's OpenDKIM
# resolves with libunbound, pointed at the test server by its Nameservers setting; libunbound
# answers NXDOMAIN itself for names under test. (an RFC 6761 special-use name), so the names
# looked up here are under example. (A libunbound configuration file could lift that, but OpenDKIM
# parses it again for every message, and at 20 sessions libunbound's parser, which is not
# thread-safe, crashed OpenDKIM.)
#
# The zone: 1.0.0.127.in-addr.arpa PTR mail.sender.example, whose A is 127.0.0.1 (the client:
# smtp-source cannot choose its source address); SPF records for sender.example and the HELO name
# mail.sender.example that pass 127.0.0.1; the DKIM key bench._domainkey.sender.example (RSA 2048);
# _dmarc.sender.example p=reject; a DNSBL zone that lists 127.0.0.2 but not the client (its lookup
# answers NXDOMAIN); an SOA for example. (TTL and MINIMUM 300), which negative answers carry, as a
# real zone's do. Every record has TTL 300. Postern keeps answers for their TTL in its DNS cache
# (postern_dns_cache_size; NXDOMAIN only with the SOA); OpenDKIM's libunbound keeps them too (one
# DKIM key lookup in all), and each Postfix smtpd process remembers its DNSBL results.
#
# Messages: one message (BENCH_CHECKS_BODY bytes of body, 2.8 KB in all) signed by sender.example
# with rsa-sha256 2048 (dkimpy), sent again and again: verification does the same work each time.
# smtp-source sends it with -F; bench/LatencyClient.java with --file.
#
# Before measuring, per server (fails loudly otherwise): one message to check@example.test,
# which transport_maps sends to a Maildir instead of discard:, must carry SPF, DKIM and DMARC
# passes (Postfix: Received-SPF: Pass from policyd-spf, dkim=pass from OpenDKIM, dmarc=pass from
# OpenDMARC; Postern: its Authentication-Results) and a Received line naming mail.sender.example
# (reverse DNS); and a copy with a changed body from a sender without SPF must be refused with 550
# (DMARC p=reject enforced). After each server, the DNS server's query counts must show the DNSBL,
# PTR, SPF, DKIM key and DMARC lookups.
#
# Measures as bench/acceptance.sh (warm-up, smtp-source for msgs/s, LatencyClient for latency),
# with CPU and memory summed over the Postfix master's process tree (smtpd, cleanup, spawn and the
# policyd-spf processes, ...) plus the OpenDKIM and OpenDMARC processes; the column cpu_split gives
# the three parts (master's tree + OpenDKIM + OpenDMARC, s/1000 messages). The DNS server's own
# CPU counts for neither. DNS queries/msg: all queries the DNS server got during the run, divided
# by all messages sent (warm-up, measured, latency and sanity messages).
#
# Usage: bench/checks.sh   (as root)  BENCH_MESSAGES=5000 BENCH_CHECKS_SESSIONS=20
#        BENCH_CHECKS_BODY=2048 BENCH_WARMUP=5000 BENCH_LATENCY_MESSAGES=2000 BENCH_SERVERS="postfix postern"
#        BENCH_POSTERN_DNS_CACHE_SIZE=0 (Postern's postern_dns_cache_size; unset: Postern's default)
# Needs: Debian packages postfix, postfix-policyd-spf-python, opendkim, opendmarc, python3-dkim,
# openssl; the test classes (mvn -q -B test-compile) for the DNS server.
# Results: $BENCH_WORK/checks.tsv, $BENCH_WORK/checks/ (zone, message, DNS query counts, the
# sanity messages' header sections) and a table with Postern/Postfix ratios on stdout.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

BENCH_MESSAGES=${BENCH_MESSAGES:-5000}
sessions=${BENCH_CHECKS_SESSIONS:-20}
body_size=${BENCH_CHECKS_BODY:-2048}
BENCH_SERVERS=${BENCH_SERVERS:-"postfix postern"}
BENCH_WARMUP=${BENCH_WARMUP:-5000}
BENCH_LATENCY_MESSAGES=${BENCH_LATENCY_MESSAGES:-2000}
SYSTEM_PYTHON=/usr/bin/python3   # Debian's, which has python3-dkim (a python3 on PATH may not)
HELO=mail.sender.example
SENDER=sender@sender.example
DNSBL=dnsbl.example

for tool in /usr/sbin/opendkim /usr/sbin/opendmarc /usr/bin/policyd-spf /usr/bin/openssl /usr/bin/unshare; do
    [ -x "$tool" ] || bench_die "$tool is missing: apt-get install -y opendkim opendmarc postfix-policyd-spf-python openssl util-linux"
done
"$SYSTEM_PYTHON" -c 'import dkim' 2>/dev/null || bench_die "dkimpy is missing: apt-get install -y python3-dkim"

BENCH_SINK=discard
bench_init
unzip -l "$BENCH_HOME/target/postern.jar" org/postern/delivery/DiscardTransport.class >/dev/null 2>&1 \
    || bench_die "this Postern build has no discard transport"
dns_class=$BENCH_HOME/target/test-classes/org/postern/testing/TestDnsServer.class
if [ ! -f "$dns_class" ] || [ "$BENCH_HOME/src/test/java/org/postern/testing/TestDnsServer.java" -nt "$dns_class" ]; then
    bench_log "compiling the test classes for the DNS server (mvn -q -B test-compile)"
    (cd "$BENCH_HOME" && mvn -q -B test-compile) || bench_die "mvn test-compile failed"
fi

work=$BENCH_WORK/checks
mkdir -p "$work"
chmod 755 "$work"
results=$BENCH_WORK/checks.tsv
printf 'server\tsessions\tsize\tmsgs\tsecs\trate\tcpu_s\tcpu_per_1000\thwm_mb\tpss_mb\tprocs\tlat_msgs\tlat_rate\tp50_ms\tp90_ms\tp99_ms\tmax_ms\tdns_per_msg\tcpu_split\tload\tnote\n' >"$results"

# ---- Key, zone and messages ---------------------------------------------------------------

openssl genrsa -out "$work/dkim.key" 2048 2>/dev/null || bench_die "openssl genrsa failed"
"$SYSTEM_PYTHON" - "$work" "$body_size" <<'EOF' || bench_die "could not make the signed message"
import base64, subprocess, sys
import dkim

work, body_size = sys.argv[1], int(sys.argv[2])
key = open(f"{work}/dkim.key", "rb").read()
der = subprocess.run(["openssl", "rsa", "-in", f"{work}/dkim.key", "-pubout", "-outform", "DER"],
                     capture_output=True, check=True).stdout
record = "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()
# A TXT character-string holds at most 255 bytes (RFC 1035 section 3.3): split the key record.
txt = " ".join('"%s"' % record[i:i + 250] for i in range(0, len(record), 250))
with open(f"{work}/zone", "w") as z:
    z.write(f"""# bench/checks.sh: the client 127.0.0.1 is mail.sender.example, sending for sender.example
1.0.0.127.in-addr.arpa PTR mail.sender.example.
mail.sender.example A 127.0.0.1
mail.sender.example TXT "v=spf1 ip4:127.0.0.1 -all"
sender.example MX 10 mail.sender.example.
sender.example TXT "v=spf1 ip4:127.0.0.1 -all"
bench._domainkey.sender.example TXT {txt}
_dmarc.sender.example TXT "v=DMARC1; p=reject"
# The DNSBL lists 127.0.0.2, not the client: the client's lookup answers NXDOMAIN.
# The zone's SOA goes with every negative answer under example. (RFC 2308: cacheable for 300 s).
example SOA ns.example. hostmaster.example. 1 3600 600 86400 300
2.0.0.127.dnsbl.example A 127.0.0.2
2.0.0.127.dnsbl.example TXT "listed for the benchmark"
""")

line = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmn\r\n"
body = line * (body_size // len(line))
header = ("From: Sender <sender@sender.example>\r\n"
          "To: <user@example.test>\r\n"
          "Subject: benchmark with SPF, DKIM and DMARC\r\n"
          "Date: Sat, 28 Nov 2026 06:00:00 +0000\r\n"
          "Message-ID: <checks-bench@sender.example>\r\n"
          "MIME-Version: 1.0\r\n"
          "Content-Type: text/plain; charset=us-ascii\r\n")
message = (header + "\r\n" + body).encode("ascii")
signature = dkim.sign(message, b"bench", b"sender.example", key,
                      canonicalize=(b"relaxed", b"relaxed"),
                      include_headers=[b"from", b"to", b"subject", b"date", b"message-id",
                                       b"mime-version", b"content-type"])
signed = signature + message
# Check our own signature before any server sees it (dkimpy with the key record as DNS).
if not dkim.verify(signed, dnsfunc=lambda name, timeout=5: record.encode()):
    sys.exit("dkimpy does not verify its own signature")
# smtp-source -F ends each line of the file with CRLF itself: store LF line ends.
with open(f"{work}/message", "wb") as f:
    f.write(signed.replace(b"\r\n", b"\n"))
# The same message with one body line changed: its DKIM signature fails.
tampered = signed.replace(b"\r\n\r\nabcdefgh", b"\r\n\r\nABCDEFGH", 1)
with open(f"{work}/tampered", "wb") as f:
    f.write(tampered.replace(b"\r\n", b"\n"))
EOF
msg_size=$(stat -c %s "$work/message")
bench_log "signed message: $msg_size bytes (LF line ends), zone in $work/zone"

# ---- DNS server ----------------------------------------------------------------------------

# dns_start NAME: a fresh test DNS server for one server run. Sets DNS_PID, DNS_HOST, DNS_COUNTS
# (written when it stops) and BENCH_RESOLVER_DIR (resolv.conf and hosts for bench_with_resolver).
dns_start() {
    local name=$1 deadline line=""
    DNS_COUNTS=$work/dns-$name.counts
    # Removed first: the background process truncates its output file only once it runs.
    rm -f "$DNS_COUNTS" "$work/dns-$name.out"
    "$BENCH_JAVA" -cp "$BENCH_HOME/target/test-classes:$BENCH_HOME/target/lib/*" "$BENCH_HOME/bench/BenchDns.java" \
        "$work/zone" "$DNS_COUNTS" >"$work/dns-$name.out" 2>&1 &
    DNS_PID=$!
    BENCH_STARTED_PIDS+=("$DNS_PID")
    deadline=$((SECONDS + 60))
    while [ $SECONDS -lt $deadline ]; do
        line=$(grep -m1 '^LISTENING ' "$work/dns-$name.out" 2>/dev/null || true)
        [ -n "$line" ] && break
        kill -0 "$DNS_PID" 2>/dev/null || break
        sleep 0.2
    done
    [ -n "$line" ] || bench_die "the DNS server did not start: $(cat "$work/dns-$name.out")"
    DNS_HOST=$(echo "$line" | cut -d' ' -f2)
    BENCH_RESOLVER_DIR=$work/resolver-$name
    mkdir -p "$BENCH_RESOLVER_DIR"
    printf 'nameserver %s\noptions timeout:2 attempts:2\n' "$DNS_HOST" >"$BENCH_RESOLVER_DIR/resolv.conf"
    # Empty: 127.0.0.1 must get its name from the PTR record, not from "127.0.0.1 localhost".
    printf '# bench/checks.sh: every name and address is looked up in the test DNS server\n' >"$BENCH_RESOLVER_DIR/hosts"
    chmod 644 "$BENCH_RESOLVER_DIR"/*
    bench_log "test DNS server on $DNS_HOST:53 (pid $DNS_PID)"
}

# dns_stop: stops the DNS server, which writes its query counts on the way out.
dns_stop() {
    kill -TERM "$DNS_PID" 2>/dev/null || true
    bench_wait_exit "$DNS_PID" 20 || kill -KILL "$DNS_PID" 2>/dev/null
    [ -f "$DNS_COUNTS" ] || bench_die "the DNS server wrote no query counts ($DNS_COUNTS)"
}

# Fails unless every kind of lookup the checks make reached the DNS server.
dns_verify() {
    local server=$1 q
    for q in "1.0.0.127.$DNSBL A" "1.0.0.127.in-addr.arpa PTR" "$HELO A" "sender.example TXT" \
             "bench._domainkey.sender.example TXT" "_dmarc.sender.example TXT"; do
        grep -q " $q\$" "$DNS_COUNTS" || bench_die "$server: no DNS query for '$q' (see $DNS_COUNTS): a check did not run"
    done
}

# ---- Postfix with policyd-spf, OpenDKIM and OpenDMARC ---------------------------------------

# Waits until something accepts connections on 127.0.0.1:PORT.
await_port() {
    local port=$1 deadline=$((SECONDS + 30))
    while [ $SECONDS -lt $deadline ]; do
        if timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}

# Sets SERVER_PIDS (the roots of the process trees to measure), SERVER_DIR, SERVER_PORT.
postfix_checks_start() {
    local companions=$BENCH_WORK/companions dkim_port dmarc_port
    rm -rf "$companions"
    mkdir -p "$companions"
    chmod 755 "$companions"
    dkim_port=$(bench_free_port)
    dmarc_port=$(bench_free_port)
    # The client (127.0.0.1) must be neither internal (OpenDKIM would sign instead of verify) nor
    # ignored (OpenDMARC's default IgnoreHosts is 127.0.0.1): both lists name a documentation address.
    echo 192.0.2.1 >"$companions/internal-hosts"
    cat >"$companions/opendkim.conf" <<EOF
Mode v
Socket inet:$dkim_port@127.0.0.1
Syslog no
UserID opendkim:opendkim
AuthservID postfix.bench.test
InternalHosts $companions/internal-hosts
Nameservers $DNS_HOST
EOF
    cat >"$companions/opendmarc.conf" <<EOF
Socket inet:$dmarc_port@127.0.0.1
Syslog false
UserID opendmarc:opendmarc
AuthservID postfix.bench.test
TrustedAuthservIDs postfix.bench.test
IgnoreHosts $companions/internal-hosts
RejectFailures true
PublicSuffixList /usr/share/publicsuffix/public_suffix_list.dat
EOF
    # policyd-spf as Debian documents it (spawned by the master), with Debian's default settings
    # except skip_addresses, which would skip the loopback client.
    cat >"$companions/policyd-spf.conf" <<EOF
debugLevel = 1
TestOnly = 1
HELO_reject = Fail
Mail_From_reject = Fail
PermError_reject = False
TempError_Defer = False
skip_addresses = 192.0.2.1/32
EOF
    chmod 644 "$companions"/*
    bench_start_with_resolver "$companions/opendkim.log" /usr/sbin/opendkim -f -x "$companions/opendkim.conf"
    local dkim_pid=$BENCH_STARTED_PID
    bench_start_with_resolver "$companions/opendmarc.log" /usr/sbin/opendmarc -f -c "$companions/opendmarc.conf"
    local dmarc_pid=$BENCH_STARTED_PID
    await_port "$dkim_port" || bench_die "OpenDKIM does not listen: $(cat "$companions/opendkim.log")"
    await_port "$dmarc_port" || bench_die "OpenDMARC does not listen: $(cat "$companions/opendmarc.log")"
    bench_log "OpenDKIM pid $dkim_pid port $dkim_port, OpenDMARC pid $dmarc_pid port $dmarc_port"

    local dir=$BENCH_WORK/postfix-checks
    postfix_start checks "mynetworks = 192.0.2.0/24
smtpd_peername_lookup = yes
virtual_mailbox_domains = example.test
virtual_mailbox_maps = static:example.test/user/
virtual_mailbox_base = $dir/mail
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_transport = discard:
transport_maps = inline:{check@example.test=virtual:}
smtpd_client_restrictions = reject_rbl_client $DNSBL, reject_unknown_client_hostname
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination,
    check_policy_service unix:private/policyd-spf
policyd-spf_time_limit = 3600s
smtpd_milters = inet:127.0.0.1:$dkim_port, inet:127.0.0.1:$dmarc_port
milter_default_action = tempfail" \
        "policyd-spf unix - n n - 0 spawn
  user=policyd-spf argv=/usr/bin/policyd-spf $companions/policyd-spf.conf"
    chown nobody:nogroup "$POSTFIX_DIR/mail"
    SERVER_PIDS=("$POSTFIX_PID" "$dkim_pid" "$dmarc_pid")
    SERVER_DIR=$POSTFIX_DIR
    SERVER_PORT=$POSTFIX_PORT
}

postern_checks_start() {
    local dir=$BENCH_WORK/postern-checks
    postern_start checks "mynetworks = 192.0.2.0/24
smtpd_peername_lookup = yes
dns_servers = $DNS_HOST:53
spf_dmarc_skip_addresses = 192.0.2.1/32
virtual_mailbox_domains = example.test
virtual_mailbox_maps = static:example.test/user/
virtual_alias_maps =
virtual_mailbox_base = $dir/mail
virtual_transport = discard:
transport_maps = inline:{check@example.test=virtual:}
smtpd_client_restrictions = reject_rbl_client $DNSBL, reject_unknown_client_hostname
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, check_spf
smtpd_end_of_data_restrictions = permit_mynetworks, permit_sasl_authenticated, check_dmarc${BENCH_POSTERN_DNS_CACHE_SIZE:+
postern_dns_cache_size = $BENCH_POSTERN_DNS_CACHE_SIZE}"
    SERVER_PIDS=("$POSTERN_PID")
    SERVER_DIR=$POSTERN_DIR
    SERVER_PORT=$POSTERN_PORT
}

# ---- Sanity checks and measurement ------------------------------------------------------------

# The CPU seconds of each process tree, separately, on one line.
cpu_each() {
    local root
    for root in "$@"; do bench_cpu "$root"; done | paste -sd' '
}

send_file() {   # PORT FILE FROM TO SESSIONS MESSAGES_PER_SESSION
    latency_client --helo "$HELO" --from "$3" --to "$4" --file "$2" 127.0.0.1 "$1" "$5" "$6"
}

# The checks must have run: the sanity message's header section shows them, and a tampered
# message is refused.
sanity() {
    local server=$1 port=$2 dir=$3 file="" deadline headers=$work/sanity-$1.headers
    send_file "$port" "$work/message" "$SENDER" check@example.test 1 1 >"$work/sanity-$server.out" 2>&1 \
        || bench_die "$server refused the signed message: $(cat "$work/sanity-$server.out"); see $dir/maillog"
    deadline=$((SECONDS + 60))
    while [ -z "$file" ] && [ $SECONDS -lt $deadline ]; do
        file=$(find "$dir/mail" -path '*/new/*' -type f 2>/dev/null | head -1)
        [ -z "$file" ] && sleep 0.2
    done
    [ -n "$file" ] || bench_die "$server: the sanity message did not arrive in $dir/mail; see $dir/maillog"
    # The header section, continuation lines joined.
    awk '/^\r?$/ { exit } /^[ \t]/ { sub(/^[ \t]+/, " "); printf "%s", $0; next } { if (NR > 1) print ""; printf "%s", $0 } END { print "" }' "$file" \
        | tr -d '\r' >"$headers"
    local want
    if [ "$server" = postfix ]; then
        want=("^Received-SPF: Pass " "^Authentication-Results: postfix.bench.test.*dkim=pass" \
              "^Authentication-Results: postfix.bench.test.*dmarc=pass" "^Received: from $HELO \\($HELO \\[127.0.0.1\\]\\)")
    else
        want=("^Authentication-Results: postern.bench.test.*spf=pass" "^Authentication-Results: postern.bench.test.*dkim=pass" \
              "^Authentication-Results: postern.bench.test.*dmarc=pass" "^Received: from $HELO \\($HELO \\[127.0.0.1\\]\\)")
    fi
    local w
    for w in "${want[@]}"; do
        grep -Eq "$w" "$headers" || bench_die "$server: the checks did not all pass: no header matching '$w' in $file:
$(cat "$headers")"
    done
    bench_log "$server: sanity message headers:"
    grep -E '^(Received-SPF|Authentication-Results|Received):' "$headers" | sed 's/^/    /' >&2
    if send_file "$port" "$work/tampered" sender@other.example user@example.test 1 1 >"$work/tampered-$server.out" 2>&1; then
        bench_die "$server accepted a message whose DKIM signature fails and whose domain publishes DMARC p=reject"
    fi
    grep -q 'got: 550' "$work/tampered-$server.out" \
        || bench_die "$server: the tampered message was not refused with 550: $(cat "$work/tampered-$server.out")"
    bench_log "$server: tampered message refused: $(grep -o 'got: 550.*' "$work/tampered-$server.out" | head -1)"
}

run_server() {
    local server=$1 note="" sampler log expected=0
    dns_start "$server"
    if [ "$server" = postfix ]; then postfix_checks_start; else postern_checks_start; fi
    log=$SERVER_DIR/maillog
    bench_sample_start "$SERVER_DIR/memory" "${SERVER_PIDS[@]}"
    sampler=$BENCH_SAMPLER

    sanity "$server" "$SERVER_PORT" "$SERVER_DIR"
    expected=1

    "$SMTP_SOURCE" -F "$work/message" -m "$BENCH_WARMUP" -s "$sessions" -M "$HELO" -f "$SENDER" -t user@example.test \
        "127.0.0.1:$SERVER_PORT" >"$SERVER_DIR/warmup.out" 2>&1 \
        || bench_die "$server: warm-up errors: $(tail -3 "$SERVER_DIR/warmup.out"); see $log"
    expected=$((expected + BENCH_WARMUP))
    await_removed "$log" "$expected" || note="queue not drained"

    local load cpu0 t0 t1 cpu1
    load=$(bench_load)
    cpu0=$(cpu_each "${SERVER_PIDS[@]}")
    t0=$(date +%s.%N)
    "$SMTP_SOURCE" -F "$work/message" -m "$BENCH_MESSAGES" -s "$sessions" -M "$HELO" -f "$SENDER" -t user@example.test \
        "127.0.0.1:$SERVER_PORT" >"$SERVER_DIR/smtp-source.out" 2>&1 || note="smtp-source errors"
    t1=$(date +%s.%N)
    expected=$((expected + BENCH_MESSAGES))
    await_removed "$log" "$expected" || note="queue not drained"
    cpu1=$(cpu_each "${SERVER_PIDS[@]}")

    local per_session lat
    per_session=$(( (BENCH_LATENCY_MESSAGES + sessions - 1) / sessions ))
    [ "$per_session" -lt 5 ] && per_session=5
    lat=$(send_file "$SERVER_PORT" "$work/message" "$SENDER" user@example.test "$sessions" "$per_session" \
          2>"$SERVER_DIR/latency.err" | grep '^RESULT') || note="latency client errors"
    expected=$((expected + sessions * per_session))
    await_removed "$log" "$expected" || note="queue not drained"

    bench_sample_stop "$sampler"
    if [ "$server" = postfix ]; then
        postfix_stop
        local pid
        for pid in "${SERVER_PIDS[@]:1}"; do
            kill -TERM "$pid" 2>/dev/null || true
            bench_wait_exit "$pid" 20 || kill -KILL "$pid" 2>/dev/null
        done
    else
        postern_stop
    fi
    dns_stop
    dns_verify "$server"
    cp "$DNS_COUNTS" "$BENCH_WORK/checks-dns-$server.txt"

    local queries
    queries=$(awk '$1 == "TOTAL" { print $2 }' "$DNS_COUNTS")
    python3 - "$server" "$sessions" "$msg_size" "$BENCH_MESSAGES" "$t0" "$t1" "$cpu0" "$cpu1" "$(cat "$SERVER_DIR/memory")" \
        "$lat" "$queries" "$expected" "$load" "$note" >>"$results" <<'EOF'
import sys
server, sessions, size, msgs, t0, t1, cpu0, cpu1, mem, lat, queries, total, load, note = sys.argv[1:]
msgs = int(msgs); secs = float(t1) - float(t0)
parts = [float(b) - float(a) for a, b in zip(cpu0.split(), cpu1.split())]
cpu = sum(parts)
split = "+".join(f"{p / msgs * 1000:.2f}" for p in parts)
m = dict(kv.split("=") for kv in mem.split())
l = dict(kv.split("=") for kv in lat.split()[1:]) if lat else {}
print("\t".join(str(x) for x in [
    server, sessions, size, msgs, f"{secs:.2f}", f"{msgs / secs:.1f}", f"{cpu:.2f}", f"{cpu / msgs * 1000:.2f}",
    f"{int(m['hwm_kb']) / 1024:.0f}", f"{int(m['pss_kb']) / 1024:.0f}", m["procs"],
    l.get("msgs", "-"), l.get("rate", "-"), l.get("p50_ms", "-"), l.get("p90_ms", "-"), l.get("p99_ms", "-"),
    l.get("max_ms", "-"), f"{int(queries) / int(total):.1f}", split, load.replace(" ", "/"), note or "ok"]))
EOF
    bench_log "$(tail -1 "$results")"
}

bench_log "checks: $BENCH_MESSAGES messages, $sessions sessions, servers $BENCH_SERVERS"
for server in $BENCH_SERVERS; do
    run_server "$server"
done
python3 "$BENCH_HOME/bench/report.py" checks "$results"
