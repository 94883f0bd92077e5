-- Soft-deleted users must not block a new account from reusing the email, so
-- the plain unique constraint becomes a partial unique index.
ALTER TABLE users DROP CONSTRAINT users_email_key;

CREATE UNIQUE INDEX users_email_active_idx ON users (email) WHERE deleted = false;

CREATE UNIQUE INDEX workspaces_owner_id_name_active_idx ON workspaces (owner_id, name) WHERE deleted = false;
