-- name: InsertChat :one
INSERT INTO chats (owner_id, workspace_id, agent_id, title, model_config)
VALUES (@owner_id, @workspace_id, @agent_id, @title, @model_config)
RETURNING *;

-- name: GetChatByID :one
SELECT * FROM chats WHERE id = @id;

-- name: ListChatsByOwner :many
-- Most recently updated first, archived chats excluded.
SELECT *
FROM chats
WHERE owner_id = @owner_id AND archived = false
ORDER BY updated_at DESC, id
LIMIT @limit_count;

-- name: ListActiveChats :many
SELECT id, owner_id, agent_id, status, updated_at
FROM chats
WHERE status IN ('pending', 'running', 'requires_action') AND archived = false
ORDER BY updated_at;

-- name: GetChatWithWorkspace :one
-- Workspace and agent names are NULL when the chat has none (or they were deleted).
SELECT c.id, c.title, c.status, w.name AS workspace_name, a.name AS agent_name, a.lifecycle_state AS agent_lifecycle_state
FROM chats c
LEFT JOIN workspaces w ON w.id = c.workspace_id
LEFT JOIN workspace_agents a ON a.id = c.agent_id
WHERE c.id = @id;

-- name: CountChatsByStatus :many
SELECT status, count(*) AS chat_count
FROM chats
WHERE owner_id = @owner_id
GROUP BY status
ORDER BY status;

-- name: ListChatOverviewsByOwner :many
SELECT *
FROM chat_overviews
WHERE owner_id = @owner_id AND archived = @archived
ORDER BY updated_at DESC
LIMIT @limit_count;

-- name: UpdateChatStatus :one
UPDATE chats SET status = @status, updated_at = now() WHERE id = @id RETURNING *;

-- name: UpdateChatTitle :execrows
UPDATE chats SET title = @title WHERE id = @id AND owner_id = @owner_id;

-- name: ArchiveChat :exec
UPDATE chats SET archived = true WHERE id = @id;

-- name: UpsertChatHeartbeat :exec
INSERT INTO chat_heartbeats (chat_id, worker_id, heartbeat_at)
VALUES (@chat_id, @worker_id, now())
ON CONFLICT (chat_id) DO UPDATE SET worker_id = EXCLUDED.worker_id, heartbeat_at = EXCLUDED.heartbeat_at;

-- name: DeleteOldChats :execrows
-- Deletes chats last updated before the cutoff.
-- All chat-scoped child tables are removed via ON DELETE CASCADE.
DELETE FROM chats WHERE updated_at < @before;
