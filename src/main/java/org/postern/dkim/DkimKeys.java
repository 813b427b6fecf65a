package org.postern.dkim;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * DKIM keys: generation, PEM (PKCS#8) encoding, and the DNS key record to publish (RFC 6376
 * section 3.6.1, RFC 8463 section 4).
 */
public final class DkimKeys {

    /** RSA size for new keys: RFC 8301 section 3.2 says signers SHOULD use at least 2048. */
    public static final int DEFAULT_RSA_BITS = 2048;

    private static final byte[] RSA_ALGORITHM_ID = {
        0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    private DkimKeys() {
    }

    /** A new key pair: RSA of {@code bits} bits, or Ed25519 (bits ignored). */
    public static KeyPair generate(DkimAlgorithm algorithm, int bits) {
        try {
            if (algorithm == DkimAlgorithm.ED25519_SHA256) {
                return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            }
            if (!algorithm.acceptable()) {
                throw new IllegalArgumentException(algorithm + " is not acceptable (RFC 8301)");
            }
            if (bits < 1024 || bits > 16384) {
                throw new IllegalArgumentException("RSA key size must be between 1024 and 16384 bits, not " + bits);
            }
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(bits);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The algorithm a private or public key signs with. */
    public static DkimAlgorithm algorithmOf(java.security.Key key) {
        return switch (key.getAlgorithm()) {
            case "RSA" -> DkimAlgorithm.RSA_SHA256;
            case "Ed25519", "EdDSA" -> DkimAlgorithm.ED25519_SHA256;
            default -> throw new IllegalArgumentException("not a DKIM key type: " + key.getAlgorithm());
        };
    }

    /** The private key as PEM, PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}). */
    public static String privateKeyPem(PrivateKey key) {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded());
        return "-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n";
    }

    /**
     * Reads a private key from PEM: PKCS#8 ({@code PRIVATE KEY}, RSA or Ed25519) or PKCS#1
     * ({@code RSA PRIVATE KEY}, as {@code openssl genrsa} wrote it for years).
     */
    public static PrivateKey readPrivateKey(String pem) throws GeneralSecurityException {
        boolean pkcs1 = pem.contains("-----BEGIN RSA PRIVATE KEY-----");
        int begin = pem.indexOf("-----BEGIN ");
        if (begin < 0) {
            throw new GeneralSecurityException("no PEM block (-----BEGIN PRIVATE KEY-----) found");
        }
        int start = pem.indexOf('\n', begin);
        int end = pem.indexOf("-----END ", start);
        if (start < 0 || end < 0) {
            throw new GeneralSecurityException("unterminated PEM block");
        }
        if (pem.substring(begin, start).contains("ENCRYPTED")) {
            throw new GeneralSecurityException("encrypted private keys are not supported; decrypt it with openssl pkey");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(start + 1, end));
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("bad base64 in the PEM block");
        }
        if (pkcs1) {
            der = wrapPkcs1(der);
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String alg : List.of("RSA", "Ed25519")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (GeneralSecurityException tryNext) {
                // not this algorithm
            }
        }
        throw new GeneralSecurityException("the PEM block is not an RSA or Ed25519 private key");
    }

    /** PKCS#8 PrivateKeyInfo around a PKCS#1 RSAPrivateKey. */
    private static byte[] wrapPkcs1(byte[] pkcs1) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(RSA_ALGORITHM_ID);
        body.writeBytes(tlv(0x04, pkcs1));
        return tlv(0x30, body.toByteArray());
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int len = value.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    /** The public key of a private key (RSA CRT keys carry it; Ed25519 keys are derived). */
    public static PublicKey publicKeyOf(PrivateKey key) throws GeneralSecurityException {
        if (key instanceof RSAPrivateCrtKey rsa) {
            return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
        }
        if (algorithmOf(key) == DkimAlgorithm.ED25519_SHA256) {
            // The JDK has no call that derives an EdDSA public key: run the key pair generator
            // on the private key's 32 bytes as its randomness, which yields the same pair.
            byte[] seed = ((java.security.interfaces.EdECPrivateKey) key).getBytes()
                    .orElseThrow(() -> new GeneralSecurityException("Ed25519 private key without its bytes"));
            KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
            g.initialize(255, new FixedRandom(seed));
            return g.generateKeyPair().getPublic();
        }
        throw new GeneralSecurityException("cannot derive the public key of a " + key.getAlgorithm() + " key");
    }

    /** The p= value: base64 of the SubjectPublicKeyInfo (RSA) or of the raw 32 bytes (Ed25519). */
    public static String publicKeyValue(PublicKey key) {
        byte[] der = key.getEncoded();
        if (algorithmOf(key) == DkimAlgorithm.ED25519_SHA256) {
            der = Arrays.copyOfRange(der, der.length - 32, der.length);
        }
        return Base64.getEncoder().encodeToString(der);
    }

    /** The key record text, e.g. {@code v=DKIM1; k=rsa; p=MIIB...}. */
    public static String txtRecord(DkimAlgorithm algorithm, String publicKeyValue) {
        return "v=DKIM1; k=" + algorithm.keyType() + "; p=" + publicKeyValue;
    }

    /** The record text cut into character-strings of at most 255 bytes (RFC 1035 section 3.3.14). */
    public static List<String> txtStrings(String record) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < record.length(); i += 255) {
            parts.add(record.substring(i, Math.min(record.length(), i + 255)));
        }
        return parts;
    }

    /**
     * A zone-file line: {@code sel._domainkey.example.com. IN TXT ( "v=DKIM1; k=rsa; p=..." "..." )},
     * ready to paste.
     */
    public static String zoneFileRecord(String selector, String domain, String record) {
        StringBuilder sb = new StringBuilder();
        sb.append(selector).append("._domainkey.").append(domain).append(". IN TXT (");
        List<String> parts = txtStrings(record);
        for (String p : parts) {
            sb.append(parts.size() > 1 ? "\n    " : " ").append('"').append(p).append('"');
        }
        return sb.append(parts.size() > 1 ? "\n)" : " )").toString();
    }

    /** Feeds fixed bytes to the Ed25519 generator so the key pair is the one of the seed. */
    private static final class FixedRandom extends java.security.SecureRandom {
        private final byte[] seed;

        FixedRandom(byte[] seed) {
            this.seed = seed.clone();
        }

        @Override
        public void nextBytes(byte[] bytes) {
            System.arraycopy(seed, 0, bytes, 0, Math.min(bytes.length, seed.length));
        }
    }
}
