package dev.channels.gateway.recording;

import java.util.UUID;

import dev.channels.gateway.observer.RequestStart;

/**
 * The {@code channel_requests} row of a request that has not been forwarded yet.
 *
 * @param request the request as it arrived
 * @param snapshotId the {@code channel_snapshots} row of the definition it goes through
 */
record PendingRow(RequestStart request, UUID snapshotId) {
}
