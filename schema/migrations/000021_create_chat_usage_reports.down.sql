DROP TABLE chat_usage_reports;

DROP TYPE chat_usage;
