package io.sanref.hal.rdma.verbs;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A bounded many-producer, one-consumer ring of fixed records (one long and four ints), preallocated: the soft
 * engine's completion queues and async event queue. A producer claims position {@code p} by CAS on the tail when
 * the slot's sequence equals {@code p}, writes the fields, then publishes with a release write of sequence
 * {@code p + 1}; the consumer reads a slot whose sequence is {@code head + 1} and frees it with sequence
 * {@code head + capacity} (Vyukov's bounded queue). A full ring refuses the record (the caller decides what a loss
 * means); nothing is overwritten.
 * <p>
 * Plain JDK atomics rather than an Agrona ring so the whole verbs model can be model-checked by Lincheck (which
 * cannot instrument Agrona's buffers).
 * <p>
 * Threading: {@link #offer} from any thread; {@link #poll} from one thread.
 */
final class RecordRing
{
    private final int capacity;
    private final long[] longs;
    private final int[] ints;
    private final AtomicLongArray sequences;
    private final AtomicLong tail = new AtomicLong();
    private final AtomicLong head = new AtomicLong();

    RecordRing(final int capacity)
    {
        this.capacity = capacity;
        longs = new long[capacity];
        ints = new int[capacity * 4];
        sequences = new AtomicLongArray(capacity);
        for (int i = 0; i < capacity; i++)
        {
            sequences.set(i, i);
        }
    }

    int capacity()
    {
        return capacity;
    }

    /** @return records waiting (approximate while producers write). */
    int size()
    {
        return (int)Math.max(0, Math.min(capacity, tail.get() - head.get()));
    }

    /** @return false if the ring is full. */
    boolean offer(final long l, final int a, final int b, final int c, final int d)
    {
        while (true)
        {
            final long position = tail.get();
            final int slot = (int)(position % capacity);
            final long sequence = sequences.get(slot);
            if (sequence == position)
            {
                if (tail.compareAndSet(position, position + 1))
                {
                    longs[slot] = l;
                    final int base = slot * 4;
                    ints[base] = a;
                    ints[base + 1] = b;
                    ints[base + 2] = c;
                    ints[base + 3] = d;
                    sequences.set(slot, position + 1);
                    return true;
                }
            }
            else if (sequence < position)
            {
                return false;
            }
            Thread.onSpinWait();
        }
    }

    /** @return records delivered, at most {@code max}, oldest first; stops at a record still being written. */
    int poll(final Reader reader, final int max)
    {
        int delivered = 0;
        long position = head.get();
        while (delivered < max)
        {
            final int slot = (int)(position % capacity);
            if (sequences.get(slot) != position + 1)
            {
                break;
            }
            final int base = slot * 4;
            final long l = longs[slot];
            final int a = ints[base];
            final int b = ints[base + 1];
            final int c = ints[base + 2];
            final int d = ints[base + 3];
            sequences.set(slot, position + capacity);
            head.set(++position);
            delivered++;
            reader.onRecord(l, a, b, c, d);
        }
        return delivered;
    }

    /** Receives one record. */
    @FunctionalInterface
    interface Reader
    {
        void onRecord(long l, int a, int b, int c, int d);
    }
}
