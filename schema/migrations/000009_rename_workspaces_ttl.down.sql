COMMENT ON COLUMN workspaces.ttl_ms IS NULL;

ALTER TABLE workspaces RENAME COLUMN ttl_ms TO ttl;
