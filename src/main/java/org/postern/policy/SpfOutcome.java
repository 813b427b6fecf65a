package org.postern.policy;

import org.postern.spf.SpfVerdict;

/**
 * One SPF identity that {@code check_spf} evaluated in the current transaction, for the
 * Received-SPF header and, later, Authentication-Results.
 *
 * @param identity {@code mailfrom} or {@code helo} (RFC 7208 sections 2.3, 2.4, 9.1)
 * @param sender   the checked sender: the MAIL FROM address, or {@code postmaster@HELO}
 * @param helo     the HELO/EHLO name ("" when none was given)
 * @param clientIp the client address as the session knows it
 * @param verdict  the library's verdict
 */
public record SpfOutcome(String identity, String sender, String helo, String clientIp, SpfVerdict verdict) {
}
