#!/usr/bin/env bash
# Installs Postern from this source tree for systemd:
#   /opt/postern/bin/postern, /opt/postern/lib/*.jar, /opt/postern/docs/
#   /etc/postern/main.cf (only when missing; an existing configuration is kept)
#   /var/lib/postern (data_directory: queue, Maildirs, SQLite database, TLS), owned by postern
#   /etc/systemd/system/postern.service
# and creates the system user postern. Run as root from the repository root, after
#   mvn -B -DskipTests package
# Then: systemctl enable --now postern. See docs/operations.md.
# Environment: DESTDIR (stage into another root, e.g. for a package; no user or systemctl then).
set -euo pipefail

src=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
root=${DESTDIR:-}
prefix=$root/opt/postern
etc=$root/etc/postern
data=$root/var/lib/postern

if [ ! -f "$src/target/postern.jar" ] || [ ! -d "$src/target/lib" ]; then
    echo "install.sh: no build output in $src/target: run mvn -B -DskipTests package first" >&2
    exit 1
fi

install -d -m 0755 "$prefix/bin" "$prefix/lib" "$prefix/docs"
install -m 0755 "$src/bin/postern" "$prefix/bin/postern"
rm -f "$prefix"/lib/*.jar   # no jars of an older version beside the new ones
install -m 0644 "$src/target/postern.jar" "$src"/target/lib/*.jar "$prefix/lib/"
install -m 0644 "$src"/docs/*.md "$prefix/docs/"

install -d -m 0755 "$etc"
if [ ! -f "$etc/main.cf" ]; then
    cat > "$etc/main.cf" <<'CF'
# Postern configuration: see /opt/postern/docs/parameters.md, or
#   /opt/postern/bin/postern config defaults
# Check it with: /opt/postern/bin/postern -c /etc/postern config check
data_directory = /var/lib/postern
# myhostname = mx.example.org
# smtpd_tls_cert_file = /etc/letsencrypt/live/mx.example.org/fullchain.pem
# smtpd_tls_key_file = /etc/letsencrypt/live/mx.example.org/privkey.pem
# Metrics and health (Prometheus) on loopback:
# postern_admin_listen = 127.0.0.1:9025
CF
    chmod 0644 "$etc/main.cf"
fi
# No master.cf: the built-in listeners (25, 587 and 465) apply until you write one.

install -d -m 0755 "$root/etc/systemd/system"
install -m 0644 "$src/packaging/postern.service" "$root/etc/systemd/system/postern.service"

if [ -z "$root" ]; then
    if ! id -u postern >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postern --no-create-home --shell /usr/sbin/nologin postern
    fi
    install -d -m 0750 -o postern -g postern "$data"
    systemctl daemon-reload
    echo "installed; start with: systemctl enable --now postern"
else
    install -d -m 0750 "$data"
fi
