package org.postern.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostSearchTest {

    @TempDir
    Path dir;

    @Test
    void nameKeys() {
        assertThat(new HostSearch(true).nameKeys("host.sub.example.com"))
                .containsExactly("host.sub.example.com", "sub.example.com", "example.com", "com");
        assertThat(new HostSearch(false).nameKeys("host.sub.example.com"))
                .containsExactly("host.sub.example.com", ".sub.example.com", ".example.com", ".com");
        assertThat(new HostSearch(true).nameKeys("192.0.2.1")).containsExactly("192.0.2.1");
        assertThat(new HostSearch(true).nameKeys("[192.0.2.1]")).containsExactly("[192.0.2.1]");
        assertThat(new HostSearch(true).nameKeys("unknown")).containsExactly("unknown");
    }

    @Test
    void addressKeys() {
        assertThat(HostSearch.addressKeys("1.2.3.4")).containsExactly("1.2.3.4", "1.2.3", "1.2", "1");
        assertThat(HostSearch.addressKeys("2001:DB8:0:0:0:0:0:1"))
                .containsExactly("2001:db8::1", "2001:db8:", "2001:db8", "2001");
        assertThat(HostSearch.addressKeys("2001:db8:1:2:3:4:5:6"))
                .containsExactly("2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5", "2001:db8:1:2:3:4", "2001:db8:1:2:3",
                        "2001:db8:1:2", "2001:db8:1", "2001:db8", "2001");
        assertThat(HostSearch.addressKeys("not-an-ip")).containsExactly("not-an-ip");
    }

    @Test
    void ipv6Formatting() {
        assertThat(HostSearch.addressKeys("2001:db8:0:1:0:0:0:1").get(0)).isEqualTo("2001:db8:0:1::1");
        assertThat(HostSearch.addressKeys("2001:db8:0:1:1:1:1:1").get(0)).isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(HostSearch.addressKeys("::1").get(0)).isEqualTo("::1");
        assertThat(HostSearch.addressKeys("::ffff:192.0.2.1").get(0)).isEqualTo("::ffff:192.0.2.1");
        assertThat(HostSearch.addressKeys("fe80::").get(0)).isEqualTo("fe80::");
    }

    @Test
    void findReportsTheMatchingKey() throws Exception {
        LookupTables f = TestTables.factory(dir);
        LookupTable t = f.open("inline:{ 192.0.2.1=DUNNO, 192.0.2=REJECT, example.com=OK }");
        assertThat(HostSearch.addressKeys("192.0.2.9")).contains("192.0.2");
        HostSearch s = new HostSearch(true);
        assertThat(s.findAddress(t, "192.0.2.1")).contains(new SearchHit("192.0.2.1", "DUNNO"));
        assertThat(s.findAddress(t, "192.0.2.9")).contains(new SearchHit("192.0.2", "REJECT"));
        assertThat(s.findAddress(t, "198.51.100.1")).isEmpty();
        assertThat(s.findName(t, "mx.Example.com")).contains(new SearchHit("Example.com", "OK"));

        // A cidr table sees only the whole address, never the truncated keys.
        TestTables.write(dir, "c.cidr", "192.0.2.0/24 net");
        LookupTable cidr = f.open("cidr:" + dir.resolve("c.cidr"));
        assertThat(s.findAddress(cidr, "192.0.2.7")).contains(new SearchHit("192.0.2.7", "net"));
    }
}
