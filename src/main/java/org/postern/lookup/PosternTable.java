package org.postern.lookup;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.postern.store.AccountLookups;
import org.postern.store.StoreException;

/**
 * {@code postern:domains}, {@code postern:mailboxes}, {@code postern:aliases} and
 * {@code postern:sender_logins}: Postern's own account store as Postfix-style fixed-string tables,
 * so main.cf can say {@code virtual_mailbox_maps = postern:mailboxes}. A store failure is a
 * temporary lookup failure.
 */
final class PosternTable implements LookupTable {

    static final List<String> NAMES = List.of("domains", "mailboxes", "aliases", "sender_logins");

    private final String spec;
    private final String name;
    private final Supplier<AccountLookups> accounts;

    PosternTable(String spec, String name, Supplier<AccountLookups> accounts) throws TableConfigException {
        if (!NAMES.contains(name)) {
            throw new TableConfigException(spec + ": unknown postern table \"" + name + "\"; valid are postern:"
                    + String.join(", postern:", NAMES));
        }
        this.spec = spec;
        this.name = name;
        this.accounts = accounts;
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public boolean fixedString() {
        return true;
    }

    @Override
    public Optional<String> find(String rawKey) throws LookupException {
        String key = rawKey.toLowerCase(Locale.ROOT);
        AccountLookups store = accounts.get();
        try {
            return switch (name) {
                case "domains" -> store.domainExists(key) ? Optional.of(key) : Optional.empty();
                case "mailboxes" -> store.mailboxPath(key);
                case "aliases" -> joined(store.aliasDestinations(key));
                default -> joined(store.senderLogins(key));
            };
        } catch (StoreException e) {
            throw new LookupException(spec, e.getMessage(), e);
        }
    }

    private static Optional<String> joined(List<String> values) {
        return values.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", values));
    }
}
