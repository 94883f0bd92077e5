ALTER TABLE chats ADD COLUMN archived boolean NOT NULL DEFAULT false;

COMMENT ON COLUMN chats.archived IS 'Archived chats are hidden from the sidebar but kept until retention purges them.';

-- Clients now always send a title.
ALTER TABLE chats ALTER COLUMN title DROP DEFAULT;

UPDATE workspace_agents SET environment_variables = '{}'::jsonb WHERE environment_variables IS NULL;

ALTER TABLE workspace_agents ALTER COLUMN environment_variables SET DEFAULT '{}'::jsonb;

ALTER TABLE workspace_agents ALTER COLUMN environment_variables SET NOT NULL;

-- Debug runs recorded before a provider is resolved have no provider yet.
ALTER TABLE chat_debug_runs ALTER COLUMN provider DROP NOT NULL;
