package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.dkim.DkimAlgorithm;
import org.postern.dkim.DkimKeys;
import org.postern.store.Database;
import org.postern.store.DkimKey;
import org.postern.store.DkimKeyStore;
import org.postern.testing.TestDnsServer;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * {@code postern dns records|check} against a loopback DNS server and a SQLite store whose
 * DKIM keys are generated through the store: a correct domain, then one broken record at a time.
 */
class DnsCommandTest {

    static final String DOMAIN = "example.org";
    static final String HOST = "mail.example.org";
    static final String IP = "192.0.2.10";
    static final String PTR_NAME = "10.2.0.192.in-addr.arpa";
    static final String DMARC = "\"v=DMARC1; p=reject; rua=mailto:postmaster@example.org\"";

    @TempDir
    Path dir;

    TestDnsServer dns;
    String config;
    DkimKey rsa;
    DkimKey ed25519;

    @BeforeEach
    void setUp() throws Exception {
        dns = new TestDnsServer();
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(etc.resolve("main.cf"), "data_directory = " + dir.resolve("data") + "\n"
                + "myhostname = " + HOST + "\n"
                + "dns_servers = " + dns.address() + "\n");
        config = etc.toString();
        CliTest.Result add = CliTest.run("-c", config, "domain", "add", DOMAIN);
        assertThat(add.exit()).as(add.err()).isZero();
        rsa = addKey("rsa1", DkimAlgorithm.RSA_SHA256, true);
        ed25519 = addKey("ed1", DkimAlgorithm.ED25519_SHA256, true);
        addKey("next", DkimAlgorithm.ED25519_SHA256, false); // pending: listed by records, not checked
    }

    private DkimKey addKey(String selector, DkimAlgorithm alg, boolean activate) throws Exception {
        try (Database db = Database.open("", dir.resolve("data"))) {
            DkimKeyStore store = new DkimKeyStore(db);
            var pair = DkimKeys.generate(alg, 2048);
            DkimKey key = store.add(DOMAIN, selector, alg.tag(), DkimKeys.privateKeyPem(pair.getPrivate()),
                    DkimKeys.publicKeyValue(pair.getPublic()));
            return activate ? store.setState(DOMAIN, selector, DkimKey.ACTIVE) : key;
        }
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    /** The key's TXT rdata as quoted strings of at most 255 bytes. */
    static String dkimRdata(DkimKey key) {
        String text = DkimKeys.txtRecord(DkimAlgorithm.fromTag(key.algorithm()), key.publicKey());
        return DkimKeys.txtStrings(text).stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(" "));
    }

    /** Everything a correct domain publishes, except the names listed in {@code skip} ("mx", "ptr", ...). */
    void publish(String... skip) {
        List<String> s = List.of(skip);
        if (!s.contains("mx")) {
            dns.add(DOMAIN, "MX", "10 " + HOST + ".");
        }
        dns.add(HOST, "A", IP);
        if (!s.contains("ptr")) {
            dns.add(PTR_NAME, "PTR", HOST + ".");
        }
        if (!s.contains("spf")) {
            dns.add(DOMAIN, "TXT", "\"v=spf1 mx -all\"");
        }
        dns.add(DOMAIN, "TXT", "\"google-site-verification=abc\""); // other TXT records are ignored
        if (!s.contains("dkim")) {
            dns.add("rsa1._domainkey." + DOMAIN, "TXT", dkimRdata(rsa));
        }
        dns.add("ed1._domainkey." + DOMAIN, "TXT", dkimRdata(ed25519));
        if (!s.contains("dmarc")) {
            dns.add("_dmarc." + DOMAIN, "TXT", DMARC);
        }
    }

    CliTest.Result check(String... extra) {
        List<String> args = new ArrayList<>(List.of("-c", config, "dns", "check", DOMAIN));
        args.addAll(List.of(extra));
        return CliTest.run(args.toArray(String[]::new));
    }

