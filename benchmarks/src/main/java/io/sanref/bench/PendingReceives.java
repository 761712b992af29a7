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
 * P4's fixture: a fresh loopback connection per invocation with K receives posted on the client end (not timed).
 * {@link CloseWithPending} times closing it; {@link CompleteWithPending} times completing the same K receives with
 * data. Each checks afterwards that every receive completed exactly as it should have.
 */
@State(Scope.Thread)
public abstract class PendingReceives
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
    long lastClose;

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

    static void check(final boolean ok, final String what)
    {
        ProviderPair.check(ok, what);
    }
}
