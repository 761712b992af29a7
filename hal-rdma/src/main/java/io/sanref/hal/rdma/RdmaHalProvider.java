package io.sanref.hal.rdma;

import io.sanref.hal.rdma.ibverbs.IbverbsEngine;
import io.sanref.hal.rdma.ibverbs.IbverbsProbe;
import io.sanref.hal.rdma.ibverbs.IbverbsStatus;
import io.sanref.hal.rdma.verbs.Device;
import io.sanref.hal.rdma.verbs.SoftDevice;
import io.sanref.spi.hal.HalCapability;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalFabric;
import io.sanref.spi.hal.HalProvider;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The rdma HAL ({@value #NAME}): verbs semantics (protection domains, keyed regions, RC queue pairs whose move to
 * ERR flushes every request) over an engine: {@code ibverbs} (libibverbs and librdmacm through FFM, Java 22+, a device
 * present) or {@code soft} (the whole verbs model in Java, both ends in one JVM). {@code rdma.engine=auto} takes
 * ibverbs when the probe finds a device, soft otherwise, and {@link #details()} says which and why.
 * <p>
 * Threading: any thread; the probe runs once.
 */
public final class RdmaHalProvider implements HalProvider
{
    public static final String NAME = "rdma";

    private static final Set<HalCapability> CAPABILITIES =
        Collections.unmodifiableSet(EnumSet.of(HalCapability.SEND_RECV, HalCapability.RDMA));

    private static volatile IbverbsStatus probed;

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
        final IbverbsStatus status = ibverbs();
        if (status.usable())
        {
            return "engine ibverbs (auto): " + status.reason();
        }
        return "engine soft; not ibverbs: " + status.reason();
    }

    public HalFabric open(final HalConfig config)
    {
        final RdmaOptions options = RdmaOptions.from(config);
        final boolean ibverbs = "ibverbs".equals(options.engine()) ||
            ("auto".equals(options.engine()) && ibverbs().usable());
        final Device device = ibverbs ?
            IbverbsEngine.open(config.nodeName(), options.device(), options.maxEndpoints(), options.waitTimeoutNs(),
                options.rnrRetry()) :
            new SoftDevice(config.nodeName(), options.maxEndpoints(), options.waitTimeoutNs());
        return new RdmaFabric(config, options, device);
    }

    /** @return the probe's answer, computed once. */
    public static IbverbsStatus ibverbs()
    {
        IbverbsStatus status = probed;
        if (null == status)
        {
            status = IbverbsProbe.probe();
            probed = status;
        }
        return status;
    }
}
