package org.postern.queue;

/**
 * Decides which transport and next hop a recipient goes to (Postfix's trivial-rewrite:
 * {@code transport_maps}, {@code virtual_transport}, {@code default_transport}, ...).
 */
@FunctionalInterface
public interface Router {

    /**
     * The route of one recipient address.
     *
     * @throws RouteException when the route cannot be decided now (a table lookup failed); the
     *                        recipient is deferred
     */
    Route route(String recipient) throws RouteException;

    /**
     * The route of one recipient of a message from {@code sender} ("" for the null sender);
     * routers with sender-dependent rules ({@code sender_dependent_relayhost_maps}) override this.
     */
    default Route route(String sender, String recipient) throws RouteException {
        return route(recipient);
    }

    /** A transport name as in master.cf ({@code virtual}, {@code lmtp}, {@code smtp}, ...) and its next hop. */
    record Route(String transport, String nexthop) {

        /** Parses Postfix's {@code transport:nexthop} form ({@code lmtp:unix:private/dovecot-lmtp}). */
        public static Route parse(String value) {
            int colon = value.indexOf(':');
            return colon < 0 ? new Route(value, "") : new Route(value.substring(0, colon), value.substring(colon + 1));
        }
    }

    /** A temporary routing failure. */
    final class RouteException extends Exception {
        public RouteException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
