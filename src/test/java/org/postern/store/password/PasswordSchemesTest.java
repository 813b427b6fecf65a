package org.postern.store.password;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class PasswordSchemesTest {

    private static final String PASSWORD = "correct horse";
    private static final String UNICODE_PASSWORD = "pässwörd ✓ 1";

    static List<String> writableSchemes() {
        return PasswordSchemes.writable();
    }

    @ParameterizedTest
    @MethodSource("writableSchemes")
    void roundTripEveryWritableScheme(String scheme) {
        String hash = PasswordSchemes.hash(scheme, UNICODE_PASSWORD.toCharArray());
        assertThat(hash).startsWith("{" + scheme + "}");
        assertThat(PasswordSchemes.verify(hash, UNICODE_PASSWORD.toCharArray()).ok()).isTrue();
        assertThat(PasswordSchemes.verify(hash, "pässwörd ✓ 2".toCharArray()).ok()).isFalse();
        if (!scheme.equals("SHA512") && !scheme.equals("SHA256")) {
            // A fresh salt every time.
            assertThat(PasswordSchemes.hash(scheme, UNICODE_PASSWORD.toCharArray())).isNotEqualTo(hash);
        }
    }

    @Test
    void defaultIsArgon2idWithDovecotParameters() {
        String hash = PasswordSchemes.hash(PASSWORD.toCharArray());
        assertThat(hash).matches("\\{ARGON2ID}\\$argon2id\\$v=19\\$m=65536,t=3,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");
        assertThat(PasswordSchemes.needsRehash(hash)).isFalse();
    }

    @Test
    void bcryptIsWrittenAs2yWithCost10() {
        assertThat(PasswordSchemes.hash("blf-crypt", PASSWORD.toCharArray())).startsWith("{BLF-CRYPT}$2y$10$");
    }

    @Test
    void encodingSuffixes() {
        String hex = PasswordSchemes.hash("SSHA512.hex", PASSWORD.toCharArray());
        assertThat(hex).matches("\\{SSHA512\\.HEX}[0-9a-f]+");
        assertThat(PasswordSchemes.verify(hex, PASSWORD.toCharArray()).ok()).isTrue();
        assertThat(PasswordSchemes.verify("{PLAIN.B64}Y29ycmVjdCBob3JzZQ==", PASSWORD.toCharArray()).ok()).isTrue();
        assertThat(PasswordSchemes.verify("{plain.hex}636f727265637420686f727365", PASSWORD.toCharArray()).ok()).isTrue();
    }

    /** Hashes made once by `doveadm pw` (Dovecot 2.3) for "correct horse", pinned so the format cannot drift. */
    @ParameterizedTest
    @ValueSource(strings = {
        "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$+0vfJUBg11Xtr/ivaaWkOA$FwLkJHe1o7rWCcKkXZp8rwrw9DJgqiLMGa675IkwTyA",
        "{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$VvyYvCSf+bcESYOuhyLpBw$fNPRgsTB1CsDrXYNz2cH+kr1Au8y5JSar/0rSGmyFjU",
        "{BLF-CRYPT}$2y$05$O2w5bIODngCO.jqBUkJaGuZZllsJIHwM834pXpXLRSUql8982BGLK",
        "{SHA512-CRYPT}$6$mpK37wLQGLAYPFTQ$Kb37iz6YpCGFAAdtjXaSalMRgLp4ik2i8UkeJ/Dg1qJZ3dUVj88.P5CRJxhtv7HSl.hbOtFvgv5yppcug8fh2.",
        "{SHA512-CRYPT}$6$rounds=10000$8io9UDIKpYuz4ncW$Dt08SdEh1c40Or9lkJsUgVHCbN4kLKTRd2G9JStbmXGc1X33bOqxHlJAmrF0jVasqQRoTN09tdSlJWI.wOiDr1",
        "{SHA256-CRYPT}$5$2F1YinxTDO/6.kwY$cigij6ayni4FEAURUQ786GBZVhHZnK45SwHerC3om6A",
        "{SSHA512}nre58j4GOPAsk3Nkik/LAX3x3ZKeQMffNLTpXOw4JhvLrqUkN+aWRDYl+CGKD9v0SI84dHYF6gfJRwFWwf11lEgVEdo=",
        "{SSHA256}nOVUEqhifVA/Ekgo5cP9ABoyIhuXyXPGLI8Psz7r3UtBcyeW",
        "{SSHA}S24HZ40+rHTf0Ib8fMvNUGH/+WjuKYir",
        "{SHA512.HEX}56b698defedb5a435b634afe3320bbaf3fdcd920b6c503a446fc7b7a776b298d479d1ba6a8b617808eb0bf579ce9a95d668347bcab7149085ac93cb27995197b",
        "{MD5-CRYPT}$1$u7o.Qm3p$R7alxztqUDomKYpnRILIZ.",
        "{PLAIN}correct horse",
        // The same forms without a {SCHEME} prefix, as some user tables store them.
        "$argon2id$v=19$m=65536,t=3,p=1$+0vfJUBg11Xtr/ivaaWkOA$FwLkJHe1o7rWCcKkXZp8rwrw9DJgqiLMGa675IkwTyA",
        "$2y$05$O2w5bIODngCO.jqBUkJaGuZZllsJIHwM834pXpXLRSUql8982BGLK",
        "$6$mpK37wLQGLAYPFTQ$Kb37iz6YpCGFAAdtjXaSalMRgLp4ik2i8UkeJ/Dg1qJZ3dUVj88.P5CRJxhtv7HSl.hbOtFvgv5yppcug8fh2.",
        "$5$2F1YinxTDO/6.kwY$cigij6ayni4FEAURUQ786GBZVhHZnK45SwHerC3om6A",
        // {CRYPT} takes any crypt(3) form; Debian's doveadm writes bcrypt for it.
        "{CRYPT}$2y$05$O2w5bIODngCO.jqBUkJaGuZZllsJIHwM834pXpXLRSUql8982BGLK",
    })
    void pinnedDoveadmHashes(String hash) {
        assertThat(PasswordSchemes.verify(hash, PASSWORD.toCharArray()).ok()).as(hash).isTrue();
        assertThat(PasswordSchemes.verify(hash, "correct horsE".toCharArray()).ok()).as(hash).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ARGON2ID", "ARGON2I", "BLF-CRYPT", "SHA512-CRYPT", "SHA256-CRYPT", "SSHA512",
        "SSHA256", "SSHA", "SHA512", "SHA256", "SHA", "SHA1", "SMD5", "LDAP-MD5", "PLAIN-MD5", "MD5-CRYPT",
        "MD5", "CRYPT", "DES-CRYPT", "PLAIN", "CLEARTEXT", "CLEAR", "SHA512.HEX", "SSHA256.HEX",
        "SHA256.B64", "PLAIN.B64", "PLAIN.HEX"})
    void verifiesHashesMadeByDoveadmNow(String scheme) {
        for (String password : List.of(PASSWORD, UNICODE_PASSWORD)) {
            String hash = Doveadm.hash(scheme, password);
            assertThat(PasswordSchemes.verify(hash, password.toCharArray()).ok()).as(hash).isTrue();
            // Changed at the front: DES crypt reads only 8 characters and bcrypt 72 bytes.
            assertThat(PasswordSchemes.verify(hash, ("x" + password).toCharArray()).ok()).as(hash).isFalse();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ARGON2ID", "BLF-CRYPT", "SHA512-CRYPT", "SHA256-CRYPT", "SSHA512", "SSHA256",
        "SSHA", "SHA512", "SHA256", "SSHA512.hex"})
    void doveadmVerifiesOurHashes(String scheme) {
        String hash = PasswordSchemes.hash(scheme, UNICODE_PASSWORD.toCharArray());
        assertThat(Doveadm.verifies(hash, UNICODE_PASSWORD)).as("doveadm pw -t " + hash).isTrue();
        assertThat(Doveadm.verifies(hash, PASSWORD)).as("doveadm pw -t with a wrong password").isFalse();
    }

    @Test
    void plainTextVerifiesWithAWarning() {
        Verification v = PasswordSchemes.verify("{CLEARTEXT}" + PASSWORD, PASSWORD.toCharArray());
        assertThat(v.ok()).isTrue();
        assertThat(v.warning()).contains("plain text").contains("ARGON2ID").doesNotContain(PASSWORD);
        assertThat(PasswordSchemes.verify("{PLAIN}" + PASSWORD, "nope".toCharArray()).ok()).isFalse();
    }

    @Test
    void strongSchemesVerifyWithoutWarning() {
        String hash = PasswordSchemes.hash("SHA512-CRYPT", PASSWORD.toCharArray());
        assertThat(PasswordSchemes.verify(hash, PASSWORD.toCharArray())).isEqualTo(new Verification(true, null));
    }

    @ParameterizedTest
    @CsvSource({
        "{PLAIN}x, true",
        "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=, true",
        "{SSHA512}nre58j4GOPAsk3Nkik/LAX3x3ZKeQMffNLTpXOw4JhvLrqUkN+aWRDYl+CGKD9v0SI84dHYF6gfJRwFWwf11lEgVEdo=, true",
        "{MD5-CRYPT}$1$u7o.Qm3p$R7alxztqUDomKYpnRILIZ., true",
        "{CRYPT}47SxaP6znQ7zI, true",
        "{CRYPT}$6$mpK37wLQGLAYPFTQ$x, false",
        "{BLF-CRYPT}$2y$05$O2w5bIODngCO.jqBUkJaGuZZllsJIHwM834pXpXLRSUql8982BGLK, false",
        "{SHA256-CRYPT}$5$abc$def, false",
        "'{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$a$b', false",
        "{NOPE}x, true",
        "plaintext, true",
    })
    void needsRehash(String stored, boolean expected) {
        assertThat(PasswordSchemes.needsRehash(stored)).as(stored).isEqualTo(expected);
    }

    @Test
    void unknownSchemeNamesTheSupportedOnes() {
        assertThatThrownBy(() -> PasswordSchemes.hash("SCRAM-SHA-256", PASSWORD.toCharArray()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown password scheme SCRAM-SHA-256")
                .hasMessageContaining("ARGON2ID, BLF-CRYPT, SHA512-CRYPT");
        assertThatThrownBy(() -> PasswordSchemes.hash("PLAIN", PASSWORD.toCharArray()))
                .hasMessageContaining("can be read but not written");
        Verification v = PasswordSchemes.verify("{SCRAM-SHA-256}4096,abc", PASSWORD.toCharArray());
        assertThat(v.ok()).isFalse();
        assertThat(v.warning()).contains("unknown scheme {SCRAM-SHA-256}").contains("SHA512-CRYPT");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "no-prefix-here", "{SHA512-CRYPT", "{SSHA512}!!!", "{SSHA512}YWJj",
        "{SHA256}YWJj", "{SHA512-CRYPT}$6$", "{ARGON2ID}$argon2id$v=19$m=8,t=0,p=1$YWJjZGVmZ2g$YWJjZA",
        "{ARGON2ID}$argon2id$v=19$m=99999999,t=1,p=1$YWJjZGVmZ2g$YWJjZA", "{BLF-CRYPT}$2y$xx$abc",
        "{CRYPT}*", "{ARGON2ID}$2y$05$O2w5bIODngCO.jqBUkJaGuZZllsJIHwM834pXpXLRSUql8982BGLK"})
    void malformedStoredValuesFailWithAReasonAndNeverThrow(String stored) {
        Verification v = PasswordSchemes.verify(stored, PASSWORD.toCharArray());
        assertThat(v.ok()).isFalse();
        assertThat(v.warning()).isNotBlank();
    }

    @Test
    void schemeOf() {
        assertThat(PasswordSchemes.schemeOf("{ssha512.hex}00")).contains("SSHA512");
        assertThat(PasswordSchemes.schemeOf("$2b$10$x")).contains("BLF-CRYPT");
        assertThat(PasswordSchemes.schemeOf("what")).isEmpty();
    }
}
