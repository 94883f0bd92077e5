DROP TABLE chat_heartbeats;

DROP TABLE chat_file_attachments;
