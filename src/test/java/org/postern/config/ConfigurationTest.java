package org.postern.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigurationTest {

    private static final Path DIR = Path.of("/etc/postern");

    static Configuration load(String main, String master) throws ConfigException {
        return Configuration.fromText(DIR, "myhostname = mx.example.test\n" + main, master,
                TableChecker.NONE, RestrictionChecker.NONE);
    }

    static List<String> errors(String main, String master) {
        try {
            load(main, master);
            return List.of();
        } catch (ConfigException e) {
            return e.problems().stream().filter(ConfigProblem::isError).map(ConfigProblem::toString).toList();
        }
    }

    @Test
    void defaultsHaveThreeListeners() {
        Configuration c = Configuration.defaults();
        assertThat(c.configDir()).isNull();
        assertThat(c.listeners()).extracting(Listener::name, Listener::port, Listener::wrapperMode).containsExactly(
                org.assertj.core.groups.Tuple.tuple("smtp", 25, false),
                org.assertj.core.groups.Tuple.tuple("submission", 587, false),
                org.assertj.core.groups.Tuple.tuple("submissions", 465, true));
        ParameterSet sub = c.listener("submission").orElseThrow().parameters();
        assertThat(sub.get("smtpd_tls_security_level")).isEqualTo("encrypt");
        assertThat(sub.bool("smtpd_sasl_auth_enable")).isTrue();
        assertThat(sub.list("smtpd_client_restrictions")).containsExactly("permit_sasl_authenticated", "reject");
        assertThat(sub.origin("smtpd_tls_auth_only").file()).isEqualTo(Configuration.BUILT_IN_MASTER_CF);
        assertThat(c.main().bool("smtpd_sasl_auth_enable")).isFalse();
        assertThat(c.main().get("virtual_mailbox_base")).isEqualTo("data/mail");
        assertThat(c.main().time("postern_shutdown_timeout")).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.main().time("maximal_queue_lifetime")).isEqualTo(Duration.ofDays(5));
        assertThat(c.main().size("message_size_limit")).isEqualTo(10240000L);
        assertThat(c.main().get("smtpd_forbid_bare_newline")).isEqualTo("normalize");
        assertThat(c.main().origin("relayhost")).isEqualTo(Origin.BUILT_IN);
    }

    @Test
    void loadsDirectoryWithoutFiles(@TempDir Path dir) throws Exception {
        Configuration c = Configuration.load(dir);
        assertThat(c.configDir()).isEqualTo(dir);
        assertThat(c.listeners()).hasSize(3);
        Files.writeString(dir.resolve("main.cf"), "smtpd_helo_required = yes\n");
        Files.writeString(dir.resolve("master.cf"), "127.0.0.1:2525 inet n - n - - smtpd\n");
        c = Configuration.load(dir);
        assertThat(c.main().bool("smtpd_helo_required")).isTrue();
        assertThat(c.main().origin("smtpd_helo_required")).isEqualTo(Origin.of(dir.resolve("main.cf"), 1));
        assertThat(c.listeners()).singleElement().satisfies(l -> {
            assertThat(l.host()).isEqualTo("127.0.0.1");
            assertThat(l.port()).isEqualTo(2525);
        });
    }

    @Test
    void listenerOverridesChangeEveryReferringParameter() throws Exception {
        Configuration c = load("""
                mua_client_restrictions = permit_sasl_authenticated, reject
                smtpd_tls_cert_file = /etc/ssl/$myhostname.pem
                smtpd_banner = $myhostname ESMTP
                """, """
                smtp inet n - y - - smtpd
                [::1]:submission inet n - y - - smtpd
                  -o myhostname=submit.example.test
                  -o smtpd_client_restrictions=$mua_client_restrictions
                  -o syslog_name=postern/$service_name
                """);
        ParameterSet main = c.main();
        ParameterSet sub = c.listener("[::1]:submission").orElseThrow().parameters();
        assertThat(main.get("smtpd_tls_cert_file")).isEqualTo("/etc/ssl/mx.example.test.pem");
        assertThat(sub.get("smtpd_tls_cert_file")).isEqualTo("/etc/ssl/submit.example.test.pem");
        assertThat(sub.get("smtpd_tls_key_file")).isEqualTo("/etc/ssl/submit.example.test.pem");
        assertThat(sub.raw("smtpd_tls_key_file")).isEqualTo("$smtpd_tls_cert_file");
        assertThat(sub.get("smtpd_banner")).isEqualTo("submit.example.test ESMTP");
        assertThat(sub.get("syslog_name")).isEqualTo("postern/[::1]:submission");
        assertThat(sub.get("mydomain")).isEqualTo("example.test");
        assertThat(sub.list("smtpd_client_restrictions")).containsExactly("permit_sasl_authenticated", "reject");
        assertThat(sub.origin("smtpd_client_restrictions")).isEqualTo(Origin.of(DIR.resolve("master.cf"), 2));
        assertThat(sub.isExplicit("smtpd_client_restrictions")).isTrue();
        assertThat(main.isExplicit("smtpd_client_restrictions")).isFalse();
        Listener l = c.listener("[::1]:submission").orElseThrow();
        assertThat(l.host()).isEqualTo("::1");
        assertThat(l.port()).isEqualTo(587);
        assertThat(c.warnings()).isEmpty();
    }

    @Test
    void expansionForms() throws Exception {
        Configuration c = load("""
                a = x
                empty =
                t1 = ${a?set}|${empty?set}|${undefined1?set}
                t2 = ${a:unset}|${empty:unset}|${undefined2:unset}
                t3 = ${a?{yes, a}}|${empty:{no, $a}}|${a?{one}:{two}}|${empty?{one}:{two}}
                t4 = $(a) ${a} $a $$a $$$a
                smtpd_banner = $t1 $t2 $t3 $t4
                """, null);
        ParameterSet m = c.main();
        assertThat(m.get("t1")).isEqualTo("set||");
        assertThat(m.get("t2")).isEqualTo("|unset|unset");
        assertThat(m.get("t3")).isEqualTo("yes, a|no, x|one|two");
        assertThat(m.get("t4")).isEqualTo("x x x $a $x");
        assertThat(m.raw("t4")).isEqualTo("$(a) ${a} $a $$a $$$a");
        assertThat(c.warnings()).extracting(ConfigProblem::message).contains(
                "$undefined1 is not defined and expands to nothing");
    }

    @Test
    void loopsAreProblemsNotStackOverflows() {
        assertThat(errors("""
                myorigin = $mydomain
                mydomain = ${myorigin}.test
                """, null)).anySatisfy(e -> assertThat(e).startsWith("/etc/postern/main.cf:3: error: mydomain = ${myorigin}.test: "
                + "parameter reference loop: $mydomain -> $myorigin -> $mydomain"));
        assertThat(errors("smtpd_banner = ${mail_name\n", null)).singleElement().asString().contains("missing '}'");
    }

    @Test
    void typeValidationSaysWhatIsValid() {
        List<String> errors = errors("""
                smtpd_helo_required = maybe
                smtpd_timeout = 5x
                message_size_limit = 10M
                smtpd_recipient_limit = many
                smtpd_tls_security_level = $secret_level
                secret_level = required
                mynetworks = 10.0.0.0/8, 300.1.1.1, [::1]/129, !192.168.0.0/16, /etc/nets, cidr:/etc/n.cidr, fe80::/10
                dns_servers = 127.0.0.1:5353, [::1]:53, resolver:99999
                database_url = mysql://x
                virtual_alias_maps = /etc/postfix/virtual
                """, null);
        assertThat(errors).containsExactly(
                "/etc/postern/main.cf:2: error: smtpd_helo_required = maybe: bad boolean value; use yes or no",
                "/etc/postern/main.cf:3: error: smtpd_timeout = 5x: bad time value; use a number with an optional unit s, m, h, d or w (e.g. 300s); a bare number means seconds",
                "/etc/postern/main.cf:4: error: message_size_limit = 10M: bad size value; use a number of bytes without unit, e.g. 10240000",
                "/etc/postern/main.cf:5: error: smtpd_recipient_limit = many: bad integer value; use a whole number, e.g. 1000",
                "/etc/postern/main.cf:6: error: smtpd_tls_security_level = $secret_level (expands to: required): bad keyword value; use one of none, may, encrypt (or leave empty)",
                "/etc/postern/main.cf:8: error: mynetworks = 10.0.0.0/8, 300.1.1.1, [::1]/129, !192.168.0.0/16, /etc/nets, cidr:/etc/n.cidr, fe80::/10: bad network list value; '300.1.1.1' is not valid; use CIDR blocks (10.0.0.0/8), [ipv6]/len, host names, !exclusions, /file names or type:table",
                "/etc/postern/main.cf:9: error: dns_servers = 127.0.0.1:5353, [::1]:53, resolver:99999: bad host:port list value; 'resolver:99999' is not valid; use host[:port] or [ipv6]:port, port 1-65535",
                "/etc/postern/main.cf:10: error: database_url = mysql://x: bad database URL value; use postgresql://user[:password]@host[:port]/database, sqlite:PATH, a jdbc: URL, or leave empty for SQLite",
                "/etc/postern/main.cf:11: error: virtual_alias_maps = /etc/postfix/virtual: bad lookup table list value; each item must be a lookup table type:name, e.g. hash:/etc/postfix/virtual_alias");
    }

    @Test
    void dnsCacheSizeIsZeroOrMore() {
        assertThat(errors("postern_dns_cache_size = -5\n", null)).containsExactly(
                "/etc/postern/main.cf:2: error: postern_dns_cache_size = -5: bad integer value; use 0 (no cache) "
                        + "or a number of answers to keep, e.g. 10000");
        assertThat(errors("postern_dns_cache_size = 0\n", null)).isEmpty();
    }

    @Test
    void timeUnitsFollowTheParameter() throws Exception {
        ParameterSet m = load("delay_warning_time = 4\nsmtpd_timeout = 2m\nmaximal_queue_lifetime = 1w\n", null).main();
        assertThat(m.time("delay_warning_time")).isEqualTo(Duration.ofHours(4));
        assertThat(m.time("smtpd_timeout")).isEqualTo(Duration.ofMinutes(2));
        assertThat(m.time("maximal_queue_lifetime")).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void unknownParameterGetsSuggestion() {
        assertThat(errors("smtpd_helo_requried = yes\nfrobnicate = 1\n", null)).containsExactly(
                "/etc/postern/main.cf:2: error: smtpd_helo_requried: unknown parameter; did you mean smtpd_helo_required?",
                "/etc/postern/main.cf:3: error: frobnicate: unknown parameter; see docs/parameters.md for the parameters "
                        + "Postern knows; a parameter of your own must be referred to as $frobnicate somewhere or listed "
                        + "in smtpd_restriction_classes");
        assertThat(errors("", "smtp inet n - n - - smtpd -o smtpd_tls_wrapermode=yes\n")).containsExactly(
                "/etc/postern/master.cf:1: error: smtpd_tls_wrapermode: unknown parameter; did you mean smtpd_tls_wrappermode?");
    }

    @Test
    void userDefinedAndPostfixOnlyParameters() throws Exception {
        Configuration c = load("""
                mua_sender_restrictions = reject_sender_login_mismatch
                smtpd_restriction_classes = from_friends
                from_friends = permit
                readme_directory = /usr/share/doc/postfix
                alias_maps = hash:/etc/aliases
                smtp-amavis_destination_concurrency_limit = 2
                """, """
                smtp inet n - n - - smtpd
                submission inet n - n - - smtpd -o smtpd_sender_restrictions=$mua_sender_restrictions
                smtp-amavis unix - - n - 2 smtp
                """);
        assertThat(c.warnings()).extracting(ConfigProblem::toString).containsExactly(
                "/etc/postern/main.cf:5: warning: readme_directory: accepted for compatibility, not used by Postern; you may remove it",
                "/etc/postern/main.cf:6: warning: alias_maps: accepted for compatibility, not used by Postern; you may remove it",
                "/etc/postern/main.cf:7: warning: smtp-amavis_destination_concurrency_limit: per-transport setting for master.cf service smtp-amavis; accepted for compatibility, not used by Postern; you may remove it");
    }

    @Test
    void debianMasterCfLoads() throws Exception {
        Configuration c = load("", MasterCfTest.resource("debian12-master.cf"));
        assertThat(c.listeners()).extracting(Listener::name).containsExactly("smtp", "submission", "submissions");
        assertThat(c.listener("submissions").orElseThrow().parameters().list("smtpd_client_restrictions"))
                .containsExactly("permit_sasl_authenticated", "reject");
        assertThat(c.listener("submission").orElseThrow().parameters().get("smtpd_recipient_restrictions")).isEmpty();
        assertThat(c.warnings()).extracting(ConfigProblem::toString).contains(
                "/etc/postern/master.cf:68: warning: maildrop unix ... pipe: Postern does not run the Postfix program 'pipe'; "
                        + "this service is ignored; remove it, or use Postern's built-in feature instead (e.g. check_spf for policyd-spf)",
                "/etc/postern/master.cf:15: warning: milter_macro_daemon_name: accepted for compatibility, not used by Postern; you may remove it");
    }

    @Test
    void tableCheckerSeesEveryTable() {
        TableChecker checker = spec -> spec.startsWith("btree:") ? "btree is not supported; use hash: or cdb:" : null;
        assertThatThrownBy(() -> Configuration.fromText(DIR, "transport_maps = hash:/a, btree:/b\n", null, checker,
                RestrictionChecker.NONE)).isInstanceOf(ConfigException.class).hasMessage(
                "/etc/postern/main.cf:1: error: transport_maps = hash:/a, btree:/b: btree:/b: btree is not supported; use hash: or cdb:");
    }

    @Test
    void badListenerPort() {
        assertThat(errors("", "imap inet n - n - - smtpd\n")).containsExactly(
                "/etc/postern/master.cf:1: error: imap: unknown port in service name; use [host:]port with a port number (1-65535) or smtp, submission or submissions");
    }

    @Test
    void listSplittingKeepsBraceGroups() {
        assertThat(PostfixLists.split("a, b  c,,inline:{x=1, y=2} check_policy_service { inet:127.0.0.1:9, timeout=10s },d"))
                .containsExactly("a", "b", "c", "inline:{x=1, y=2}", "check_policy_service", "{ inet:127.0.0.1:9, timeout=10s }", "d");
    }

    @Test
    void postfixOnlyAndKnownParametersDoNotOverlap() {
        assertThat(PostfixOnlyParameters.names()).noneMatch(Parameters::isKnown);
    }
}
