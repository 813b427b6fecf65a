package org.postern.delivery.smtp;

import java.util.Objects;

/**
 * A user name and password for AUTH to a remote server (RFC 4954), from
 * {@code smtp_sasl_password_maps} ({@code username:password}).
 */
public record SaslCredentials(String username, String password) {

    public SaslCredentials {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    /** Parses a table value {@code username:password} (the password may contain colons). */
    public static SaslCredentials parse(String value) {
        int colon = value.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected username:password");
        }
        return new SaslCredentials(value.substring(0, colon), value.substring(colon + 1));
    }

    @Override
    public String toString() {
        return "SaslCredentials[" + username + ", password hidden]";
    }
}
