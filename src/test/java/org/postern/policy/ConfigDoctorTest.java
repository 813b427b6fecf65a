package org.postern.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.postern.config.ConfigException;
import org.postern.config.ConfigProblem;
import org.postern.config.Configuration;
import org.postern.config.TableChecker;

/** Each doctor warning from a config snippet, with its exact text. */
class ConfigDoctorTest {

    static final Path DIR = Path.of("/etc/postern");

    /** A port-25 listener and a submission listener with SASL and encrypt, like the built-in master.cf. */
    static final String MASTER = """
            smtp       inet n - n - - smtpd
            submission inet n - n - - smtpd
              -o smtpd_tls_security_level=encrypt
              -o smtpd_sasl_auth_enable=yes
            """;

    static List<String> warnings(String mainCf, String masterCf) throws ConfigException {
        return Configuration.fromText(DIR, mainCf, masterCf, TableChecker.NONE, RestrictionCatalog.WITH_DOCTOR)
                .warnings().stream().map(ConfigProblem::toString).toList();
    }

    static final String SMTP_ONLY = "smtp inet n - n - - smtpd\n";

    static List<String> warnings(String mainCf) throws ConfigException {
        return warnings(mainCf, MASTER);
    }

    @Test
    void builtInDefaultsHaveNoWarnings() throws Exception {
        assertThat(Configuration.defaults().validate(TableChecker.NONE, RestrictionCatalog.WITH_DOCTOR)).isEmpty();
        assertThat(warnings("", null)).isEmpty();
    }

    @Test
    void reverseDnsCheckBeforePermitSaslOnASubmissionListener() throws Exception {
        assertThat(warnings("smtpd_client_restrictions = reject_unknown_reverse_client_hostname, "
                + "reject_rbl_client zen.spamhaus.org=127.0.0.[2..11], permit_sasl_authenticated\n"
                + "smtpd_helo_restrictions = permit_sasl_authenticated, reject_invalid_helo_hostname\n"))
                .containsExactlyInAnyOrder("/etc/postern/main.cf:1: warning: smtpd_client_restrictions (listener submission): "
                        + "reject_unknown_reverse_client_hostname, reject_rbl_client before permit_sasl_authenticated on "
                        + "a listener where users log in (smtpd_sasl_auth_enable = yes): a user on a network without "
                        + "reverse DNS or with a laptop's HELO name (hotel, mobile, CGNAT) is refused even after AUTH; "
                        + "put permit_sasl_authenticated first, or give the listener its own list in master.cf, e.g. "
                        + "-o smtpd_client_restrictions=permit_sasl_authenticated,reject",
                        "/etc/postern/main.cf:1: warning: listener smtp: permit_sasl_authenticated in "
                        + "smtpd_client_restrictions, smtpd_helo_restrictions never matches: smtpd_sasl_auth_enable = "
                        + "no on this listener: AUTH is not offered, so no client is ever authenticated here; users "
                        + "submit on a listener with SASL (submission, ports 587/465); remove permit_sasl_authenticated "
                        + "from these lists or set -o smtpd_sasl_auth_enable=yes on this listener");
        // a HELO check without permit_sasl_authenticated at all
        assertThat(warnings("smtpd_helo_restrictions = reject_non_fqdn_helo_hostname\n").getFirst())
                .isEqualTo("/etc/postern/main.cf:1: warning: smtpd_helo_restrictions (listener submission): "
                        + "reject_non_fqdn_helo_hostname before permit_sasl_authenticated on a listener where users log "
                        + "in (smtpd_sasl_auth_enable = yes): a user on a network without reverse DNS or with a laptop's "
                        + "HELO name (hotel, mobile, CGNAT) is refused even after AUTH; put permit_sasl_authenticated "
                        + "first, or give the listener its own list in master.cf, e.g. -o smtpd_helo_restrictions=");
    }

    @Test
    void loginMismatchWithoutMapsOrWithoutSasl() throws Exception {
        assertThat(warnings("smtpd_sender_login_maps =\n", """
                submission inet n - n - - smtpd
                  -o smtpd_tls_security_level=encrypt
                  -o smtpd_sasl_auth_enable=yes
                  -o smtpd_sender_restrictions=reject_sender_login_mismatch
                """)).containsExactly("/etc/postern/master.cf:1: warning: smtpd_sender_restrictions (listener "
                + "submission): reject_sender_login_mismatch with an empty smtpd_sender_login_maps: no address has an "
                + "owner, so reject_sender_login_mismatch and reject_authenticated_sender_login_mismatch refuse every "
                + "logged-in sender (553 5.7.1 ... not owned by user), the other variants never match; set "
                + "smtpd_sender_login_maps to a table of address -> login (Postern's default is postern:sender_logins)");
        assertThat(warnings("smtpd_sender_restrictions = reject_known_sender_login_mismatch\n"))
                .containsExactly("/etc/postern/main.cf:1: warning: smtpd_sender_restrictions (listener smtp): "
                        + "reject_known_sender_login_mismatch is skipped on this listener because smtpd_sasl_auth_enable "
                        + "= no (Postfix logs \"ignored: no SASL support\"), so it stops nobody from using your users' "
                        + "addresses here; list it in the smtpd_sender_restrictions of the listeners where users log in "
                        + "(-o in master.cf) and remove it here");
    }

