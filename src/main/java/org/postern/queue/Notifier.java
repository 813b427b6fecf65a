package org.postern.queue;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.postern.log.MailLog;
import org.slf4j.Logger;

/**
 * Postfix's bounce(8): writes delivery status notifications (RFC 3464) into the spool as new
 * messages from the null sender, which the queue manager then delivers like any other mail.
 *
 * <ul>
 *   <li><b>Failures</b>: after each delivery pass over a message, one notice to the sender lists
 *       every recipient that failed in that pass (a 5xx reply, or expiry after
 *       {@code maximal_queue_lifetime}), as Postfix does. Recipients with {@code NOTIFY=NEVER}, or
 *       a NOTIFY list without FAILURE, are left out (RFC 3461 section 4.1).</li>
 *   <li><b>Double bounces</b>: a failed message from the null sender (itself a notice) gets no
 *       notice to its sender; it goes to {@code 2bounce_notice_recipient} when
 *       {@code notify_classes} has {@code 2bounce}, and is otherwise only logged. Notices to the
 *       postmaster come from {@code double_bounce_sender}, and a failure of those is only logged,
 *       so notices can never loop.</li>
 *   <li><b>Postmaster copies</b>: with {@code bounce} in {@code notify_classes},
 *       {@code bounce_notice_recipient} gets the headers of every failure notice; with
 *       {@code delay}, {@code delay_notice_recipient} gets those of every delay warning.</li>
 *   <li><b>Delays</b>: once a message is {@code delay_warning_time} old and still has deferred
 *       recipients that asked for (or did not rule out) DELAY, the sender gets one warning.</li>
 *   <li><b>Successes</b>: recipients with {@code NOTIFY=SUCCESS} get a notice with action
 *       {@code delivered} (final delivery: virtual, lmtp) or {@code relayed} (handed to another
 *       MTA that is not asked to report), per pass.</li>
 * </ul>
 * A failure notice is committed to the spool before the failed recipients are marked final, so
 * a crash in between repeats the notice rather than losing it.
 */
public final class Notifier {

    /** Attribute that records, once sent, when the delay warning went out. */
    static final String DELAY_WARNED = "delay_warning_sent";

    private static final Logger BOUNCE = MailLog.logger("bounce");
    private static final Set<String> FINAL_DELIVERY = Set.of("virtual", "lmtp", "local");

    /**
     * The bounce parameters, by their Postfix names.
     *
     * @param myhostname             Reporting-MTA and the domain of MAILER-DAEMON
     * @param myorigin               appended to bare notice recipients (postmaster) and the double-bounce sender
     * @param bounceSizeLimit        the largest original returned in full
     * @param notifyClasses          notify_classes, lower case
     * @param bounceNoticeRecipient  gets postmaster copies of failure notices (class bounce)
     * @param doubleBounceRecipient  gets undeliverable notices (class 2bounce)
     * @param delayNoticeRecipient   gets postmaster copies of delay warnings (class delay)
     * @param doubleBounceSender     the sender of postmaster notices
     * @param delayWarningTime       age of the first delay warning; zero: none
     * @param maximalQueueLifetime   for Will-Retry-Until in delay warnings
     */
    public record Settings(String myhostname, String myorigin, long bounceSizeLimit, Set<String> notifyClasses,
                           String bounceNoticeRecipient, String doubleBounceRecipient, String delayNoticeRecipient,
                           String doubleBounceSender, Duration delayWarningTime, Duration maximalQueueLifetime) {
        public Settings {
            notifyClasses = Set.copyOf(notifyClasses.stream().map(c -> c.toLowerCase(Locale.ROOT)).toList());
        }

        /** Postfix's defaults for a host name. */
        public static Settings defaults(String myhostname) {
            return new Settings(myhostname, myhostname, 50000, Set.of("resource", "software"), "postmaster",
                    "postmaster", "postmaster", "double-bounce", Duration.ZERO, Duration.ofDays(5));
        }

        String qualify(String address) {
            return address.indexOf('@') < 0 ? address + "@" + myorigin : address;
        }
    }

    /**
     * The outcome of one recipient in a delivery pass.
     *
     * @param delivery  what the transport (or the queue manager) said
     * @param expired   a deferral that ended the recipient's queue lifetime
     * @param transport the transport that was used
     * @param when      when the attempt ended
     */
    public record Outcome(Transport.Delivery delivery, boolean expired, String transport, Instant when) {
        boolean failed() {
            return delivery.status() == Recipient.Status.BOUNCED || expired;
        }
    }

    /** A notice that is switched off entirely (for queue managers built without bounce settings). */
    static final Notifier NONE = new Notifier(null, null, Clock.systemUTC());

    private final Spool spool;
    private final Settings settings;
    private final Clock clock;

    public Notifier(Spool spool, Settings settings, Clock clock) {
        this.spool = spool;
        this.settings = settings;
        this.clock = clock;
    }

    private boolean enabled() {
        return settings != null;
    }

