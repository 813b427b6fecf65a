package org.postern.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.postern.config.ConfigException;
import org.postern.config.ConfigProblem;
import org.postern.config.Configuration;
import org.postern.config.Listener;
import org.postern.config.ParameterSet;
import org.postern.delivery.DiscardTransport;
import org.postern.delivery.ErrorTransport;
import org.postern.delivery.LmtpTransport;
import org.postern.delivery.MaildirDelivery;
import org.postern.delivery.VirtualTransport;
import org.postern.delivery.smtp.NextHop;
import org.postern.delivery.smtp.SmtpClientSettings;
import org.postern.delivery.smtp.SmtpTransport;
import org.postern.delivery.smtp.TlsLevel;
import org.postern.dkim.DkimKeys;
import org.postern.dkim.DkimSigner;
import org.postern.dns.DnsCache;
import org.postern.dns.DnsResolver;
import org.postern.log.MailLog;
import org.postern.lookup.AddressSearch;
import org.postern.metrics.AdminServer;
import org.postern.metrics.Metrics;
import org.postern.lookup.LookupTable;
import org.postern.lookup.LookupTables;
import org.postern.lookup.TableConfigException;
import org.postern.policy.AddressClassifier;
import org.postern.policy.PolicyEngine;
import org.postern.queue.AddressVerifier;
import org.postern.queue.ControlServer;
import org.postern.queue.Notifier;
import org.postern.queue.QueueManager;
import org.postern.queue.Recipient;
import org.postern.queue.RecipientRouter;
import org.postern.queue.Router;
import org.postern.queue.Spool;
import org.postern.queue.SpoolEntry;
import org.postern.queue.SpoolTools;
import org.postern.queue.Transport;
import org.postern.server.AliasExpander;
import org.postern.server.AuthThrottle;
import org.postern.server.ClientLimits;
import org.postern.server.ListenerSettings;
import org.postern.server.OutgoingSigner;
import org.postern.server.ServerContext;
import org.postern.server.SmtpServer;
import org.postern.server.StoreAuthenticator;
import org.postern.store.DkimKey;
import org.postern.store.DkimKeyStore;
import org.postern.store.DmarcEvaluationStore;
import org.postern.store.DmarcEvaluationWriter;
import org.postern.store.StoreException;
import org.postern.tls.ServerTls;
import org.postern.tls.TlsException;
import org.postern.tls.TlsProtocols;
import org.postern.tls.TrustAnchorFiles;
import org.slf4j.Logger;

/**
 * A running Postern: spool, queue manager with its transports, and the SMTP listeners, built
 * from a validated configuration. {@code serve} runs one; end-to-end tests start one in-process.
 * {@link #close()} stops it gracefully: listeners first, then deliveries, then the spool.
 */
public final class PosternServer implements AutoCloseable {

    private static final Logger LOG = MailLog.logger("master");

    private final Spool spool;
    private final QueueManager queueManager;
    private final SmtpServer smtp;
    private final Duration shutdownTimeout;
    private final DmarcEvaluationWriter dmarcEvaluations;
    private final Context context;
    private final DnsResolver dns;
    private final AddressVerifier verifier;
    /** What {@link #reload} replaces; guarded by {@code this}. */
    private Configuration config;
    private ServerContext sessionContext;
    private DeliveryAgents delivery;
    private ControlServer control;
    private AdminServer admin;

    private PosternServer(Context context, Configuration config, DnsResolver dns, AddressVerifier verifier,
                          ServerContext sessionContext, Spool spool, QueueManager queueManager, DeliveryAgents delivery,
                          SmtpServer smtp, Duration shutdownTimeout,
                          DmarcEvaluationWriter dmarcEvaluations) {
        this.context = context;
        this.config = config;
        this.dns = dns;
        this.verifier = verifier;
        this.sessionContext = sessionContext;
        this.dmarcEvaluations = dmarcEvaluations;
        this.spool = spool;
        this.queueManager = queueManager;
        this.delivery = delivery;
        this.smtp = smtp;
        this.shutdownTimeout = shutdownTimeout;
    }

