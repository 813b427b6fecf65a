package org.postern.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AddressSearchTest {

    @TempDir
    Path dir;

    @Test
    void accessKeyOrderWithParentStyles() {
        assertThat(new AddressSearch("+", true).keys("user+ext@sub.example.com")).containsExactly(
                "user+ext@sub.example.com", "user@sub.example.com", "sub.example.com", "example.com", "com",
                "user+ext@", "user@");
        assertThat(new AddressSearch("+", false).keys("user@sub.example.com")).containsExactly(
                "user@sub.example.com", "sub.example.com", ".example.com", ".com", "user@");
    }

    @Test
    void recipientDelimiterVariants() {
        assertThat(new AddressSearch("", true).keys("a+b@x.org")).containsExactly("a+b@x.org", "x.org", "org", "a+b@");
        assertThat(new AddressSearch("+-", true).keys("a-b+c@x")).containsExactly("a-b+c@x", "a@x", "x", "a-b+c@", "a@");
        AddressSearch dash = new AddressSearch("-", true);
        assertThat(dash.baseLocalpart("owner-list")).isEqualTo("owner-list");
        assertThat(dash.baseLocalpart("list-request")).isEqualTo("list-request");
        assertThat(dash.baseLocalpart("-lead")).isEqualTo("-lead");
        assertThat(dash.baseLocalpart("joe-x")).isEqualTo("joe");
    }

    @Test
    void virtualKeys() {
        AddressSearch s = new AddressSearch("+", true);
        assertThat(s.virtualKeys("joe+x@example.com")).containsExactly("joe+x@example.com", "joe@example.com", "@example.com");
        assertThat(s.virtualKeys("joe@example.com")).containsExactly("joe@example.com", "@example.com");
    }

    @Test
    void findReturnsTheMatchingKeyAndPatternTablesSeeOnlyTheWholeAddress() throws Exception {
        LookupTables f = TestTables.factory(dir);
        LookupTable access = f.open("inline:{ example.com=REJECT, user@=OK }");
        AddressSearch s = new AddressSearch("+", true);
        assertThat(s.find(access, "User+tag@Mail.Example.com")).contains(new SearchHit("Example.com", "REJECT"));
        assertThat(s.find(access, "user@other.org")).contains(new SearchHit("user@", "OK"));

        TestTables.write(dir, "p.regexp", "/^example\\.com$/ pattern-hit-on-partial-key", "/^joe@/ whole");
        TableList list = f.openList("regexp:" + dir.resolve("p.regexp"));
        assertThat(s.find(list, "ann@example.com")).isEmpty();
        assertThat(s.find(list, "joe@x.org")).contains(new SearchHit("joe@x.org", "whole"));

        LookupTable virtual = f.open("inline:{ @example.com=catchall, joe@example.com=joe-box }");
        assertThat(s.findVirtual(virtual, "joe+x@example.com")).contains(new SearchHit("joe@example.com", "joe-box"));
        assertThat(s.findVirtual(virtual, "ann@example.com")).contains(new SearchHit("@example.com", "catchall"));
        assertThat(s.findVirtual(List.of(virtual).get(0), "ann@example.org")).isEmpty();
    }
}
