-- name: CreateUser :one
INSERT INTO users (email, username, name, hashed_password, rbac_roles)
VALUES (@email, @username, @name, @hashed_password, @rbac_roles)
RETURNING *;

-- name: GetUserByID :one
SELECT * FROM users WHERE id = @id;

-- name: GetActiveUserByEmailOrUsername :one
-- Looks a user up by either login identifier, ignoring soft-deleted rows.
SELECT *
FROM users
WHERE (email = @email OR username = @username) AND deleted = false
LIMIT 1;

-- name: ListUsers :many
-- An omitted status returns users in every status.
SELECT *
FROM users
WHERE deleted = false
    AND (sqlc.narg(status)::user_status IS NULL OR status = sqlc.narg(status))
ORDER BY created_at, id
LIMIT @limit_count
OFFSET @offset_count;

-- name: UpdateUserProfile :one
UPDATE users
SET name = @name, username = @username
WHERE id = @id
RETURNING *;

-- name: UpdateUserLastSeenAt :exec
UPDATE users SET last_seen_at = $2 WHERE id = $1;

-- name: SoftDeleteUser :execrows
UPDATE users SET deleted = true WHERE id = @id AND deleted = false;
