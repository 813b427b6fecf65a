-- One row per DMARC evaluation of an incoming message (RFC 9989), kept for the aggregate
-- reports (RFC 9990) a later version sends to the rua= addresses of the sending domains.
-- Portable types only, as V1; no surrogate key (SQLite and PostgreSQL differ there) and
-- none is needed: reports group rows by policy domain and time.
CREATE TABLE dmarc_evaluations (
    evaluated      BIGINT       NOT NULL,   -- seconds since the epoch
    queue_id       VARCHAR(32)  NOT NULL,
    source_ip      VARCHAR(45)  NOT NULL,
    header_from    VARCHAR(253) NOT NULL,   -- the RFC5322.From domain
    policy_domain  VARCHAR(253) NOT NULL,   -- where the record was found ('' when none)
    envelope_from  VARCHAR(253) NOT NULL,   -- the domain SPF checked ('' for the null sender)
    spf_result     VARCHAR(10)  NOT NULL,
    spf_aligned    BOOLEAN      NOT NULL,
    dkim_results   TEXT         NOT NULL,   -- "d=example.org s=sel pass" per signature, comma separated
    dkim_aligned   BOOLEAN      NOT NULL,
    dmarc_result   VARCHAR(10)  NOT NULL,   -- pass, fail, none, temperror, permerror
    disposition    VARCHAR(10)  NOT NULL    -- none, quarantine, reject: what was applied
);
CREATE INDEX dmarc_evaluations_policy_domain ON dmarc_evaluations (policy_domain, evaluated);
