/**
 * Mail addresses and names: RFC 5321 envelope paths ({@link org.postern.mail.MailAddress}),
 * host names and address literals ({@link org.postern.mail.Domains}), UTF-8 checks. Bottom
 * layer: imports no other Postern package.
 */
package org.postern.mail;
