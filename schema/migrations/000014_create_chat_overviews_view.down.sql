DROP VIEW chat_overviews;
