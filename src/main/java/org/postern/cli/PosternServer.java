package org.postern.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.postern.config.ConfigException;
import org.postern.config.Configuration;
import org.postern.config.Listener;
import org.postern.config.ParameterSet;
import org.postern.delivery.LmtpTransport;
import org.postern.delivery.MaildirDelivery;
import org.postern.delivery.VirtualTransport;
import org.postern.dkim.DkimKeys;
import org.postern.dkim.DkimSigner;
import org.postern.dns.DnsResolver;
import org.postern.log.MailLog;
import org.postern.lookup.AddressSearch;
import org.postern.lookup.LookupException;
import org.postern.lookup.LookupTables;
import org.postern.lookup.TableConfigException;
import org.postern.policy.AddressClassifier;
import org.postern.policy.PolicyEngine;
import org.postern.queue.ControlServer;
import org.postern.queue.Notifier;
import org.postern.queue.QueueManager;
import org.postern.queue.Router;
import org.postern.queue.Spool;
import org.postern.queue.SpoolTools;
import org.postern.queue.Transport;
import org.postern.server.AliasExpander;
import org.postern.server.AuthThrottle;
import org.postern.server.ClientLimits;
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
    private final LmtpTransport lmtp;
    private final SmtpServer smtp;
    private final ControlServer control;
    private final Duration shutdownTimeout;
    private final DmarcEvaluationWriter dmarcEvaluations;

    private PosternServer(Spool spool, QueueManager queueManager, ControlServer control, LmtpTransport lmtp,
                          SmtpServer smtp, Duration shutdownTimeout, DmarcEvaluationWriter dmarcEvaluations) {
        this.dmarcEvaluations = dmarcEvaluations;
        this.spool = spool;
        this.queueManager = queueManager;
        this.control = control;
        this.lmtp = lmtp;
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
        try {
            DnsResolver dns = DnsResolver.create(main.list("dns_servers"), positive(main.time("dns_timeout"), Duration.ofSeconds(10)));
            StoreAuthenticator authenticator = new StoreAuthenticator(context.accounts());
            spool = Spool.open(Path.of(main.get("queue_directory")));

            dmarcEvaluations = new DmarcEvaluationWriter(new DmarcEvaluationStore(context.database()));
            Map<String, PolicyEngine> engines = new HashMap<>();
            for (Listener l : config.listeners()) {
                PolicyEngine engine = new PolicyEngine(l.parameters(), tables, dns);
                engine.recordDmarcWith(dmarcEvaluations);
                engines.put(l.name(), engine);
            }
            AddressSearch search = new AddressSearch(main.get("recipient_delimiter"),
                    main.list("parent_domain_matches_subdomains").contains("smtpd_access_maps"));
            AliasExpander aliases = new AliasExpander(tables.openList(main.get("virtual_alias_maps")), search,
                    main.integer("virtual_alias_recursion_limit"), main.integer("virtual_alias_expansion_limit"),
                    main.integer("virtual_alias_address_length_limit"));
            ServerContext serverContext = new ServerContext(spool, tls(config, context.dataDirectory()), authenticator,
                    new AuthThrottle(main.integer("postern_sasl_failure_limit"), main.time("postern_sasl_failure_window"), clock),
                    new ClientLimits(main.integer("postern_connection_limit"), clock), dns, aliases,
                    settings -> engines.get(settings.name()).newSession(), signingKeys(context), clock);

            Path queueDirectory = Path.of(main.get("queue_directory"));
            LmtpTransport lmtp = new LmtpTransport(queueDirectory, main.get("lmtp_lhlo_name"),
                    positive(main.time("lmtp_connect_timeout"), Duration.ofSeconds(30)), Duration.ofMinutes(10));
            Map<String, Transport> transports = new HashMap<>();
            transports.put("virtual", new VirtualTransport(Path.of(main.get("virtual_mailbox_base")),
                    tables.openList(main.get("virtual_mailbox_maps")), search,
                    new MaildirDelivery(main.get("myhostname"), main.size("virtual_mailbox_limit"))));
            transports.put("lmtp", lmtp);
            QueueManager queueManager = new QueueManager(spool, router(main, tables),
                    transports, new QueueManager.Options(main.time("queue_run_delay"), main.time("minimal_backoff_time"),
                    main.time("maximal_backoff_time"), main.time("maximal_queue_lifetime"),
                    main.time("bounce_queue_lifetime"), main.integer("default_destination_concurrency_limit"),
                    main.integer("default_destination_recipient_limit")), clock,
                    new Notifier(spool, notifierSettings(main), clock));
            queueManager.start();
            ControlServer control = null;
            try {
                control = ControlServer.start(queueDirectory, new SpoolTools(spool, queueManager, clock));
            } catch (IOException e) {
                // Mail still flows; only the queue commands cannot reach this server.
                LOG.error("{}; postern queue commands will not work while this server runs", e.getMessage());
            }
            SmtpServer smtp;
            try {
                smtp = SmtpServer.start(serverContext, config.listeners(), main.list("inet_interfaces"),
                        main.list("inet_protocols"), tables);
            } catch (SmtpServer.StartException e) {
                if (control != null) {
                    control.close();
                }
                queueManager.close();
                throw e;
            }
            return new PosternServer(spool, queueManager, control, lmtp, smtp, main.time("postern_shutdown_timeout"),
                    dmarcEvaluations);
        } catch (SmtpServer.StartException | TlsException | TableConfigException | IOException
                 | IllegalArgumentException | org.postern.policy.PolicyConfigException e) {
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

    /** The bounce(8) parameters. */
    static Notifier.Settings notifierSettings(ParameterSet main) {
        return new Notifier.Settings(main.get("myhostname"), main.get("myorigin"), main.size("bounce_size_limit"),
                Set.copyOf(main.list("notify_classes")), main.get("bounce_notice_recipient"),
                main.get("2bounce_notice_recipient"), main.get("delay_notice_recipient"),
                main.get("double_bounce_sender"), main.time("delay_warning_time"), main.time("maximal_queue_lifetime"));
    }

    /**
     * The active keys of a From domain, read from the store for every signed message so that
     * {@code postern dkim activate/retire} take effect without a restart.
     */
    private static OutgoingSigner.Keys signingKeys(Context context) throws ConfigException, StoreException {
        DkimKeyStore store = new DkimKeyStore(context.database());
        return domain -> {
            List<DkimSigner.SigningKey> keys = new ArrayList<>();
            for (DkimKey k : store.active(domain)) {
                keys.add(new DkimSigner.SigningKey(k.domain(), k.selector(), DkimKeys.readPrivateKey(k.privateKeyPem())));
            }
            return keys;
        };
    }

    /**
     * Routing as Postfix's trivial-rewrite does it for Postern's domain classes
     * (postfix-restrictions.md 4.3): hosted mailboxes go to {@code virtual_transport}, relay
     * domains to {@code relay_transport}, the rest to {@code default_transport}.
     */
    private static Router router(ParameterSet main, LookupTables tables) throws TableConfigException {
        AddressClassifier classifier = new AddressClassifier(main, tables);
        Router.Route virtual = Router.Route.parse(main.get("virtual_transport"));
        Router.Route relay = Router.Route.parse(main.get("relay_transport"));
        Router.Route remote = Router.Route.parse(main.get("default_transport"));
        return recipient -> {
            try {
                return switch (classifier.classifyAddress(recipient)) {
                    case VIRTUAL_MAILBOX, LOCAL, VIRTUAL_ALIAS -> virtual;
                    case RELAY -> relay;
                    case DEFAULT -> remote;
                };
            } catch (LookupException e) {
                throw new Router.RouteException(e.getMessage(), e);
            }
        };
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
        if (control != null) {
            control.close();
        }
        smtp.stop(shutdownTimeout);
        queueManager.close();
        lmtp.close();
        dmarcEvaluations.close();
        try {
            spool.close();
        } catch (IOException e) {
            LOG.warn("closing the spool: {}", e.getMessage());
        }
    }
}
