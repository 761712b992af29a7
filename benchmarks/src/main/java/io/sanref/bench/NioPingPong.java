package io.sanref.bench;

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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Control;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * P2's floor: a 32-byte ping-pong over a plain NIO {@link SocketChannel} pair on 127.0.0.1 with TCP_NODELAY,
 * between two threads.
 * <p>
 * Both ends read in non-blocking mode and spin: a thread blocked in {@code read} cannot see JMH's
 * {@link Control}, so an iteration could never end cleanly. Spinning is, if anything, faster than a blocking
 * read (no wake-up), so this floor is no easier to beat than the blocking one.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Group)
public class NioPingPong
{
    static final int MESSAGE = 32;

    ServerSocketChannel acceptor;
    SocketChannel clientChannel;
    SocketChannel serverChannel;

    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        acceptor = ServerSocketChannel.open();
        acceptor.bind(new InetSocketAddress("127.0.0.1", 0));
        clientChannel = SocketChannel.open(acceptor.getLocalAddress());
        serverChannel = acceptor.accept();
        for (final SocketChannel ch : new SocketChannel[]{clientChannel, serverChannel})
        {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.configureBlocking(false);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        clientChannel.close();
        serverChannel.close();
        acceptor.close();
    }

    /** One end's buffers. Owned by one thread. */
    @State(Scope.Thread)
    public static class Side
    {
        final ByteBuffer out = ByteBuffer.allocateDirect(MESSAGE);
        final ByteBuffer in = ByteBuffer.allocateDirect(MESSAGE);
        final Spinner spinner = new Spinner();
        boolean inFlight;
    }

    @Benchmark
    @Group("pingpong")
    @GroupThreads(1)
    public int ping(final Side s, final Control control) throws IOException
    {
        if (!s.inFlight)
        {
            s.out.clear();
            if (!writeFully(clientChannel, s.out, control))
            {
                return -1;
            }
            s.inFlight = true;
        }
        if (!readFully(clientChannel, s.in, s.spinner, control))
        {
            return -1;
        }
        s.inFlight = false;
        return s.in.getInt(0);
    }

    @Benchmark
    @Group("pingpong")
    @GroupThreads(1)
    public int pong(final Side s, final Control control) throws IOException
    {
        if (!readFully(serverChannel, s.in, s.spinner, control))
        {
            return -1;
        }
        s.out.clear();
        writeFully(serverChannel, s.out, control);
        return s.in.getInt(0);
    }

    /** Fill {@code in}; a partial read is kept for the next invocation. @return false if told to stop first. */
    static boolean readFully(final SocketChannel ch, final ByteBuffer in, final Spinner spinner, final Control control)
        throws IOException
    {
        while (in.hasRemaining())
        {
            if (ch.read(in) < 0)
            {
                throw new IOException("peer closed");
            }
            if (in.hasRemaining() && spinner.idle(control))
            {
                return false;
            }
        }
        in.clear();
        return true;
    }

    static boolean writeFully(final SocketChannel ch, final ByteBuffer out, final Control control)
        throws IOException
    {
        while (out.hasRemaining())
        {
            ch.write(out);
        }
        return true;
    }
}
