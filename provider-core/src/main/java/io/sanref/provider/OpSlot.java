package io.sanref.provider;

import io.sanref.spi.Overlapped;
import io.sanref.spi.hal.HalMemoryRegion;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * One pending-operation slot of a socket. Exactly-once completion comes from its state word: the completion
 * path and the abort path both try {@code PENDING → COMPLETING} by CAS and only the winner reports.
 * <p>
 * The word packs a 32-bit sequence with a 3-bit state. The sequence is part of the work-request id, so a
 * completion for an earlier use of the slot fails its CAS and is dropped.
 * <pre>
 *   FREE ─claim─► CLAIMED ─publish─► PENDING ─win CAS─► COMPLETING ─journaled─► FREE(seq+1) ─► overlapped, upcall
 * </pre>
 * Threading: the fields other than the word are written by the claiming thread before {@code PENDING} is
 * published and read by the CAS winner after; the word orders them.
 */
final class OpSlot
{
    static final int FREE = 0;
    static final int CLAIMED = 1;
    static final int PENDING = 2;
    /** Won by a completer that has not yet journaled its completion. */
    static final int COMPLETING = 3;

    static final int STATE_BITS = 3;
    static final long STATE_MASK = (1L << STATE_BITS) - 1;
    static final long SEQ_MASK = 0xFFFF_FFFFL;

    private static final VarHandle WORD;

    static
    {
        try
        {
            WORD = MethodHandles.lookup().findVarHandle(OpSlot.class, "word", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    final int index;
    @SuppressWarnings("unused")
    private volatile long word;

    int kind;
    Overlapped overlapped;
    ByteBuffer buffer;
    HalMemoryRegion region;

    OpSlot(final int index)
    {
        this.index = index;
    }

    static long word(final long seq, final int state)
    {
        return (seq << STATE_BITS) | state;
    }

    static int stateOf(final long word)
    {
        return (int)(word & STATE_MASK);
    }

    static long seqOf(final long word)
    {
        return word >>> STATE_BITS;
    }

    long word()
    {
        return (long)WORD.getVolatile(this);
    }

    boolean cas(final long expected, final long update)
    {
        return WORD.compareAndSet(this, expected, update);
    }

    void set(final long update)
    {
        WORD.setVolatile(this, update);
    }

    /** Try {@code FREE → CLAIMED}. @return the claimed sequence, or -1. */
    long tryClaim()
    {
        final long w = word();
        if (FREE == stateOf(w) && cas(w, word(seqOf(w), CLAIMED)))
        {
            return seqOf(w);
        }
        return -1;
    }

    /** Try {@code PENDING → COMPLETING} for the given sequence: the exactly-once gate. */
    boolean tryWin(final long seq)
    {
        return cas(word(seq, PENDING), word(seq, COMPLETING));
    }

    /** Drop the references the operation held: its memory, released before its completion (R5). */
    void releaseMemory()
    {
        buffer = null;
        region = null;
    }

    /** End of the slot's use: advance the sequence and free it. */
    void free(final long seq)
    {
        overlapped = null;
        kind = 0;
        set(word((seq + 1) & SEQ_MASK, FREE));
    }
}
