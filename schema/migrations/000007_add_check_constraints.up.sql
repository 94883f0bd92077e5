ALTER TABLE workspaces ADD CONSTRAINT workspaces_name_not_empty CHECK (name <> '');

ALTER TABLE workspace_agents ADD CONSTRAINT workspace_agents_connection_timeout_non_negative CHECK (connection_timeout_seconds >= 0);

ALTER TABLE chat_diff_statuses ADD CONSTRAINT chat_diff_statuses_counts_non_negative CHECK (additions >= 0 AND deletions >= 0 AND changed_files >= 0);
