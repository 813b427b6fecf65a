package org.postern.delivery.smtp;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.postern.delivery.DeliveryResult;
import org.postern.delivery.DeliveryResult.Status;
import org.postern.dns.DnsResolver;
import org.postern.log.MailLog;
import org.postern.lookup.LookupException;
import org.postern.lookup.LookupTable;
import org.postern.queue.Envelope;
import org.postern.queue.Recipient;
import org.postern.queue.Transport;
import org.postern.tls.TlsFacts;
import org.slf4j.Logger;

/**
 * Postfix's {@code smtp} (and {@code relay}) transport: delivers to the mail exchangers of a
 * next hop over SMTP (smtp(8)).
 *
 * <ol>
 *   <li>An idle session to the same next hop is reused when one is cached.</li>
 *   <li>Otherwise the next hop is resolved ({@link MxResolver}) and addresses are tried in
 *       order: a connection failure, a refused greeting, a failed TLS or AUTH step, or a
 *       temporary refusal of the message before it was handed over moves on to the next
 *       address, up to {@code smtp_mx_session_limit} sessions.</li>
 *   <li>TLS follows {@code smtp_tls_security_level}, per destination overridden by
 *       {@code smtp_tls_policy_maps}. With {@code may}, a failed handshake is retried in
 *       plaintext with the same server. With {@code verify}, {@code secure} and
 *       {@code fingerprint}, a server whose certificate fails the check is left (4.7.5) for
 *       the next address; nothing goes in the clear.</li>
 *   <li>With {@code smtp_sasl_auth_enable}, {@code smtp_sasl_password_maps} is searched for
 *       the remote host name, then for the next hop as written ({@code [relay.example]:587}).</li>
 * </ol>
 * Logs the TLS line as Postfix does ({@code Untrusted TLS connection established to
 * mx.example[192.0.2.1]:25: TLSv1.3 with cipher ...}; {@code Trusted} when the chain leads to a
 * trust anchor, {@code Verified} when it also matched the expected names at verify or secure);
 * delivery outcomes are logged by the queue manager from the returned results.
 */
public final class SmtpTransport implements Transport, AutoCloseable {

    private final Logger log;
    private final SmtpClientSettings settings;
    private final MxResolver resolver;
    private final LookupTable tlsPolicies;
    private final LookupTable passwords;
    private final ClientTls tls;
    private final ConnectionCache cache;

    /**
     * @param name        the transport's name in master.cf ({@code smtp}, {@code relay}), also the log service name
     * @param tlsPolicies {@code smtp_tls_policy_maps}, or null
     * @param passwords   {@code smtp_sasl_password_maps}, or null
     */
    public SmtpTransport(String name, DnsResolver dns, SmtpClientSettings settings, LookupTable tlsPolicies,
                         LookupTable passwords, RandomGenerator random) {
        this.log = MailLog.logger(name);
        this.settings = settings;
        this.resolver = new MxResolver(dns, settings, random);
        this.tlsPolicies = tlsPolicies;
        this.passwords = passwords;
        this.tls = new ClientTls(settings.tlsVerification().trustAnchors(),
                settings.tlsVerification().fingerprintDigest());
        this.cache = new ConnectionCache(settings.cacheTimeLimit(), settings.reuseTimeLimit());
    }

