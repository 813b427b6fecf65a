package org.postern.queue;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Binary form of an {@link Envelope} (and the small values log records carry), big-endian:
 *
 * <pre>
 * u8 version (1)
 * str queueId, str sender
 * instant arrival
 * str clientName, str clientAddress, str helo, str protocol, str saslUsername
 * i64 size
 * str dsnRet, str envId, str body, u8 smtpUtf8 (0/1)
 * i32 n, then n recipients: str address, str orcpt, u8 k, k x str notify,
 *                           str status, str lastReply, instant nextAttempt
 * i32 m, then m x (str key, str value)
 *
 * str     = i32 byte length (-1 for null), then UTF-8 bytes
 * instant = i64 epoch second (Long.MIN_VALUE for null), i32 nano
 * enums are written by name so that reordering constants cannot change stored meaning
 * </pre>
 *
 * A reader refuses a version it does not know rather than guess: an unread envelope would
 * otherwise be a lost message.
 */
final class EnvelopeCodec {

    static final int VERSION = 1;

    private EnvelopeCodec() {
    }

    static byte[] encode(Envelope e) {
        Out out = new Out();
        out.u8(VERSION);
        out.str(e.queueId());
        out.str(e.sender());
        out.instant(e.arrival());
        Envelope.ClientInfo c = e.client();
        out.str(c.name());
        out.str(c.address());
        out.str(c.helo());
        out.str(c.protocol());
        out.str(c.saslUsername());
        out.i64(e.size());
        out.enumName(e.dsnRet());
        out.str(e.envId());
        out.enumName(e.body());
        out.u8(e.smtpUtf8() ? 1 : 0);
        out.i32(e.recipients().size());
        for (Recipient r : e.recipients()) {
            out.str(r.address());
            out.str(r.orcpt());
            out.u8(r.dsnNotify().size());
            for (Recipient.Notify n : EnumSet.copyOf(nonEmpty(r.dsnNotify()))) {
                out.enumName(n);
            }
            out.enumName(r.status());
            out.str(r.lastReply());
            out.instant(r.nextAttempt());
        }
        out.i32(e.attributes().size());
        for (Map.Entry<String, String> a : e.attributes().entrySet()) {
            out.str(a.getKey());
            out.str(a.getValue());
        }
        return out.bytes();
    }

    static Envelope decode(byte[] bytes) throws IOException {
        In in = new In(bytes);
        int version = in.u8();
        if (version != VERSION) {
            throw new IOException("envelope format version " + version + " is not supported");
        }
        String queueId = in.str();
        String sender = in.str();
        Instant arrival = in.instant();
        Envelope.ClientInfo client = new Envelope.ClientInfo(in.str(), in.str(), in.str(), in.str(), in.str());
        long size = in.i64();
        Envelope.DsnRet ret = in.enumName(Envelope.DsnRet.class);
        String envId = in.str();
        Envelope.BodyType body = in.enumName(Envelope.BodyType.class);
        boolean utf8 = in.u8() != 0;
        int n = in.count();
        List<Recipient> recipients = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String address = in.str();
            String orcpt = in.str();
            int k = in.u8();
            Set<Recipient.Notify> notify = EnumSet.noneOf(Recipient.Notify.class);
            for (int j = 0; j < k; j++) {
                notify.add(in.enumName(Recipient.Notify.class));
            }
            Recipient.Status status = in.enumName(Recipient.Status.class);
            recipients.add(new Recipient(address, orcpt, notify, status, in.str(), in.instant()));
        }
        int m = in.count();
        Map<String, String> attributes = new HashMap<>();
        for (int i = 0; i < m; i++) {
            attributes.put(in.str(), in.str());
        }
        in.end();
        try {
            return new Envelope(queueId, sender, recipients, arrival, client, size, ret, envId, body,
                    utf8, attributes);
        } catch (RuntimeException invalid) {
            throw new IOException("invalid envelope: " + invalid.getMessage(), invalid);
        }
    }

    private static Set<Recipient.Notify> nonEmpty(Set<Recipient.Notify> set) {
        // EnumSet.copyOf rejects an empty plain Set; the sorted copy keeps the output stable.
        return set.isEmpty() ? EnumSet.noneOf(Recipient.Notify.class) : set;
    }

    /** Writes the primitive values above. */
    /** A growing big-endian buffer (the layout of DataOutputStream, without its locks). */
    static final class Out {
        private byte[] buffer = new byte[256];
        private int length;

        void u8(int v) {
            ensure(1);
            buffer[length++] = (byte) v;
        }

        void i32(int v) {
            ensure(4);
            buffer[length++] = (byte) (v >>> 24);
            buffer[length++] = (byte) (v >>> 16);
            buffer[length++] = (byte) (v >>> 8);
            buffer[length++] = (byte) v;
        }

        void i64(long v) {
            i32((int) (v >>> 32));
            i32((int) v);
        }

        void str(String s) {
            if (s == null) {
                i32(-1);
                return;
            }
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i32(b.length);
            ensure(b.length);
            System.arraycopy(b, 0, buffer, length, b.length);
            length += b.length;
        }

        void enumName(Enum<?> e) {
            str(e == null ? null : e.name());
        }

        void instant(Instant t) {
            i64(t == null ? Long.MIN_VALUE : t.getEpochSecond());
            i32(t == null ? 0 : t.getNano());
        }

        byte[] bytes() {
            return Arrays.copyOf(buffer, length);
        }

        private void ensure(int more) {
            if (length + more > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more));
            }
        }
    }

    /** Reads what {@link Out} writes, checking every length against what is left. */
    static final class In {
        private final DataInputStream data;
        private final int length;
        private int read;

        In(byte[] bytes) {
            this.data = new DataInputStream(new ByteArrayInputStream(bytes));
            this.length = bytes.length;
        }

        int u8() throws IOException {
            need(1);
            return data.readUnsignedByte();
        }

        int i32() throws IOException {
            need(4);
            return data.readInt();
        }

        long i64() throws IOException {
            need(8);
            return data.readLong();
        }

        /** A list length: it can never exceed the bytes left, which catches garbage early. */
        int count() throws IOException {
            int n = i32();
            if (n < 0 || n > length - read) {
                throw new IOException("bad count " + n);
            }
            return n;
        }

        String str() throws IOException {
            int n = i32();
            if (n == -1) {
                return null;
            }
            if (n < 0) {
                throw new IOException("bad string length " + n);
            }
            need(n);
            return new String(data.readNBytes(n), StandardCharsets.UTF_8);
        }

        <E extends Enum<E>> E enumName(Class<E> type) throws IOException {
            String name = str();
            if (name == null) {
                return null;
            }
            try {
                return Enum.valueOf(type, name);
            } catch (IllegalArgumentException unknown) {
                throw new IOException("unknown " + type.getSimpleName() + " " + name);
            }
        }

        Instant instant() throws IOException {
            long seconds = i64();
            int nanos = i32();
            return seconds == Long.MIN_VALUE ? null : Instant.ofEpochSecond(seconds, nanos);
        }

        void end() throws IOException {
            if (read != length) {
                throw new IOException((length - read) + " unexpected trailing bytes");
            }
        }

        private void need(int n) throws IOException {
            if (n > length - read) {
                throw new EOFException("truncated: need " + n + " bytes, " + (length - read) + " left");
            }
            read += n;
        }
    }
}
