package io.sanref.hal.faulty;

import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalMemoryRegion;
import io.sanref.spi.hal.HalOpcode;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * An endpoint whose posts may doom its connection and whose registrations may fail, as the plan says.
 * Threading: as {@link HalEndpoint}.
 */
final class FaultyEndpoint implements HalEndpoint
{
    private static final AtomicIntegerFieldUpdater<FaultyEndpoint> DOOM =
        AtomicIntegerFieldUpdater.newUpdater(FaultyEndpoint.class, "doom");

    final HalEndpoint inner;
    private final FaultyFabric fabric;
    /** 0, or the event opcode this connection will fail with. */
    volatile int doom;

    FaultyEndpoint(final FaultyFabric fabric, final HalEndpoint inner)
    {
        this.fabric = fabric;
        this.inner = inner;
    }

    boolean markDoomed(final int eventOpcode)
    {
        return DOOM.compareAndSet(this, 0, eventOpcode);
    }

    public long context()
    {
        return inner.context();
    }

    public int state()
    {
        return inner.state();
    }

    public long connectionId()
    {
        return inner.connectionId();
    }

    public SanAddress remoteAddress()
    {
        return inner.remoteAddress();
    }

    public int connect(final SanAddress remote, final long wrId)
    {
        return inner.connect(remote, wrId);
    }

    public int postSend(final long wrId, final ByteBuffer buffer, final int offset, final int length)
    {
        maybeFail();
        return inner.postSend(wrId, buffer, offset, length);
    }

    public int postRecv(final long wrId, final ByteBuffer buffer, final int offset, final int length)
    {
        maybeFail();
        return inner.postRecv(wrId, buffer, offset, length);
    }

    public int postRdmaWrite(
        final long wrId, final HalMemoryRegion local, final int localOffset, final int length, final long remoteKey,
        final long remoteOffset)
    {
        maybeFail();
        return inner.postRdmaWrite(wrId, local, localOffset, length, remoteKey, remoteOffset);
    }

    public int postRdmaRead(
        final long wrId, final HalMemoryRegion local, final int localOffset, final int length, final long remoteKey,
        final long remoteOffset)
    {
        maybeFail();
        return inner.postRdmaRead(wrId, local, localOffset, length, remoteKey, remoteOffset);
    }

    public HalMemoryRegion registerMemory(final ByteBuffer buffer, final int access)
    {
        if (fabric.chance(fabric.plan().registrationFailure()))
        {
            fabric.registrationFailures.incrementAndGet();
            return null;
        }
        return inner.registerMemory(buffer, access);
    }

    public int deregisterMemory(final HalMemoryRegion region)
    {
        return inner.deregisterMemory(region);
    }

    public void abort()
    {
        inner.abort();
    }

    private void maybeFail()
    {
        if (0 == doom)
        {
            final FaultPlan plan = fabric.plan();
            if (fabric.chance(plan.drop()))
            {
                fabric.doom(this, HalOpcode.EVENT_TRANSPORT_ERROR);
            }
            else if (fabric.chance(plan.crash()))
            {
                fabric.doom(this, HalOpcode.EVENT_PEER_RESET);
            }
        }
    }
}
