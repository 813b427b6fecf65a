package org.postern.dkim;

import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A DKIM key record, the TXT record at {@code selector._domainkey.domain} (RFC 6376 section
 * 3.6.1).
 *
 * @param keyType the k= value (default rsa)
 * @param hashes the h= list, empty when absent (all hashes allowed)
 * @param services the s= list ({@code *} when absent)
 * @param flags the t= flags ({@code y} testing, {@code s} strict identity)
 * @param publicKey the p= value as base64, empty when revoked
 */
public record KeyRecord(String keyType, List<String> hashes, List<String> services, List<String> flags,
        String publicKey) {

    /** Minimum RSA key size a verifier accepts (RFC 8301 section 3.2). */
    public static final int MIN_RSA_BITS = 1024;

    private static final byte[] ED25519_SPKI_PREFIX = {
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    public static KeyRecord parse(String text) throws DkimSyntaxException {
        TagList tags = TagList.parse(text);
        // Section 3.6.1 v=: if present it MUST be the first tag and be "DKIM1"; records with any
        // other value MUST be discarded.
        if (tags.has("v")) {
            if (!"v".equals(tags.firstName())) {
                throw new DkimSyntaxException("key record v= is not the first tag");
            }
            if (!tags.get("v").equals("DKIM1")) {
                throw new DkimSyntaxException("key record has unsupported version v=" + tags.get("v"));
            }
        }
        if (!tags.has("p")) {
            throw new DkimSyntaxException("key record has no p= tag");
        }
        String k = tags.has("k") ? tags.get("k").toLowerCase(Locale.ROOT) : "rsa";
        return new KeyRecord(k, list(tags.get("h")), tags.has("s") ? list(tags.get("s")) : List.of("*"),
                list(tags.get("t")), TagList.stripWhitespace(tags.get("p")));
    }

    private static List<String> list(String value) {
        List<String> out = new ArrayList<>();
        if (value != null) {
            for (String part : value.split(":")) {
                String p = TagList.trim(part).toLowerCase(Locale.ROOT);
                if (!p.isEmpty()) {
                    out.add(p);
                }
            }
        }
        return List.copyOf(out);
    }

    /** Section 3.6.1 p=: "An empty value means that this public key has been revoked." */
    public boolean revoked() {
        return publicKey.isEmpty();
    }

    /** t=y: the domain is testing DKIM. */
    public boolean testing() {
        return flags.contains("y");
    }

    /** t=s: the i= domain must equal d= exactly, no subdomains. */
    public boolean strict() {
        return flags.contains("s");
    }

    /** s= includes email or *. */
    public boolean allowsEmail() {
        return services.contains("*") || services.contains("email");
    }

    /** h= is absent or lists the hash. */
    public boolean allowsHash(String hash) {
        return hashes.isEmpty() || hashes.contains(hash);
    }

    /**
     * Decodes p= for the algorithm; the key must match k= and be acceptable (RSA at least
     * {@value #MIN_RSA_BITS} bits, Ed25519 exactly 32 bytes).
     */
    public PublicKey decode(DkimAlgorithm algorithm) throws DkimSyntaxException {
        if (!keyType.equals(algorithm.keyType())) {
            throw new DkimSyntaxException("key type k=" + keyType + " does not match a=" + algorithm.tag());
        }
        byte[] der = DkimSignature.base64(publicKey, "p");
        try {
            if (algorithm == DkimAlgorithm.ED25519_SHA256) {
                // RFC 8463 section 4: p= is the raw 32-byte public key.
                if (der.length != 32) {
                    throw new DkimSyntaxException("Ed25519 key p= has " + der.length + " bytes, not 32");
                }
                byte[] spki = new byte[ED25519_SPKI_PREFIX.length + 32];
                System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
                System.arraycopy(der, 0, spki, ED25519_SPKI_PREFIX.length, 32);
                return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
            }
            RSAPublicKey rsa = rsaKey(der);
            int bits = rsa.getModulus().bitLength();
            if (bits < MIN_RSA_BITS) {
                throw new DkimSyntaxException("RSA key of " + bits + " bits is too short (RFC 8301 section 3.2 requires "
                        + MIN_RSA_BITS + ")");
            }
            return rsa;
        } catch (InvalidKeySpecException e) {
            throw new DkimSyntaxException("p= is not a valid Ed25519 public key");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RSAPublicKey rsaKey(byte[] der) throws DkimSyntaxException, java.security.NoSuchAlgorithmException {
        KeyFactory f = KeyFactory.getInstance("RSA");
        try {
            // Section 3.6.1 / 3.3.1: the usual form is a SubjectPublicKeyInfo.
            return (RSAPublicKey) f.generatePublic(new X509EncodedKeySpec(der));
        } catch (InvalidKeySpecException | ClassCastException e) {
            // Some publish a bare PKCS#1 RSAPublicKey: SEQUENCE { modulus, exponent }.
            try {
                Der d = new Der(der);
                d.expect(0x30);
                BigInteger n = d.integer();
                BigInteger e2 = d.integer();
                return (RSAPublicKey) f.generatePublic(new RSAPublicKeySpec(n, e2));
            } catch (RuntimeException | InvalidKeySpecException inner) {
                throw new DkimSyntaxException("p= is not a valid RSA public key");
            }
        }
    }

    /** Just enough DER to read a PKCS#1 RSAPublicKey. */
    private static final class Der {
        private final byte[] b;
        private int pos;

        Der(byte[] b) {
            this.b = b;
        }

        int expect(int tag) {
            if ((b[pos++] & 0xff) != tag) {
                throw new IllegalArgumentException("unexpected DER tag");
            }
            int len = b[pos++] & 0xff;
            if (len > 0x80) {
                int n = len - 0x80;
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = len << 8 | b[pos++] & 0xff;
                }
            }
            return len;
        }

        BigInteger integer() {
            int len = expect(0x02);
            byte[] v = java.util.Arrays.copyOfRange(b, pos, pos + len);
            pos += len;
            return new BigInteger(v);
        }
    }
}
