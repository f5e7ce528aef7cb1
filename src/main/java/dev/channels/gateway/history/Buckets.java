package dev.channels.gateway.history;

import java.time.Duration;
import java.util.List;

/**
 * The width of a chart's time buckets: the narrowest of a few round widths that cuts the
 * window into at most {@value #CHOSEN} buckets (one minute up to six hours, five minutes
 * up to a day, an hour up to fifteen days, ...), so a chart has enough bars to show a
 * trend and few enough to draw them apart.
 */
final class Buckets {

	/** At most this many buckets when the reader chooses the width. */
	static final int MAX = 1000;

	/** At most this many buckets when the width is chosen from the window. */
	static final int CHOSEN = 360;

	private static final List<Duration> WIDTHS = List.of(Duration.ofMinutes(1), Duration.ofMinutes(5),
			Duration.ofMinutes(15), Duration.ofHours(1), Duration.ofHours(6), Duration.ofDays(1));

	private Buckets() {
	}

	static Duration width(Duration window) {
		for (Duration width : WIDTHS) {
			if (count(window, width) <= CHOSEN) {
				return width;
			}
		}
		// Longer than a year: whole days.
		return Duration.ofDays(count(window, Duration.ofDays(CHOSEN)));
	}

	/** How many buckets of this width the window makes, the last one possibly partial. */
	static long count(Duration window, Duration width) {
		// In whole seconds, as the widths are: no overflow for any window of instants.
		long seconds = window.getSeconds() + ((window.getNano() > 0) ? 1 : 0);
		return (seconds + width.getSeconds() - 1) / width.getSeconds();
	}

}
