package org.postern.dkim;

/** A tag list, signature or key record that cannot be used; the message says why. */
public final class DkimSyntaxException extends Exception {
    public DkimSyntaxException(String message) {
        super(message);
    }
}
