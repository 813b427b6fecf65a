package org.postern.server;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-client connection limits (Postfix's anvil(8)): simultaneous connections
 * ({@code smtpd_client_connection_count_limit}) and connections per time unit
 * ({@code smtpd_client_connection_rate_limit} per {@code anvil_rate_time_unit}), plus the
 * global cap over all clients ({@code postern_connection_limit}).
 */
public final class ClientLimits {

    /** Why a connection was refused, or null. */
    public enum Refusal { TOO_MANY_CONNECTIONS, CONNECTION_RATE, SERVER_FULL }

    private final int globalLimit;
    private final Clock clock;
    private final Map<String, Counter> clients = new ConcurrentHashMap<>();
    private int total;

    private static final class Counter {
        int open;
        final Deque<Long> recent = new ArrayDeque<>();
    }

    public ClientLimits(int globalLimit, Clock clock) {
        this.globalLimit = globalLimit;
        this.clock = clock;
    }

    /**
     * Counts a new connection unless a limit refuses it; a counted connection must be
     * {@link #release released} when it ends.
     *
     * @param countLimit 0 = no limit
     * @param rateLimit  0 = no limit
     * @param exempt     the client is in {@code smtpd_client_event_limit_exceptions}
     */
    public synchronized Refusal acquire(String client, int countLimit, int rateLimit, Duration rateUnit, boolean exempt) {
        if (globalLimit > 0 && total >= globalLimit) {
            return Refusal.SERVER_FULL;
        }
        Counter c = clients.computeIfAbsent(client, k -> new Counter());
        long now = clock.millis();
        while (!c.recent.isEmpty() && c.recent.peekFirst() <= now - rateUnit.toMillis()) {
            c.recent.pollFirst();
        }
        if (!exempt) {
            if (countLimit > 0 && c.open >= countLimit) {
                forgetIfIdle(client, c);
                return Refusal.TOO_MANY_CONNECTIONS;
            }
            if (rateLimit > 0 && c.recent.size() >= rateLimit) {
                forgetIfIdle(client, c);
                return Refusal.CONNECTION_RATE;
            }
        }
        c.open++;
        if (rateLimit > 0) {
            c.recent.addLast(now);
        }
        total++;
        return null;
    }

    public synchronized void release(String client) {
        Counter c = clients.get(client);
        if (c != null) {
            c.open--;
            total--;
            forgetIfIdle(client, c);
        }
    }

    public synchronized int total() {
        return total;
    }

    private void forgetIfIdle(String client, Counter c) {
        if (c.open == 0 && c.recent.isEmpty()) {
            clients.remove(client);
        }
    }
}
