package org.postern.difftest;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.cli.TestPostern;
import org.postern.testing.TestDnsServer;

/**
 * The differential test of the restrictions that query DNS: DNS block and allow lists,
 * reject_unknown_{helo_hostname,sender_domain,recipient_domain}, the client hostname checks with
 * real PTR and forward lookups, check_*_{a,mx,ns}_access, and DNS failures (SERVFAIL, timeouts)
 * with the {@code *_tempfail_action} parameters. The same scenarios, compared as in
 * {@link DifferentialTest}, run against Postfix and Postern, both resolving through one
 * {@link TestDnsServer} that serves {@link #zone}.
 *
 * <p>Postfix resolves through the C library, which takes name servers from
 * {@code /etc/resolv.conf} on port 53 only: the DNS server listens on port 53 of a random
 * 127.53.x.y address, and the private Postfix runs in a mount namespace where that is the
 * resolv.conf ({@link PostfixInstance#start(Path, String, Map, String)}). Postern is pointed at it
 * with {@code dns_servers}.
 *
 * <p>One Postfix serves every configuration, one smtpd listener per configuration with its
 * parameters as {@code -o} overrides; each configuration has its own Postern. Most scenarios set
 * the client with XCLIENT; those that test the client's own DNS names connect from an address in
 * 127.0.0.0/8 instead, so each server looks the name up itself.
 *
 * <p>Known, deliberate differences: {@link #EXCLUDED} and {@code docs/postfix-differences.md}.
 * The transcript of the last run is {@code target/difftest-dns-report.txt}.
 */
class DifferentialDnsTest {

    @TempDir
    Path dir;

    /** Scenarios whose difference is deliberate (docs/postfix-differences.md), as "config/scenario". */
    static final Set<String> EXCLUDED = Set.of();

    // ---- DNS data ------------------------------------------------------------------------------------