    @Override
    public List<Delivery> deliver(Envelope envelope, Content content, String nexthop, List<Recipient> recipients) {
        int n = recipients.size();
        DeliveryResult[] results = new DeliveryResult[n];
        int[] uses = new int[n];
        NextHop hop;
        TlsPolicy policy;
        try {
            hop = NextHop.parse(nexthop.isEmpty() ? domainOf(recipients.getFirst().address()) : nexthop);
        } catch (IllegalArgumentException e) {
            return all(recipients, DeliveryResult.local("", Status.DEFERRED, "4.3.5",
                    "mail transport unavailable: " + e.getMessage(), "none"));
        }
        try {
            policy = tlsPolicy(hop);
        } catch (LookupException | IllegalArgumentException e) {
            return all(recipients, DeliveryResult.local("", Status.DEFERRED, "4.3.0",
                    "TLS policy lookup for " + hop.text() + ": " + e.getMessage(), "none"));
        }
        String cacheKey = hop.text().toLowerCase(Locale.ROOT) + "|" + policy;
        DeliveryResult[] lastFailure = new DeliveryResult[n];
        boolean[] pending = new boolean[n];
        java.util.Arrays.fill(pending, true);

        boolean cacheUsable = settings.cacheOnDemand();
        SmtpClient cached = cacheUsable ? cache.take(cacheKey) : null;
        if (cached != null) {
            transact(cached, envelope, content, recipients, pending, results, lastFailure, uses, false, cacheKey);
        }
        if (remaining(pending) == 0) {
            return toQueue(results, uses);
        }

        MxResolver.Resolution resolution = resolver.resolve(hop);
        if (resolution.failure() != null) {
            fillPending(pending, results, lastFailure, recipients, resolution.failure());
            return toQueue(results, uses);
        }
        List<SmtpConnection.Target> targets = resolution.targets();
        DeliveryResult sessionFailure = null;
        int sessions = 0;
        int sessionLimit = settings.mxSessionLimit() > 0 ? settings.mxSessionLimit() : Integer.MAX_VALUE;
        for (int t = 0; t < targets.size() && remaining(pending) > 0 && sessions < sessionLimit; t++) {
            SmtpConnection.Target target = targets.get(t);
            TlsLevel tryLevel = policy.level();
            List<String> expectedNames = policy.expectedNames(target.host(), hop);
            SmtpClient client = null;
            for (int tries = 0; tries < 2 && client == null; tries++) {
                SmtpConnection connection;
                try {
                    connection = SmtpConnection.connect(target, bindAddress(target.address()), settings.timeouts().connect());
                } catch (SmtpConnection.ConnectFailure e) {
                    sessionFailure = DeliveryResult.local("", Status.DEFERRED, "4.4.1", e.getMessage(), "none")
                            .asConnectionFailure();
                    break;
                }
                try {
                    SaslCredentials credentials = settings.saslEnabled() ? credentials(target.host(), hop) : null;
                    client = SmtpClient.open(connection, settings, tryLevel, expectedNames, tls, credentials,
                            this::logTls);
                } catch (SmtpClient.SessionFailure f) {
                    // A session that could not be set up is the destination's failure (Postfix: smtp_site_fail).
                    sessionFailure = f.result.asConnectionFailure();
                    if (f.retryWithoutTls) {
                        // Opportunistic TLS must not make mail undeliverable: same server, in the clear.
                        log.info("{}: TLS handshake failed; trying {} without TLS", envelope.queueId(), target.relay());
                        tryLevel = TlsLevel.NONE;
                        continue;
                    }
                    if (f.result.dsn().equals("5.4.6")) {
                        fillPending(pending, results, lastFailure, recipients, f.result); // a mail loop is final
                    }
                    break;
                } catch (LookupException e) {
                    connection.close();
                    fillPending(pending, results, lastFailure, recipients, DeliveryResult.local("", Status.DEFERRED,
                            "4.3.0", "smtp_sasl_password_maps lookup for " + hop.text() + ": " + e.getMessage(), "none"));
                    return toQueue(results, uses);
                } catch (IllegalArgumentException e) {
                    connection.close();
                    fillPending(pending, results, lastFailure, recipients, DeliveryResult.local("", Status.DEFERRED,
                            "4.3.0", "smtp_sasl_password_maps entry for " + hop.text() + ": " + e.getMessage(), "none"));
                    return toQueue(results, uses);
                }
            }
            if (client == null) {
                if (sessionFailure != null && !sessionFailure.relay().equals("none")) {
                    sessions++; // a server answered: that was a session (smtp_mx_session_limit)
                }
                continue;
            }
            sessions++;
            boolean finalServer = t == targets.size() - 1 || sessions >= sessionLimit;
            transact(client, envelope, content, recipients, pending, results, lastFailure, uses, finalServer, cacheKey);
        }
        DeliveryResult fallback = sessionFailure != null ? sessionFailure
                : DeliveryResult.local("", Status.DEFERRED, "4.4.1", "no usable address for " + hop.host(), "none");
        fillPending(pending, results, lastFailure, recipients, fallback);
        return toQueue(results, uses);
    }

    /** Sends to the pending recipients over one session and keeps or ends the session. */
    private void transact(SmtpClient client, Envelope envelope, Content content, List<Recipient> recipients,
                          boolean[] pending, DeliveryResult[] results, DeliveryResult[] lastFailure, int[] uses,
                          boolean finalServer, String cacheKey) {
        List<Integer> indexes = new ArrayList<>();
        List<Recipient> batch = new ArrayList<>();
        for (int i = 0; i < recipients.size(); i++) {
            if (pending[i]) {
                indexes.add(i);
                batch.add(recipients.get(i));
            }
        }
        SmtpClient.Attempt attempt = client.send(envelope, content, batch);
        int use = client.connection().uses;
        for (int k = 0; k < indexes.size(); k++) {
            int i = indexes.get(k);
            DeliveryResult r = attempt.results().get(k);
            uses[i] = use;
            if (attempt.tryElsewhere()[k] && !finalServer) {
                lastFailure[i] = r; // another MX may take it
            } else {
                results[i] = r;
                pending[i] = false;
            }
        }
        if (attempt.reusable() && settings.cacheOnDemand()) {
            cache.put(cacheKey, client);
        } else if (attempt.reusable()) {
            client.quit();
        }
    }

