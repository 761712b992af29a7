package io.sanref.hal.wsd;

import io.sanref.spi.hal.HalConfig;

/**
 * The wsd HAL's options: {@link HalConfig#options()} first, then the system property {@code sanref.KEY} (so a
 * child JVM or {@code SANREF_JAVA_OPTS} can set them), then the default.
 * <p>
 * Threading: immutable.
 */
public final class WsdOptions
{
    public static final String CONNECT_TIMEOUT_MS = "wsd.connectTimeoutMs";
    public static final String HANDSHAKE_TIMEOUT_MS = "wsd.handshakeTimeoutMs";
    public static final String MAX_FRAME_BYTES = "wsd.maxFrameBytes";
    public static final String BIND_HOST = "wsd.bindHost";
    public static final String RECV_WINDOW_BYTES = "wsd.recvWindowBytes";
    public static final String IO_BUFFER_BYTES = "wsd.ioBufferBytes";
    public static final String HEARTBEAT_MS = "wsd.heartbeatMs";
    public static final String PEER_TIMEOUT_MS = "wsd.peerTimeoutMs";
    public static final String CREDITS = "wsd.credits";
    public static final String MAX_ENDPOINTS = "wsd.maxEndpoints";
    public static final String REGIONS_PER_ENDPOINT = "wsd.regionsPerEndpoint";
    public static final String WAIT_TIMEOUT_MS = "wsd.waitTimeoutMs";
    public static final String MAX_INBOUND_READS = "wsd.maxInboundReads";

    final long connectTimeoutNs;
    final long handshakeTimeoutNs;
    final int maxFrameBytes;
    final String bindHost;
    final int recvWindowBytes;
    final int ioBufferBytes;
    final long heartbeatNs;
    final long peerTimeoutNs;
    final int credits;
    final int maxEndpoints;
    final int regionsPerEndpoint;
    final long waitTimeoutNs;
    final int maxInboundReads;

    private WsdOptions(final HalConfig config)
    {
        connectTimeoutNs = ms(longOption(config, CONNECT_TIMEOUT_MS, config.connectTimeoutMs(), 1));
        handshakeTimeoutNs = ms(longOption(config, HANDSHAKE_TIMEOUT_MS, 2_000, 1));
        ioBufferBytes = (int)longOption(config, IO_BUFFER_BYTES, 16 * 1024, 1024);
        maxFrameBytes = (int)longOption(config, MAX_FRAME_BYTES, 64 * 1024, Wire.MIN_MAX_FRAME_BYTES);
        bindHost = stringOption(config, BIND_HOST, "127.0.0.1");
        recvWindowBytes = (int)longOption(config, RECV_WINDOW_BYTES, 32 * 1024, 256);
        heartbeatNs = ms(longOption(config, HEARTBEAT_MS, 1_000, 0));
        peerTimeoutNs = ms(longOption(config, PEER_TIMEOUT_MS, 10_000, 0));
        credits = (int)longOption(config, CREDITS, 8192, 16);
        maxEndpoints = (int)longOption(config, MAX_ENDPOINTS, 4096, 1);
        regionsPerEndpoint = (int)Math.min(0xFFFF, longOption(config, REGIONS_PER_ENDPOINT, 64, 1));
        waitTimeoutNs = ms(longOption(config, WAIT_TIMEOUT_MS, 1_000, 1));
        maxInboundReads = (int)longOption(config, MAX_INBOUND_READS, 64, 1);
    }

    static WsdOptions from(final HalConfig config)
    {
        return new WsdOptions(config);
    }

    static String defaultBindHost()
    {
        return System.getProperty("sanref." + BIND_HOST, "127.0.0.1");
    }

    private static long ms(final long ms)
    {
        return ms * 1_000_000L;
    }

    private static String raw(final HalConfig config, final String key)
    {
        final String v = config.options().get(key);
        return null != v ? v : System.getProperty("sanref." + key);
    }

    private static String stringOption(final HalConfig config, final String key, final String dflt)
    {
        final String v = raw(config, key);
        return null == v || v.isBlank() ? dflt : v.trim();
    }

    private static long longOption(final HalConfig config, final String key, final long dflt, final long min)
    {
        final String v = raw(config, key);
        if (null == v)
        {
            return dflt;
        }
        final long value;
        try
        {
            value = Long.parseLong(v.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("wsd option " + key + "=" + v + " is not a number");
        }
        if (value < min)
        {
            throw new IllegalArgumentException("wsd option " + key + "=" + v + " must be at least " + min);
        }
        return value;
    }
}
