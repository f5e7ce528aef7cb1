package dev.channels.gateway.history;

/**
 * A query parameter or path variable that the history API cannot use: answered 400 with
 * the parameter's name.
 */
final class InvalidParameterException extends RuntimeException {

	private final String parameter;

	InvalidParameterException(String parameter, String message) {
		super(parameter + " " + message);
		this.parameter = parameter;
	}

	String parameter() {
		return this.parameter;
	}

}
