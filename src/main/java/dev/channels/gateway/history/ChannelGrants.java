package dev.channels.gateway.history;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * The channels a reader may read: all of them, or a set. A reader's grants travel as
 * authorities ({@code CHANNEL_payments}, {@code CHANNEL_*}) of its authentication, Basic
 * or JWT alike.
 *
 * @param all whether every channel may be read
 * @param channels the channels that may be read, when not all
 */
record ChannelGrants(boolean all, Set<String> channels) {

	static final String AUTHORITY_PREFIX = "CHANNEL_";

	static final String ALL = "*";

	/** No channel at all: an authentication without a single grant. */
	static final ChannelGrants NONE = new ChannelGrants(false, Set.of());

	ChannelGrants {
		channels = Set.copyOf(channels);
	}

	/** The grants carried by an authentication's authorities. */
	static ChannelGrants of(Authentication authentication) {
		Set<String> channels = new LinkedHashSet<>();
		for (GrantedAuthority authority : authentication.getAuthorities()) {
			String name = authority.getAuthority();
			if (name != null && name.startsWith(AUTHORITY_PREFIX)) {
				channels.add(name.substring(AUTHORITY_PREFIX.length()));
			}
		}
		return new ChannelGrants(channels.contains(ALL), channels.contains(ALL) ? Set.of() : channels);
	}

	/** The authorities that grant these channels ({@code *} for all). */
	static List<GrantedAuthority> authorities(Collection<String> channels) {
		List<GrantedAuthority> authorities = new ArrayList<>();
		for (String channel : new LinkedHashSet<>(channels)) {
			authorities.add(new SimpleGrantedAuthority(AUTHORITY_PREFIX + channel.strip()));
		}
		return authorities;
	}

	boolean permits(String channel) {
		return this.all || this.channels.contains(channel);
	}

	/** The granted channels as an array, to bind to {@code channel_id = ANY($n)}. */
	String[] array() {
		return this.channels.stream().sorted().toArray(String[]::new);
	}

}
