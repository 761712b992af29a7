package io.sanref.bench;

import io.sanref.spi.Overlapped;
import io.sanref.spi.SanAddress;
import io.sanref.spi.Winsock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * P5: socket churn, one cycle per operation: create a socket, connect it to a listener, accept on the other end,
 * then close both ends. {@link #loopback} runs it through two full providers on the loopback HAL (one thread
 * drives both); {@link #nio} runs the same cycle with NIO sockets on 127.0.0.1, closing with SO_LINGER 0 — an
 * abortive close, as {@code WSPCloseSocket} is, and no TIME_WAIT to exhaust the ephemeral ports.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SocketChurn
{
    /** Two providers and a listener. */
    @State(Scope.Thread)
    public static class Loopback
    {
        ProviderPair pair;
        long listener;
        SanAddress address;
        final Overlapped connectOv = new Overlapped();

        @Setup(Level.Trial)
        public void setUp()
        {
            pair = new ProviderPair("loopback", false, 256, 4);
            listener = pair.server.socket(0);
            ProviderPair.check(listener > 0, "listener socket");
            ProviderPair.check(0 == pair.server.bind(listener, new SanAddress("127.0.0.1", 0)), "bind");
            ProviderPair.check(0 == pair.server.listen(listener, 64), "listen");
            address = pair.server.localAddress(listener);
        }

        @TearDown(Level.Trial)
        public void tearDown()
        {
            pair.close();
        }
    }

    /** A listening NIO socket. */
    @State(Scope.Thread)
    public static class Nio
    {
        ServerSocketChannel acceptor;
        InetSocketAddress address;

        @Setup(Level.Trial)
        public void setUp() throws IOException
        {
            acceptor = ServerSocketChannel.open();
            acceptor.bind(new InetSocketAddress("127.0.0.1", 0), 64);
            address = (InetSocketAddress)acceptor.getLocalAddress();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException
        {
            acceptor.close();
        }
    }

    @Benchmark
    public long loopback(final Loopback l)
    {
        final ProviderPair pair = l.pair;
        final long c = pair.client.socket(0);
        ProviderPair.check(c > 0, "socket failed: " + c);
        final int rc = pair.client.connect(c, l.address, l.connectOv);
        ProviderPair.check(Winsock.WSA_IO_PENDING == rc || 0 == rc, "connect returned " + rc);
        long s = -Winsock.WSAEWOULDBLOCK;
        final long deadline = System.nanoTime() + ProviderPair.BOUND_NS;
        while (s < 0 || l.connectOv.isPending())
        {
            pair.client.doWork();
            pair.server.doWork();
            if (s < 0)
            {
                s = pair.server.accept(l.listener, 0);
            }
            ProviderPair.check(System.nanoTime() - deadline < 0, "connect did not complete within 10 s");
        }
        ProviderPair.check(Winsock.NO_ERROR == l.connectOv.offsetHigh(), "connect failed");
        pair.client.closeSocket(c);
        pair.server.closeSocket(s);
        // Reap the HAL's completions for the aborted connection so its credits come back.
        pair.client.doWork();
        pair.server.doWork();
        return s;
    }

    @Benchmark
    public boolean nio(final Nio n) throws IOException
    {
        final SocketChannel client = SocketChannel.open(n.address);
        final SocketChannel server = n.acceptor.accept();
        client.setOption(StandardSocketOptions.SO_LINGER, 0);
        client.close();
        server.close();
        return server.isOpen();
    }
}
