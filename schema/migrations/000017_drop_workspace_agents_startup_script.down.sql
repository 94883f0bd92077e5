ALTER TABLE workspace_agents ADD COLUMN startup_script text NOT NULL DEFAULT '';
