package org.postern.dkim;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Makes DKIM-Signature header fields (RFC 6376 section 5): relaxed/relaxed canonicalization,
 * rsa-sha256 or ed25519-sha256, a t= timestamp, and a header set that covers what readers see
 * and what DMARC needs. From is "oversigned" (listed once more than it occurs, section 8.15) so
 * no second From can be added without breaking the signature. The body streams through the
 * hash once for all keys; no l= is ever set (section 8.2 explains why l= is risky).
 */
public final class DkimSigner {

    /** Fields signed when present, in this order (From always, even when absent). */
    public static final List<String> DEFAULT_HEADERS = List.of("from", "to", "cc", "subject", "date", "message-id",
            "reply-to", "in-reply-to", "references", "mime-version", "content-type", "content-transfer-encoding");

    /** Fields listed once more than they occur (section 8.15). */
    public static final List<String> DEFAULT_OVERSIGNED = List.of("from");

    /** One signing key: who signs and with what. */
    public record SigningKey(String domain, String selector, PrivateKey privateKey) {
        public SigningKey {
            domain = domain.toLowerCase(Locale.ROOT);
            selector = selector.toLowerCase(Locale.ROOT);
            if (!DkimSignature.isDomain(domain)) {
                throw new IllegalArgumentException("invalid signing domain '" + domain + "'");
            }
            if (!DkimSignature.isDomain(selector)) {
                throw new IllegalArgumentException("invalid selector '" + selector + "'");
            }
        }

        public DkimAlgorithm algorithm() {
            return DkimKeys.algorithmOf(privateKey);
        }
    }

    private final List<SigningKey> keys;
    private final List<String> headerNames;
    private final List<String> oversigned;
    private final long expireAfterSeconds;

    /** Signs with each key (e.g. one RSA and one Ed25519), with the default header set. */
    public DkimSigner(List<SigningKey> keys) {
        this(keys, DEFAULT_HEADERS, DEFAULT_OVERSIGNED, -1);
    }

    /**
     * @param expireAfterSeconds sets x= that long after t=; -1 for no x=
     */
    public DkimSigner(List<SigningKey> keys, List<String> headerNames, List<String> oversigned, long expireAfterSeconds) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("no signing key");
        }
        this.keys = List.copyOf(keys);
        this.headerNames = headerNames.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        this.oversigned = oversigned.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        this.expireAfterSeconds = expireAfterSeconds;
    }

    /**
     * Reads a message (CRLF line endings) and returns the DKIM-Signature fields to put on top
     * of it, one per key, each ending with CRLF, in the order of the keys.
     */
    public List<String> sign(InputStream message, Instant now) throws IOException {
        InputStream in = message instanceof BufferedInputStream ? message : new BufferedInputStream(message, 65536);
        Session s = begin(MessageReader.readHeaders(in), now);
        byte[] buf = new byte[65536];
        int n;
        while ((n = in.read(buf)) >= 0) {
            s.body(buf, 0, n);
        }
        return s.finish();
    }

    /** Starts signing a message whose header fields are known; feed the body, then finish. */
    public Session begin(List<HeaderField> headers, Instant now) {
        return new Session(List.copyOf(headers), now);
    }

    /** One message being signed. */
    public final class Session {
        private final List<HeaderField> headers;
        private final Instant now;
        private final BodyHasher hasher = new BodyHasher(Canonicalization.RELAXED, "SHA-256", -1);

        private Session(List<HeaderField> headers, Instant now) {
            this.headers = headers;
            this.now = now;
        }

        public void body(byte[] b, int off, int len) {
            hasher.update(b, off, len);
        }

        public List<String> finish() {
            String bh = Base64.getEncoder().encodeToString(hasher.finish());
            List<String> names = signedNames();
            List<String> out = new ArrayList<>();
            for (SigningKey key : keys) {
                out.add(signOne(key, bh, names));
            }
            return out;
        }

        /** Each configured name as often as it occurs (section 5.4.2), oversigned ones once more. */
        private List<String> signedNames() {
            List<String> names = new ArrayList<>();
            for (String name : headerNames) {
                long count = headers.stream().filter(h -> h.is(name)).count();
                if (oversigned.contains(name)) {
                    count++;
                }
                for (long i = 0; i < count; i++) {
                    names.add(name);
                }
            }
            if (!names.contains("from")) {
                names.addFirst("from"); // section 5.4: From MUST be signed
            }
            return names;
        }

        private String signOne(SigningKey key, String bh, List<String> names) {
            DkimAlgorithm alg = key.algorithm();
            long t = now.getEpochSecond();
            Folder f = new Folder("DKIM-Signature:");
            f.add("v=1;");
            f.add("a=" + alg.tag() + ";");
            f.add("c=relaxed/relaxed;");
            f.add("d=" + key.domain() + ";");
            f.add("s=" + key.selector() + ";");
            f.add("t=" + t + ";");
            if (expireAfterSeconds >= 0) {
                f.add("x=" + (t + expireAfterSeconds) + ";");
            }
            for (int i = 0; i < names.size(); i++) {
                String token = (i == 0 ? "h=" : "") + names.get(i) + (i == names.size() - 1 ? ";" : ":");
                if (i == 0) {
                    f.add(token);
                } else {
                    f.addTight(token);
                }
            }
            f.add("bh=" + bh + ";");
            f.breakLine();
            f.append("b=");
            String unsigned = f.toString();
            byte[] data = HeaderHash.data(headers, names, Canonicalization.RELAXED, unsigned + "\r\n");
            String b;
            try {
                b = Base64.getEncoder().encodeToString(signature(alg, key.privateKey(), data));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot sign with the " + alg + " key of " + key.selector()
                        + "._domainkey." + key.domain() + ": " + e.getMessage(), e);
            }
            StringBuilder sb = new StringBuilder(unsigned);
            for (int i = 0; i < b.length(); i += 64) {
                sb.append(i > 0 ? "\r\n\t" : "").append(b, i, Math.min(b.length(), i + 64));
            }
            return sb.append("\r\n").toString();
        }
    }

    static byte[] signature(DkimAlgorithm alg, PrivateKey key, byte[] data) throws GeneralSecurityException {
        if (alg == DkimAlgorithm.ED25519_SHA256) {
            // RFC 8463 section 3: the Ed25519 input is the SHA-256 hash of the header data.
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(MessageDigest.getInstance("SHA-256").digest(data));
            return s.sign();
        }
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(key);
        s.update(data);
        return s.sign();
    }

    /** Builds a header field folded at whitespace before about 78 columns (RFC 5322 section 2.1.1). */
    private static final class Folder {
        private final StringBuilder sb = new StringBuilder();
        private int col;

        Folder(String start) {
            sb.append(start);
            col = start.length();
        }

        void add(String token) {
            if (col + 1 + token.length() > 78) {
                breakLine();
                sb.append(token);
                col += token.length();
            } else {
                sb.append(' ').append(token);
                col += 1 + token.length();
            }
        }

        /** Appends without a space, folding first if the line would get too long. */
        void addTight(String token) {
            if (col + token.length() > 78) {
                breakLine();
            }
            sb.append(token);
            col += token.length();
        }

        void breakLine() {
            sb.append("\r\n\t");
            col = 8;
        }

        void append(String s) {
            sb.append(s);
            col += s.length();
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }
}
