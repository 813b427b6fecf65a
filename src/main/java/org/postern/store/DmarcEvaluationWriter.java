package org.postern.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.postern.log.MailLog;
import org.slf4j.Logger;

/**
 * Stores DMARC evaluations in the background, many per transaction, so that recording them
 * adds no database round trip to a message's acceptance. Evaluations wait in a bounded queue;
 * when the database is slower than the mail (or down), the newest are dropped with a warning
 * rather than delaying anyone: they only feed reports.
 */
public final class DmarcEvaluationWriter implements Consumer<DmarcEvaluation>, AutoCloseable {

    private static final Logger LOG = MailLog.logger("postern");
    static final int CAPACITY = 10_000;
    static final int BATCH = 500;

    private final DmarcEvaluationStore store;
    private final BlockingQueue<DmarcEvaluation> pending = new ArrayBlockingQueue<>(CAPACITY);
    private final Thread worker;
    private volatile boolean closed;
    private long dropped;

    public DmarcEvaluationWriter(DmarcEvaluationStore store) {
        this.store = store;
        this.worker = Thread.ofVirtual().name("dmarc-evaluations").start(this::run);
    }

    @Override
    public void accept(DmarcEvaluation evaluation) {
        if (!pending.offer(evaluation)) {
            synchronized (this) {
                if (dropped++ % 1000 == 0) {
                    LOG.warn("DMARC evaluations arrive faster than the database stores them: {} not recorded", dropped);
                }
            }
        }
    }

    private void run() {
        List<DmarcEvaluation> batch = new ArrayList<>(BATCH);
        while (!closed || !pending.isEmpty()) {
            try {
                DmarcEvaluation first = pending.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                pending.drainTo(batch, BATCH - 1);
                store.add(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (StoreException e) {
                LOG.warn("{} DMARC evaluations not recorded: {}", batch.size(), e.getMessage());
            } finally {
                batch.clear();
            }
        }
    }

    /** Stores what is still waiting, then stops. */
    @Override
    public void close() {
        closed = true;
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
