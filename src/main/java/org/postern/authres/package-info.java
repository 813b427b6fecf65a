/**
 * Authentication-Results header fields (RFC 8601): {@link org.postern.authres.AuthenticationResults}
 * builds the one field Postern adds to a received message (spf, dkim, dmarc, iprev results, folded
 * to 78 characters), and {@link org.postern.authres.AuthservId} reads the authserv-id of existing
 * fields so that forged ones claiming to be ours can be removed (RFC 8601 section 5).
 *
 * <p>Plain values in, text out: this package knows nothing of the checks that made the results,
 * nor of configuration or the server.
 */
package org.postern.authres;
