package org.postern.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * An authoritative DNS server on a loopback port for tests, so that no test depends on outside
 * DNS. Records are added in zone-file form ({@code add("example.test", "MX", "10 mx.example.test.")});
 * failures are simulated per name ({@link #servfail}, {@link #drop}).
 *
 * <p>Answers: the records of the asked type, CNAMEs chased inside the served data; NOERROR with
 * no answer when the name has other records or descendants (RFC 8020 empty non-terminals);
 * NXDOMAIN otherwise. A negative answer carries the SOA of the closest enclosing zone that has
 * one added (as an authoritative server does, RFC 2308 section 3), else no authority section.
 * UDP and TCP; answers too big for UDP set TC so the client retries on TCP.
 *
 * <p>Records have TTL 0 unless given one ({@link #add(String, String, String, long)},
 * {@link #defaultTtl}): a resolver with a cache (Postern's server) then asks again every time,
 * so a test that changes the records between scenarios sees the change at once.
 */
public final class TestDnsServer implements AutoCloseable {

    private final Map<Name, List<Record>> records = new ConcurrentHashMap<>();
    private final Map<Name, Integer> failures = new ConcurrentHashMap<>();
    // A queue, not a copy-on-write list: bench/BenchDns.java serves a benchmark's hundreds of
    // thousands of queries through this class, and each add must not copy the whole log.
    private final Queue<String> queryLog = new ConcurrentLinkedQueue<>();
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private volatile boolean running = true;
    private volatile long defaultTtl = 0;

    private static final int DROP = -1;

    public TestDnsServer() throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        // Same port for UDP and TCP: take a free TCP port, then bind UDP to it (retry if taken).
        ServerSocket t = null;
        DatagramSocket u = null;
        for (int attempt = 0; attempt < 20 && u == null; attempt++) {
            t = new ServerSocket(0, 50, loopback);
            try {
                u = new DatagramSocket(t.getLocalPort(), loopback);
            } catch (IOException busy) {
                t.close();
            }
        }
        if (u == null) {
            throw new IOException("no free port for the test DNS server");
        }
        udp = u;
        tcp = t;
        start();
    }

    /** A server on the given address and port, UDP and TCP (fails if either is taken). */
    public TestDnsServer(InetAddress address, int port) throws IOException {
        ServerSocket t = new ServerSocket(port, 50, address);
        try {
            udp = new DatagramSocket(port, address);
        } catch (IOException e) {
            t.close();
            throw e;
        }
        tcp = t;
        start();
    }

    /**
     * A server on port 53 of a random address in 127.53.0.0/16, for a program that can only be
     * given a resolv.conf (whose {@code nameserver} lines take no port): the glibc resolver in the
     * differential tests' Postfix. Any 127/8 address is a loopback address on Linux; a random one
     * lets test runs on the same machine coexist. Port 53 needs root (as Postfix does).
     */
    public static TestDnsServer onPort53() throws IOException {
        IOException last = null;
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 20; attempt++) {
            InetAddress address = InetAddress.getByAddress(new byte[] {127, 53, (byte) random.nextInt(256), (byte) (1 + random.nextInt(254))});
            try {
                return new TestDnsServer(address, 53);
            } catch (IOException taken) {
                last = taken;
            }
        }
        throw new IOException("no free loopback address for a DNS server on port 53 (root needed)", last);
    }

    private void start() {
        Thread.ofVirtual().name("test-dns-udp").start(this::serveUdp);
        Thread.ofVirtual().name("test-dns-tcp").start(this::serveTcp);
    }

    /** {@code ADDRESS:PORT}, the form {@code dns_servers} and {@code --dns-server} take. */
    public String address() {
        return udp.getLocalAddress().getHostAddress() + ":" + udp.getLocalPort();
    }

    /** The IP address the server listens on (a resolv.conf {@code nameserver} value). */
    public String host() {
        return udp.getLocalAddress().getHostAddress();
    }

    public int port() {
        return udp.getLocalPort();
    }

    /**
     * Adds one record with the default TTL (0 unless {@link #defaultTtl} says otherwise), rdata
     * in zone-file syntax; names are absolute with or without the dot.
     */
    public TestDnsServer add(String name, String type, String rdata) {
        return add(name, type, rdata, defaultTtl);
    }

    /** The TTL of records added from now on without one (0 at first: nothing is cached). */
    public TestDnsServer defaultTtl(long seconds) {
        defaultTtl = seconds;
        return this;
    }

    /**
     * Adds one record with this TTL in seconds. An {@code SOA} record makes its owner a zone:
     * negative answers for names in it carry the SOA, which lets a resolver cache them.
     */
    public TestDnsServer add(String name, String type, String rdata, long ttl) {
        try {
            Name owner = name(name);
            Record rec = Record.fromString(owner, Type.value(type), DClass.IN, ttl, rdata, Name.root);
            records.computeIfAbsent(owner, k -> new CopyOnWriteArrayList<>()).add(rec);
            return this;
        } catch (IOException e) {
            throw new IllegalArgumentException("bad test record " + name + " " + type + " " + rdata + ": " + e.getMessage(), e);
        }
    }

    /** Every query for this name gets SERVFAIL. */
    public TestDnsServer servfail(String name) {
        failures.put(name(name), Rcode.SERVFAIL);
        return this;
    }

    /** Queries for this name are never answered (the client times out). */
    public TestDnsServer drop(String name) {
        failures.put(name(name), DROP);
        return this;
    }

    /** Forgets all records and failures. */
    public void clear() {
        records.clear();
        failures.clear();
        queryLog.clear();
    }

    /** The queries received, as {@code name TYPE}, in order. */
    public List<String> queries() {
        return List.copyOf(queryLog);
    }

    private static Name name(String name) {
        try {
            return Name.fromString(name.endsWith(".") ? name : name + ".");
        } catch (TextParseException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Builds the answer, or returns null when the query must be dropped. */
    Message answer(Message query) {
        Record question = query.getQuestion();
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setFlag(Flags.AA);
        if (query.getHeader().getFlag(Flags.RD)) {
            response.getHeader().setFlag(Flags.RD);
        }
        if (question == null) {
            response.getHeader().setRcode(Rcode.FORMERR);
            return response;
        }
        response.addRecord(question, Section.QUESTION);
        queryLog.add(question.getName().toString(true) + " " + Type.string(question.getType()));
        Integer failure = failures.get(question.getName());
        if (failure != null) {
            if (failure == DROP) {
                return null;
            }
            response.getHeader().setRcode(failure);
            return response;
        }
        Name current = question.getName();
        for (int hop = 0; hop < 8; hop++) {
            List<Record> here = records.getOrDefault(current, List.of());
            List<Record> matching = new ArrayList<>();
            Record cname = null;
            for (Record r : here) {
                if (r.getType() == question.getType()) {
                    matching.add(r);
                } else if (r.getType() == Type.CNAME) {
                    cname = r;
                }
            }
            if (!matching.isEmpty()) {
                matching.forEach(r -> response.addRecord(r, Section.ANSWER));
                return response;
            }
            if (cname != null && question.getType() != Type.CNAME) {
                response.addRecord(cname, Section.ANSWER);
                current = ((org.xbill.DNS.CNAMERecord) cname).getTarget();
                continue;
            }
            if (hop == 0 && here.isEmpty() && !hasDescendant(current)) {
                response.getHeader().setRcode(Rcode.NXDOMAIN);
            }
            Record soa = enclosingSoa(current);
            if (soa != null) {
                response.addRecord(soa, Section.AUTHORITY);
            }
            return response;
        }
        return response;
    }

    /** The SOA record of the closest zone at or above {@code name}, or null. */
    private Record enclosingSoa(Name name) {
        for (Name n = name; ; n = new Name(n, 1)) {
            for (Record r : records.getOrDefault(n, List.of())) {
                if (r.getType() == Type.SOA) {
                    return r;
                }
            }
            if (n.labels() <= 1) {
                return null;
            }
        }
    }

    private boolean hasDescendant(Name name) {
        for (Name n : records.keySet()) {
            if (n.subdomain(name) && !n.equals(name)) {
                return true;
            }
        }
        return false;
    }

    private void serveUdp() {
        byte[] buffer = new byte[65535];
        while (running) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                udp.receive(packet);
                Message response = answer(new Message(java.util.Arrays.copyOf(packet.getData(), packet.getLength())));
                if (response == null) {
                    continue;
                }
                byte[] wire = response.toWire();
                if (wire.length > 512) {
                    Message truncated = new Message(response.getHeader().getID());
                    truncated.getHeader().setFlag(Flags.QR);
                    truncated.getHeader().setFlag(Flags.TC);
                    truncated.addRecord(response.getQuestion(), Section.QUESTION);
                    wire = truncated.toWire();
                }
                udp.send(new DatagramPacket(wire, wire.length, packet.getSocketAddress()));
            } catch (IOException e) {
                if (!running) {
                    return;
                }
            }
        }
    }

    private void serveTcp() {
        while (running) {
            try {
                Socket s = tcp.accept();
                Thread.ofVirtual().start(() -> serveTcpClient(s));
            } catch (IOException e) {
                if (!running) {
                    return;
                }
            }
        }
    }

    private void serveTcpClient(Socket s) {
        try (s; DataInputStream in = new DataInputStream(s.getInputStream());
             DataOutputStream out = new DataOutputStream(s.getOutputStream())) {
            while (true) {
                int length = in.readUnsignedShort();
                byte[] query = in.readNBytes(length);
                Message response = answer(new Message(query));
                if (response == null) {
                    continue;
                }
                byte[] wire = response.toWire();
                out.writeShort(wire.length);
                out.write(wire);
                out.flush();
            }
        } catch (IOException endOfConnection) {
            // client closed the connection
        }
    }

    @Override
    public void close() {
        running = false;
        udp.close();
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
