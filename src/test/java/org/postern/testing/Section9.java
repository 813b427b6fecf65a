package org.postern.testing;

/**
 * The restriction lists of the worked example in postfix-restrictions.md section 9 (a
 * self-hosted Postfix with accounts in PostgreSQL and Dovecot over LMTP): the configuration
 * whose roaming-laptop behaviour several tests check. Starts with {@code smtpd_helo_required},
 * so in a main.cf that puts N lines before it, {@code smtpd_client_restrictions} is line N + 2.
 */
public final class Section9 {

    private Section9() {
    }

    public static final String RESTRICTIONS = """
            smtpd_helo_required = yes
            smtpd_client_restrictions = permit_mynetworks, permit_sasl_authenticated,
              reject_unknown_reverse_client_hostname, reject_unknown_client_hostname,
              reject_unauth_pipelining
            smtpd_helo_restrictions = permit_mynetworks, permit_sasl_authenticated,
              reject_invalid_helo_hostname, reject_unauth_pipelining
            smtpd_sender_restrictions = permit_mynetworks, reject_sender_login_mismatch,
              permit_sasl_authenticated, reject_non_fqdn_sender, reject_unknown_sender_domain,
              reject_unauth_pipelining
            smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated,
              reject_non_fqdn_recipient, reject_unknown_recipient_domain, reject_unauth_destination
            smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated,
              reject_non_fqdn_recipient, reject_unknown_recipient_domain, reject_unauth_pipelining
            smtpd_data_restrictions = permit_mynetworks, permit_sasl_authenticated,
              reject_multi_recipient_bounce, reject_unauth_pipelining
            """;
}
