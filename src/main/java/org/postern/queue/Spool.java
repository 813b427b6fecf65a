package org.postern.queue;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.postern.log.MailLog;
import org.slf4j.Logger;

/**
 * The durable store of accepted mail: what makes "250 Ok: queued" a promise.
 *
 * <h2>Layout</h2>
 * <pre>
 * DIR/spool.lock        held (flock) while a process has the spool open
 * DIR/incoming/ID       content of a message being received that outgrew memory; never fsync'd,
 *                       never visible; whatever is here at open is deleted
 * DIR/log/NNNN.seg      log segments (16 hex digits, increasing), records as in {@link LogFormat}
 * DIR/log/NNNN.seg.damaged  a segment whose header is unreadable, set aside for a human
 * </pre>
 *
 * <h2>Group commit</h2>
 * Every change (a new message with its content, a recipient state, hold, release, delete) is
 * one record appended to the newest segment by a single committer thread. The committer takes
 * everything queued since its last fsync, writes it, calls fsync once, then updates the index
 * and wakes all those callers together. While one fsync runs, the next batch gathers, so N
 * concurrent sessions cost about one fsync, not N. Measured on the 2-core development
 * machine: 2 KB messages each in a new file, fsync'd (plus one directory fsync per batch),
 * 200-1,250 msg/s whatever the batch size; appended to one shared log with one fsync per
 * batch of 32, 7,000-90,000 msg/s, and per batch of 128, 76,000-145,000.
 *
 * <h2>Crash safety</h2>
 * A caller returns only after the fsync that covers its record (segment files are created
 * with a directory fsync, so the record's file is durable too). Every record carries
 * checksums of header, envelope and body; at open, segments are replayed in order and only
 * fully valid records count. A damaged region is skipped if a valid record follows it, and
 * otherwise (a torn tail: the crash hit an unacknowledged batch) cut off. A message whose
 * record reached the disk completely but whose fsync had not returned may survive without its
 * client having seen 250: the client retries, and that one message arrives twice. Duplicates
 * are the price of never losing mail (RFC 1047); likewise a delivery made just before a crash
 * whose state record did not reach the disk is repeated.
 *
 * <h2>Space</h2>
 * A message whose recipients are all final is dropped from the index. Segments are deleted
 * oldest first only, so any record that changes a message always lies in a segment that
 * outlives that message's own record. When the oldest segment holds little live data
 * (under a quarter of a segment), its live messages are copied to the head with their current
 * state folded in, then the segment is deleted.
 */
public final class Spool implements Closeable {

    static final Logger LOG = MailLog.logger("qmgr"); // Postfix logs "ID: removed" as qmgr
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Tunables.
     *
     * @param segmentBytes a segment is closed and a new one started beyond this size
     * @param memoryBytes  content up to this size is kept in memory while received
     */
    public record Options(long segmentBytes, int memoryBytes) {
        public static final Options DEFAULT = new Options(64L << 20, 256 << 10);

        public Options {
            if (segmentBytes < 4096 || memoryBytes < 0) {
                throw new IllegalArgumentException("segmentBytes must be >= 4096, memoryBytes >= 0");
            }
        }
    }

    /** The spool is open in another process (or already in this one): its lock is taken. */
    public static final class InUseException extends IOException {
        InUseException(String message) {
            super(message);
        }
    }

    /** One log append waiting for the committer; {@code change == null} tells it to stop. */
    private record Op(ByteBuffer record, Path bodyFile, long bodyOffset, LogFormat.Change change,
                      CompletableFuture<Void> done) {
        /** Body bytes to copy from {@code bodyFile}: those not already in the record itself. */
        long bodyLength() {
            long inRecord = record.limit() - LogFormat.OVERHEAD - record.getInt(8);
            return record.getLong(12) - inRecord;
        }
    }

    /** Where a live message's record is, with its current state. */
    private record Entry(Envelope envelope, boolean held, long segment, long recordPos, long bodyPos,
                         int bodyCrc) {
        long recordLength() {
            return bodyPos - recordPos + envelope.size();
        }

        Entry with(Envelope e, boolean h) {
            return new Entry(e, h, segment, recordPos, bodyPos, bodyCrc);
        }
    }

    private static final class Segment {
        final long number;
        final Path path;
        long live;
        long liveBytes;

        Segment(long number, Path path) {
            this.number = number;
            this.path = path;
        }
    }

