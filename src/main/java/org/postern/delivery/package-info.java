/**
 * Delivery agents: the transports the queue hands accepted messages to. Remote delivery over
 * SMTP is in {@link org.postern.delivery.smtp}; {@code error} and {@code discard} are here.
 *
 * <ul>
 *   <li>{@link org.postern.delivery.MaildirDelivery}: Postfix's {@code virtual} transport, one
 *       message into one Maildir folder ({@code relay=virtual}).</li>
 *   <li>{@link org.postern.delivery.LmtpClient}: Postfix's {@code lmtp} transport, RFC 2033 to
 *       Dovecot or any LMTP server over a unix socket or TCP, one result per recipient.</li>
 *   <li>{@link org.postern.delivery.SmtpWire} and {@link org.postern.delivery.Reply}: the client
 *       side of the SMTP wire format that the lmtp and smtp clients share (reading replies,
 *       writing dot-stuffed DATA).</li>
 *   <li>{@link org.postern.delivery.DeliveryResult}: what both return; the queue logs it in
 *       Postfix's format and decides between done, retry and bounce.</li>
 * </ul>
 *
 * <p>This package takes plain values (paths, destinations, host names, limits) and knows
 * nothing of configuration, store, server or queue. It does not log: results carry the texts.
 */
package org.postern.delivery;
