package org.postern.queue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The content of a delivery status notification: a {@code multipart/report;
 * report-type=delivery-status} message (RFC 6522) with three parts,
 * <ol>
 *   <li>a text/plain explanation for the human sender,</li>
 *   <li>the machine-readable {@code message/delivery-status} (RFC 3464), or
 *       {@code message/global-delivery-status} (RFC 6533) when an address is not ASCII,</li>
 *   <li>the original message as {@code message/rfc822} (or {@code message/global}), or only its
 *       header as {@code text/rfc822-headers} (or {@code message/global-headers}).</li>
 * </ol>
 * The notice is built in memory: the returned original is bounded by {@code bounce_size_limit}.
 * Lines end in CRLF, as in the spool.
 */
public final class DsnReport {

    /** RFC 3464 section 2.3.3 action values that Postern reports. */
    public enum Action {
        FAILED, DELAYED, DELIVERED, RELAYED;

        String field() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How much of the original goes into the third part. */
    public enum Returned { FULL, HEADERS }

    /**
     * One recipient's line in the report.
     *
     * @param finalRecipient    the address delivery was attempted to
     * @param originalRecipient ORCPT as stored ({@code type;address}, already decoded from xtext), or null
     * @param action            what happened
     * @param status            an RFC 3463 status code such as {@code 5.1.1}
     * @param diagnostic        the delivery agent's text, e.g. {@code host mx.example[192.0.2.1] said: 550 ...}, or null
     * @param lastAttempt       when delivery was last tried, or null
     */
    public record RecipientStatus(String finalRecipient, String originalRecipient, Action action, String status,
                                  String diagnostic, Instant lastAttempt) {
        public RecipientStatus {
            Objects.requireNonNull(finalRecipient, "finalRecipient");
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(status, "status");
        }
    }

    /**
     * What a notice says.
     *
     * @param reportingMta   this host's name ($myhostname)
     * @param from           the From: address, e.g. {@code MAILER-DAEMON@mx.example.org}
     * @param to             who gets the notice (the original sender, or a postmaster)
     * @param original       the envelope of the message reported on
     * @param recipients     the recipients reported on (at least one)
     * @param willRetryUntil for delay notices: when the message expires; else null
     * @param date           the notice's Date:
     * @param zone           the zone of Date: and the other dates shown
     */
    public record Notice(String reportingMta, String from, String to, Envelope original,
                         List<RecipientStatus> recipients, Instant willRetryUntil, Instant date, ZoneId zone) {
        public Notice {
            recipients = List.copyOf(recipients);
            if (recipients.isEmpty()) {
                throw new IllegalArgumentException("a notice reports on at least one recipient");
            }
        }

        /** The action of the notice as a whole: failures outrank delays outrank successes. */
        Action kind() {
            return recipients.stream().map(RecipientStatus::action).min(Enum::compareTo).orElseThrow();
        }
    }

    /** The built notice: its bytes, and what its envelope must announce. */
    public record Built(byte[] content, boolean eightBit, boolean international) {
    }

    private static final DateTimeFormatter RFC5322_DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z (zzz)", Locale.ROOT);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** What Postern's and Postfix's SMTP delivery agents log for a remote reply. */
    private static final Pattern REMOTE_REPLY =
            Pattern.compile("host ([^\\s\\[]+)\\[[^\\]]*\\](?::\\d+)? said: (.*?)(?: \\(in reply to [^)]*\\))?");
    private static final String CRLF = "\r\n";

    private DsnReport() {
    }