    /** The zone both servers see. Names under .test; client addresses from the documentation ranges. */
    static void zone(TestDnsServer dns) {
        // The test client's first connection comes from 127.0.0.1: Postfix's hosts file says localhost.
        dns.add("1.0.0.127.in-addr.arpa", "PTR", "localhost.").add("localhost", "A", "127.0.0.1");
        // The scenarios' default client and HELO name (XCLIENT sets the names without a lookup).
        dns.add("mail.client.example", "A", "203.0.113.10").add("10.113.0.203.in-addr.arpa", "PTR", "mail.client.example.");

        // DNS lists (client addresses, reversed)
        dns.add("2.100.51.198.rbl.test", "A", "127.0.0.2").add("2.100.51.198.rbl.test", "TXT", "\"listed for spam, see https://rbl.test/?198.51.100.2\"");
        dns.add("3.100.51.198.rbl.test", "A", "127.0.0.3");
        dns.add("4.100.51.198.rbl.test", "A", "127.0.0.10").add("4.100.51.198.rbl2.test", "A", "127.0.0.10")
                .add("4.100.51.198.rbl2.test", "TXT", "\"rbl2 says no\"");
        dns.add("11.100.51.198.rbl3.test", "A", "127.0.0.2");
        dns.add("5.100.51.198.rbl.test", "A", "127.0.0.10").add("5.100.51.198.rbl.test", "A", "127.0.0.4");
        dns.servfail("6.100.51.198.rbl.test");
        dns.add("7.100.51.198.wl.test", "A", "127.0.10.2").add("7.100.51.198.rbl.test", "A", "127.0.0.2");
        dns.drop("8.100.51.198.rbl.test");
        dns.servfail("9.100.51.198.wl.test").add("9.100.51.198.rbl.test", "A", "127.0.0.2");
        dns.add("10.100.51.198.wl.test", "A", "127.0.10.9").add("10.100.51.198.rbl.test", "A", "127.0.0.2");
        dns.add("5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.rbl.test", "A", "127.0.0.2");
        // Right-hand-side lists (names)
        dns.add("spam.example.rhsbl.test", "A", "127.0.0.2").add("spam.example.rhsbl.test", "TXT", "\"spam domain\"");
        dns.add("grey.example.rhsbl.test", "A", "127.0.0.3");
        dns.add("spam2.example.rhsbl2.test", "A", "127.0.0.2");
        dns.add("good.example.rhswl.test", "A", "127.0.0.2");
        dns.servfail("flaky.example.rhsbl.test");

        // Domains for reject_unknown_*_domain and reject_unknown_helo_hostname
        dns.add("mx.test", "MX", "10 mail.mx.test.").add("mail.mx.test", "A", "192.0.2.25");
        dns.add("aonly.test", "A", "192.0.2.26");
        dns.add("aaaaonly.test", "AAAA", "2001:db8::26");
        dns.add("mxonly.test", "MX", "10 mail.mx.test.");
        dns.add("nullmx.test", "MX", "0 .");
        dns.add("nullmx-and-more.test", "MX", "0 .").add("nullmx-and-more.test", "MX", "10 mail.mx.test.");
        dns.add("nullmx-second.test", "MX", "0 mail.mx.test.").add("nullmx-second.test", "MX", "10 .");
        dns.add("mxnowhere.test", "MX", "10 nowhere.nxdomain.test.");
        dns.add("numericmx.test", "MX", "10 192.0.2.1.");
        dns.add("cname.test", "CNAME", "mx.test.");
        dns.add("txtonly.test", "TXT", "\"v=spf1 -all\"");
        dns.add("host.sub.parent.test", "A", "192.0.2.27");   // parent.test and sub.parent.test exist, empty
        dns.servfail("servfail.test");
        dns.drop("timeout.test");
        dns.servfail("helo-servfail.test");

        // Hosts for check_*_{a,mx,ns}_access (the table is dns-servers)
        dns.add("mxname.test", "MX", "10 blocked-mx.test.").add("blocked-mx.test", "A", "192.0.2.30");
        dns.add("mxsub.test", "MX", "10 a.blocked-mx.test.").add("a.blocked-mx.test", "A", "192.0.2.31");
        dns.add("mxaddr.test", "MX", "10 mx.mxaddr.test.").add("mx.mxaddr.test", "A", "192.0.2.66");
        dns.add("mxtwo.test", "MX", "10 mail.mx.test.").add("mxtwo.test", "MX", "20 mx.mxaddr.test.");
        dns.add("nomx.test", "A", "192.0.2.66");
        dns.add("nsbad.test", "NS", "ns1.badns.test.").add("ns1.badns.test", "A", "192.0.2.40");
        dns.add("www.nsbad.test", "A", "192.0.2.41");
        dns.add("nsaddr.test", "NS", "ns.nsaddr.test.").add("ns.nsaddr.test", "A", "192.0.2.77");
        dns.add("nsgood.test", "NS", "ns.nsgood.test.").add("ns.nsgood.test", "A", "192.0.2.42");
        dns.add("aaddr.test", "A", "192.0.2.88").add("host.aaddr.test", "A", "192.0.2.88");
        dns.add("good.test", "MX", "10 mail.mx.test.").add("good.test", "NS", "ns.nsgood.test.").add("good.test", "A", "192.0.2.43");

        // Real client names (no XCLIENT): connections from 127.0.0.x
        dns.add("21.0.0.127.in-addr.arpa", "PTR", "fcrdns.loop.test.").add("fcrdns.loop.test", "A", "127.0.0.21");
        dns.add("22.0.0.127.in-addr.arpa", "PTR", "forged.loop.test.").add("forged.loop.test", "A", "192.0.2.99");
        // 127.0.0.23: no PTR (NXDOMAIN)
        dns.servfail("24.0.0.127.in-addr.arpa");
        dns.add("25.0.0.127.in-addr.arpa", "PTR", "fwd-servfail.loop.test.").servfail("fwd-servfail.loop.test");
        dns.add("26.0.0.127.in-addr.arpa", "PTR", "nxdomain.loop.test.");
        dns.add("27.0.0.127.in-addr.arpa", "PTR", "multi.loop.test.").add("multi.loop.test", "A", "192.0.2.98")
                .add("multi.loop.test", "A", "127.0.0.27");
        dns.add("28.0.0.127.in-addr.arpa", "PTR", "alias.loop.test.").add("alias.loop.test", "CNAME", "fcrdns28.loop.test.")
                .add("fcrdns28.loop.test", "A", "127.0.0.28");
        dns.add("29.0.0.127.in-addr.arpa", "PTR", "Mixed.Case.Loop.test.").add("mixed.case.loop.test", "A", "127.0.0.29");
        dns.drop("30.0.0.127.in-addr.arpa");
        dns.add("31.0.0.127.in-addr.arpa", "PTR", "spam.example.").add("spam.example", "A", "127.0.0.31");
    }

