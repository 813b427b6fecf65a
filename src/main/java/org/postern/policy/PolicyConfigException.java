package org.postern.policy;

/** A configuration the engine cannot run with, e.g. the relay-safety failure of section 1.5. */
public final class PolicyConfigException extends RuntimeException {
    public PolicyConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    public PolicyConfigException(String message) {
        super(message);
    }
}