    /**
     * Builds the notice. {@code original} is read from its first byte; {@code returned} asks for
     * the full message, which is only honoured up to {@code sizeLimit} bytes (Postfix's
     * {@code bounce_size_limit}): a larger original is returned as its header only, and a header
     * larger than the limit is cut at a line end.
     */
    public static Built build(Notice notice, InputStream original, Returned returned, long sizeLimit)
            throws IOException {
        Envelope env = notice.original();
        boolean full = returned == Returned.FULL && env.size() <= sizeLimit;
        byte[] attached = full ? readUpTo(original, sizeLimit) : header(original, sizeLimit);
        boolean international = env.smtpUtf8() || !isAscii(notice.to()) || !isAscii(env.sender())
                || notice.recipients().stream().anyMatch(r -> !isAscii(r.finalRecipient())
                        || r.originalRecipient() != null && !isAscii(r.originalRecipient()));
        boolean eightBit = !isAscii(attached) || international;

        // RFC 2046 section 5.1.1: at most 70 characters, and not in the content; random makes a clash unlikely.
        String boundary = "=_postern_" + HexFormat.of().formatHex(randomBytes());
        StringBuilder head = new StringBuilder();
        header(head, "Date", RFC5322_DATE.format(notice.date().atZone(notice.zone())));
        header(head, "From", notice.from() + " (Mail Delivery System)");
        header(head, "Subject", subject(notice.kind()));
        header(head, "To", notice.to().isEmpty() ? "<>" : notice.to());
        // RFC 3834 section 5: a machine-generated reply; no auto-responder answers it.
        header(head, "Auto-Submitted", "auto-replied");
        header(head, "Message-ID", "<" + env.queueId() + "." + notice.date().toEpochMilli() + "@"
                + notice.reportingMta() + ">");
        header(head, "MIME-Version", "1.0");
        header(head, "Content-Type", "multipart/report; report-type=delivery-status; boundary=\""
                + boundary + "\"");
        header(head, "Content-Transfer-Encoding", eightBit ? "8bit" : "7bit");
        head.append(CRLF);
        head.append("This is a MIME-encapsulated message.").append(CRLF).append(CRLF);

        // Part 1: for the human reader (RFC 6522 section 3).
        String text = humanText(notice, full ? Returned.FULL : Returned.HEADERS, attached.length > 0);
        head.append("--").append(boundary).append(CRLF);
        head.append("Content-Description: Notification").append(CRLF);
        head.append("Content-Type: text/plain; charset=").append(isAscii(text) ? "us-ascii" : "utf-8").append(CRLF);
        head.append("Content-Transfer-Encoding: ").append(isAscii(text) ? "7bit" : "8bit").append(CRLF).append(CRLF);
        head.append(text);

        // Part 2: the delivery-status fields (RFC 3464 section 2; RFC 6533 section 6 for UTF-8).
        head.append(CRLF).append("--").append(boundary).append(CRLF);
        head.append("Content-Description: Delivery report").append(CRLF);
        head.append("Content-Type: ").append(international ? "message/global-delivery-status" : "message/delivery-status")
                .append(CRLF);
        head.append("Content-Transfer-Encoding: ").append(international ? "8bit" : "7bit").append(CRLF).append(CRLF);
        head.append(statusFields(notice, international));

        // Part 3: what is returned of the original (RFC 3462/6522 text/rfc822-headers, RFC 6533 message/global*).
        head.append(CRLF).append("--").append(boundary).append(CRLF);
        String what = notice.kind() == Action.FAILED ? "Undelivered Message" : "Message";
        head.append("Content-Description: ").append(what).append(full ? "" : " Headers").append(CRLF);
        String type = full ? (env.smtpUtf8() ? "message/global" : "message/rfc822")
                : (env.smtpUtf8() ? "message/global-headers" : "text/rfc822-headers");
        head.append("Content-Type: ").append(type).append(CRLF);
        head.append("Content-Transfer-Encoding: ").append(isAscii(attached) ? "7bit" : "8bit").append(CRLF).append(CRLF);

        ByteArrayOutputStream out = new ByteArrayOutputStream(head.length() + attached.length + 256);
        out.write(head.toString().getBytes(StandardCharsets.UTF_8));
        out.write(attached);
        if (attached.length > 0 && attached[attached.length - 1] != '\n') {
            out.write(CRLF.getBytes(StandardCharsets.US_ASCII));
        }
        out.write((CRLF + "--" + boundary + "--" + CRLF).getBytes(StandardCharsets.US_ASCII));
        return new Built(out.toByteArray(), eightBit, international);
    }

    private static String subject(Action kind) {
        return switch (kind) {
            case FAILED -> "Undeliverable: your message was returned";
            case DELAYED -> "Delivery delayed: your message is still queued";
            case DELIVERED, RELAYED -> "Delivery report: your message was delivered";
        };
    }

    /** The explanation for people, in Postern's words (RFC 6522 section 3: "human-readable"). */
    private static String humanText(Notice notice, Returned returned, boolean anythingAttached) {
        Envelope env = notice.original();
        StringBuilder t = new StringBuilder();
        line(t, "This report comes from the mail server " + notice.reportingMta() + ".");
        line(t, "");
        switch (notice.kind()) {
            case FAILED -> {
                line(t, "Your message could not be delivered to the recipients listed below, and");
                line(t, "the server has given up on them. The reason for each recipient follows.");
                if (anythingAttached) {
                    line(t, returned == Returned.FULL ? "Your message is attached at the end of this report."
                            : "The header of your message is attached at the end of this report.");
                }
            }
            case DELAYED -> {
                line(t, "Your message has not yet been delivered to the recipients listed below.");
                line(t, "This is only a warning: the server keeps trying, and you need not send");
                line(t, "the message again.");
                if (notice.willRetryUntil() != null) {
                    line(t, "Delivery will be retried until "
                            + RFC5322_DATE.format(notice.willRetryUntil().atZone(notice.zone())) + ".");
                }
                line(t, "If it still fails by then, you will get another report.");
            }
            case DELIVERED, RELAYED -> {
                line(t, "As requested, this report confirms the delivery of your message to the");
                line(t, "recipients listed below.");
            }
        }
        line(t, "");
        line(t, "Queue ID of your message here: " + env.queueId());
        line(t, "Sender: <" + env.sender() + ">");
        line(t, "");
        for (RecipientStatus r : notice.recipients()) {
            String why = switch (r.action()) {
                case FAILED, DELAYED -> r.diagnostic() == null ? "status " + r.status() : r.diagnostic();
                case DELIVERED -> "delivered" + (r.diagnostic() == null ? "" : " (" + r.diagnostic() + ")");
                case RELAYED -> "handed on to a system that sends no delivery reports"
                        + (r.diagnostic() == null ? "" : " (" + r.diagnostic() + ")");
            };
            line(t, "<" + r.finalRecipient() + ">: " + why);
        }
        line(t, "");
        line(t, "If you need help, forward this report to your mail administrator.");
        return t.toString();
    }

