package io.sanref.hal.rdma.verbs;

import io.sanref.spi.SanAddress;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A connection-manager identifier ({@code rdma_cm_id}) of the soft engine, bound to one QP. Events are kept as a
 * bit set ({@code 1 << rdma_cm_event_type}) that the owner takes with {@link #takeEvents()} on its progress thread:
 * no allocation, no lost event, each reported once.
 * <p>
 * Connect ({@code rdma_connect}) puts a request in the listener's backlog or is refused at once; the listener side
 * accepts ({@link SoftCmRequest#accept}: both QPs go INIT→RTR→RTS, as {@code rdma_accept} does, and the initiator gets
 * ESTABLISHED) or rejects (REJECTED); {@link #disconnect()} gives the peer DISCONNECTED. Private data: four longs
 * each way.
 * <p>
 * Threading: any thread; {@link #takeEvents()} from the owner's progress thread.
 */
public final class SoftCmId implements CmId
{

    final SoftQp qp;
    final long[] privateData = new long[PRIVATE_DATA_LONGS];
    final long[] peerPrivateData = new long[PRIVATE_DATA_LONGS];
    private final AtomicInteger events = new AtomicInteger();
    private final AtomicBoolean disconnected = new AtomicBoolean();
    volatile SoftCmId peer;
    volatile SoftCmRequest request;
    volatile long connectionId;
    /** The initiator's own address for this connection: the listener's host, an ephemeral port. */
    volatile SanAddress sourceAddress;

    /** {@code rdma_create_id} + {@code rdma_create_qp}: the id carries this QP (in RESET or INIT). */
    public SoftCmId(final SoftQp qp)
    {
        this.qp = qp;
    }

    public SoftQp qp()
    {
        return qp;
    }

    /** @return the private data this side sends with connect or accept (fill before). */
    public long[] privateData()
    {
        return privateData;
    }

    /** @return the private data the peer sent (valid after CONNECT_REQUEST / ESTABLISHED). */
    public long[] peerPrivateData()
    {
        return peerPrivateData;
    }

    public long connectionId()
    {
        return connectionId;
    }

    /** @return the peer's address for this connection (the initiator's source address on the accepting side). */
    public SanAddress peerSourceAddress()
    {
        final SoftCmId p = peer;
        return null == p ? null : p.sourceAddress;
    }

    /** @return the pending connect request, or null. */
    public SoftCmRequest request()
    {
        return request;
    }

    /**
     * {@code rdma_connect}: move the QP to INIT (if in RESET) and queue a request at {@code address}.
     *
     * @return 0 (an ESTABLISHED or REJECTED event follows), {@link Ibv#ECONNREFUSED} (nobody listens, backlog full),
     * {@link Ibv#EINVAL} (already connecting, or the QP cannot go to INIT).
     */
    public int connect(final SanAddress address)
    {
        if (null == address || null != request || null != peer)
        {
            return Ibv.EINVAL;
        }
        if (Ibv.QPS_RESET == qp.state() && 0 != qp.modify(Ibv.QPS_INIT))
        {
            return Ibv.EINVAL;
        }
        final SoftCmRequest r = new SoftCmRequest(this);
        sourceAddress = new SanAddress(address.host(), SoftCm.nextEphemeralPort());
        request = r;
        final SoftCmListener listener = SoftCm.lookup(address);
        if (null != listener && listener.offer(r))
        {
            return 0;
        }
        if (r.withdraw())
        {
            request = null;
            return Ibv.ECONNREFUSED;
        }
        return 0;
    }

    /** Raise one event (bit). */
    void raise(final int eventType)
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

    /** @return the events raised since the last call, as a bit set {@code 1 << rdma_cm_event_type}. */
    public int takeEvents()
    {
        return 0 == events.get() ? 0 : events.getAndSet(0);
    }

    /** @return whether {@code event} was raised and not yet taken (does not take it). */
    public boolean hasPending(final int event)
    {
        return has(events.get(), event);
    }

    /** Forget a refused or withdrawn request so the id can connect again. */
    public void clearRequest()
    {
        request = null;
    }

    /** @return whether {@code event} is in the bit set {@code events}. */
    public static boolean has(final int events, final int event)
    {
        return 0 != (events & (1 << event));
    }

    /** {@code rdma_disconnect}: idempotent; the peer (if any) gets DISCONNECTED once. */
    public void disconnect()
    {
        if (disconnected.compareAndSet(false, true))
        {
            final SoftCmId p = peer;
            if (null != p)
            {
                p.raise(Ibv.CM_EVENT_DISCONNECTED);
            }
        }
    }

    public void destroy()
    {
        // the soft CM holds nothing that needs releasing
    }

    public boolean isDisconnected()
    {
        return disconnected.get();
    }
}
