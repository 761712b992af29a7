package io.sanref.spi.hal;

import java.util.Set;

/**
 * A hardware abstraction layer, found by name through {@link java.util.ServiceLoader} (see {@link Hals}).
 */
public interface HalProvider
{
    /** @return the name users pick it by: {@code loopback}, {@code rdma}, {@code wsd}. */
    String name();

    /** @return what it supports. */
    Set<HalCapability> capabilities();

    /** @return {@code null} when it can run here; otherwise one sentence saying why not. */
    String unavailableReason();

    /**
     * @return one line on what runs underneath and why, for {@code sanref hals} (for example which engine a HAL
     * picked and, when it fell back, exactly why); empty when there is nothing to add.
     */
    default String details()
    {
        return "";
    }

    /**
     * Attach one node (one provider instance) to the fabric.
     *
     * @param config sizes and options.
     * @return the fabric attachment.
     * @throws IllegalStateException with a clear reason when the HAL cannot run here.
     */
    HalFabric open(HalConfig config);
}
