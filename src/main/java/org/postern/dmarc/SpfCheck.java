package org.postern.dmarc;

import org.postern.spf.SpfResult;

/**
 * The SPF input to DMARC: the result of the MAIL FROM check and the domain it checked. RFC 9989
 * section 3.2 (SPF Domain) uses only the MAIL FROM identity; for the null reverse path that is
 * postmaster@HELO (RFC 7208 section 2.4), so pass the HELO name as the domain then. The result of
 * a separate HELO identity check must not be passed here.
 *
 * @param result the SPF result of the MAIL FROM identity
 * @param domain the domain SPF checked (the MAIL FROM domain, or the HELO name for {@code <>})
 */
public record SpfCheck(SpfResult result, String domain) {

    /** No SPF check was made (or there was no usable domain). */
    public static final SpfCheck NONE = new SpfCheck(SpfResult.NONE, "");

    public SpfCheck {
        domain = domain == null ? "" : domain;
    }
}
