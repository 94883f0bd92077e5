CREATE TABLE chat_debug_runs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    chat_id uuid NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    model varchar(128) NOT NULL,
    provider varchar(64) NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    error text
);

CREATE INDEX chat_debug_runs_chat_id_idx ON chat_debug_runs (chat_id);

CREATE TABLE chat_debug_steps (
    id bigserial PRIMARY KEY,
    run_id uuid NOT NULL REFERENCES chat_debug_runs (id) ON DELETE CASCADE,
    chat_id uuid NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    step_number integer NOT NULL CHECK (step_number > 0),
    request jsonb NOT NULL,
    response jsonb,
    tool_names text[] NOT NULL DEFAULT '{}',
    duration_ms bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (run_id, step_number)
);

COMMENT ON TABLE chat_debug_steps IS 'Raw model requests and responses of a debug run, one row per generation step.';
