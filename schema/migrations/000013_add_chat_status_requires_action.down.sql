-- PostgreSQL cannot drop a value from an enum type. Removing it would mean
-- recreating chat_status and rewriting every column and view that uses it,
-- so the 'requires_action' value is intentionally left in place.
SELECT 1;
