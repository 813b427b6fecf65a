package org.postern.metrics;

import java.util.List;

/**
 * Every metric Postern exports, process-wide (one server per process; tests that run several
 * in one JVM compare differences). The names follow Prometheus conventions: prefix
 * {@code postern_}, {@code _total} for counters, {@code _seconds} for durations.
 * docs/operations.md lists them with their labels.
 */
public final class Metrics {

    private Metrics() {
    }

    public static final Counter SMTPD_CONNECTIONS = new Counter("postern_smtpd_connections_total",
            "SMTP connections accepted, by listener (master.cf service name)", "listener");
    public static final Gauge SMTPD_SESSIONS = new Gauge("postern_smtpd_sessions",
            "SMTP sessions open now");
    public static final Counter SMTPD_MESSAGES_ACCEPTED = new Counter("postern_smtpd_messages_accepted_total",
            "Messages accepted into the queue (250 after DATA/BDAT), by listener", "listener");
    public static final Counter SMTPD_REJECTS = new Counter("postern_smtpd_rejects_total",
            "Rejects by a restriction, by listener, SMTP stage and the restriction that rejected",
            "listener", "stage", "restriction");
    public static final Counter SMTPD_AUTH_FAILURES = new Counter("postern_smtpd_auth_failures_total",
            "Failed SMTP AUTH attempts, by listener", "listener");
    public static final Gauge QUEUE_MESSAGES = new Gauge("postern_queue_messages",
            "Messages in the queue by state (incoming: not tried yet, active, deferred, hold)", "state");
    public static final Counter DELIVERIES = new Counter("postern_delivery_results_total",
            "Delivery attempts of one recipient, by transport and result (sent, deferred, bounced, expired)",
            "transport", "status");
    public static final Histogram DNS_QUERIES = new Histogram("postern_dns_query_duration_seconds",
            "DNS lookups sent to the DNS servers (CNAME chain included), by record type and result", "type", "result");
    public static final Counter DNS_CACHE_HITS = new Counter("postern_dns_cache_hits_total",
            "DNS lookups answered from Postern's DNS cache (postern_dns_cache_size), by record type and result",
            "type", "result");
    public static final Histogram DATABASE_QUERIES = new Histogram("postern_database_query_duration_seconds",
            "Database work of the account store (connection, queries, commit), by kind (read, write)", "kind");
    public static final Counter CONFIG_RELOADS = new Counter("postern_config_reloads_total",
            "Configuration reloads (SIGHUP or postern reload), by result (ok, failed)", "result");

    private static final List<Metric> ALL = List.of(SMTPD_CONNECTIONS, SMTPD_SESSIONS, SMTPD_MESSAGES_ACCEPTED,
            SMTPD_REJECTS, SMTPD_AUTH_FAILURES, QUEUE_MESSAGES, DELIVERIES, DNS_QUERIES, DNS_CACHE_HITS, DATABASE_QUERIES,
            CONFIG_RELOADS);

    /** The text exposition format (version 0.0.4) of every metric. */
    public static String exposition() {
        StringBuilder out = new StringBuilder(4096);
        for (Metric m : ALL) {
            // HELP text escapes backslash and line feed (exposition format).
            out.append("# HELP ").append(m.name()).append(' ')
                    .append(m.help().replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
            out.append("# TYPE ").append(m.name()).append(' ').append(m.type()).append('\n');
            m.writeSamples(out);
        }
        return out.toString();
    }
}
