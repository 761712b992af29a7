package io.sanref.hal.rdma.verbs;

import io.sanref.hal.support.BoundedWait;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * An opened soft verbs device ({@code ibv_context}): it creates protection domains, completion queues and queue
 * pairs, numbers QPs, and carries the async event queue ({@code ibv_get_async_event}).
 * <p>
 * QP numbers encode a table slot and a generation, so a completion for a destroyed QP's number never reaches a new
 * QP. Destroying a QP waits, boundedly, until every completion it produced was polled.
 * <p>
 * Threading: any thread; {@link #pollAsyncEvents} from one thread.
 */
public final class SoftDevice implements Device
{
    private static final int QP_SLOT_BITS = 12;
    private static final int QP_SLOT_MASK = (1 << QP_SLOT_BITS) - 1;

    private final String name;
    private final long waitTimeoutNs;
    private final AtomicReferenceArray<SoftQp> qps;
    private final int[] qpGenerations;
    private final RecordRing asyncEvents;
    private final AtomicLong asyncEventsLost = new AtomicLong();
    private final AtomicInteger nextCqNum = new AtomicInteger(1);
    private final RecordRing.Reader eventReader = (l, type, element, c, d) -> this.eventHandler.onEvent(type, element);
    private AsyncEventHandler eventHandler;
    final AtomicInteger qpsLive = new AtomicInteger();
    final AtomicInteger mrsLive = new AtomicInteger();
    final AtomicInteger pdsLive = new AtomicInteger();
    final AtomicInteger cqsLive = new AtomicInteger();

    /**
     * {@code ibv_open_device}.
     *
     * @param maxQps        QPs alive at once (at most 4096).
     * @param waitTimeoutNs bound on every wait (modify to ERR, deregistration, destroy).
     */
    public SoftDevice(final String name, final int maxQps, final long waitTimeoutNs)
    {
        this.name = name;
        this.waitTimeoutNs = waitTimeoutNs;
        final int size = Math.min(Math.max(1, maxQps), 1 << QP_SLOT_BITS);
        qps = new AtomicReferenceArray<>(size);
        qpGenerations = new int[size];
        asyncEvents = new RecordRing(Math.max(64, size * 4));
    }

    public String engine()
    {
        return "soft";
    }

    public int progressCm(final int max)
    {
        return 0; // the soft CM raises events on the ids directly
    }

    public SoftCmId createCmId(final Qp qp)
    {
        return new SoftCmId((SoftQp)qp);
    }

    public SoftCmListener listen(final io.sanref.spi.SanAddress requested, final int backlog)
    {
        return SoftCmListener.listen(requested, backlog);
    }

    public void close()
    {
        // nothing native to release
    }

    public String name()
    {
        return name;
    }

    public long waitTimeoutNs()
    {
        return waitTimeoutNs;
    }

    /** {@code ibv_alloc_pd}. */
    public SoftPd allocPd(final int maxRegions)
    {
        pdsLive.incrementAndGet();
        return new SoftPd(this, maxRegions);
    }

    /** {@code ibv_create_cq} with room for at least {@code cqe} completions. */
    public SoftCq createCq(final int cqe)
    {
        cqsLive.incrementAndGet();
        return new SoftCq(this, nextCqNum.getAndIncrement(), cqe);
    }

    /** {@code ibv_destroy_cq}: {@link Ibv#EBUSY} while completions wait in it. */
    public int destroyCq(final Cq c)
    {
        final SoftCq cq = (SoftCq)c;
        if (cq.size() > 0)
        {
            return Ibv.EBUSY;
        }
        if (!cq.destroyed)
        {
            cq.destroyed = true;
            cqsLive.decrementAndGet();
        }
        return 0;
    }

    /**
     * {@code ibv_create_qp} (RC), in RESET.
     *
     * @return the QP, or null if the device's QP table is full or the arguments do not fit this device.
     */
    public SoftQp createQp(
        final Pd p, final Cq sendC, final Cq recvC, final int maxSendWr, final int maxRecvWr)
    {
        final SoftPd pd = (SoftPd)p;
        final SoftCq sendCq = (SoftCq)sendC;
        final SoftCq recvCq = (SoftCq)recvC;
        if (null == pd || pd.device != this || pd.deallocated || null == sendCq || sendCq.device != this ||
            null == recvCq || recvCq.device != this || maxSendWr < 1 || maxRecvWr < 1)
        {
            return null;
        }
        for (int slot = 0, n = qps.length(); slot < n; slot++)
        {
            if (null == qps.get(slot))
            {
                final int generation;
                synchronized (qpGenerations)
                {
                    generation = ++qpGenerations[slot] & 0x7FFFF;
                }
                final int qpNum = (generation << QP_SLOT_BITS) | slot;
                final SoftQp qp = new SoftQp(this, qpNum, pd, sendCq, recvCq, maxSendWr, maxRecvWr, waitTimeoutNs);
                if (qps.compareAndSet(slot, null, qp))
                {
                    qpsLive.incrementAndGet();
                    return qp;
                }
            }
        }
        return null;
    }

    /**
     * {@code ibv_destroy_qp}, only once every completion the QP produced was polled: it waits for that, boundedly.
     * Requests still outstanding are flushed first (a QP not in RESET or ERR is moved to ERR).
     *
     * @return 0, {@link Ibv#EBUSY} if completions were still unpolled when the bound ran out (the QP stays),
     * {@link Ibv#EINVAL} if not a live QP of this device.
     */
    public int destroyQp(final Qp q)
    {
        final SoftQp qp = (SoftQp)q;
        if (null == qp || qp.device != this || qp != qps.get(qp.qpNum & QP_SLOT_MASK))
        {
            return Ibv.EINVAL;
        }
        if (Ibv.QPS_RESET != qp.state() && Ibv.QPS_ERR != qp.state())
        {
            qp.modify(Ibv.QPS_ERR);
        }
        if (!BoundedWait.until(waitTimeoutNs, () -> 0 == qp.unreaped.get()))
        {
            return Ibv.EBUSY;
        }
        qp.destroyed = true;
        if (qps.compareAndSet(qp.qpNum & QP_SLOT_MASK, qp, null))
        {
            qpsLive.decrementAndGet();
        }
        return 0;
    }

    /** @return the live QP with this number, or null. */
    public SoftQp qp(final int qpNum)
    {
        final int slot = qpNum & QP_SLOT_MASK;
        if (slot >= qps.length())
        {
            return null;
        }
        final SoftQp qp = qps.get(slot);
        return null != qp && qp.qpNum == qpNum ? qp : null;
    }

    /**
     * {@code ibv_get_async_event} + {@code ibv_ack_async_event}, without blocking.
     *
     * @return events delivered.
     */
    public int pollAsyncEvents(final AsyncEventHandler handler, final int max)
    {
        eventHandler = handler;
        try
        {
            return asyncEvents.poll(eventReader, max);
        }
        finally
        {
            eventHandler = null;
        }
    }

    /** @return async events lost because their queue was full. */
    public long asyncEventsLost()
    {
        return asyncEventsLost.get();
    }

    public int qpsLive()
    {
        return qpsLive.get();
    }

    public int mrsLive()
    {
        return mrsLive.get();
    }

    public int pdsLive()
    {
        return pdsLive.get();
    }

    public int cqsLive()
    {
        return cqsLive.get();
    }

    void raise(final int eventType, final int element)
    {
        if (!asyncEvents.offer(0, eventType, element, 0, 0))
        {
            asyncEventsLost.incrementAndGet();
        }
    }

    void reaped(final int qpNum)
    {
        final SoftQp qp = qp(qpNum);
        if (null != qp)
        {
            qp.unreaped.decrementAndGet();
        }
    }
}
