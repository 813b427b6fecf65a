/**
 * The SMTP client (RFC 5321) and Postfix's {@code smtp}/{@code relay} transport.
 *
 * <ul>
 *   <li>{@link org.postern.delivery.smtp.SmtpTransport}: the transport the queue manager calls;
 *       resolves the next hop, tries mail exchangers in order, keeps idle sessions for reuse.</li>
 *   <li>{@code MxResolver}: MX, implicit MX and null MX (RFC 5321 section 5.1, RFC 7505).</li>
 *   <li>{@code SmtpClient}: one session: EHLO, STARTTLS (RFC 3207), AUTH (RFC 4954), pipelined
 *       transactions (RFC 2920) with SIZE, 8BITMIME, SMTPUTF8 and DSN parameters.</li>
 *   <li>{@code SmtpConnection}: the socket, reply parsing, dot-stuffing and per-stage timeouts.</li>
 * </ul>
 *
 * <p>Delivery outcomes are returned as results (the queue manager logs them); the one thing
 * this package logs itself is the TLS line Postfix's smtp writes when a session is encrypted.
 * Configuration arrives as plain values ({@link org.postern.delivery.smtp.SmtpClientSettings})
 * and lookup tables; see docs/delivery.md.
 */
package org.postern.delivery.smtp;
