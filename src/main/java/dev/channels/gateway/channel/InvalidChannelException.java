package dev.channels.gateway.channel;

/**
 * A channel whose route metadata holds an override that cannot be applied. At start-up it
 * stops the gateway; after a refresh, requests through the channel fail with 500 and are
 * not forwarded until its route is fixed.
 */
public class InvalidChannelException extends IllegalArgumentException {

	public InvalidChannelException(String channelId, String reason) {
		super("Channel '" + channelId + "' has invalid metadata: " + reason);
	}

}
