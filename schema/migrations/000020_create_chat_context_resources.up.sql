-- Per-chat pinned copy of workspace_agent_context_resources (see COMMENT ON
-- TABLE). There is deliberately no foreign key to workspace_agents so that a
-- pin survives agent replacement and workspace rebuilds. The body_kind and
-- status enum types are owned by 000019 and reused here, not recreated.
CREATE TABLE chat_context_resources (
    chat_id uuid NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
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
    PRIMARY KEY (chat_id, source)
);

COMMENT ON TABLE chat_context_resources IS 'Per-chat pinned copy of the agent context resources a chat is hydrated against. Copied from workspace_agent_context_resources at hydration and on context refresh, so the chat keeps a stable view while the agent drifts.';
COMMENT ON COLUMN chat_context_resources.source IS 'Canonical file path for file-backed kinds, or the server name for mcp_server resources.';
COMMENT ON COLUMN chat_context_resources.body IS 'JSON body whose shape is given by body_kind, copied verbatim from the agent row.';
