package io.sanref.provider;

import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalListener;
import io.sanref.spi.hal.HalMemoryRegion;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One slot of the socket table, reused across generations.
 * <p>
 * Lifetime is a reference count: an open socket holds one reference, every SPI call and every completion in
 * progress holds one more. {@code closeSocket} moves the state to {@link #CLOSING} and drops the open
 * reference; whoever drops the last one makes the {@code closeSocketHandle} upcall and frees the slot (R7),
 * so completion upcalls still running on other threads have returned before it, and nothing is freed before
 * the switch called {@code closeSocket} (R8).
 * <pre>
 *   CREATED ─connect─► CONNECTING ─► CONNECTED ─peer reset─► RESET
 *      │                                  └──transport error──► ABORTED
 *      └─listen─► LISTENING          (any live state) ─closeSocket─► CLOSING ─last ref─► FREE, generation+1
 * </pre>
 * Threading: state and references by CAS from any thread; the other fields are written while the slot is
 * private (before its descriptor is handed out) or by the thread that won the state transition.
 */
final class SanSocket
{
    static final int FREE = 0;
    static final int CREATED = 1;
    static final int LISTENING = 2;
    static final int CONNECTING = 3;
    static final int CONNECTED = 4;
    /** The peer reset the connection (R6); the socket stays valid until closeSocket (R8). */
    static final int RESET = 5;
    /** The transport under the connection failed. */
    static final int ABORTED = 6;
    static final int CLOSING = 7;
    /** Being set up by accept: events that arrive meanwhile are deferred. */
    static final int ACCEPTING = 8;

    static final int INDEX_BITS = 24;
    static final long INDEX_MASK = (1L << INDEX_BITS) - 1;

    private static final VarHandle STATE;
    private static final VarHandle REFS;
    private static final VarHandle DEFERRED_EVENT;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(SanSocket.class, "state", int.class);
            REFS = lookup.findVarHandle(SanSocket.class, "refs", int.class);
            DEFERRED_EVENT = lookup.findVarHandle(SanSocket.class, "deferredEvent", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    final int index;
    final OpSlot[] ops;
    final HalMemoryRegion[] regions;
    /** Registration handles by registration slot; 0 when free, -1 while being filled. */
    final AtomicLongArray registrationHandles;

    @SuppressWarnings("unused")
    private volatile int state;
    @SuppressWarnings("unused")
    private volatile int refs;
    @SuppressWarnings("unused")
    private volatile int deferredEvent;

    volatile long generation = 1;
    volatile long switchHandle;
    volatile long connectionId;
    volatile HalEndpoint endpoint;
    volatile HalListener listener;
    volatile SanAddress localAddress;
    volatile long closeCalledNanos;
    volatile boolean closedByCleanup;
    final AtomicLong registrationGeneration = new AtomicLong();
    int claimHint;

    SanSocket(final int index, final int opsPerSocket, final int registrationsPerSocket)
    {
        this.index = index;
        ops = new OpSlot[opsPerSocket];
        for (int i = 0; i < opsPerSocket; i++)
        {
            ops[i] = new OpSlot(i);
        }
        regions = new HalMemoryRegion[registrationsPerSocket];
        registrationHandles = new AtomicLongArray(registrationsPerSocket);
    }

    static long descriptor(final int index, final long generation)
    {
        return (generation << INDEX_BITS) | index;
    }

    static int indexOf(final long descriptor)
    {
        return (int)(descriptor & INDEX_MASK);
    }

    static long generationOf(final long descriptor)
    {
        return descriptor >>> INDEX_BITS;
    }

    long descriptor()
    {
        return descriptor(index, generation);
    }

    int state()
    {
        return (int)STATE.getVolatile(this);
    }

    boolean casState(final int expected, final int update)
    {
        return STATE.compareAndSet(this, expected, update);
    }

    void state(final int update)
    {
        STATE.setVolatile(this, update);
    }

    /** Take a reference if the socket is live. */
    boolean tryAcquire()
    {
        int r;
        do
        {
            r = (int)REFS.getVolatile(this);
            if (r <= 0)
            {
                return false;
            }
        }
        while (!REFS.compareAndSet(this, r, r + 1));
        return true;
    }

    /** @return true if this dropped the last reference: the caller must finalize the socket. */
    boolean release()
    {
        return 1 == (int)REFS.getAndAdd(this, -1);
    }

    /** Make the slot live with its open reference. Only on a slot taken from the free stack. */
    void open(final int initialState)
    {
        state(initialState);
        REFS.setVolatile(this, 1);
    }

    int refs()
    {
        return (int)REFS.getVolatile(this);
    }

    void deferEvent(final int opcode)
    {
        DEFERRED_EVENT.setVolatile(this, opcode);
    }

    /** @return the deferred event opcode, taken at most once, or 0. */
    int takeDeferredEvent()
    {
        final int e = (int)DEFERRED_EVENT.getVolatile(this);
        return 0 != e && DEFERRED_EVENT.compareAndSet(this, e, 0) ? e : 0;
    }

    /** Clear everything a generation used; the caller then bumps the generation and frees the slot. */
    void clear()
    {
        switchHandle = 0;
        connectionId = 0;
        endpoint = null;
        listener = null;
        localAddress = null;
        closeCalledNanos = 0;
        closedByCleanup = false;
        DEFERRED_EVENT.setVolatile(this, 0);
        for (int i = 0; i < regions.length; i++)
        {
            regions[i] = null;
            registrationHandles.set(i, 0);
        }
    }
}
