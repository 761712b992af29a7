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
     * Attach one node (one provider instance) to the fabric.
     *
     * @param config sizes and options.
     * @return the fabric attachment.
     * @throws IllegalStateException with a clear reason when the HAL cannot run here.
     */
    HalFabric open(HalConfig config);
}
