package org.postern.dkim;

/**
 * The verdict on one DKIM-Signature.
 *
 * @param result the result word
 * @param reason why, for people and logs (empty for a plain pass)
 * @param domain d= (lower case), or null when the field could not be parsed
 * @param selector s=, or null
 * @param algorithm a= as written, or null
 * @param identity i= (or {@code @d}), or null
 * @param bodyLength l= or -1
 * @param unsignedBodyBytes canonical body bytes after the l= limit, which anyone may have
 *        added (RFC 6376 section 8.2); 0 without l=
 * @param testing the key record has t=y (RFC 6376 section 3.6.1: treat as unsigned)
 * @param keyBits the public key size in bits (RSA) or 256 (Ed25519); 0 if no key was used
 */
public record SignatureResult(DkimResult result, String reason, String domain, String selector,
        String algorithm, String identity, long bodyLength, long unsignedBodyBytes, boolean testing, int keyBits) {

    /** True when l= leaves part of the body unsigned: a risk worth reporting. */
    public boolean bodyLengthRisk() {
        return unsignedBodyBytes > 0;
    }

    /** One line: {@code pass d=example.com s=sel a=rsa-sha256 (reason)}. */
    public String describe() {
        StringBuilder sb = new StringBuilder(result.word());
        if (domain != null) {
            sb.append(" d=").append(domain);
        }
        if (selector != null) {
            sb.append(" s=").append(selector);
        }
        if (algorithm != null) {
            sb.append(" a=").append(algorithm);
        }
        if (keyBits > 0) {
            sb.append(" bits=").append(keyBits);
        }
        if (bodyLength >= 0) {
            sb.append(" l=").append(bodyLength);
        }
        if (testing) {
            sb.append(" testing");
        }
        if (!reason.isEmpty()) {
            sb.append(" (").append(reason).append(')');
        }
        if (bodyLengthRisk()) {
            sb.append(" [risk: l= leaves ").append(unsignedBodyBytes).append(" body bytes unsigned]");
        }
        return sb.toString();
    }
}
