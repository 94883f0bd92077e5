DROP TABLE chat_messages;

DROP TABLE chats;

DROP TYPE chat_message_role;

DROP TYPE chat_status;
