package io.sanref.hal.rdma.verbs;

/** A connect request: seen by the listener ({@link #accept}, {@link #reject}) and by the initiator ({@link #withdraw}). */
public interface CmRequest
{
    /** Initiator: take the request back (timeout, abort). @return false if an acceptor already took it. */
    boolean withdraw();

    /** @return whether accept or reject has finished with this request. */
    boolean isSettled();

    /**
     * {@code rdma_accept} on {@code acceptor}: bring its QP to RTS (rnr retry {@code rnrRetry}) and join the ids.
     *
     * @return 0, or an errno (withdrawn, QP cannot move): the request is then rejected.
     */
    int accept(CmId acceptor, int rnrRetry);

    /** {@code rdma_reject}. Idempotent. */
    void reject();
}
