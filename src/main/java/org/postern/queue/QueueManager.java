package org.postern.queue;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.postern.log.MailLog;
import org.postern.metrics.Metrics;
import org.slf4j.Logger;

/**
 * The queue manager (Postfix's qmgr): takes committed messages from the {@link Spool}, routes
 * each recipient, hands them to transports, records the outcome durably and retries deferred
 * recipients with backoff.
 *
 * <ul>
 *   <li>New messages are delivered as soon as they are committed; deferred ones are looked at
 *       every {@code queue_run_delay}.</li>
 *   <li>Recipients with the same route go to the transport together, at most
 *       {@code default_destination_recipient_limit} at a time; at most
 *       {@code default_destination_concurrency_limit} deliveries run per destination.</li>
 *   <li>A deferred recipient waits its message's age, but at least {@code minimal_backoff_time}
 *       and at most {@code maximal_backoff_time}, so retries thin out as a message ages.</li>
 *   <li>A recipient still deferred after {@code maximal_queue_lifetime} ({@code
 *       bounce_queue_lifetime} for bounces, i.e. the null sender) is bounced as expired.</li>
 * </ul>
 * After each pass over a message, the {@link Notifier} sends the notices of that pass (one
 * failure notice listing every recipient that failed in it, success notices, a delay warning)
 * before the failed recipients are marked final.
 * Each outcome is logged as Postfix's delivery agents log it:
 * {@code ID: to=<a@b>, relay=virtual, delay=0.1, delays=0.05/0/0/0.05, dsn=2.0.0, status=sent (...)}.
 */
public final class QueueManager implements AutoCloseable {

    /**
     * Scheduling parameters, by their Postfix names.
     *
     * @param failedCohortLimit {@code default_destination_concurrency_failed_cohort_limit}: after this
     *                          many deliveries in a row that failed to reach a destination, it is dead
     *                          for {@code minimal_backoff_time}; 0 never marks a destination dead
     */
    public record Options(Duration queueRunDelay, Duration minimalBackoff, Duration maximalBackoff,
                          Duration maximalQueueLifetime, Duration bounceQueueLifetime,
                          int destinationConcurrency, int destinationRecipientLimit, int failedCohortLimit) {
        public static final Options DEFAULT = new Options(Duration.ofSeconds(300), Duration.ofSeconds(300),
                Duration.ofSeconds(4000), Duration.ofDays(5), Duration.ofDays(5), 20, 50, 1);

        /** With Postfix's default failed cohort limit (1). */
        public Options(Duration queueRunDelay, Duration minimalBackoff, Duration maximalBackoff,
                       Duration maximalQueueLifetime, Duration bounceQueueLifetime,
                       int destinationConcurrency, int destinationRecipientLimit) {
            this(queueRunDelay, minimalBackoff, maximalBackoff, maximalQueueLifetime, bounceQueueLifetime,
                    destinationConcurrency, destinationRecipientLimit, 1);
        }
    }

    /**
     * What the queue manager knows about one destination (a transport and next hop; Postfix's
     * in-core queue): its concurrency slots and whether it is dead.
     *
     * <p>Postfix's qmgr counts "pseudo-cohorts" of failed deliveries against its adaptive
     * concurrency window and declares a destination dead when they reach
     * {@code destination_concurrency_failed_cohort_limit}. Postern's window does not adapt, so it
     * counts failed deliveries: a cohort is one delivery, which is what Postfix's window shrinks to
     * under failure. While a destination has failed and not succeeded since, its deliveries go one
     * at a time (Postfix's window of 1), so a down site costs one connection attempt per
     * {@code minimal_backoff_time}, not one per waiting message.
     */
    private static final class Destination {
        final Options options;
        final Semaphore slots;
        /** Held by the one delivery that tries a suspect destination. */
        final Semaphore probe = new Semaphore(1);
        private int failedDeliveries;
        private Instant deadUntil;
        private Transport.Delivery deadReason;

