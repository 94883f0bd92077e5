-- name: UpsertWorkspaceAgentContextResource :one
-- Last-writer-wins: a push overwrites the agent's previous row for the source.
INSERT INTO workspace_agent_context_resources (agent_id, source, body_kind, body, content_hash, size_bytes, status, error, source_path)
VALUES (@agent_id, @source, @body_kind, @body, @content_hash, @size_bytes, @status, @error, @source_path)
ON CONFLICT (agent_id, source) DO UPDATE SET
    body_kind = EXCLUDED.body_kind,
    body = EXCLUDED.body,
    content_hash = EXCLUDED.content_hash,
    size_bytes = EXCLUDED.size_bytes,
    status = EXCLUDED.status,
    error = EXCLUDED.error,
    source_path = EXCLUDED.source_path,
    updated_at = now()
RETURNING *;

-- name: ListWorkspaceAgentContextResources :many
SELECT * FROM workspace_agent_context_resources WHERE agent_id = @agent_id ORDER BY source;

-- name: DeleteWorkspaceAgentContextResource :exec
DELETE FROM workspace_agent_context_resources WHERE agent_id = @agent_id AND source = @source;

-- name: DeleteChatContextResources :execrows
-- Clears a chat's pinned resources. Run in the same transaction as
-- PinChatContextResourcesFromAgent (clear, then copy).
DELETE FROM chat_context_resources WHERE chat_id = @chat_id;

-- name: PinChatContextResourcesFromAgent :execrows
-- Copies the agent's current resources into the chat's pin. Run after
-- DeleteChatContextResources in the same transaction.
INSERT INTO chat_context_resources (chat_id, source, body_kind, body, content_hash, size_bytes, status, error, source_path)
SELECT @chat_id::uuid, source, body_kind, body, content_hash, size_bytes, status, error, source_path
FROM workspace_agent_context_resources
WHERE agent_id = @agent_id;

-- name: ListChatContextResources :many
SELECT * FROM chat_context_resources WHERE chat_id = @chat_id ORDER BY source;

-- name: GetChatContextResourceStatuses :many
-- Lightweight status listing without the (possibly large) bodies.
SELECT source, body_kind, status, error, size_bytes
FROM chat_context_resources
WHERE chat_id = @chat_id AND (status <> 'ok' OR error <> '')
ORDER BY source;

-- name: CopyChatContextResources :copyfrom
-- Pins resources the server already holds (rather than the agent's current
-- rows) into a chat, with their original timestamps.
INSERT INTO chat_context_resources (chat_id, source, body_kind, body, content_hash, size_bytes, status, error, source_path, created_at, updated_at)
VALUES (@chat_id, @source, @body_kind, @body, @content_hash, @size_bytes, @status, @error, @source_path, @created_at, @updated_at);
