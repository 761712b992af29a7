package io.sanref.hal.rdma.verbs;

import io.sanref.spi.SanAddress;

/**
 * An opened verbs device ({@code ibv_context}) with its connection manager: what the rdma HAL needs of an engine.
 * Calls return 0 or a positive errno as ints, as libibverbs does; creation returns null on failure.
 * <p>
 * Threading: creation, destruction and CM calls from any thread; {@link #pollAsyncEvents}, {@link #progressCm},
 * {@link #qp(int)} and {@link Cq#poll} from one progress thread.
 */
public interface Device
{
    String name();

    /** @return which engine this is: {@code soft} or {@code ibverbs}. */
    String engine();

    Pd allocPd(int maxRegions);

    Cq createCq(int cqe);

    /** @return 0, or {@link Ibv#EBUSY} while completions wait to be polled. */
    int destroyCq(Cq cq);

    /** An RC QP in RESET. @return null when the device has no room. */
    Qp createQp(Pd pd, Cq sendCq, Cq recvCq, int maxSendWr, int maxRecvWr);

    /**
     * Move a live QP to ERR, wait boundedly until every completion it produced was polled, then destroy it.
     *
     * @return 0, or {@link Ibv#EBUSY} past the bound (the QP stays).
     */
    int destroyQp(Qp qp);

    /**
     * @return the live QP with this number, or null. Progress thread, from within {@link Cq#poll} or
     * {@link #pollAsyncEvents} handlers (where QPs created since the last poll are known).
     */
    Qp qp(int qpNum);

    /** Deliver up to {@code max} async events ({@code ibv_get_async_event}). @return events delivered. */
    int pollAsyncEvents(AsyncEventHandler handler, int max);

    /** Take connection-manager events off the wire and raise them on their ids. @return events taken. */
    int progressCm(int max);

    /** {@code rdma_create_id} for a connection carried by {@code qp}. */
    CmId createCmId(Qp qp);

    /** {@code rdma_bind_addr} + {@code rdma_listen}. @return null if the address is taken or cannot be bound. */
    CmListener listen(SanAddress requested, int backlog);

    int qpsLive();

    int mrsLive();

    int pdsLive();

    /** Release the device context (every object of it must be gone). */
    void close();
}