    /** A start-up failure with a message for the admin (file, port, fix). */
    static final class StartException extends Exception {
        StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static PosternServer start(Context context) throws ConfigException, StoreException, StartException {
        Configuration config = context.configuration();
        ParameterSet main = config.main();
        LookupTables tables = context.tables();
        Clock clock = Clock.systemDefaultZone();
        Spool spool = null;
        DmarcEvaluationWriter dmarcEvaluations = null;
        DeliveryAgents delivery = null;
        try {
            DnsResolver dns = DnsResolver.create(main.list("dns_servers"), positive(main.time("dns_timeout"), Duration.ofSeconds(10)),
                    new DnsCache(Math.max(0, main.integer("postern_dns_cache_size")), clock));
            StoreAuthenticator authenticator = new StoreAuthenticator(context.accounts());
            spool = Spool.open(Path.of(main.get("queue_directory")));

            dmarcEvaluations = new DmarcEvaluationWriter(new DmarcEvaluationStore(context.database()));
            Path queueDirectory = Path.of(main.get("queue_directory"));
            delivery = DeliveryAgents.of(main, tables, dns, spool, clock);
            AddressVerifier verifier = new AddressVerifier(delivery.router(), delivery.transports(),
                    verifyOptions(main), clock);
            Map<String, PolicyEngine> engines = engines(config, tables, dns, dmarcEvaluations, verifier);
            ServerContext serverContext = new ServerContext(spool, tls(config, context.dataDirectory()), authenticator,
                    new AuthThrottle(main.integer("postern_sasl_failure_limit"), main.time("postern_sasl_failure_window"), clock),
                    new ClientLimits(main.integer("postern_connection_limit"), clock), dns, aliases(main, tables),
                    settings -> engines.get(settings.name()).newSession(), signingKeys(context, clock), clock);
            QueueManager queueManager = new QueueManager(spool, delivery.router(), delivery.transports(),
                    queueOptions(main), clock, delivery.notifier());
            queueManager.start();
            SmtpServer smtp;
            try {
                smtp = SmtpServer.start(serverContext, config.listeners(), main.list("inet_interfaces"),
                        main.list("inet_protocols"), tables);
            } catch (SmtpServer.StartException e) {
                queueManager.close();
                throw e;
            }
            PosternServer server = new PosternServer(context, config, dns, verifier, serverContext, spool, queueManager,
                    delivery, smtp, main.time("postern_shutdown_timeout"), dmarcEvaluations);
            try {
                server.control = ControlServer.start(queueDirectory, new SpoolTools(spool, queueManager, clock),
                        server::reloadForControl);
            } catch (IOException e) {
                // Mail still flows; only the queue commands and reload cannot reach this server.
                LOG.error("{}; postern queue and postern reload will not work while this server runs", e.getMessage());
            }
            server.admin = startAdmin(main, server);
            Metrics.SMTPD_SESSIONS.source(() -> Map.of(List.of(), smtp.sessionCount()));
            Metrics.QUEUE_MESSAGES.source(server::queueSizes);
            return server;
        } catch (SmtpServer.StartException | TlsException | TableConfigException | IOException
                 | IllegalArgumentException | org.postern.policy.PolicyConfigException e) {
            if (delivery != null) {
                delivery.close();
            }
            if (dmarcEvaluations != null) {
                dmarcEvaluations.close();
            }
            if (spool != null) {
                try {
                    spool.close();
                } catch (IOException ignored) {
                    // reporting the first failure
                }
            }
            throw new StartException(e.getMessage(), e);
        }
    }

