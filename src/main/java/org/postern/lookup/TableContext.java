package org.postern.lookup;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Supplier;
import org.postern.store.AccountLookups;

/**
 * What the table factory needs from its surroundings, as plain values (lookup does not depend on
 * the config package).
 *
 * @param configDir base directory for relative table file names (the Postfix config directory)
 * @param accounts  the account store behind {@code postern:} tables; asked for only on first lookup
 * @param clock     time source for "reload at most once per second" and host retry intervals;
 *                  tests pass a clock they can move
 */
public record TableContext(Path configDir, Supplier<AccountLookups> accounts, Clock clock) {

    public TableContext {
        Objects.requireNonNull(configDir, "configDir");
        Objects.requireNonNull(accounts, "accounts");
        Objects.requireNonNull(clock, "clock");
    }

    public TableContext(Path configDir, Supplier<AccountLookups> accounts) {
        this(configDir, accounts, Clock.systemUTC());
    }

    /** Resolves a table file name against the config directory. */
    Path resolve(String name) {
        return configDir.resolve(name);
    }
}
