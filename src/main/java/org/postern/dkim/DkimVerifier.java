package org.postern.dkim;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.postern.dns.DnsResult;
import org.postern.dns.DnsStatus;

/**
 * Verifies every DKIM-Signature of a message (RFC 6376 section 6). Use {@link #verify} on a
 * stream, or {@link #begin} with the parsed header fields and feed the body in pieces as it
 * arrives. Either way the body is hashed as it streams; nothing but the header section is kept.
 * Safe for concurrent use; each {@link Session} belongs to one message.
 */
public final class DkimVerifier {

    /** Signatures checked per message; later ones get neutral (RFC 6376 section 6.1 allows limits). */
    public static final int DEFAULT_MAX_SIGNATURES = 10;

    private final TxtResolver resolver;
    private final InstantSource clock;
    private final Duration futureSkew;
    private final int maxSignatures;

    public DkimVerifier(TxtResolver resolver) {
        this(resolver, InstantSource.system());
    }

    /** With a clock for t= and x=, for tests and replays of old messages. */
    public DkimVerifier(TxtResolver resolver, InstantSource clock) {
        this(resolver, clock, Duration.ofHours(1), DEFAULT_MAX_SIGNATURES);
    }

    /**
     * @param futureSkew how far t= may lie in the future before the signature is refused
     *        (section 3.5 t=: "Verifiers MAY ignore signatures with a timestamp in the future")
     */
    public DkimVerifier(TxtResolver resolver, InstantSource clock, Duration futureSkew, int maxSignatures) {
        this.resolver = resolver;
        this.clock = clock;
        this.futureSkew = futureSkew;
        this.maxSignatures = maxSignatures;
    }

    /** Reads a whole message (CRLF line endings, as received) and verifies its signatures. */
    public DkimVerification verify(InputStream message) throws IOException {
        InputStream in = message instanceof BufferedInputStream ? message : new BufferedInputStream(message, 65536);
        Session session = begin(MessageReader.readHeaders(in));
        byte[] buf = new byte[65536];
        int n;
        while ((n = in.read(buf)) >= 0) {
            session.body(buf, 0, n);
        }
        return session.finish();
    }

    /** Starts verifying a message whose header fields are known; feed the body, then finish. */
    public Session begin(List<HeaderField> headers) {
        return new Session(List.copyOf(headers));
    }

    /** One message being verified. */
    public final class Session {

        private final List<HeaderField> headers;
        private final List<Object> slots = new ArrayList<>(); // SignatureResult or Candidate, in order
        private final Map<String, BodyHasher> hashers = new HashMap<>();

        private record Candidate(DkimSignature signature, BodyHasher hasher) {
        }

        private Session(List<HeaderField> headers) {
            this.headers = headers;
            long now = clock.instant().getEpochSecond();
            int seen = 0;
            for (HeaderField field : headers) {
                if (!field.is("DKIM-Signature")) {
                    continue;
                }
                if (++seen > maxSignatures) {
                    slots.add(early(field, DkimResult.NEUTRAL, "not checked: more than " + maxSignatures + " signatures"));
                    continue;
                }
                DkimSignature sig;
                try {
                    sig = DkimSignature.parse(field);
                } catch (DkimSyntaxException e) {
                    slots.add(early(field, DkimResult.PERMERROR, e.getMessage()));
                    continue;
                }
                // Section 3.5 x=: "Signatures MAY be considered invalid if the verification time
                // at the Verifier is past the expiration date."
                if (sig.expiration() >= 0 && now > sig.expiration()) {
                    slots.add(result(sig, DkimResult.PERMERROR, "signature expired at x=" + sig.expiration(), 0, false, 0));
                    continue;
                }
                if (sig.timestamp() >= 0 && sig.timestamp() > now + futureSkew.toSeconds()) {
                    slots.add(result(sig, DkimResult.PERMERROR, "signature timestamp t=" + sig.timestamp()
                            + " is in the future", 0, false, 0));
                    continue;
                }
                // rsa-sha1 is rejected after its key lookup; its body is never hashed.
                BodyHasher hasher = null;
                if (sig.algorithm().acceptable()) {
                    String key = sig.bodyCanonicalization() + "/" + sig.bodyLength();
                    hasher = hashers.computeIfAbsent(key,
                            k -> new BodyHasher(sig.bodyCanonicalization(), "SHA-256", sig.bodyLength()));
                }
                slots.add(new Candidate(sig, hasher));
            }
        }

        /** The next piece of the body, exactly as received. */
        public void body(byte[] b, int off, int len) {
            for (BodyHasher h : hashers.values()) {
                h.update(b, off, len);
            }
        }

        /** Ends the body, fetches keys and checks each signature. */
        public DkimVerification finish() {
            Map<String, DnsResult<String>> keys = new HashMap<>();
            List<SignatureResult> results = new ArrayList<>();
            for (Object slot : slots) {
                if (slot instanceof SignatureResult r) {
                    results.add(r);
                } else {
                    Candidate c = (Candidate) slot;
                    if (c.hasher() != null) {
                        c.hasher().finish();
                    }
                    results.add(check(c.signature(), c.hasher(), keys));
                }
            }
            return new DkimVerification(results);
        }

