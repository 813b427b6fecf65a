package org.postern.dns;

import java.util.List;

/**
 * The outcome of one DNS lookup: a status, the records found (empty unless {@link DnsStatus#FOUND})
 * and, for failures, a short human reason such as {@code SERVFAIL} or {@code timed out}.
 */
public record DnsResult<T>(DnsStatus status, List<T> records, String detail) {

    public DnsResult {
        records = List.copyOf(records);
    }

    public static <T> DnsResult<T> found(List<T> records) {
        return new DnsResult<>(DnsStatus.FOUND, records, "");
    }

    public static <T> DnsResult<T> of(DnsStatus status, String detail) {
        return new DnsResult<>(status, List.of(), detail);
    }

    public boolean found() {
        return status == DnsStatus.FOUND;
    }

    public boolean tempfail() {
        return status == DnsStatus.TEMPFAIL;
    }

    /** The same status and detail with no records, for a result of another type. */
    public <U> DnsResult<U> withoutRecords() {
        return new DnsResult<>(status, List.of(), detail);
    }
}
