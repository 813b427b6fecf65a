package org.postern.config;

/**
 * One configuration error or warning, phrased for a human: where it is, the offending text,
 * what is wrong, and what would be valid.
 *
 * <p>Rendered as {@code main.cf:12: error: smtpd_timeout = 5x: malformed time value; use a
 * number with an optional unit s, m, h, d or w (e.g. 300s)}.
 */
public record ConfigProblem(Severity severity, Origin origin, String text, String message, String fix) {

    public enum Severity { ERROR, WARNING }

    public static ConfigProblem error(Origin origin, String text, String message, String fix) {
        return new ConfigProblem(Severity.ERROR, origin, text, message, fix);
    }

    public static ConfigProblem warning(Origin origin, String text, String message, String fix) {
        return new ConfigProblem(Severity.WARNING, origin, text, message, fix);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(origin).append(": ").append(severity == Severity.ERROR ? "error" : "warning").append(": ");
        if (text != null && !text.isEmpty()) {
            sb.append(text).append(": ");
        }
        sb.append(message);
        if (fix != null && !fix.isEmpty()) {
            sb.append("; ").append(fix);
        }
        return sb.toString();
    }
}
