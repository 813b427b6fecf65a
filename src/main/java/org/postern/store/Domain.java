package org.postern.store;

import java.time.Instant;

/** A hosted domain as listed by {@code postern domain list}. */
public record Domain(String name, Instant created, int mailboxes, int aliases) {
}
