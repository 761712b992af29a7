package io.sanref.bench;

import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Control;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * P1's floor: a 32-byte ping-pong over two raw Agrona {@link OneToOneRingBuffer}s between the same two threads.
 * Nothing else: no slot, no journal, no upcall.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Group)
public class RingPingPong
{
    static final int MSG_TYPE = 1;
    static final int MESSAGE = 32;

    OneToOneRingBuffer toPong;
    OneToOneRingBuffer toPing;

    @Setup(Level.Trial)
    public void setUp()
    {
        toPong = ring();
        toPing = ring();
    }

    private static OneToOneRingBuffer ring()
    {
        return new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect((64 * 1024) + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /** One side's message buffer and receive counter. Owned by one thread. */
    @State(Scope.Thread)
    public static class Side implements MessageHandler
    {
        final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(MESSAGE));
        final Spinner spinner = new Spinner();
        long received;
        long value;
        boolean inFlight;

        public void onMessage(final int msgTypeId, final org.agrona.MutableDirectBuffer buffer, final int index,
            final int length)
        {
            value = buffer.getLong(index);
            received++;
        }
    }

    @Benchmark
    @Group("pingpong")
    @GroupThreads(1)
    public long ping(final Side s, final Control control)
    {
        if (!s.inFlight)
        {
            s.message.putLong(0, s.received);
            while (!toPong.write(MSG_TYPE, s.message, 0, MESSAGE))
            {
                if (s.spinner.idle(control))
                {
                    return -1;
                }
            }
            s.inFlight = true;
        }
        while (0 == toPing.read(s, 1))
        {
            if (s.spinner.idle(control))
            {
                return -1;
            }
        }
        s.inFlight = false;
        return s.value;
    }

    @Benchmark
    @Group("pingpong")
    @GroupThreads(1)
    public long pong(final Side s, final Control control)
    {
        while (0 == toPong.read(s, 1))
        {
            if (s.spinner.idle(control))
            {
                return -1;
            }
        }
        s.message.putLong(0, s.value);
        while (!toPing.write(MSG_TYPE, s.message, 0, MESSAGE))
        {
            if (s.spinner.idle(control))
            {
                return -1;
            }
        }
        return s.value;
    }
}
