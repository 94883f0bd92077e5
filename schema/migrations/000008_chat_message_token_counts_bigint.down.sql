ALTER TABLE chat_messages ALTER COLUMN output_tokens TYPE integer;

ALTER TABLE chat_messages ALTER COLUMN input_tokens TYPE integer;