    /**
     * The delivery side built from one configuration: routing (trivial-rewrite), the delivery
     * agents by transport name, and the notices (bounce). A reload builds new ones and retires
     * the old, which finish the deliveries they are in and cache no more connections.
     */
    record DeliveryAgents(Router router, Map<String, Transport> transports, LmtpTransport lmtp,
                          List<SmtpTransport> smtpTransports, Notifier notifier) implements AutoCloseable {

        static DeliveryAgents of(ParameterSet main, LookupTables tables, DnsResolver dns, Spool spool, Clock clock)
                throws TableConfigException {
            // Everything that can fail comes before the SMTP transports, which start a thread each.
            Router router = PosternServer.router(main, tables);
            SmtpClientSettings smtpSettings = smtpClientSettings(main);
            LookupTable tlsPolicies = optionalTables(tables, main.get("smtp_tls_policy_maps"));
            LookupTable passwords = optionalTables(tables, main.get("smtp_sasl_password_maps"));
            AddressSearch search = new AddressSearch(main.get("recipient_delimiter"),
                    main.list("parent_domain_matches_subdomains").contains("smtpd_access_maps"));
            Map<String, Transport> transports = new HashMap<>();
            transports.put("virtual", new VirtualTransport(Path.of(main.get("virtual_mailbox_base")),
                    tables.openList(main.get("virtual_mailbox_maps")), search,
                    new MaildirDelivery(main.get("myhostname"), main.size("virtual_mailbox_limit"))));
            LmtpTransport lmtp = new LmtpTransport(Path.of(main.get("queue_directory")), main.get("lmtp_lhlo_name"),
                    positive(main.time("lmtp_connect_timeout"), Duration.ofSeconds(30)), Duration.ofMinutes(10));
            transports.put("lmtp", lmtp);
            List<SmtpTransport> smtpTransports = new ArrayList<>();
            for (String name : List.of("smtp", "relay")) {
                SmtpTransport transport = new SmtpTransport(name, dns, smtpSettings, tlsPolicies, passwords,
                        new SecureRandom());
                smtpTransports.add(transport);
                transports.put(name, transport);
            }
            transports.put("error", new ErrorTransport());
            transports.put("discard", new DiscardTransport());
            return new DeliveryAgents(router, Map.copyOf(transports), lmtp, List.copyOf(smtpTransports),
                    new Notifier(spool, notifierSettings(main), clock));
        }

        /** Closes idle connections; deliveries still running finish and then close theirs. */
        @Override
        public void close() {
            lmtp.close();
            smtpTransports.forEach(SmtpTransport::close);
        }
    }

    /** The queue manager's scheduling parameters. */
    static QueueManager.Options queueOptions(ParameterSet main) {
        return new QueueManager.Options(main.time("queue_run_delay"), main.time("minimal_backoff_time"),
                main.time("maximal_backoff_time"), main.time("maximal_queue_lifetime"),
                main.time("bounce_queue_lifetime"), main.integer("default_destination_concurrency_limit"),
                main.integer("default_destination_recipient_limit"),
                main.integer("default_destination_concurrency_failed_cohort_limit"));
    }

    /** One restriction engine per listener (by service name), wired to DMARC records and verify(8). */
    private static Map<String, PolicyEngine> engines(Configuration config, LookupTables tables, DnsResolver dns,
                                                     DmarcEvaluationWriter dmarcEvaluations, AddressVerifier verifier) {
        Map<String, PolicyEngine> engines = new HashMap<>();
        for (Listener l : config.listeners()) {
            PolicyEngine engine = new PolicyEngine(l.parameters(), tables, dns);
            engine.recordDmarcWith(dmarcEvaluations);
            engine.verifyAddressesWith(verifier);
            engine.countRejectsAs(l.name());
            engines.put(l.name(), engine);
        }
        return engines;
    }

    private static AliasExpander aliases(ParameterSet main, LookupTables tables) throws TableConfigException {
        AddressSearch search = new AddressSearch(main.get("recipient_delimiter"),
                main.list("parent_domain_matches_subdomains").contains("smtpd_access_maps"));
        return new AliasExpander(tables.openList(main.get("virtual_alias_maps")), search,
                main.integer("virtual_alias_recursion_limit"), main.integer("virtual_alias_expansion_limit"),
                main.integer("virtual_alias_address_length_limit"));
    }

    /** The bounce(8) parameters. */
    static Notifier.Settings notifierSettings(ParameterSet main) {
        return new Notifier.Settings(main.get("myhostname"), main.get("myorigin"), main.size("bounce_size_limit"),
                Set.copyOf(main.list("notify_classes")), main.get("bounce_notice_recipient"),
                main.get("2bounce_notice_recipient"), main.get("delay_notice_recipient"),
                main.get("double_bounce_sender"), main.time("delay_warning_time"), main.time("maximal_queue_lifetime"));
    }

