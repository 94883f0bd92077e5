-- Adds archived and agent_id; CREATE OR REPLACE VIEW may only append columns.
CREATE OR REPLACE VIEW chat_overviews AS
SELECT
    c.id,
    c.owner_id,
    u.username AS owner_username,
    c.workspace_id,
    c.title,
    c.status,
    c.created_at,
    c.updated_at,
    count(m.id) AS message_count,
    max(m.created_at) AS last_message_at,
    c.archived,
    c.agent_id
FROM chats c
JOIN users u ON u.id = c.owner_id
LEFT JOIN chat_messages m ON m.chat_id = c.id
GROUP BY c.id, c.owner_id, u.username, c.workspace_id, c.title, c.status, c.created_at, c.updated_at, c.archived, c.agent_id;
