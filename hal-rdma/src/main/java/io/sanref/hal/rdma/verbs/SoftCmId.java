package io.sanref.hal.rdma.verbs;

import io.sanref.spi.SanAddress;

/**
 * A connection-manager identifier ({@code rdma_cm_id}) of the soft engine, bound to one QP; events, private data and
 * the pending request are kept as {@link AbstractCmId} keeps them.
 * <p>
 * Connect ({@code rdma_connect}) puts a request in the listener's backlog or is refused at once; the listener side
 * accepts ({@link SoftCmRequest#accept}: both QPs go INIT→RTR→RTS, as {@code rdma_accept} does, and the initiator gets
 * ESTABLISHED) or rejects (REJECTED); {@link #disconnect()} gives the peer DISCONNECTED. Private data: four longs
 * each way.
 * <p>
 * Threading: any thread; {@link #takeEvents()} from the owner's progress thread.
 */
public final class SoftCmId extends AbstractCmId
{
    final SoftQp qp;
    volatile SoftCmId peer;
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

    /** {@code rdma_disconnect}: idempotent; the peer (if any) gets DISCONNECTED once. */
    public void disconnect()
    {
        if (markDisconnected())
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
}
