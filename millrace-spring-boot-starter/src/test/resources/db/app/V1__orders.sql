-- The application's own schema, migrated by the application's Flyway beside Millrace's.
CREATE TABLE orders (
    id    bigserial PRIMARY KEY,
    total numeric   NOT NULL
);