    private void logTls(String relay, ClientTls.Peer peer, TlsFacts facts) {
        if (peer.problem() != null) {
            log.info("certificate verification failed for {}: {}", relay, peer.problem());
        }
        log.info("{} TLS connection established to {}: {}", peer.status().logWord, relay, facts.summary());
    }

    /**
     * The TLS policy for a next hop: smtp_tls_policy_maps by the next hop as written, then (for a
     * domain) its parent domains as {@code .parent}, as Postfix searches it; else the global level
     * with smtp_tls_verify_cert_match or smtp_tls_secure_cert_match.
     */
    private TlsPolicy tlsPolicy(NextHop hop) throws LookupException {
        if (tlsPolicies != null) {
            List<String> keys = new ArrayList<>();
            keys.add(hop.text().toLowerCase(Locale.ROOT));
            if (hop.mxLookup()) {
                keys.add(hop.host());
                String d = hop.host();
                for (int dot = d.indexOf('.'); dot >= 0; dot = d.indexOf('.', dot + 1)) {
                    keys.add(d.substring(dot));
                }
            }
            for (String key : keys.stream().distinct().toList()) {
                Optional<String> policy = tlsPolicies.find(key);
                if (policy.isPresent()) {
                    return TlsPolicy.parse(policy.get(), settings.tlsVerification(),
                            warning -> log.warn("smtp_tls_policy_maps entry for {}: {}", key, warning));
                }
            }
        }
        return TlsPolicy.of(settings.tlsLevel(), settings.tlsVerification());
    }

    /** smtp_sasl_password_maps: the remote host name, then the next hop as written (SASL_README). */
    private SaslCredentials credentials(String remoteHost, NextHop hop) throws LookupException {
        if (passwords == null) {
            return null;
        }
        for (String key : List.of(remoteHost, hop.text())) {
            Optional<String> value = passwords.find(key.toLowerCase(Locale.ROOT));
            if (value.isPresent()) {
                return SaslCredentials.parse(value.get().trim());
            }
        }
        return null;
    }

    private InetAddress bindAddress(InetAddress target) {
        return target instanceof Inet6Address ? settings.bindAddress6() : settings.bindAddress();
    }

    private static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1);
    }

    private static int remaining(boolean[] pending) {
        int count = 0;
        for (boolean p : pending) {
            count += p ? 1 : 0;
        }
        return count;
    }

    private static void fillPending(boolean[] pending, DeliveryResult[] results, DeliveryResult[] lastFailure,
                                    List<Recipient> recipients, DeliveryResult fallback) {
        for (int i = 0; i < pending.length; i++) {
            if (pending[i]) {
                results[i] = lastFailure[i] != null ? lastFailure[i] : fallback.forRecipient(recipients.get(i).address());
                pending[i] = false;
            }
        }
    }

    private static List<Delivery> all(List<Recipient> recipients, DeliveryResult template) {
        List<Delivery> out = new ArrayList<>();
        for (Recipient r : recipients) {
            out.add(toQueue(template.forRecipient(r.address()), 0));
        }
        return out;
    }

    private static List<Delivery> toQueue(DeliveryResult[] results, int[] uses) {
        List<Delivery> out = new ArrayList<>(results.length);
        for (int i = 0; i < results.length; i++) {
            out.add(toQueue(results[i], uses[i]));
        }
        return out;
    }

    private static Delivery toQueue(DeliveryResult r, int connectionUse) {
        Recipient.Status status = switch (r.status()) {
            case SENT -> Recipient.Status.DELIVERED;
            case DEFERRED -> Recipient.Status.DEFERRED;
            case BOUNCED -> Recipient.Status.BOUNCED;
        };
        return new Delivery(r.recipient(), status, r.dsn(), r.text(), r.relay(), connectionUse, r.connectionFailure());
    }

    /** Idle sessions kept right now (for tests). */
    int idleSessions() {
        return cache.size();
    }

    @Override
    public void close() {
        cache.close();
    }
}
