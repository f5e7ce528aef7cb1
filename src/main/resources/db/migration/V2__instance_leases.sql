-- Crash recovery. Each gateway instance holds a lease here that it renews while it is alive;
-- each request row names the instance that owns it. The pending rows of an instance whose
-- lease has expired (or that has none) are resolved as 'error' by the other instances.
-- Expiry uses the database's clock only, so the instances' clocks need not agree.
CREATE TABLE channel_instances (
    id          text        PRIMARY KEY,
    started_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);

-- Null for rows recorded before leases existed.
ALTER TABLE channel_requests ADD COLUMN owner text;

-- The sweeper's question, "pending rows and their owners", answered from a small index.
CREATE INDEX channel_requests_pending_owner_idx ON channel_requests (owner) WHERE state = 'pending';

-- An error event for a request whose exchange the gateway could not observe to its end (it
-- stopped, or the request was not forwarded) has no headers, bodies or latency to tell:
-- those stay null rather than made up. A sink_response event always has them.
ALTER TABLE channel_events
    ALTER COLUMN request_method DROP NOT NULL,
    ALTER COLUMN request_path DROP NOT NULL,
    ALTER COLUMN request_headers DROP NOT NULL,
    ALTER COLUMN request_body_preview DROP NOT NULL,
    ALTER COLUMN request_body_hash DROP NOT NULL,
    ALTER COLUMN request_body_size DROP NOT NULL,
    ALTER COLUMN latency_ms DROP NOT NULL,
    ADD CONSTRAINT channel_events_sink_response_complete CHECK (type = 'error' OR (
        request_method IS NOT NULL AND request_path IS NOT NULL AND request_headers IS NOT NULL
        AND request_body_preview IS NOT NULL AND request_body_hash IS NOT NULL
        AND request_body_size IS NOT NULL AND latency_ms IS NOT NULL));

-- Exactly one event per request: the outcome writes, their retries and the sweepers of several
-- instances may all try; the first to close the pending row writes the only event.
CREATE UNIQUE INDEX channel_events_one_per_request_idx ON channel_events (channel_request_id);
DROP INDEX channel_events_channel_request_idx;
