DROP INDEX workspaces_owner_id_name_active_idx;

DROP INDEX users_email_active_idx;

ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
