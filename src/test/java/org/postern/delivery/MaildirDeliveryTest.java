package org.postern.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.delivery.DeliveryResult.Status;

class MaildirDeliveryTest {

    private static final byte[] HEADERS = ("Delivered-To: alice@example.com\r\n"
            + "Return-Path: <bob@example.org>\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT = ("Subject: hello\r\n\r\nline one\r\n.dot line\r\n\r\nbare\rcr\r\nlast\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path base;

    @Test
    void deliversIntoNewWithDovecotName() throws IOException {
        Path box = base.resolve("example.com/alice");
        DeliveryResult r = new MaildirDelivery("mx/1:a.example", 0)
                .deliver("alice@example.com", box, HEADERS, new ByteArrayInputStream(CONTENT), CONTENT.length);

        assertThat(r).isEqualTo(DeliveryResult.local("alice@example.com", Status.SENT, "2.0.0",
                "delivered to maildir", "virtual"));
        for (String sub : List.of("cur", "new", "tmp")) {
            assertThat(Files.getPosixFilePermissions(box.resolve(sub)))
                    .isEqualTo(PosixFilePermissions.fromString("rwx------"));
        }
        assertThat(list(box.resolve("tmp"))).isEmpty();
        assertThat(list(box.resolve("cur"))).isEmpty();
        List<Path> files = list(box.resolve("new"));
        assertThat(files).hasSize(1);

        String name = files.getFirst().getFileName().toString();
        Matcher m = Pattern.compile("^\\d{10,}\\.M\\d{1,6}P\\d+Q\\d+\\.mx\\\\0571\\\\072a\\.example,S=(\\d+),W=(\\d+)$")
                .matcher(name);
        assertThat(m.matches()).as(name).isTrue();

        byte[] stored = Files.readAllBytes(files.getFirst());
        String expected = "Delivered-To: alice@example.com\nReturn-Path: <bob@example.org>\n"
                + "Subject: hello\n\nline one\n.dot line\n\nbare\rcr\nlast\n";
        assertThat(new String(stored, StandardCharsets.US_ASCII)).isEqualTo(expected);
        long lines = expected.chars().filter(c -> c == '\n').count();
        assertThat(Long.parseLong(m.group(1))).isEqualTo(stored.length);
        assertThat(Long.parseLong(m.group(2))).isEqualTo(stored.length + lines);
        assertThat(Files.getPosixFilePermissions(files.getFirst()))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void crlfSplitAcrossReadsAndTrailingCrAreKept() throws IOException {
        Path box = base.resolve("box");
        byte[] content = "a\r\nb\r\nc\r".getBytes(StandardCharsets.US_ASCII);
        InputStream oneByteAtATime = new ByteArrayInputStream(content) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1));
            }
        };
        DeliveryResult r = new MaildirDelivery("h", 0).deliver(box, new byte[0], oneByteAtATime, content.length);

        assertThat(r.status()).isEqualTo(Status.SENT);
        assertThat(r.recipient()).isEmpty();
        assertThat(Files.readString(list(box.resolve("new")).getFirst())).isEqualTo("a\nb\nc\r");
    }

    @Test
    void namesAreUnique() throws IOException {
        Path box = base.resolve("box");
        MaildirDelivery delivery = new MaildirDelivery("h", 0);
        for (int i = 0; i < 50; i++) {
            assertThat(delivery.deliver(box, new byte[0], new ByteArrayInputStream(CONTENT), CONTENT.length).sent())
                    .isTrue();
        }
        assertThat(list(box.resolve("new"))).hasSize(50);
    }

    @Test
    void mailboxPathThatIsAFileDefers() throws IOException {
        Path box = Files.writeString(base.resolve("not-a-dir"), "x");
        DeliveryResult r = new MaildirDelivery("h", 0)
                .deliver("a@b", box, HEADERS, new ByteArrayInputStream(CONTENT), CONTENT.length);

        assertThat(r.status()).isEqualTo(Status.DEFERRED);
        assertThat(r.dsn()).isEqualTo("4.3.0");
        assertThat(r.relay()).isEqualTo("virtual");
        assertThat(r.text()).startsWith("maildir delivery failed: ").contains("not-a-dir");
    }

    @Test
    void readFailureRemovesTheTmpFile() throws IOException {
        Path box = base.resolve("box");
        InputStream failing = new InputStream() {
            private int n;

            @Override
            public int read() throws IOException {
                if (n++ > 1000) {
                    throw new IOException("queue file vanished");
                }
                return 'x';
            }
        };
        DeliveryResult r = new MaildirDelivery("h", 0).deliver(box, HEADERS, failing, 5000);

        assertThat(r.status()).isEqualTo(Status.DEFERRED);
        assertThat(r.text()).isEqualTo("maildir delivery failed: queue file vanished");
        assertThat(list(box.resolve("tmp"))).isEmpty();
        assertThat(list(box.resolve("new"))).isEmpty();
    }

    @Test
    void tooLargeBouncesWithoutWriting() throws IOException {
        Path box = base.resolve("box");
        DeliveryResult r = new MaildirDelivery("h", 100)
                .deliver(box, HEADERS, new ByteArrayInputStream(new byte[200]), 200);

        assertThat(r.status()).isEqualTo(Status.BOUNCED);
        assertThat(r.dsn()).isEqualTo("5.2.2");
        assertThat(r.text()).startsWith("mailbox full");
        assertThat(Files.exists(box)).isFalse();
    }

    @Test
    void understatedSizeStillHitsTheLimit() throws IOException {
        Path box = base.resolve("box");
        DeliveryResult r = new MaildirDelivery("h", 100)
                .deliver(box, new byte[0], new ByteArrayInputStream(new byte[200_000]), 10);

        assertThat(r.status()).isEqualTo(Status.BOUNCED);
        assertThat(list(box.resolve("tmp"))).isEmpty();
        assertThat(list(box.resolve("new"))).isEmpty();
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