    /**
     * Sends the failure and success notices of one delivery pass over {@code envelope}. Returns the
     * failed recipients whose notice could not be written: the caller defers them rather than
     * dropping them silently (Postfix does the same when bounce(8) cannot be reached).
     */
    Set<String> passFinished(Envelope envelope, List<Outcome> outcomes) {
        if (!enabled()) {
            return Set.of();
        }
        Set<String> unsent = new HashSet<>();
        List<Outcome> failed = outcomes.stream().filter(Outcome::failed).toList();
        if (!failed.isEmpty()) {
            unsent.addAll(failures(envelope, failed));
        }
        if (!envelope.sender().isEmpty() && !isDoubleBounceSender(envelope.sender())) {
            List<DsnReport.RecipientStatus> delivered = new ArrayList<>();
            for (Outcome o : outcomes) {
                Recipient r = recipient(envelope, o.delivery().recipient());
                if (o.delivery().status() == Recipient.Status.DELIVERED && r != null
                        && r.dsnNotify().contains(Recipient.Notify.SUCCESS)) {
                    DsnReport.Action action = FINAL_DELIVERY.contains(o.transport())
                            ? DsnReport.Action.DELIVERED : DsnReport.Action.RELAYED;
                    delivered.add(status(r, action, o.delivery().dsn(), o.delivery().text(), o.when()));
                }
            }
            if (!delivered.isEmpty()) {
                try {
                    String id = send(envelope, "", envelope.sender(), delivered, null, DsnReport.Returned.HEADERS);
                    BOUNCE.info("{}: sender delivery status notification: {}", envelope.queueId(), id);
                } catch (IOException e) {
                    // The recipients are delivered; only the requested report is lost, and said so.
                    BOUNCE.error("{}: cannot send the sender delivery status notification: {}",
                            envelope.queueId(), e.getMessage());
                }
            }
        }
        return unsent;
    }

    private Set<String> failures(Envelope envelope, List<Outcome> failed) {
        Set<String> addresses = new HashSet<>();
        failed.forEach(o -> addresses.add(o.delivery().recipient()));
        List<DsnReport.RecipientStatus> all = new ArrayList<>();
        List<DsnReport.RecipientStatus> wanted = new ArrayList<>();
        for (Outcome o : failed) {
            Recipient r = recipient(envelope, o.delivery().recipient());
            if (r == null) {
                continue;
            }
            DsnReport.RecipientStatus s = status(r, DsnReport.Action.FAILED, failureStatus(o), o.delivery().text(), o.when());
            all.add(s);
            // RFC 3461 section 4.1: no NOTIFY means the MTA's default, which includes FAILURE.
            if (r.dsnNotify().isEmpty() || r.dsnNotify().contains(Recipient.Notify.FAILURE)) {
                wanted.add(s);
            }
        }
        if (all.isEmpty()) {
            return Set.of();
        }
        String id = envelope.queueId();
        if (isDoubleBounceSender(envelope.sender())) {
            BOUNCE.warn("{}: undeliverable postmaster notification discarded", id);
            return Set.of();
        }
        if (envelope.sender().isEmpty()) {
            // A notice that cannot be delivered: never answered with another one to <> (RFC 3464 section 2,
            // RFC 5321 section 4.5.5); the postmaster hears of it only if asked to.
            if (!settings.notifyClasses().contains("2bounce")) {
                BOUNCE.info("{}: undeliverable mail from the null sender: no notification (notify_classes has no 2bounce)", id);
                return Set.of();
            }
            try {
                String notice = send(envelope, settings.qualify(settings.doubleBounceSender()),
                        settings.qualify(settings.doubleBounceRecipient()), all, null, DsnReport.Returned.FULL);
                BOUNCE.info("{}: postmaster non-delivery notification: {}", id, notice);
                return Set.of();
            } catch (IOException e) {
                BOUNCE.error("{}: cannot send the postmaster non-delivery notification: {}", id, e.getMessage());
                return addresses;
            }
        }
        if (!wanted.isEmpty()) {
            try {
                DsnReport.Returned ret = envelope.dsnRet() == Envelope.DsnRet.HDRS
                        ? DsnReport.Returned.HEADERS : DsnReport.Returned.FULL;
                String notice = send(envelope, "", envelope.sender(), wanted, null, ret);
                BOUNCE.info("{}: sender non-delivery notification: {}", id, notice);
            } catch (IOException e) {
                BOUNCE.error("{}: cannot send the sender non-delivery notification: {}", id, e.getMessage());
                return addresses;
            }
        }
        if (settings.notifyClasses().contains("bounce")) {
            try {
                String notice = send(envelope, settings.qualify(settings.doubleBounceSender()),
                        settings.qualify(settings.bounceNoticeRecipient()), all, null, DsnReport.Returned.HEADERS);
                BOUNCE.info("{}: postmaster non-delivery notification: {}", id, notice);
            } catch (IOException e) {
                BOUNCE.error("{}: cannot send the postmaster non-delivery notification: {}", id, e.getMessage());
            }
        }
        return Set.of();
    }

