package dev.channels.gateway.history;

import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerProperties;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Who can be let in to the history, as the settings say: the readers
 * ({@code channels.history.readers}) and whether bearer JWTs are checked
 * ({@code spring.security.oauth2.resourceserver.jwt.issuer-uri} or {@code jwk-set-uri}).
 * Spring Boot's resource server auto-configuration is left out of the application (it
 * would secure the gateway port), so the settings are bound here.
 *
 * @param history the history's settings
 * @param jwt the JWT settings, null when neither an issuer nor a JWK set is given
 */
record HistoryAccess(HistoryProperties history, OAuth2ResourceServerProperties.@Nullable Jwt jwt) {

	static final String JWT_PREFIX = "spring.security.oauth2.resourceserver.jwt";

	private static final Log logger = LogFactory.getLog(HistoryAccess.class);

	static HistoryAccess of(Environment environment) {
		Binder binder = Binder.get(environment);
		HistoryProperties history = binder.bind("channels.history", HistoryProperties.class)
			.orElseGet(() -> new HistoryProperties(List.of(), "channels", false));
		OAuth2ResourceServerProperties.Jwt jwt = binder
			.bind(JWT_PREFIX, Bindable.of(OAuth2ResourceServerProperties.Jwt.class))
			.orElse(null);
		boolean issuer = jwt != null
				&& (StringUtils.hasText(jwt.getIssuerUri()) || StringUtils.hasText(jwt.getJwkSetUri()));
		return new HistoryAccess(history, issuer ? jwt : null);
	}

	/** Whether anyone at all could read the history. */
	boolean anyReader() {
		return !this.history.readers().isEmpty() || this.jwt != null;
	}

	/** Logs, once at start-up, that nobody can read the history. */
	void warnIfNobodyCanRead() {
		if (!anyReader()) {
			logger.warn("The history is not served (404): no reader is configured. Configure channels.history.readers"
					+ " (users with encoded passwords and their channels) or a JWT issuer"
					+ " (spring.security.oauth2.resourceserver.jwt.issuer-uri or jwk-set-uri).");
		}
	}

	/**
	 * Matches when the history has a reader: without one, its routes are not registered
	 * and it answers 404.
	 */
	static final class AnyReader extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			return HistoryAccess.of(context.getEnvironment()).anyReader()
					? ConditionOutcome.match("a history reader or a JWT issuer is configured")
					: ConditionOutcome.noMatch("neither channels.history.readers nor a JWT issuer is configured");
		}

	}

}
