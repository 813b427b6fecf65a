package org.postern.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonParserTest {

    @Test
    void parsesTestsslStyleFindings() {
        Object v = JsonParser.parse("""
                [
                  {"id" : "SSLv3", "ip" : "127.0.0.1/127.0.0.1", "port" : "25", "severity" : "OK", "finding" : "not offered"},
                  {"id" : "x", "finding" : "say \\"hi\\"\\n\\u00e9", "n" : -12, "f" : 1.5e2, "t" : true, "z" : null, "a" : []}
                ]
                """);
        assertThat(v).isInstanceOf(List.class);
        List<?> list = (List<?>) v;
        Map<?, ?> first = (Map<?, ?>) list.get(0);
        assertThat(first.get("id")).isEqualTo("SSLv3");
        assertThat(first.get("finding")).isEqualTo("not offered");
        assertThat(first.get("port")).isEqualTo("25");
        Map<?, ?> second = (Map<?, ?>) list.get(1);
        assertThat(second.get("finding")).isEqualTo("say \"hi\"\n\u00e9");
        assertThat(second.get("n")).isEqualTo(-12L);
        assertThat(second.get("f")).isEqualTo(150.0);
        assertThat(second.get("t")).isEqualTo(true);
        assertThat(second.containsKey("z")).isTrue();
        assertThat(second.get("z")).isNull();
        assertThat(second.get("a")).isEqualTo(List.of());
    }

    @Test
    void badInputNamesTheOffset() {
        assertThatThrownBy(() -> JsonParser.parse("[1, 2")).hasMessageContaining("expected ']' at offset 5");
        assertThatThrownBy(() -> JsonParser.parse("{\"a\" 1}")).hasMessageContaining("expected ':'");
        assertThatThrownBy(() -> JsonParser.parse("[] x")).hasMessageContaining("text after the JSON value");
        assertThatThrownBy(() -> JsonParser.parse("\"open")).hasMessageContaining("unterminated string");
    }
}
