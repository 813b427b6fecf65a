package org.postern.server;

import java.net.InetAddress;
import org.postern.log.MailLog;
import org.postern.lookup.LookupException;
import org.postern.lookup.LookupTables;
import org.postern.lookup.TableConfigException;
import org.postern.policy.NetworkList;

/**
 * A client network list parameter of a listener ({@code smtpd_authorized_xclient_hosts},
 * {@code smtpd_forbid_bare_newline_exclusions}, {@code smtpd_client_event_limit_exceptions},
 * {@code smtpd_sasl_exceptions_networks}) with Postfix's full list syntax, matched by the client
 * address. A table lookup failure counts as no match (the safe side for each of these lists)
 * and is logged.
 */
public final class Networks {

    public static final Networks NONE = new Networks(null, "");

    private final NetworkList list;
    private final String parameter;

    private Networks(NetworkList list, String parameter) {
        this.list = list;
        this.parameter = parameter;
    }

    static Networks parse(String parameter, String value, LookupTables tables) throws TableConfigException {
        return value.isBlank() ? NONE : new Networks(NetworkList.parse(value, tables, false), parameter);
    }

    public boolean contains(InetAddress address) {
        if (list == null) {
            return false;
        }
        try {
            return list.matches(address.getHostAddress(), "unknown");
        } catch (LookupException e) {
            MailLog.logger("smtpd").warn("{} lookup error for {}: {}", parameter, address.getHostAddress(), e.getMessage());
            return false;
        }
    }

    /** An IPv4 or IPv6 literal's bytes, or null; never a DNS lookup. */
    static byte[] literal(String s) {
        if (s.isEmpty() || !(s.indexOf(':') >= 0 || s.matches("[0-9.]+"))) {
            return null;
        }
        if (s.indexOf(':') < 0 && s.split("\\.", -1).length != 4) {
            return null;
        }
        try {
            return InetAddress.getByName(s).getAddress();
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }
}