    // ---- Tables --------------------------------------------------------------------------------------

    static final Map<String, String> TABLES = new LinkedHashMap<>();

    static {
        TABLES.put("dns-servers", """
                blocked-mx.test REJECT mx host name blocked
                192.0.2.66 REJECT server address blocked
                ns1.badns.test REJECT name server blocked
                192.0.2.77 550 5.7.1 name server address blocked
                192.0.2.88 DEFER_IF_PERMIT address dip
                2001:db8::66 REJECT IPv6 server address blocked
                """);
        TABLES.put("dns-rbl-replies", """
                rhsbl2.test 451 4.7.1 Try later: $rbl_what via $rbl_domain
                rbl2.test $rbl_code Rejected by rbl2: $rbl_class $rbl_what from $client${rbl_reason?: $rbl_reason}
                rbl3.test $rbl_code Bad template: $no_such_macro
                """);
    }

    // ---- Configurations ------------------------------------------------------------------------------

    static final Map<String, String> CONFIGS = new LinkedHashMap<>();

    static {
        // (r) DNS lists on the client address and names, Postfix's default reply text.
        CONFIGS.put("r", """
                smtpd_client_restrictions = permit_dnswl_client wl.test=127.0.10.[1..3],
                  reject_rbl_client rbl.test=127.0.0.[2..4], reject_rbl_client rbl2.test, reject_rbl_client rbl3.test,
                  reject_rhsbl_client rhsbl.test, reject_rhsbl_reverse_client rhsbl.test
                smtpd_relay_restrictions = permit_mynetworks, permit_dnswl_client wl.test, reject_unauth_destination
                rbl_reply_maps = texthash:@T@/dns-rbl-replies
                """);
        // (s) Right-hand-side lists on HELO, sender and recipient, reply templates and codes.
        CONFIGS.put("s", """
                maps_rbl_reject_code = 550
                default_rbl_reply = $rbl_code 5.7.9 Blocked: $rbl_class $rbl_what listed in $rbl_domain${rbl_reason?: $rbl_reason}
                rbl_reply_maps = texthash:@T@/dns-rbl-replies
                smtpd_helo_restrictions = reject_rhsbl_helo rhsbl.test
                smtpd_sender_restrictions = permit_rhswl_client rhswl.test, reject_rhsbl_sender rhsbl.test=127.0.0.2,
                  reject_rhsbl_sender rhsbl2.test
                smtpd_relay_restrictions = permit_mynetworks, reject_rhsbl_recipient rhsbl.test, reject_unauth_destination
                """);
        // (u) Unknown HELO names and address domains, default codes and tempfail actions.
        CONFIGS.put("u", """
                smtpd_helo_restrictions = reject_unknown_helo_hostname
                smtpd_sender_restrictions = reject_unknown_sender_domain
                smtpd_relay_restrictions = permit_mynetworks, reject_unknown_recipient_domain, reject_unauth_destination
                """);
        // (v) The same with tempfail actions "defer", other codes, and no delayed rejects.
        CONFIGS.put("v", """
                smtpd_delay_reject = no
                unknown_address_tempfail_action = defer
                unknown_helo_hostname_tempfail_action = defer
                unknown_address_reject_code = 554
                unknown_hostname_reject_code = 554
                smtpd_helo_restrictions = reject_unknown_helo_hostname
                smtpd_sender_restrictions = reject_unknown_sender_domain
                smtpd_relay_restrictions = permit_mynetworks, reject_unknown_recipient_domain, reject_unauth_destination
                """);
        // (m) Access tables on the A, MX and NS hosts of names.
        CONFIGS.put("m", """
                smtpd_client_restrictions = check_client_a_access texthash:@T@/dns-servers,
                  check_client_mx_access texthash:@T@/dns-servers
                smtpd_helo_restrictions = check_helo_mx_access texthash:@T@/dns-servers,
                  check_helo_ns_access texthash:@T@/dns-servers, check_helo_a_access texthash:@T@/dns-servers
                smtpd_sender_restrictions = check_sender_mx_access texthash:@T@/dns-servers,
                  check_sender_ns_access texthash:@T@/dns-servers, check_sender_a_access texthash:@T@/dns-servers
                smtpd_relay_restrictions = permit_mynetworks, check_recipient_mx_access texthash:@T@/dns-servers,
                  check_recipient_ns_access texthash:@T@/dns-servers, reject_unauth_destination
                """);
        // (l) Address literals under each kind of server check.
        CONFIGS.put("l", """
                smtpd_sender_restrictions = check_sender_mx_access texthash:@T@/dns-servers
                smtpd_helo_restrictions = check_helo_ns_access texthash:@T@/dns-servers
                smtpd_relay_restrictions = permit_mynetworks, check_recipient_a_access texthash:@T@/dns-servers,
                  reject_unauth_destination
                """);
        CONFIGS.put("l2", """
                smtpd_sender_restrictions = check_sender_ns_access texthash:@T@/dns-servers
                smtpd_helo_restrictions = check_helo_a_access texthash:@T@/dns-servers
                smtpd_relay_restrictions = permit_mynetworks, check_recipient_mx_access texthash:@T@/dns-servers,
                  reject_unauth_destination
                """);
        // (c) The client's verified name, looked up by each server (no XCLIENT).
        CONFIGS.put("c", """
                smtpd_client_restrictions = reject_unknown_client_hostname, reject_rhsbl_client rhsbl.test
                """);
        // (n) The client's reverse name, looked up by each server, rejected at connect.
        CONFIGS.put("n", """
                smtpd_delay_reject = no
                smtpd_client_restrictions = reject_unknown_reverse_client_hostname, reject_rhsbl_reverse_client rhsbl.test
                """);
    }

