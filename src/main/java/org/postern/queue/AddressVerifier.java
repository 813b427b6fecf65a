package org.postern.queue;

import java.io.ByteArrayInputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.postern.log.MailLog;
import org.postern.policy.AddressVerification;

/**
 * Postfix's verify(8): finds out whether mail to an address would be accepted by sending a
 * probe through the address's route (transport_maps, relayhost, MX, ...) that goes as far as
 * the recipient's acceptance and delivers nothing ({@link Envelope#PROBE}), and remembers the
 * answer (ADDRESS_VERIFICATION_README). Deliverable answers are kept for
 * {@code address_verify_positive_expire_time} and probed again after
 * {@code address_verify_positive_refresh_time} while the old answer is still used; undeliverable
 * and undecided ones for the negative times. The cache lives in memory: after a restart
 * addresses are probed again.
 *
 * <p>A query for an address with no answer starts a probe and waits for it up to
 * {@code (address_verify_poll_count - 1) * address_verify_poll_delay}, as smtpd polls verify(8);
 * a probe still running then is "Address verification in progress".
 */
public final class AddressVerifier implements AddressVerification {

    /** The verify(8) parameters, by their Postfix names. */
    public record Options(String sender, int pollCount, Duration pollDelay, Duration positiveExpire,
                          Duration positiveRefresh, boolean negativeCache, Duration negativeExpire,
                          Duration negativeRefresh) {
    }

    private record Answer(Result result, Instant when) {
    }

    static final String IN_PROGRESS = "Address verification in progress";

    /** What a reload replaces; a probe uses the one it started with. */
    private record Setup(Router router, Map<String, Transport> transports, Options options) {
        Setup {
            transports = Map.copyOf(transports);
        }
    }

    private volatile Setup setup;
    private final Clock clock;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Result>> probes = new ConcurrentHashMap<>();

    public AddressVerifier(Router router, Map<String, Transport> transports, Options options, Clock clock) {
        this.setup = new Setup(router, transports, options);
        this.clock = clock;
    }

    /**
     * Routing, transports and verify(8) parameters from a reloaded configuration, for the
     * probes started from now on. The answers already known stay until they expire.
     */
    public void reconfigure(Router router, Map<String, Transport> transports, Options options) {
        setup = new Setup(router, transports, options);
    }

    @Override
    public Result verify(String address) {
        String key = address.toLowerCase(Locale.ROOT);
        Options options = setup.options();
        Instant now = clock.instant();
        Answer known = answers.get(key);
        if (known != null && !expired(options, known, now)) {
            if (stale(options, known, now)) {
                probe(key, address);   // refresh in the background; the old answer still counts
            }
            return known.result();
        }
        CompletableFuture<Result> probe = probe(key, address);
        long waitMillis = Math.max(0, options.pollCount() - 1) * options.pollDelay().toMillis();
        try {
            return probe.get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return new Result(Status.UNKNOWN, IN_PROGRESS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(Status.UNKNOWN, IN_PROGRESS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("probe of " + address + " failed: " + e.getCause(), e.getCause());
        }
    }

    /** Starts a probe of the address unless one is running; returns the running one. */
    private CompletableFuture<Result> probe(String key, String address) {
        return probes.computeIfAbsent(key, k -> {
            CompletableFuture<Result> future = new CompletableFuture<>();
            Thread.ofVirtual().name("verify-probe").start(() -> {
                // The probe is forgotten before its answer is stored: whoever finds the answer
                // finds no running probe, so a query that finds it already expired starts a new
                // probe instead of joining this one. In between, a query may start a second probe.
                try {
                    Setup s = setup;
                    Result r = runProbe(s, address);
                    probes.remove(key, future);
                    if (r.status() == Status.DELIVERABLE || s.options().negativeCache()) {
                        answers.put(key, new Answer(r, clock.instant()));
                    }
                    future.complete(r);
                } catch (RuntimeException e) {
                    probes.remove(key, future);
                    future.completeExceptionally(e);
                }
            });
            return future;
        });
    }

    private Result runProbe(Setup s, String address) {
        String sender = s.options().sender();
        Router.Route route;
        try {
            route = s.router().route(sender, address);
        } catch (Router.RouteException e) {
            return new Result(Status.UNKNOWN, "address resolver failure: " + e.getMessage());
        }
        Transport transport = s.transports().get(route.transport());
        if (transport == null) {
            return new Result(Status.UNKNOWN, "mail transport unavailable: no transport " + route.transport());
        }
        Envelope probe = Envelope.of("probe", sender, List.of(Recipient.of(address)), clock.instant(),
                Envelope.ClientInfo.UNKNOWN).withAttribute(Envelope.PROBE, "yes");
        Transport.Delivery d = transport.deliver(probe, () -> new ByteArrayInputStream(new byte[0]), route.nexthop(),
                probe.recipients()).getFirst();
        Status status = switch (d.status()) {
            case DELIVERED -> Status.DELIVERABLE;
            case BOUNCED -> Status.UNDELIVERABLE;
            default -> Status.UNKNOWN;
        };
        // Logged like the delivery agents' lines, with verify(8)'s status words.
        MailLog.logger(route.transport()).info("probe: to=<{}>, relay={}, dsn={}, status={} ({})", address, d.relay(),
                d.dsn(), switch (status) {
                    case DELIVERABLE -> "deliverable";
                    case UNDELIVERABLE -> "undeliverable";
                    case UNKNOWN -> "deferred";
                }, d.text());
        return new Result(status, d.text());
    }

    private static boolean expired(Options options, Answer a, Instant now) {
        Duration limit = a.result().status() == Status.DELIVERABLE ? options.positiveExpire() : options.negativeExpire();
        return a.when().plus(limit).isBefore(now);
    }

    private static boolean stale(Options options, Answer a, Instant now) {
        Duration limit = a.result().status() == Status.DELIVERABLE ? options.positiveRefresh() : options.negativeRefresh();
        return a.when().plus(limit).isBefore(now);
    }
}
