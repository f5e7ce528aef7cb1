package dev.channels.gateway.recording;

import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

import dev.channels.gateway.channel.ChannelPolicy;
import dev.channels.gateway.observer.RequestStart;
import dev.channels.gateway.observer.ResponseStart;

/**
 * What the recording observer threads through one exchange.
 *
 * @param request the request as it arrived
 * @param policy how its channel is recorded
 * @param row what became of its {@code channel_requests} row
 * @param insert the insert of that row, still running when it timed out
 * @param response the sink's answer, once it arrived
 */
record RecordingState(RequestStart request, ChannelPolicy policy, Row row, @Nullable CompletableFuture<Void> insert,
		@Nullable ResponseStart response) {

	static RecordingState written(RequestStart request, ChannelPolicy policy) {
		return new RecordingState(request, policy, Row.WRITTEN, null, null);
	}

	static RecordingState notWritten(RequestStart request, ChannelPolicy policy) {
		return new RecordingState(request, policy, Row.NOT_WRITTEN, null, null);
	}

	static RecordingState timedOut(RequestStart request, ChannelPolicy policy, CompletableFuture<Void> insert) {
		return new RecordingState(request, policy, Row.TIMED_OUT, insert, null);
	}

	RecordingState withResponse(ResponseStart response) {
		return new RecordingState(this.request, this.policy, this.row, this.insert, response);
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
		 * The insert timed out and the request was refused, but the insert goes on: if it
		 * commits late, the row it wrote is closed as not forwarded.
		 */
		TIMED_OUT

	}

}
