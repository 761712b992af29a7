package io.sanref.bench;

import io.sanref.spi.Overlapped;
import io.sanref.spi.Winsock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Control;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * P1 (hal=loopback, journal off and on), P2 (hal=wsd) and P3 (hal=rdma): a 32-byte ping-pong round trip through
 * the full provider — post, HAL, completion, journal, {@code WPUCompleteOverlappedRequest} upcall — between two
 * threads, each driving its own node's progress. Only the {@code ping} thread's samples are the round trip.
 * <p>
 * Each invocation can be left half-way when JMH says stop and is resumed by the next, so no thread ever waits
 * for a peer that has already left the iteration.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Group)
public class ProviderPingPong
{
    static final int MESSAGE = 32;

    @Param({"loopback"})
    public String hal;

    @Param({"off", "on"})
    public String journal;

    ProviderPair pair;
    long clientSocket;
    long serverSocket;

    @Setup(Level.Trial)
    public void setUp()
    {
        pair = new ProviderPair(hal, "on".equals(journal), 16, 16);
        final long[] sockets = pair.connect();
        clientSocket = sockets[0];
        serverSocket = sockets[1];
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        pair.close();
    }

    /** The client side: send, then wait for the reply. Owned by the ping thread. */
    @State(Scope.Thread)
    public static class Ping
    {
        final ByteBuffer sendBuffer = ByteBuffer.allocateDirect(MESSAGE);
        final ByteBuffer recvBuffer = ByteBuffer.allocateDirect(MESSAGE);
        final Overlapped sendOv = new Overlapped();
        final Overlapped recvOv = new Overlapped();
        final Spinner spinner = new Spinner();
        boolean inFlight;
        boolean recvPosted;
    }

    /** The server side: wait for a request, answer it. Owned by the pong thread. */
    @State(Scope.Thread)
    public static class Pong
    {
        final ByteBuffer sendBuffer = ByteBuffer.allocateDirect(MESSAGE);
        final ByteBuffer recvBuffer = ByteBuffer.allocateDirect(MESSAGE);
        final Overlapped sendOv = new Overlapped();
        final Overlapped recvOv = new Overlapped();
        final Spinner spinner = new Spinner();
        boolean recvPosted;
    }

    @Benchmark
    @Group("pingpong")
    @GroupThreads(1)
    public boolean ping(final Ping p, final Control control)
    {
        if (!p.inFlight)
        {
            if (!p.recvPosted)
            {
                post(pair.client.recv(clientSocket, p.recvBuffer, 0, MESSAGE, p.recvOv));
                p.recvPosted = true;
            }
            post(pair.client.send(clientSocket, p.sendBuffer, 0, MESSAGE, p.sendOv));
            p.inFlight = true;
        }
        while (p.recvOv.isPending() || p.sendOv.isPending())
        {
            if (0 == pair.client.doWork() && p.spinner.idle(control))
            {
                return false;
            }
        }
        p.inFlight = false;
        p.recvPosted = false;
        return true;
    }

    @Benchmark
    @Group("pingpong")
    @GroupThreads(1)
    public boolean pong(final Pong p, final Control control)
    {
        if (!p.recvPosted)
        {
            post(pair.server.recv(serverSocket, p.recvBuffer, 0, MESSAGE, p.recvOv));
            p.recvPosted = true;
        }
        while (p.recvOv.isPending() || p.sendOv.isPending())
        {
            if (0 == pair.server.doWork() && p.spinner.idle(control))
            {
                return false;
            }
        }
        // The next request may arrive as soon as the reply leaves: have its receive posted first.
        post(pair.server.recv(serverSocket, p.recvBuffer, 0, MESSAGE, p.recvOv));
        post(pair.server.send(serverSocket, p.sendBuffer, 0, MESSAGE, p.sendOv));
        return true;
    }

    static void post(final int rc)
    {
        if (Winsock.WSA_IO_PENDING != rc && Winsock.NO_ERROR != rc)
        {
            throw new IllegalStateException("post failed with Winsock error " + rc);
        }
    }
}
