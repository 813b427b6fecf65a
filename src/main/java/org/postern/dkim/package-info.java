/**
 * DKIM: DomainKeys Identified Mail signatures (RFC 6376), as updated by RFC 8301 (rsa-sha1 and
 * RSA keys under 1024 bits are not acceptable) and RFC 8463 (Ed25519). A DKIM signature lets a
 * domain take responsibility for a message: the signer hashes the body and chosen header fields
 * and signs them with a key whose public half is published in DNS at
 * {@code selector._domainkey.domain}.
 *
 * <p>{@link org.postern.dkim.DkimVerifier} checks every {@code DKIM-Signature} of a message and
 * returns a typed {@link org.postern.dkim.DkimVerification}; {@link org.postern.dkim.DkimSigner}
 * makes signatures; {@link org.postern.dkim.DkimKeys} generates keys and the TXT records to
 * publish. The body always streams through the canonicalizer and hash, so memory stays bounded
 * for any message size; only the header section is buffered.
 *
 * <p>This package knows nothing of configuration, storage or the server: it takes plain values
 * and a {@link org.postern.dkim.TxtResolver}. Strings that hold message bytes are ISO-8859-1,
 * one char per byte, so no byte is ever changed by a charset.
 */
package org.postern.dkim;