        Destination(Options options) {
            this.options = options;
            this.slots = new Semaphore(Math.max(1, options.destinationConcurrency()));
        }

        synchronized void revive() {
            deadUntil = null;
        }

        synchronized boolean suspect() {
            return options.failedCohortLimit() > 0 && failedDeliveries > 0;
        }

        /** The reason deliveries are suspended now, or null when the destination may be tried. */
        synchronized Transport.Delivery suspension(Instant now) {
            return deadUntil != null && now.isBefore(deadUntil) ? deadReason : null;
        }

        /**
         * Learns from one delivery: when every recipient failed to reach the destination it counts
         * as a failed delivery, and enough of them make the destination dead until
         * now + minimal_backoff_time; anything else (a success, a refusal by a server that answered)
         * shows the destination is alive and clears the count, as qmgr_queue_unthrottle does.
         *
         * @return true when this delivery made the destination dead
         */
        synchronized boolean record(List<Transport.Delivery> results, Instant now) {
            boolean unreachable = !results.isEmpty() && results.stream()
                    .allMatch(d -> d.status() == Recipient.Status.DEFERRED && d.connectionFailure());
            if (!unreachable) {
                failedDeliveries = 0;
                deadUntil = null;
                deadReason = null;
                return false;
            }
            failedDeliveries++;
            if (options.failedCohortLimit() > 0 && failedDeliveries >= options.failedCohortLimit()) {
                deadUntil = now.plus(options.minimalBackoff());
                deadReason = results.getFirst();
                return true;
            }
            return false;
        }
    }

    private static final Logger QMGR = MailLog.logger("qmgr");

    /**
     * What a reload replaces (Postfix's reload restarts qmgr and the delivery agents): each
     * delivery pass takes the current one and uses it to the end.
     */
    private record Setup(Router router, Map<String, Transport> transports, Options options, Notifier notifier) {
        Setup {
            transports = Map.copyOf(transports);
        }
    }

