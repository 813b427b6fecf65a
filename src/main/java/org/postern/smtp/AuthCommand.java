package org.postern.smtp;

/**
 * A parsed {@code AUTH mechanism [initial-response]} (RFC 4954 section 4).
 *
 * @param mechanism       the SASL mechanism, upper-cased
 * @param initialResponse the base64 initial response; "" when the client sent "=" (an empty
 *                        response); null when there was none
 */
public record AuthCommand(String mechanism, String initialResponse) {
}
