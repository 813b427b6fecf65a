package org.postern.queue;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * One envelope recipient with its DSN parameters (RFC 3461) and its delivery state.
 *
 * @param address     the RCPT TO address as received ("" is not valid here)
 * @param orcpt       the ORCPT parameter as received (e.g. {@code rfc822;a@b}), or null
 * @param dsnNotify   the NOTIFY keywords; empty when the client gave none
 * @param status      where delivery to this recipient stands
 * @param lastReply   the last delivery reply or reason (for bounces and {@code queue list}), or null
 * @param nextAttempt when a deferred recipient may be tried again, or null
 */
public record Recipient(String address, String orcpt, Set<Notify> dsnNotify, Status status,
                        String lastReply, Instant nextAttempt) {

    /** RFC 3461 section 4.1 NOTIFY keywords. */
    public enum Notify { NEVER, SUCCESS, FAILURE, DELAY }

    /** Delivery state of one recipient. DELIVERED and BOUNCED are final. */
    public enum Status {
        PENDING, DEFERRED, DELIVERED, BOUNCED;

        public boolean isFinal() {
            return this == DELIVERED || this == BOUNCED;
        }
    }

    public Recipient {
        Objects.requireNonNull(address, "address");
        dsnNotify = Set.copyOf(dsnNotify);
        Objects.requireNonNull(status, "status");
    }

    /** A new, pending recipient without DSN parameters. */
    public static Recipient of(String address) {
        return of(address, null, Set.of());
    }

    /** A new, pending recipient. */
    public static Recipient of(String address, String orcpt, Set<Notify> notify) {
        return new Recipient(address, orcpt, notify, Status.PENDING, null, null);
    }

    public Recipient withStatus(Status newStatus, String reply, Instant next) {
        return new Recipient(address, orcpt, dsnNotify, newStatus, reply, next);
    }
}
