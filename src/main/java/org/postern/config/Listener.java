package org.postern.config;

/**
 * An SMTP listener: a master.cf {@code inet} service whose command is {@code smtpd}, with its
 * effective parameters (main.cf plus the service's {@code -o} overrides).
 *
 * @param name       the master.cf service field, e.g. {@code smtp}, {@code submission} or
 *                   {@code 127.0.0.1:2525}
 * @param host       the address to bind, or null for every address of {@code inet_interfaces}
 * @param port       the TCP port
 * @param parameters the effective parameters of this listener
 * @param service    the master.cf entry it comes from
 */
public record Listener(String name, String host, int port, ParameterSet parameters, MasterService service) {

    /** True for implicit TLS (port 465 style): {@code smtpd_tls_wrappermode = yes}. */
    public boolean wrapperMode() {
        return parameters.bool("smtpd_tls_wrappermode");
    }

    public Origin origin() {
        return service.origin();
    }
}
