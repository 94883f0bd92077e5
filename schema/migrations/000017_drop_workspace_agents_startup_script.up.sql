-- Startup scripts moved to the provisioner template; the column is unused.
ALTER TABLE workspace_agents DROP COLUMN startup_script;
