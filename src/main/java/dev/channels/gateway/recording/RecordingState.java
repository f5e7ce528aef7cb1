package dev.channels.gateway.recording;

import org.jspecify.annotations.Nullable;

import dev.channels.gateway.observer.RequestStart;
import dev.channels.gateway.observer.ResponseStart;

/**
 * What the recording observer threads through one exchange.
 *
 * @param request the request as it arrived
 * @param stored whether its {@code channel_requests} row was written
 * @param response the sink's answer, once it arrived
 */
record RecordingState(RequestStart request, boolean stored, @Nullable ResponseStart response) {

	RecordingState withResponse(ResponseStart response) {
		return new RecordingState(this.request, this.stored, response);
	}

}
