package org.postern.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.postern.delivery.DeliveryResult.Status;

/**
 * Local delivery into a Maildir folder, with the semantics of Postfix's {@code virtual}
 * transport: the message is written to {@code tmp/}, flushed to disk, renamed into {@code new/}
 * in one atomic step, and the {@code new/} directory is flushed too. A reader (Dovecot, a
 * mail client) therefore sees either the whole message or nothing.
 *
 * <p>File names follow Dovecot's Maildir convention so that Dovecot can use them without
 * reading the files: {@code <seconds>.M<microseconds>P<pid>Q<counter>.<host>,S=<size>,W=<vsize>}
 * where {@code S} is the file size and {@code W} the size with every line ending counted as
 * CRLF (the size IMAP reports). In the host name {@code /} is written {@code \057} and
 * {@code :} {@code \072}, since both have a meaning in Maildir names.
 *
 * <p>The queue stores messages with CRLF line endings; Maildir files use LF, so CRLF is turned
 * into LF while copying. The caller's prepended header block ({@code Delivered-To},
 * {@code Return-Path}, ...) is written first and converted the same way.
 *
 * <p>Results: sent ({@code 2.0.0 delivered to maildir}); deferred ({@code 4.3.0}, or
 * {@code 4.3.1} when the disk is full) on any I/O failure, after removing the partial file;
 * bounced ({@code 5.2.2}) when the message is larger than the configured limit (Postfix's
 * {@code virtual_mailbox_limit}, which for Maildir limits the size of one message file).
 * If only the final flush of {@code new/} fails, the message is already visible and the result
 * is still deferred: a retry may then deliver it twice, which is better than losing it.
 * Folder ownership is not changed: the files belong to the user this process runs as.
 *
 * <p>Instances are immutable and safe for concurrent use.
 */
public final class MaildirDelivery {

    /** Counter making names unique among deliveries of this process in the same microsecond. */
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final FileAttribute<?> DIR_0700 =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final FileAttribute<?> FILE_0600 =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final String RELAY = "virtual";

    private final String hostPart;
    private final long sizeLimit;

    /**
     * @param hostname  this host's name ({@code myhostname}), used in the file names
     * @param sizeLimit the largest message file in bytes ({@code virtual_mailbox_limit});
     *                  0 means no limit
     */
    public MaildirDelivery(String hostname, long sizeLimit) {
        Objects.requireNonNull(hostname, "hostname");
        if (sizeLimit < 0) {
            throw new IllegalArgumentException("size limit must be >= 0: " + sizeLimit);
        }
        this.hostPart = hostname.replace("/", "\\057").replace(":", "\\072");
        this.sizeLimit = sizeLimit;
    }

    /**
     * Delivers one message into the Maildir {@code mailboxDir} (the folder holding
     * {@code cur/ new/ tmp/}, created with mode 0700 when missing). The result's recipient is
     * empty; see {@link #deliver(String, Path, byte[], InputStream, long)}.
     */
    public DeliveryResult deliver(Path mailboxDir, byte[] prependedHeaders, InputStream content, long size) {
        return deliver("", mailboxDir, prependedHeaders, content, size);
    }

