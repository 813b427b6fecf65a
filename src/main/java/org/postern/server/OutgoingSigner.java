package org.postern.server;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.postern.dkim.DkimSigner;
import org.postern.dkim.HeaderField;
import org.postern.dkim.MessageReader;
import org.postern.log.MailLog;
import org.postern.mail.Domains;
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
public final class OutgoingSigner extends OutputStream {

    /** The keys to sign mail of one author domain with; empty when the domain has none. */
    @FunctionalInterface
    public interface Keys {
        List<DkimSigner.SigningKey> forDomain(String domain) throws Exception;
    }

    private static final Logger LOG = MailLog.logger("cleanup");

    private final SpoolWriter writer;
    private final Keys keys;
    private final Instant now;
    private ByteArrayOutputStream headers = new ByteArrayOutputStream(8192);
    private int lineLength;       // bytes of the current header line so far
    private byte previous;
    private boolean inHeaders = true;
    private DkimSigner.Session session;
    private List<DkimSigner.SigningKey> signingKeys = List.of();

    OutgoingSigner(SpoolWriter writer, Keys keys, Instant now) {
        this.writer = writer;
        this.keys = keys;
        this.now = now;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        int end = off + len;
        if (inHeaders) {
            // Scan for the empty line that ends the header section (RFC 5322 section 2.1), then
            // buffer the scanned bytes in one call: a byte-by-byte buffer write cost more than
            // the scan itself.
            int start = off;
            boolean emptyLine = false;
            while (off < end && !emptyLine) {
                byte c = b[off++];
                lineLength++;
                emptyLine = c == '\n' && (lineLength == 1 || lineLength == 2 && previous == '\r');
                if (c == '\n') {
                    lineLength = 0;
                }
                previous = c;
            }
            headers.write(b, start, off - start);
            if (headers.size() > MessageReader.MAX_HEADER_BYTES) {
                LOG.warn("{}: header section longer than {} bytes: not signed", writer.queueId(),
                        MessageReader.MAX_HEADER_BYTES);
                passOnUnsigned();
            } else if (emptyLine) {
                endOfHeaders();
            }
        }
        if (off < end) {
            writer.write(b, off, end - off);
            if (session != null) {
                session.body(b, off, end - off);
            }
        }
    }

    /**
     * Ends the content: puts one DKIM-Signature field per key on top of the message and returns
     * the keys signed with (empty when the message was not signed).
     */
    List<DkimSigner.SigningKey> finish() throws IOException {
        if (inHeaders) {
            endOfHeaders();   // a message without body (RFC 5322 section 3.5 allows it)
        }
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

    private void endOfHeaders() throws IOException {
        byte[] section = headers.toByteArray();
        List<HeaderField> fields = MessageReader.readHeaders(new ByteArrayInputStream(section));
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
        passOnUnsigned();
    }

    /** Writes the buffered header bytes to the spool and passes everything after them on. */
    private void passOnUnsigned() throws IOException {
        inHeaders = false;
        headers.writeTo(writer);
        headers = null;
    }

    // Compiled once: authorDomain runs for every message (String.replaceAll compiles on each call).
    private static final Pattern LINE_BREAK = Pattern.compile("\r?\n");
    private static final Pattern QUOTED_STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern COMMENT = Pattern.compile("\\([^()]*\\)");

    /**
     * The domain of the one author in the one From field (RFC 5322 section 3.6.2), or null when
     * there is none, more than one, or it cannot be read: such mail is not signed. A minimal
     * reading: quoted strings and comments are removed, a comma (several mailboxes, a group)
     * means no single author, then the address is the one in angle brackets
     * ({@code "Alice" <alice@example.org>}) or the bare one ({@code alice@example.org (Alice)}).
     */
    static String authorDomain(List<HeaderField> fields) {
        List<HeaderField> from = fields.stream().filter(f -> f.is("From")).toList();
        if (from.size() != 1) {
            return null;
        }
        String value = LINE_BREAK.matcher(from.getFirst().value()).replaceAll("");
        value = QUOTED_STRING.matcher(value).replaceAll("\"\"");
        value = COMMENT.matcher(value).replaceAll(" ");
        if (value.indexOf(',') >= 0) {
            return null;
        }
        int lt = value.lastIndexOf('<');
        if (lt >= 0) {
            int gt = value.indexOf('>', lt);
            if (gt < 0) {
                return null;
            }
            value = value.substring(lt + 1, gt);
        }
        value = value.trim();
        int at = value.lastIndexOf('@');
        if (at <= 0) {
            return null;
        }
        String domain = value.substring(at + 1).toLowerCase(Locale.ROOT);
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        return Domains.isValidHostname(domain, false) ? domain : null;
    }
}
