package org.postern.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.postern.config.ConfigException;
import org.postern.config.ConfigProblem;
import org.postern.config.Configuration;
import org.postern.config.TableChecker;
import org.postern.testing.Section9;

class RestrictionCatalogTest {

    private static final Path DIR = Path.of("/etc/postfix");

    private static List<String> problems(String main, String master) {
        List<String> seen = new ArrayList<>();
        try {
            Configuration c = Configuration.fromText(DIR, "myhostname = mx.example.test\n" + main, master,
                    TableChecker.NONE, RestrictionCatalog.INSTANCE);
            c.warnings().forEach(w -> seen.add(w.toString()));
        } catch (ConfigException e) {
            e.problems().forEach(p -> seen.add(p.toString()));
        }
        return seen;
    }

    /** The main.cf of postfix-restrictions.md section 9 (accounts in PostgreSQL, Dovecot over LMTP). */
    static final String SECTION_9 = Section9.RESTRICTIONS + """
            virtual_transport = lmtp:unix:private/dovecot-lmtp
            virtual_mailbox_domains = pgsql:/etc/postfix/virtual_mailbox_domains.cf
            virtual_mailbox_maps = pgsql:/etc/postfix/virtual_mailbox_maps.cf
            virtual_alias_maps = pgsql:/etc/postfix/virtual_alias_maps.cf
            mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128
            inet_interfaces = all
            """;

    @Test
    void loadsSection9Configuration() throws Exception {
        List<String> checked = new ArrayList<>();
        TableChecker stub = spec -> {
            checked.add(spec);
            return spec.startsWith("pgsql:/etc/postfix/") || spec.startsWith("postern:") ? null : "unexpected " + spec;
        };
        Configuration c = Configuration.fromText(DIR, SECTION_9, "smtp inet n - y - - smtpd\n", stub,
                RestrictionCatalog.INSTANCE);
        assertThat(c.warnings()).isEmpty();
        assertThat(checked).contains("pgsql:/etc/postfix/virtual_mailbox_domains.cf",
                "pgsql:/etc/postfix/virtual_mailbox_maps.cf", "pgsql:/etc/postfix/virtual_alias_maps.cf",
                "postern:sender_logins");
        assertThat(c.main().list("smtpd_client_restrictions")).hasSize(5);
        assertThat(c.listener("smtp").orElseThrow().parameters().get("virtual_transport"))
                .isEqualTo("lmtp:unix:private/dovecot-lmtp");
    }

    @Test
    void unknownRestrictionAndMissingArguments() {
        assertThat(problems("""
                smtpd_client_restrictions = permit_mynetwork, check_client_access,
                  reject_rbl_client
                smtpd_helo_restrictions = sleep x, check_helo_access /etc/helo
                smtpd_sender_restrictions = check_sender_access hash:/etc/s, mua_class
                mua_class = permit
                """, null)).containsExactly(
                "/etc/postfix/main.cf:2: error: smtpd_client_restrictions = permit_mynetwork, check_client_access, reject_rbl_client: unknown restriction 'permit_mynetwork'; did you mean permit_mynetworks?",
                "/etc/postfix/main.cf:2: error: smtpd_client_restrictions = permit_mynetwork, check_client_access, reject_rbl_client: missing argument after 'check_client_access'; check_client_access needs a lookup table type:name, e.g. hash:/etc/postfix/access",
                "/etc/postfix/main.cf:2: error: smtpd_client_restrictions = permit_mynetwork, check_client_access, reject_rbl_client: missing argument after 'reject_rbl_client'; reject_rbl_client needs a DNS list domain, optionally with =reply-filter, e.g. zen.spamhaus.org=127.0.0.[2..11]",
                "/etc/postfix/main.cf:4: error: smtpd_helo_restrictions = sleep x, check_helo_access /etc/helo: bad argument 'x' for sleep: not a number; sleep needs a number of seconds",
                "/etc/postfix/main.cf:4: error: smtpd_helo_restrictions = sleep x, check_helo_access /etc/helo: bad argument '/etc/helo' for check_helo_access: not a lookup table; check_helo_access needs a lookup table type:name, e.g. hash:/etc/postfix/access",
                "/etc/postfix/main.cf:5: error: smtpd_sender_restrictions = check_sender_access hash:/etc/s, mua_class: unknown restriction 'mua_class'; to use the parameter mua_class as a restriction class, list it in smtpd_restriction_classes",
                "/etc/postfix/main.cf:6: error: mua_class: unknown parameter; see docs/parameters.md for the parameters Postern knows; a parameter of your own must be referred to as $mua_class somewhere or listed in smtpd_restriction_classes");
    }

