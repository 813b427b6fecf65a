package org.postern.store;

import static org.postern.store.Sql.query;

import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.List;

/** The {@code dmarc_evaluations} table: written in batches by the server, read for reports. */
public final class DmarcEvaluationStore {

    private static final String COLUMNS = "evaluated, queue_id, source_ip, header_from, policy_domain, envelope_from, "
            + "spf_result, spf_aligned, dkim_results, dkim_aligned, dmarc_result, disposition";

    private final Database database;

    public DmarcEvaluationStore(Database database) {
        this.database = database;
    }

    /** Stores the evaluations in one transaction. */
    public void add(List<DmarcEvaluation> evaluations) throws StoreException {
        if (evaluations.isEmpty()) {
            return;
        }
        // One JDBC batch: a single round trip to PostgreSQL for the lot.
        Sql.write(database, "record " + evaluations.size() + " DMARC evaluations", c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO dmarc_evaluations (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (DmarcEvaluation e : evaluations) {
                    s.setLong(1, e.evaluated().getEpochSecond());
                    s.setString(2, e.queueId());
                    s.setString(3, e.sourceIp());
                    s.setString(4, e.headerFrom());
                    s.setString(5, e.policyDomain());
                    s.setString(6, e.envelopeFrom());
                    s.setString(7, e.spfResult());
                    s.setBoolean(8, e.spfAligned());
                    s.setString(9, e.dkimResults());
                    s.setBoolean(10, e.dkimAligned());
                    s.setString(11, e.dmarcResult());
                    s.setString(12, e.disposition());
                    s.addBatch();
                }
                s.executeBatch();
            }
            return null;
        });
    }

    /** The evaluations of one policy domain in [from, to), oldest first. */
    public List<DmarcEvaluation> list(String policyDomain, Instant from, Instant to) throws StoreException {
        String d = Names.key(policyDomain);
        return Sql.read(database, "read DMARC evaluations of " + d, c -> query(c,
                "SELECT " + COLUMNS + " FROM dmarc_evaluations WHERE policy_domain = ? AND evaluated >= ? AND evaluated < ? "
                        + "ORDER BY evaluated",
                r -> new DmarcEvaluation(Instant.ofEpochSecond(r.getLong(1)), r.getString(2), r.getString(3),
                        r.getString(4), r.getString(5), r.getString(6), r.getString(7), r.getBoolean(8),
                        r.getString(9), r.getBoolean(10), r.getString(11), r.getString(12)),
                d, from.getEpochSecond(), to.getEpochSecond()));
    }
}
