-- Who sent the request, on a channel that requires client authentication: api-key:<id>,
-- basic:<username> or jwt:<sub>. Null on an open channel.
ALTER TABLE channel_requests ADD COLUMN client_auth text;

-- The history's filter by client. Partial: rows of open channels (most rows, on many
-- installations) neither grow it nor pay for it on insert.
CREATE INDEX channel_requests_client_auth_started_idx ON channel_requests (client_auth, started_at DESC, id DESC)
    WHERE client_auth IS NOT NULL;
