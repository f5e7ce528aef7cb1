package dev.channels.gateway.channel;

/**
 * How one channel is recorded: the global settings, with the overrides of its route's
 * metadata applied.
 *
 * @param previewLimit leading bytes of each body kept as its preview; 0 keeps none
 * @param redaction what is redacted before anything is stored
 */
public record ChannelPolicy(int previewLimit, Redaction redaction) {
}
