package org.postern.delivery;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reply of the SMTP or LMTP server a delivery agent talks to: the three-digit code and the
 * text of each line (RFC 5321 section 4.2), as {@link SmtpWire#readReply} reads it.
 */
public record Reply(int code, List<String> lines) {

    /** RFC 3463 enhanced status code at the start of a reply text (RFC 2034 section 4). */
    private static final Pattern ENHANCED = Pattern.compile("^([245])\\.(\\d{1,3})\\.(\\d{1,3})(?=\\s|$)");

    public Reply {
        lines = List.copyOf(lines);
    }

    /** The reply as one line, {@code 250 2.0.0 text}, lines joined by a space (as Postfix logs it). */
    public String text() {
        return code + " " + String.join(" ", lines).strip();
    }

    /** The first digit of the code: 2 positive, 3 intermediate, 4 temporary, 5 permanent. */
    public int kind() {
        return code / 100;
    }

    public boolean positive() {
        return kind() == 2;
    }

    /**
     * The reply's enhanced status code, or {@code class.0.0} when it has none or one whose class
     * disagrees with the reply code (RFC 2034 section 4); 4.0.0 for a reply that is neither 2, 4 nor 5.
     */
    public String dsn() {
        int cls = kind();
        if (cls != 2 && cls != 4 && cls != 5) {
            return "4.0.0";
        }
        Matcher m = ENHANCED.matcher(lines.isEmpty() ? "" : lines.getFirst());
        if (m.find() && Integer.parseInt(m.group(1)) == cls) {
            return m.group(1) + "." + m.group(2) + "." + m.group(3);
        }
        return cls + ".0.0";
    }
}
