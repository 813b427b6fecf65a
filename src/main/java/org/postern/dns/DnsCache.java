package org.postern.dns;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/**
 * The answers {@link DnsResolver} has received, kept until their TTL runs out, so that each
 * message does not ask again for the DKIM key, the DMARC record or the DNSBL entry the previous
 * one needed. Postfix leaves this to the system's resolver (a local caching server, nscd, or
 * none); Postern asks its configured servers directly, so it keeps its own.
 *
 * <p>What is kept, and how long:
 * <ul>
 * <li>records found: the smallest TTL of the records used, the CNAMEs followed included
 *     (RFC 1035 section 3.2.1, RFC 2181 section 5.2: an RRset's records share one TTL);</li>
 * <li>NXDOMAIN and no data: only when the response carries the zone's SOA in its authority
 *     section, for the smaller of that SOA record's TTL and its MINIMUM field (RFC 2308
 *     section 5); without the SOA a resolver must not cache the negative answer;</li>
 * <li>temporary failures (SERVFAIL, REFUSED, timeouts) never (RFC 2308 section 7 allows a
 *     few minutes at most; a mail server asks again when the client retries);</li>
 * <li>TTL 0 never (RFC 1035 section 3.2.1: "should not be cached");</li>
 * <li>every TTL is capped at {@link #MAX_TTL}, so that a record changed in the DNS (or a
 *     mistake in a zone) is seen within the hour, as RFC 2308 section 5 recommends for
 *     negative answers.</li>
 * </ul>
 * At most {@code maxEntries} answers are kept; when full, the least recently used one makes
 * room. Safe for concurrent use (one lock; each operation is a hash map access).
 */
public final class DnsCache {

    /** The longest any answer is kept, whatever its TTL says. */
    public static final Duration MAX_TTL = Duration.ofHours(1);

    /** A cache that keeps nothing: every lookup goes to the DNS servers. */
    public static final DnsCache NONE = new DnsCache(0, InstantSource.system());

    /** One query's outcome before its records are converted to the caller's type. */
    record Answer(DnsStatus status, List<Record> records, String detail) {
        Answer {
            records = List.copyOf(records);   // shared by every hit: never changed afterwards
        }
    }

    private record Key(Name name, int type) {
    }

    private record Kept(Answer answer, Instant expires) {
    }

    private final int maxEntries;
    private final InstantSource clock;
    private final Map<Key, Kept> entries;

    /**
     * @param maxEntries how many answers to keep at most; 0 keeps none
     * @param clock the time source for expiry (tests pass one they can move)
     */
    public DnsCache(int maxEntries, InstantSource clock) {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("DNS cache size must be 0 (no cache) or more, not " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.clock = clock;
        // Access order: a hit moves the entry to the end, the eldest is the least recently used.
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Kept> eldest) {
                return size() > DnsCache.this.maxEntries;
            }
        };
    }

    /** True when this cache keeps answers at all. */
    public boolean enabled() {
        return maxEntries > 0;
    }

    /** The answer for this question while it is fresh, else null. */
    Answer get(Name name, int type) {
        if (maxEntries == 0) {
            return null;
        }
        Key key = new Key(name, type);
        synchronized (entries) {
            Kept e = entries.get(key);
            if (e == null) {
                return null;
            }
            if (!clock.instant().isBefore(e.expires())) {
                entries.remove(key);
                return null;
            }
            return e.answer();
        }
    }

    /**
     * Keeps an answer for {@code ttlSeconds} (capped at {@link #MAX_TTL}); a TTL of 0 or less
     * keeps nothing.
     */
    void put(Name name, int type, Answer answer, long ttlSeconds) {
        if (maxEntries == 0 || ttlSeconds <= 0) {
            return;
        }
        long seconds = Math.min(ttlSeconds, MAX_TTL.toSeconds());
        Kept e = new Kept(answer, clock.instant().plusSeconds(seconds));
        synchronized (entries) {
            entries.put(new Key(name, type), e);
        }
    }

    /** Forgets every answer ({@code postern reload}: the next lookups ask the servers again). */
    public void clear() {
        synchronized (entries) {
            entries.clear();
        }
    }

    /** How many answers are kept now (expired ones included until they are asked for or evicted). */
    public int size() {
        synchronized (entries) {
            return entries.size();
        }
    }
}
