package org.postern.authres;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Builds one Authentication-Results header field (RFC 8601 section 2.2):
 *
 * <pre>{@code
 * String field = AuthenticationResults.builder("mx.example.net")
 *         .spf("pass", "alice@example.org", "mail.example.org")
 *         .dkim("pass", "example.org", "s1", "dGhpc2lzYmFzZTY0", "")
 *         .dmarc("pass", "example.org", "none")
 *         .iprev("pass", "192.0.2.1", "mail.example.org")
 *         .build();
 * }</pre>
 *
 * gives, folded at 78 characters with each result on its own line:
 *
 * <pre>
 * Authentication-Results: mx.example.net;
 *     spf=pass smtp.mailfrom=alice@example.org;
 *     dkim=pass header.d=example.org header.s=s1 header.b="dGhpc2lz";
 *     dmarc=pass policy.dmarc=none header.from=example.org;
 *     iprev=pass policy.iprev=192.0.2.1 (mail.example.org)
 * </pre>
 *
 * With no result added the field says {@code none} (section 2.2, no-result). Result words are
 * the caller's (they come from the SPF, DKIM and DMARC libraries); values that are not RFC 2045
 * tokens are quoted.
 */
public final class AuthenticationResults {

    /** Longest line RFC 5322 section 2.1.1 recommends ("SHOULD be no more than 78 characters"). */
    public static final int MAX_LINE = 78;

