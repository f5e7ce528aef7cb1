package dev.channels.gateway.history;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.util.MultiValueMap;

/**
 * Reads the history API's parameters, strictly: a value that is present must be valid, or
 * the request is answered 400 naming the parameter. Nothing is guessed or clamped.
 */
final class Parameters {

	/** The states a request can be in, as stored in {@code channel_requests.state}. */
	static final List<String> STATES = List.of("pending", "success", "failed", "timeout", "error");

	// The canonical form only: UUID.fromString also takes "1-2-3-4-5".
	private static final Pattern UUID_TEXT = Pattern
		.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

	private static final Pattern SHORT_DURATION = Pattern.compile("([0-9]{1,9})([smhd])");

	private final MultiValueMap<String, String> values;

	Parameters(MultiValueMap<String, String> values) {
		this.values = values;
	}

	/**
	 * The parameter's value, absent when it is missing or empty (an empty form field).
	 */
	Optional<String> text(String name) {
		List<String> all = this.values.get(name);
		if (all == null || all.isEmpty()) {
			return Optional.empty();
		}
		if (all.size() > 1) {
			throw new InvalidParameterException(name, "is given more than once");
		}
		String value = all.get(0);
		return (value == null || value.isEmpty()) ? Optional.empty() : Optional.of(value);
	}

	Optional<String> state(String name) {
		return text(name).map((state) -> {
			if (!STATES.contains(state)) {
				throw new InvalidParameterException(name, "must be one of " + String.join(", ", STATES));
			}
			return state;
		});
	}

	Optional<Instant> instant(String name) {
		return text(name).map((text) -> {
			try {
				// With or without seconds and fraction, with Z or an offset.
				return OffsetDateTime.parse(text).toInstant();
			}
			catch (DateTimeParseException ex) {
				throw new InvalidParameterException(name,
						"must be an ISO-8601 instant such as 2026-01-31T12:00:00Z (with an offset, encode '+' as %2B)");
			}
		});
	}

	Optional<Integer> integer(String name, int min, int max) {
		return text(name).map((text) -> {
			int value;
			try {
				value = Integer.parseInt(text);
			}
			catch (NumberFormatException ex) {
				throw new InvalidParameterException(name, "must be an integer from " + min + " to " + max);
			}
			if (value < min || value > max) {
				throw new InvalidParameterException(name, "must be an integer from " + min + " to " + max);
			}
			return value;
		});
	}

	/**
	 * A duration of whole seconds, at least one: ISO-8601 ({@code PT5M}) or a number and
	 * a unit, {@code s}, {@code m}, {@code h} or {@code d} ({@code 5m}).
	 */
	Optional<Duration> duration(String name) {
		return text(name).map((text) -> {
			Duration duration;
			try {
				Matcher unitForm = SHORT_DURATION.matcher(text);
				duration = unitForm.matches() ? Duration.of(Long.parseLong(unitForm.group(1)), unit(unitForm.group(2)))
						: Duration.parse(text);
			}
			catch (DateTimeParseException | ArithmeticException | NumberFormatException ex) {
				throw new InvalidParameterException(name, "must be a duration such as 1m, 5m, 1h or PT5M");
			}
			if (duration.getNano() != 0 || duration.getSeconds() < 1) {
				throw new InvalidParameterException(name, "must be a whole number of seconds, at least 1");
			}
			return duration;
		});
	}

	private static ChronoUnit unit(String unit) {
		return switch (unit) {
			case "s" -> ChronoUnit.SECONDS;
			case "m" -> ChronoUnit.MINUTES;
			case "h" -> ChronoUnit.HOURS;
			default -> ChronoUnit.DAYS;
		};
	}

	/** A UUID in its canonical form, for a parameter or a path variable. */
	static UUID uuid(String name, String text) {
		if (!UUID_TEXT.matcher(text).matches()) {
			throw new InvalidParameterException(name, "must be a UUID");
		}
		return UUID.fromString(text);
	}

}
