package org.postern.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.postern.config.ParameterSet;
import org.postern.lookup.LookupException;
import org.postern.lookup.LookupTables;
import org.postern.lookup.TableConfigException;

/**
 * Address classes of trivial-rewrite (postfix-restrictions.md section 4.3) and the authorized
 * destination test of {@code permit_auth_destination} (section 2.5). Used by the restriction
 * engine and by the server for routing. Thread-safe once built.
 *
 * <p>A table lookup failure is thrown as {@link LookupException}; callers turn it into
 * {@code 451 4.3.0 <address>: Temporary lookup failure} (section 2.8).
 */
public final class AddressClassifier {

    /** The address classes, checked in this order. */
    public enum AddressClass {
        LOCAL, VIRTUAL_ALIAS, VIRTUAL_MAILBOX, RELAY, DEFAULT;

        /** Final classes are delivered here (section 4.3). */
        public boolean isFinal() {
            return this == LOCAL || this == VIRTUAL_ALIAS || this == VIRTUAL_MAILBOX;
        }
    }

    private final DomainList mydestination;
    private final DomainList virtualAlias;
    private final DomainList virtualMailbox;
    private final DomainList relay;
    private final List<IpNet> interfaces;
    private final boolean allowUntrustedRouting;
    private final String myorigin;

    /** Opens the domain-list tables of {@code params}; throws on a broken table reference. */
    public AddressClassifier(ParameterSet params, LookupTables tables) throws TableConfigException {
        List<String> parentMatching = params.list("parent_domain_matches_subdomains");
        this.mydestination = DomainList.parse(params.get("mydestination"), tables, false);
        this.virtualAlias = DomainList.parse(params.get("virtual_alias_domains"), tables, false);
        this.virtualMailbox = DomainList.parse(params.get("virtual_mailbox_domains"), tables, false);
        this.relay = DomainList.parse(params.get("relay_domains"), tables, parentMatching.contains("relay_domains"));
        this.interfaces = interfaceAddresses(params);
        this.allowUntrustedRouting = params.bool("allow_untrusted_routing");
        this.myorigin = params.get("myorigin").toLowerCase(Locale.ROOT);
    }

    /** inet_interfaces plus proxy_interfaces as addresses ("all" means every local interface). */
    static List<IpNet> interfaceAddresses(ParameterSet params) {
        List<IpNet> out = new ArrayList<>();
        List<String> items = new ArrayList<>(params.list("inet_interfaces"));
        items.addAll(params.list("proxy_interfaces"));
        for (String i : items) {
            if (i.equalsIgnoreCase("all")) {
                out.addAll(IpNet.interfaces(false));
            } else if (i.equalsIgnoreCase("loopback-only")) {
                out.add(IpNet.parse("127.0.0.1"));
                out.add(IpNet.parse("[::1]"));
            } else {
                IpNet n = IpNet.parse(i);
                if (n != null) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    /** True if the address is one of this host's inet_interfaces / proxy_interfaces. */
    boolean isOwnAddress(String address) {
        byte[] ip = IpNet.bytes(address);
        for (IpNet n : interfaces) {
            if (n.contains(ip)) {
                return true;
            }
        }
        return false;
    }

    /** The class of a domain (without "@"); an address literal {@code [addr]} is local when it is ours. */
    public AddressClass classify(String domain) throws LookupException {
        String d = domain.toLowerCase(Locale.ROOT);
        if (d.startsWith("[") && d.endsWith("]")) {
            return isOwnAddress(d.substring(1, d.length() - 1)) ? AddressClass.LOCAL : AddressClass.DEFAULT;
        }
        if (mydestination.matches(d)) {
            return AddressClass.LOCAL;
        }
        if (virtualAlias.matches(d)) {
            return AddressClass.VIRTUAL_ALIAS;
        }
        if (virtualMailbox.matches(d)) {
            return AddressClass.VIRTUAL_MAILBOX;
        }
        if (relay.matches(d)) {
            return AddressClass.RELAY;
        }
        return AddressClass.DEFAULT;
    }

    /** The class of an address's domain; an address without a domain gets {@code $myorigin}. */
    public AddressClass classifyAddress(String address) throws LookupException {
        return classify(domainOf(address));
    }

    /** The domain part as resolved: after the last '@', or {@code $myorigin}. */
    public String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? myorigin : Addresses.withoutTrailingDots(address.substring(at + 1));
    }

    /**
     * Section 2.5 permit_auth_destination: the domain is final or a relay domain, and the
     * address has no sender-specified routing ({@code user@a@b}, {@code user%a@b},
     * {@code a!user@b}) unless {@code allow_untrusted_routing=yes}.
     */
    public boolean isAuthorizedDestination(String recipient) throws LookupException {
        String r = Addresses.strip(recipient);
        AddressClass c = classifyAddress(r);
        if (c == AddressClass.DEFAULT) {
            return false;
        }
        return allowUntrustedRouting || !hasSenderRouting(r);
    }

    /** True for user@a@b, user%a@b and a!user@b forms (section 2.5). */
    public static boolean hasSenderRouting(String address) {
        int at = address.lastIndexOf('@');
        String local = at < 0 ? address : address.substring(0, at);
        return local.indexOf('@') >= 0 || local.indexOf('%') >= 0 || local.indexOf('!') >= 0;
    }
}
