-- The workspace_agent_context_* enum types belong to 000019 and stay.
DROP TABLE chat_context_resources;
