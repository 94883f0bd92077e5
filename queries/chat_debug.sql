-- name: InsertChatDebugRun :one
INSERT INTO chat_debug_runs (chat_id, model, provider) VALUES (@chat_id, @model, @provider)
RETURNING *;

-- name: CopyChatDebugSteps :copyfrom
-- The steps of a run, written in bulk when the run ends.
INSERT INTO chat_debug_steps (run_id, chat_id, step_number, request, response, tool_names, duration_ms, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: ListChatDebugSteps :many
SELECT * FROM chat_debug_steps WHERE run_id = @run_id ORDER BY step_number;
