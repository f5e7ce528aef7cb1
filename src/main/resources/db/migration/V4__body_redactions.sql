-- Which rules changed which body preview, and how many values: a reader knows that a
-- preview is not the bytes as received. Null when nothing was replaced.
-- {"request": {"fields": {"password": 1}, "received_bytes": 1024}, "response": {...}}: by body,
-- how many values of each field were replaced, and the preview's length as received (the
-- redacted preview's own length is no measure of whether it holds the whole body).
ALTER TABLE channel_events ADD COLUMN redactions jsonb;
