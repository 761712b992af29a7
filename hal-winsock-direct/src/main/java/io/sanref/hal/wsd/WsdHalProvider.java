package io.sanref.hal.wsd;

import io.sanref.spi.hal.HalCapability;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalFabric;
import io.sanref.spi.hal.HalProvider;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The wsd HAL: the provider over the host TCP stack (Java NIO, selector-driven, TCP_NODELAY), found by
 * {@link java.util.ServiceLoader} under the name {@value #NAME}. Both ends may live in different processes or on
 * different machines; a TCP reset from the peer is a real reset. The wire protocol is in
 * {@code docs/wire-protocol.md}.
 * <p>
 * Threading: stateless; any thread.
 */
public final class WsdHalProvider implements HalProvider
{
    public static final String NAME = "wsd";

    private static final Set<HalCapability> CAPABILITIES = Collections.unmodifiableSet(
        EnumSet.of(HalCapability.SEND_RECV, HalCapability.RDMA, HalCapability.CROSS_PROCESS));

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

    public String details()
    {
        return "TCP over Java NIO (one selector per node, driven by the progress thread), wire protocol v" +
            Wire.VERSION + "; listens on " + WsdOptions.defaultBindHost() + " unless told otherwise";
    }

    public HalFabric open(final HalConfig config)
    {
        return new WsdFabric(config);
    }
}
