package org.postern.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The DMARC evaluation records, run on SQLite and on PostgreSQL. */
abstract class DmarcEvaluationStoreContract {

    private static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");

    protected Database database;
    protected DmarcEvaluationStore store;

    protected abstract String newDatabaseUrl();

    protected abstract Path dataDirectory();

    @BeforeEach
    void open() throws StoreException {
        database = Database.open(newDatabaseUrl(), dataDirectory());
        store = new DmarcEvaluationStore(database);
    }

    @AfterEach
    void close() {
        database.close();
    }

    private static DmarcEvaluation evaluation(Instant when, String policyDomain, String result) {
        return new DmarcEvaluation(when, "4ABC", "192.0.2.7", "mail." + policyDomain, policyDomain, "bounce." + policyDomain,
                "pass", true, "d=" + policyDomain + " s=sel pass", true, result, "none");
    }

    @Test
    void storesAndListsByPolicyDomainAndTime() throws StoreException {
        DmarcEvaluation early = evaluation(T0, "example.org", "pass");
        DmarcEvaluation late = evaluation(T0.plusSeconds(3600), "example.org", "fail");
        store.add(List.of(late, early, evaluation(T0, "other.example", "pass")));
        assertThat(store.list("Example.ORG", T0, T0.plusSeconds(7200))).containsExactly(early, late);
        assertThat(store.list("example.org", T0.plusSeconds(1), T0.plusSeconds(7200))).containsExactly(late);
        assertThat(store.list("nobody.example", T0, T0.plusSeconds(7200))).isEmpty();
    }

    @Test
    void theWriterStoresInTheBackgroundAndEverythingOnClose() throws StoreException {
        try (DmarcEvaluationWriter writer = new DmarcEvaluationWriter(store)) {
            for (int i = 0; i < 1200; i++) {
                writer.accept(evaluation(T0.plusSeconds(i), "example.org", "pass"));
            }
        }
        assertThat(store.list("example.org", T0, T0.plusSeconds(7200))).hasSize(1200);
    }
}
