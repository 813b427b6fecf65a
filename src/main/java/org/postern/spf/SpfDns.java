package org.postern.spf;

import java.net.InetAddress;
import org.postern.dns.DnsResolver;
import org.postern.dns.DnsResult;
import org.postern.dns.MxHost;

/**
 * The DNS lookups SPF needs. {@link #of(DnsResolver)} adapts Postern's resolver; tests may wrap
 * it to count or fail lookups. TXT strings of one record are joined without separators
 * (RFC 7208 section 3.3).
 */
public interface SpfDns {

    DnsResult<String> txt(String name);

    DnsResult<InetAddress> a(String name);

    DnsResult<InetAddress> aaaa(String name);

    DnsResult<MxHost> mx(String name);

    DnsResult<String> ptr(InetAddress address);

    /** SPF lookups through a {@link DnsResolver}. */
    static SpfDns of(DnsResolver resolver) {
        return new SpfDns() {
            @Override
            public DnsResult<String> txt(String name) {
                return resolver.txt(name);
            }

            @Override
            public DnsResult<InetAddress> a(String name) {
                return resolver.a(name);
            }

            @Override
            public DnsResult<InetAddress> aaaa(String name) {
                return resolver.aaaa(name);
            }

            @Override
            public DnsResult<MxHost> mx(String name) {
                return resolver.mx(name);
            }

            @Override
            public DnsResult<String> ptr(InetAddress address) {
                return resolver.ptr(address);
            }
        };
    }
}
