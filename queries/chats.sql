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

-- name: UpsertChatHeartbeats :batchexec
-- A worker's heartbeats for all the chats it runs, in one round trip.
INSERT INTO chat_heartbeats (chat_id, worker_id, heartbeat_at)
VALUES (@chat_id, @worker_id, now())
ON CONFLICT (chat_id) DO UPDATE SET worker_id = EXCLUDED.worker_id, heartbeat_at = EXCLUDED.heartbeat_at;

-- name: GetChatHeartbeats :batchone
SELECT chat_id, worker_id, heartbeat_at FROM chat_heartbeats WHERE chat_id = @chat_id;

-- name: ListChatsByIDs :many
SELECT * FROM chats WHERE id IN (sqlc.slice(ids)) ORDER BY created_at, id;

-- name: CountOwnerChatsInStatuses :one
SELECT count(*) AS chat_count
FROM chats
WHERE owner_id = @owner_id AND status IN (sqlc.slice(statuses)) AND id NOT IN (sqlc.slice(excluded_ids));

-- name: GetChatWithOwner :one
SELECT sqlc.embed(chats), sqlc.embed(users)
FROM chats
JOIN users ON users.id = chats.owner_id
WHERE chats.id = @id;

-- name: ListChatsWithWorkspace :many
-- The workspace is None for a chat without one.
SELECT sqlc.embed(c), sqlc.embed(w), a.name AS agent_name
FROM chats c
LEFT JOIN workspaces w ON w.id = c.workspace_id
LEFT JOIN workspace_agents a ON a.id = c.agent_id
WHERE c.owner_id = @owner_id
ORDER BY c.created_at, c.id;

-- name: ListBusyChats :many
-- Chats of an owner with messages of a role since a time, busiest first.
WITH recent AS (
    SELECT chat_id, count(*) AS recent_count
    FROM chat_messages
    WHERE created_at >= @since
    GROUP BY chat_id
)
SELECT c.id, c.title, r.recent_count
FROM chats c
JOIN recent r ON r.chat_id = c.id
WHERE c.owner_id = @owner_id
    AND EXISTS (SELECT 1 FROM chat_messages m WHERE m.chat_id = c.id AND m.role = @role)
ORDER BY r.recent_count DESC, c.id;

-- name: ArchiveChatsOfOwner :execresult
-- Archives an owner's chats; the cursor holds the archived ids and titles.
UPDATE chats SET archived = true
WHERE owner_id = $1 AND archived = false
RETURNING id, title;

-- name: UnarchiveChats :execresult
UPDATE chats SET archived = false WHERE owner_id = $1 AND archived;
