package io.sanref.hal.rdma.verbs;

import io.sanref.spi.SanAddress;

/**
 * {@code rdma_cm_id} of one connection, carrying one QP. Events are raised as a bit set {@code 1 << event} that the
 * owner's progress thread takes.
 */
public interface CmId
{
    /** Longs of private data each side sends with connect or accept. */
    int PRIVATE_DATA_LONGS = 4;

    Qp qp();

    /** @return the private data this side sends with connect or accept (fill before). */
    long[] privateData();

    /** @return the private data the peer sent (valid after CONNECT_REQUEST / ESTABLISHED). */
    long[] peerPrivateData();

    /** @return the connection's id, the same at both ends (valid once established or accepted). */
    long connectionId();

    /** @return the peer's address for this connection (the initiator's source address on the accepting side). */
    SanAddress peerSourceAddress();

    /** @return the pending connect request, or null. */
    CmRequest request();

    /**
     * {@code rdma_connect} to {@code address}: moves the QP to INIT if in RESET.
     *
     * @return 0 (an ESTABLISHED or REJECTED event follows), {@link Ibv#ECONNREFUSED} (refused at once),
     * {@link Ibv#EINVAL} (already connecting, or the QP cannot go to INIT).
     */
    int connect(SanAddress address);

    /** @return the events raised since the last call, as a bit set {@code 1 << rdma_cm_event_type}. */
    int takeEvents();

    /** @return whether {@code event} was raised and not yet taken (does not take it). */
    boolean hasPending(int event);

    /** Forget a refused or withdrawn request so the id can connect again. */
    void clearRequest();

    /** {@code rdma_disconnect}: idempotent; the peer (if any) gets DISCONNECTED once. */
    void disconnect();

    boolean isDisconnected();

    /** {@code rdma_destroy_id}, once the QP is gone. Idempotent. */
    void destroy();

    /** @return whether {@code event} is in the bit set {@code events}. */
    static boolean has(final int events, final int event)
    {
        return 0 != (events & (1 << event));
    }
}
