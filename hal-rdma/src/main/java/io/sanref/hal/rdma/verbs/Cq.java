package io.sanref.hal.rdma.verbs;

/** {@code ibv_cq}: bounded; polled by one thread. */
public interface Cq
{
    int capacity();

    /** @return completions lost to overflow (each also raised {@link Ibv#EVENT_CQ_ERR}); stays 0 in correct use. */
    long overflowCount();

    /** {@code ibv_poll_cq}: deliver up to {@code max} completions. @return completions delivered. */
    int poll(WcHandler handler, int max);
}
