package org.postern.testing;

import java.util.List;

/**
 * The classic open-relay tricks: recipient forms that once made mail servers pass mail for a
 * remote domain ({@code remote.example}) through a host that only receives for its own
 * ({@code example.test}, host name {@code mx.example.test}, listening on {@code 127.0.0.1}), by
 * hiding the remote domain where a naive relay check does not look. The victim's local part
 * is always {@code victim}, so a test can recognise anything relayed for it.
 *
 * <p>Used by {@code OpenRelayTest} (a full Postern, replies and what reaches the next hop) and
 * by the differential test (the same forms against Postfix 3.7).
 *
 * @param name     what the trick is
 * @param argument the RCPT TO argument exactly as sent, e.g. {@code <victim@remote.example>}
 */
public record RelayTricks(String name, String argument) {

    public static final List<RelayTricks> ALL = List.of(
            t("plain remote address", "<victim@remote.example>"),
            t("upper case", "<VICTIM@REMOTE.EXAMPLE>"),
            t("no angle brackets", "victim@remote.example"),
            t("spaces inside the brackets", "< victim@remote.example >"),
            t("trailing dot", "<victim@remote.example.>"),
            // Percent hack: user%remote@relay was rewritten to user@remote by sendmail-era relays.
            t("percent hack", "<victim%remote.example@example.test>"),
            t("percent hack, upper case", "<VICTIM%REMOTE.EXAMPLE@EXAMPLE.TEST>"),
            t("percent hack, trailing dot", "<victim%remote.example@example.test.>"),
            t("percent hack, own address literal", "<victim%remote.example@[127.0.0.1]>"),
            t("percent hack, localhost", "<victim%remote.example@localhost>"),
            t("percent hack, no domain", "<victim%remote.example>"),
            t("double percent hack", "<victim%remote.example%example.test@example.test>"),
            // UUCP bang paths: remote!user.
            t("bang path", "<remote.example!victim@example.test>"),
            t("bang path, no domain", "<remote.example!victim>"),
            t("bang path, own address literal", "<remote.example!victim@[127.0.0.1]>"),
            // RFC 821 source routes: @relay:user@remote (RFC 5321 Appendix C: accepted, ignored).
            t("source route", "<@example.test:victim@remote.example>"),
            t("source route, two hops", "<@example.test,@other.example:victim@remote.example>"),
            t("source route, own address literal", "<@[127.0.0.1]:victim@remote.example>"),
            // Quoted local parts hiding an "@" or "%".
            t("quoted @, local domain", "<\"victim@remote.example\"@example.test>"),
            t("quoted @, no domain", "<\"victim@remote.example\">"),
            t("quoted @, own address literal", "<\"victim@remote.example\"@[127.0.0.1]>"),
            t("quoted percent hack", "<\"victim%remote.example\"@example.test>"),
            // Two "@": user@remote@relay and the reverse.
            t("double @", "<victim@remote.example@example.test>"),
            t("double @, remote last", "<victim@example.test@remote.example>"),
            // Address literals and numeric domains.
            t("remote IPv4 literal", "<victim@[203.0.113.9]>"),
            t("remote IPv6 literal", "<victim@[IPv6:2001:db8::1]>"),
            t("own IPv4 literal", "<victim@[127.0.0.1]>"),
            t("numeric domain, own address", "<victim@127.0.0.1>"),
            t("numeric domain, remote address", "<victim@203.0.113.9>"),
            // Local names that are not hosted mailboxes.
            t("localhost", "<victim@localhost>"),
            t("own host name", "<victim@mx.example.test>"),
            t("empty path", "<>"));

    private static RelayTricks t(String name, String argument) {
        return new RelayTricks(name, argument);
    }
}
