package org.postern.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postern.policy.PolicyServiceTest.PolicyServer;

/**
 * permit_tls_clientcerts, permit_tls_all_clientcerts and check_ccert_access (section 2.2), the
 * ccert_* policy attributes, smtpd_reject_footer_maps and smtpd_log_access_permit_actions. The
 * expected replies and log lines are those of the private Postfix 3.7.11 (see
 * difftest/DifferentialTlsTest for the same cases against it).
 */
class ClientCertRestrictionsTest {

    static final String CERT = "A2:55:33:52:20:91:0B:52:37:F1:DD:FE:7E:43:E6:41:F7:A2:33:C6:78:3B:C8:EB:9C:DD:C3:4E:E4:72:89:18";
    static final String PKEY = "AD:C4:CB:49:53:3C:D8:24:9B:2D:25:72:C4:FA:78:BC:B2:46:7E:25:0F:94:B5:88:97:45:83:0A:A1:AA:7B:2A";
    static final String OTHER = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";

    static PolicyFixture fx;

    @BeforeAll
    static void start() {
        fx = new PolicyFixture();
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    static String show(Decision d) {
        return d.reply() == null ? d.result().toString() : String.join("\n", d.replyLines());
    }

    /** A relay attempt (remote recipient) from a client that is not in mynetworks. */
    static Facts relay() {
        return new Facts().to("someone@remote.example");
    }

    static Facts trusted() {
        return relay().clientCert("client.example.test", "Test CA", true, CERT, PKEY);
    }

    static Facts untrusted(String fingerprint, String pubkey) {
        return relay().clientCert("self.example.test", "self.example.test", false, fingerprint, pubkey);
    }

    PolicyEngine relayByCerts(String relayCerts) {
        return fx.engine("""
                smtpd_tls_ask_ccert = yes
                relay_clientcerts = %s
                smtpd_relay_restrictions = permit_tls_clientcerts, reject_unauth_destination
                """.formatted(relayCerts));
    }

    @Test
    void permitTlsClientcertsByCertificateOrPublicKeyFingerprintTrustedOrNot() {
        PolicyEngine e = relayByCerts("inline:{" + CERT + "=x}");
        assertThat(show(e.newSession().rcpt(trusted()))).isEqualTo("ACCEPT");
        // the fingerprint is the credential: an untrusted certificate with a listed fingerprint relays
        assertThat(show(e.newSession().rcpt(untrusted(CERT, OTHER)))).isEqualTo("ACCEPT");
        assertThat(show(e.newSession().rcpt(untrusted(OTHER, OTHER))))
                .isEqualTo("554 5.7.1 <someone@remote.example>: Relay access denied");
        assertThat(show(relayByCerts("inline:{" + PKEY + "=x}").newSession().rcpt(untrusted(OTHER, PKEY))))
                .isEqualTo("ACCEPT");
        // no certificate, no TLS
        assertThat(show(e.newSession().rcpt(relay()))).startsWith("554 5.7.1");
        Facts tlsNoCert = relay();
        tlsNoCert.tlsActive = true;
        Decision d = e.newSession().rcpt(tlsNoCert);
        assertThat(show(d)).startsWith("554 5.7.1");
        assertThat(d.log()).noneMatch(l -> l.startsWith("warning:"));
    }

    @Test
    void withoutAskCcertTheRestrictionsWarnAsPostfixDoes() {
        PolicyEngine e = fx.engine("""
                relay_clientcerts = inline:{%s=x}
                smtpd_relay_restrictions = permit_tls_clientcerts, check_ccert_access inline:{%s=OK}, reject_unauth_destination
                """.formatted(CERT, CERT));
        Facts tlsNoCert = relay();
        tlsNoCert.tlsActive = true;
        Decision d = e.newSession().rcpt(tlsNoCert);
        assertThat(show(d)).isEqualTo("554 5.7.1 <someone@remote.example>: Relay access denied");
        assertThat(d.log()).contains(
                "warning: permit_tls_clientcerts is requested, but \"smtpd_tls_ask_ccert = no\"",
                "warning: check_ccert_access is requested, but \"smtpd_tls_ask_ccert = no\"");
    }

    @Test
    void permitTlsAllClientcertsNeedsATrustedCertificate() {
        PolicyEngine e = fx.engine("""
                smtpd_tls_ask_ccert = yes
                smtpd_relay_restrictions = permit_tls_all_clientcerts, reject_unauth_destination
                """);
        assertThat(show(e.newSession().rcpt(trusted()))).isEqualTo("ACCEPT");
        assertThat(show(e.newSession().rcpt(untrusted(CERT, PKEY)))).startsWith("554 5.7.1");
    }

    @Test
    void checkCcertAccessNamesTheCertificateCnAndTriesBothFingerprints() {
        PolicyEngine e = fx.engine("""
                smtpd_tls_ask_ccert = yes
                smtpd_relay_restrictions = check_ccert_access inline:{{%s=REJECT cert rejected}, %s=OK}, reject_unauth_destination
                """.formatted(CERT, PKEY));
        assertThat(show(e.newSession().rcpt(trusted())))
                .isEqualTo("554 5.7.1 <client.example.test>: Client certificate rejected: cert rejected");
        // pubkey fingerprint second; an untrusted certificate is looked up too (Postfix 3.7 lab)
        assertThat(show(e.newSession().rcpt(untrusted(OTHER, PKEY)))).isEqualTo("ACCEPT");
        assertThat(show(e.newSession().rcpt(untrusted(OTHER, OTHER)))).startsWith("554 5.7.1 <someone@remote.example>");
    }

    @Test
    void checkCcertAccessSearchOrder() {
        // Postfix 3.5 syntax: only the public-key fingerprint is looked up
        PolicyEngine e = fx.engine("""
                smtpd_tls_ask_ccert = yes
                smtpd_relay_restrictions = check_ccert_access { inline:{{%s=REJECT by cert}, {%s=DEFER by key}}, { search_order = pubkey_fingerprint } }, reject_unauth_destination
                """.formatted(CERT, PKEY));
        assertThat(show(e.newSession().rcpt(trusted())))
                .isEqualTo("450 4.7.1 <client.example.test>: Client certificate rejected: by key");
    }

    @Test
    void policyServiceGetsCertificateAttributes() throws Exception {
        try (PolicyServer p = PolicyServer.inet(r -> "DUNNO")) {
            PolicyEngine e = fx.engine("smtpd_recipient_restrictions = check_policy_service " + p.endpoint() + "\n");
            e.newSession().rcpt(new Facts().clientCert("client.example.test", "Test CA", true, CERT, PKEY));
            e.newSession().rcpt(new Facts().clientCert("self.example.test", "self.example.test", false, CERT, PKEY));
            // Postfix 3.7 lab: subject and issuer (as xtext) only when trusted; fingerprints always
            assertThat(p.requests.get(0)).contains("ccert_subject=client.example.test", "ccert_issuer=Test+20CA",
                    "ccert_fingerprint=" + CERT, "ccert_pubkey_fingerprint=" + PKEY);
            assertThat(p.requests.get(1)).contains("ccert_subject=", "ccert_issuer=",
                    "ccert_fingerprint=" + CERT, "ccert_pubkey_fingerprint=" + PKEY);
        }
    }

    @Test
    void rejectFooterMapsAreKeyedByTheWholeReplyAfterSoftBounce() {
        String file = fx.file("footers.regexp", """
                /^554 5\\.7\\.1 <someone@remote\\.example>: Relay access denied$/ relay footer for $$client_address
                /^5\\.7\\.1/ never: the key starts with the code
                /^454 / soft footer
                """).toString();
        String conf = "smtpd_reject_footer_maps = regexp:" + file + "\nsmtpd_reject_footer = plain footer\n"
                + "smtpd_relay_restrictions = reject_unauth_destination\n";
        PolicyEngine e = fx.engine(conf);
        assertThat(show(e.newSession().rcpt(relay()))).isEqualTo(
                "554-5.7.1 <someone@remote.example>: Relay access denied\n554 5.7.1 relay footer for 198.51.100.7");
        assertThat(show(e.newSession().rcpt(relay().to("other@remote.example")))).isEqualTo(
                "554-5.7.1 <other@remote.example>: Relay access denied\n554 5.7.1 plain footer");
        PolicyEngine soft = fx.engine(conf + "soft_bounce = yes\n");
        assertThat(show(soft.newSession().rcpt(relay()))).isEqualTo(
                "454-4.7.1 <someone@remote.example>: Relay access denied\n454 4.7.1 soft footer");
        // protocol errors use the maps too
        assertThat(e.newSession().sessionReply(502, "5.5.2", "Error: command not recognized", relay()))
                .containsExactly("502-5.5.2 Error: command not recognized", "502 5.5.2 plain footer");
    }

    @Test
    void permitActionsAreLoggedWhenNamed() {
        String lists = """
                smtpd_tls_ask_ccert = yes
                relay_clientcerts = inline:{%s=x}
                smtpd_client_restrictions = check_client_access inline:{198.51.100.5=OK, 198.51.100.6=RELAY}
                smtpd_relay_restrictions = permit_tls_clientcerts, permit_auth_destination, reject_unauth_destination
                """.formatted(CERT);
        PolicyEngine all = fx.engine(lists + "smtpd_log_access_permit_actions = static:all\n");
        Decision d = all.newSession().rcpt(trusted());
        assertThat(d.log()).containsExactly("NOQUEUE: permit: RCPT from laptop.isp.example[198.51.100.7]: "
                + "action=permit_tls_clientcerts for Client host=laptop.isp.example[198.51.100.7] ; "
                + "from=<alice@example.test> to=<someone@remote.example> proto=ESMTP helo=<laptop.example.net>");
        d = all.newSession().rcpt(new Facts().client("198.51.100.5", "ok.test"));
        assertThat(d.log()).containsExactly(
                "NOQUEUE: permit: RCPT from ok.test[198.51.100.5]: action=OK for Client host=ok.test[198.51.100.5] "
                        + "from inline:{198.51.100.5=OK, 198.51.100.6=RELAY}; from=<alice@example.test> "
                        + "to=<bob@example.test> proto=ESMTP helo=<laptop.example.net>",
                "NOQUEUE: permit: RCPT from ok.test[198.51.100.5]: action=permit_auth_destination for "
                        + "Recipient address=bob@example.test ; from=<alice@example.test> to=<bob@example.test> "
                        + "proto=ESMTP helo=<laptop.example.net>");
        // only the named actions; RELAY is not OK
        PolicyEngine some = fx.engine(lists + "smtpd_log_access_permit_actions = OK, permit_tls_clientcerts\n");
        assertThat(some.newSession().rcpt(new Facts().client("198.51.100.6", "ok.test")).log()).isEmpty();
        assertThat(some.newSession().rcpt(new Facts().client("198.51.100.5", "ok.test")).log()).hasSize(1);
        PolicyEngine none = fx.engine(lists);
        assertThat(none.newSession().rcpt(trusted()).log()).isEmpty();
        PolicyEngine excluded = fx.engine(lists + "smtpd_log_access_permit_actions = !OK, static:all\n");
        assertThat(excluded.newSession().rcpt(new Facts().client("198.51.100.5", "ok.test")).log())
                .singleElement().asString().contains("action=permit_auth_destination");
    }

    @Test
    void aPendingDeferIfPermitSilencesThePermitLog() {
        PolicyEngine e = fx.engine("""
                smtpd_log_access_permit_actions = static:all
                smtpd_relay_restrictions = reject_unauth_destination
                smtpd_recipient_restrictions = defer_if_permit, permit
                """);
        Decision d = e.newSession().rcpt(new Facts());
        assertThat(show(d)).isEqualTo("450 4.7.0 <bob@example.test>: Recipient address rejected: defer_if_permit requested");
        assertThat(d.log()).noneMatch(l -> l.contains(": permit: "));
    }
}