    /**
     * Sends the delay warning of a message once, when it is old enough and still has deferred
     * recipients whose NOTIFY allows it (RFC 3461 section 4.1: none given, or DELAY among them).
     */
    void warnIfDelayed(Envelope envelope) {
        if (!enabled() || settings.delayWarningTime().isZero() || settings.delayWarningTime().isNegative()
                || envelope.attributes().containsKey(DELAY_WARNED) || envelope.sender().isEmpty()
                || isDoubleBounceSender(envelope.sender())) {
            return;
        }
        Instant now = clock.instant();
        if (Duration.between(envelope.arrival(), now).compareTo(settings.delayWarningTime()) < 0) {
            return;
        }
        List<DsnReport.RecipientStatus> delayed = new ArrayList<>();
        for (Recipient r : envelope.recipients()) {
            if (r.status() == Recipient.Status.DEFERRED
                    && (r.dsnNotify().isEmpty() || r.dsnNotify().contains(Recipient.Notify.DELAY))) {
                delayed.add(status(r, DsnReport.Action.DELAYED, "4.0.0", r.lastReply(), null));
            }
        }
        if (delayed.isEmpty()) {
            return;
        }
        String id = envelope.queueId();
        Instant until = envelope.arrival().plus(settings.maximalQueueLifetime());
        try {
            String notice = send(envelope, "", envelope.sender(), delayed, until, DsnReport.Returned.HEADERS);
            BOUNCE.info("{}: sender delay notification: {}", id, notice);
            spool.setAttribute(id, DELAY_WARNED, now.toString());
        } catch (IOException e) {
            BOUNCE.error("{}: cannot send the sender delay notification: {}", id, e.getMessage());
            return;
        }
        if (settings.notifyClasses().contains("delay")) {
            try {
                String notice = send(envelope, settings.qualify(settings.doubleBounceSender()),
                        settings.qualify(settings.delayNoticeRecipient()), delayed, until, DsnReport.Returned.HEADERS);
                BOUNCE.info("{}: postmaster delay notification: {}", id, notice);
            } catch (IOException e) {
                BOUNCE.error("{}: cannot send the postmaster delay notification: {}", id, e.getMessage());
            }
        }
    }

    private boolean isDoubleBounceSender(String sender) {
        return sender.equalsIgnoreCase(settings.qualify(settings.doubleBounceSender()));
    }

    /**
     * The Status of a failed recipient: the transport's code for a 5xx, and for an expired
     * deferral the last temporary code made permanent (4.4.1 becomes 5.4.1), because the failure
     * is now final (RFC 3463 section 3.1: the class says whether retrying can help).
     */
    private static String failureStatus(Outcome o) {
        String dsn = o.delivery().dsn();
        if (dsn == null || !dsn.matches("[245]\\.\\d{1,3}\\.\\d{1,3}")) {
            return o.expired() ? "5.4.7" : "5.0.0";
        }
        return dsn.charAt(0) == '5' ? dsn : "5" + dsn.substring(1);
    }

    private static DsnReport.RecipientStatus status(Recipient r, DsnReport.Action action, String dsn, String text,
                                                    Instant when) {
        return new DsnReport.RecipientStatus(r.address(), r.orcpt() == null || sameAddress(r) ? null : r.orcpt(),
                action, dsn == null ? "4.0.0" : dsn, text, when);
    }

    /** Postern stores the RCPT TO address as ORCPT when the client sent none; repeating it says nothing. */
    private static boolean sameAddress(Recipient r) {
        return r.orcpt().equalsIgnoreCase("rfc822;" + r.address());
    }

    private static Recipient recipient(Envelope envelope, String address) {
        return envelope.recipients().stream().filter(r -> r.address().equals(address)).findFirst().orElse(null);
    }

    /** Builds one notice and commits it to the spool as a new message; returns its queue ID. */
    private String send(Envelope original, String noticeSender, String to, List<DsnReport.RecipientStatus> recipients,
                        Instant willRetryUntil, DsnReport.Returned returned) throws IOException {
        Instant now = clock.instant();
        DsnReport.Notice notice = new DsnReport.Notice(settings.myhostname(), "MAILER-DAEMON@" + settings.myhostname(),
                to, original, recipients, willRetryUntil, now, clock.getZone());
        DsnReport.Built built;
        try (SpoolMessage message = spool.open(original.queueId()); InputStream content = message.content()) {
            built = DsnReport.build(notice, content, returned, settings.bounceSizeLimit());
        }
        try (SpoolWriter writer = spool.newMessage()) {
            writer.write(built.content());
            Envelope envelope = new Envelope(writer.queueId(), noticeSender, List.of(Recipient.of(to)), now,
                    new Envelope.ClientInfo("localhost", "127.0.0.1", null, "bounce", null), 0, null, null,
                    built.eightBit() ? Envelope.BodyType.EIGHT_BIT_MIME : Envelope.BodyType.SEVEN_BIT,
                    built.international(), Map.of());
            writer.commit(envelope);
            MailLog.logger("qmgr").info("{}: from=<{}>, size={}, nrcpt=1 (queue active)", writer.queueId(),
                    noticeSender, writer.size());
            return writer.queueId();
        }
    }
}