    @Test
    void classesPolicyServiceAndBareTables() {
        assertThat(problems("""
                smtpd_restriction_classes = friends
                friends = check_sender_access hash:/etc/friends, permit
                smtpd_recipient_restrictions = cidr:/etc/clients.cidr, friends,
                  check_policy_service { inet:127.0.0.1:10023, timeout=10s, default_action=DUNNO },
                  check_policy_service unix:private/policy, reject_rbl_client zen.spamhaus.org=127.0.0.[2..11]
                smtpd_data_restrictions = hash:/etc/data
                """, null)).containsExactly(
                "/etc/postfix/main.cf:7: error: smtpd_data_restrictions = hash:/etc/data: 'hash:/etc/data': a bare lookup table has no meaning in smtpd_data_restrictions; name the check, e.g. check_client_access hash:/etc/data or check_sender_access hash:/etc/data");
    }

    @Test
    void removedAndDeprecatedRestrictions() {
        assertThat(problems("smtpd_recipient_restrictions = permit_mx_backup, check_relay_domains\n", null)).containsExactly(
                "/etc/postfix/main.cf:2: warning: smtpd_recipient_restrictions = permit_mx_backup, check_relay_domains: restriction 'permit_mx_backup' is deprecated; Postfix 3.9 deprecates it because it accepts mail for any domain that lists this host as MX; list the backup domains in relay_domains instead",
                "/etc/postfix/main.cf:2: error: smtpd_recipient_restrictions = permit_mx_backup, check_relay_domains: restriction 'check_relay_domains' is no longer supported; Postfix 3.9 removed it; use permit_auth_destination or reject_unauth_destination");
    }

    @Test
    void relaySafetyIsCheckedPerListener() {
        List<String> found = problems("smtpd_relay_restrictions = permit_mynetworks, warn_if_reject reject_unauth_destination\n", """
                smtp inet n - n - - smtpd
                submission inet n - n - - smtpd -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
                2525 inet n - n - - smtpd -o smtpd_recipient_restrictions=permit,reject
                """);
        assertThat(found).filteredOn(p -> p.contains("error")).containsExactly(
                "/etc/postfix/main.cf:2: error: service smtp: smtpd_relay_restrictions (/etc/postfix/main.cf:2) and smtpd_recipient_restrictions (built-in default): in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, specify at least one working instance of: reject_unauth_destination, defer_unauth_destination, reject, defer, defer_if_permit; add reject_unauth_destination after the permit_* entries of smtpd_relay_restrictions, or this service would relay mail for anyone",
                "/etc/postfix/main.cf:2: error: service 2525: smtpd_relay_restrictions (/etc/postfix/main.cf:2) and smtpd_recipient_restrictions (/etc/postfix/master.cf:3): in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, specify at least one working instance of: reject_unauth_destination, defer_unauth_destination, reject, defer, defer_if_permit; add reject_unauth_destination after the permit_* entries of smtpd_relay_restrictions, or this service would relay mail for anyone");
    }

    @Test
    void defaultConfigurationPassesTheCatalog() throws ConfigException {
        assertThat(Configuration.defaults().validate(TableChecker.NONE, RestrictionCatalog.INSTANCE)).isEmpty();
        assertThat(RestrictionCatalog.lookup("reject_unknown_client").orElseThrow().canonical())
                .isEqualTo("reject_unknown_client_hostname");
        assertThat(ConfigProblem.class).isNotNull();
    }

    @Test
    void checkSpfAndItsParametersAreAccepted() {
        assertThat(problems("""
                smtpd_sender_restrictions = check_spf
                smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, check_spf
                spf_tempfail_action = dunno
                spf_permerror_action = reject
                spf_helo_reject = no
                """, null)).isEmpty();
        assertThat(String.join("\n", problems("spf_tempfail_action = maybe\n", null))).contains("spf_tempfail_action");
        assertThat(Configuration.defaults().main().get("spf_tempfail_action")).isEqualTo("defer_if_permit");
        assertThat(Configuration.defaults().main().get("spf_permerror_action")).isEqualTo("dunno");
        assertThat(Configuration.defaults().main().get("spf_helo_reject")).isEqualTo("yes");
    }
}
