-- One row per proxied request, inserted (state 'pending') before the request is forwarded.
CREATE TABLE channel_requests (
    id              uuid        PRIMARY KEY,
    channel_id      text        NOT NULL,
    state           text        NOT NULL DEFAULT 'pending'
                                CHECK (state IN ('pending', 'success', 'failed', 'timeout', 'error')),
    client_identity text,
    started_at      timestamptz NOT NULL,
    completed_at    timestamptz
);

-- "The latest requests of a channel", newest first, with keyset pagination on (started_at, id).
CREATE INDEX channel_requests_channel_started_idx ON channel_requests (channel_id, started_at DESC, id DESC);
-- "Requests in a state", newest first; pending and error rows are what operators look for.
CREATE INDEX channel_requests_state_started_idx ON channel_requests (state, started_at DESC);

-- The outcome of a request: what was sent, what came back, how long it took.
CREATE TABLE channel_events (
    id                    uuid        PRIMARY KEY,
    channel_request_id    uuid        NOT NULL REFERENCES channel_requests (id) ON DELETE CASCADE,
    type                  text        NOT NULL CHECK (type IN ('sink_response', 'error')),
    request_method        text        NOT NULL,
    request_path          text        NOT NULL,
    request_query         text,
    sink_url              text,
    request_headers       jsonb       NOT NULL,
    request_body_preview  bytea       NOT NULL,
    request_body_hash     char(64)    NOT NULL,
    request_body_size     bigint      NOT NULL,
    response_status       smallint,
    response_headers      jsonb,
    response_body_preview bytea,
    response_body_hash    char(64),
    response_body_size    bigint,
    latency_ms            integer     NOT NULL,
    ttfb_ms               integer,
    error_message         text,
    inserted_at           timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX channel_events_channel_request_idx ON channel_events (channel_request_id);
