package org.postern.store;

import java.time.Instant;

/**
 * A mailbox as listed by {@code postern mailbox list}. The password hash is deliberately not
 * part of it, so that printing or serialising a mailbox can never leak it; see
 * {@link AccountStore#passwordHash}.
 *
 * @param quotaBytes the quota; 0 means unlimited
 */
public record Mailbox(String address, String domain, long quotaBytes, boolean enabled, Instant created) {
}
