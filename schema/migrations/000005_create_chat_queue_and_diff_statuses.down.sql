DROP TABLE chat_diff_statuses;

DROP TABLE chat_queued_messages;
