package org.postern.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** check_policy_service (section 6.1) against a small policy server on loopback. */
class PolicyServiceTest {

    static PolicyFixture fx;

    @BeforeAll
    static void start() {
        fx = new PolicyFixture();
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    /** A policy server: answers each request with {@code reply.apply(request)}, or never when that is null. */
    static final class PolicyServer implements AutoCloseable {
        final ServerSocketChannel server;
        final List<List<String>> requests = new CopyOnWriteArrayList<>();
        final AtomicInteger connections = new AtomicInteger();

        PolicyServer(ServerSocketChannel server, Function<List<String>, String> reply) {
            this.server = server;
            Thread.ofVirtual().start(() -> {
                while (server.isOpen()) {
                    try {
                        SocketChannel ch = server.accept();
                        connections.incrementAndGet();
                        Thread.ofVirtual().start(() -> serve(ch, reply));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        static PolicyServer inet(Function<List<String>, String> reply) throws IOException {
            ServerSocketChannel s = ServerSocketChannel.open();
            s.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            return new PolicyServer(s, reply);
        }

        static PolicyServer unix(Path path, Function<List<String>, String> reply) throws IOException {
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            s.bind(UnixDomainSocketAddress.of(path));
            return new PolicyServer(s, reply);
        }

        String endpoint() throws IOException {
            return "inet:127.0.0.1:" + ((java.net.InetSocketAddress) server.getLocalAddress()).getPort();
        }

        private void serve(SocketChannel ch, Function<List<String>, String> reply) {
            try (ch) {
                BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
                OutputStream out = Channels.newOutputStream(ch);
                List<String> request = new ArrayList<>();
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.isEmpty()) {
                        request.add(line);
                        continue;
                    }
                    requests.add(List.copyOf(request));
                    String action = reply.apply(request);
                    request.clear();
                    if (action == null) {
                        continue;
                    }
                    out.write(("action=" + action + "\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            } catch (IOException e) {
                // client went away
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    static String show(Decision d) {
        return d.reply() == null ? d.result().toString() : d.reply().toString();
    }

    @Test
    void replyIsAnAccessActionWithTheListsNameAndClass() throws Exception {
        try (PolicyServer p = PolicyServer.inet(r -> "550 5.7.23 Message rejected due to: SPF fail")) {
            Decision d = fx.engine("smtpd_recipient_restrictions = reject_unauth_destination, check_policy_service "
                    + p.endpoint() + "\n").newSession().rcpt(new Facts());
            // section 6.1 lab line
            assertThat(show(d)).isEqualTo("550 5.7.23 <bob@example.test>: Recipient address rejected: Message rejected due to: SPF fail");
        }
    }

    @Test
    void requestAttributesInWireOrderAndConnectionReuse() throws Exception {
        try (PolicyServer p = PolicyServer.inet(r -> "DUNNO")) {
            PolicyEngine e = fx.engine("smtpd_recipient_restrictions = check_policy_service { " + p.endpoint()
                    + ", policy_context=submission }\n");
            Facts f = new Facts().login("alice@example.test");
            f.queueId = "4Bq1Xz0abc";
            assertThat(show(e.newSession().rcpt(f))).isEqualTo("ACCEPT");
            assertThat(show(e.newSession().rcpt(new Facts().to("alice@example.test")))).isEqualTo("ACCEPT");
            assertThat(p.requests).hasSize(2);
            assertThat(p.connections.get()).isEqualTo(1);
            assertThat(p.requests.getFirst()).containsExactly(
                    "request=smtpd_access_policy", "protocol_state=RCPT", "protocol_name=ESMTP",
                    "client_address=198.51.100.7", "client_name=laptop.isp.example", "client_port=40000",
                    "reverse_client_name=laptop.isp.example", "server_address=192.0.2.25", "server_port=25",
                    "helo_name=laptop.example.net", "sender=alice@example.test", "recipient=bob@example.test",
                    "recipient_count=0", "queue_id=4Bq1Xz0abc", "instance=1a2b.3c4d.0", "size=0", "etrn_domain=",
                    "stress=", "sasl_method=PLAIN", "sasl_username=alice@example.test", "sasl_sender=",
                    "ccert_subject=", "ccert_issuer=", "ccert_fingerprint=", "ccert_pubkey_fingerprint=",
                    "encryption_protocol=", "encryption_cipher=", "encryption_keysize=0",
                    "policy_context=submission");
        }
    }

    @Test
    void timeoutUsesTheDefaultAction() throws Exception {
        try (PolicyServer p = PolicyServer.inet(r -> null)) {
            Decision d = fx.engine("smtpd_recipient_restrictions = check_policy_service { " + p.endpoint()
                    + ", timeout=1s, try_limit=1, default_action=DEFER_IF_PERMIT 4.7.1 policy timeout }\n")
                    .newSession().rcpt(new Facts());
            assertThat(show(d)).isEqualTo("450 4.7.1 <bob@example.test>: Recipient address rejected: policy timeout");
        }
    }

    @Test
    void unreachableServerUsesTheGlobalDefault() throws Exception {
        String endpoint;
        try (PolicyServer p = PolicyServer.inet(r -> "OK")) {
            endpoint = p.endpoint();
        }
        Decision d = fx.engine("smtpd_recipient_restrictions = check_policy_service " + endpoint + "\n")
                .newSession().rcpt(new Facts());
        assertThat(show(d)).isEqualTo("451 4.3.5 <bob@example.test>: Recipient address rejected: Server configuration problem");
    }

    @Test
    void unixSocketAndPrependReply() throws Exception {
        Path sock = fx.dir.resolve("policy.sock");
        try (PolicyServer p = PolicyServer.unix(sock, r -> "prepend Received-SPF: Pass (example)")) {
            Decision d = fx.engine("smtpd_recipient_restrictions = check_policy_service unix:" + sock + "\n")
                    .newSession().rcpt(new Facts());
            assertThat(show(d)).isEqualTo("ACCEPT");
            assertThat(d.actions().prepend()).containsExactly("Received-SPF: Pass (example)");
        }
    }
}
