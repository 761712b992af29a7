package io.sanref.hal.rdma;

import io.sanref.spi.hal.HalConfig;

/**
 * The rdma HAL's options ({@link HalConfig#options()}, else system properties {@code -Dsanref.rdma.*}), parsed
 * once per fabric.
 *
 * @param engine          {@code auto} (ibverbs where a device is present, else soft), {@code soft} or {@code ibverbs}.
 * @param device          ibverbs device name ({@code ibv_devices}); empty: the first device.
 * @param bounceBuffers   private receive buffers per connection, which are also the sender's credits.
 * @param bounceBytes     bytes per private buffer: the largest chunk a send is cut into.
 * @param credits         outstanding HAL requests + reserved events per node; sizes the HAL completion ring.
 * @param cqEntries       entries of the node's verbs completion queue; each QP reserves its send + receive depth from
 *                        it, so the CQ cannot overflow (a connect or accept beyond that finds no resources).
 * @param regionsPerEndpoint registered regions per endpoint (plus the HAL's own three).
 * @param maxEndpoints    live endpoints (queue pairs) per node, at most 4096.
 * @param waitTimeoutNs   bound on every wait (abort, deregistration, QP destroy, fabric close).
 * @param rnrRetry        receiver-not-ready retries of a send (0..7, 7 = forever); the HAL's credits mean it never
 *                        needs one, so a finite value turns a credit bug into a visible error.
 */
record RdmaOptions(
    String engine,
    String device,
    int bounceBuffers,
    int bounceBytes,
    int credits,
    int cqEntries,
    int regionsPerEndpoint,
    int maxEndpoints,
    long waitTimeoutNs,
    int rnrRetry)
{
    static final String ENGINE = "rdma.engine";
    static final String DEVICE = "rdma.device";
    static final String BOUNCE_BUFFERS = "rdma.bounceBuffers";
    static final String BOUNCE_BYTES = "rdma.bounceBytes";
    static final String CREDITS = "rdma.credits";
    static final String CQ_ENTRIES = "rdma.cqEntries";
    static final String REGIONS_PER_ENDPOINT = "rdma.regionsPerEndpoint";
    static final String MAX_ENDPOINTS = "rdma.maxEndpoints";
    static final String WAIT_TIMEOUT_MS = "rdma.waitTimeoutMs";
    static final String RNR_RETRY = "rdma.rnrRetry";

    static RdmaOptions from(final HalConfig config)
    {
        final String engine = option(config, ENGINE, "auto");
        if (!"auto".equals(engine) && !"soft".equals(engine) && !"ibverbs".equals(engine))
        {
            throw new IllegalArgumentException(ENGINE + " must be auto, soft or ibverbs, not '" + engine + "'");
        }
        final int bounceBytes = intOption(config, BOUNCE_BYTES, 4096, 64, 1 << 20);
        if (0 != (bounceBytes & 7))
        {
            throw new IllegalArgumentException(BOUNCE_BYTES + " must be a multiple of 8");
        }
        return new RdmaOptions(
            engine,
            option(config, DEVICE, "").trim(),
            intOption(config, BOUNCE_BUFFERS, 16, 1, 1024),
            bounceBytes,
            intOption(config, CREDITS, 8192, 16, 1 << 22),
            intOption(config, CQ_ENTRIES, 131072, 64, 1 << 24),
            intOption(config, REGIONS_PER_ENDPOINT, 64, 1, 4000),
            intOption(config, MAX_ENDPOINTS, 4096, 1, 4096),
            intOption(config, WAIT_TIMEOUT_MS, 1000, 1, 600_000) * 1_000_000L,
            intOption(config, RNR_RETRY, 3, 0, 7));
    }

    /** A HAL option, else the system property {@code sanref.<key>} (e.g. {@code -Dsanref.rdma.engine=soft}). */
    private static String option(final HalConfig config, final String key, final String def)
    {
        return config.option(key, System.getProperty("sanref." + key, def));
    }

    private static int intOption(final HalConfig config, final String key, final int def, final int min, final int max)
    {
        final String text = option(config, key, null);
        if (null == text)
        {
            return def;
        }
        final int value;
        try
        {
            value = Integer.parseInt(text.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(key + " must be an integer, not '" + text + "'");
        }
        if (value < min || value > max)
        {
            throw new IllegalArgumentException(key + " must be in [" + min + ", " + max + "], not " + value);
        }
        return value;
    }
}
