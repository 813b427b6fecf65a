package org.postern.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CidrTableTest {

    @TempDir
    Path dir;

    private LookupTable open(String... lines) throws Exception {
        return TestTables.factory(dir).open("cidr:" + TestTables.write(dir, "t.cidr", lines));
    }

    private String check(String... lines) throws Exception {
        return TestTables.factory(dir).check("cidr:" + TestTables.write(dir, "bad.cidr", lines));
    }

    @Test
    void ipv4NetworksAndHostsFirstMatchWins() throws Exception {
        LookupTable t = open(
                "192.0.2.1 OK",
                "192.0.2.0/24 REJECT net",
                "0.0.0.0/0 DUNNO");
        assertThat(t.fixedString()).isFalse();
        assertThat(t.find("192.0.2.1")).contains("OK");
        assertThat(t.find("192.0.2.77")).contains("REJECT net");
        assertThat(t.find("198.51.100.1")).contains("DUNNO");
        assertThat(t.find("2001:db8::1")).isEmpty();
        assertThat(t.find("not-an-ip")).isEmpty();
        assertThat(t.find("192.0.2")).isEmpty();
    }

    @Test
    void ipv6WithAndWithoutBrackets() throws Exception {
        LookupTable t = open(
                "[2001:db8::1] exact",
                "2001:db8::/32 net",
                "[::ffff:192.0.2.0]/120 mapped");
        assertThat(t.find("2001:db8::1")).contains("exact");
        assertThat(t.find("2001:DB8:0:0:0:0:0:1")).contains("exact");
        assertThat(t.find("2001:db8:ffff::9")).contains("net");
        assertThat(t.find("::ffff:192.0.2.9")).contains("mapped");
        assertThat(t.find("192.0.2.9")).isEmpty();
        assertThat(t.find("2001:db9::1")).isEmpty();
    }

    @Test
    void negationAndNestedIfBlocks() throws Exception {
        LookupTable t = open(
                "if 10.0.0.0/8",
                "if !10.1.0.0/16",
                "10.2.3.4 special",
                "0.0.0.0/0 inside-10-not-10.1",
                "endif",
                "10.0.0.0/8 inside-10.1",
                "endif",
                "!192.0.2.0/24 not-test-net");
        assertThat(t.find("10.2.3.4")).contains("special");
        assertThat(t.find("10.9.9.9")).contains("inside-10-not-10.1");
        assertThat(t.find("10.1.2.3")).contains("inside-10.1");
        assertThat(t.find("8.8.8.8")).contains("not-test-net");
        assertThat(t.find("192.0.2.5")).isEmpty();
        assertThat(t.find("2001:db8::1")).isEmpty();
    }

    @Test
    void hostBitsMustBeZeroAndTheFixIsSuggested() throws Exception {
        Path f = dir.resolve("bad.cidr");
        assertThat(check("# header", "192.0.2.1/24 REJECT"))
                .contains(f + ", line 2").contains("192.0.2.1/24").contains("192.0.2.0/24");
        assertThat(check("2001:db8::1/32 REJECT")).contains("2001:db8::/32");
    }

    @Test
    void malformedLinesNameFileAndLine() throws Exception {
        Path f = dir.resolve("bad.cidr");
        assertThat(check("192.0.2.0/24")).contains(f + ", line 1").contains("without a result");
        assertThat(check("ok 1", "x")).contains("line 1").contains("\"ok\"");
        assertThat(check("192.0.2.0/33 x")).contains("prefix").contains("0 to 32");
        assertThat(check("endif")).contains("endif without");
        assertThat(check("0.0.0.0/0 a", "if 10.0.0.0/8", "10.0.0.1 b")).contains("line 2").contains("endif");
        assertThat(check("300.1.1.1 x")).contains("not an IP address");
    }
}