    /** The lines of one check (mx, spf, ...) with their fix lines. */
    static String lines(CliTest.Result r, String check) {
        StringBuilder sb = new StringBuilder();
        boolean in = false;
        for (String line : r.out().split("\n")) {
            if (line.matches("(ok|warning|error) +\\S+ .*")) {
                in = line.split(" +")[1].equals(check);
            } else if (!line.startsWith(" ")) {
                in = false;
            }
            if (in) {
                sb.append(line).append('\n');
            }
        }
        return sb.toString();
    }

    @Test
    void correctDomainIsAllOk() {
        publish();
        CliTest.Result r = check();
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).startsWith("dns check example.org (mail server mail.example.org)\n")
                .contains("ok       server  myhostname mail.example.org has address 192.0.2.10")
                .contains("ok       mx      MX of example.org 10 mail.example.org (192.0.2.10) is this server")
                .contains("ok       ptr     192.0.2.10 -> mail.example.org -> 192.0.2.10")
                .contains("ok       spf     SPF of example.org needs 1 of at most 10 DNS lookups")
                .contains("ok       spf     SPF of example.org authorises 192.0.2.10 (mx)")
                .contains("ok       dkim    key rsa1 (rsa-sha256) is published at rsa1._domainkey.example.org")
                .contains("ok       dkim    key ed1 (ed25519-sha256) is published")
                .contains("ok       dmarc   DMARC of example.org: \"v=DMARC1; p=reject;")
                .doesNotContain("next._domainkey")
                .endsWith("0 errors, 0 warnings\n");
        assertThat(r.out().lines().filter(l -> l.startsWith("ok ")).count()).isEqualTo(9);
    }

    @Test
    void serverIpOptionAndJson() {
        publish();
        CliTest.Result r = check("--server-ip", IP, "--json");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).startsWith("{\"domain\":\"example.org\",\"hostname\":\"mail.example.org\",\"no_mail\":false,"
                + "\"errors\":0,\"warnings\":0,\"findings\":[{\"check\":\"server\",\"status\":\"ok\","
                + "\"message\":\"server address 192.0.2.10 (given with --server-ip)\",\"fix\":\"\",\"temporary\":false}");
        // The check used the given address, not a lookup of myhostname's addresses first.
        assertThat(dns.queries().getFirst()).isEqualTo("example.org MX");
    }

    @Test
    void noMx() {
        publish("mx");
        CliTest.Result r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(lines(r, "mx")).isEqualTo("""
                error    mx      example.org has no MX record
                                 fix: publish example.org. IN MX 10 mail.example.org.
                """);
        // Without the MX, "v=spf1 mx -all" no longer authorises the server either.
        assertThat(lines(r, "spf")).contains("error    spf     SPF of example.org does not authorise 192.0.2.10: fail (-all)");
        assertThat(r.out()).endsWith("2 errors, 0 warnings\n");
    }

    @Test
    void mxToAForeignHost() {
        publish("mx");
        dns.add(DOMAIN, "MX", "10 mx.provider.example.");
        dns.add("mx.provider.example", "A", "198.51.100.25");
        CliTest.Result r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(lines(r, "mx")).contains("error    mx      MX of example.org points to 10 mx.provider.example (198.51.100.25),"
                + " not to this server (192.0.2.10)").contains("fix: replace it: publish example.org. IN MX 10 mail.example.org.");
    }

    @Test
    void nullMxOnAMailDomainIsAnError() {
        publish("mx");
        dns.add(DOMAIN, "MX", "0 .");
        CliTest.Result r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(lines(r, "mx")).contains("publishes a null MX (0 .): it accepts no mail");
    }

    @Test
    void ptrNamingAnotherHost() {
        publish("ptr");
        dns.add(PTR_NAME, "PTR", "host-192-0-2-10.hoster.example.");
        CliTest.Result r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(lines(r, "ptr")).contains("error    ptr     PTR of 192.0.2.10 is host-192-0-2-10.hoster.example, not myhostname mail.example.org")
                .contains("fix: ask whoever owns 192.0.2.10 (your hosting provider) to set its reverse DNS (PTR) to mail.example.org");
    }

    @Test
    void ptrWhoseNameDoesNotResolveBack() {
        // The server really is 192.0.2.10 but myhostname's A record says otherwise.
        dns.add(DOMAIN, "MX", "10 " + HOST + ".").add(HOST, "A", "192.0.2.99").add(PTR_NAME, "PTR", HOST + ".")
                .add(DOMAIN, "TXT", "\"v=spf1 ip4:192.0.2.10 -all\"");
        CliTest.Result r = check("--server-ip", IP);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(lines(r, "ptr")).contains("PTR of 192.0.2.10 is mail.example.org, but mail.example.org does not resolve back"
                + " to 192.0.2.10 (it has 192.0.2.99)").contains("fix: publish mail.example.org. IN A 192.0.2.10");
        assertThat(lines(r, "mx")).contains("error    mx      MX of example.org points to 10 mail.example.org (192.0.2.99)");
    }

    @Test
    void noPtr() {
        publish("ptr");
        CliTest.Result r = check();
        assertThat(lines(r, "ptr")).startsWith("error    ptr     192.0.2.10 has no PTR record\n");
    }

    @Test
    void twoSpfRecords() {
        publish();
        dns.add(DOMAIN, "TXT", "\"v=spf1 include:_spf.provider.example ~all\"");
        CliTest.Result r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(lines(r, "spf")).contains("error    spf     example.org has 2 SPF records; receivers get permerror (RFC 7208 section 4.5)")
                .contains("fix: merge them into one record");
    }

    @Test
    void spfOverTenLookups() {
        publish("spf");
        // 5 here (mx, a, a:x, two includes) + 3 in one + 2 in two (a, redirect) + 2 in three = 12;
        // the include with a macro is counted but not followed
        dns.add(DOMAIN, "TXT", "\"v=spf1 mx a a:x.example.org include:one.example.org include:two.example.org -all\"");
        dns.add("one.example.org", "TXT", "\"v=spf1 a:a1.example.org a:a2.example.org a:a3.example.org ~all\"");
        dns.add("two.example.org", "TXT", "\"v=spf1 a:b1.example.org redirect=three.example.org\"");
        dns.add("three.example.org", "TXT", "\"v=spf1 exists:%{i}.x.example.org include:%{d}.y.example.org\"");
        CliTest.Result r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(lines(r, "spf")).contains("error    spf     SPF of example.org needs 12 DNS lookups, over the limit of 10"
                + " (RFC 7208 section 4.6.4)").contains("one.example.org: 3 lookups").contains("fix: replace include:");
        // The server itself still passes: the first mechanism, mx, matches before the limit is reached.
        assertThat(lines(r, "spf")).contains("ok       spf     SPF of example.org authorises 192.0.2.10 (mx)");
    }

    @Test
    void spfNotAuthorisingTheServer() {
        publish("spf");
        dns.add(DOMAIN, "TXT", "\"v=spf1 ip4:198.51.100.0/24 -all\"");
        CliTest.Result r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(lines(r, "spf")).contains("error    spf     SPF of example.org does not authorise 192.0.2.10: fail (-all)")
                .contains("fix: add ip4:192.0.2.10 before the all term, e.g. publish example.org. IN TXT \"v=spf1 ip4:192.0.2.10 -all\"");
    }

    @Test
    void spfThatDoesNotParse() {
        publish("spf");
        dns.add(DOMAIN, "TXT", "\"v=spf1 ip4:192.0.2.300 -all\"");
        CliTest.Result r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(lines(r, "spf")).contains("error    spf     SPF record of example.org does not parse (malformed mechanism"
                + " 'ip4:192.0.2.300' (RFC 7208 section 5.6))");
    }

    @Test
    void missingSpfIsAnErrorWithTheRecordToPublish() {
        publish("spf");
        CliTest.Result r = check();
        assertThat(lines(r, "spf")).isEqualTo("""
                error    spf     example.org has no SPF record
                                 fix: publish example.org. IN TXT "v=spf1 ip4:192.0.2.10 -all"
                """);
    }

    @Test
    void dkimKeyNotPublished() {
        publish("dkim");
        CliTest.Result r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(lines(r, "dkim")).contains("error    dkim    active key rsa1 is not published at rsa1._domainkey.example.org")
                .contains("fix: publish rsa1._domainkey.example.org. IN TXT ( \"v=DKIM1; k=rsa; p=" + rsa.publicKey().substring(0, 200))
                .contains("ok       dkim    key ed1");
    }

    @Test
    void dkimKeyMismatch() {
        publish("dkim");
        // The record of another key (the ed25519 one's p= under the rsa selector).
        dns.add("rsa1._domainkey." + DOMAIN, "TXT", "\"v=DKIM1; k=rsa; p=" + ed25519.publicKey() + "\"");
        CliTest.Result r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(lines(r, "dkim")).contains("error    dkim    key record at rsa1._domainkey.example.org does not match the stored"
                + " rsa-sha256 key rsa1: signatures fail");
    }

    @Test
    void dkimRecordThatDoesNotParse() {
        publish("dkim");
        dns.add("rsa1._domainkey." + DOMAIN, "TXT", "\"v=DKIM1; k=rsa\"");
        CliTest.Result r = check();
        assertThat(lines(r, "dkim")).contains("error    dkim    key record at rsa1._domainkey.example.org does not parse: key record has no p= tag");
    }

    @Test
    void noActiveDkimKeyIsAWarning() throws Exception {
        try (Database db = Database.open("", dir.resolve("data"))) {
            DkimKeyStore store = new DkimKeyStore(db);
            store.setState(DOMAIN, "rsa1", DkimKey.RETIRED);
            store.setState(DOMAIN, "ed1", DkimKey.RETIRED);
        }
        publish();
        CliTest.Result r = check();
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(lines(r, "dkim")).startsWith("warning  dkim    example.org has no active DKIM key: its mail goes out unsigned");
        assertThat(r.out()).endsWith("0 errors, 1 warning\n");
    }

    @Test
    void dmarcMissing() {
        publish("dmarc");
        CliTest.Result r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(lines(r, "dmarc")).isEqualTo("""
                error    dmarc   example.org has no DMARC record at _dmarc.example.org
                                 fix: publish _dmarc.example.org. IN TXT "v=DMARC1; p=reject; rua=mailto:postmaster@example.org"
                """);
    }

    @Test
    void dmarcBroken() {
        publish("dmarc");
        dns.add("_dmarc." + DOMAIN, "TXT", "\"v=DMARC1; p=block\"");
        CliTest.Result r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(lines(r, "dmarc")).contains("error    dmarc   DMARC record of example.org is broken (p=block is not none,"
                + " quarantine or reject and there is no rua=");
    }

    @Test
    void dmarcWithoutPolicy() {
        // RFC 9989: a missing p= reads as p=none, so it is the p=none warning
        publish("dmarc");
        dns.add("_dmarc." + DOMAIN, "TXT", "\"v=DMARC1; rua=mailto:postmaster@example.org\"");
        assertThat(lines(check(), "dmarc")).contains("is p=none");
    }

    @Test
    void dmarcRecordMistakesReceiversWorkAroundAreWarnings() {
        publish("dmarc");
        dns.add("_dmarc." + DOMAIN, "TXT", "\"v=DMARC1; p=block; rua=mailto:postmaster@example.org\"");
        CliTest.Result r = check();
        assertThat(lines(r, "dmarc")).contains("warning  dmarc   DMARC record of example.org: p=block is not none, "
                + "quarantine or reject; acting as p=none");
    }

    @Test
    void twoDmarcRecords() {
        publish();
        dns.add("_dmarc." + DOMAIN, "TXT", "\"v=DMARC1; p=none\"");
        dns.add("_dmarc." + DOMAIN, "TXT", "\"not dmarc at all\"");
        CliTest.Result r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(lines(r, "dmarc")).contains("error    dmarc   _dmarc.example.org has 2 DMARC records; receivers apply no DMARC policy");
    }

    @Test
    void dmarcPolicyNoneIsAWarning() {
        publish("dmarc");
        dns.add("_dmarc." + DOMAIN, "TXT", "\"v=DMARC1; p=none\"");
        CliTest.Result r = check();
        assertThat(r.exit()).isZero();
        assertThat(lines(r, "dmarc")).startsWith("warning  dmarc   DMARC of example.org is p=none");
    }

    @Test
    void servfailIsReportedAsTemporaryNotAsMissing() {
        publish();
        dns.servfail(DOMAIN);
        dns.servfail("_dmarc." + DOMAIN);
        CliTest.Result r = check();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(lines(r, "mx")).isEqualTo("""
                error    mx      temporary DNS failure: MX lookup of example.org failed (SERVFAIL)
                                 fix: try again later; if it persists, check that your DNS servers answer for this name
                """);
        assertThat(lines(r, "spf")).startsWith("error    spf     temporary DNS failure: TXT lookup of example.org failed (SERVFAIL)");
        assertThat(lines(r, "dmarc")).startsWith("error    dmarc   temporary DNS failure: TXT lookup of _dmarc.example.org failed");
        assertThat(r.out()).doesNotContain("has no MX").doesNotContain("no SPF record").doesNotContain("no DMARC record");
        CliTest.Result json = check("--json");
        assertThat(json.out()).contains("\"check\":\"mx\",\"status\":\"error\",\"message\":\"temporary DNS failure: MX lookup"
                + " of example.org failed (SERVFAIL)\",\"fix\":\"try again later; if it persists, check that your DNS servers"
                + " answer for this name\",\"temporary\":true}");
    }

    @Test
    void servfailOfADkimKeyAndOfAnInclude() {
        publish("spf");
        dns.add(DOMAIN, "TXT", "\"v=spf1 include:_spf.provider.example mx -all\"");
        dns.servfail("_spf.provider.example");
        dns.servfail("ed1._domainkey." + DOMAIN);
        CliTest.Result r = check();
        assertThat(lines(r, "spf")).contains("error    spf     temporary DNS failure: counting the SPF lookups of example.org failed"
                + " (TXT lookup for _spf.provider.example failed: SERVFAIL)");
        assertThat(lines(r, "dkim")).contains("error    dkim    temporary DNS failure: TXT lookup of ed1._domainkey.example.org failed");
    }

    @Test
    void noMailDomain() {
        dns.add(DOMAIN, "MX", "0 .").add(DOMAIN, "TXT", "\"v=spf1 -all\"").add("_dmarc." + DOMAIN, "TXT", "\"v=DMARC1; p=reject\"");
        CliTest.Result r = check("--no-mail");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).isEqualTo("""
                dns check example.org (sends and receives no mail)
                ok       mx      null MX: example.org accepts no mail (RFC 7505)
                ok       spf     SPF of example.org "v=spf1 -all" authorises no host
                ok       dmarc   DMARC of example.org: "v=DMARC1; p=reject"
                0 errors, 0 warnings
                """);
        dns.clear();
        dns.add(DOMAIN, "MX", "10 " + HOST + ".").add(DOMAIN, "TXT", "\"v=spf1 mx -all\"");
        CliTest.Result wrong = check("--no-mail");
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.out()).contains("error    mx      example.org sends and receives no mail, but its MX is 10 mail.example.org")
                .contains("fix: publish example.org. IN MX 0 . as the only MX record (RFC 7505)")
                .contains("warning  spf     example.org sends no mail, but its SPF record \"v=spf1 mx -all\" authorises hosts")
                .contains("error    dmarc   example.org has no DMARC record");
    }

    @Test
    void badArguments() {
        CliTest.Result ip = check("--server-ip", "mail.example.org");
        assertThat(ip.exit()).isEqualTo(2);
        assertThat(ip.err()).contains("--server-ip: 'mail.example.org' is not an IPv4 or IPv6 address");
        CliTest.Result domain = CliTest.run("-c", config, "dns", "records", "localhost");
        assertThat(domain.exit()).isEqualTo(2);
        assertThat(domain.err()).contains("'localhost' is not a domain name");
    }

    // ---- dns records ----

    static List<Record> parseZone(String text) throws Exception {
        List<Record> out = new ArrayList<>();
        try (Master zone = new Master(new ByteArrayInputStream(("$TTL 3600\n" + text).getBytes(StandardCharsets.US_ASCII)),
                Name.root)) {
            for (Record r = zone.nextRecord(); r != null; r = zone.nextRecord()) {
                out.add(r);
            }
        }
        return out;
    }

    static String txt(Record r) {
        return String.join("", ((TXTRecord) r).getStrings());
    }

    @Test
    void recordsParseAsAZoneAndCarryTheStoredKeys() throws Exception {
        CliTest.Result r = CliTest.run("-c", config, "dns", "records", DOMAIN, "--server-ip", IP, "--server-ip", "2001:db8::25");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("; DNS records for example.org (mail server mail.example.org)\n")
                .contains("\n; mail for example.org goes to this server\nexample.org. IN MX 10 mail.example.org.\n")
                .contains("\nexample.org. IN TXT \"v=spf1 ip4:192.0.2.10 ip6:2001:db8:0:0:0:0:0:25 -all\"\n")
                .contains("publish it, then `postern dkim activate example.org next`")
                .contains("\n; 10.2.0.192.in-addr.arpa. IN PTR mail.example.org.\n")
                .contains("\n; 5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. IN PTR mail.example.org.\n");
        List<Record> zone = parseZone(r.out());
        assertThat(zone).extracting(rec -> rec.getName() + " " + Type.string(rec.getType())).containsExactly(
                "example.org. MX", "mail.example.org. A", "mail.example.org. AAAA", "example.org. TXT", "ed1._domainkey.example.org. TXT", "next._domainkey.example.org. TXT",
                "rsa1._domainkey.example.org. TXT", "_dmarc.example.org. TXT");
        assertThat(((MXRecord) zone.get(0)).getTarget().toString()).isEqualTo(HOST + ".");
        assertThat(txt(zone.get(6))).isEqualTo("v=DKIM1; k=rsa; p=" + rsa.publicKey());
        assertThat(((TXTRecord) zone.get(6)).getStrings()).hasSize(2).allMatch(s -> s.length() <= 255);
        assertThat(txt(zone.get(4))).isEqualTo("v=DKIM1; k=ed25519; p=" + ed25519.publicKey());
        assertThat(txt(zone.get(7))).isEqualTo("v=DMARC1; p=reject; rua=mailto:postmaster@example.org");
    }

    @Test
    void publishedRecordsPassTheCheck() throws Exception {
        CliTest.Result r = CliTest.run("-c", config, "dns", "records", DOMAIN, "--server-ip", IP);
        for (Record rec : parseZone(r.out())) {
            String rdata = rec.rdataToString();
            dns.add(rec.getName().toString(), Type.string(rec.getType()), rdata);
        }
        dns.add(PTR_NAME, "PTR", HOST + "."); // commented out in the output: the provider's zone
        CliTest.Result c = check();
        assertThat(c.exit()).as(c.out()).isZero();
        assertThat(c.out()).endsWith("0 errors, 0 warnings\n");
    }

    @Test
    void recordsWithoutServerIpUseMxAndNoMailRecords() throws Exception {
        CliTest.Result r = CliTest.run("-c", config, "dns", "records", DOMAIN);
        assertThat(r.out()).contains("example.org. IN TXT \"v=spf1 mx -all\"").doesNotContain(" IN A ");
        CliTest.Result none = CliTest.run("-c", config, "dns", "records", DOMAIN, "--no-mail");
        assertThat(none.out()).isEqualTo("""
                ; DNS records for example.org (sends and receives no mail)

                ; null MX (RFC 7505): example.org accepts no mail
                example.org. IN MX 0 .

                ; SPF (RFC 7208): no host sends mail for example.org
                example.org. IN TXT "v=spf1 -all"

                ; DMARC (RFC 9989): reject all mail claiming to be from example.org
                _dmarc.example.org. IN TXT "v=DMARC1; p=reject"
                """);
        assertThat(parseZone(none.out())).hasSize(3);
    }

    @Test
    void recordsJson() {
        CliTest.Result r = CliTest.run("-c", config, "dns", "records", DOMAIN, "--json");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("{\"domain\":\"example.org\",\"hostname\":\"mail.example.org\",\"no_mail\":false,\"records\":["
                + "{\"name\":\"example.org.\",\"type\":\"MX\",\"value\":\"10 mail.example.org.\",")
                .contains("{\"name\":\"rsa1._domainkey.example.org.\",\"type\":\"TXT\",\"value\":\"v=DKIM1; k=rsa; p=" + rsa.publicKey()
                        + "\",\"strings\":[\"v=DKIM1; k=rsa; p=");
    }
}
