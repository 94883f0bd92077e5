CREATE TABLE chat_file_attachments (
    chat_id uuid NOT NULL,
    file_id uuid NOT NULL,
    file_name text NOT NULL,
    mime_type varchar(255) NOT NULL,
    content_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT chat_file_attachments_pkey PRIMARY KEY (chat_id, file_id),
    CONSTRAINT chat_file_attachments_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES chats (id) ON DELETE CASCADE
);

-- One row per running chat: the worker that owns it and when it last checked in.
CREATE TABLE chat_heartbeats (
    chat_id uuid PRIMARY KEY REFERENCES chats (id) ON DELETE CASCADE,
    worker_id uuid NOT NULL,
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);
