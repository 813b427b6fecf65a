package org.postern.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PosternTableTest {

    @TempDir
    Path dir;

    @Test
    void theFourTablesOverTheAccountStore() throws Exception {
        TestTables.FakeAccounts store = new TestTables.FakeAccounts();
        store.mailboxes.put("joe@example.com", "example.com/joe/");
        store.aliases.put("@example.com", List.of("joe@example.com", "ann@example.com"));
        store.logins.put("joe@example.com", List.of("joe@example.com", "admin"));
        LookupTables f = new LookupTables(new TableContext(dir, () -> store));

        assertThat(f.open("postern:domains").find("Example.COM")).contains("example.com");
        assertThat(f.open("postern:domains").find("other.example")).isEmpty();
        assertThat(f.open("postern:mailboxes").find("JOE@example.com")).contains("example.com/joe/");
        assertThat(f.open("postern:aliases").find("@example.com")).contains("joe@example.com, ann@example.com");
        assertThat(f.open("postern:aliases").find("x@example.com")).isEmpty();
        assertThat(f.open("postern:sender_logins").find("joe@example.com")).contains("joe@example.com, admin");
        assertThat(f.open("postern:mailboxes").fixedString()).isTrue();

        store.failing = true;
        assertThatThrownBy(() -> f.open("postern:mailboxes").find("joe@example.com"))
                .isInstanceOf(LookupException.class).hasMessageContaining("database down");
    }

    @Test
    void unknownNameListsTheValidOnes() {
        assertThat(TestTables.factory(dir).check("postern:users"))
                .contains("postern:domains, postern:mailboxes, postern:aliases, postern:sender_logins");
    }

    @Test
    void storeIsNotTouchedAtOpen() throws Exception {
        LookupTables f = new LookupTables(new TableContext(dir, () -> {
            throw new IllegalStateException("store not ready");
        }));
        assertThat(f.check("postern:aliases")).isNull();
    }
}
