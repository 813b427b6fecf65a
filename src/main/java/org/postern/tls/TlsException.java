package org.postern.tls;

/**
 * Thrown when TLS material or settings cannot be used. The message is written for the operator:
 * it names the file or parameter and says what is wrong and, where possible, how to fix it.
 */
public class TlsException extends Exception {

    public TlsException(String message) {
        super(message);
    }

    public TlsException(String message, Throwable cause) {
        super(message, cause);
    }
}
