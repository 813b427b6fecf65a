package org.postern.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting in tests: poll a condition until it holds, and fail at a deadline (never a fixed sleep). */
public final class Await {

    /** How long a condition may take unless a test says otherwise. */
    public static final Duration DEFAULT = Duration.ofSeconds(20);

    private Await() {
    }

    public static void await(BooleanSupplier condition, String what) throws InterruptedException {
        await(condition, DEFAULT, () -> what);
    }

    /** @param what what was awaited, computed only for the failure message */
    public static void await(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        await(condition, DEFAULT, what);
    }

    public static void await(BooleanSupplier condition, Duration timeout, Supplier<String> what)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for: " + what.get());
            }
            Thread.sleep(10);   // the polling interval of a deadline wait, not a fixed delay
        }
    }
}