    @Test
    void permitSaslAuthenticatedWithDelayRejectNo() throws Exception {
        assertThat(warnings("smtpd_delay_reject = no\nsmtpd_client_restrictions = permit_sasl_authenticated, reject\n",
                "submission inet n - n - - smtpd -o smtpd_tls_security_level=encrypt -o smtpd_sasl_auth_enable=yes\n"))
                .containsExactly("/etc/postern/main.cf:2: warning: listener submission: permit_sasl_authenticated in "
                        + "smtpd_client_restrictions never matches: smtpd_delay_reject = no makes these lists run at "
                        + "CONNECT and HELO, before the client can send AUTH; set smtpd_delay_reject = yes (the default)");
    }

    @Test
    void authWithoutTls() throws Exception {
        assertThat(warnings("", "submission inet n - n - - smtpd -o smtpd_sasl_auth_enable=yes\n"))
                .containsExactly("/etc/postern/master.cf:1: warning: smtpd_sasl_auth_enable = yes (listener "
                        + "submission): AUTH is offered without TLS (smtpd_tls_auth_only = no, smtpd_tls_security_level "
                        + "= may): a client may send its password in clear text; -o smtpd_tls_auth_only=yes or "
                        + "-o smtpd_tls_security_level=encrypt on this listener (smtpd_tls_wrappermode=yes for port 465)");
        assertThat(warnings("", "submissions inet n - n - - smtpd -o smtpd_sasl_auth_enable=yes "
                + "-o smtpd_tls_wrappermode=yes\n")).isEmpty();
        assertThat(warnings("", "submission inet n - n - - smtpd -o smtpd_sasl_auth_enable=yes "
                + "-o smtpd_tls_auth_only=yes\n")).isEmpty();
    }

    @Test
    void deadEntriesAfterAnUnconditionalAction() throws Exception {
        assertThat(warnings("smtpd_client_restrictions = permit_mynetworks, reject, check_client_access "
                + "inline:{1.2.3.4=OK}\nsmtpd_helo_restrictions = warn_if_reject reject, reject_invalid_helo_hostname\n"
                + "smtpd_data_restrictions = permit, reject_multi_recipient_bounce\n", SMTP_ONLY))
                .containsExactly("/etc/postern/main.cf:1: warning: smtpd_client_restrictions: check_client_access is "
                                + "never evaluated: the unconditional 'reject' before it ends the list for every client; "
                                + "remove it, or move 'reject' to the end",
                        "/etc/postern/main.cf:3: warning: smtpd_data_restrictions: reject_multi_recipient_bounce is never "
                                + "evaluated: the unconditional 'permit' before it ends the list for every client; remove "
                                + "it, or move 'permit' to the end");
    }

    @Test
    void unauthPipeliningWhereItCannotMatch() throws Exception {
        assertThat(warnings("smtpd_data_restrictions = reject_unauth_pipelining\n", null))
                .containsExactly("/etc/postern/main.cf:1: warning: smtpd_data_restrictions: reject_unauth_pipelining "
                        + "never matches: with smtpd_forbid_unauth_pipelining = yes (the default) improper pipelining is "
                        + "answered with 554 5.5.0 Error: SMTP protocol synchronization and a disconnect before any "
                        + "restriction list runs; remove it, or set smtpd_forbid_unauth_pipelining = no and keep it in "
                        + "smtpd_data_restrictions only");
        assertThat(warnings("smtpd_forbid_unauth_pipelining = no\nsmtpd_data_restrictions = reject_unauth_pipelining\n"
                + "smtpd_client_restrictions = reject_unauth_pipelining\n", null))
                .containsExactly("/etc/postern/main.cf:3: warning: smtpd_client_restrictions: reject_unauth_pipelining "
                        + "here runs at RCPT TO (smtpd_delay_reject = yes), before DATA: it misses clients that send the "
                        + "message without waiting for the 354 reply to DATA, the improper pipelining it exists for; "
                        + "move it to smtpd_data_restrictions");
        // with delay_reject = no the client list runs at CONNECT, where a pregreet sets the flag
        assertThat(warnings("smtpd_forbid_unauth_pipelining = no\nsmtpd_delay_reject = no\n"
                + "smtpd_client_restrictions = reject_unauth_pipelining\n", SMTP_ONLY)).isEmpty();
    }

    @Test
    void dmarcBeforeTheMessage() throws Exception {
        assertThat(warnings("smtpd_recipient_restrictions = reject_unauth_destination, check_dmarc\n", null))
                .containsExactly("/etc/postern/main.cf:1: warning: smtpd_recipient_restrictions: check_dmarc never "
                        + "matches here: DMARC needs the message's From header and DKIM signatures, which exist only "
                        + "after the message is received; move it to smtpd_end_of_data_restrictions");
        assertThat(warnings("smtpd_end_of_data_restrictions = check_dmarc\n", null)).isEmpty();
    }

