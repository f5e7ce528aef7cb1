package dev.channels.gateway.observer;

import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * An error and the causes it wraps, outermost first: the one way the project looks into
 * an error. The gateway, reactor-netty, R2DBC and Spring wrap the exception that says
 * what happened, so a decision (what to tell the client, whether a write may pass) is
 * taken on the chain, not on the outermost error.
 */
public final class Causes {

	// A chain this deep is a cycle (a cause set back to an earlier error), not a real
	// one.
	private static final int MAX_DEPTH = 64;

	private Causes() {
	}

	/** The error, then its cause, then that one's, and so on. */
	public static Stream<Throwable> of(Throwable error) {
		return Stream.iterate(error, (cause) -> cause != null, Throwable::getCause).limit(MAX_DEPTH);
	}

	/** The outermost error in the chain of the given type. */
	public static <T extends Throwable> Optional<T> find(Throwable error, Class<T> type) {
		return of(error).filter(type::isInstance).map(type::cast).findFirst();
	}

	/** Whether any error in the chain matches. */
	public static boolean any(Throwable error, Predicate<Throwable> test) {
		return of(error).anyMatch(test);
	}

	/** The innermost cause: what happened, without the wrappers' words. */
	public static Throwable root(Throwable error) {
		return of(error).reduce((outer, inner) -> inner).orElse(error);
	}

}
