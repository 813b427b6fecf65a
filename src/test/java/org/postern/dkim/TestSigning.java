package org.postern.dkim;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.postern.dns.DnsResult;
import org.postern.dns.DnsStatus;

/** Test helpers: a resolver from a map, and hand-made signatures with any tags. */
final class TestSigning {

    static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    static final String MESSAGE = """
            From: Alice <alice@example.test>\r
            To: Bob <bob@example.net>\r
            Subject: Hello\r
            Date: Sun, 1 Mar 2026 12:00:00 +0000\r
            Message-ID: <1@example.test>\r
            \r
            Hi Bob,\r
            \r
            this is the body.  \r
            \r
            """;

    private TestSigning() {
    }

    /** TXT answers by name; names not in the map are NXDOMAIN. */
    static final class Dns implements TxtResolver {
        final Map<String, DnsResult<String>> answers = new HashMap<>();
        final List<String> queries = new ArrayList<>();

        Dns put(String name, String... records) {
            answers.put(name, DnsResult.found(List.of(records)));
            return this;
        }

        Dns fail(String name, DnsStatus status) {
            answers.put(name, DnsResult.of(status, status.name()));
            return this;
        }

        @Override
        public DnsResult<String> txt(String name) {
            queries.add(name);
            return answers.getOrDefault(name, DnsResult.of(DnsStatus.NXDOMAIN, "NXDOMAIN"));
        }
    }

    static String record(KeyPair pair) {
        DkimAlgorithm alg = DkimKeys.algorithmOf(pair.getPublic());
        return DkimKeys.txtRecord(alg, DkimKeys.publicKeyValue(pair.getPublic()));
    }

    static DkimVerification verify(TxtResolver dns, String message) throws IOException {
        return verify(dns, message, NOW);
    }

    static DkimVerification verify(TxtResolver dns, String message, Instant now) throws IOException {
        return new DkimVerifier(dns, InstantSource.fixed(now)).verify(stream(message));
    }

    static InputStream stream(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Signs with Postern's signer and returns the signed message. */
    static String sign(String message, String domain, String selector, PrivateKey... keys) throws IOException {
        List<DkimSigner.SigningKey> k = new ArrayList<>();
        for (PrivateKey key : keys) {
            k.add(new DkimSigner.SigningKey(domain, selector, key));
        }
        return String.join("", new DkimSigner(k).sign(stream(message), NOW)) + message;
    }

    /**
     * A hand-made signature: {@code tags} is everything but bh= and b= (which are computed and
     * appended); c= and l= in it are honoured. {@code jcaSignature} is e.g. SHA256withRSA,
     * SHA1withRSA or Ed25519 (which gets the SHA-256 of the data, RFC 8463).
     */
    static String signWithTags(String message, PrivateKey key, String tags, String jcaSignature) throws Exception {
        List<HeaderField> headers = MessageReader.readHeaders(new java.io.BufferedInputStream(stream(message)));
        String body = message.substring(message.indexOf("\r\n\r\n") + 4);
        TagList t = TagList.parse(tags);
        String c = t.has("c") ? t.get("c") : "simple/simple";
        Canonicalization hc = Canonicalization.parse(c.contains("/") ? c.substring(0, c.indexOf('/')) : c);
        Canonicalization bc = c.contains("/") ? Canonicalization.parse(c.substring(c.indexOf('/') + 1)) : Canonicalization.SIMPLE;
        long l = t.has("l") ? Long.parseLong(t.get("l")) : -1;
        String digest = jcaSignature.startsWith("SHA1") ? "SHA-1" : "SHA-256";
        BodyHasher h = new BodyHasher(bc, digest, l);
        h.update(body.getBytes(StandardCharsets.ISO_8859_1));
        String unsigned = "DKIM-Signature: " + tags + "; bh=" + Base64.getEncoder().encodeToString(h.finish()) + "; b=";
        List<String> names = new ArrayList<>();
        for (String n : t.get("h").split(":")) {
            names.add(n.trim().toLowerCase(java.util.Locale.ROOT));
        }
        byte[] data = HeaderHash.data(headers, names, hc, unsigned + "\r\n");
        Signature s = Signature.getInstance(jcaSignature);
        s.initSign(key);
        s.update(jcaSignature.equals("Ed25519") ? MessageDigest.getInstance("SHA-256").digest(data) : data);
        return unsigned + Base64.getEncoder().encodeToString(s.sign()) + "\r\n" + message;
    }
}
