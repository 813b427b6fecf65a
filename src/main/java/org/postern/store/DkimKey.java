package org.postern.store;

import java.time.Instant;

/**
 * A stored DKIM key: the row of {@code dkim_keys}.
 *
 * @param algorithm {@code rsa-sha256} or {@code ed25519-sha256}
 * @param privateKeyPem PKCS#8 PEM
 * @param publicKey base64, the key record's p= value
 * @param state {@code pending} (generated, DNS record not yet confirmed), {@code active}
 *        (outgoing mail is signed with it) or {@code retired} (no longer used)
 */
public record DkimKey(String domain, String selector, String algorithm, String privateKeyPem, String publicKey,
        String state, Instant created) {

    public static final String PENDING = "pending";
    public static final String ACTIVE = "active";
    public static final String RETIRED = "retired";

    public boolean active() {
        return ACTIVE.equals(state);
    }
}
