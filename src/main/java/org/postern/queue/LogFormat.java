package org.postern.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Instant;
import java.util.zip.CRC32C;

/**
 * The record format of spool log segments, and the changes records carry.
 *
 * <p>A segment starts with 16 bytes: the magic {@code "PSPOOL01"} and a random 64-bit salt
 * chosen when the segment is created. Then come records, each:
 *
 * <pre>
 * offset  size  field
 *  0      4     magic 0x50535231 ("PSR1")
 *  4      1     type: 1 message, 2 recipient state, 3 hold, 4 release, 5 delete, 6 attribute
 *  5      1     flags: bit 0 = message is on hold (message records)
 *  6      2     reserved, 0
 *  8      4     metaLength
 * 12      8     bodyLength (content bytes; 0 except for message records)
 * 20      4     bodyCrc: CRC32C of the body
 * 24      4     headerCrc: CRC32C of the segment's salt (8 bytes) followed by bytes 0..23
 * 28      m     meta: an {@link EnvelopeCodec} envelope, or a change (see {@link #encodeChange})
 * 28+m    4     metaCrc: CRC32C of meta
 * 32+m    b     body: the message content, byte for byte as received
 * </pre>
 *
 * All integers are big-endian. The header has its own checksum so that a reader can trust the
 * lengths before it uses them (to skip a damaged body, or to resynchronise after garbage).
 * The body checksum is computed by the session while it streams the content, so the committer
 * never has to read a message to log it. A record counts only when all three checksums match:
 * a torn write can never surface as a partial message. The salt makes a record valid only in
 * the segment it was written for: a message body that happens to (or is crafted to) contain
 * record bytes cannot pass as a record when recovery searches past damage.
 */
final class LogFormat {

    static final long SEGMENT_MAGIC = 0x5053504F4F4C3031L; // "PSPOOL01"
    static final int SEGMENT_HEADER = 16;
    static final int MAGIC = 0x50535231;
    static final int HEADER = 28;
    static final int OVERHEAD = HEADER + 4;
    static final int MESSAGE = 1;
    static final int STATE = 2;
    static final int HOLD = 3;
    static final int RELEASE = 4;
    static final int DELETE = 5;
    static final int ATTRIBUTE = 6;
    static final int FLAG_HELD = 1;
    /** Far above any real envelope; bounds what a damaged length can make us allocate. */
    static final int MAX_META = 64 << 20;

    private LogFormat() {
    }

    /** What one record does to the spool's index. Replaying them in log order rebuilds it. */
    sealed interface Change {
        String queueId();
    }

    record Added(Envelope envelope, boolean held) implements Change {
        public String queueId() {
            return envelope.queueId();
        }
    }

    record StateChanged(String queueId, String address, Recipient.Status status, String reply,
                        Instant nextAttempt) implements Change {
    }

    record Held(String queueId) implements Change {
    }

    record Released(String queueId) implements Change {
    }

    record Deleted(String queueId) implements Change {
    }

    /** Sets one envelope attribute (e.g. that the delay warning was sent). */
    record AttributeSet(String queueId, String key, String value) implements Change {
    }

    static int type(Change change) {
        return switch (change) {
            case Added a -> MESSAGE;
            case StateChanged s -> STATE;
            case Held h -> HOLD;
            case Released r -> RELEASE;
            case Deleted d -> DELETE;
            case AttributeSet a -> ATTRIBUTE;
        };
    }

    /** The meta bytes of a change; message records carry the envelope itself. */
    static byte[] encodeChange(Change change) {
        if (change instanceof Added a) {
            return EnvelopeCodec.encode(a.envelope());
        }
        EnvelopeCodec.Out out = new EnvelopeCodec.Out();
        out.u8(EnvelopeCodec.VERSION);
        out.str(change.queueId());
        if (change instanceof StateChanged s) {
            out.str(s.address());
            out.enumName(s.status());
            out.str(s.reply());
            out.instant(s.nextAttempt());
        }
        if (change instanceof AttributeSet a) {
            out.str(a.key());
            out.str(a.value());
        }
        return out.bytes();
    }

    static Change decodeChange(int type, int flags, byte[] meta) throws IOException {
        if (type == MESSAGE) {
            return new Added(EnvelopeCodec.decode(meta), (flags & FLAG_HELD) != 0);
        }
        EnvelopeCodec.In in = new EnvelopeCodec.In(meta);
        int version = in.u8();
        if (version != EnvelopeCodec.VERSION) {
            throw new IOException("record format version " + version + " is not supported");
        }
        String id = in.str();
        Change change = switch (type) {
            case STATE -> new StateChanged(id, in.str(), in.enumName(Recipient.Status.class), in.str(),
                    in.instant());
            case HOLD -> new Held(id);
            case RELEASE -> new Released(id);
            case DELETE -> new Deleted(id);
            case ATTRIBUTE -> new AttributeSet(id, in.str(), in.str());
            default -> throw new IOException("unknown record type " + type);
        };
        in.end();
        return change;
    }

