-- Kept alone in its migration: a value added with ALTER TYPE ... ADD VALUE
-- cannot be used in the transaction that adds it. IF NOT EXISTS because the
-- down migration cannot remove the value, so up must be re-runnable.
ALTER TYPE chat_status ADD VALUE IF NOT EXISTS 'requires_action' AFTER 'running';
