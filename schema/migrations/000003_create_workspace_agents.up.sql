CREATE TYPE workspace_agent_lifecycle_state AS ENUM (
    'created',
    'starting',
    'ready',
    'shutting_down',
    'off'
);

CREATE TABLE workspace_agents (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name varchar(64) NOT NULL,
    lifecycle_state workspace_agent_lifecycle_state NOT NULL DEFAULT 'created',
    architecture varchar(32) NOT NULL,
    operating_system varchar(32) NOT NULL,
    directory text NOT NULL DEFAULT '',
    environment_variables jsonb,
    startup_script text NOT NULL DEFAULT '',
    connection_timeout_seconds integer NOT NULL DEFAULT 0,
    first_connected_at timestamptz,
    last_connected_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, name)
);

COMMENT ON TABLE workspace_agents IS 'Agents running inside a workspace; a workspace rebuild replaces its agents with new rows.';
