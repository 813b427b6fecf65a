package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.dkim.DkimAlgorithm;
import org.postern.dkim.DkimKeys;
import org.postern.store.DkimKey;

/** {@code postern_dkim_signing = no}: submitted mail stays unsigned though the domain has an active key. */
class DkimSigningSwitchedOffTest {

    @Test
    void signingCanBeSwitchedOff(@TempDir Path dir) throws Exception {
        try (TestPostern postern = TestPostern.start(dir, "postern_dkim_signing = no")) {
            KeyPair kp = DkimKeys.generate(DkimAlgorithm.ED25519_SHA256, 0);
            postern.dkimKeys().add("example.test", "ed", "ed25519-sha256", DkimKeys.privateKeyPem(kp.getPrivate()),
                    DkimKeys.publicKeyValue(kp.getPublic()));
            postern.dkimKeys().setState("example.test", "ed", DkimKey.ACTIVE);
            Path message = Files.writeString(dir.resolve("off.eml"),
                    "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: switched off\r\n\r\nunsigned\r\n");
            DkimSigningEndToEndTest.run(List.of("swaks", "--hide-informational", "--timeout", "60",
                    "--server", "127.0.0.1:" + postern.submissionPort(), "-tls", "--auth", "PLAIN",
                    "--auth-user", "alice@example.test", "--auth-password", TestPostern.PASSWORD,
                    "--from", "alice@example.test", "--to", "bob@example.test", "--data", "@" + message));
            String text = Files.readString(postern.awaitMessage("bob@example.test", "Subject: switched off"));
            assertThat(text).doesNotContainIgnoringCase("DKIM-Signature");
        }
    }
}
