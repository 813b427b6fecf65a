package org.postern.policy;

import java.util.List;

/**
 * The result of one stage check (postfix-restrictions.md sections 1.1, 1.6, 1.8).
 *
 * @param result     ACCEPT, REJECT, or DISCARD (reply as for accept, then drop the message)
 * @param reply      the reject reply (null unless REJECT)
 * @param replyLines the reply as sent, footer included (section 1.7 item 7): each element is one
 *                   complete line such as {@code 550-5.1.1 text}; empty unless REJECT
 * @param log        complete mail-log lines for the server to write (section 1.8), e.g.
 *                   {@code NOQUEUE: reject: RCPT from ...}; includes warn/info/hold/... lines
 * @param actions    the side actions collected so far for this transaction
 */
public record Decision(Result result, PolicyReply reply, List<String> replyLines, List<String> log,
                       Actions actions) {

    public enum Result { ACCEPT, REJECT, DISCARD }

    /**
     * Message-changing access actions of section 3.3 collected in the transaction.
     *
     * @param hold     the HOLD reason text, null when not held
     * @param discard  true after a DISCARD action
     * @param filter   last FILTER transport:destination, or null
     * @param redirect last REDIRECT address, or null
     * @param bcc      BCC addresses
     * @param prepend  headers to prepend ({@code Name: value})
     */
    public record Actions(String hold, boolean discard, String filter, String redirect, List<String> bcc,
                          List<String> prepend) {
        public static final Actions NONE = new Actions(null, false, null, null, List.of(), List.of());
    }

    /** True for REJECT with 421 or 521: send the reply, then close (section 1.7 item 8). */
    public boolean disconnect() {
        return reply != null && reply.disconnect();
    }

    public boolean accepted() {
        return result != Result.REJECT;
    }
}