    private final Path logDir;
    /** The file system of logDir, found once: Files.getFileStore reads the mount table. */
    private final FileStore logStore;
    private final Path incomingDir;
    private final Options options;
    private final FileChannel lockFile;
    private final AtomicLong lastId = new AtomicLong();
    private final List<Consumer<SpoolEntry>> listeners = new CopyOnWriteArrayList<>();

    // The index; guarded by "this". Only the committer (or open, before it starts) changes it.
    private final TreeMap<String, Entry> index = new TreeMap<>();
    private final TreeMap<Long, Segment> segments = new TreeMap<>();

    // Owned by the committer thread.
    private final LinkedBlockingQueue<Op> ops = new LinkedBlockingQueue<>();
    private final Object submitLock = new Object();
    private final Thread committer;
    private FileChannel active;
    private long activeSalt;
    private long activeNumber;
    private long activePos;
    private final ByteBuffer copyBuffer = ByteBuffer.allocateDirect(256 << 10);
    private final ByteBuffer writeBuffer = ByteBuffer.allocateDirect(1 << 20);

    private volatile boolean closed;
    private volatile long fsyncs; // for the benchmark: messages per fsync shows the batching
    private volatile IOException broken;

    private Spool(Path dir, Options options) throws IOException {
        this.options = options;
        this.logDir = Files.createDirectories(dir.resolve("log"));
        this.logStore = Files.getFileStore(logDir);
        this.incomingDir = Files.createDirectories(dir.resolve("incoming"));
        fsyncDirectory(dir); // so that log/ itself survives a crash right after the first commit
        if (dir.toAbsolutePath().getParent() != null) {
            fsyncDirectory(dir.toAbsolutePath().getParent());
        }
        this.lockFile = FileChannel.open(dir.resolve("spool.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        try {
            FileLock lock = lockFile.tryLock();
            if (lock == null) {
                throw new InUseException(dir + ": spool is in use by another process");
            }
        } catch (OverlappingFileLockException | IOException e) {
            lockFile.close();
            throw e instanceof IOException io ? io : new InUseException(dir + ": spool is already open in this process");
        }
        try {
            clearIncoming();
            startSegment(recover() + 1);
        } catch (IOException | RuntimeException e) {
            if (active != null) {
                active.close();
            }
            lockFile.close();
            throw e;
        }
        maintainQuietly();
        committer = Thread.ofPlatform().name("spool-committer").daemon().start(this::commitLoop);
    }

    /** Opens (creating if needed) the spool in {@code dir}, recovering from any crash. */
    public static Spool open(Path dir) throws IOException {
        return open(dir, Options.DEFAULT);
    }

    public static Spool open(Path dir, Options options) throws IOException {
        return new Spool(dir, options);
    }

    // ---- writing ------------------------------------------------------------------------

    /** Starts a new message; see {@link SpoolWriter}. */
    public SpoolWriter newMessage() throws IOException {
        checkUsable();
        String id = nextQueueId();
        return new SpoolWriter(this, id, incomingDir.resolve(id), options.memoryBytes());
    }

    /**
     * Bytes free for this process in the file system that holds the spool (statvfs f_bavail,
     * what Postfix's fsspace() reports): the SMTP server refuses MAIL FROM when it is low
     * (queue_minfree).
     */
    public long usableSpace() throws IOException {
        return logStore.getUsableSpace();
    }

    /**
     * True when an I/O failure is the file system being full (ENOSPC) or over quota (EDQUOT):
     * a condition that passes when space is freed, unlike a broken disk. Java reports both
     * only as the operating system's message text.
     */
    public static boolean outOfSpace(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message != null && (message.contains("No space left on device") || message.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * A new queue ID: the time in microseconds, in 13 uppercase hex digits, bumped past the
     * last ID issued (or found in the log at open) so that IDs are unique and increasing even
     * when the clock steps back.
     */
    private String nextQueueId() {
        Instant now = Instant.now();
        long micros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
        long id = lastId.updateAndGet(last -> Math.max(last + 1, micros));
        String hex = Long.toHexString(id).toUpperCase();
        return "0".repeat(Math.max(0, 13 - hex.length())) + hex;
    }

    /** Appends one record and waits until it is durable and applied. */
    void append(ByteBuffer record, Path bodyFile, LogFormat.Change change) throws IOException {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (submitLock) {
            checkUsable();
            ops.add(new Op(record, bodyFile, 0, change, done));
        }
        try {
            done.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof IOException io) {
                throw new IOException(change.queueId() + ": " + io.getMessage(), io);
            }
            throw e;
        }
    }

    private void checkUsable() throws IOException {
        if (closed) {
            throw new IOException("spool is closed");
        }
        if (broken != null) {
            throw new IOException("spool is unusable after a write error; restart", broken);
        }
    }

    // ---- delivery state and queue tools -----------------------------------------------

    /** Records a successful delivery to every not yet final recipient with this address. */
    public boolean markDelivered(String queueId, String recipient, String text) throws IOException {
        return changeState(queueId, recipient, Recipient.Status.DELIVERED, text, null);
    }

    /** Records a temporary failure; the recipient is due again at {@code nextAttempt}. */
    public boolean markDeferred(String queueId, String recipient, Instant nextAttempt, String text)
            throws IOException {
        return changeState(queueId, recipient, Recipient.Status.DEFERRED, text, nextAttempt);
    }

    /** Records a permanent failure (the caller sends the bounce). */
    public boolean markBounced(String queueId, String recipient, String text) throws IOException {
        return changeState(queueId, recipient, Recipient.Status.BOUNCED, text, null);
    }

    /**
     * Writes a state record. Returns false, writing nothing, when there is no such message or
     * no recipient with this address is still open. Returns after the record is durable; a
     * message whose recipients are then all final is removed.
     */
    private boolean changeState(String queueId, String recipient, Recipient.Status status, String text,
                                Instant next) throws IOException {
        Entry e;
        synchronized (this) {
            e = index.get(queueId);
        }
        if (e == null || e.envelope().recipients().stream()
                .noneMatch(r -> r.address().equals(recipient) && !r.status().isFinal())) {
            return false;
        }
        return simple(new LogFormat.StateChanged(queueId, recipient, status, text, next));
    }

    /** Puts a message on hold: {@link #pending} leaves it out until released. */
    public boolean hold(String queueId) throws IOException {
        return simple(new LogFormat.Held(queueId));
    }

    public boolean release(String queueId) throws IOException {
        return simple(new LogFormat.Released(queueId));
    }

    /** Removes a message for good, whatever its recipients' states. */
    public boolean delete(String queueId) throws IOException {
        return simple(new LogFormat.Deleted(queueId));
    }

    /**
     * Sets an envelope attribute durably (the queue manager notes there that a message's delay
     * warning was sent, so that it is sent once).
     */
    public boolean setAttribute(String queueId, String key, String value) throws IOException {
        return simple(new LogFormat.AttributeSet(queueId, key, value));
    }

    private boolean simple(LogFormat.Change change) throws IOException {
        if (get(change.queueId()).isEmpty()) {
            return false;
        }
        append(LogFormat.encode(change, null, 0, 0, 0), null, change);
        return true;
    }

    // ---- reading --------------------------------------------------------------------------

    public synchronized Optional<SpoolEntry> get(String queueId) {
        Entry e = index.get(queueId);
        return e == null ? Optional.empty() : Optional.of(new SpoolEntry(e.envelope(), e.held()));
    }

    /** Opens a message's content for reading. */
    public SpoolMessage open(String queueId) throws IOException {
        // Under the lock so that the segment cannot be deleted between lookup and open; once
        // open, the file stays readable even if it is deleted.
        synchronized (this) {
            Entry e = index.get(queueId);
            if (e == null) {
                throw new NoSuchFileException(queueId, null, "no such message in the spool");
            }
            FileChannel ch = FileChannel.open(segments.get(e.segment()).path, StandardOpenOption.READ);
            return new SpoolMessage(e.envelope(), e.held(),
                    new RegionInputStream(ch, e.bodyPos(), e.envelope().size()));
        }
    }

    /** Every message, in queue ID (arrival) order. */
    public synchronized List<SpoolEntry> list() {
        List<SpoolEntry> all = new ArrayList<>(index.size());
        index.values().forEach(e -> all.add(new SpoolEntry(e.envelope(), e.held())));
        return all;
    }

    /** Messages not on hold with a recipient due at {@code now}, in queue ID order. */
    public synchronized List<SpoolEntry> pending(Instant now) {
        List<SpoolEntry> due = new ArrayList<>();
        for (Entry e : index.values()) {
            if (!e.held() && e.envelope().isDue(now)) {
                due.add(new SpoolEntry(e.envelope(), e.held()));
            }
        }
        return due;
    }

    public List<SpoolEntry> pending() {
        return pending(Instant.now());
    }

    /**
     * Calls {@code listener} for each message that becomes ready for delivery: newly committed
     * (not on hold) or released. It runs on the committer thread, after the commit is durable,
     * so it must only hand the entry off (e.g. to a queue), never block, and never call back
     * into methods of this spool that write (the committer would wait for itself).
     */
    public void addListener(Consumer<SpoolEntry> listener) {
        listeners.add(listener);
    }

    /** Waits for queued changes to be written, then closes. */
    @Override
    public void close() throws IOException {
        synchronized (submitLock) {
            if (closed) {
                return;
            }
            closed = true;
            ops.add(new Op(null, null, 0, null, null));
        }
        try {
            committer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lockFile.close();
    }

    /** Log fsyncs so far (written by the committer only). */
    long fsyncCount() {
        return fsyncs;
    }

    // ---- the committer ---------------------------------------------------------------------

    private void commitLoop() {
        List<Op> batch = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                batch.add(ops.take());
            } catch (InterruptedException e) {
                continue; // nobody interrupts this thread; close() stops it with a marker
            }
            ops.drainTo(batch);
            stop = batch.removeIf(op -> op.change() == null);
            if (!batch.isEmpty()) {
                commitBatch(batch);
            }
            batch.clear();
        }
        try {
            active.close();
        } catch (IOException e) {
            LOG.warn("spool: closing segment: {}", e.toString());
        }
    }

    private void commitBatch(List<Op> batch) {
        long[] starts;
        try {
            if (broken != null) {
                throw broken;
            }
            starts = writeDurably(batch);
        } catch (IOException e) {
            batch.forEach(op -> op.done().completeExceptionally(e));
            return;
        }
        List<SpoolEntry> ready = new ArrayList<>();
        synchronized (this) {
            for (int i = 0; i < batch.size(); i++) {
                Op op = batch.get(i);
                SpoolEntry r = apply(op.change(), activeNumber, starts[i], op.record().getInt(8),
                        op.record().getInt(20));
                if (r != null) {
                    ready.add(r);
                }
            }
        }
        batch.forEach(op -> op.done().complete(null));
        for (SpoolEntry r : ready) {
            for (Consumer<SpoolEntry> l : listeners) {
                try {
                    l.accept(r);
                } catch (RuntimeException e) {
                    LOG.error("spool: listener failed for {}", r.queueId(), e);
                }
            }
        }
        maintainQuietly();
    }

    private void maintainQuietly() {
        try {
            maintain();
        } catch (IOException e) {
            // Nothing is lost: the old segment stays until a later attempt succeeds.
            LOG.error("spool: segment maintenance failed: {}", e.toString());
        }
    }

    /**
     * Writes records at the end of the active segment and fsyncs once; returns where each
     * record starts. On failure the segment is cut back to where it was, so that no later
     * record ever follows a half-written batch; if even that fails, the spool stops taking
     * writes (after a failed fsync the kernel's view of the file cannot be trusted).
     */
    private long[] writeDurably(List<Op> batch) throws IOException {
        long start = activePos;
        long[] starts = new long[batch.size()];
        try {
            // The batch's records go out through one direct buffer, so that a batch of small
            // messages costs one write call (and no hidden copy into a temporary direct buffer
            // per record, which FileChannel makes for heap buffers).
            long pos = start;
            writeBuffer.clear();
            for (int i = 0; i < batch.size(); i++) {
                Op op = batch.get(i);
                LogFormat.seal(op.record(), activeSalt);
                ByteBuffer rec = op.record().duplicate();
                if (rec.remaining() > writeBuffer.remaining()) {
                    pos = drainWriteBuffer(pos);
                }
                starts[i] = pos + writeBuffer.position();
                if (rec.remaining() > writeBuffer.capacity()) {
                    while (rec.hasRemaining()) {
                        pos += active.write(rec, pos);
                    }
                } else {
                    writeBuffer.put(rec);
                }
                if (op.bodyFile() != null) {
                    pos = drainWriteBuffer(pos);
                    pos = copyBody(op.bodyFile(), op.bodyOffset(), op.bodyLength(), pos);
                }
            }
            pos = drainWriteBuffer(pos);
            active.force(false);
            fsyncs++;
            activePos = pos;
            return starts;
        } catch (IOException e) {
            LOG.error("spool: write to {} failed: {}", segmentPath(activeNumber), e.toString());
            try {
                active.truncate(start);
                active.force(false);
            } catch (IOException again) {
                broken = again;
            }
            throw e;
        }
    }

    /** Writes what writeBuffer holds at {@code pos}; returns the position after it. */
    private long drainWriteBuffer(long pos) throws IOException {
        writeBuffer.flip();
        while (writeBuffer.hasRemaining()) {
            pos += active.write(writeBuffer, pos);
        }
        writeBuffer.clear();
        return pos;
    }

    private long copyBody(Path file, long offset, long length, long pos) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long copied = 0;
            while (copied < length) {
                copyBuffer.clear().limit((int) Math.min(copyBuffer.capacity(), length - copied));
                if (in.read(copyBuffer, offset + copied) < 0) {
                    throw new IOException(file + ": shorter than the " + length + " bytes expected");
                }
                copyBuffer.flip();
                while (copyBuffer.hasRemaining()) {
                    int n = active.write(copyBuffer, pos);
                    pos += n;
                    copied += n;
                }
            }
        }
        return pos;
    }

    /**
     * Applies one change to the index (live, or replayed at open) and returns the entry when
     * the change makes a message ready for delivery. Caller holds the lock.
     */
    private SpoolEntry apply(LogFormat.Change change, long segment, long recordPos, int metaLength,
                             int bodyCrc) {
        String id = change.queueId();
        Entry old = index.get(id);
        Entry now = switch (change) {
            case LogFormat.Added a -> new Entry(a.envelope(), a.held(), segment, recordPos,
                    recordPos + LogFormat.OVERHEAD + metaLength, bodyCrc);
            case LogFormat.StateChanged s -> old == null ? null
                    : old.with(old.envelope().withStatus(s.address(), s.status(), s.reply(), s.nextAttempt()),
                    old.held());
            case LogFormat.Held h -> old == null ? null : old.with(old.envelope(), true);
            case LogFormat.Released r -> old == null ? null : old.with(old.envelope(), false);
            case LogFormat.Deleted d -> null;
            case LogFormat.AttributeSet a -> old == null ? null
                    : old.with(old.envelope().withAttribute(a.key(), a.value()), old.held());
        };
        if (old != null) {
            account(old, -1);
        }
        if (now == null || now.envelope().allFinal()) {
            if (index.remove(id) != null) {
                LOG.info("{}: removed", id);
            }
            return null;
        }
        index.put(id, now);
        account(now, 1);
        boolean ready = change instanceof LogFormat.Added && !now.held()
                || change instanceof LogFormat.Released && old.held();
        return ready ? new SpoolEntry(now.envelope(), false) : null;
    }

    private void account(Entry e, int sign) {
        Segment s = segments.get(e.segment());
        s.live += sign;
        s.liveBytes += sign * e.recordLength();
    }

    // ---- segments --------------------------------------------------------------------------

    private Path segmentPath(long number) {
        return logDir.resolve(String.format("%016X.seg", number));
    }

    private void startSegment(long number) throws IOException {
        Path path = segmentPath(number);
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        long salt = RANDOM.nextLong();
        ByteBuffer header = LogFormat.segmentHeader(salt);
        while (header.hasRemaining()) {
            ch.write(header);
        }
        ch.force(false);
        fsyncDirectory(logDir); // the new name must be durable before any record in it counts
        synchronized (this) {
            segments.put(number, new Segment(number, path));
        }
        if (active != null) {
            active.close();
        }
        active = ch;
        activeSalt = salt;
        activeNumber = number;
        activePos = LogFormat.SEGMENT_HEADER;
    }

    /** Rotates a full segment, then frees segments from the oldest on while that is cheap. */
    private void maintain() throws IOException {
        if (activePos >= options.segmentBytes()) {
            startSegment(activeNumber + 1);
        }
        while (true) {
            Segment oldest;
            synchronized (this) {
                oldest = segments.firstEntry().getValue();
            }
            if (oldest.number == activeNumber) {
                return;
            }
            if (oldest.live > 0) {
                if (oldest.liveBytes * 4 > options.segmentBytes()) {
                    return; // mostly live: copying it would cost more than the space it frees
                }
                relocate(oldest);
            }
            synchronized (this) {
                segments.remove(oldest.number);
                Files.delete(oldest.path);
            }
            // Durable deletion keeps the oldest-first order across a crash: an older segment
            // must never come back after a younger one (holding its state changes) is gone.
            fsyncDirectory(logDir);
        }
    }

    /** Copies the live messages of a segment to the head, current state included. */
    private void relocate(Segment segment) throws IOException {
        List<Entry> moving = new ArrayList<>();
        synchronized (this) {
            index.values().stream().filter(e -> e.segment() == segment.number).forEach(moving::add);
        }
        List<Op> copies = new ArrayList<>();
        for (Entry e : moving) {
            LogFormat.Added added = new LogFormat.Added(e.envelope(), e.held());
            copies.add(new Op(LogFormat.encode(added, null, 0, e.envelope().size(), e.bodyCrc()),
                    segment.path, e.bodyPos(), added, null));
        }
        long[] starts = writeDurably(copies);
        synchronized (this) {
            for (int i = 0; i < copies.size(); i++) {
                Op op = copies.get(i);
                apply(op.change(), activeNumber, starts[i], op.record().getInt(8), op.record().getInt(20));
            }
        }
        LOG.info("spool: moved {} messages out of {}", moving.size(), segment.path.getFileName());
    }

    // ---- recovery --------------------------------------------------------------------------

    private void clearIncoming() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(incomingDir)) {
            for (Path f : files) {
                LOG.info("spool: removing unfinished {}", f.getFileName());
                Files.delete(f);
            }
        }
    }

    /** Replays every segment in order to rebuild the index; returns the highest segment number. */
    private long recover() throws IOException {
        TreeMap<Long, Path> found = new TreeMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(logDir, "*.seg")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                try {
                    found.put(Long.parseUnsignedLong(name.substring(0, name.length() - 4), 16), f);
                } catch (NumberFormatException e) {
                    LOG.warn("spool: ignoring stray file {}", f);
                }
            }
        }
        for (var seg : found.entrySet()) {
            replay(seg.getKey(), seg.getValue());
        }
        if (!index.isEmpty()) {
            LOG.info("spool: {} messages in {} segments", index.size(), found.size());
        }
        return found.isEmpty() ? 0 : found.lastKey();
    }

    /** Applies a segment's records, cutting off a torn tail; sets aside a segment not ours. */
    private void replay(long number, Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            Long salt = LogFormat.readSalt(ch);
            long size = ch.size();
            if (salt == null && size < LogFormat.SEGMENT_HEADER) {
                // Created just before a crash: its header (and so any record) was never synced.
                segments.put(number, new Segment(number, path));
                return;
            }
            if (salt == null) {
                LOG.error("spool: {}: not a spool segment; moved aside, its messages are not loaded",
                        path.getFileName());
                ch.close();
                Files.move(path, path.resolveSibling(path.getFileName() + ".damaged"),
                        StandardCopyOption.ATOMIC_MOVE);
                return;
            }
            segments.put(number, new Segment(number, path));
            long pos = LogFormat.SEGMENT_HEADER;
            while (pos < size) {
                LogFormat.Scanned r = LogFormat.readAt(ch, salt, pos, size);
                if (r == null) {
                    long next = LogFormat.resync(ch, salt, pos + 1, size);
                    if (next < 0) {
                        // Only an unacknowledged batch can end like this: its callers never
                        // returned, so cutting it off loses nothing that was promised.
                        LOG.warn("spool: {}: discarding {} bytes of incomplete records at offset {}",
                                path.getFileName(), size - pos, pos);
                        ch.truncate(pos);
                        break;
                    }
                    LOG.error("spool: {}: damaged bytes {}..{} skipped; a message may be lost",
                            path.getFileName(), pos, next);
                    pos = next;
                    continue;
                }
                LogFormat.Change change = LogFormat.decodeChange(r.type(), r.flags(), r.meta());
                apply(change, number, r.start(), r.meta().length, r.bodyCrc());
                noteId(change.queueId());
                pos = r.end();
            }
        }
    }

    private void noteId(String queueId) {
        try {
            long id = Long.parseUnsignedLong(queueId, 16);
            lastId.accumulateAndGet(id, Math::max);
        } catch (NumberFormatException ignored) {
            // not one of ours; cannot collide with the hex IDs we issue
        }
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Reads a byte range of a segment with positional reads, so readers never share state. */
    private static final class RegionInputStream extends InputStream {
        private final FileChannel channel;
        private long pos;
        private final long end;

        RegionInputStream(FileChannel channel, long pos, long length) {
            this.channel = channel;
            this.pos = pos;
            this.end = pos + length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (pos >= end) {
                return -1;
            }
            int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - pos)), pos);
            if (n < 0) {
                throw new IOException("segment ended early");
            }
            pos += n;
            return n;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