    /**
     * Delivers one message into the Maildir {@code mailboxDir} for {@code recipient}.
     *
     * @param recipient        the envelope recipient, copied into the result
     * @param mailboxDir       the Maildir folder (holding or to hold {@code cur/ new/ tmp/})
     * @param prependedHeaders header lines to put before the content (CRLF or LF endings)
     * @param content          the message as queued, CRLF line endings; read to the end, not closed
     * @param size             the content's size in bytes (for the size limit check)
     */
    public DeliveryResult deliver(String recipient, Path mailboxDir, byte[] prependedHeaders, InputStream content,
                                  long size) {
        long expected = prependedHeaders.length + size;
        if (sizeLimit > 0 && expected > sizeLimit) {
            return tooLarge(recipient, expected);
        }
        Path tmpFile = null;
        try {
            Path tmp = mailboxDir.resolve("tmp");
            Path newDir = mailboxDir.resolve("new");
            createDir(mailboxDir);
            createDir(tmp);
            createDir(newDir);
            createDir(mailboxDir.resolve("cur"));

            String base = null;
            while (tmpFile == null) {
                base = uniqueName();
                try {
                    tmpFile = Files.createFile(tmp.resolve(base), FILE_0600);
                } catch (FileAlreadyExistsException e) {
                    // someone else's file: never remove it, try the next name
                }
            }
            FileChannel out = FileChannel.open(tmpFile, StandardOpenOption.WRITE);
            LfWriter writer = new LfWriter(out);
            try (out) {
                writer.write(prependedHeaders, prependedHeaders.length);
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = content.read(buf)) > 0; ) {
                    writer.write(buf, n);
                    if (sizeLimit > 0 && writer.written > sizeLimit) {
                        Files.deleteIfExists(tmpFile);
                        return tooLarge(recipient, writer.written);
                    }
                }
                writer.finish();
                out.force(true);
            }
            Path target = newDir.resolve(base + ",S=" + writer.written + ",W=" + (writer.written + writer.lines));
            Files.move(tmpFile, target, StandardCopyOption.ATOMIC_MOVE);
            tmpFile = null;
            try (FileChannel dir = FileChannel.open(newDir, StandardOpenOption.READ)) {
                dir.force(true);
            }
            return DeliveryResult.local(recipient, Status.SENT, "2.0.0", "delivered to maildir", RELAY);
        } catch (IOException | RuntimeException e) {
            if (tmpFile != null) {
                try {
                    Files.deleteIfExists(tmpFile);
                } catch (IOException ignored) {
                    // the file stays in tmp/, invisible to readers; Maildir readers clean tmp/
                }
            }
            String reason = describe(e);
            String dsn = reason.contains("No space left") || reason.contains("Disk quota") ? "4.3.1" : "4.3.0";
            return DeliveryResult.local(recipient, Status.DEFERRED, dsn,
                    "maildir delivery failed: " + reason, RELAY);
        }
    }

    private DeliveryResult tooLarge(String recipient, long bytes) {
        return DeliveryResult.local(recipient, Status.BOUNCED, "5.2.2",
                "mailbox full: message size " + bytes + " exceeds the limit of " + sizeLimit + " bytes", RELAY);
    }

    /** Dovecot-style unique part: time, then microseconds, process id and a counter. */
    private String uniqueName() {
        Instant now = Instant.now();
        return now.getEpochSecond() + ".M" + (now.getNano() / 1000) + "P" + ProcessHandle.current().pid()
                + "Q" + COUNTER.incrementAndGet() + "." + hostPart;
    }

    private static void createDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir, DIR_0700);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(dir)) {
                    throw new IOException("create directory " + dir + ": exists and is not a directory", e);
                }
            }
        }
    }

    private static String describe(Exception e) {
        if (e instanceof java.nio.file.FileSystemException fse) {
            String reason = fse.getReason() == null ? e.getClass().getSimpleName() : fse.getReason();
            return (fse.getFile() == null ? "" : fse.getFile() + ": ") + reason;
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Writes bytes to a channel turning CRLF into LF; counts bytes written and LF line ends. */
    private static final class LfWriter {
        private final FileChannel out;
        private final ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        private boolean pendingCr;
        long written;
        long lines;

        LfWriter(FileChannel out) {
            this.out = out;
        }

        void write(byte[] data, int len) throws IOException {
            for (int i = 0; i < len; i++) {
                byte b = data[i];
                if (pendingCr) {
                    pendingCr = false;
                    if (b != '\n') {
                        put((byte) '\r');
                    }
                }
                if (b == '\r') {
                    pendingCr = true;
                } else {
                    put(b);
                }
            }
            flush();
        }

        void finish() throws IOException {
            if (pendingCr) {
                pendingCr = false;
                put((byte) '\r');
            }
            flush();
        }

        private void put(byte b) throws IOException {
            if (!buf.hasRemaining()) {
                flush();
            }
            buf.put(b);
            written++;
            if (b == '\n') {
                lines++;
            }
        }

        private void flush() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            buf.clear();
        }
    }
}
