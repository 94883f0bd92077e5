-- name: InsertWorkspaceAgent :one
INSERT INTO workspace_agents (workspace_id, name, architecture, operating_system, directory, environment_variables, connection_timeout_seconds)
VALUES (@workspace_id, @name, @architecture, @operating_system, @directory, @environment_variables, @connection_timeout_seconds)
RETURNING *;

-- name: GetWorkspaceAgentByID :one
SELECT * FROM workspace_agents WHERE id = @id;

-- name: ListWorkspaceAgentsByWorkspaceID :many
SELECT * FROM workspace_agents WHERE workspace_id = @workspace_id ORDER BY created_at, id;

-- name: UpdateWorkspaceAgentLifecycleState :exec
UPDATE workspace_agents SET lifecycle_state = @lifecycle_state WHERE id = @id;

-- name: UpdateWorkspaceAgentConnection :exec
-- Records a connection; first_connected_at is only set the first time.
UPDATE workspace_agents
SET first_connected_at = COALESCE(first_connected_at, sqlc.arg(connected_at)),
    last_connected_at = sqlc.arg(connected_at)
WHERE id = sqlc.arg(id);