    /** How long the active DKIM keys of a domain are used before the store is asked again. */
    static final Duration SIGNING_KEYS_TTL = Duration.ofSeconds(10);

    /**
     * The active keys of a From domain, read from the store at most every
     * {@link #SIGNING_KEYS_TTL} per domain, so that {@code postern dkim activate/retire} take
     * effect within seconds without a restart, while a stream of messages does not cost a
     * database query and a private-key parse each (docs/performance.md).
     */
    private static OutgoingSigner.Keys signingKeys(Context context, Clock clock) throws ConfigException, StoreException {
        DkimKeyStore store = new DkimKeyStore(context.database());
        record Cached(Instant read, List<DkimSigner.SigningKey> keys) {
        }
        Map<String, Cached> cache = new java.util.concurrent.ConcurrentHashMap<>();
        return domain -> {
            Instant now = clock.instant();
            Cached c = cache.get(domain);
            if (c == null || c.read().plus(SIGNING_KEYS_TTL).isBefore(now)) {
                List<DkimSigner.SigningKey> keys = new ArrayList<>();
                for (DkimKey k : store.active(domain)) {
                    keys.add(new DkimSigner.SigningKey(k.domain(), k.selector(), DkimKeys.readPrivateKey(k.privateKeyPem())));
                }
                c = new Cached(now, List.copyOf(keys));
                cache.put(domain, c);
            }
            return c.keys();
        };
    }

    /** verify(8)'s parameters; an address_verify_sender without a domain gets @$myorigin, {@code <>} is the null sender. */
    private static AddressVerifier.Options verifyOptions(ParameterSet main) {
        String sender = main.get("address_verify_sender").trim();
        if (sender.equals("<>")) {
            sender = "";
        } else if (!sender.isEmpty() && sender.indexOf('@') < 0) {
            sender = sender + "@" + main.get("myorigin");
        }
        return new AddressVerifier.Options(sender, main.integer("address_verify_poll_count"),
                main.time("address_verify_poll_delay"), main.time("address_verify_positive_expire_time"),
                main.time("address_verify_positive_refresh_time"), main.bool("address_verify_negative_cache"),
                main.time("address_verify_negative_expire_time"), main.time("address_verify_negative_refresh_time"));
    }

    /** Routing as Postfix's trivial-rewrite does it: see {@link RecipientRouter}. */
    private static Router router(ParameterSet main, LookupTables tables) throws TableConfigException {
        String relayhost = main.get("relayhost");
        if (!relayhost.isBlank()) {
            try {
                NextHop.parse(relayhost);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(main.origin("relayhost") + ": relayhost = " + relayhost + ": "
                        + e.getMessage() + "; write [host]:port, [address], host or domain:port");
            }
        }
        return new RecipientRouter(new AddressClassifier(main, tables), main.get("virtual_transport"),
                main.get("relay_transport"), main.get("default_transport"), main.get("relayhost"),
                optionalTables(tables, main.get("transport_maps")),
                optionalTables(tables, main.get("sender_dependent_relayhost_maps")), main.get("recipient_delimiter"),
                main.list("parent_domain_matches_subdomains").contains("transport_maps"));
    }

    private static LookupTable optionalTables(LookupTables tables, String value) throws TableConfigException {
        return value.isBlank() ? null : tables.openList(value);
    }

