package org.postern.server;

/**
 * The free-space rule of Postfix's SMTP server (smtpd_check_queue, postconf(5)
 * {@code queue_minfree}): before it agrees to a new MAIL transaction, the queue file system
 * must have more than {@code queue_minfree} bytes free and at least 1.5 times
 * {@code message_size_limit}, so that a message the server has agreed to take fits on disk.
 * Otherwise MAIL FROM gets {@code 452 4.3.1 Insufficient system storage} and the client
 * tries again later.
 */
final class QueueSpace {

    /** Postfix's smtpd_space_multf: room for the message plus the queue's other work. */
    static final double SIZE_LIMIT_FACTOR = 1.5;

    private QueueSpace() {
    }

    /**
     * True when a new message may be taken.
     *
     * @param free             usable bytes in the queue file system
     * @param minFree          queue_minfree in bytes (0 = no minimum beyond the size rule)
     * @param messageSizeLimit message_size_limit in bytes (0 = none: then only a full disk refuses)
     */
    static boolean enough(long free, long minFree, long messageSizeLimit) {
        return free > Math.max(0, minFree) && Math.max(0, messageSizeLimit) < free / SIZE_LIMIT_FACTOR;
    }
}