    // ---- Scenarios -----------------------------------------------------------------------------------

    static final List<Scenario> SCENARIOS = new ArrayList<>();

    static Scenario s(String config, String name) {
        Scenario sc = new Scenario(config, name);
        SCENARIOS.add(sc);
        return sc;
    }

    static final String UNAVAIL = Scenario.UNAVAIL;
    static final String TEMP = Scenario.TEMP;

    static {
        // (r) client DNS lists
        s("r", "not listed").data();
        s("r", "listed with TXT").ip("198.51.100.2");
        s("r", "listed without TXT").ip("198.51.100.3");
        s("r", "outside filter, second list").ip("198.51.100.4");
        s("r", "two answers, one in filter").ip("198.51.100.5");
        s("r", "bad reply template").ip("198.51.100.11");
        s("r", "list SERVFAIL").ip("198.51.100.6");
        s("r", "list timeout").ip("198.51.100.8");
        s("r", "allow-listed and block-listed").ip("198.51.100.7").data();
        s("r", "allow-listed, relay").ip("198.51.100.7").to("friend@example.net");
        s("r", "allow list SERVFAIL, block-listed").ip("198.51.100.9");
        s("r", "allow list outside filter").ip("198.51.100.10");
        s("r", "IPv6 client listed").ip("IPV6:2001:db8::5").names(UNAVAIL, UNAVAIL);
        s("r", "IPv6 client not listed").ip("IPV6:2001:db8::6").names(UNAVAIL, UNAVAIL);
        s("r", "client name listed").names("spam.example", "spam.example");
        s("r", "client name outside list").names("grey.example", "grey.example");
        s("r", "reverse name listed").names(UNAVAIL, "spam.example");
        s("r", "reverse name SERVFAIL").names(UNAVAIL, "flaky.example");
        s("r", "client name unknown").names(UNAVAIL, UNAVAIL);
        s("r", "name tempfail").names(TEMP, TEMP);

        // (s) right-hand-side lists
        s("s", "nothing listed").data();
        s("s", "HELO listed").helo("EHLO spam.example");
        s("s", "HELO sub-domain not listed").helo("EHLO a.spam.example");
        s("s", "HELO literal").helo("EHLO [198.51.100.2]");
        s("s", "HELO trailing dot").helo("EHLO spam.example.");
        s("s", "sender listed").from("x@spam.example");
        s("s", "sender outside filter").from("x@grey.example");
        s("s", "sender in second list").from("x@spam2.example");
        s("s", "sender SERVFAIL").from("x@flaky.example");
        s("s", "sender literal").from("x@[198.51.100.2]");
        s("s", "sender trailing dot").from("x@spam.example.");
        s("s", "null sender").from("").data();
        s("s", "sender listed, client allow-listed").names("good.example", "good.example").from("x@spam.example");
        s("s", "recipient listed").to("x@spam.example");
        s("s", "recipient listed, hosted next").to("x@spam.example", "bob@example.test").data();
        s("s", "recipient upper case").to("X@SPAM.EXAMPLE");

        // (u) and (v) unknown names, default and custom tempfail handling
        for (String c : List.of("u", "v")) {
            s(c, "HELO with A").helo("EHLO aonly.test").data();
            s(c, "HELO with MX only").helo("EHLO mxonly.test");
            s(c, "HELO with AAAA only").helo("EHLO aaaaonly.test");
            s(c, "HELO NXDOMAIN").helo("EHLO nxdomain.test");
            s(c, "HELO without address").helo("EHLO txtonly.test");
            s(c, "HELO SERVFAIL").helo("EHLO helo-servfail.test");
            s(c, "HELO SERVFAIL, then relay").helo("EHLO helo-servfail.test").to("friend@mx.test");
            s(c, "HELO CNAME").helo("EHLO cname.test");
            s(c, "HELO trailing dot").helo("EHLO nxdomain.test.");
            s(c, "HELO bare address").helo("EHLO 198.51.100.2");
            s(c, "HELO literal").helo("EHLO [198.51.100.2]");
            s(c, "HELO single label").helo("HELO localhost");
            s(c, "HELO invalid name").helo("HELO bad_name.example");
            s(c, "HELO empty label").helo("HELO a..b.example");
            s(c, "HELO bare IPv6 address").helo("EHLO 2001:db8::1");
            s(c, "sender MX").from("x@mx.test");
            s(c, "sender A only").from("x@aonly.test");
            s(c, "sender AAAA only").from("x@aaaaonly.test");
            s(c, "sender NXDOMAIN").from("x@nxdomain.test");
            s(c, "sender no MX and no address").from("x@txtonly.test");
            s(c, "sender empty non-terminal").from("x@sub.parent.test");
            s(c, "sender null MX").from("x@nullmx.test");
            s(c, "sender null MX among others").from("x@nullmx-and-more.test");
            s(c, "sender null MX not preferred").from("x@nullmx-second.test");
            s(c, "sender MX to nowhere").from("x@mxnowhere.test");
            s(c, "sender numeric MX").from("x@numericmx.test");
            s(c, "sender CNAME").from("x@cname.test");
            s(c, "sender SERVFAIL").from("x@servfail.test");
            s(c, "sender SERVFAIL, then relay").from("x@servfail.test").to("friend@mx.test");
            s(c, "sender SERVFAIL, then unknown recipient domain").from("x@servfail.test").to("x@nxdomain.test");
            s(c, "sender SERVFAIL, DATA").from("x@servfail.test").data();
            s(c, "sender mixed case").from("x@NXDomain.Test");
            s(c, "sender literal").from("x@[198.51.100.2]");
            s(c, "null sender").from("").data();
            s(c, "recipient MX").to("x@mx.test");
            s(c, "recipient NXDOMAIN").to("x@nxdomain.test");
            s(c, "recipient null MX").to("x@nullmx.test");
            s(c, "recipient SERVFAIL").to("x@servfail.test");
            s(c, "recipient no address").to("x@txtonly.test");
            s(c, "recipient hosted").to("bob@example.test", "x@nxdomain.test", "alice@example.test").data();
        }
        s("u", "sender timeout").from("x@timeout.test");

        // (m) server access tables
        s("m", "sender MX host name").from("x@mxname.test");
        s("m", "sender MX host parent domain").from("x@mxsub.test");
        s("m", "sender MX host address").from("x@mxaddr.test");
        s("m", "sender second MX host address").from("x@mxtwo.test");
        s("m", "sender without MX, A address").from("x@nomx.test");
        s("m", "sender null MX").from("x@nullmx.test");
        s("m", "sender NS host name").from("x@nsbad.test");
        s("m", "sender NS of parent domain").from("x@www.nsbad.test");
        s("m", "sender NS host address").from("x@nsaddr.test");
        s("m", "sender A address").from("x@aaddr.test").data();
        s("m", "sender all good").from("x@good.test").data();
        s("m", "sender NXDOMAIN").from("x@nxdomain.test");
        s("m", "sender SERVFAIL").from("x@servfail.test");
        s("m", "sender literal").from("x@[192.0.2.66]");
        s("m", "recipient MX host name").to("x@mxname.test");
        s("m", "recipient literal").to("x@[192.0.2.66]");
        s("m", "recipient NS host name").to("x@nsbad.test");
        s("m", "recipient good, relay").to("x@good.test");
        s("m", "HELO MX host").helo("EHLO mxname.test");
        s("m", "HELO NS host").helo("EHLO nsbad.test");
        s("m", "HELO A address").helo("EHLO aaddr.test").data();
        s("m", "client name A address").names("host.aaddr.test", "host.aaddr.test").data();
        s("m", "client name MX").names("mxname.test", "mxname.test");
        s("m", "client name unknown").names(UNAVAIL, "mxname.test");
        // (l) address literals, one check type per list
        s("l", "MX check of a literal").from("x@[192.0.2.66]");
        s("l", "NS check of a literal").helo("EHLO [192.0.2.66]");
        s("l", "A check of a literal").to("x@[192.0.2.66]");
        s("l2", "NS check of a literal").from("x@[192.0.2.66]");
        s("l2", "A check of a literal").helo("EHLO [192.0.2.66]");
        s("l2", "MX check of a literal").to("x@[192.0.2.66]");
        s("l2", "MX check of an IPv6 literal").to("x@[IPv6:2001:db8::66]");
        s("l2", "MX check of a bad literal").to("x@[192.0.2.666]");

        // (c) and (n) the client's own names, looked up by the servers
        for (String c : List.of("c", "n")) {
            s(c, "FCrDNS").connectFrom("127.0.0.21").data();
            s(c, "forward mismatch").connectFrom("127.0.0.22");
            s(c, "no PTR").connectFrom("127.0.0.23");
            s(c, "PTR SERVFAIL").connectFrom("127.0.0.24");
            s(c, "forward SERVFAIL").connectFrom("127.0.0.25");
            s(c, "forward NXDOMAIN").connectFrom("127.0.0.26");
            s(c, "forward with several addresses").connectFrom("127.0.0.27");
            s(c, "forward through CNAME").connectFrom("127.0.0.28");
            s(c, "mixed-case PTR").connectFrom("127.0.0.29");
            s(c, "name on a DNS list").connectFrom("127.0.0.31");
        }
        s("c", "PTR timeout").connectFrom("127.0.0.30");
    }

