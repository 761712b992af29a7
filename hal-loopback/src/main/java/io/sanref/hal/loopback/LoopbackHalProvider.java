package io.sanref.hal.loopback;

import io.sanref.spi.hal.HalCapability;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalFabric;
import io.sanref.spi.hal.HalProvider;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The loopback HAL: an in-process fabric over Agrona ring buffers, found by {@link java.util.ServiceLoader} under
 * the name {@value #NAME}. Every node opened in one JVM shares one address space, so a client provider and a
 * server provider in the same process can connect to each other.
 * <p>
 * Threading: stateless; any thread.
 */
public final class LoopbackHalProvider implements HalProvider
{
    public static final String NAME = "loopback";

    private static final Set<HalCapability> CAPABILITIES =
        Collections.unmodifiableSet(EnumSet.of(HalCapability.SEND_RECV, HalCapability.RDMA));

    public String name()
    {
        return NAME;
    }

    public Set<HalCapability> capabilities()
    {
        return CAPABILITIES;
    }

    public String unavailableReason()
    {
        return null;
    }

    public HalFabric open(final HalConfig config)
    {
        return new LoopbackFabric(config);
    }
}
