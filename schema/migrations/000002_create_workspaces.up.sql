CREATE TABLE workspaces (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    name varchar(64) NOT NULL,
    autostart_schedule text,
    ttl bigint,
    deleted boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX workspaces_owner_id_idx ON workspaces (owner_id);

COMMENT ON COLUMN workspaces.autostart_schedule IS 'CRON expression (with an optional CRON_TZ= prefix) for automatic starts; NULL disables autostart.';
