package io.sanref.hal.loopback;

import io.sanref.spi.SanAddress;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one address space every loopback node in this JVM shares: listeners by address, ephemeral ports,
 * connection ids. Addresses are compared exactly as given ({@code localhost:7} and {@code 127.0.0.1:7} differ).
 * <p>
 * Threading: any thread; lock-free.
 */
final class LoopbackAddressSpace
{
    static final int FIRST_EPHEMERAL_PORT = 40_000;
    static final int LAST_EPHEMERAL_PORT = 65_535;

    private static final ConcurrentHashMap<SanAddress, LoopbackListener> LISTENERS = new ConcurrentHashMap<>();
    private static final AtomicInteger NEXT_EPHEMERAL_PORT = new AtomicInteger(FIRST_EPHEMERAL_PORT);
    private static final AtomicLong NEXT_CONNECTION_ID = new AtomicLong(1);

    private LoopbackAddressSpace()
    {
    }

    /**
     * @param requested where to bind; port 0 picks an unused ephemeral port.
     * @return the bound address, or null if it is in use (or no ephemeral port is free).
     */
    static SanAddress bind(final SanAddress requested, final LoopbackListener listener)
    {
        if (0 != requested.port())
        {
            return null == LISTENERS.putIfAbsent(requested, listener) ? requested : null;
        }

        for (int i = FIRST_EPHEMERAL_PORT; i <= LAST_EPHEMERAL_PORT; i++)
        {
            final SanAddress candidate = new SanAddress(requested.host(), nextEphemeralPort());
            if (null == LISTENERS.putIfAbsent(candidate, listener))
            {
                return candidate;
            }
        }

        return null;
    }

    static void unbind(final SanAddress address, final LoopbackListener listener)
    {
        LISTENERS.remove(address, listener);
    }

    static LoopbackListener lookup(final SanAddress address)
    {
        return LISTENERS.get(address);
    }

    static int nextEphemeralPort()
    {
        final int span = LAST_EPHEMERAL_PORT - FIRST_EPHEMERAL_PORT + 1;
        final int n = NEXT_EPHEMERAL_PORT.getAndIncrement();
        return FIRST_EPHEMERAL_PORT + Math.floorMod(n - FIRST_EPHEMERAL_PORT, span);
    }

    static long nextConnectionId()
    {
        return NEXT_CONNECTION_ID.getAndIncrement();
    }
}
