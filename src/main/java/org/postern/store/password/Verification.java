package org.postern.store.password;

/**
 * The result of checking a password against a stored hash.
 *
 * @param ok whether the password matches
 * @param warning {@code null}, or a message for the operator: the stored hash uses a weak or
 *     legacy scheme and should be replaced, or the stored hash could not be read at all. It
 *     never contains the password or the hash.
 */
public record Verification(boolean ok, String warning) {

    static Verification unreadable(String why) {
        return new Verification(false, why);
    }
}
