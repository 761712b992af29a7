package io.sanref.hal.support;

import io.sanref.spi.hal.CompletionHandler;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * One node's HAL completion queue (what {@link io.sanref.spi.hal.HalFabric#poll} delivers): fixed-size records (id, opcode, status, bytes) in an Agrona
 * {@link ManyToOneRingBuffer}.
 * <p>
 * Every record is written under a credit taken from the node before the work request was accepted, and the
 * ring holds at least as many records as there are credits, so a write never finds the ring full. Records are
 * {@value #RECORD_LENGTH} bytes (header included), a power of two, so they tile the ring and never need padding.
 * <p>
 * Threading: {@link #write} from any thread (many producers); {@link #poll} from the node's progress thread
 * only (one consumer).
 */
public final class CompletionRing
{
    public static final int RECORD_LENGTH = 32;
    private static final int MESSAGE_LENGTH = RECORD_LENGTH - RecordDescriptor.HEADER_LENGTH;
    private static final int ID_OFFSET = 0;
    private static final int STATUS_OFFSET = 8;
    private static final int BYTES_OFFSET = 12;

    private final String halName;
    private final ManyToOneRingBuffer ring;
    private final MessageHandler reader = this::onRecord;
    private CompletionHandler handler;
    private int delivered;

    /**
     * @param halName names the HAL in the overflow message.
     * @param records the most records that can be outstanding (the node's credits).
     */
    public CompletionRing(final String halName, final int records)
    {
        this.halName = halName;
        // At least 8 records: Agrona's max message length is capacity / 8 and must fit one record.
        final int capacity = BitUtil.findNextPositivePowerOfTwo(Math.max(records, 8) * RECORD_LENGTH);
        ring = new ManyToOneRingBuffer(new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            capacity + RingBufferDescriptor.TRAILER_LENGTH, BitUtil.CACHE_LINE_LENGTH)));
    }

    /** @return how many records fit, at least the number of credits asked for. */
    public int capacityRecords()
    {
        return ring.capacity() / RECORD_LENGTH;
    }

    /**
     * Append one completion. The caller holds a credit for it.
     *
     * @throws IllegalStateException if the ring is full, which means credit accounting is broken.
     */
    public void write(final long id, final int opcode, final int status, final int bytes)
    {
        final int index = ring.tryClaim(opcode, MESSAGE_LENGTH);
        if (RingBuffer.INSUFFICIENT_CAPACITY == index)
        {
            throw new IllegalStateException(
                halName + " completion queue overflow (credit accounting broken): id=" + id + " opcode=" + opcode);
        }

        final MutableDirectBuffer buffer = ring.buffer();
        buffer.putLong(index + ID_OFFSET, id);
        buffer.putInt(index + STATUS_OFFSET, status);
        buffer.putInt(index + BYTES_OFFSET, bytes);
        ring.commit(index);
    }

    /**
     * Deliver up to {@code limit} completions. The records are released back to producers only when this
     * returns, so the caller returns the credits afterwards: see {@link #lastDelivered()}.
     *
     * @return the number delivered.
     */
    public int poll(final CompletionHandler handler, final int limit)
    {
        this.handler = handler;
        delivered = 0;
        try
        {
            ring.read(reader, limit);
        }
        finally
        {
            this.handler = null;
        }

        return delivered;
    }

    /** @return records consumed by the last {@link #poll}, including one whose handler threw. */
    public int lastDelivered()
    {
        return delivered;
    }

    /** @return whether no record is waiting (approximate while producers write). */
    public boolean isEmpty()
    {
        return 0 == ring.size();
    }

    private void onRecord(final int opcode, final MutableDirectBuffer buffer, final int index, final int length)
    {
        delivered++;
        handler.onCompletion(
            buffer.getLong(index + ID_OFFSET),
            opcode,
            buffer.getInt(index + STATUS_OFFSET),
            buffer.getInt(index + BYTES_OFFSET));
    }
}
