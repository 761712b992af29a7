package io.sanref.hal.support;

import io.sanref.spi.hal.HalMemoryRegion;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The work-request slots of one queue (sends and RDMA, or receives) of one HAL endpoint, shared by every HAL
 * (a HAL with per-slot progress of its own extends it and clears that in {@link #clear}): a fixed table of
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
public class WorkQueue<R extends HalMemoryRegion>
{
    public static final int FREE = 0;
    public static final int POSTED = 1;
    public static final int DELIVERING = 2;
    public static final int FLUSHED = 3;

    public final int depth;
    public final long[] wrIds;
    public final int[] opcodes;
    public final ByteBuffer[] buffers;
    public final int[] offsets;
    public final int[] lengths;
    /** Typed by {@link #region}: a generic array field would be cast to the HAL's region array type and fail. */
    private final HalMemoryRegion[] regions;
    public final long[] remoteKeys;
    public final long[] remoteOffsets;
    public final long[] endPositions;

    /** Oldest ticket not yet completed. Progress thread only. */
    public long head;
    /** Next ticket for progress to start. Progress thread only. */
    public long next;

    private final AtomicLong tail = new AtomicLong();
    private final AtomicLongArray slotSequences;
    private final AtomicIntegerArray states;

    public WorkQueue(final int depth)
    {
        this.depth = depth;
        wrIds = new long[depth];
        opcodes = new int[depth];
        buffers = new ByteBuffer[depth];
        offsets = new int[depth];
        lengths = new int[depth];
        regions = new HalMemoryRegion[depth];
        remoteKeys = new long[depth];
        remoteOffsets = new long[depth];
        endPositions = new long[depth];
        slotSequences = new AtomicLongArray(depth);
        states = new AtomicIntegerArray(depth);
        for (int i = 0; i < depth; i++)
        {
            slotSequences.set(i, i);
        }
    }

    /** Fill a slot this thread claimed with its request; {@link #publish} then makes it visible. */
    public void fill(
        final int slot,
        final long wrId,
        final int opcode,
        final ByteBuffer buffer,
        final int offset,
        final int length,
        final R region,
        final long remoteKey,
        final long remoteOffset)
    {
        wrIds[slot] = wrId;
        opcodes[slot] = opcode;
        buffers[slot] = buffer;
        offsets[slot] = offset;
        lengths[slot] = length;
        regions[slot] = region;
        remoteKeys[slot] = remoteKey;
        remoteOffsets[slot] = remoteOffset;
    }

    /** @return the registered region a slot's RDMA request names, or null. */
    @SuppressWarnings("unchecked")
    public R region(final int slot)
    {
        return (R)regions[slot];
    }

    public int index(final long ticket)
    {
        return (int)(ticket % depth);
    }

    /** @return the next ticket a poster would claim (volatile read). */
    public long tail()
    {
        return tail.get();
    }

    public int state(final int slot)
    {
        return states.get(slot);
    }

    public boolean casState(final int slot, final int expected, final int update)
    {
        return states.compareAndSet(slot, expected, update);
    }

    /**
     * Claim the slot of the next ticket.
     *
     * @return the slot index, or -1 if the queue is full.
     */
    public int claim()
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
    public void publish(final int slot)
    {
        states.set(slot, POSTED);
    }

    /**
     * Take back a published request that nobody has taken yet (the endpoint died under the poster).
     *
     * @return true if the poster got it back (no completion will be produced); false if a flush or the
     * progress thread owns it now (its completion will be produced).
     */
    public boolean takeBack(final int slot)
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
    public void recycle(final int slot, final long ticket)
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
    public int flush(final CompletionRing cq, final int status)
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
    public boolean flushSlot(final CompletionRing cq, final int slot, final int status)
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

    /** Forget a slot's request (its buffers and region) once it is done; extensions clear their own fields too. */
    protected void clear(final int slot)
    {
        buffers[slot] = null;
        regions[slot] = null;
    }
}
