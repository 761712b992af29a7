package io.sanref.hal.rdma.ibverbs;

import io.sanref.hal.rdma.verbs.Device;

/**
 * Opens an ibverbs device as a verbs {@link Device}. This is the Java 17 version: the binding needs the FFM API
 * (Java 22+), so it refuses with the probe's reason. On Java 22+ the multi-release jar replaces this class with the
 * one in {@code META-INF/versions/22}.
 */
public final class IbverbsEngine
{
    private IbverbsEngine()
    {
    }

    /**
     * @param deviceName    {@code ibv_get_device_name} of the device to open; empty for the first.
     * @param maxQps        live QPs at once.
     * @param waitTimeoutNs bound on every wait (destroy, deregistration).
     * @param rnrRetry      RNR retries of the active side's QP (0..7).
     * @throws IllegalStateException always here: the reason the engine cannot run.
     */
    public static Device open(
        final String nodeName, final String deviceName, final int maxQps, final long waitTimeoutNs, final int rnrRetry)
    {
        throw new IllegalStateException("rdma.engine=ibverbs cannot run: " + IbverbsProbe.probe().reason());
    }
}
