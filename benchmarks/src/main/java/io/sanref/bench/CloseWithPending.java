package io.sanref.bench;

import io.sanref.spi.Overlapped;
import io.sanref.spi.Winsock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * P4: {@code closeSocket} on a loopback socket with K receives pending, timed from the call until the
 * {@code WPUCloseSocketHandle} upcall has been made (the provider makes it inside the call once no other upcall
 * is running; the benchmark checks it came). Paired with {@link #completeNormally}: the same K receives
 * completed by data, timed from the moment the data sits in the receiver's pipe until all K completion upcalls
 * were made. Each invocation gets a fresh connection with the K receives already posted (not timed).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class CloseWithPending
{
    static final int MESSAGE = 32;
    static final int MAX = 256;

    @Param({"0", "1", "16", "256"})
    public int pending;

    ProviderPair pair;
    final ByteBuffer recvBuffer = ByteBuffer.allocateDirect(MAX * MESSAGE);
    final ByteBuffer sendBuffer = ByteBuffer.allocateDirect(MAX * MESSAGE);
    final Overlapped[] recvOvs = new Overlapped[MAX];
    final Overlapped[] sendOvs = new Overlapped[MAX];
    long clientSocket;
    long serverSocket;
    long closedBefore;

    @Setup(Level.Trial)
    public void setUp()
    {
        pair = new ProviderPair("loopback", false, 64, MAX);
        for (int i = 0; i < MAX; i++)
        {
            recvOvs[i] = new Overlapped();
            sendOvs[i] = new Overlapped();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        pair.close();
    }

    /** A fresh connection with K receives pending on the client end. */
    void connectAndPost()
    {
        final long[] sockets = pair.connect();
        clientSocket = sockets[0];
        serverSocket = sockets[1];
        for (int i = 0; i < pending; i++)
        {
            ProviderPingPong.post(pair.client.recv(clientSocket, recvBuffer, i * MESSAGE, MESSAGE, recvOvs[i]));
        }
        closedBefore = pair.clientUpcalls.closedHandles;
    }

    /** Close what is left, reap everything, and check that every receive completed. */
    void closeAndCheck()
    {
        pair.server.closeSocket(serverSocket);
        pair.client.closeSocket(clientSocket);
        for (int i = 0; i < pending; i++)
        {
            pair.await(sendOvs[i]);
            pair.await(recvOvs[i]);
        }
        pair.drain();
    }

    /** State for the abort path. */
    @State(Scope.Thread)
    public static class Abort
    {
        @Setup(Level.Invocation)
        public void before(final CloseWithPending b)
        {
            b.connectAndPost();
        }

        @TearDown(Level.Invocation)
        public void after(final CloseWithPending b)
        {
            ProviderPair.check(b.pair.clientUpcalls.closedHandles == b.closedBefore + 1,
                "closeSocket returned before WPUCloseSocketHandle");
            for (int i = 0; i < b.pending; i++)
            {
                ProviderPair.check(Winsock.WSA_OPERATION_ABORTED == b.recvOvs[i].offsetHigh(),
                    "pending receive did not complete with WSA_OPERATION_ABORTED: " + b.recvOvs[i]);
            }
            b.closeAndCheck();
        }
    }

    /** State for the normal path: the peer's K sends have been pushed into the pipe before timing starts. */
    @State(Scope.Thread)
    public static class Normal
    {
        @Setup(Level.Invocation)
        public void before(final CloseWithPending b)
        {
            b.connectAndPost();
            for (int i = 0; i < b.pending; i++)
            {
                ProviderPingPong.post(
                    b.pair.server.send(b.serverSocket, b.sendBuffer, i * MESSAGE, MESSAGE, b.sendOvs[i]));
            }
            for (int i = 0; i < 16; i++)
            {
                b.pair.server.doWork();
            }
        }

        @TearDown(Level.Invocation)
        public void after(final CloseWithPending b)
        {
            for (int i = 0; i < b.pending; i++)
            {
                ProviderPair.check(Winsock.NO_ERROR == b.recvOvs[i].offsetHigh() &&
                    MESSAGE == b.recvOvs[i].internalHigh(), "receive did not complete normally: " + b.recvOvs[i]);
            }
            b.closeAndCheck();
        }
    }

    @Benchmark
    public long abortPending(final Abort state)
    {
        return pair.client.closeSocket(clientSocket);
    }

    @Benchmark
    public int completeNormally(final Normal state)
    {
        final Overlapped[] ovs = recvOvs;
        int done = 0;
        final long deadline = System.nanoTime() + ProviderPair.BOUND_NS;
        for (int i = 0; i < pending; i++)
        {
            while (ovs[i].isPending())
            {
                if (0 == pair.client.doWork())
                {
                    // The sender had not pushed everything yet: let it (rare; counted in the time).
                    pair.server.doWork();
                }
                ProviderPair.check(System.nanoTime() - deadline < 0, "receives did not complete within 10 s");
            }
            done++;
        }
        return done;
    }
}
