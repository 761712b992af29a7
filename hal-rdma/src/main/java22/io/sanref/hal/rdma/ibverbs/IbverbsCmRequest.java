package io.sanref.hal.rdma.ibverbs;

import io.sanref.hal.rdma.verbs.CmId;
import io.sanref.hal.rdma.verbs.CmRequest;
import io.sanref.hal.rdma.verbs.Ibv;
import io.sanref.spi.SanAddress;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

import static io.sanref.hal.rdma.ibverbs.IbvLayout.CONN_PARAM_SIZE;

/**
 * A CONNECT_REQUEST waiting in a listener's backlog: the new {@code rdma_cm_id}, the initiator's private data and
 * address. Accepting hands the id to the acceptor's {@link IbverbsCmId} and brings its QP to RTS before
 * {@code rdma_accept}.
 */
final class IbverbsCmRequest implements CmRequest
{
    private static final int WAITING = 0;
    private static final int ACCEPTING = 1;
    private static final int ACCEPTED = 2;
    private static final int REJECTED = 3;

    private final IbverbsDevice device;
    private final MemorySegment id;
    private final long[] data;
    private final SanAddress from;
    private final AtomicInteger state = new AtomicInteger(WAITING);
    volatile int token;
    /** The initiator gave up before we answered. */
    volatile boolean gone;

    IbverbsCmRequest(final IbverbsDevice device, final MemorySegment id, final long[] data, final SanAddress from)
    {
        this.device = device;
        this.id = id;
        this.data = data.clone();
        this.from = from;
    }

    /** An event on the request's id before it was accepted: the initiator went away. */
    void onEvent(final int type)
    {
        if (Ibv.CM_EVENT_TIMEWAIT_EXIT != type)
        {
            gone = true;
        }
    }

    public boolean withdraw()
    {
        return false; // the initiator withdraws through its own id
    }

    public boolean isSettled()
    {
        final int s = state.get();
        return ACCEPTED == s || REJECTED == s;
    }

    public int accept(final CmId acceptorId, final int rnrRetry)
    {
        if (!state.compareAndSet(WAITING, ACCEPTING))
        {
            return Ibv.EINVAL;
        }
        final IbverbsCmId acceptor = (IbverbsCmId)acceptorId;
        final IbverbsQp qp = (IbverbsQp)acceptor.qp();
        if (gone || !device.sameDevice(id))
        {
            state.set(WAITING);
            reject();
            return Ibv.EINVAL;
        }
        // From here the acceptor owns the id: its events go there and it destroys the id when it retires.
        acceptor.adopt(id, token, data[0], data, from);
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment param = call.allocate(CONN_PARAM_SIZE, 8);
            device.connParam(call, param, data[0], acceptor.privateData(), qp.qpNum(), rnrRetry);
            if (0 != device.modifyByCm(id, qp, Ibv.QPS_INIT, 0) || 0 != device.modifyByCm(id, qp, Ibv.QPS_RTR, 0) ||
                0 != device.modifyByCm(id, qp, Ibv.QPS_RTS, rnrRetry) ||
                0 != (int)Native.ACCEPT.invokeExact(Native.errnoSegment(call), id, param))
            {
                final int ignored = (int)Native.REJECT.invokeExact(Native.errnoSegment(call), id, MemorySegment.NULL,
                    (byte)0);
                state.set(REJECTED);
                return Ibv.EINVAL;
            }
        }
        catch (final Throwable ex)
        {
            throw IbverbsDevice.fatal("rdma_accept", ex);
        }
        state.set(ACCEPTED);
        return 0;
    }

    public void reject()
    {
        if (state.compareAndSet(WAITING, REJECTED))
        {
            device.rejectAndDestroy(id);
            device.releaseToken(token, this);
        }
    }
}