    @Test
    void rblWithoutReplyFilter() throws Exception {
        assertThat(warnings("smtpd_client_restrictions = reject_rbl_client zen.spamhaus.org, "
                + "reject_rbl_client bl.example=127.0.0.2\nsmtpd_sender_restrictions = reject_rhsbl_sender dbl.spamhaus.org\n",
                null)).containsExactly(
                "/etc/postern/main.cf:1: warning: smtpd_client_restrictions: reject_rbl_client zen.spamhaus.org has no "
                        + "reply filter: any answer counts as listed, including the 127.255.255.x codes some lists "
                        + "return for errors (public resolver, over quota), which then refuse every client; accept only "
                        + "the list's listing codes, e.g. reject_rbl_client zen.spamhaus.org=127.0.0.[2..11] (check the "
                        + "list's documentation)",
                "/etc/postern/main.cf:2: warning: smtpd_sender_restrictions: reject_rhsbl_sender dbl.spamhaus.org has no "
                        + "reply filter: any answer counts as listed, including the 127.255.255.x codes some lists "
                        + "return for errors (public resolver, over quota), which then refuse every client; accept only "
                        + "the list's listing codes, e.g. reject_rhsbl_sender dbl.spamhaus.org=127.0.1.[2..99] (check "
                        + "the list's documentation)");
    }

    /** Section 9's fix: users submit on 587/465 with AUTH and TLS; login maps are defined. */
    static final String SECTION_9_FIX_MASTER = """
            smtp        inet n - n - - smtpd
            submission  inet n - n - - smtpd
              -o smtpd_tls_security_level=encrypt
              -o smtpd_sasl_auth_enable=yes
              -o smtpd_client_restrictions=permit_sasl_authenticated,reject
            submissions inet n - n - - smtpd
              -o smtpd_tls_wrappermode=yes
              -o smtpd_sasl_auth_enable=yes
              -o smtpd_client_restrictions=permit_sasl_authenticated,reject
            """;

    /**
     * The section 9 configuration with its fix still gets the warnings we intend: on port 25
     * (SASL off) permit_sasl_authenticated and reject_sender_login_mismatch do nothing, and
     * reject_unauth_pipelining never matches while smtpd_forbid_unauth_pipelining = yes. The
     * submission listeners get none. With those entries removed, nothing is left to warn about.
     */
    @Test
    void section9WithTheFixOnlyKeepsTheIntendedWarnings() throws Exception {
        String main = LaptopScenarioTest.SECTION_9 + "smtpd_sender_login_maps = inline:{alice@example.test=alice@example.test}\n";
        List<String> w = warnings(main, SECTION_9_FIX_MASTER);
        assertThat(w).hasSize(7).noneMatch(x -> x.contains("listener submission"));
        assertThat(w).filteredOn(x -> x.contains("listener smtp")).hasSize(2);
        assertThat(w).filteredOn(x -> x.contains("reject_unauth_pipelining never matches")).hasSize(5);
        assertThat(w.getFirst()).startsWith("/etc/postern/main.cf:2: warning: listener smtp: permit_sasl_authenticated in "
                + "smtpd_client_restrictions, smtpd_helo_restrictions, smtpd_sender_restrictions, "
                + "smtpd_relay_restrictions, smtpd_recipient_restrictions, smtpd_data_restrictions never matches");

        String cleaned = """
                smtpd_helo_required = yes
                smtpd_client_restrictions = permit_mynetworks, reject_unknown_reverse_client_hostname,
                  reject_unknown_client_hostname
                smtpd_helo_restrictions = permit_mynetworks, reject_invalid_helo_hostname
                smtpd_sender_restrictions = permit_mynetworks, reject_non_fqdn_sender, reject_unknown_sender_domain
                smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated,
                  reject_non_fqdn_recipient, reject_unknown_recipient_domain, reject_unauth_destination
                smtpd_data_restrictions = reject_multi_recipient_bounce
                smtpd_sender_login_maps = inline:{alice@example.test=alice@example.test}
                """;
        String master = SECTION_9_FIX_MASTER.replace("permit_sasl_authenticated,reject\n",
                "permit_sasl_authenticated,reject\n  -o smtpd_sender_restrictions=reject_sender_login_mismatch\n"
                + "  -o smtpd_helo_restrictions=\n");
        // the relay list is shared: permit_sasl_authenticated there is for the submission listeners
        assertThat(warnings(cleaned, master)).containsExactly("/etc/postern/main.cf:6: warning: listener smtp: "
                + "permit_sasl_authenticated in smtpd_relay_restrictions never matches: smtpd_sasl_auth_enable = no on "
                + "this listener: AUTH is not offered, so no client is ever authenticated here; users submit on a "
                + "listener with SASL (submission, ports 587/465); remove permit_sasl_authenticated from these lists or "
                + "set -o smtpd_sasl_auth_enable=yes on this listener");
    }
}
