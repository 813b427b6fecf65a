package org.postern.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SqlTemplateTest {

    private static String q(String template, String key) {
        return SqlTemplate.query(template, key, SqlTable::quote).orElse("<suppressed>");
    }

    @Test
    void queryExpansion() {
        assertThat(q("k='%s' u='%u' d='%d' t='%1' s='%2' m='%3' p=100%%", "joe@mail.example.com"))
                .isEqualTo("k='joe@mail.example.com' u='joe' d='mail.example.com' t='com' s='example' m='mail' p=100%");
        assertThat(q("%S %U %D", "joe@example.com")).isEqualTo("joe@example.com joe example.com");
        assertThat(q("u='%u'", "joe")).isEqualTo("u='joe'");
    }

    @Test
    void querySuppression() {
        assertThat(q("%u", "@example.com")).isEqualTo("<suppressed>");
        assertThat(q("%d", "joe")).isEqualTo("<suppressed>");
        assertThat(q("%3", "joe@example.com")).isEqualTo("<suppressed>");
        assertThat(q("%1", "joe")).isEqualTo("<suppressed>");
    }

    @Test
    void quotingOfSingleQuotes() {
        assertThat(q("'%s'", "o'brien@x'; DROP TABLE t; --")).isEqualTo("'o''brien@x''; DROP TABLE t; --'");
    }

    @Test
    void resultFormat() {
        assertThat(SqlTemplate.result("%u at %d for %S (%U/%D/%1)", "bob@dest.example", "joe@src.example"))
                .contains("bob at dest.example for joe@src.example (joe/src.example/example)");
        assertThat(SqlTemplate.result("%d", "nodomain", "k")).isEmpty();
        assertThat(SqlTemplate.result("%u", "plain", "k")).contains("plain");
        assertThat(SqlTemplate.result("%D", "v", "nokeydomain")).isEmpty();
        assertThat(SqlTemplate.result("smtp:[%s]", "relay.example", "k")).contains("smtp:[relay.example]");
    }

    @Test
    void validation() {
        assertThat(SqlTemplate.validate("select '%s' like '%%x'")).isNull();
        assertThat(SqlTemplate.validate("select '%x'")).contains("%x").contains("%s %u %d");
        assertThat(SqlTemplate.validate("trailing %")).contains("unknown code");
    }
}
