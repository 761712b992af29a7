package io.sanref.spi.hal;

import java.util.Map;

/**
 * How to open a HAL fabric. Unknown options are ignored by HALs that do not know them.
 *
 * @param nodeName          a name for this attachment, for logs.
 * @param sendQueueDepth    the most sends and RDMA requests outstanding per endpoint.
 * @param recvQueueDepth    the most receives outstanding per endpoint.
 * @param connectTimeoutMs  bound on a connect that nobody accepts.
 * @param options           HAL-specific options ({@code key=value}).
 */
public record HalConfig(
    String nodeName, int sendQueueDepth, int recvQueueDepth, long connectTimeoutMs, Map<String, String> options)
{
    public static final int DEFAULT_QUEUE_DEPTH = 64;
    public static final long DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

    public HalConfig
    {
        if (sendQueueDepth < 1 || recvQueueDepth < 1)
        {
            throw new IllegalArgumentException("queue depths must be at least 1");
        }
        if (connectTimeoutMs < 1)
        {
            throw new IllegalArgumentException("connect timeout must be at least 1 ms");
        }
        options = Map.copyOf(options);
    }

    public static HalConfig defaults(final String nodeName)
    {
        return new HalConfig(nodeName, DEFAULT_QUEUE_DEPTH, DEFAULT_QUEUE_DEPTH, DEFAULT_CONNECT_TIMEOUT_MS, Map.of());
    }

    public String option(final String key, final String defaultValue)
    {
        return options.getOrDefault(key, defaultValue);
    }
}
