package org.postern.server;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed-login memory per client IP: after {@code postern_sasl_failure_limit} failures within
 * {@code postern_sasl_failure_window}, AUTH from that IP is refused with a temporary error until
 * the oldest failure leaves the window. Password guessing then costs an attacker hours, while a
 * user who mistyped once is not bothered.
 */
public final class AuthThrottle {

    private final int limit;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

    public AuthThrottle(int limit, Duration window, Clock clock) {
        this.limit = limit;
        this.window = window;
        this.clock = clock;
    }

    /** True if this client may not try to log in now. */
    public boolean blocked(String client) {
        if (limit <= 0) {
            return false;
        }
        Deque<Long> times = failures.get(client);
        if (times == null) {
            return false;
        }
        synchronized (times) {
            prune(times);
            return times.size() >= limit;
        }
    }

    public void failed(String client) {
        if (limit <= 0) {
            return;
        }
        Deque<Long> times = failures.computeIfAbsent(client, k -> new ArrayDeque<>());
        synchronized (times) {
            prune(times);
            times.addLast(clock.millis());
        }
        if (failures.size() > 100_000) {   // bound the memory under a distributed attack
            failures.entrySet().removeIf(e -> {
                synchronized (e.getValue()) {
                    prune(e.getValue());
                    return e.getValue().isEmpty();
                }
            });
        }
    }

    private void prune(Deque<Long> times) {
        long oldest = clock.millis() - window.toMillis();
        while (!times.isEmpty() && times.peekFirst() <= oldest) {
            times.pollFirst();
        }
    }
}
