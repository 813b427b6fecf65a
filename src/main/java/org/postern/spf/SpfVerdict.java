package org.postern.spf;

import java.util.List;

/**
 * The outcome of one SPF check.
 *
 * @param result      the result (RFC 7208 section 2.6)
 * @param explanation for {@link SpfResult#FAIL}: the text from the domain's {@code exp=}
 *                    modifier (section 6.2), or the default explanation; empty otherwise
 * @param mechanism   the mechanism that matched as written (e.g. {@code -all},
 *                    {@code include:_spf.example.com}); empty when none matched, and for
 *                    errors the reason of the error
 * @param trace       human-readable lines of what was evaluated, for diagnostics
 * @param lookups     the DNS-querying terms evaluated (at most 10, section 4.6.4)
 */
public record SpfVerdict(SpfResult result, String explanation, String mechanism, List<String> trace, int lookups) {

    public SpfVerdict {
        trace = List.copyOf(trace);
        explanation = explanation == null ? "" : explanation;
        mechanism = mechanism == null ? "" : mechanism;
    }
}
