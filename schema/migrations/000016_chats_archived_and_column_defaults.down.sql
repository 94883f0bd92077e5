UPDATE chat_debug_runs SET provider = '' WHERE provider IS NULL;

ALTER TABLE chat_debug_runs ALTER COLUMN provider SET NOT NULL;

ALTER TABLE workspace_agents ALTER COLUMN environment_variables DROP NOT NULL;

ALTER TABLE workspace_agents ALTER COLUMN environment_variables DROP DEFAULT;

ALTER TABLE chats ALTER COLUMN title SET DEFAULT 'New Chat';

ALTER TABLE chats DROP COLUMN archived;
