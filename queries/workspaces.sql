-- name: CreateWorkspace :one
INSERT INTO workspaces (owner_id, name, autostart_schedule, ttl_ms)
VALUES (@owner_id, @name, @autostart_schedule, @ttl_ms)
RETURNING *;

-- name: GetWorkspaceByID :one
SELECT * FROM workspaces WHERE id = @id;

-- name: ListWorkspaces :many
-- Live workspaces, optionally only those of one owner.
SELECT *
FROM workspaces
WHERE deleted = false
    AND (sqlc.narg(owner_id)::uuid IS NULL OR owner_id = sqlc.narg(owner_id))
ORDER BY name;

-- name: GetWorkspaceWithOwner :one
SELECT w.id, w.name, w.ttl_ms, w.last_used_at, u.username AS owner_username, u.email AS owner_email
FROM workspaces w
JOIN users u ON u.id = w.owner_id
WHERE w.id = @id;

-- name: UpdateWorkspaceTTL :exec
UPDATE workspaces SET ttl_ms = sqlc.arg(ttl_ms) WHERE id = sqlc.arg(id);

-- name: UpdateWorkspaceLastUsedAt :exec
UPDATE workspaces SET last_used_at = now() WHERE id = @id;