    /**
     * Header and meta of a record, followed by the body when it is given in memory
     * ({@code body} may be null when the body comes from a spill file).
     */
    static ByteBuffer encode(Change change, byte[] body, int bodyInMemory, long bodyLength, int bodyCrc) {
        byte[] meta = encodeChange(change);
        int flags = change instanceof Added a && a.held() ? FLAG_HELD : 0;
        ByteBuffer buf = ByteBuffer.allocate(OVERHEAD + meta.length + (body == null ? 0 : bodyInMemory));
        buf.putInt(MAGIC).put((byte) type(change)).put((byte) flags).putShort((short) 0)
                .putInt(meta.length).putLong(bodyLength).putInt(bodyCrc);
        buf.putInt(0); // the header CRC depends on the segment; see seal()
        buf.put(meta).putInt(crc(meta, 0, meta.length));
        if (body != null) {
            buf.put(body, 0, bodyInMemory);
        }
        return buf.flip();
    }

    /** Sets the header CRC of an encoded record for the segment with this salt. */
    static void seal(ByteBuffer record, long salt) {
        record.putInt(24, headerCrc(salt, record.array()));
    }

    private static int headerCrc(long salt, byte[] header) {
        CRC32C c = new CRC32C();
        c.update(ByteBuffer.allocate(8).putLong(0, salt));
        c.update(header, 0, 24);
        return (int) c.getValue();
    }

    /** The first bytes of a new segment. */
    static ByteBuffer segmentHeader(long salt) {
        return ByteBuffer.allocate(SEGMENT_HEADER).putLong(SEGMENT_MAGIC).putLong(salt).flip();
    }

    /** The salt of a segment, or null when its header is missing or not ours. */
    static Long readSalt(FileChannel ch) throws IOException {
        if (ch.size() < SEGMENT_HEADER) {
            return null;
        }
        ByteBuffer h = readFully(ch, 0, SEGMENT_HEADER);
        return h.getLong(0) == SEGMENT_MAGIC ? h.getLong(8) : null;
    }

    static int crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    /** A record found valid in a segment. */
    record Scanned(long start, int type, int flags, byte[] meta, long bodyPos, long bodyLength,
                   int bodyCrc) {
        long end() {
            return bodyPos + bodyLength;
        }
    }

    /**
     * Reads and fully verifies the record at {@code pos}, or returns null when there is no
     * valid record there (torn, damaged, or not a record at all).
     */
    static Scanned readAt(FileChannel ch, long salt, long pos, long size) throws IOException {
        if (size - pos < OVERHEAD) {
            return null;
        }
        ByteBuffer h = readFully(ch, pos, HEADER);
        if (h.getInt(0) != MAGIC || h.getInt(24) != headerCrc(salt, h.array())) {
            return null;
        }
        int type = h.get(4);
        int flags = h.get(5);
        int metaLength = h.getInt(8);
        long bodyLength = h.getLong(12);
        int bodyCrc = h.getInt(20);
        long bodyPos = pos + OVERHEAD + metaLength;
        if (metaLength < 0 || metaLength > MAX_META || bodyLength < 0 || bodyLength > size - bodyPos) {
            return null;
        }
        ByteBuffer m = readFully(ch, pos + HEADER, metaLength + 4);
        if (m.getInt(metaLength) != crc(m.array(), 0, metaLength)) {
            return null;
        }
        if (bodyCrc(ch, bodyPos, bodyLength) != bodyCrc) {
            return null;
        }
        byte[] meta = new byte[metaLength];
        m.get(0, meta);
        return new Scanned(pos, type, flags, meta, bodyPos, bodyLength, bodyCrc);
    }

    /**
     * The position of the next valid record after {@code from}, or -1. Used after a damaged
     * record to tell a torn tail (nothing valid follows) from damage in the middle.
     */
    static long resync(FileChannel ch, long salt, long from, long size) throws IOException {
        ByteBuffer window = ByteBuffer.allocate(64 * 1024);
        for (long base = from; base <= size - OVERHEAD; base += window.capacity() - 3) {
            window.clear();
            int n = ch.read(window, base);
            for (int i = 0; i + 4 <= n; i++) {
                if (window.getInt(i) == MAGIC && readAt(ch, salt, base + i, size) != null) {
                    return base + i;
                }
            }
            if (n < window.capacity()) {
                break;
            }
        }
        return -1;
    }

    private static int bodyCrc(FileChannel ch, long pos, long length) throws IOException {
        CRC32C c = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(length, 256 * 1024));
        long done = 0;
        while (done < length) {
            buf.clear().limit((int) Math.min(buf.capacity(), length - done));
            int n = ch.read(buf, pos + done);
            if (n < 0) {
                return ~0; // the file shrank under us: treat as damage
            }
            c.update(buf.flip());
            done += n;
        }
        return (int) c.getValue();
    }

    static ByteBuffer readFully(FileChannel ch, long pos, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (ch.read(buf, pos + buf.position()) < 0) {
                throw new IOException("unexpected end of file at " + (pos + buf.position()));
            }
        }
        return buf.flip();
    }
}
