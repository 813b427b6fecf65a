package org.postern.lookup;

import java.util.Optional;

/**
 * A Postfix lookup table ({@code type:name}), e.g. {@code hash:/etc/postfix/access},
 * {@code cidr:/etc/postfix/clients.cidr}, {@code pgsql:/etc/postfix/mailboxes.cf}.
 *
 * <p>Semantics follow Postfix's dict layer: {@link #find} returns the value for a key, empty when
 * the key is not there, and throws {@link LookupException} for a temporary failure (database
 * down, file unreadable), which callers must turn into a 4xx reply, never into "not found".
 */
public interface LookupTable extends AutoCloseable {

    /** The table as written in the configuration, e.g. {@code hash:/etc/postfix/access}. */
    String spec();

    /**
     * Looks up one key. Fixed-string tables fold the key to lower case (as Postfix does for
     * indexed and SQL tables); pattern tables ({@code regexp:}, {@code pcre:}, {@code cidr:})
     * see it unchanged.
     */
    Optional<String> find(String key) throws LookupException;

    /**
     * True for tables that take part in Postfix's partial-key searches (user@domain, domain,
     * parent domains, user@): hash, texthash, inline, static, SQL, postern. False for pattern
     * tables (regexp, pcre, cidr), which are queried once with the whole string
     * (postfix-restrictions.md section 3.2).
     */
    boolean fixedString();

    @Override
    default void close() {
    }
}
