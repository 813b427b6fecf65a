/**
 * DMARC: Domain-based Message Authentication, Reporting, and Conformance (RFC 9989, which
 * obsoletes RFC 7489 and RFC 9091). DMARC ties the domain a reader sees in the From header field
 * (the Author Domain) to the domains that SPF and DKIM authenticated: a message passes when an
 * SPF-authenticated MAIL FROM domain or the d= of a passing DKIM signature is aligned with the
 * Author Domain, and the domain owner's published policy says what to do with one that fails.
 *
 * <p>The Organizational Domain comes from the DNS Tree Walk of RFC 9989 section 4.10 (no
 * Public Suffix List). {@link org.postern.dmarc.Dmarc#evaluate} takes the Author Domain and the
 * SPF and DKIM results as plain values and returns a typed {@link org.postern.dmarc.DmarcVerdict}
 * with a trace; {@link org.postern.dmarc.AuthorDomain} extracts the Author Domain from the
 * header fields; {@link org.postern.dmarc.DmarcRecord} parses one policy record.
 *
 * <p>This package knows nothing of configuration, storage or the server: DNS comes through a
 * {@link org.postern.dkim.TxtResolver} ({@code DnsResolver::txt} fits).
 */
package org.postern.dmarc;
