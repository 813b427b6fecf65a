package org.postern.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Path;
import org.postern.lookup.LookupTables;
import org.postern.lookup.TableContext;
import org.junit.jupiter.api.Test;

class NetworksTest {

    private static final LookupTables TABLES = new LookupTables(new TableContext(Path.of("."), () -> null));

    @Test
    void defaultMynetworksWithAnIpv4MappedNetworkParses() throws Exception {
        // The default of mynetworks, which smtpd_client_event_limit_exceptions and
        // smtpd_forbid_bare_newline_exclusions inherit: once a fatal "bad prefix length" at start-up.
        Networks n = Networks.parse("mynetworks", "127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128", TABLES);
        assertThat(n.contains(InetAddress.ofLiteral("127.0.0.1"))).isTrue();
        assertThat(n.contains(InetAddress.ofLiteral("::1"))).isTrue();
        assertThat(n.contains(InetAddress.ofLiteral("192.0.2.1"))).isFalse();
    }

    @Test
    void firstMatchDecidesAndExclusionsWin() throws Exception {
        Networks n = Networks.parse("mynetworks", "!192.0.2.7, 192.0.2.0/24", TABLES);
        assertThat(n.contains(InetAddress.ofLiteral("192.0.2.7"))).isFalse();
        assertThat(n.contains(InetAddress.ofLiteral("192.0.2.8"))).isTrue();
    }
}
