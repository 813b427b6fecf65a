package org.postern.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.postern.dkim.DkimSigner;
import org.postern.dkim.HeaderField;
import org.postern.dkim.MessageReader;
import org.postern.dmarc.AuthorDomain;
import org.postern.log.MailLog;
import org.postern.queue.SpoolWriter;
import org.slf4j.Logger;

/**
 * Signs a message with DKIM (RFC 6376 section 5) while it is written to the spool, for mail our
 * users send. Everything the session writes passes through here: PREPEND headers, our Received
 * header, then the client's content.
 *
 * <p>Design, to keep memory bounded: only the header section is buffered, until its empty line
 * (at most {@link MessageReader#MAX_HEADER_BYTES}; a longer one is passed on unsigned with a
 * warning). Then the From domain is known (section 5.4: the signature is for the author's
 * domain), its active keys are looked up, the header section goes to the spool writer and every
 * body byte goes both to the writer and into the signer's body hash (section 3.7), so the body
 * is read once and never held. At the end the DKIM-Signature fields are put on top of the
 * stored message with {@link SpoolWriter#prepend}, which places them before content already
 * written without copying it. Their position does not matter to verifiers (section 5.6 only
 * asks that they go before the signed fields, which holds at the top).
 *
 * <p>The signature covers the header section as stored (our Received and PREPEND fields
 * included), so it verifies on exactly what leaves Postern; DkimSigner signs only the fields of
 * its list (From, To, Subject, ...), not Received.
 */
public final class OutgoingSigner extends HeaderSectionStream {

    /** The keys to sign mail of one author domain with; empty when the domain has none. */
    @FunctionalInterface
    public interface Keys {
        List<DkimSigner.SigningKey> forDomain(String domain) throws Exception;
    }

    private static final Logger LOG = MailLog.logger("cleanup");

    private final SpoolWriter writer;
    private final Keys keys;
    private final Instant now;
    private DkimSigner.Session session;
    private List<DkimSigner.SigningKey> signingKeys = List.of();

    OutgoingSigner(SpoolWriter writer, Keys keys, Instant now) {
        this.writer = writer;
        this.keys = keys;
        this.now = now;
    }

    @Override
    protected void body(byte[] b, int off, int len) throws IOException {
        writer.write(b, off, len);
        if (session != null) {
            session.body(b, off, len);
        }
    }

    /**
     * Ends the content: puts one DKIM-Signature field per key on top of the message and returns
     * the keys signed with (empty when the message was not signed).
     */
    List<DkimSigner.SigningKey> finish() throws IOException {
        endOfContent();
        if (session == null) {
            return List.of();
        }
        StringBuilder fields = new StringBuilder();
        for (String field : session.finish()) {
            fields.append(field);
        }
        writer.prepend(fields.toString().getBytes(StandardCharsets.ISO_8859_1));
        session = null;
        for (DkimSigner.SigningKey key : signingKeys) {
            LOG.info("{}: DKIM-Signature field added (s={}, d={})", writer.queueId(), key.selector(), key.domain());
        }
        return signingKeys;
    }

    @Override
    protected void headerSection(byte[] section, boolean tooLong) throws IOException {
        if (tooLong) {
            LOG.warn("{}: header section longer than {} bytes: not signed", writer.queueId(), MessageReader.MAX_HEADER_BYTES);
        } else {
            List<HeaderField> fields = MessageReader.readHeaders(section, section.length);
            String domain = authorDomain(fields);
            if (domain != null) {
                try {
                    signingKeys = keys.forDomain(domain);
                } catch (Exception e) {
                    LOG.warn("{}: cannot read the DKIM keys of {}: {}; not signed", writer.queueId(), domain, e.toString());
                    signingKeys = List.of();
                }
                if (!signingKeys.isEmpty()) {
                    session = new DkimSigner(signingKeys).begin(fields, now);
                }
            }
        }
        writer.write(section);
    }

    /**
     * The domain of the author (RFC 5322 section 3.6.2: the From field; section 5.4 of RFC 6376:
     * the signature is for the author's domain), or null when the message has no single author
     * domain (no From, several, or addresses in several domains): such mail is not signed.
     */
    static String authorDomain(List<HeaderField> fields) {
        AuthorDomain author = AuthorDomain.extract(fields);
        return author.isSingle() ? author.domain() : null;
    }
}
