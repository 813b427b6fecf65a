package org.postern.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.postern.config.PostfixLists;
import org.postern.lookup.LookupException;
import org.postern.lookup.LookupTable;
import org.postern.lookup.LookupTables;
import org.postern.lookup.TableConfigException;

/**
 * A Postfix address list such as {@code mynetworks} (postfix-restrictions.md section 4.3): CIDR
 * networks, addresses, {@code [ipv6]/len}, host names (parent domains match when the list is in
 * {@code parent_domain_matches_subdomains}), {@code /file} entries, {@code type:table} lookups of
 * the client address, and {@code !} exclusions. The first matching entry decides.
 */
public final class NetworkList {

    private sealed interface Entry permits Net, Name, Table { }

    private record Net(boolean negate, IpNet net) implements Entry { }

    private record Name(boolean negate, String name) implements Entry { }

    private record Table(boolean negate, LookupTable table) implements Entry { }

    private final List<Entry> entries;
    private final boolean parentMatches;

    private NetworkList(List<Entry> entries, boolean parentMatches) {
        this.entries = entries;
        this.parentMatches = parentMatches;
    }

    static NetworkList of(List<IpNet> nets) {
        List<Entry> entries = new ArrayList<>();
        nets.forEach(n -> entries.add(new Net(false, n)));
        return new NetworkList(entries, false);
    }

    public static NetworkList parse(String value, LookupTables tables, boolean parentMatches)
            throws TableConfigException {
        List<Entry> entries = new ArrayList<>();
        ListItems.walk(value, (negate, s) -> {
            if (PostfixLists.isTable(s)) {
                entries.add(new Table(negate, tables.open(s)));
            } else {
                IpNet net = IpNet.parse(s);
                entries.add(net != null ? new Net(negate, net) : new Name(negate, s.toLowerCase(Locale.ROOT)));
            }
        });
        return new NetworkList(entries, parentMatches);
    }

    /**
     * True if the client matches.
     *
     * @param address the client IP address
     * @param name    the verified client name or {@code unknown}
     */
    public boolean matches(String address, String name) throws LookupException {
        byte[] ip = IpNet.bytes(address);
        String host = name == null ? "unknown" : name.toLowerCase(Locale.ROOT);
        for (Entry e : entries) {
            switch (e) {
                case Net n -> {
                    if (n.net().contains(ip)) {
                        return !n.negate();
                    }
                }
                case Name n -> {
                    if (!host.equals("unknown") && (host.equals(n.name())
                            || parentMatches && host.endsWith("." + n.name())
                            || n.name().startsWith(".") && host.endsWith(n.name()))) {
                        return !n.negate();
                    }
                }
                case Table t -> {
                    if (t.table().find(address).isPresent()) {
                        return !t.negate();
                    }
                }
            }
        }
        return false;
    }
}
