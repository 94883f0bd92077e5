-- name: InsertChatMessage :one
INSERT INTO chat_messages (chat_id, role, content, input_tokens, output_tokens)
VALUES (@chat_id, @role, @content, @input_tokens, @output_tokens)
RETURNING *;

-- name: GetChatMessageByID :one
SELECT * FROM chat_messages WHERE id = $1;

-- name: ListChatMessages :many
-- Messages after a cursor; pass 0 to start from the beginning.
SELECT *
FROM chat_messages
WHERE chat_id = @chat_id AND id > @after_id
ORDER BY id;

-- name: GetLastChatMessage :one
SELECT * FROM chat_messages WHERE chat_id = @chat_id ORDER BY id DESC LIMIT 1;

-- name: CountChatMessages :one
SELECT count(*) AS message_count FROM chat_messages WHERE chat_id = @chat_id;

-- name: GetChatTokenUsage :one
SELECT
    COALESCE(sum(input_tokens), 0)::bigint AS input_tokens,
    COALESCE(sum(output_tokens), 0)::bigint AS output_tokens
FROM chat_messages
WHERE chat_id = @chat_id;

-- name: DeleteChatMessagesAfter :execrows
-- Used when the user edits a message: everything after it is regenerated.
DELETE FROM chat_messages WHERE chat_id = @chat_id AND id > @after_id;

-- name: EnqueueChatMessage :one
INSERT INTO chat_queued_messages (chat_id, content) VALUES (@chat_id, @content) RETURNING *;

-- name: ListQueuedChatMessages :many
SELECT id, content, created_at FROM chat_queued_messages WHERE chat_id = @chat_id ORDER BY id;

-- name: DeleteQueuedChatMessage :exec
DELETE FROM chat_queued_messages WHERE id = @id AND chat_id = @chat_id;

-- name: CopyChatMessages :copyfrom
-- Bulk import of a chat transcript (for example when forking a chat).
INSERT INTO chat_messages (chat_id, role, content, input_tokens, output_tokens)
VALUES (@chat_id, @role, @content, @input_tokens, @output_tokens);

-- name: ListChatMessagesForChats :batchmany
-- The transcripts of several chats in one round trip.
SELECT * FROM chat_messages WHERE chat_id = @chat_id ORDER BY id;
