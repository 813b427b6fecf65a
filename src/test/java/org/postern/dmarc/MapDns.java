package org.postern.dmarc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.postern.dkim.TxtResolver;
import org.postern.dns.DnsResult;
import org.postern.dns.DnsStatus;

/** TXT answers from a map; a name with no entry and no entry below it is NXDOMAIN, else NODATA. */
final class MapDns implements TxtResolver {
    final Map<String, DnsResult<String>> answers = new HashMap<>();
    final List<String> queries = new ArrayList<>();

    MapDns put(String name, String... records) {
        answers.put(name, DnsResult.found(List.of(records)));
        return this;
    }

    MapDns servfail(String name) {
        answers.put(name, DnsResult.of(DnsStatus.TEMPFAIL, "SERVFAIL"));
        return this;
    }

    @Override
    public DnsResult<String> txt(String name) {
        queries.add(name);
        DnsResult<String> r = answers.get(name);
        if (r != null) {
            return r;
        }
        boolean hasDescendant = answers.keySet().stream().anyMatch(n -> n.endsWith("." + name));
        return DnsResult.of(hasDescendant ? DnsStatus.NODATA : DnsStatus.NXDOMAIN, hasDescendant ? "no data" : "NXDOMAIN");
    }
}
