-- Where the time went between the gateway and the sink, in microseconds from the
-- monotonic clock (see docs/design.md). Nullable columns without a default: adding them
-- rewrites nothing, whatever the table's size.
ALTER TABLE channel_events
    -- Establishing a new connection to the sink (TCP connect, and TLS handshake); null when
    -- a pooled connection was reused or none was had.
    ADD COLUMN connect_us bigint,
    -- Whether the request went out on a pooled connection; null when it got none.
    ADD COLUMN reused_connection boolean,
    -- From the request's arrival to the last request byte written to the sink; null when
    -- the request was never sent whole.
    ADD COLUMN request_sent_us bigint,
    -- From the sink's response headers to the last response byte relayed to the client;
    -- null when the response was not delivered whole.
    ADD COLUMN response_us bigint;
