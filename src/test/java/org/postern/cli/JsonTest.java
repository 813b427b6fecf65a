package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void writesNestedValuesWithEscapes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("address", "a\"b\\c@example.org");
        m.put("quota", 0L);
        m.put("enabled", true);
        m.put("aliases", List.of("x\n", "\u0001"));
        m.put("none", null);
        assertThat(Json.write(List.of(m))).isEqualTo(
                "[{\"address\":\"a\\\"b\\\\c@example.org\",\"quota\":0,\"enabled\":true,"
                        + "\"aliases\":[\"x\\n\",\"\\u0001\"],\"none\":null}]");
    }
}
