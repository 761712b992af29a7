package io.sanref.hal.rdma;

import io.sanref.hal.rdma.ibverbs.IbverbsProbe;
import io.sanref.hal.rdma.ibverbs.IbverbsStatus;
import io.sanref.spi.hal.HalCapability;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalFabric;
import io.sanref.spi.hal.HalProvider;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The rdma HAL ({@value #NAME}): verbs semantics (protection domains, keyed regions, RC queue pairs whose move to
 * ERR flushes every request) over an engine: {@code ibverbs} (libibverbs through FFM, Java 22+, a device present) or
 * {@code soft} (the whole verbs model in Java, both ends in one JVM).
 * <p>
 * This build runs the data path on the soft engine only: the ibverbs binding is verified up to device enumeration
 * and the ops-table layout (see the module README). With a device present, {@code rdma.engine=auto} still runs soft
 * and {@link #details()} says so; {@code rdma.engine=ibverbs} refuses to open rather than pretend.
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
            return "engine soft; ibverbs found device(s) " + status.devices() + " but this build's data path runs on " +
                "the soft engine only (ibverbs is verified up to device enumeration)";
        }
        return "engine soft; not ibverbs: " + status.reason();
    }

    public HalFabric open(final HalConfig config)
    {
        final RdmaOptions options = RdmaOptions.from(config);
        if ("ibverbs".equals(options.engine()))
        {
            final IbverbsStatus status = ibverbs();
            throw new IllegalStateException("rdma.engine=ibverbs cannot run: " + (status.usable() ?
                "the ibverbs data path is not part of this build (devices " + status.devices() + " found)" :
                status.reason()));
        }
        return new RdmaFabric(config, options);
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
