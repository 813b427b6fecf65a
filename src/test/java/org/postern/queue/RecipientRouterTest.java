package org.postern.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.postern.config.Configuration;
import org.postern.config.ParameterSet;
import org.postern.config.RestrictionChecker;
import org.postern.config.TableChecker;
import org.postern.lookup.LookupTables;
import org.postern.lookup.TableContext;
import org.postern.policy.AddressClassifier;

/** Routing as trivial-rewrite does it: address classes, transport_maps, relayhost, sender-dependent relayhost. */
class RecipientRouterTest {

    private static final Path DIR = Path.of("/etc/postern");

    private static Router router(String extra) throws Exception {
        ParameterSet main = Configuration.fromText(DIR, """
                myhostname = mx.hosted.test
                mydestination =
                virtual_mailbox_domains = hosted.test
                virtual_mailbox_maps =
                virtual_alias_maps =
                virtual_alias_domains =
                relay_domains = relay.test
                recipient_delimiter = +
                """ + extra, null, TableChecker.NONE, RestrictionChecker.NONE).main();
        LookupTables tables = new LookupTables(new TableContext(DIR, () -> null));
        return new RecipientRouter(new AddressClassifier(main, tables), main.get("virtual_transport"),
                main.get("relay_transport"), main.get("default_transport"), main.get("relayhost"),
                main.get("transport_maps").isBlank() ? null : tables.openList(main.get("transport_maps")),
                main.get("sender_dependent_relayhost_maps").isBlank() ? null
                        : tables.openList(main.get("sender_dependent_relayhost_maps")),
                main.get("recipient_delimiter"), false);
    }

    private static String route(Router r, String sender, String recipient) throws Exception {
        Router.Route route = r.route(sender, recipient);
        return route.transport() + ":" + route.nexthop();
    }

    @Test
    void addressClassesPickTheDefaultTransportAndTheRecipientDomain() throws Exception {
        Router r = router("");
        assertThat(route(r, "", "alice@hosted.test")).isEqualTo("virtual:hosted.test");
        assertThat(route(r, "", "a@relay.test")).isEqualTo("relay:relay.test");
        assertThat(route(r, "", "a@sub.relay.test")).isEqualTo("relay:sub.relay.test");
        assertThat(route(r, "", "a@remote.test")).isEqualTo("smtp:remote.test");
    }

    @Test
    void relayhostIsTheNextHopForRelayAndRemoteMailOnly() throws Exception {
        Router r = router("relayhost = [gw.hosted.test]:587\n");
        assertThat(route(r, "a@hosted.test", "b@remote.test")).isEqualTo("smtp:[gw.hosted.test]:587");
        assertThat(route(r, "a@hosted.test", "b@relay.test")).isEqualTo("relay:[gw.hosted.test]:587");
        assertThat(route(r, "a@hosted.test", "b@hosted.test")).isEqualTo("virtual:hosted.test");

        Router own = router("relayhost = [gw.hosted.test]:587\nrelay_transport = relay:[inside.relay.test]\n");
        assertThat(route(own, "", "b@relay.test")).isEqualTo("relay:[inside.relay.test]");
    }

    @Test
    void senderDependentRelayhostComesBeforeRelayhost() throws Exception {
        Router r = router("""
                relayhost = [gw.hosted.test]
                sender_dependent_relayhost_maps = inline:{ @brand.test=[brand-gw.test]:2525, boss@hosted.test=[vip.test] }
                """);
        assertThat(route(r, "x@brand.test", "b@remote.test")).isEqualTo("smtp:[brand-gw.test]:2525");
        assertThat(route(r, "boss@hosted.test", "b@remote.test")).isEqualTo("smtp:[vip.test]");
        assertThat(route(r, "other@hosted.test", "b@remote.test")).isEqualTo("smtp:[gw.hosted.test]");
        assertThat(route(r, "", "b@remote.test")).isEqualTo("smtp:[gw.hosted.test]"); // null sender: no lookup
    }

    @Test
    void transportMapsOverrideBySearchOrder() throws Exception {
        Router r = router("""
                relayhost = [gw.hosted.test]
                transport_maps = inline:{ {closed.test=error:5.7.1 this domain takes no mail}, \
                .corp.test=smtp:[10.0.0.1]:25, bob@hosted.test=lmtp:inet:127.0.0.1:24, \
                keep.test=:, relayonly.test=relay:, *=smtp:[fallback.test] }
                """);
        assertThat(route(r, "", "a@closed.test")).isEqualTo("error:5.7.1 this domain takes no mail");
        assertThat(route(r, "", "a@eu.corp.test")).isEqualTo("smtp:[10.0.0.1]:25");
        assertThat(route(r, "", "bob+box@hosted.test")).isEqualTo("lmtp:inet:127.0.0.1:24");
        // An empty transport or next hop keeps the default; "*" catches the rest.
        assertThat(route(r, "", "a@keep.test")).isEqualTo("smtp:[gw.hosted.test]");
        assertThat(route(r, "", "a@relayonly.test")).isEqualTo("relay:[gw.hosted.test]");
        assertThat(route(r, "", "a@corp.test")).isEqualTo("smtp:[fallback.test]"); // .corp.test matches subdomains only
    }
}
