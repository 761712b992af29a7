package io.sanref.hal.loopback;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A connection request waiting in a listener's backlog. Accept, abort, the connect timeout, listener close and
 * an immediate refusal all race for it by CAS from {@link #WAITING}; exactly one wins and decides what happens
 * to the connecting endpoint.
 * <p>
 * Threading: any thread.
 */
final class ConnectRequest
{
    static final int WAITING = 0;
    static final int TAKEN = 1;
    static final int WITHDRAWN = 2;

    final LoopbackEndpoint endpoint;
    private final AtomicInteger state = new AtomicInteger(WAITING);

    ConnectRequest(final LoopbackEndpoint endpoint)
    {
        this.endpoint = endpoint;
    }

    /** @return true for the acceptor that wins the request. */
    boolean take()
    {
        return state.compareAndSet(WAITING, TAKEN);
    }

    /** @return true for the aborter, timeout, closing listener or refusal that wins the request. */
    boolean withdraw()
    {
        return state.compareAndSet(WAITING, WITHDRAWN);
    }

    boolean isWaiting()
    {
        return WAITING == state.get();
    }
}
