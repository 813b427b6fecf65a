package org.postern.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.postern.lookup.AddressSearch;
import org.postern.lookup.LookupException;
import org.postern.lookup.LookupTable;
import org.postern.lookup.TableList;
import org.postern.policy.AddressClassifier;
import org.postern.policy.AddressClassifier.AddressClass;

/**
 * Postfix's trivial-rewrite resolver for Postern's address classes (ADDRESS_CLASS_README,
 * transport(5)): which transport and next hop a recipient goes to.
 *
 * <ol>
 *   <li>The address class decides the default: hosted mailboxes (and local and alias
 *       domains) go to {@code virtual_transport}, {@code relay_domains} to
 *       {@code relay_transport}, everything else to {@code default_transport}.</li>
 *   <li>{@code transport_maps} may override it, searched by the full address, the address
 *       without its extension, the domain, each parent domain ({@code .parent}, or
 *       {@code parent} when {@code parent_domain_matches_subdomains} lists transport_maps),
 *       then {@code *}. An empty transport or next hop in the result keeps the default.</li>
 *   <li>The next hop is, in this order: the one from transport_maps, the one written in the
 *       class's transport parameter ({@code relay_transport = relay:[gw]}); for the relay and
 *       default classes then {@code sender_dependent_relayhost_maps} (by sender address, then
 *       {@code @domain}) and {@code relayhost}; else the recipient domain.</li>
 * </ol>
 */
public final class RecipientRouter implements Router {

    private final AddressClassifier classifier;
    private final Route virtualTransport;
    private final Route relayTransport;
    private final Route defaultTransport;
    private final String relayhost;
    private final LookupTable transportMaps;
    private final LookupTable senderRelayhosts;
    private final AddressSearch extensions;
    private final boolean parentMatchesSubdomains;

    /**
     * @param transportMaps    {@code transport_maps}, or null
     * @param senderRelayhosts {@code sender_dependent_relayhost_maps}, or null
     * @param recipientDelimiter for the lookup without address extension
     */
    public RecipientRouter(AddressClassifier classifier, String virtualTransport, String relayTransport,
                           String defaultTransport, String relayhost, LookupTable transportMaps,
                           LookupTable senderRelayhosts, String recipientDelimiter, boolean parentMatchesSubdomains) {
        this.classifier = classifier;
        this.virtualTransport = Route.parse(virtualTransport);
        this.relayTransport = Route.parse(relayTransport);
        this.defaultTransport = Route.parse(defaultTransport);
        this.relayhost = relayhost.trim();
        this.transportMaps = transportMaps;
        this.senderRelayhosts = senderRelayhosts;
        this.extensions = new AddressSearch(recipientDelimiter, false);
        this.parentMatchesSubdomains = parentMatchesSubdomains;
    }

    @Override
    public Route route(String recipient) throws RouteException {
        return route("", recipient);
    }

    @Override
    public Route route(String sender, String recipient) throws RouteException {
        try {
            AddressClass addressClass = classifier.classifyAddress(recipient);
            Route base = switch (addressClass) {
                case VIRTUAL_MAILBOX, LOCAL, VIRTUAL_ALIAS -> virtualTransport;
                case RELAY -> relayTransport;
                case DEFAULT -> defaultTransport;
            };
            Route override = transportMapsRoute(recipient);
            String transport = override != null && !override.transport().isEmpty() ? override.transport() : base.transport();
            String nexthop = override != null ? override.nexthop() : "";
            if (nexthop.isEmpty()) {
                nexthop = base.nexthop();
            }
            if (nexthop.isEmpty() && !addressClass.isFinal()) {
                nexthop = senderRelayhost(sender);
                if (nexthop.isEmpty()) {
                    nexthop = relayhost;
                }
            }
            if (nexthop.isEmpty()) {
                nexthop = domainOf(recipient);
            }
            return new Route(transport, nexthop);
        } catch (LookupException e) {
            throw new RouteException(e.getMessage(), e);
        }
    }

    /** The transport_maps result for a recipient, or null (transport(5) search order). */
    private Route transportMapsRoute(String recipient) throws LookupException {
        if (transportMaps == null) {
            return null;
        }
        List<String> keys = transportKeys(recipient.toLowerCase(Locale.ROOT));
        for (int i = 0; i < keys.size(); i++) {
            // Pattern tables (regexp, pcre) see only the whole address (transport(5), REGULAR EXPRESSION TABLES).
            Optional<String> value = transportMaps instanceof TableList list ? list.find(keys.get(i), i > 0)
                    : i == 0 || transportMaps.fixedString() ? transportMaps.find(keys.get(i)) : Optional.empty();
            if (value.isPresent()) {
                return Route.parse(value.get().trim());
            }
        }
        return null;
    }

    List<String> transportKeys(String address) {
        List<String> keys = new ArrayList<>();
        keys.add(address);
        int at = address.lastIndexOf('@');
        if (at > 0) {
            String base = extensions.baseLocalpart(address.substring(0, at)) + address.substring(at);
            if (!keys.contains(base)) {
                keys.add(base);
            }
            String domain = address.substring(at + 1);
            if (!domain.isEmpty()) {
                keys.add(domain);
                for (int dot = domain.indexOf('.'); dot >= 0; dot = domain.indexOf('.', dot + 1)) {
                    keys.add(parentMatchesSubdomains ? domain.substring(dot + 1) : domain.substring(dot));
                }
            }
        }
        keys.add("*");
        return keys;
    }

    /** sender_dependent_relayhost_maps: the sender address, then {@code @domain}; empty for the null sender. */
    private String senderRelayhost(String sender) throws LookupException {
        if (senderRelayhosts == null || sender.isEmpty()) {
            return "";
        }
        String s = sender.toLowerCase(Locale.ROOT);
        int at = s.lastIndexOf('@');
        List<String> keys = at < 0 ? List.of(s) : List.of(s, s.substring(at));
        for (String key : keys) {
            Optional<String> value = senderRelayhosts.find(key);
            if (value.isPresent() && !value.get().isBlank()) {
                return value.get().trim();
            }
        }
        return "";
    }

    private static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1);
    }
}
