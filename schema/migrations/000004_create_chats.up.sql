CREATE TYPE chat_status AS ENUM (
    'waiting',
    'pending',
    'running',
    'paused',
    'completed',
    'error'
);

CREATE TYPE chat_message_role AS ENUM (
    'system',
    'user',
    'assistant',
    'tool'
);

CREATE TABLE chats (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workspace_id uuid REFERENCES workspaces (id) ON DELETE SET NULL,
    agent_id uuid REFERENCES workspace_agents (id) ON DELETE SET NULL,
    title text NOT NULL DEFAULT 'New Chat',
    status chat_status NOT NULL DEFAULT 'waiting',
    model_config jsonb NOT NULL DEFAULT '{}',
    last_injected_context jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX chats_owner_id_updated_at_idx ON chats (owner_id, updated_at);

CREATE TABLE chat_messages (
    id bigserial PRIMARY KEY,
    chat_id uuid NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    role chat_message_role NOT NULL,
    content jsonb NOT NULL,
    input_tokens integer,
    output_tokens integer,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX chat_messages_chat_id_id_idx ON chat_messages (chat_id, id);

COMMENT ON TABLE chats IS 'Agent chats. Every chat-scoped child table references chats(id) with ON DELETE CASCADE.';
COMMENT ON COLUMN chats.last_injected_context IS 'Context most recently injected into the prompt; superseded by chat_context_resources.';