    /** The smtp client's settings from main.cf (names as in Postfix's smtp(8)). */
    static SmtpClientSettings smtpClientSettings(ParameterSet main) {
        List<String> protocols = main.list("inet_protocols");
        boolean all = protocols.isEmpty() || protocols.contains("all");
        TlsLevel level;
        try {
            level = TlsLevel.parse(main.get("smtp_tls_security_level"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(main.origin("smtp_tls_security_level") + ": smtp_tls_security_level: "
                    + e.getMessage(), e);
        }
        SmtpClientSettings.Timeouts timeouts = new SmtpClientSettings.Timeouts(
                positive(main.time("smtp_connect_timeout"), Duration.ofSeconds(30)), main.time("smtp_helo_timeout"),
                main.time("smtp_starttls_timeout"), main.time("smtp_mail_timeout"), main.time("smtp_rcpt_timeout"),
                main.time("smtp_data_init_timeout"), main.time("smtp_data_xfer_timeout"),
                main.time("smtp_data_done_timeout"), main.time("smtp_rset_timeout"), main.time("smtp_quit_timeout"));
        return new SmtpClientSettings(main.get("smtp_helo_name"), timeouts,
                bindAddress(main, "smtp_bind_address"), bindAddress(main, "smtp_bind_address6"),
                all || protocols.contains("ipv4"), all || protocols.contains("ipv6"),
                main.get("smtp_address_preference"), tcpPort(main),
                main.integer("smtp_mx_address_limit"), main.integer("smtp_mx_session_limit"),
                main.bool("smtp_connection_cache_on_demand"), main.time("smtp_connection_cache_time_limit"),
                main.time("smtp_connection_reuse_time_limit"), level, main.bool("smtp_sasl_auth_enable"),
                !main.list("smtp_sasl_security_options").contains("noplaintext"),
                !main.list("smtp_sasl_tls_security_options").contains("noplaintext"),
                main.bool("smtp_sasl_auth_soft_bounce"), tlsVerification(main));
    }

    /**
     * smtp_tls_CAfile, smtp_tls_CApath and the cert_match lists of the levels verify and secure.
     * A CA file or directory that cannot be read or holds no certificate stops the start: the
     * levels that rely on it could not deliver anything.
     */
    private static SmtpClientSettings.TlsVerification tlsVerification(ParameterSet main) {
        List<java.security.cert.X509Certificate> anchors = new ArrayList<>();
        String caFile = main.get("smtp_tls_CAfile").trim();
        if (!caFile.isEmpty()) {
            try {
                anchors.addAll(TrustAnchorFiles.readFile(Path.of(caFile)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(main.origin("smtp_tls_CAfile") + ": smtp_tls_CAfile = " + caFile
                        + ": " + e.getMessage(), e);
            }
        }
        String caPath = main.get("smtp_tls_CApath").trim();
        if (!caPath.isEmpty()) {
            try {
                anchors.addAll(TrustAnchorFiles.readDirectory(Path.of(caPath)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(main.origin("smtp_tls_CApath") + ": smtp_tls_CApath = " + caPath
                        + ": " + e.getMessage(), e);
            }
        }
        String digest = org.postern.tls.ClientCertChecks.jdkDigest(main.get("smtp_tls_fingerprint_digest"));
        if (digest == null) { // the parameter's choice list normally stops this at load
            throw new IllegalArgumentException(main.origin("smtp_tls_fingerprint_digest")
                    + ": smtp_tls_fingerprint_digest: unknown digest; use one of "
                    + String.join(", ", org.postern.tls.ClientCertChecks.DIGEST_NAMES));
        }
        List<String> fingerprints = SmtpClientSettings.TlsVerification.fingerprints(
                main.get("smtp_tls_fingerprint_cert_match"));
        if (fingerprints.isEmpty() && main.get("smtp_tls_security_level").trim().equalsIgnoreCase("fingerprint")) {
            throw new IllegalArgumentException(main.origin("smtp_tls_security_level")
                    + ": smtp_tls_security_level = fingerprint, but smtp_tls_fingerprint_cert_match is empty: no "
                    + "server could be accepted; list the fingerprints, e.g. smtp_tls_fingerprint_cert_match = "
                    + "AB:CD:...");
        }
        return new SmtpClientSettings.TlsVerification(anchors,
                certMatch(main, "smtp_tls_verify_cert_match"), certMatch(main, "smtp_tls_secure_cert_match"),
                digest, fingerprints);
    }

    private static List<String> certMatch(ParameterSet main, String parameter) {
        List<String> names = SmtpClientSettings.TlsVerification.names(main.get(parameter));
        if (names.isEmpty()) {
            throw new IllegalArgumentException(main.origin(parameter) + ": " + parameter
                    + " is empty: no certificate could match; write e.g. hostname, nexthop, dot-nexthop or a host name");
        }
        return names;
    }

    private static InetAddress bindAddress(ParameterSet main, String parameter) {
        String value = main.get(parameter);
        if (value.isBlank()) {
            return null;
        }
        try {
            return InetAddress.ofLiteral(value.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(main.origin(parameter) + ": " + parameter + " = " + value
                    + ": not an IP address; write one of this host's addresses, e.g. 192.0.2.10", e);
        }
    }

    private static int tcpPort(ParameterSet main) {
        String value = main.get("smtp_tcp_port");
        String v = value.trim();
        if (v.equalsIgnoreCase("smtp")) {
            return 25;
        }
        if (v.equalsIgnoreCase("submission")) {
            return 587;
        }
        try {
            int port = Integer.parseInt(v);
            if (port > 0 && port < 65536) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(main.origin("smtp_tcp_port") + ": smtp_tcp_port = " + value
                + ": use smtp, submission or a port number 1-65535");
    }

    /**
     * The TLS material: the configured certificate and key, or a self-signed certificate made
     * in the data directory (with a warning) when none is configured. Null when no listener uses TLS.
     */
    private static ServerTls tls(Configuration config, Path dataDirectory) throws TlsException {
        boolean needed = config.listeners().stream().anyMatch(l -> l.wrapperMode()
                || !l.parameters().get("smtpd_tls_security_level").equalsIgnoreCase("none"));
        if (!needed) {
            return null;
        }
        ParameterSet main = config.main();
        TlsProtocols protocols = TlsProtocols.parse("smtpd_tls_protocols", main.get("smtpd_tls_protocols"));
        List<String> chain = main.list("smtpd_tls_chain_files");
        if (!chain.isEmpty()) {
            return ServerTls.fromChainFiles(chain.stream().map(Path::of).toList(), protocols);
        }
        String cert = main.get("smtpd_tls_cert_file");
        if (!cert.isEmpty()) {
            String key = main.get("smtpd_tls_key_file");
            return ServerTls.fromFiles(Path.of(cert), key.isEmpty() ? null : Path.of(key), protocols);
        }
        Path dir = dataDirectory.resolve("tls");
        LOG.warn("no smtpd_tls_cert_file configured: using a self-signed certificate for {} in {}; "
                + "clients will not trust it (set smtpd_tls_cert_file and smtpd_tls_key_file, e.g. "
                + "to your Let's Encrypt fullchain.pem and privkey.pem)", main.get("myhostname"), dir);
        return ServerTls.selfSigned(dir, main.get("myhostname"), protocols);
    }

    private static Duration positive(Duration d, Duration fallback) {
        return d.isZero() || d.isNegative() ? fallback : d;
    }

    /**
     * Parameters that only a restart applies: what the listener sockets, the spool, the
     * database, DNS, logging, the admin port and the process-wide limits were built from at
     * start. Everything else (restrictions, listener settings, TLS certificates, aliases,
     * routing, delivery agents, queue timers, notices, tables named in them) a reload applies.
     */
    private static final List<String> RESTART_ONLY = List.of("data_directory", "queue_directory", "database_url",
            "database_timeout", "inet_interfaces", "inet_protocols", "dns_servers", "dns_timeout",
            "postern_dns_cache_size", "maillog_file",
            "postern_admin_listen", "postern_connection_limit", "postern_sasl_failure_", "postern_shutdown_timeout");

    /**
     * Re-reads main.cf, master.cf and the tables they name ({@code postern reload}, SIGHUP).
     * New sessions get the new restrictions, listener settings, TLS certificate and alias
     * tables; sessions in progress keep theirs and are not interrupted. The queue manager and
     * verify(8) take the new routing, delivery agents and timers for their next pass; running
     * deliveries finish as they began (Postfix's reload restarts qmgr and the agents the same
     * way). A configuration with an error is refused, the error logged with file and line, and
     * the running one stays.
     */
    public synchronized ControlServer.Reload reload() {
        List<String> notes = new ArrayList<>();
        Configuration fresh;
        try {
            fresh = context.readConfigurationAgain();
            ParameterSet main = fresh.main();
            LookupTables tables = context.tables();
            Map<String, PolicyEngine> engines = engines(fresh, tables, dns, dmarcEvaluations, verifier);
            Map<String, ListenerSettings> settings = new HashMap<>();
            for (Listener l : fresh.listeners()) {
                try {
                    settings.put(l.name(), ListenerSettings.of(l, tables));
                } catch (TableConfigException | IllegalArgumentException e) {
                    throw new IllegalArgumentException("service " + l.name() + " (" + l.origin() + "): " + e.getMessage(), e);
                }
            }
            ServerContext base = sessionContext;
            // A listener removed from master.cf still accepts until the restart, with its last policy.
            ServerContext next = new ServerContext(base.spool(), tls(fresh, context.dataDirectory()),
                    base.authenticator(), base.authThrottle(), base.limits(), base.dns(), aliases(main, tables),
                    s -> engines.containsKey(s.name()) ? engines.get(s.name()).newSession() : base.policies().apply(s),
                    base.dkimKeys(), base.clock());
            // Last of what can fail: the SMTP transports start threads.
            DeliveryAgents nextDelivery = DeliveryAgents.of(main, tables, dns, spool, base.clock());
            notes.addAll(restartNotes(config, fresh));
            smtp.reconfigure(next, settings);
            sessionContext = next;
            queueManager.reconfigure(nextDelivery.router(), nextDelivery.transports(), queueOptions(main),
                    nextDelivery.notifier());
            verifier.reconfigure(nextDelivery.router(), nextDelivery.transports(), verifyOptions(main));
            delivery.close();
            delivery = nextDelivery;
            config = fresh;
            context.adopt(fresh);
            // An admin who reloads after changing DNS (a new DKIM key, a DNSBL entry removed)
            // expects the change to count now, not when the cached answers expire.
            dns.cache().clear();
        } catch (ConfigException e) {
            for (ConfigProblem p : e.problems()) {
                notes.add(p.toString());
            }
            return refused(notes);
        } catch (TlsException | TableConfigException | IllegalArgumentException
                 | org.postern.policy.PolicyConfigException e) {
            notes.add(e.getMessage());
            return refused(notes);
        }
        for (ConfigProblem warning : fresh.warnings()) {
            LOG.warn("{}", warning);
        }
        for (String note : notes) {
            LOG.warn("reload: {}", note);
        }
        LOG.info("reload -- configuration {} in use for new sessions", describe(fresh));
        Metrics.CONFIG_RELOADS.inc("ok");
        return new ControlServer.Reload(true, notes);
    }

    private ControlServer.Reload refused(List<String> problems) {
        for (String p : problems) {
            LOG.error("reload refused: {}", p);
        }
        LOG.error("reload refused: the running configuration {} stays in use", describe(config));
        Metrics.CONFIG_RELOADS.inc("failed");
        return new ControlServer.Reload(false, problems);
    }

    private ControlServer.Reload reloadForControl() {
        return reload();
    }

    static String describe(Configuration c) {
        return c.configDir() == null ? "(built-in defaults)" : c.configDir().toAbsolutePath().toString();
    }

    /** What changed between two configurations that a reload does not apply. */
    static List<String> restartNotes(Configuration before, Configuration after) {
        List<String> notes = new ArrayList<>();
        List<String> was = before.listeners().stream().map(PosternServer::describe).toList();
        List<String> now = after.listeners().stream().map(PosternServer::describe).toList();
        if (!was.equals(now)) {
            notes.add("master.cf listeners changed (" + String.join(", ", was) + " -> " + String.join(", ", now)
                    + "): new or changed addresses and ports take effect at the next restart; a listener "
                    + "that is no longer configured keeps its last settings until then");
        }
        for (org.postern.config.Parameter p : org.postern.config.Parameters.all()) {
            String name = p.name();
            if (RESTART_ONLY.stream().anyMatch(r -> r.endsWith("_") ? name.startsWith(r) : name.equals(r))
                    && !before.main().get(name).equals(after.main().get(name))) {
                notes.add(name + " changed: takes effect at the next restart (" + after.main().origin(name) + ")");
            }
        }
        return notes;
    }

    private static String describe(Listener l) {
        return l.name() + "@" + (l.host() == null ? "" : l.host() + ":") + l.port();
    }

    /** Starts the admin HTTP port, or logs why not: mail flows without it. */
    private static AdminServer startAdmin(ParameterSet main, PosternServer server) {
        String value = main.get("postern_admin_listen").trim();
        if (value.isEmpty()) {
            return null;
        }
        InetSocketAddress address;
        try {
            address = adminAddress(value);
        } catch (IllegalArgumentException e) {
            LOG.error("{}: postern_admin_listen = {}: {}; no admin port (metrics, health) while this server runs",
                    main.origin("postern_admin_listen"), value, e.getMessage());
            return null;
        }
        Map<String, AdminServer.Check> checks = new LinkedHashMap<>();
        checks.put("listeners", () -> server.smtp.listening() ? null : "SMTP listeners are not accepting");
        checks.put("spool", server::spoolProblem);
        checks.put("database", server::databaseProblem);
        try {
            AdminServer admin = AdminServer.start(address, checks);
            LOG.info("admin port (metrics, health) on {}", admin.address());
            return admin;
        } catch (IOException e) {
            LOG.error("cannot listen on {} for the admin port (postern_admin_listen, {}): {}; metrics and health "
                    + "are off while this server runs", value, main.origin("postern_admin_listen"), e.getMessage());
            return null;
        }
    }

    /** {@code host:port} or {@code [ipv6]:port}; an IP address, never a name (no DNS at start). */
    static InetSocketAddress adminAddress(String value) {
        int colon = value.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("write address:port, e.g. 127.0.0.1:9025 or [::1]:9025");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the port is not a number; write address:port, e.g. 127.0.0.1:9025");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range 0-65535");
        }
        try {
            return new InetSocketAddress(InetAddress.ofLiteral(host), port);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(host + " is not an IP address; write e.g. 127.0.0.1:9025");
        }
    }

    /** Readiness of the spool: its directory is there and writable. */
    private String spoolProblem() {
        Path dir = Path.of(config.main().get("queue_directory"));
        return java.nio.file.Files.isDirectory(dir) && java.nio.file.Files.isWritable(dir) ? null
                : "queue directory " + dir + " is missing or not writable";
    }

    /** Readiness of the database: a connection answers within two seconds. */
    private String databaseProblem() {
        try (java.sql.Connection c = context.database().dataSource().getConnection()) {
            return c.isValid(2) ? null : "the database does not answer";
        } catch (java.sql.SQLException | ConfigException | StoreException e) {
            return "the database does not answer: " + e.getMessage();
        }
    }

    /** The queue by state, as {@code postern queue list} would show it. */
    private Map<List<String>, Integer> queueSizes() {
        int hold = 0;
        int active = 0;
        int deferred = 0;
        int incoming = 0;
        for (SpoolEntry e : spool.list()) {
            if (e.held()) {
                hold++;
            } else if (queueManager.isActive(e.queueId())) {
                active++;
            } else if (e.envelope().recipients().stream().anyMatch(r -> r.status() == Recipient.Status.DEFERRED)) {
                deferred++;
            } else {
                incoming++;
            }
        }
        return Map.of(List.of("incoming"), incoming, List.of("active"), active, List.of("deferred"), deferred,
                List.of("hold"), hold);
    }

    /** The admin port's address, or null when it is off. */
    public InetSocketAddress adminAddress() {
        return admin == null ? null : admin.address();
    }

    public SmtpServer smtp() {
        return smtp;
    }

    public Spool spool() {
        return spool;
    }

    public QueueManager queueManager() {
        return queueManager;
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close();
        }
        Metrics.SMTPD_SESSIONS.source(null);
        Metrics.QUEUE_MESSAGES.source(null);
        if (control != null) {
            control.close();
        }
        smtp.stop(shutdownTimeout);
        queueManager.close();
        synchronized (this) {
            delivery.close();
        }
        dmarcEvaluations.close();
        try {
            spool.close();
        } catch (IOException e) {
            LOG.warn("closing the spool: {}", e.getMessage());
        }
    }
}
