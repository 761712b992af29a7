package io.sanref.hal.wsd;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The work-request slots of one queue (sends and RDMA, or receives) of one endpoint: a fixed table of
 * {@code depth} slots, preallocated, with a per-slot state changed only by CAS so that the normal path, a
 * poster taking its request back, and a flush race for a slot and exactly one wins.
 * <p>
 * Order: a poster claims ticket {@code t} (slot {@code t % depth}) by CAS on {@link #tail}, only when that
 * slot's sequence says it is free for {@code t}; it fills the slot, then publishes it ({@link #POSTED}). The
 * progress thread consumes tickets in order ({@link #next}), and after completing ticket {@code t} frees its
 * slot for ticket {@code t + depth}.
 * <p>
 * Slot states: {@link #FREE} → {@link #POSTED} (poster publishes) → {@link #DELIVERING} (progress owns it) →
 * {@link #FREE} (progress completed it); {@link #POSTED} or {@link #DELIVERING} → {@link #FLUSHED} (a flush,
 * terminal: the endpoint is dead and its slots are never reused); {@link #POSTED} → {@link #FREE} (the poster
 * took it back because the endpoint died before the request was taken; the ticket is then never consumed,
 * which is fine because a dead endpoint's queue never moves again).
 * <p>
 * Threading: {@link #claim}, {@link #publish}, {@link #takeBack} from any thread (many producers);
 * {@link #flush} from any thread; the fields {@link #head}, {@link #next} and the per-slot progress fields
 * ({@link #endPositions}) only from the owning node's progress thread. The request fields of a slot are written
 * by its claimer before the volatile {@link #publish} and read by others after a volatile read of its state.
 */
final class WorkQueue
{
    static final int FREE = 0;
    static final int POSTED = 1;
    static final int DELIVERING = 2;
    static final int FLUSHED = 3;

    final int depth;
    final long[] wrIds;
    final int[] opcodes;
    final ByteBuffer[] buffers;
    final int[] offsets;
    final int[] lengths;
    final WsdMemoryRegion[] regions;
    final long[] remoteKeys;
    final long[] remoteOffsets;
    final long[] endPositions;
    /** Progress thread only: payload bytes of the request moved so far (sent, or read back). */
    final int[] progress;
    /** Progress thread only: the target acknowledged the RDMA request. */
    final boolean[] acked;

    /** Oldest ticket not yet completed. Progress thread only. */
    long head;
    /** Next ticket for progress to start. Progress thread only. */
    long next;

    private final AtomicLong tail = new AtomicLong();
    private final AtomicLongArray slotSequences;
    private final AtomicIntegerArray states;

    WorkQueue(final int depth)
    {
        this.depth = depth;
        wrIds = new long[depth];
        opcodes = new int[depth];
        buffers = new ByteBuffer[depth];
        offsets = new int[depth];
        lengths = new int[depth];
        regions = new WsdMemoryRegion[depth];
        remoteKeys = new long[depth];
        remoteOffsets = new long[depth];
        endPositions = new long[depth];
        progress = new int[depth];
        acked = new boolean[depth];
        slotSequences = new AtomicLongArray(depth);
        states = new AtomicIntegerArray(depth);
        for (int i = 0; i < depth; i++)
        {
            slotSequences.set(i, i);
        }
    }

    int index(final long ticket)
    {
        return (int)(ticket % depth);
    }

    /** @return the next ticket a poster would claim (volatile read). */
    long tail()
    {
        return tail.get();
    }

    int state(final int slot)
    {
        return states.get(slot);
    }

    boolean casState(final int slot, final int expected, final int update)
    {
        return states.compareAndSet(slot, expected, update);
    }

    /**
     * Claim the slot of the next ticket.
     *
     * @return the slot index, or -1 if the queue is full.
     */
    int claim()
    {
        while (true)
        {
            final long ticket = tail.get();
            final int slot = index(ticket);
            final long sequence = slotSequences.get(slot);
            if (sequence == ticket)
            {
                if (tail.compareAndSet(ticket, ticket + 1))
                {
                    return slot;
                }
            }
            else if (sequence < ticket)
            {
                return -1;
            }
            Thread.onSpinWait();
        }
    }

    /** Make a claimed, filled slot visible to progress and to flushes. */
    void publish(final int slot)
    {
        states.set(slot, POSTED);
    }

    /**
     * Take back a published request that nobody has taken yet (the endpoint died under the poster).
     *
     * @return true if the poster got it back (no completion will be produced); false if a flush or the
     * progress thread owns it now (its completion will be produced).
     */
    boolean takeBack(final int slot)
    {
        if (states.compareAndSet(slot, POSTED, FREE))
        {
            clear(slot);
            return true;
        }

        return false;
    }

    /**
     * Progress thread: ticket {@code ticket} in slot {@code slot} completed; the caller won the slot by CAS
     * {@link #DELIVERING} → {@link #FREE} and has written its completion. Frees the slot for ticket
     * {@code ticket + depth}.
     */
    void recycle(final int slot, final long ticket)
    {
        clear(slot);
        slotSequences.set(slot, ticket + depth);
    }

    /**
     * Complete every request still posted or in delivery with {@code status}, each exactly once (per-slot CAS
     * to {@link #FLUSHED}), in ticket order.
     *
     * @return how many this call completed.
     */
    int flush(final CompletionQueue cq, final int status)
    {
        int flushed = 0;
        final long end = tail.get();
        for (long ticket = Math.max(0, end - depth); ticket < end; ticket++)
        {
            final int slot = index(ticket);
            if (flushSlot(cq, slot, status))
            {
                flushed++;
            }
        }

        return flushed;
    }

    /**
     * Complete one slot with {@code status} if it is still outstanding.
     *
     * @return true if this call completed it.
     */
    boolean flushSlot(final CompletionQueue cq, final int slot, final int status)
    {
        while (true)
        {
            final int state = states.get(slot);
            if (POSTED != state && DELIVERING != state)
            {
                return false;
            }

            if (states.compareAndSet(slot, state, FLUSHED))
            {
                cq.write(wrIds[slot], opcodes[slot], status, 0);
                clear(slot);
                return true;
            }
        }
    }

    private void clear(final int slot)
    {
        progress[slot] = 0;
        acked[slot] = false;
        buffers[slot] = null;
        regions[slot] = null;
    }
}
