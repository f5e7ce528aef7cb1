package dev.channels.gateway.recording;

import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the recording of proxied requests.
 *
 * @param previewSize Leading bytes of each request and response body to store as its
 * preview.
 * @param redactedHeaders Headers whose values are stored as "[REDACTED]", in requests and
 * responses alike. Names match case-insensitively; forwarded headers are never changed.
 * @param persistence How outcomes are written to the database.
 */
@ConfigurationProperties("channels")
@Validated
public record ChannelsProperties(@DefaultValue("64KB") DataSize previewSize,
		@DefaultValue({ "Authorization", "Proxy-Authorization", "X-API-Key", "Cookie",
				"Set-Cookie" }) List<String> redactedHeaders,
		@Valid @DefaultValue Persistence persistence) {

	/**
	 * How outcomes are written: off the request path, through a bounded queue.
	 *
	 * @param concurrency Outcome writes that may run at once.
	 * @param queueSize Outcomes that may wait for a write. Each holds up to two body
	 * previews, so this bounds the memory of a slow database. When the queue is full,
	 * further outcomes are dropped, counted and logged.
	 */
	public record Persistence(@DefaultValue("8") @Min(1) int concurrency,
			@DefaultValue("1000") @Min(1) int queueSize) {
	}

}
