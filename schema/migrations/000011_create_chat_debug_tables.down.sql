DROP TABLE chat_debug_steps;

DROP TABLE chat_debug_runs;
