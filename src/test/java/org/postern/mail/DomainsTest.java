package org.postern.mail;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DomainsTest {

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "a", "a-b.c", "xn--bcher-kva.example", "example.com.", "_dmarc.example.com",
            "exa_mple.org", "a1.b2", "1a.example", "localhost", "123.example"})
    void validHostnames(String name) {
        assertThat(Domains.isValidHostname(name, false)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "example..com", "-a.com", "a-.com", "a.-b", "example.com..", ".example.com",
            "1.2.3.4", "123", "a b", "a@b", "exa!mple.com", "[1.2.3.4]", "b\u00fccher.de", "a\u0000b"})
    void invalidHostnames(String name) {
        assertThat(Domains.isValidHostname(name, false)).isFalse();
    }

    @Test
    void labelAndNameLengths() {
        String l63 = "a".repeat(63);
        assertThat(Domains.isValidHostname(l63 + ".com", false)).isTrue();
        assertThat(Domains.isValidHostname("a" + l63 + ".com", false)).isFalse();
        String n255 = l63 + "." + l63 + "." + l63 + "." + "a".repeat(63); // 255
        assertThat(n255).hasSize(255);
        assertThat(Domains.isValidHostname(n255, false)).isTrue();
        assertThat(Domains.isValidHostname(n255 + ".", false)).isTrue(); // trailing dot not counted
        assertThat(Domains.isValidHostname(n255 + "a", false)).isFalse();
    }

    @Test
    void utf8OnlyWhenAllowed() {
        assertThat(Domains.isValidHostname("b\u00fccher.de", true)).isTrue();
        assertThat(Domains.isValidHostname("\u4f8b\u5b50.\u5e7f\u544a", true)).isTrue();
        byte[] bad = {'a', (byte) 0xc3, '.', 'd', 'e'}; // truncated UTF-8
        assertThat(Domains.isValidHostname(bad, 0, bad.length, true)).isFalse();
    }

    @Test
    void fqdnAsPostfixRejectNonFqdnHeloHostname() {
        assertThat(Domains.isFqdn("mail.example.com", false)).isTrue();
        assertThat(Domains.isFqdn("mail.example.com.", false)).isTrue();
        assertThat(Domains.isFqdn("localhost", false)).isFalse();
        assertThat(Domains.isFqdn("localhost.", false)).isFalse();
        // postfix-restrictions.md section 13: a bare IPv4 HELO is not fully qualified.
        assertThat(Domains.isFqdn("1.2.3.4", false)).isFalse();
        assertThat(Domains.isFqdn("a..b", false)).isFalse();
    }

    /** Postfix 3.7.11 results for reject_invalid_helo_hostname / reject_non_fqdn_helo_hostname (lab). */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"example.com,FQDN", "a,NOT_FQDN", "localhost,NOT_FQDN", "example.com.,FQDN",
            "localhost.,NOT_FQDN", "example..com,INVALID_NAME", "-a.com,INVALID_NAME", "a-.com,INVALID_NAME", "exa_mple.com,FQDN",
            "1.2.3.4,NOT_FQDN", "123,INVALID_NAME", "1.2.3,INVALID_NAME", "::1,NOT_FQDN", "2001:db8::1,NOT_FQDN", "[1.2.3.4],FQDN",
            "[IPv6:::1],FQDN", "[foo],INVALID_ADDRESS_LITERAL", "[1.2.3],INVALID_ADDRESS_LITERAL", "'a b',INVALID_NAME",
            "ex!ample.com,INVALID_NAME", "example.com..,INVALID_NAME", ".example.com,INVALID_NAME", "1a,NOT_FQDN",
            "1.2.3.4.5,INVALID_NAME", "123.example,FQDN",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com,INVALID_NAME"})
    void heloLikePostfix(String helo, Domains.HeloSyntax expected) {
        assertThat(Domains.classifyHelo(helo, false)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3.4", "0.0.0.0", "255.255.255.255", "::1", "::", "2001:db8::1", "::ffff:1.2.3.4",
            "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "1::", "fe80::1:2", "1:2:3:4:5:6:1.2.3.4", "ABCD::ef"})
    void validHostAddresses(String a) {
        assertThat(Domains.isValidHostAddress(a)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.", ".1.2.3", "1..2.3", "1234.1.1.1", ":::", "1::2::3",
            "1:2:3:4:5:6:7:8:9", "12345::", "g::", ":1", "1:", "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:6:7:8::", "",
            "::1.2.3", "[::1]", "1.2.3.4 "})
    void invalidHostAddresses(String a) {
        assertThat(Domains.isValidHostAddress(a)).isFalse();
    }

    @Test
    void addressLiterals() throws Exception {
        assertThat(Domains.isAddressLiteral("[192.0.2.1]")).isTrue();
        assertThat(Domains.isAddressLiteral("[IPv6:2001:db8::1]")).isTrue();
        assertThat(Domains.isAddressLiteral("[ipv6:::1]")).isTrue();
        assertThat(Domains.isAddressLiteral("[IPv6:1.2.3.4]")).isFalse();
        assertThat(Domains.isAddressLiteral("[2001:db8::1]")).isFalse();
        assertThat(Domains.isAddressLiteral("[192.0.2.1")).isFalse();
        assertThat(Domains.isAddressLiteral("[]")).isFalse();
        assertThat(Domains.isAddressLiteral("[tag:content]")).isFalse();
        assertThat(Domains.isAddressLiteral("192.0.2.1")).isFalse();
        assertThat(Domains.isAddressLiteral(null)).isFalse();
        assertThat(Domains.parseAddressLiteral("[192.0.2.1]")).isEqualTo(InetAddress.getByName("192.0.2.1"));
        assertThat(Domains.parseAddressLiteral("[IPv6:2001:db8::1]")).isEqualTo(InetAddress.getByName("2001:db8::1"));
        assertThat(Domains.parseIpAddress("2001:db8:0:0:0:0:2:1")).isEqualTo(InetAddress.getByName("2001:db8::2:1"));
        assertThat(Domains.parseIpAddress("::ffff:10.0.0.1").getHostAddress()).isEqualTo("10.0.0.1");
        assertThat(Domains.parseIpAddress("example.com")).isNull();
    }
}
