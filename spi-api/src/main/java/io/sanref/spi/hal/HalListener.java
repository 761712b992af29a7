package io.sanref.spi.hal;

import io.sanref.spi.SanAddress;

/**
 * Accepts connection requests at an address. A full backlog refuses new requests at once (R10).
 * <p>
 * Threading: any thread; {@link #close} is idempotent.
 */
public interface HalListener
{
    /**
     * @param address where to listen; port 0 picks an ephemeral port.
     * @param backlog most connection requests waiting for {@link #accept}.
     * @return a {@link HalStatus}.
     */
    int listen(SanAddress address, int backlog);

    /** @return the bound address (with the actual port), or {@code null} before {@link #listen}. */
    SanAddress localAddress();

    /**
     * Take one waiting connection request and make it an active endpoint.
     *
     * @param context returned as the id of the new endpoint's event completions.
     * @return the endpoint, or {@code null} if none waits.
     */
    HalEndpoint accept(long context);

    /** Stop listening; waiting requests are refused and their initiators see a reset. */
    void close();
}
