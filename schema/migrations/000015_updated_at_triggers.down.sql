DROP TRIGGER chats_set_updated_at ON chats;

DROP TRIGGER workspace_agents_set_updated_at ON workspace_agents;

DROP TRIGGER workspaces_set_updated_at ON workspaces;

DROP TRIGGER users_set_updated_at ON users;

DROP FUNCTION set_updated_at();
