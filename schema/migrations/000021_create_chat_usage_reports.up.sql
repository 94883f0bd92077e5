-- Token usage and cost of a chat, kept as a composite type so the three
-- numbers travel together: the running total, one entry per model turn, and
-- an optional budget the chat may not exceed.
CREATE TYPE chat_usage AS (
    input_tokens bigint,
    output_tokens bigint,
    cost numeric(12,6)
);

COMMENT ON TYPE chat_usage IS 'Tokens in and out of a model, and what they cost in USD.';

CREATE TABLE chat_usage_reports (
    chat_id uuid PRIMARY KEY REFERENCES chats (id) ON DELETE CASCADE,
    total chat_usage NOT NULL,
    turns chat_usage[] NOT NULL DEFAULT '{}',
    budget chat_usage,
    updated_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE chat_usage_reports IS 'Usage accounting of a chat: the latest report replaces the previous one.';
COMMENT ON COLUMN chat_usage_reports.budget IS 'Spending limit of the chat; NULL when it has none.';
