/**
 * The SMTP server codec: command lines and their arguments (RFC 5321, with the extensions
 * SIZE RFC 1870, 8BITMIME RFC 6152, SMTPUTF8 RFC 6531, DSN RFC 3461, AUTH RFC 4954, CHUNKING
 * RFC 3030, STARTTLS RFC 3207, PIPELINING RFC 2920), Postfix's exact replies, DATA and BDAT
 * framing with SMTP smuggling defences, and SASL PLAIN/LOGIN decoding. Pure library code: no
 * sockets, no configuration, no policy. Depends only on {@code org.postern.mail}.
 */
package org.postern.smtp;