    // ---- The test ------------------------------------------------------------------------------------

    @Test
    void postfixAndPosternGiveTheSameRepliesWithDns() throws Exception {
        if (!PostfixInstance.installed()) {
            fail("Postfix is not installed: install postfix (Debian package; see .ci/run, which installs it)");
        }
        Path tables = dir.resolve("tables");
        for (var t : DifferentialTest.TABLES.entrySet()) {
            PostfixInstance.writeTable(tables, t.getKey(), t.getValue());
        }
        for (var t : TABLES.entrySet()) {
            PostfixInstance.writeTable(tables, t.getKey(), t.getValue());
        }
        String common = DifferentialTest.COMMON.replace("@T@", tables.toString());
        Map<String, List<String>> listeners = new LinkedHashMap<>();
        for (var c : CONFIGS.entrySet()) {
            listeners.put(c.getKey(), overrides(c.getValue().replace("@T@", tables.toString())));
        }
        Comparison comparison = new Comparison(EXCLUDED);
        StringBuilder report = new StringBuilder();
        long started = System.nanoTime();
        try (TestDnsServer dns = TestDnsServer.onPort53();
             // Postern's inet_protocols default; Postfix then also accepts XCLIENT ADDR=IPV6:...
             PostfixInstance postfix = PostfixInstance.start(dir.resolve("postfix"), common + "inet_protocols = all\n",
                     listeners, dns.host());
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            zone(dns);
            report.append("## DNS server ").append(dns.address()).append("; postfix up after ")
                    .append((System.nanoTime() - started) / 1_000_000).append(" ms\n");
            List<Future<String>> runs = new ArrayList<>();
            for (var c : CONFIGS.entrySet()) {
                String mainCf = common + c.getValue().replace("@T@", tables.toString()) + "dns_servers = " + dns.address() + "\n"
                        // the private Postfix's resolv.conf says timeout:2 attempts:1
                        + "dns_timeout = 2s\n";
                int postfixPort = postfix.port(c.getKey());
                runs.add(pool.submit(() -> runConfiguration(c.getKey(), mainCf, postfixPort, comparison)));
            }
            for (Future<String> f : runs) {
                report.append(f.get());
            }
            // Postfix's own complaints explain many differences (e.g. a template it cannot use).
            report.append("## postfix warnings\n");
            postfix.logText().lines().filter(l -> l.matches(".*(warning|fatal|panic|error): .*"))
                    .forEach(l -> report.append(l).append('\n'));
        }
        comparison.finish("difftest-dns-report.txt", report);
    }

