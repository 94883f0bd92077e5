-- Shape of the body JSON stored with each context resource. plugin, hook,
-- subagent and command are reserved for future resource kinds.
CREATE TYPE workspace_agent_context_body_kind AS ENUM (
    'instruction_file',
    'skill',
    'mcp_config',
    'mcp_server',
    'plugin',
    'hook',
    'subagent',
    'command'
);

-- Resolution status the agent reports for each resource.
CREATE TYPE workspace_agent_context_resource_status AS ENUM (
    'ok',
    'oversize',
    'unreadable',
    'invalid',
    'excluded'
);

-- Last-writer-wins: one row per (agent, source), overwritten on every
-- context push; no history is kept.
CREATE TABLE workspace_agent_context_resources (
    agent_id uuid NOT NULL REFERENCES workspace_agents (id) ON DELETE CASCADE,
    source text NOT NULL,
    body_kind workspace_agent_context_body_kind NOT NULL,
    body jsonb NOT NULL,
    content_hash bytea NOT NULL,
    size_bytes bigint NOT NULL,
    status workspace_agent_context_resource_status NOT NULL,
    error text NOT NULL DEFAULT '',
    source_path text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agent_id, source)
);

COMMENT ON TABLE workspace_agent_context_resources IS 'Context resources (instruction files, skills, MCP config) from the latest push of a workspace agent. Overwritten in place on each push.';
COMMENT ON COLUMN workspace_agent_context_resources.source IS 'Canonical file path for file-backed kinds, or the server name for mcp_server resources.';
COMMENT ON COLUMN workspace_agent_context_resources.body IS 'JSON body whose shape is given by body_kind. Non-ok statuses store an empty body of the same kind.';
COMMENT ON COLUMN workspace_agent_context_resources.content_hash IS 'sha256 of the original bytes of the resource.';
COMMENT ON COLUMN workspace_agent_context_resources.error IS 'Error or warning text; set whenever status is not ok.';
