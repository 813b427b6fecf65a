package org.postern.dkim;

import org.postern.dns.DnsResult;

/**
 * Where the verifier gets key records: TXT lookups, each record's strings joined (RFC 6376
 * section 3.6.2.2). {@code DnsResolver::txt} fits; tests pass a map.
 */
@FunctionalInterface
public interface TxtResolver {
    DnsResult<String> txt(String name);
}
