package org.postern.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Normalisation and syntax checks for domains and addresses. */
class NamesTest {

    @ParameterizedTest
    @CsvSource({
        "Example.ORG.,    example.org",
        "' mail.example ', mail.example",
        "xn--bcher-kva.example, xn--bcher-kva.example",
        "localhost,       localhost",
    })
    void domains(String input, String expected) throws StoreException {
        assertThat(Names.domain(input)).isEqualTo(expected);
    }

    @Test
    void addresses() throws StoreException {
        assertThat(Names.address("O'Brien+Tag@Example.ORG.", "address")).isEqualTo("o'brien+tag@example.org");
        assertThat(Names.addressOrDomain("@Example.org", "alias source")).isEqualTo("@example.org");
        assertThat(Names.mailbox("first.last@example.org")).isEqualTo("first.last@example.org");
        assertThat(Names.domainOf("@example.org")).isEqualTo("example.org");
        assertThat(Names.key(" Bob@Example.ORG. ")).isEqualTo("bob@example.org");
    }

    @Test
    void limits() {
        String label63 = "a".repeat(63);
        assertThatThrownBy(() -> Names.domain("a".repeat(64) + ".org")).hasMessageContaining("longer than 63");
        assertThatThrownBy(() -> Names.domain((label63 + ".").repeat(4) + "org")).hasMessageContaining("longer than 253");
        assertThatThrownBy(() -> Names.address("a".repeat(65) + "@example.org", "address"))
                .hasMessageContaining("RFC 5321 section 4.5.3.1.1");
        assertThatThrownBy(() -> Names.address("a\"b@example.org", "address")).hasMessageContaining("'\"' is not allowed");
        assertThatThrownBy(() -> Names.address("ünï@example.org", "address")).hasMessageContaining("not allowed");
        assertThatThrownBy(() -> Names.address(".a@example.org", "address")).hasMessageContaining("dot");
        assertThatThrownBy(() -> Names.address("a@", "login")).hasMessage("invalid login 'a@': no domain after '@'");
        assertThatThrownBy(() -> Names.address(null, "login")).hasMessage("no login given");
        assertThatThrownBy(() -> Names.addressOrDomain("@bad_domain", "alias source"))
                .hasMessageContaining("invalid alias source '@bad_domain'");
    }
}
