package io.sanref.hal.rdma.verbs;

/**
 * {@code ibv_qp} of type RC. Addresses are offsets into registered regions (see {@link Pd#registerMr}).
 * <p>
 * Threading: {@link #modify} from any thread. Posts to one QP must not run concurrently on the ibverbs engine (it
 * builds work requests in one per-QP scratch area); the soft engine allows it. The rdma HAL posts from setup before
 * the QP is published, then only from the progress thread.
 */
public interface Qp
{
    int qpNum();

    /** @return the state last set (by {@link #modify}, an error completion or a fatal event). */
    int state();

    /** {@code ibv_modify_qp} to {@code newState} (INIT, RTS, SQD, ERR, RESET). @return 0 or {@link Ibv#EINVAL}. */
    int modify(int newState);

    /**
     * {@code ibv_post_send} of one signaled work request.
     *
     * @param opcode {@link Ibv#WR_SEND}, {@link Ibv#WR_RDMA_WRITE} or {@link Ibv#WR_RDMA_READ}.
     * @return 0, {@link Ibv#EINVAL} (wrong state or opcode), {@link Ibv#ENOMEM} (send queue full).
     */
    int postSend(long wrId, int opcode, int lkey, long offset, int length, int rkey, long remoteOffset);

    /** {@code ibv_post_recv} of one request. @return 0, {@link Ibv#EINVAL}, {@link Ibv#ENOMEM}. */
    int postRecv(long wrId, int lkey, long offset, int length);

    /** Execute up to {@code max} send-queue requests: the soft engine's HCA. Hardware executes on its own: 0. */
    int process(int max);

    /** @return requests posted whose completion was not polled yet (flushes included). */
    int unreaped();

    /** @return what the owner attached ({@code qp_context}). */
    Object owner();

    void owner(Object owner);
}
