package org.postern.dkim;

import java.util.Locale;

/** The signing algorithms Postern accepts (RFC 6376 section 3.3, RFC 8463 section 3). */
public enum DkimAlgorithm {
    /** RSASSA-PKCS1-v1_5 with SHA-256 (RFC 6376 section 3.3.1). */
    RSA_SHA256("rsa-sha256", "rsa"),
    /** Ed25519 over the SHA-256 hash of the header data (RFC 8463 section 3). */
    ED25519_SHA256("ed25519-sha256", "ed25519"),
    /**
     * RSA with SHA-1: parsed so its key can still be fetched (a DNS failure stays a temperror),
     * but never accepted, neither for signing nor for verifying (RFC 8301 section 3.1).
     */
    RSA_SHA1("rsa-sha1", "rsa");

    private final String tag;
    private final String keyType;

    DkimAlgorithm(String tag, String keyType) {
        this.tag = tag;
        this.keyType = keyType;
    }

    /** The a= value. */
    public String tag() {
        return tag;
    }

    /** The key record's k= value for this algorithm. */
    public String keyType() {
        return keyType;
    }

    /** The hash name in key record h= lists. */
    public String hashName() {
        return this == RSA_SHA1 ? "sha1" : "sha256";
    }

    /** Acceptable under RFC 8301: everything but rsa-sha1. */
    public boolean acceptable() {
        return this != RSA_SHA1;
    }

    /** The length of the body hash bh= in bytes. */
    int hashLength() {
        return this == RSA_SHA1 ? 20 : 32;
    }

    public static DkimAlgorithm fromTag(String a) {
        String s = a.toLowerCase(Locale.ROOT);
        for (DkimAlgorithm alg : values()) {
            if (alg.tag.equals(s)) {
                return alg;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return tag;
    }
}
