package dev.channels.gateway.access;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may send through the channels.
 *
 * @param requireClientAuth Whether every channel must require client credentials (route
 * metadata {@code client-auth}). When set, the gateway refuses to start while any channel
 * admits anyone, and a channel that a route refresh leaves open answers 500 and forwards
 * nothing.
 */
@ConfigurationProperties("channels.access")
public record AccessProperties(@DefaultValue("false") boolean requireClientAuth) {
}
