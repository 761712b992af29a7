package io.sanref.hal.loopback;

import io.sanref.spi.hal.HalConfig;
import org.agrona.BitUtil;

/**
 * The {@link HalConfig#options()} keys the loopback HAL reads, their defaults, and their parsed values for one
 * node. Unknown keys are ignored.
 * <p>
 * Threading: immutable once built.
 */
public final class LoopbackOptions
{
    /** Bytes of each connection direction's data ring; rounded up to a power of two, at least 1024. */
    public static final String RING_BYTES = "loopback.ringBytes";
    /** Most work requests (plus one reserved event per endpoint) outstanding on one node; sizes its CQ. */
    public static final String CREDITS = "loopback.credits";
    /** Most memory regions registered at once on one endpoint. */
    public static final String REGIONS_PER_ENDPOINT = "loopback.regionsPerEndpoint";
    /** Most endpoints alive at once on one node. */
    public static final String MAX_ENDPOINTS = "loopback.maxEndpoints";
    /** Bound on every wait: abort and deregistration waiting for an access in progress, close for reaping. */
    public static final String WAIT_TIMEOUT_MS = "loopback.waitTimeoutMs";

    public static final int DEFAULT_RING_BYTES = 64 * 1024;
    public static final int MIN_RING_BYTES = 1024;
    public static final int MAX_RING_BYTES = 1 << 30;
    public static final int DEFAULT_CREDITS = 8192;
    public static final int DEFAULT_REGIONS_PER_ENDPOINT = 64;
    public static final int MAX_REGIONS_PER_ENDPOINT = 1 << 16;
    public static final int DEFAULT_MAX_ENDPOINTS = 4096;
    public static final long DEFAULT_WAIT_TIMEOUT_MS = 1_000;

    final int ringBytes;
    final int credits;
    final int regionsPerEndpoint;
    final int maxEndpoints;
    final long waitTimeoutNs;

    private LoopbackOptions(
        final int ringBytes, final int credits, final int regionsPerEndpoint, final int maxEndpoints,
        final long waitTimeoutNs)
    {
        this.ringBytes = ringBytes;
        this.credits = credits;
        this.regionsPerEndpoint = regionsPerEndpoint;
        this.maxEndpoints = maxEndpoints;
        this.waitTimeoutNs = waitTimeoutNs;
    }

    /**
     * @param config the node's configuration.
     * @return the parsed options.
     * @throws IllegalArgumentException naming the option whose value is not usable.
     */
    public static LoopbackOptions from(final HalConfig config)
    {
        final long ringBytes = parse(config, RING_BYTES, DEFAULT_RING_BYTES, MIN_RING_BYTES, MAX_RING_BYTES);
        final long credits = parse(config, CREDITS, DEFAULT_CREDITS, 1, 1 << 24);
        final long regions = parse(
            config, REGIONS_PER_ENDPOINT, DEFAULT_REGIONS_PER_ENDPOINT, 1, MAX_REGIONS_PER_ENDPOINT);
        final long endpoints = parse(config, MAX_ENDPOINTS, DEFAULT_MAX_ENDPOINTS, 1, 1 << 20);
        final long waitMs = parse(config, WAIT_TIMEOUT_MS, DEFAULT_WAIT_TIMEOUT_MS, 1, 3_600_000);

        return new LoopbackOptions(
            BitUtil.findNextPositivePowerOfTwo((int)ringBytes),
            (int)credits,
            (int)regions,
            (int)endpoints,
            waitMs * 1_000_000L);
    }

    /** @return the data ring capacity of one connection direction, a power of two. */
    public int ringBytes()
    {
        return ringBytes;
    }

    /** @return the node's credits: work requests plus reserved events outstanding at once. */
    public int credits()
    {
        return credits;
    }

    /** @return the most regions per endpoint. */
    public int regionsPerEndpoint()
    {
        return regionsPerEndpoint;
    }

    /** @return the most live endpoints per node. */
    public int maxEndpoints()
    {
        return maxEndpoints;
    }

    /** @return the bound on each wait, in nanoseconds. */
    public long waitTimeoutNs()
    {
        return waitTimeoutNs;
    }

    private static long parse(
        final HalConfig config, final String key, final long defaultValue, final long min, final long max)
    {
        final String text = config.option(key, null);
        if (null == text)
        {
            return defaultValue;
        }

        final long value;
        try
        {
            value = Long.parseLong(text.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("option " + key + " is not a number: '" + text + "'");
        }

        if (value < min || value > max)
        {
            throw new IllegalArgumentException(
                "option " + key + "=" + value + " is out of range " + min + ".." + max);
        }

        return value;
    }
}
