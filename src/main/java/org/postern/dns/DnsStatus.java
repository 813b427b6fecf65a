package org.postern.dns;

/**
 * How a DNS query ended. Postfix's reply codes depend on telling these apart: a permanent
 * "no such name" may give a 5xx, a temporary failure must never do so
 * (postfix-restrictions.md section 11, item 6).
 */
public enum DnsStatus {
    /** At least one record of the type asked for. */
    FOUND,
    /** The name does not exist (RCODE NXDOMAIN, RFC 1035 section 4.1.1). */
    NXDOMAIN,
    /** The name exists but has no record of that type (NOERROR with an empty answer, RFC 2308 section 2.2). */
    NODATA,
    /** SERVFAIL, REFUSED, a timeout or a network error: try again later. */
    TEMPFAIL;

    /** NXDOMAIN or NODATA: the answer is a definite "nothing". */
    public boolean isPermanentMiss() {
        return this == NXDOMAIN || this == NODATA;
    }
}
