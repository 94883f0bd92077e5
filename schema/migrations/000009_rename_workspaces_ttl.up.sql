ALTER TABLE workspaces RENAME COLUMN ttl TO ttl_ms;

COMMENT ON COLUMN workspaces.ttl_ms IS 'Milliseconds after the last activity before the workspace is stopped; NULL means never.';
