package org.postern.spf;

/** A syntax error in an SPF record or macro string: {@code permerror} (RFC 7208 section 4.6). */
final class SpfSyntaxException extends Exception {

    SpfSyntaxException(String message) {
        super(message, null, false, false);
    }
}
