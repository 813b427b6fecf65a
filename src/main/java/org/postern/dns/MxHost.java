package org.postern.dns;

/** One MX record: preference and exchange host name (without the trailing dot). */
public record MxHost(int preference, String host) {

    /**
     * A null MX: the single record {@code 0 .} that says the domain accepts no mail
     * (RFC 7505 section 3).
     */
    public boolean isNull() {
        return preference == 0 && host.isEmpty();
    }
}
