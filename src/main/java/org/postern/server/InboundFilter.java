package org.postern.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Predicate;
import org.postern.dkim.DkimVerification;
import org.postern.dkim.DkimVerifier;
import org.postern.dkim.HeaderField;
import org.postern.dkim.MessageReader;
import org.postern.log.MailLog;
import org.slf4j.Logger;

/**
 * The client's content on its way to the spool: verifies its DKIM signatures (RFC 6376 section
 * 6) on exactly the bytes received, and drops header fields a stranger may not set, i.e.
 * Authentication-Results fields that carry our authserv-id (RFC 8601 section 5: an MTA "MUST
 * remove or rename" such fields of external origin, so that downstream filters can trust ours).
 *
 * <p>Only the header section is held in memory (see {@link HeaderSectionStream}; a too long one
 * passes unchanged and unverified, with a warning). The body goes on to the next stream and into
 * the verifier's body hashes as it arrives, so a message of any size is read once.
 */
final class InboundFilter extends HeaderSectionStream {

    /**
     * What the filter learnt about the message: its header fields as received and the DKIM
     * results (null when not verified).
     */
    record Result(List<HeaderField> headers, DkimVerification dkim) {
    }

    private static final Logger LOG = MailLog.logger("cleanup");

    private final OutputStream next;
    private final String queueId;
    private final DkimVerifier verifier;   // null: do not verify
    private final Predicate<HeaderField> dropped;
    private List<HeaderField> fields = List.of();
    private DkimVerifier.Session session;

    /**
     * @param verifier null to skip DKIM verification (mail of our own users, which we sign instead)
     * @param dropped  the header fields to remove
     */
    InboundFilter(OutputStream next, String queueId, DkimVerifier verifier, Predicate<HeaderField> dropped) {
        this.next = next;
        this.queueId = queueId;
        this.verifier = verifier;
        this.dropped = dropped;
    }

    @Override
    protected void body(byte[] b, int off, int len) throws IOException {
        next.write(b, off, len);
        if (session != null) {
            session.body(b, off, len);
        }
    }

    /** Ends the content; a message without a body (RFC 5322 section 3.5) ends here too. */
    Result finish() throws IOException {
        endOfContent();
        DkimVerification dkim = verifier == null ? null : session == null ? new DkimVerification(List.of()) : session.finish();
        session = null;
        return new Result(fields, dkim);
    }

    @Override
    protected void headerSection(byte[] section, boolean tooLong) throws IOException {
        if (tooLong) {
            LOG.warn("{}: header section longer than {} bytes: DKIM not verified", queueId, MessageReader.MAX_HEADER_BYTES);
            next.write(section);
            return;
        }
        fields = MessageReader.readHeaders(section, section.length);
        if (verifier != null) {
            session = verifier.begin(fields);
        }
        if (fields.stream().noneMatch(dropped)) {
            next.write(section);
            return;
        }
        for (HeaderField f : fields) {
            if (dropped.test(f)) {
                LOG.info("{}: removed {} header from the client: it claims to be ours", queueId, f.name());
            } else {
                next.write(f.raw().getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        // The empty line, or nothing when the message ended inside its header section.
        int used = fields.stream().mapToInt(f -> f.raw().length()).sum();
        next.write(section, used, section.length - used);
    }
}
