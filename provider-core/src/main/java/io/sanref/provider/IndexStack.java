package io.sanref.provider;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A lock-free stack of the free slot indices {@code [0, capacity)}; a Treiber stack whose head carries a
 * version so that a pop racing a pop-push of the same index cannot corrupt it (ABA).
 * <p>
 * Threading: many pushers and poppers at once. No allocation after construction.
 */
public final class IndexStack
{
    private static final int EMPTY = -1;

    private final int[] next;
    /** High 32 bits: version; low 32 bits: index of the top, or {@link #EMPTY}. */
    private final AtomicLong head = new AtomicLong();

    public IndexStack(final int capacity)
    {
        next = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            next[i] = i + 1 < capacity ? i + 1 : EMPTY;
        }
        head.set(capacity > 0 ? 0 : EMPTY & 0xFFFF_FFFFL);
    }

    /** @return a free index, or -1 when none is left. */
    public int pop()
    {
        while (true)
        {
            final long h = head.get();
            final int top = (int)h;
            if (EMPTY == top)
            {
                return EMPTY;
            }
            final int below = next[top];
            if (head.compareAndSet(h, pack((h >>> 32) + 1, below)))
            {
                return top;
            }
        }
    }

    public void push(final int index)
    {
        while (true)
        {
            final long h = head.get();
            next[index] = (int)h;
            if (head.compareAndSet(h, pack((h >>> 32) + 1, index)))
            {
                return;
            }
        }
    }

    private static long pack(final long version, final int index)
    {
        return (version << 32) | (index & 0xFFFF_FFFFL);
    }
}