    /** {@code [local-part] "@" domain-name} with a dot-atom local-part: a pvalue as it stands. */
    private static final Pattern ADDRESS_PVALUE = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]*@[A-Za-z0-9.-]+");

    /** One property of a result: {@code ptype.property=value} (section 2.2, propspec). */
    public record Property(String ptype, String property, String value) {
    }

    /**
     * One result (section 2.2, resinfo): {@code method=result}, an optional reason, properties
     * and an optional comment after them.
     */
    public record Result(String method, String result, String reason, List<Property> properties, String comment) {
        public Result {
            reason = reason == null ? "" : reason;
            comment = comment == null ? "" : comment;
            properties = List.copyOf(properties);
        }
    }

    private AuthenticationResults() {
    }

    /** A builder for a field with this authserv-id (normally the receiving host's name, section 2.5). */
    public static Builder builder(String authservId) {
        return new Builder(authservId);
    }

    /** Collects results; {@link #build()} makes the field. */
    public static final class Builder {
        private final String authservId;
        private final List<Result> results = new ArrayList<>();

        private Builder(String authservId) {
            if (authservId == null || authservId.isBlank()) {
                throw new IllegalArgumentException("an Authentication-Results field needs an authserv-id");
            }
            this.authservId = authservId.strip();
        }

        /** Any result. */
        public Builder add(Result result) {
            results.add(result);
            return this;
        }

        /**
         * SPF (section 2.7.2): smtp.mailfrom when there is a reverse-path, smtp.helo when the
         * HELO name was the identity checked (the null reverse path) or is given for context.
         *
         * @param mailFrom the MAIL FROM address, empty for {@code <>}
         * @param helo the HELO name; shown only for the null reverse path
         */
        public Builder spf(String result, String mailFrom, String helo) {
            List<Property> props = new ArrayList<>();
            if (mailFrom != null && !mailFrom.isEmpty()) {
                props.add(new Property("smtp", "mailfrom", mailFrom));
            } else if (helo != null && !helo.isEmpty()) {
                props.add(new Property("smtp", "helo", helo));
            }
            return add(new Result("spf", result, "", props, ""));
        }

        /**
         * DKIM, one result per signature (section 2.7.1): header.d, header.s and header.b with
         * the first 8 characters of the signature, so that several signatures of one domain can
         * be told apart (RFC 6008 section 4).
         *
         * @param reason why a signature failed, or empty
         */
        public Builder dkim(String result, String domain, String selector, String signature, String reason) {
            List<Property> props = new ArrayList<>();
            if (domain != null && !domain.isEmpty()) {
                props.add(new Property("header", "d", domain));
            }
            if (selector != null && !selector.isEmpty()) {
                props.add(new Property("header", "s", selector));
            }
            if (signature != null && !signature.isEmpty()) {
                String b = signature.replaceAll("[\\s]", "");
                props.add(new Property("header", "b", b.substring(0, Math.min(8, b.length()))));
            }
            return add(new Result("dkim", result, reason, props, ""));
        }

        /**
         * DMARC (RFC 9989 section 11.1): policy.dmarc is the policy applied or to be applied
         * (none, quarantine, reject), header.from the Author Domain.
         *
         * @param policy the disposition, or empty when no policy record was found
         */
        public Builder dmarc(String result, String fromDomain, String policy) {
            List<Property> props = new ArrayList<>();
            if (policy != null && !policy.isEmpty()) {
                props.add(new Property("policy", "dmarc", policy));
            }
            if (fromDomain != null && !fromDomain.isEmpty()) {
                props.add(new Property("header", "from", fromDomain));
            }
            return add(new Result("dmarc", result, "", props, ""));
        }

        /**
         * iprev (section 2.7.3, 3): policy.iprev is the client address; the host name it
         * resolved to goes into a comment.
         */
        public Builder iprev(String result, String clientIp, String hostName) {
            return add(new Result("iprev", result, "", List.of(new Property("policy", "iprev", clientIp)),
                    hostName == null ? "" : hostName));
        }

        /** The whole field, {@code Authentication-Results: ...}, folded, without the final CRLF. */
        public String build() {
            return build("\r\n");
        }

        /** The field with this line ending between folded lines. */
        public String build(String newline) {
            StringBuilder out = new StringBuilder("Authentication-Results: ").append(quoteIfNeeded(authservId));
            if (results.isEmpty()) {
                // Section 2.2 no-result: "none" when no message authentication was done.
                return fits(out.length() + 6) ? out.append("; none").toString()
                        : out.append(';').append(newline).append("\tnone").toString();
            }
            List<String> rendered = new ArrayList<>();
            for (Result r : results) {
                rendered.add(render(r));
            }
            String oneLine = out + "; " + String.join("; ", rendered);
            if (fits(oneLine.length())) {
                return oneLine;
            }
            for (int i = 0; i < rendered.size(); i++) {
                out.append(';').append(newline);
                out.append(fold(words(results.get(i)), newline, i < rendered.size() - 1 ? 1 : 0));
            }
            return out.toString();
        }

        private static boolean fits(int length) {
            return length <= MAX_LINE;
        }

        /** One resinfo's words on tab-indented lines of at most 78 characters (a longer word stays whole). */
        private static String fold(List<String> words, String newline, int reserve) {
            StringBuilder sb = new StringBuilder("\t");
            int lineLength = 8; // a tab counts as up to 8 columns
            boolean first = true;
            for (int i = 0; i < words.size(); i++) {
                String w = words.get(i);
                int extra = i == words.size() - 1 ? reserve : 0;
                if (!first && lineLength + 1 + w.length() + extra > MAX_LINE) {
                    sb.append(newline).append("\t ");
                    lineLength = 9;
                } else if (!first) {
                    sb.append(' ');
                    lineLength++;
                }
                sb.append(w);
                lineLength += w.length();
                first = false;
            }
            return sb.toString();
        }

        private static String render(Result r) {
            return String.join(" ", words(r));
        }

        private static List<String> words(Result r) {
            List<String> words = new ArrayList<>();
            words.add(r.method() + "=" + r.result());
            if (!r.reason().isEmpty()) {
                words.add("reason=" + quote(r.reason()));
            }
            for (Property p : r.properties()) {
                words.add(p.ptype() + "." + p.property() + "=" + pvalue(p.value()));
            }
            if (!r.comment().isEmpty()) {
                words.add("(" + r.comment().replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")");
            }
            return words;
        }
    }

    /**
     * A pvalue (section 2.2): a token, or {@code [local-part] "@" domain-name} as is (dot-atom
     * local-parts), else a quoted-string.
     */
    static String pvalue(String value) {
        if (ADDRESS_PVALUE.matcher(value).matches()) {
            return value;
        }
        return quoteIfNeeded(value);
    }

    static String quoteIfNeeded(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (!isTokenChar(value.charAt(i))) {
                return quote(value);
            }
        }
        return value.isEmpty() ? quote(value) : value;
    }

    static String quote(String value) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            if (c != '\r' && c != '\n') {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    /** RFC 2045 section 5.1 token: printable US-ASCII except SPACE and tspecials. */
    static boolean isTokenChar(char c) {
        return c > 32 && c < 127 && "()<>@,;:\\\"/[]?=".indexOf(c) < 0;
    }
}
