package org.postern.smtp;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.postern.mail.Utf8;

/**
 * The server side of SMTP AUTH exchanges (RFC 4954 section 4) for the PLAIN (RFC 4616) and LOGIN
 * (draft-murchison-sasl-login) mechanisms: pure state machines that decode what the client sends
 * and return the next challenge, the credentials, or the failure reply. Checking the credentials
 * is the caller's job (no store access here).
 *
 * <p>Use: {@code Exchange x = Sasl.start(cmd.mechanism())}; if null the mechanism is not
 * supported. Call {@link Exchange#start(String)} with the initial response (null if none), then
 * {@link Exchange#next(String)} with each client line while the step is a {@link Challenge}.
 * A line "*" cancels (RFC 4954 section 4: {@code 501 5.7.0 Authentication aborted}).
 *
 * <p>Failure texts are those of Postfix 3.7.11 with its Dovecot back end (lab): malformed base64
 * gives {@code 535 5.7.8 Error: authentication failed: Invalid base64 data in initial response}
 * (or "continued response"); an empty or malformed PLAIN message gives
 * {@link Replies#AUTH_FAILED} ({@code ... authentication failed: (reason unavailable)}), as does
 * a wrong password; an unknown mechanism is {@link Replies#INVALID_MECHANISM}.
 */
public final class Sasl {
    /** Mechanisms implemented here, in Postfix's usual EHLO order. */
    public static final List<String> MECHANISMS = List.of("PLAIN", "LOGIN");

    /** base64("Username:") and base64("Password:"), the LOGIN prompts. */
    static final SmtpReply USERNAME_PROMPT = Replies.challenge("VXNlcm5hbWU6");
    static final SmtpReply PASSWORD_PROMPT = Replies.challenge("UGFzc3dvcmQ6");
    static final SmtpReply EMPTY_CHALLENGE = Replies.challenge("");
    static final SmtpReply BAD_INITIAL_BASE64 = Replies.authFailed("Invalid base64 data in initial response");
    static final SmtpReply BAD_CONTINUED_BASE64 = Replies.authFailed("Invalid base64 data in continued response");

    private Sasl() {
    }

    /**
     * What the client proved it knows. {@code authzid} is "" when the client asked for no other
     * identity (RFC 4616 section 2).
     */
    public record Credentials(String authzid, String authcid, String password) {
        @Override
        public String toString() {
            return "Credentials[authzid=" + authzid + ", authcid=" + authcid + ", password=***]";
        }
    }

    /** One step of an exchange. */
    public sealed interface Step permits Challenge, Done, Failed {
    }

    /** Send {@link #reply()} (a 334) and pass the client's next line to {@link Exchange#next}. */
    public record Challenge(SmtpReply reply) implements Step {
    }

    /** The client sent credentials; verify them and reply 235 or 535. */
    public record Done(Credentials credentials) implements Step {
    }

    /** The exchange failed; send {@link #reply()}. */
    public record Failed(SmtpReply reply) implements Step {
    }

    /** An exchange for {@code mechanism} (case-insensitive), or null when it is not supported. */
    public static Exchange start(String mechanism) {
        return switch (mechanism.toUpperCase(Locale.ROOT)) {
            case "PLAIN" -> new Plain();
            case "LOGIN" -> new Login();
            default -> null;
        };
    }

    /** One AUTH exchange. Not reusable. */
    public abstract static sealed class Exchange permits Plain, Login {
        /**
         * Begins the exchange.
         *
         * @param initialResponse the AUTH command's initial response ("" for "="), or null
         */
        public abstract Step start(String initialResponse);

        /** Takes the client's answer to a challenge. */
        public final Step next(String line) {
            if (line.equals("*")) {
                return new Failed(Replies.AUTH_ABORTED);
            }
            byte[] data = decode(line);
            if (data == null) {
                return new Failed(BAD_CONTINUED_BASE64);
            }
            return answer(data);
        }

        abstract Step answer(byte[] data);

        Step initial(String ir) {
            if (ir.equals("*")) {
                return new Failed(Replies.AUTH_ABORTED);
            }
            byte[] data = decode(ir);
            return data == null ? new Failed(BAD_INITIAL_BASE64) : answer(data);
        }
    }

    /** RFC 4616 section 2: {@code message = [authzid] UTF8NUL authcid UTF8NUL passwd}. */
    static final class Plain extends Exchange {
        @Override
        public Step start(String initialResponse) {
            // RFC 4954 section 4: no initial response, so an empty challenge.
            return initialResponse == null ? new Challenge(EMPTY_CHALLENGE) : initial(initialResponse);
        }

        @Override
        Step answer(byte[] m) {
            int first = indexOf(m, 0);
            int second = first < 0 ? -1 : indexOf(m, first + 1);
            if (second < 0 || indexOf(m, second + 1) >= 0) {
                return new Failed(Replies.AUTH_FAILED);
            }
            // authcid and passwd: 1*SAFE (non-empty), at most 255 octets each; UTF-8.
            int authcidLength = second - first - 1;
            int passwdLength = m.length - second - 1;
            if (authcidLength == 0 || passwdLength == 0 || first > 255 || authcidLength > 255 || passwdLength > 255
                    || !Utf8.isValid(m, 0, m.length)) {
                return new Failed(Replies.AUTH_FAILED);
            }
            return new Done(new Credentials(
                    new String(m, 0, first, StandardCharsets.UTF_8),
                    new String(m, first + 1, authcidLength, StandardCharsets.UTF_8),
                    new String(m, second + 1, passwdLength, StandardCharsets.UTF_8)));
        }
    }

    /** LOGIN: username, then password, each base64 after a 334 prompt. */
    static final class Login extends Exchange {
        private String username;

        @Override
        public Step start(String initialResponse) {
            // A LOGIN initial response is the user name.
            return initialResponse == null ? new Challenge(USERNAME_PROMPT) : initial(initialResponse);
        }

        @Override
        Step answer(byte[] data) {
            if (!Utf8.isValid(data, 0, data.length) || indexOf(data, 0) >= 0) {
                return new Failed(Replies.AUTH_FAILED);
            }
            String s = new String(data, StandardCharsets.UTF_8);
            if (username == null) {
                username = s;
                return new Challenge(PASSWORD_PROMPT);
            }
            return new Done(new Credentials("", username, s));
        }
    }

    private static byte[] decode(String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
