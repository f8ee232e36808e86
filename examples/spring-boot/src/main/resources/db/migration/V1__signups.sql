-- The application's own tables, migrated by the application's Flyway (Millrace keeps its own
-- schema and history table).
CREATE TABLE signups (
    id    bigserial PRIMARY KEY,
    email text      NOT NULL UNIQUE
);

CREATE TABLE sent_emails (
    signup_email text        PRIMARY KEY,
    sent_at      timestamptz NOT NULL DEFAULT now()
);
