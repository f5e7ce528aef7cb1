-- When a gateway last took each definition into use. A channel's snapshot rows are one per
-- distinct definition, so a channel whose definition goes back to an earlier one (A, B, then
-- A again) writes no new row: its newest created_at stays B's, and the history called the
-- requests through A "changed since". Every gateway now sets in_force_at when it loads or
-- refreshes its routes, on the existing row too, and the channel's current definition is
-- the one with the greatest in_force_at. See docs/design.md, "Per-channel policy and the
-- channel's snapshot".
ALTER TABLE channel_snapshots ADD COLUMN in_force_at timestamptz NOT NULL DEFAULT now();

-- The definitions written before: in force since they were first written, as far as anyone knows.
UPDATE channel_snapshots SET in_force_at = created_at;

-- "The channel's current definition": one row read from this index. The created_at one
-- served only that question.
DROP INDEX channel_snapshots_channel_created_idx;
CREATE INDEX channel_snapshots_channel_in_force_idx ON channel_snapshots (channel_id, in_force_at DESC);
