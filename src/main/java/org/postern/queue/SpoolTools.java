package org.postern.queue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The queue tools on a spool this process has open: inside the running server (with its
 * queue manager, which then delivers released and flushed messages at once), or in the CLI
 * when no server runs (changes are durable and take effect when the server next starts).
 */
public final class SpoolTools implements QueueTools {

    private final Spool spool;
    private final QueueManager manager;
    private final Clock clock;

    /**
     * @param manager the running queue manager, or null when none runs in this process
     */
    public SpoolTools(Spool spool, QueueManager manager, Clock clock) {
        this.spool = spool;
        this.manager = manager;
        this.clock = clock;
    }

    @Override
    public boolean live() {
        return manager != null;
    }

    @Override
    public List<Listed> list() {
        return spool.list().stream().map(this::listed).toList();
    }

    private Listed listed(SpoolEntry e) {
        return new Listed(e.envelope(), e.held(), manager != null && manager.isActive(e.queueId()));
    }

    @Override
    public Optional<Shown> show(String queueId) throws IOException {
        try (SpoolMessage m = spool.open(queueId); InputStream in = m.content()) {
            byte[] content = in.readAllBytes();
            boolean active = manager != null && manager.isActive(queueId);
            return Optional.of(new Shown(new Listed(m.envelope(), m.held(), active), content));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public Result delete(Selection which) throws IOException {
        return apply(which, e -> true, spool::delete);
    }

    @Override
    public Result hold(Selection which) throws IOException {
        return apply(which, e -> !e.held(), spool::hold);
    }

    @Override
    public Result release(Selection which) throws IOException {
        // The spool's listener hands a released message to the running queue manager.
        return apply(which, SpoolEntry::held, spool::release);
    }

    @Override
    public Result requeue(Selection which) throws IOException {
        return apply(which, e -> true, id -> {
            SpoolEntry e = spool.get(id).orElse(null);
            if (e == null) {
                return false;
            }
            makeDue(e, r -> true);
            if (e.held()) {
                spool.release(id); // the listener submits it
            } else if (manager != null) {
                manager.submit(id);
            }
            return true;
        });
    }

    @Override
    public Result flush(String domain) throws IOException {
        String suffix = domain == null ? null : "@" + domain.toLowerCase(Locale.ROOT);
        Predicate<Recipient> wanted = r -> suffix == null || r.address().toLowerCase(Locale.ROOT).endsWith(suffix);
        List<String> done = new ArrayList<>();
        if (manager != null) {
            manager.reviveDestinations();
        }
        for (SpoolEntry e : spool.list()) {
            if (!e.held() && e.envelope().recipients().stream()
                    .anyMatch(r -> r.status() == Recipient.Status.DEFERRED && wanted.test(r))) {
                makeDue(e, wanted);
                if (manager != null) {
                    manager.submit(e.queueId());
                }
                done.add(e.queueId());
            }
        }
        return new Result(done, List.of());
    }

    /** Makes deferred recipients due now, keeping their last reason for {@code queue list}. */
    private void makeDue(SpoolEntry e, Predicate<Recipient> wanted) throws IOException {
        Instant now = clock.instant();
        for (Recipient r : e.envelope().recipients()) {
            if (r.status() == Recipient.Status.DEFERRED && wanted.test(r)) {
                spool.markDeferred(e.queueId(), r.address(), now, r.lastReply());
            }
        }
    }

    private interface Action {
        boolean apply(String queueId) throws IOException;
    }

    /** Runs an action on the selected messages; {@code needed} skips those already in the wanted state. */
    private Result apply(Selection which, Predicate<SpoolEntry> needed, Action action) throws IOException {
        List<String> done = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        if (which.kind() == Selection.Kind.IDS) {
            for (String id : which.queueIds()) {
                SpoolEntry e = spool.get(id).orElse(null);
                if (e == null) {
                    missing.add(id);
                } else if (!needed.test(e) || action.apply(id)) {
                    done.add(id);
                } else {
                    missing.add(id); // gone meanwhile (delivered or deleted)
                }
            }
        } else {
            for (SpoolEntry e : spool.list()) {
                if (which.matches(e) && needed.test(e) && action.apply(e.queueId())) {
                    done.add(e.queueId());
                }
            }
        }
        return new Result(done, missing);
    }
}