    /** The per-message and per-recipient fields of RFC 3464 section 2.2 and 2.3. */
    private static String statusFields(Notice notice, boolean international) {
        Envelope env = notice.original();
        StringBuilder f = new StringBuilder();
        header(f, "Reporting-MTA", "dns; " + notice.reportingMta());                   // 2.2.2
        header(f, "X-Postern-Queue-ID", env.queueId());                                // 2.2: extension fields
        header(f, "X-Postern-Sender", addressType(env.sender(), international) + "; " + env.sender());
        if (env.envId() != null) {
            header(f, "Original-Envelope-Id", env.envId());                             // 2.2.1
        }
        header(f, "Arrival-Date", RFC5322_DATE.format(env.arrival().atZone(notice.zone()))); // 2.2.5
        for (RecipientStatus r : notice.recipients()) {
            f.append(CRLF);                                                              // 2.1: groups split by a blank line
            if (r.originalRecipient() != null) {                                         // 2.3.1
                header(f, "Original-Recipient", originalRecipient(r.originalRecipient()));
            }
            header(f, "Final-Recipient", addressType(r.finalRecipient(), international) + "; "
                    + r.finalRecipient());                                              // 2.3.2
            header(f, "Action", r.action().field());                                     // 2.3.3
            header(f, "Status", r.status());                                             // 2.3.4
            Matcher remote = r.diagnostic() == null ? null : REMOTE_REPLY.matcher(r.diagnostic());
            if (remote != null && remote.matches()) {
                header(f, "Remote-MTA", "dns; " + remote.group(1));                      // 2.3.5
                header(f, "Diagnostic-Code", "smtp; " + remote.group(2));                // 2.3.6
            } else if (r.diagnostic() != null) {
                header(f, "Diagnostic-Code", "X-Postern; " + r.diagnostic());
            }
            if (r.lastAttempt() != null) {
                header(f, "Last-Attempt-Date", RFC5322_DATE.format(r.lastAttempt().atZone(notice.zone()))); // 2.3.7
            }
            if (r.action() == Action.DELAYED && notice.willRetryUntil() != null) {
                header(f, "Will-Retry-Until", RFC5322_DATE.format(notice.willRetryUntil().atZone(notice.zone()))); // 2.3.8
            }
        }
        return f.toString();
    }

    /** ORCPT is stored as {@code type;address}; the field puts a space after the semicolon. */
    private static String originalRecipient(String orcpt) {
        int semi = orcpt.indexOf(';');
        return semi < 0 ? "rfc822; " + orcpt : orcpt.substring(0, semi) + "; " + orcpt.substring(semi + 1);
    }

    /** RFC 3464 section 2.3.2 address type; RFC 6533 section 3 "utf-8" for non-ASCII addresses. */
    private static String addressType(String address, boolean international) {
        return international && !isAscii(address) ? "utf-8" : "rfc822";
    }

    /** One header field, folded at spaces so that lines stay under 78 characters where possible (RFC 5322 2.2.3). */
    private static void header(StringBuilder sb, String name, String value) {
        sb.append(name).append(':');
        int column = name.length() + 1;
        for (String word : value.split(" ")) {
            if (column + 1 + word.length() > 78 && column > name.length() + 1) {
                sb.append(CRLF).append('\t');
                column = 8;
            } else {
                sb.append(' ');
                column++;
            }
            sb.append(word);
            column += word.length();
        }
        sb.append(CRLF);
    }

    private static void line(StringBuilder sb, String text) {
        sb.append(text).append(CRLF);
    }

    /** Up to {@code limit} bytes: the whole of a message known to fit. */
    private static byte[] readUpTo(InputStream in, long limit) throws IOException {
        return in.readNBytes((int) Math.min(Integer.MAX_VALUE - 16, limit));
    }

    /**
     * The header section of a message: its lines up to, not including, the empty line that
     * ends it (RFC 5322 section 2.1). Stops before a line that would take it over {@code limit} bytes.
     */
    static byte[] header(InputStream in, long limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        do {
            b = in.read();
            if (b >= 0) {
                line.write(b);
            }
            if (b == '\n' || b < 0 && line.size() > 0) {
                byte[] l = line.toByteArray();
                boolean empty = l.length == 1 || l.length == 2 && l[0] == '\r';
                if (empty && b == '\n' || out.size() + l.length > limit) {
                    break;
                }
                out.write(l);
                line.reset();
            }
        } while (b >= 0);
        return out.toByteArray();
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return b;
    }

    static boolean isAscii(String s) {
        return s == null || s.chars().allMatch(c -> c < 0x80);
    }

    private static boolean isAscii(byte[] b) {
        for (byte x : b) {
            if (x < 0) {
                return false;
            }
        }
        return true;
    }
}
