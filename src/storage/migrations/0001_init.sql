-- webhookd schema, version 1.

CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE,
    role         text NOT NULL CHECK (role IN ('admin', 'publisher')),
    company_id   text NOT NULL DEFAULT '',
    project_id   text NOT NULL DEFAULT '',
    description  text NOT NULL DEFAULT '',
    create_time  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhooks (
    id                  uuid PRIMARY KEY,           -- UUIDv7: ordered by creation
    company_id          text NOT NULL DEFAULT '',
    project_id          text NOT NULL DEFAULT '',
    target_url          text NOT NULL,
    secret              bytea NOT NULL,
    events              text[] NOT NULL,
    ca_certificate      text,
    proxy_url           text,
    create_time         timestamptz NOT NULL DEFAULT now(),
    update_time         timestamptz NOT NULL DEFAULT now(),
    last_status         smallint,
    last_dispatch_time  timestamptz,
    last_event_type     text,
    last_status_code    integer
);
-- Listing by scope (and by company for descendants) in id order; fan-out lookups.
CREATE INDEX webhooks_by_scope ON webhooks (company_id, project_id, id);
CREATE INDEX webhooks_by_events ON webhooks USING gin (events);

CREATE TABLE events (
    id               uuid PRIMARY KEY,
    event_name       text NOT NULL,
    company_id       text NOT NULL DEFAULT '',
    project_id       text NOT NULL DEFAULT '',
    event_timestamp  bigint NOT NULL,
    idempotency_key  text,
    body             bytea NOT NULL,                -- the exact bytes every attempt sends
    create_time      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX events_idempotency ON events (company_id, project_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- Status values follow the proto enum: 1 pending, 2 success, 3 error.
CREATE TABLE deliveries (
    id                 uuid PRIMARY KEY,
    webhook_id         uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id           uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    event_type         text NOT NULL,
    status             smallint NOT NULL DEFAULT 1,
    status_code        integer NOT NULL DEFAULT 0,
    attempts           integer NOT NULL DEFAULT 0,
    -- While pending: when the next attempt is due. A claim pushes it forward by the
    -- lease, so a claim left by a crashed process falls due again by itself.
    next_attempt_time  timestamptz,
    claim_token        uuid,
    dispatch_time      timestamptz,
    duration_ms        bigint NOT NULL DEFAULT 0,
    error              text NOT NULL DEFAULT '',
    request_headers    jsonb,
    response_body      bytea,
    create_time        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_time) WHERE status = 1;
CREATE INDEX deliveries_history ON deliveries (webhook_id, dispatch_time, id);
CREATE INDEX deliveries_by_event ON deliveries (event_id);

CREATE TABLE delivery_attempts (
    delivery_id    uuid NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    attempt        integer NOT NULL,
    dispatch_time  timestamptz NOT NULL,
    status_code    integer NOT NULL DEFAULT 0,
    error          text NOT NULL DEFAULT '',
    duration_ms    bigint NOT NULL,
    response_body  bytea NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, attempt)
);
