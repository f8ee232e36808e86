-- Statements of the projection document store (Documents, DocumentReader).

-- name: get
-- Binds: projection, id. Primary key lookup.
SELECT doc::text FROM {schema}.projection_documents WHERE projection = ? AND id = ?;

-- name: get_many
-- A page's prefetch. Binds: projection, ids (text[]). Primary key lookups.
SELECT id, doc::text FROM {schema}.projection_documents WHERE projection = ? AND id = ANY(?);

-- name: upsert
-- Batched at the end of a page. Binds: projection, id, doc (JSON text).
INSERT INTO {schema}.projection_documents (projection, id, doc) VALUES (?, ?, ?::jsonb)
ON CONFLICT (projection, id) DO UPDATE SET doc = EXCLUDED.doc, updated_at = now();

-- name: delete
-- Binds: projection, id.
DELETE FROM {schema}.projection_documents WHERE projection = ? AND id = ?;

-- name: list
-- Keyset page in id order (the primary key). Binds: projection, after id ('' for the first page), limit.
SELECT id, doc::text FROM {schema}.projection_documents
 WHERE projection = ? AND id > ?
 ORDER BY id
 LIMIT ?;

-- name: count
-- Binds: projection.
SELECT count(*) FROM {schema}.projection_documents WHERE projection = ?;
