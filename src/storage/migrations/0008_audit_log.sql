-- Every change made through the admin API: when, by which token (its id; null for the
-- command line on the server's machine) and with which scope, to which resource (and where
-- it lives), and which fields changed (never a secret's value).
CREATE TABLE audit_events (
    id                uuid PRIMARY KEY,              -- UUIDv7: ordered by time
    create_time       timestamptz NOT NULL DEFAULT now(),
    token_id          uuid,
    actor_company_id  text NOT NULL DEFAULT '',
    actor_project_id  text NOT NULL DEFAULT '',
    action            text NOT NULL,
    resource_type     text NOT NULL,
    resource_id       uuid NOT NULL,
    company_id        text NOT NULL DEFAULT '',
    project_id        text NOT NULL DEFAULT '',
    changes           jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_by_scope ON audit_events (company_id, project_id, id DESC);
CREATE INDEX audit_events_by_resource ON audit_events (resource_id, id DESC);
CREATE INDEX audit_events_by_time ON audit_events (create_time);
