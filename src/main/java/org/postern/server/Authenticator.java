package org.postern.server;

/** Checks SMTP AUTH credentials (RFC 4954) against the account store. */
@FunctionalInterface
public interface Authenticator {

    enum Result {
        /** The password is right and the account enabled. */
        OK,
        /** Unknown user, wrong password or disabled account: 535 5.7.8, and counted as a failure. */
        FAILED,
        /** The store could not answer: 454 4.7.0, not counted. */
        TEMPORARY_FAILURE
    }

    /**
     * @param username the authentication identity as sent (an email address for Postern users)
     * @param password the password; the caller clears the array afterwards
     */
    Result authenticate(String username, char[] password);
}
