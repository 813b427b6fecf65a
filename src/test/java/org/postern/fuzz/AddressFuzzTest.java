package org.postern.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.postern.mail.AddressException;
import org.postern.mail.Domains;
import org.postern.mail.MailAddress;

/**
 * Envelope addresses (RFC 5321 section 4.1.2) and the domain and IP literal checks under them:
 * {@link MailAddress#parse} throws only {@link AddressException}, and what it accepts prints
 * ({@link MailAddress#toString()}) as an address that parses back to an equal one.
 */
@Tag("fuzz")
class AddressFuzzTest {

    @FuzzTest
    void envelopeAddress(FuzzedDataProvider data) throws AddressException {
        MailAddress.Syntax syntax = new MailAddress.Syntax(data.consumeBoolean(), data.consumeBoolean());
        byte[] path = data.consumeRemainingAsBytes();
        MailAddress address;
        try {
            address = MailAddress.parse(path, 0, path.length, syntax);
        } catch (AddressException expected) {
            assertThat(expected.reason()).isNotNull();
            return;
        }
        assertThat(address.isUtf8() && !syntax.allowUtf8()).isFalse();
        if (address.isNull()) {
            assertThat(address.toString()).isEmpty();
            return;
        }
        // Round trip: the canonical form, in brackets, is the same address.
        MailAddress again = MailAddress.parse("<" + address + ">", new MailAddress.Syntax(true, true));
        assertThat(again).isEqualTo(address);
        assertThat(again.localPart()).isEqualTo(address.localPart());
        assertThat(again.domain()).isEqualTo(address.domain());
        address.withoutExtension("+-");
        address.extension("+");
        address.domainLowerCase();
    }

    @FuzzTest
    void hostNamesAndLiterals(FuzzedDataProvider data) {
        boolean utf8 = data.consumeBoolean();
        String s = data.consumeRemainingAsString();
        Domains.classifyHelo(s, utf8);
        Domains.isFqdn(s, utf8);
        if (Domains.isValidHostname(s, utf8)) {
            assertThat(s.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(Domains.MAX_NAME_LENGTH);
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        Domains.isValidHostname(b, 0, b.length, utf8);
        Domains.isValidHostAddress(s);
        if (Domains.isAddressLiteral(s)) {
            assertThat(Domains.parseAddressLiteral(s)).isNotNull();
        }
        Domains.parseIpAddress(s);
        Domains.parseIpv4(s, 0, s.length());
        Domains.parseIpv6(s, 0, s.length());
    }
}
