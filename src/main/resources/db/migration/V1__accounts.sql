-- Postern accounts: hosted domains, mailboxes, aliases, who may send as which address, and
-- DKIM keys. The same SQL runs on PostgreSQL and SQLite, so it uses portable types only and
-- natural keys. Names and addresses are stored lower case (the code normalises them);
-- times are seconds since the epoch.
--
-- Foreign keys have no ON DELETE CASCADE: removing a domain that still has rows is refused
-- by the database, and `postern domain remove --force` deletes the rows itself, in one
-- transaction.

CREATE TABLE domains (
    name     VARCHAR(253) NOT NULL PRIMARY KEY,
    created  BIGINT       NOT NULL
);

CREATE TABLE mailboxes (
    address        VARCHAR(320) NOT NULL PRIMARY KEY,
    domain         VARCHAR(253) NOT NULL REFERENCES domains (name),
    password_hash  TEXT         NOT NULL,
    quota_bytes    BIGINT       NOT NULL DEFAULT 0,   -- 0 = unlimited
    enabled        BOOLEAN      NOT NULL DEFAULT TRUE,
    created        BIGINT       NOT NULL
);
CREATE INDEX mailboxes_domain ON mailboxes (domain);

-- source is user@domain or the catch-all @domain; one row per destination.
CREATE TABLE aliases (
    source       VARCHAR(320) NOT NULL,
    destination  VARCHAR(320) NOT NULL,
    domain       VARCHAR(253) NOT NULL REFERENCES domains (name),
    PRIMARY KEY (source, destination)
);
CREATE INDEX aliases_domain ON aliases (domain);

-- login (a SASL user name) may use the envelope sender address, which is user@domain or
-- @domain for every address of the domain.
CREATE TABLE sender_logins (
    login    VARCHAR(320) NOT NULL,
    address  VARCHAR(320) NOT NULL,
    domain   VARCHAR(253) NOT NULL REFERENCES domains (name),
    PRIMARY KEY (login, address)
);
CREATE INDEX sender_logins_address ON sender_logins (address);
CREATE INDEX sender_logins_domain ON sender_logins (domain);

CREATE TABLE dkim_keys (
    domain       VARCHAR(253) NOT NULL REFERENCES domains (name),
    selector     VARCHAR(253) NOT NULL,
    algorithm    VARCHAR(20)  NOT NULL CHECK (algorithm IN ('rsa-sha256', 'ed25519-sha256')),
    private_key  TEXT         NOT NULL,                -- PEM, PKCS#8
    public_key   TEXT         NOT NULL,                -- base64, as in the DNS p= tag
    state        VARCHAR(10)  NOT NULL DEFAULT 'pending' CHECK (state IN ('active', 'pending', 'retired')),
    created      BIGINT       NOT NULL,
    PRIMARY KEY (domain, selector)
);
