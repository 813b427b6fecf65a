package org.postern.policy;

/** A mutable {@link SessionFacts} for tests; defaults describe the roaming laptop of section 9. */
final class Facts implements SessionFacts {
    String clientAddress = "198.51.100.7";
    int clientPort = 40000;
    String clientName = "laptop.isp.example";
    NameStatus clientNameStatus = NameStatus.OK;
    String reverseClientName = "laptop.isp.example";
    NameStatus reverseClientNameStatus = NameStatus.OK;
    String serverAddress = "192.0.2.25";
    int serverPort = 25;
    String heloName = "laptop.example.net";
    String protocol = "ESMTP";
    boolean tlsActive;
    String saslMethod;
    String saslUsername;
    boolean illegalPipelining;
    String queueId;
    String sender = "alice@example.test";
    String recipient = "bob@example.test";
    int recipientCount;
    long messageSize;
    String etrnDomain;
    java.util.List<org.postern.dkim.HeaderField> headers;
    org.postern.dkim.DkimVerification dkim;
    String ccertFingerprint;
    String ccertPubkeyFingerprint;
    String ccertSubject;
    String ccertIssuer;
    boolean ccertTrusted;

    /** TLS with a client certificate. */
    Facts clientCert(String subject, String issuer, boolean trusted, String fingerprint, String pubkeyFingerprint) {
        tlsActive = true;
        ccertSubject = subject;
        ccertIssuer = issuer;
        ccertTrusted = trusted;
        ccertFingerprint = fingerprint;
        ccertPubkeyFingerprint = pubkeyFingerprint;
        return this;
    }

    Facts client(String addr, String name) {
        clientAddress = addr;
        clientName = name;
        reverseClientName = name;
        return this;
    }

    Facts unknownClient(NameStatus reverse, NameStatus forward) {
        reverseClientNameStatus = reverse;
        clientNameStatus = forward;
        clientName = "unknown";
        if (reverse != NameStatus.OK) {
            reverseClientName = "unknown";
        }
        return this;
    }

    Facts helo(String h) {
        heloName = h;
        return this;
    }

    Facts from(String s) {
        sender = s;
        return this;
    }

    Facts to(String r) {
        recipient = r;
        return this;
    }

    /** The message at end of data: its header fields (CRLF-terminated lines) and its DKIM results. */
    Facts message(String headerSection, org.postern.dkim.SignatureResult... signatures) {
        headers = java.util.Arrays.stream(headerSection.split("(?<=\r\n)(?=\\S)"))
                .map(org.postern.dkim.HeaderField::of).toList();
        dkim = new org.postern.dkim.DkimVerification(java.util.List.of(signatures));
        return this;
    }

    Facts login(String user) {
        saslMethod = "PLAIN";
        saslUsername = user;
        return this;
    }

    @Override public String clientAddress() { return clientAddress; }
    @Override public int clientPort() { return clientPort; }
    @Override public String clientName() { return clientName; }
    @Override public NameStatus clientNameStatus() { return clientNameStatus; }
    @Override public String reverseClientName() { return reverseClientName; }
    @Override public NameStatus reverseClientNameStatus() { return reverseClientNameStatus; }
    @Override public String serverAddress() { return serverAddress; }
    @Override public int serverPort() { return serverPort; }
    @Override public String heloName() { return heloName; }
    @Override public String protocol() { return protocol; }
    @Override public boolean tlsActive() { return tlsActive; }
    @Override public String tlsProtocol() { return tlsActive ? "TLSv1.3" : null; }
    @Override public String tlsCipher() { return tlsActive ? "TLS_AES_256_GCM_SHA384" : null; }
    @Override public int tlsCipherBits() { return tlsActive ? 256 : 0; }
    @Override public String saslMethod() { return saslMethod; }
    @Override public String saslUsername() { return saslUsername; }
    @Override public String saslSender() { return null; }
    @Override public boolean illegalPipelining() { return illegalPipelining; }
    @Override public String queueId() { return queueId; }
    @Override public String instance() { return "1a2b.3c4d.0"; }
    @Override public String sender() { return sender; }
    @Override public String recipient() { return recipient; }
    @Override public int recipientCount() { return recipientCount; }
    @Override public long messageSize() { return messageSize; }
    @Override public String etrnDomain() { return etrnDomain; }
    @Override public java.util.List<org.postern.dkim.HeaderField> messageHeaders() { return headers; }
    @Override public org.postern.dkim.DkimVerification dkimVerification() { return dkim; }
    @Override public String ccertFingerprint() { return ccertFingerprint; }
    @Override public String ccertPubkeyFingerprint() { return ccertPubkeyFingerprint; }
    @Override public String ccertSubject() { return ccertSubject; }
    @Override public String ccertIssuer() { return ccertIssuer; }
    @Override public boolean ccertTrusted() { return ccertTrusted; }
}
