package io.sanref.hal.rdma.verbs;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every engine's {@link CmId} keeps the same way: the private data both ways, the events as a bit set
 * ({@code 1 << rdma_cm_event_type}) raised from any thread and taken by the owner's progress thread (no allocation,
 * no lost event, each reported once), the pending connect request, and whether this side has disconnected.
 */
public abstract class AbstractCmId implements CmId
{
    protected final long[] privateData = new long[PRIVATE_DATA_LONGS];
    protected final long[] peerPrivateData = new long[PRIVATE_DATA_LONGS];
    protected volatile CmRequest request;
    private final AtomicInteger events = new AtomicInteger();
    private final AtomicBoolean disconnected = new AtomicBoolean();

    public final long[] privateData()
    {
        return privateData;
    }

    public final long[] peerPrivateData()
    {
        return peerPrivateData;
    }

    public final CmRequest request()
    {
        return request;
    }

    public final void clearRequest()
    {
        request = null;
    }

    /** Raise one event (its bit). Any thread. */
    protected final void raise(final int eventType)
    {
        while (true)
        {
            final int current = events.get();
            if (events.compareAndSet(current, current | (1 << eventType)))
            {
                return;
            }
        }
    }

    public final int takeEvents()
    {
        return 0 == events.get() ? 0 : events.getAndSet(0);
    }

    public final boolean hasPending(final int event)
    {
        return CmId.has(events.get(), event);
    }

    /** @return true only for the first caller, who then tells the peer. */
    protected final boolean markDisconnected()
    {
        return disconnected.compareAndSet(false, true);
    }

    public final boolean isDisconnected()
    {
        return disconnected.get();
    }
}
