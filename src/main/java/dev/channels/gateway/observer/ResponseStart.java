package dev.channels.gateway.observer;

import java.time.Duration;
import java.util.List;

/**
 * The sink's answer as it arrived, before any route filter changed it.
 *
 * @param status the sink's status code
 * @param headers the sink's headers in arrival order
 * @param timeToFirstByte from the request's arrival to the sink's status line and headers
 */
public record ResponseStart(int status, List<Header> headers, Duration timeToFirstByte) {
}