    private String runConfiguration(String config, String mainCf, int postfixPort, Comparison comparison) throws Exception {
        StringBuilder report = new StringBuilder();
        List<Scenario> scenarios = SCENARIOS.stream().filter(sc -> sc.config.equals(config)).toList();
        long t0 = System.nanoTime();
        try (TestPostern postern = Comparison.startPostern(Files.createDirectories(dir.resolve("postern-" + config)), mainCf)) {
            comparison.run(scenarios, postfixPort, postern.smtpPort(), report);
        }
        report.append("## configuration ").append(config).append(": ").append(scenarios.size()).append(" scenarios in ")
                .append((System.nanoTime() - t0) / 1_000_000).append(" ms\n");
        return report.toString();
    }

    /**
     * main.cf lines as master.cf {@code -o} overrides of one listener: {@code { name = value }}
     * (the braces allow spaces in the value; continuation lines are joined).
     */
    static List<String> overrides(String mainCf) {
        List<String> out = new ArrayList<>();
        StringBuilder current = null;
        for (String line : mainCf.split("\n")) {
            if (line.isBlank() || line.strip().startsWith("#")) {
                continue;
            }
            if (Character.isWhitespace(line.charAt(0)) && current != null) {
                current.append(' ').append(line.strip());
                continue;
            }
            if (current != null) {
                out.add("{ " + current + " }");
            }
            current = new StringBuilder(line.strip());
        }
        if (current != null) {
            out.add("{ " + current + " }");
        }
        return out;
    }
}
