package org.postern.server;

import java.time.Clock;
import java.util.function.Function;
import org.postern.dns.DnsResolver;
import org.postern.policy.PolicySession;
import org.postern.queue.Spool;
import org.postern.tls.ServerTls;

/**
 * The services every SMTP session shares: the spool, TLS material, the authenticator and its
 * throttle, connection limits, DNS, alias expansion and the per-listener policy.
 *
 * @param tls      null when no TLS is possible (then STARTTLS is not offered)
 * @param policies makes the policy of one session from its listener settings
 * @param dkimKeys the active DKIM keys of a From domain, for signing submitted mail
 */
public record ServerContext(
        Spool spool,
        ServerTls tls,
        Authenticator authenticator,
        AuthThrottle authThrottle,
        ClientLimits limits,
        DnsResolver dns,
        AliasExpander aliases,
        Function<ListenerSettings, PolicySession> policies,
        OutgoingSigner.Keys dkimKeys,
        Clock clock) {
}
