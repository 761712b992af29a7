package io.sanref.hal.rdma.verbs;

import io.sanref.spi.SanAddress;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soft engine's connection-manager address space: one per JVM, shared by every soft device, so both ends of a
 * connection can live in one process. Port 0 picks an ephemeral port (50000 up). Addresses compare exactly.
 * <p>
 * Threading: any thread; lock-free.
 */
final class SoftCm
{
    private static final int FIRST_EPHEMERAL_PORT = 50_000;
    private static final int LAST_EPHEMERAL_PORT = 65_535;
    private static final ConcurrentHashMap<SanAddress, SoftCmListener> LISTENERS = new ConcurrentHashMap<>();
    private static final AtomicInteger NEXT_PORT = new AtomicInteger();
    private static final AtomicLong NEXT_CONNECTION_ID = new AtomicLong(1);

    private SoftCm()
    {
    }

    static SanAddress bind(final SanAddress requested, final SoftCmListener listener)
    {
        if (0 != requested.port())
        {
            return null == LISTENERS.putIfAbsent(requested, listener) ? requested : null;
        }
        final int span = LAST_EPHEMERAL_PORT - FIRST_EPHEMERAL_PORT + 1;
        for (int i = 0; i < span; i++)
        {
            final SanAddress candidate = new SanAddress(requested.host(), nextEphemeralPort());
            if (null == LISTENERS.putIfAbsent(candidate, listener))
            {
                return candidate;
            }
        }
        return null;
    }

    static void unbind(final SanAddress address, final SoftCmListener listener)
    {
        LISTENERS.remove(address, listener);
    }

    static SoftCmListener lookup(final SanAddress address)
    {
        return null == address ? null : LISTENERS.get(address);
    }

    /** @return an ephemeral port for an initiator's side of a connection (not bound to a listener). */
    static int nextEphemeralPort()
    {
        final int span = LAST_EPHEMERAL_PORT - FIRST_EPHEMERAL_PORT + 1;
        return FIRST_EPHEMERAL_PORT + Math.floorMod(NEXT_PORT.getAndIncrement(), span);
    }

    static long nextConnectionId()
    {
        return NEXT_CONNECTION_ID.getAndIncrement();
    }
}
