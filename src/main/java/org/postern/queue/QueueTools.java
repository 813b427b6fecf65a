package org.postern.queue;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the {@code postern queue} commands do to the spool (Postfix's postqueue, postsuper and
 * postcat). Two implementations: {@link SpoolTools} works on a spool this process has open
 * (inside the running server, or in the CLI when no server runs), {@link ControlClient} asks
 * the running server over its control socket.
 */
public interface QueueTools {

    /** Every message, in queue ID order. */
    List<Listed> list() throws IOException;

    /** One message with its content, or empty when there is no such message. */
    Optional<Shown> show(String queueId) throws IOException;

    /** Removes messages for good, whatever their recipients' states. */
    Result delete(Selection which) throws IOException;

    /** Puts messages on hold: they stay queued but are not delivered until released. */
    Result hold(Selection which) throws IOException;

    /** Takes messages off hold and delivers them now. */
    Result release(Selection which) throws IOException;

    /** Takes messages off hold and tries all their waiting recipients now (postsuper -r). */
    Result requeue(Selection which) throws IOException;

    /**
     * Tries deferred recipients now (postqueue -f), or only those of one domain (postqueue -s).
     *
     * @param domain a recipient domain, or null for all
     */
    Result flush(String domain) throws IOException;

    /** True when a running queue manager acts on changes at once (false: at its next start). */
    boolean live();

    /**
     * A message as {@code queue list} shows it.
     *
     * @param active being delivered right now (Postfix's active queue)
     */
    record Listed(Envelope envelope, boolean held, boolean active) {
        public String queueId() {
            return envelope.queueId();
        }
    }

    /** A message with its content exactly as queued. */
    record Shown(Listed message, byte[] content) {
    }

    /**
     * Which messages a command acts on: queue IDs, or all, or all with deferred recipients.
     */
    record Selection(List<String> queueIds, Kind kind) {
        public enum Kind { IDS, ALL, DEFERRED }

        public Selection {
            queueIds = List.copyOf(queueIds);
            Objects.requireNonNull(kind, "kind");
        }

        public static Selection of(List<String> queueIds) {
            return new Selection(queueIds, Kind.IDS);
        }

        public static final Selection ALL = new Selection(List.of(), Kind.ALL);
        public static final Selection DEFERRED = new Selection(List.of(), Kind.DEFERRED);

        boolean matches(SpoolEntry e) {
            return switch (kind) {
                case ALL -> true;
                case DEFERRED -> e.envelope().recipients().stream().anyMatch(r -> r.status() == Recipient.Status.DEFERRED);
                case IDS -> queueIds.contains(e.queueId());
            };
        }
    }

    /**
     * What a command did.
     *
     * @param done    queue IDs acted on
     * @param missing queue IDs asked for that are not in the queue
     */
    record Result(List<String> done, List<String> missing) {
        public Result {
            done = List.copyOf(done);
            missing = List.copyOf(missing);
        }
    }
}
