package org.postern.delivery.smtp;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Idle SMTP sessions kept for the next message to the same destination (Postfix's scache with
 * {@code smtp_connection_cache_on_demand}): a session is kept at most
 * {@code smtp_connection_cache_time_limit} while idle and is not reused once it is older than
 * {@code smtp_connection_reuse_time_limit}. Expired sessions are ended with QUIT by a sweeper.
 */
final class ConnectionCache implements AutoCloseable {

    private record Idle(SmtpClient client, long since) {
    }

    private final Duration idleLimit;
    private final Duration reuseLimit;
    private final Map<String, Deque<Idle>> idle = new HashMap<>();
    private final ScheduledExecutorService sweeper;
    private boolean closed;

    ConnectionCache(Duration idleLimit, Duration reuseLimit) {
        this.idleLimit = idleLimit;
        this.reuseLimit = reuseLimit;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("smtp-connection-cache").daemon().factory());
        long period = Math.max(100, Math.min(1000, idleLimit.toMillis() / 2));
        sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    /** An idle session for the destination, or null. */
    SmtpClient take(String destination) {
        List<SmtpClient> stale = new ArrayList<>();
        SmtpClient found = null;
        synchronized (this) {
            Deque<Idle> queue = idle.get(destination);
            while (queue != null && !queue.isEmpty() && found == null) {
                Idle i = queue.pollLast();
                if (expired(i, System.nanoTime())) {
                    stale.add(i.client());
                } else {
                    found = i.client();
                }
            }
        }
        stale.forEach(SmtpClient::quit);
        return found;
    }

    /** Keeps a session that is ready for the next MAIL FROM. */
    void put(String destination, SmtpClient client) {
        boolean keep;
        synchronized (this) {
            keep = !closed && System.nanoTime() - startNanos(client) < reuseLimit.toNanos();
            if (keep) {
                idle.computeIfAbsent(destination, k -> new ArrayDeque<>()).addLast(new Idle(client, System.nanoTime()));
            }
        }
        if (!keep) {
            client.quit();
        }
    }

    private boolean expired(Idle i, long now) {
        return now - i.since() >= idleLimit.toNanos() || now - startNanos(i.client()) >= reuseLimit.toNanos()
                || !i.client().connection().isOpen();
    }

    private static long startNanos(SmtpClient client) {
        return client.connection().openedNanos;
    }

    private void sweep() {
        List<SmtpClient> stale = new ArrayList<>();
        long now = System.nanoTime();
        synchronized (this) {
            for (Iterator<Deque<Idle>> it = idle.values().iterator(); it.hasNext(); ) {
                Deque<Idle> queue = it.next();
                queue.removeIf(i -> {
                    if (expired(i, now)) {
                        stale.add(i.client());
                        return true;
                    }
                    return false;
                });
                if (queue.isEmpty()) {
                    it.remove();
                }
            }
        }
        stale.forEach(SmtpClient::quit);
    }

    /** Number of idle sessions (for tests and metrics). */
    synchronized int size() {
        return idle.values().stream().mapToInt(Deque::size).sum();
    }

    @Override
    public void close() {
        List<SmtpClient> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            idle.values().forEach(q -> q.forEach(i -> all.add(i.client())));
            idle.clear();
        }
        sweeper.shutdownNow();
        all.forEach(SmtpClient::quit);
    }
}
