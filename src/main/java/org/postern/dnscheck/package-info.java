/**
 * What a domain hosted on Postern must publish in DNS, and whether it does: MX, SPF
 * (RFC 7208), DKIM keys (RFC 6376), DMARC (RFC 9989), reverse DNS of the server, and the null
 * records of a domain that sends no mail (RFC 7505). {@link org.postern.dnscheck.DomainRecords}
 * builds the zone-file lines to publish; {@link org.postern.dnscheck.DomainCheck} looks the
 * published records up and reports each as ok, warning or error with the fix.
 *
 * <p>It sits beside {@code policy}: it uses the standards packages (spf, dkim), the DNS
 * facade and the stored DKIM keys, and knows nothing of the command line.
 */
package org.postern.dnscheck;
