DROP TABLE workspace_agents;

DROP TYPE workspace_agent_lifecycle_state;
