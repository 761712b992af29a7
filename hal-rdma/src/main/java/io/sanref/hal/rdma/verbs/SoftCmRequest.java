package io.sanref.hal.rdma.verbs;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A connect request waiting in a listener's backlog ({@code RDMA_CM_EVENT_CONNECT_REQUEST}). Accept, reject, the
 * initiator withdrawing (abort, timeout), a closing listener and an immediate refusal race for it by CAS; exactly one
 * wins.
 * <p>
 * Threading: any thread.
 */
public final class SoftCmRequest implements CmRequest
{
    private static final int WAITING = 0;
    private static final int TAKEN = 1;
    private static final int WITHDRAWN = 2;

    final SoftCmId initiator;
    private final AtomicInteger state = new AtomicInteger(WAITING);
    /** Set once an accept (successful or not) has finished with both ids. */
    volatile boolean settled;

    SoftCmRequest(final SoftCmId initiator)
    {
        this.initiator = initiator;
    }

    /** @return the initiator's private data (for the acceptor to read before accepting). */
    public long[] privateData()
    {
        return initiator.privateData;
    }

    boolean take()
    {
        return state.compareAndSet(WAITING, TAKEN);
    }

    /** @return true for the one caller (initiator abort or timeout, closing listener) that withdraws it. */
    public boolean withdraw()
    {
        return state.compareAndSet(WAITING, WITHDRAWN);
    }

    /** @return whether the request was withdrawn, or taken and then accepted or rejected in full. */
    public boolean isSettled()
    {
        return settled || WITHDRAWN == state.get();
    }

    boolean isWaiting()
    {
        return WAITING == state.get();
    }

    /**
     * {@code rdma_accept} of a request taken from {@link SoftCmListener#getRequest}: join the two ids, exchange private
     * data, move both QPs INIT→RTR→RTS, and give the initiator ESTABLISHED.
     *
     * @param acceptor an id whose QP is in INIT with its receives posted.
     * @param rnrRetry for both QPs.
     * @return 0, or {@link Ibv#EINVAL} if either QP could not be brought up (the initiator then gets REJECTED).
     */
    public int accept(final CmId acceptorId, final int rnrRetry)
    {
        final SoftCmId acceptor = (SoftCmId)acceptorId;
        final SoftCmId client = initiator;
        System.arraycopy(client.privateData, 0, acceptor.peerPrivateData, 0, SoftCmId.PRIVATE_DATA_LONGS);
        System.arraycopy(acceptor.privateData, 0, client.peerPrivateData, 0, SoftCmId.PRIVATE_DATA_LONGS);
        final long connectionId = SoftCm.nextConnectionId();
        acceptor.connectionId = connectionId;
        client.connectionId = connectionId;
        acceptor.peer = client;
        client.peer = acceptor;

        final SoftQp serverQp = acceptor.qp;
        final SoftQp clientQp = client.qp;
        if (Ibv.QPS_RESET == serverQp.state())
        {
            serverQp.modify(Ibv.QPS_INIT);
        }
        if (0 != serverQp.modifyToRtr(clientQp, rnrRetry) || 0 != clientQp.modifyToRtr(serverQp, rnrRetry) ||
            0 != serverQp.modify(Ibv.QPS_RTS) || 0 != clientQp.modify(Ibv.QPS_RTS))
        {
            client.raise(Ibv.CM_EVENT_REJECTED);
            settled = true;
            return Ibv.EINVAL;
        }
        client.raise(Ibv.CM_EVENT_ESTABLISHED);
        acceptor.raise(Ibv.CM_EVENT_ESTABLISHED);
        settled = true;
        return 0;
    }

    /** {@code rdma_reject}: the initiator gets REJECTED. */
    public void reject()
    {
        initiator.raise(Ibv.CM_EVENT_REJECTED);
        settled = true;
    }
}
