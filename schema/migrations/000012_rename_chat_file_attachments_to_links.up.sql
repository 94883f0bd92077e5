-- The rows link a chat to an uploaded file; the file itself lives elsewhere.
ALTER TABLE chat_file_attachments RENAME TO chat_file_links;

ALTER TABLE chat_file_links RENAME CONSTRAINT chat_file_attachments_pkey TO chat_file_links_pkey;

ALTER TABLE chat_file_links RENAME CONSTRAINT chat_file_attachments_chat_id_fkey TO chat_file_links_chat_id_fkey;
