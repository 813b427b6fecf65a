package org.postern.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.postern.dkim.HeaderField;
import org.postern.dkim.MessageReader;
import org.postern.dmarc.AuthorDomain;
import org.postern.dmarc.DmarcRecord;
import org.postern.dmarc.DmarcSyntaxException;

/**
 * DMARC (RFC 9989): records (section 4.7, 4.8) throw only {@link DmarcSyntaxException} and a
 * parsed record is internally consistent; the Author Domain of any From field (section 4.4)
 * is found or refused with a reason, never with an exception.
 */
@Tag("fuzz")
class DmarcRecordFuzzTest {
    private static final String[] PIECES = {
        "v=DMARC1", "v=dmarc1", ";", "; ", " ", "p=none", "p=reject", "p=quarantine", "sp=", "np=", "psd=y", "psd=n",
        "psd=u", "t=y", "t=n", "adkim=s", "aspf=r", "rua=", "ruf=", "mailto:dmarc@example.com", "mailto:a@b!10m",
        ",", "!", "fo=1", "fo=0:d:s", "pct=50", "ri=3600", "=", "\t", "\r\n",
    };

    @FuzzTest
    void record(FuzzedDataProvider data) {
        String text;
        if (data.consumeBoolean()) {
            StringBuilder sb = new StringBuilder();
            int n = data.consumeInt(0, 25);
            for (int i = 0; i < n && data.remainingBytes() > 0; i++) {
                sb.append(data.consumeBoolean() ? data.pickValue(PIECES) : data.consumeString(8));
            }
            text = sb.toString();
        } else {
            text = data.consumeRemainingAsString();
        }
        boolean dmarc = DmarcRecord.isDmarc(text);
        try {
            DmarcRecord r = DmarcRecord.parse(text);
            assertThat(dmarc).isTrue();
            assertThat(r.policy()).isNotNull();
            assertThat(r.psd()).isIn('y', 'n', 'u');
            r.subdomainPolicy();
            r.nonExistentPolicy();
        } catch (DmarcSyntaxException expected) {
            assertThat(expected.getMessage()).isNotNull();
        }
    }

    @FuzzTest
    void authorDomain(FuzzedDataProvider data) throws IOException {
        String[] prefixes = {"From: ", "from:", "FROM :", "From: \"", "From: <", "From: a@", "From: (", ""};
        StringBuilder message = new StringBuilder();
        int fields = data.consumeInt(0, 3);
        for (int i = 0; i < fields; i++) {
            message.append(data.pickValue(prefixes)).append(data.consumeString(80)).append("\r\n");
        }
        message.append(data.consumeRemainingAsString());
        List<HeaderField> headers = MessageReader.readHeaders(
                new ByteArrayInputStream(message.toString().getBytes(StandardCharsets.UTF_8)));
        AuthorDomain a = AuthorDomain.extract(headers);
        assertThat(a.problem()).isNotNull();
        if (a.isSingle()) {
            assertThat(a.domain()).isNotEmpty();
        } else {
            assertThat(a.domain()).isEmpty();
        }
    }
}
