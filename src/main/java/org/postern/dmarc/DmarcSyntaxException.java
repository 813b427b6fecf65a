package org.postern.dmarc;

/** A TXT record that is not a usable DMARC policy record; the message says why. */
public final class DmarcSyntaxException extends Exception {

    public DmarcSyntaxException(String message) {
        super(message);
    }
}
