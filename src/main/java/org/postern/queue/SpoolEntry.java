package org.postern.queue;

/**
 * A message in the spool as the queue manager and queue tools see it: its envelope with the
 * current recipient states, and whether it is on hold.
 */
public record SpoolEntry(Envelope envelope, boolean held) {

    public String queueId() {
        return envelope.queueId();
    }
}
