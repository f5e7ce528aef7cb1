package dev.channels.gateway.recording;

import org.jspecify.annotations.Nullable;

import dev.channels.gateway.observer.RequestStart;
import dev.channels.gateway.observer.ResponseStart;

/**
 * What the recording observer threads through one exchange.
 *
 * @param request the request as it arrived
 * @param row what became of its {@code channel_requests} row
 * @param response the sink's answer, once it arrived
 */
record RecordingState(RequestStart request, Row row, @Nullable ResponseStart response) {

	RecordingState withResponse(ResponseStart response) {
		return new RecordingState(this.request, this.row, response);
	}

	/**
	 * What became of the row written before forwarding.
	 */
	enum Row {

		/** Written: the request was forwarded and its outcome closes the row. */
		WRITTEN,

		/** Not written: the request was refused and there is nothing to close. */
		NOT_WRITTEN,

		/**
		 * The insert timed out: the request was refused, but the row may still be written
		 * late, and must then be closed as not forwarded.
		 */
		UNKNOWN

	}

}
