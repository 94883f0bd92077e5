-- Long-context models overflow a 32-bit token counter when usage is summed
-- per message with cache reads included.
ALTER TABLE chat_messages ALTER COLUMN input_tokens TYPE bigint;

ALTER TABLE chat_messages ALTER COLUMN output_tokens TYPE bigint;