        private SignatureResult check(DkimSignature sig, BodyHasher hasher, Map<String, DnsResult<String>> keys) {
            // Section 6.1.2: get the public key.
            DnsResult<String> answer = keys.computeIfAbsent(sig.keyName(), name -> {
                try {
                    return resolver.txt(name);
                } catch (RuntimeException e) {
                    return DnsResult.of(DnsStatus.TEMPFAIL, String.valueOf(e.getMessage()));
                }
            });
            if (answer.status() == DnsStatus.TEMPFAIL) {
                // Section 6.1.2 step 2: TEMPFAIL when the key cannot be fetched for a temporary reason.
                return result(sig, DkimResult.TEMPERROR, "key lookup " + sig.keyName() + " failed: " + answer.detail(), 0, false, 0);
            }
            if (!answer.found()) {
                // Section 6.1.2 step 3: no key record is PERMFAIL.
                return result(sig, DkimResult.PERMERROR, "no key record at " + sig.keyName()
                        + " (" + answer.detail() + ")", 0, false, 0);
            }
            // RFC 8301 section 3.1: rsa-sha1 signatures are not valid. Checked only now, after
            // the key lookup, so that a DNS failure is still reported as temporary.
            if (!sig.algorithm().acceptable()) {
                return result(sig, DkimResult.PERMERROR, "a=" + sig.algorithm().tag()
                        + " is no longer accepted (RFC 8301 section 3.1)", 0, false, 0);
            }
            KeyRecord record = null;
            String problem = null;
            for (String txt : answer.records()) {
                try {
                    record = KeyRecord.parse(txt);
                    break;
                } catch (DkimSyntaxException e) {
                    problem = e.getMessage();
                }
            }
            if (record == null) {
                return result(sig, DkimResult.PERMERROR, "unusable key record at " + sig.keyName() + ": " + problem, 0, false, 0);
            }
            boolean testing = record.testing();
            // Section 3.6.1 p=: empty means revoked.
            if (record.revoked()) {
                return result(sig, DkimResult.PERMERROR, "key revoked (empty p=)", 0, testing, 0);
            }
            // Section 3.6.1 h=: the signature's hash must be one the key allows.
            if (!record.allowsHash(sig.algorithm().hashName())) {
                return result(sig, DkimResult.PERMERROR, "key h= does not allow " + sig.algorithm().hashName(), 0, testing, 0);
            }
            // Section 3.6.1 s=: the key must be for email.
            if (!record.allowsEmail()) {
                return result(sig, DkimResult.PERMERROR, "key s= does not include email", 0, testing, 0);
            }
            // Section 3.6.1 t=s: i= domain must equal d=, no subdomain.
            if (record.strict() && !sig.identityDomain().equals(sig.domain())) {
                return result(sig, DkimResult.PERMERROR, "key has t=s but i= domain " + sig.identityDomain()
                        + " differs from d=", 0, testing, 0);
            }
            PublicKey key;
            try {
                key = record.decode(sig.algorithm());
            } catch (DkimSyntaxException e) {
                return result(sig, DkimResult.PERMERROR, e.getMessage(), 0, testing, 0);
            }
            int bits = key instanceof RSAPublicKey rsa ? rsa.getModulus().bitLength() : 256;
            long unsigned = 0;
            if (sig.bodyLength() >= 0) {
                // Section 6.1.3: l= longer than the canonical body makes the signature fail.
                if (hasher.canonicalLength() < sig.bodyLength()) {
                    return result(sig, DkimResult.FAIL, "l=" + sig.bodyLength() + " is longer than the body ("
                            + hasher.canonicalLength() + " canonical bytes)", 0, testing, bits);
                }
                unsigned = hasher.canonicalLength() - sig.bodyLength();
            }
            // Section 6.1.3 step 3: the body hash must match bh=.
            if (!MessageDigest.isEqual(hasher.finish(), sig.bodyHash())) {
                return result(sig, DkimResult.FAIL, "body hash did not verify", unsigned, testing, bits);
            }
            byte[] data = HeaderHash.data(headers, sig.signedHeaders(), sig.headerCanonicalization(),
                    HeaderHash.withoutB(sig.field().raw()));
            boolean ok;
            try {
                ok = verifySignature(sig.algorithm(), key, data, sig.signature());
            } catch (GeneralSecurityException e) {
                ok = false;
            }
            if (!ok) {
                return result(sig, DkimResult.FAIL, "signature did not verify", unsigned, testing, bits);
            }
            return result(sig, DkimResult.PASS, "", unsigned, testing, bits);
        }
    }

    static boolean verifySignature(DkimAlgorithm alg, PublicKey key, byte[] data, byte[] signature)
            throws GeneralSecurityException {
        if (alg == DkimAlgorithm.ED25519_SHA256) {
            // RFC 8463 section 3: Ed25519 signs the SHA-256 hash of the header data (pure Ed25519).
            if (signature.length != 64) {
                return false;
            }
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(MessageDigest.getInstance("SHA-256").digest(data));
            return s.verify(signature);
        }
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initVerify(key);
        s.update(data);
        return s.verify(signature);
    }

    private static SignatureResult result(DkimSignature sig, DkimResult r, String reason, long unsigned,
            boolean testing, int bits) {
        return new SignatureResult(r, reason, sig.domain(), sig.selector(), sig.algorithm().tag(), sig.identity(),
                sig.bodyLength(), unsigned, testing, bits);
    }

    /** A result for a field that could not be parsed: whatever d=, s=, a= can be read. */
    private static SignatureResult early(HeaderField field, DkimResult r, String reason) {
        String d = null;
        String s = null;
        String a = null;
        try {
            TagList tags = TagList.parse(field.value());
            d = tags.get("d");
            s = tags.get("s");
            a = tags.get("a");
        } catch (DkimSyntaxException ignored) {
            // the reason already says what is wrong
        }
        return new SignatureResult(r, reason, d, s, a, null, -1, 0, false, 0);
    }
}
