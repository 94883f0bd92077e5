-- name: UpsertChatUsageReport :one
-- Records a chat's usage, replacing its previous report.
INSERT INTO chat_usage_reports (chat_id, total, turns, budget)
VALUES (@chat_id, @total, @turns, @budget)
ON CONFLICT (chat_id) DO UPDATE SET
    total = EXCLUDED.total,
    turns = EXCLUDED.turns,
    budget = EXCLUDED.budget,
    updated_at = now()
RETURNING *;

-- name: GetChatUsageReport :one
SELECT * FROM chat_usage_reports WHERE chat_id = @chat_id;

-- name: ListChatsOverBudget :many
-- Chats whose total cost exceeds their budget, most over first.
SELECT chat_id, total, budget, ((total).cost - (budget).cost)::numeric(12,6) AS overspend
FROM chat_usage_reports
-- Not "budget IS NOT NULL": for a row value that is true only when no attribute is NULL.
WHERE (total).cost > (budget).cost
ORDER BY overspend DESC, chat_id;
