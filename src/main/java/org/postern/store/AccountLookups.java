package org.postern.store;

import java.util.List;
import java.util.Optional;

/**
 * The read side of the account store that mail processing needs. It backs the
 * {@code postern:} lookup tables ({@code postern:domains}, {@code postern:mailboxes},
 * {@code postern:aliases}, {@code postern:sender_logins}).
 *
 * <p>All arguments are compared case-insensitively (stored lower case). A database failure is a
 * {@link StoreException}, which the lookup layer reports as a temporary failure.
 */
public interface AccountLookups {

    /** True if the domain is a hosted (virtual mailbox) domain. */
    boolean domainExists(String domain) throws StoreException;

    /**
     * For an enabled mailbox, its Maildir path relative to {@code virtual_mailbox_base}
     * ({@code domain/localpart/}); empty for unknown or disabled mailboxes.
     */
    Optional<String> mailboxPath(String address) throws StoreException;

    /**
     * Destinations of an alias source, which is a full address or a catch-all {@code @domain};
     * empty list when there is none. Exact key only: the caller does Postfix's search order.
     * An enabled mailbox without alias rows returns itself, so that a catch-all only catches
     * addresses that do not exist (Postfix keeps a self-reference and stops expanding it).
     */
    List<String> aliasDestinations(String source) throws StoreException;

    /**
     * Logins that may use this envelope sender (exact key: a full address or {@code @domain}).
     * A mailbox always owns its own address, so an existing mailbox address returns at least
     * itself.
     */
    List<String> senderLogins(String address) throws StoreException;
}
