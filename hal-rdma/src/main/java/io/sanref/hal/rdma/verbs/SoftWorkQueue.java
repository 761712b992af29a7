package io.sanref.hal.rdma.verbs;

import io.sanref.hal.support.BoundedWait;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The work-queue entries of one send or receive queue: {@code depth} preallocated slots. A slot's state changes only
 * by CAS, so execution and a flush race for it and exactly one completes it.
 * <p>
 * Tickets: a poster claims ticket {@code t} (slot {@code t % depth}) by CAS on {@code tail} when the slot's sequence
 * equals {@code t}, fills it and publishes it ({@link #POSTED}). Whoever completes ticket {@code t} (execution or a
 * flush) sets the slot {@link #FREE} and its sequence to {@code t + depth}, freeing it for the next lap. The consumer
 * (the executing QP's owner for a send queue, the peer's executor for a receive queue; one thread either way) takes
 * tickets in order from {@code head}.
 * <p>
 * States: FREE → POSTED (poster) → EXECUTING (consumer) → FREE (completed); POSTED → FLUSHING → FREE (a flush).
 * <p>
 * Threading: {@link #claim}/{@link #publish} from any thread; {@link #take}/{@link #complete} from the one
 * consumer; {@link #flushSlot} from any thread. Request fields are written before the volatile publish and read after
 * a volatile read of the state.
 */
final class SoftWorkQueue
{
    static final int FREE = 0;
    static final int POSTED = 1;
    static final int EXECUTING = 2;
    static final int FLUSHING = 3;

    final int depth;
    final long[] wrIds;
    final int[] opcodes;
    final int[] lkeys;
    final long[] offsets;
    final int[] lengths;
    final int[] rkeys;
    final long[] remoteOffsets;

    /** Oldest ticket the consumer has not taken. Consumer only. */
    long head;

    private final AtomicLong tail = new AtomicLong();
    private final AtomicLongArray sequences;
    private final AtomicIntegerArray states;

    SoftWorkQueue(final int depth)
    {
        this.depth = depth;
        wrIds = new long[depth];
        opcodes = new int[depth];
        lkeys = new int[depth];
        offsets = new long[depth];
        lengths = new int[depth];
        rkeys = new int[depth];
        remoteOffsets = new long[depth];
        sequences = new AtomicLongArray(depth);
        states = new AtomicIntegerArray(depth);
        reset();
    }

    /** Back to empty; only while nobody posts or consumes (a QP modified to RESET). */
    void reset()
    {
        head = 0;
        tail.set(0);
        for (int i = 0; i < depth; i++)
        {
            states.set(i, FREE);
            sequences.set(i, i);
        }
    }

    int index(final long ticket)
    {
        return (int)(ticket % depth);
    }

    long tail()
    {
        return tail.get();
    }

    int state(final int slot)
    {
        return states.get(slot);
    }

    /** @return the claimed ticket (slot {@code index(ticket)}), or -1 if the queue is full. */
    long claim()
    {
        while (true)
        {
            final long ticket = tail.get();
            final int slot = index(ticket);
            final long sequence = sequences.get(slot);
            if (sequence == ticket)
            {
                if (tail.compareAndSet(ticket, ticket + 1))
                {
                    return ticket;
                }
            }
            else if (sequence < ticket)
            {
                return -1;
            }
            Thread.onSpinWait();
        }
    }

    void publish(final int slot)
    {
        states.set(slot, POSTED);
    }

    /**
     * Consumer: take the head request for execution. Skips tickets a flush already completed.
     *
     * @return the slot now {@link #EXECUTING}, or -1 if the head is not posted (empty, or a poster still filling).
     */
    int take()
    {
        while (head < tail.get())
        {
            final int slot = index(head);
            final long sequence = sequences.get(slot);
            if (sequence > head)
            {
                head++; // completed by a flush already
                continue;
            }
            if (sequence != head || !states.compareAndSet(slot, POSTED, EXECUTING))
            {
                return -1;
            }
            if (sequences.get(slot) != head)
            {
                states.set(slot, POSTED); // a later lap's request: not ours
                return -1;
            }
            return slot;
        }
        return -1;
    }

    /** Consumer: return a taken request untouched (it stays at the head). */
    void untake(final int slot)
    {
        states.set(slot, POSTED);
    }

    /** Consumer: the taken head request was completed (its completion written); free its slot. */
    void complete(final int slot)
    {
        final long ticket = head++;
        states.set(slot, FREE);
        sequences.set(slot, ticket + depth);
    }

    /**
     * Complete ticket {@code ticket} as flushed if it is still posted, waiting, boundedly, for an execution in
     * progress to finish first (so flushes keep posting order).
     *
     * @return true if this call wrote the flush completion.
     */
    boolean flushTicket(final SoftQp qp, final SoftCq cq, final long ticket, final long timeoutNs)
    {
        final int slot = index(ticket);
        if (sequences.get(slot) != ticket)
        {
            return false;
        }
        if (EXECUTING == states.get(slot))
        {
            BoundedWait.until(timeoutNs, () -> EXECUTING != states.get(slot) || sequences.get(slot) != ticket);
        }
        if (sequences.get(slot) != ticket || !states.compareAndSet(slot, POSTED, FLUSHING))
        {
            return false;
        }
        if (sequences.get(slot) != ticket)
        {
            states.set(slot, POSTED);
            return false;
        }
        qp.writeCompletion(cq, wrIds[slot], Ibv.WC_WR_FLUSH_ERR, wcOpcode(opcodes[slot]), 0, false);
        states.set(slot, FREE);
        sequences.set(slot, ticket + depth);
        return true;
    }

    /** Flush every posted request, in ticket order. @return how many this call flushed. */
    int flushAll(final SoftQp qp, final SoftCq cq, final long timeoutNs)
    {
        int flushed = 0;
        final long end = tail.get();
        for (long ticket = Math.max(0, end - depth); ticket < end; ticket++)
        {
            if (flushTicket(qp, cq, ticket, timeoutNs))
            {
                flushed++;
            }
        }
        return flushed;
    }

    /** @return whether any request is posted or executing. */
    boolean isIdle()
    {
        for (int i = 0; i < depth; i++)
        {
            final int state = states.get(i);
            if (POSTED == state || EXECUTING == state || FLUSHING == state)
            {
                return false;
            }
        }
        return true;
    }

    static int wcOpcode(final int wrOpcode)
    {
        switch (wrOpcode)
        {
            case Ibv.WR_RDMA_WRITE: return Ibv.WC_RDMA_WRITE;
            case Ibv.WR_RDMA_READ: return Ibv.WC_RDMA_READ;
            case Ibv.WR_RECV: return Ibv.WC_RECV;
            default: return Ibv.WC_SEND;
        }
    }
}
