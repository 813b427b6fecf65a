package org.postern.smtp;

import java.io.IOException;

/**
 * How reading DATA content ({@link DataReader}) or one BDAT chunk ({@link BdatReader}) ended.
 *
 * @param status          the outcome, see {@link Status}
 * @param size            bytes of content received so far as stored (CRLF line ends, dots
 *                        unstuffed), counting past the limit when {@link Status#TOO_BIG}
 * @param receivedHeaders Received: fields in the header section (hopcount_limit)
 * @param bareLfSeen      a line ended in LF without CR (smtpd_forbid_bare_newline; for DATA)
 * @param sinkError       the first exception the sink threw, when {@link Status#SINK_ERROR}
 */
public record ContentResult(Status status, long size, int receivedHeaders, boolean bareLfSeen, IOException sinkError) {

    /** Outcomes; when several apply the first in this order wins. */
    public enum Status {
        /**
         * End of stream before the end of the content: the client is gone. Whatever went to
         * the sink is incomplete and must be thrown away; nothing is accepted.
         */
        DISCONNECTED,
        /** The sink failed (e.g. disk full); the content was read to its end anyway. Postfix: 451 4.3.0 (Postern: 452 4.3.1 for a full disk). */
        SINK_ERROR,
        /** Over the size limit; the sink stopped receiving, the content was read to its end. Postfix: 552 5.3.4. */
        TOO_BIG,
        /** The whole content was read and written. */
        COMPLETE
    }

    /** True for {@link Status#COMPLETE}. */
    public boolean complete() {
        return status == Status.COMPLETE;
    }
}
