package org.postern.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DkimSignatureTest {
    private static final String BASE = "v=1; a=rsa-sha256; b=AAAA; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;"
            + " d=example.com; s=sel; h=From:To; ";

    private static DkimSignature parse(String tags) throws DkimSyntaxException {
        return DkimSignature.parse(HeaderField.of("DKIM-Signature: " + BASE + tags + "\r\n"));
    }

    @Test
    void identityIsDkimQuotedPrintable() throws DkimSyntaxException {
        // RFC 6376 section 2.11: "=" 2HEXDIG stands for one octet.
        assertThat(parse("i=a=3Db@mail.example.com").identity()).isEqualTo("a=b@mail.example.com");
        assertThat(parse("i=@example.com").identityDomain()).isEqualTo("example.com");
    }

    @Test
    void escapeMustBeTwoHexDigits() {
        // Integer.parseInt would read "+1" and "-1" as hex numbers.
        for (String i : new String[] {"i=a=+1@example.com", "i=a=-1@example.com", "i=a=4@example.com", "i=a=@example.com",
            "i=a=G1@example.com"}) {
            assertThatThrownBy(() -> parse(i)).as(i).isInstanceOf(DkimSyntaxException.class)
                    .hasMessageContaining("quoted-printable");
        }
    }
}