    private final Spool spool;
    private final Clock clock;
    private volatile Setup setup;
    private ScheduledFuture<?> queueRuns;   // guarded by this
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<Router.Route, Destination> destinations = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("delivery-", 0).factory());
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("qmgr-timer").daemon().factory());

    /** A queue manager that sends no notices (no bounces, no delay warnings). */
    public QueueManager(Spool spool, Router router, Map<String, Transport> transports, Options options, Clock clock) {
        this(spool, router, transports, options, clock, Notifier.NONE);
    }

    public QueueManager(Spool spool, Router router, Map<String, Transport> transports, Options options, Clock clock,
                        Notifier notifier) {
        this.spool = spool;
        this.clock = clock;
        this.setup = new Setup(router, transports, options, notifier);
    }

    /** Starts delivering: what is queued now, every new message, and deferred ones when due. */
    public synchronized void start() {
        spool.addListener(entry -> submit(entry.queueId()));
        scheduleQueueRuns(0);
    }

    private synchronized void scheduleQueueRuns(long firstDelayMillis) {
        if (queueRuns != null) {
            queueRuns.cancel(false);
        }
        long period = Math.max(1, setup.options().queueRunDelay().toMillis());
        queueRuns = timer.scheduleWithFixedDelay(this::scanDue, firstDelayMillis, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Routing, transports, scheduling and notices from a reloaded configuration. Deliveries
     * running now finish with what they started with; the next pass over any message uses the
     * new ones. What the queue manager learnt about destinations (dead ones, their concurrency)
     * starts afresh, as after Postfix's reload.
     */
    public void reconfigure(Router router, Map<String, Transport> transports, Options options, Notifier notifier) {
        Duration oldDelay = setup.options().queueRunDelay();
        setup = new Setup(router, transports, options, notifier);
        destinations.clear();
        if (!options.queueRunDelay().equals(oldDelay)) {
            synchronized (this) {
                if (queueRuns != null) {
                    scheduleQueueRuns(Math.max(1, options.queueRunDelay().toMillis()));
                }
            }
        }
    }

    /** Looks at every message that is due now (also used by {@code queue flush}). */
    public void scanDue() {
        try {
            for (SpoolEntry entry : spool.pending(clock.instant())) {
                submit(entry.queueId());
            }
        } catch (RuntimeException e) {
            QMGR.error("queue scan failed: {}", e.toString());
        }
    }

    /**
     * Gives every dead destination another chance now ({@code queue flush}, like Postfix's
     * {@code postqueue -f}, which flushes dead destinations too). A destination that fails
     * again is dead again after that one attempt.
     */
    public void reviveDestinations() {
        destinations.values().forEach(Destination::revive);
    }

    /** Schedules one message for delivery unless it is already being delivered. */
    public void submit(String queueId) {
        if (inFlight.add(queueId)) {
            try {
                workers.execute(() -> {
                    try {
                        deliver(queueId);
                    } finally {
                        inFlight.remove(queueId);
                    }
                });
            } catch (RuntimeException rejected) {   // shutting down
                inFlight.remove(queueId);
            }
        }
    }

    /** True while no delivery is running (for tests and a graceful stop). */
    public boolean idle() {
        return inFlight.isEmpty();
    }

    /** True while this message is being delivered (Postfix's active queue; {@code queue list} marks it). */
    public boolean isActive(String queueId) {
        return inFlight.contains(queueId);
    }

    private void deliver(String queueId) {
        SpoolEntry entry = spool.get(queueId).orElse(null);
        if (entry == null || entry.held()) {
            return;
        }
        Envelope envelope = entry.envelope();
        Setup s = setup;
        Instant now = clock.instant();
        Map<Router.Route, List<Recipient>> groups = new LinkedHashMap<>();
        List<Notifier.Outcome> outcomes = new ArrayList<>();
        for (Recipient r : envelope.recipients()) {
            boolean due = r.status() == Recipient.Status.PENDING
                    || r.status() == Recipient.Status.DEFERRED && (r.nextAttempt() == null || !r.nextAttempt().isAfter(now));
            if (!due) {
                continue;
            }
            try {
                groups.computeIfAbsent(s.router().route(envelope.sender(), r.address()), k -> new ArrayList<>()).add(r);
            } catch (Router.RouteException e) {
                outcomes.add(log(s, envelope, new Transport.Delivery(r.address(), Recipient.Status.DEFERRED, "4.3.0",
                        "address resolver failure: " + e.getMessage(), "none"), "qmgr", now, now));
            }
        }
        for (Map.Entry<Router.Route, List<Recipient>> group : groups.entrySet()) {
            List<Recipient> recipients = group.getValue();
            int limit = Math.max(1, s.options().destinationRecipientLimit());
            for (int i = 0; i < recipients.size(); i += limit) {
                deliverBatch(s, envelope, group.getKey(), recipients.subList(i, Math.min(recipients.size(), i + limit)),
                        outcomes);
            }
        }
        finishPass(s, envelope, outcomes);
    }

    /**
     * Sends the pass's notices, then records every outcome durably. A failed recipient whose
     * notice could not be written is deferred instead, so that no failure goes unreported.
     */
    private void finishPass(Setup s, Envelope envelope, List<Notifier.Outcome> outcomes) {
        Set<String> unreported;
        try {
            unreported = outcomes.stream().anyMatch(o -> o.failed() || o.delivery().status() == Recipient.Status.DELIVERED)
                    ? s.notifier().passFinished(envelope, outcomes) : Set.of();
        } catch (RuntimeException e) {
            // A failure must not vanish unreported: keep the failed recipients deferred and retry.
            QMGR.error("{}: sending notices failed: {}", envelope.queueId(), e.toString());
            unreported = outcomes.stream().filter(Notifier.Outcome::failed).map(o -> o.delivery().recipient())
                    .collect(Collectors.toSet());
        }
        for (Notifier.Outcome o : outcomes) {
            persist(s.options(), envelope, o, unreported.contains(o.delivery().recipient()));
        }
        try {
            spool.get(envelope.queueId()).ifPresent(e -> s.notifier().warnIfDelayed(e.envelope()));
        } catch (RuntimeException e) {
            QMGR.error("{}: sending the delay warning failed: {}", envelope.queueId(), e.toString());
        }
    }

    private void deliverBatch(Setup s, Envelope envelope, Router.Route route, List<Recipient> batch,
                              List<Notifier.Outcome> outcomes) {
        Transport transport = s.transports().get(route.transport());
        Instant start = clock.instant();
        if (transport == null) {
            for (Recipient r : batch) {
                outcomes.add(log(s, envelope, new Transport.Delivery(r.address(), Recipient.Status.DEFERRED, "4.3.0",
                        "mail transport unavailable: no transport " + route.transport() + " in this version of Postern",
                        "none"), route.transport(), start, start));
            }
            return;
        }
        Destination destination = destinations.computeIfAbsent(route, k -> new Destination(s.options()));
        if (suspended(s, envelope, destination, batch, outcomes, start)) {
            return;
        }
        List<Transport.Delivery> results;
        Instant started;
        boolean probing = false;
        try {
            destination.slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            if (destination.suspect()) {
                destination.probe.acquire();
                probing = destination.suspect();
                if (!probing) {
                    destination.probe.release(); // the delivery before this one succeeded
                }
                if (suspended(s, envelope, destination, batch, outcomes, start)) {
                    return;                       // the delivery before this one failed
                }
            }
            started = clock.instant();
            try {
                results = transport.deliver(envelope, () -> spool.open(envelope.queueId()).content(), route.nexthop(),
                        batch);
            } catch (RuntimeException e) {
                QMGR.error("{}: transport {} failed: {}", envelope.queueId(), route.transport(), e.toString());
                started = start;
                List<Transport.Delivery> failed = new ArrayList<>();
                for (Recipient r : batch) {
                    failed.add(new Transport.Delivery(r.address(), Recipient.Status.DEFERRED, "4.3.0",
                            "unknown mail transport error", "none"));
                }
                results = failed;
            }
            if (destination.record(results, clock.instant())) {
                QMGR.info("{}: destination {} is not reachable; deliveries to it are suspended for {}s: {}",
                        envelope.queueId(), describe(route), destination.options.minimalBackoff().toSeconds(),
                        results.getFirst().text());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } finally {
            if (probing) {
                destination.probe.release();
            }
            destination.slots.release();
        }
        for (Transport.Delivery d : results) {
            outcomes.add(log(s, envelope, d, route.transport(), start, started));
        }
    }

    /**
     * Defers the batch without trying when its destination is dead, as Postfix's qmgr does
     * ({@code status=deferred (delivery temporarily suspended: REASON)}, logged by the retry
     * service, which is Postfix's error(8)).
     */
    private boolean suspended(Setup s, Envelope envelope, Destination destination, List<Recipient> batch,
                              List<Notifier.Outcome> outcomes, Instant start) {
        Transport.Delivery reason = destination.suspension(clock.instant());
        if (reason == null) {
            return false;
        }
        for (Recipient r : batch) {
            outcomes.add(log(s, envelope, new Transport.Delivery(r.address(), Recipient.Status.DEFERRED, reason.dsn(),
                    "delivery temporarily suspended: " + reason.text(), "none"), "error", start, start));
        }
        return true;
    }

    private static String describe(Router.Route route) {
        return route.nexthop().isEmpty() ? route.transport() : route.transport() + ":" + route.nexthop();
    }

    /** Logs one outcome as the delivery agent does and decides whether a deferral has expired. */
    private Notifier.Outcome log(Setup s, Envelope envelope, Transport.Delivery d, String service, Instant start, Instant started) {
        Instant now = clock.instant();
        Duration age = Duration.between(envelope.arrival(), now);
        Options options = s.options();
        Duration lifetime = envelope.sender().isEmpty() ? options.bounceQueueLifetime() : options.maximalQueueLifetime();
        boolean expired = d.status() == Recipient.Status.DEFERRED && age.compareTo(lifetime) >= 0;
        String status = switch (d.status()) {
            case DELIVERED -> "sent";
            case BOUNCED -> "bounced";
            default -> expired ? "expired, returned to sender" : "deferred";
        };
        Metrics.DELIVERIES.inc(service, expired ? "expired" : status);
        // Logged first, as Postfix's delivery agent logs before qmgr's "removed".
        String orig = envelope.recipients().stream().filter(r -> r.address().equals(d.recipient()))
                .map(Recipient::orcpt).filter(o -> o != null && o.regionMatches(true, 0, "rfc822;", 0, 7))
                .map(o -> o.substring(7)).filter(o -> !o.equalsIgnoreCase(d.recipient())).findFirst().orElse(null);
        MailLog.logger(service).info("{}: to=<{}>,{} relay={},{} delay={}, delays={}/{}/0/{}, dsn={}, status={} ({})",
                envelope.queueId(), d.recipient(), orig == null ? "" : " orig_to=<" + orig + ">,", d.relay(),
                d.connectionUse() > 1 ? " conn_use=" + d.connectionUse() + "," : "",
                seconds(Duration.between(envelope.arrival(), now)),
                seconds(Duration.between(envelope.arrival(), start)), seconds(Duration.between(start, started)),
                seconds(Duration.between(started, now)), d.dsn(), status, d.text());
        return new Notifier.Outcome(d, expired, service, now);
    }

    /** Makes one outcome durable. */
    private void persist(Options options, Envelope envelope, Notifier.Outcome o, boolean failureUnreported) {
        Transport.Delivery d = o.delivery();
        Instant now = clock.instant();
        Duration age = Duration.between(envelope.arrival(), now);
        try {
            if (o.failed() && failureUnreported) {
                // The notice could not be written (the spool is full or failing): try again later.
                spool.markDeferred(envelope.queueId(), d.recipient(),
                        now.plus(clamp(age, options.minimalBackoff(), options.maximalBackoff())), d.text());
            } else if (o.failed()) {
                spool.markBounced(envelope.queueId(), d.recipient(), d.text());
            } else if (d.status() == Recipient.Status.DELIVERED) {
                spool.markDelivered(envelope.queueId(), d.recipient(), d.text());
            } else {
                Duration backoff = clamp(age, options.minimalBackoff(), options.maximalBackoff());
                spool.markDeferred(envelope.queueId(), d.recipient(), now.plus(backoff), d.text());
            }
        } catch (IOException e) {
            // Not recorded: the recipient stays as it was and is tried again (a possible duplicate, never a loss).
            QMGR.error("{}: cannot record delivery status of <{}>: {}", envelope.queueId(), d.recipient(), e.toString());
        }
    }

    private static Duration clamp(Duration value, Duration min, Duration max) {
        return value.compareTo(min) < 0 ? min : value.compareTo(max) > 0 ? max : value;
    }

    /** Postfix's delay format: seconds with up to two significant decimals ("0.02", "1.3", "12"). */
    static String seconds(Duration d) {
        double s = Math.max(0, d.toNanos() / 1e9);
        if (s >= 10) {
            return Long.toString(Math.round(s));
        }
        if (s >= 1) {
            return trim(String.format(Locale.ROOT, "%.1f", s));
        }
        return s < 0.01 ? "0" : trim(String.format(Locale.ROOT, "%.2f", s));
    }

    private static String trim(String s) {
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(30, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
    }
}
