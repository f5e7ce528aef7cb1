package dev.channels.gateway.recording;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

/**
 * Writes one outcome. When the write fails, the request is still closed as {@code error}:
 * first with an error event that says why, leaving out the headers and previews that may
 * have caused the failure, and if even that fails, by its state alone.
 */
class CompletionWriter {

	private static final Log logger = LogFactory.getLog(CompletionWriter.class);

	private final RequestRecords records;

	CompletionWriter(RequestRecords records) {
		this.records = records;
	}

	Mono<Void> write(Completion completion) {
		// Deferred, so that a failure while building the statement takes the fallback too.
		return Mono.defer(() -> this.records.complete(completion)).onErrorResume((error) -> {
			String reason = "recording the outcome failed: " + error.getMessage();
			logger.error("Request " + completion.requestId() + " on channel " + completion.channelId() + ": "
					+ reason + "; marking it error");
			return Mono.defer(() -> this.records.completeAsError(completion, reason)).onErrorResume((again) -> {
				logger.error("Request " + completion.requestId() + ": error event could not be written either: "
						+ again.getMessage() + "; marking its state only");
				return this.records.markError(completion);
			});
		});
	}

}
