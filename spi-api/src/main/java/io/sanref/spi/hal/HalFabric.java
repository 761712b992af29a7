package io.sanref.spi.hal;

/**
 * One node's attachment to a fabric: it creates endpoints and listeners and owns the completion queue
 * their work requests complete into.
 * <p>
 * Threading: {@link #createEndpoint}, {@link #createListener} from any thread; {@link #progress} and
 * {@link #poll} from one progress thread only; {@link #close} once, after every endpoint was aborted.
 */
public interface HalFabric extends AutoCloseable
{
    /** @return the HAL's name. */
    String halName();

    /**
     * @param context returned as the id of this endpoint's event completions.
     * @return a new, unconnected endpoint, or {@code null} if the fabric has no room.
     */
    HalEndpoint createEndpoint(long context);

    /** @return a new, unbound listener, or {@code null} if the fabric has no room. */
    HalListener createListener();

    /**
     * Move data and generate completions. Never calls the provider.
     *
     * @return how much work was done (0 when idle), for an idle strategy.
     */
    int progress();

    /**
     * Drain up to {@code limit} completions into the handler, without allocating.
     *
     * @return the number delivered.
     */
    int poll(CompletionHandler handler, int limit);

    /**
     * Gauges and counters for leak checks and reports (e.g. live endpoints, free credits, faults injected).
     * Names are the HAL's own; a value that should return to its starting value after every connection has
     * closed says so in its name ({@code *_live}, {@code *_free}).
     *
     * @return a snapshot; empty by default.
     */
    default java.util.Map<String, Long> counters()
    {
        return java.util.Map.of();
    }

    /**
     * Release the attachment. Waits, boundedly, for outstanding completions to be reaped.
     */
    void close();
}
