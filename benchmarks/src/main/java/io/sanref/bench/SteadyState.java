package io.sanref.bench;

import io.sanref.spi.Overlapped;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.ByteBuffer;

/**
 * The steady-state data path, one thread driving both loopback nodes: per operation the server posts a 32-byte
 * receive, the client posts a 32-byte send, and both complete with their upcalls (six journal records when the
 * journal is on). P6 measures its throughput with the journal on and off ({@link JournalThroughput}); P7 measures
 * its allocation with the journal on ({@link SteadyStateAllocation}).
 */
@State(Scope.Thread)
public class SteadyState
{
    static final int MESSAGE = 32;

    @Param({"off", "on"})
    public String journal;

    ProviderPair pair;
    long clientSocket;
    long serverSocket;
    final ByteBuffer sendBuffer = ByteBuffer.allocateDirect(MESSAGE);
    final ByteBuffer recvBuffer = ByteBuffer.allocateDirect(MESSAGE);
    final Overlapped sendOv = new Overlapped();
    final Overlapped recvOv = new Overlapped();
    /** Journal records one operation writes, measured once the journal has drained. */
    long recordsPerOp;

    @Setup(Level.Trial)
    public void setUp() throws InterruptedException
    {
        pair = new ProviderPair("loopback", "on".equals(journal), 16, 16);
        final long[] sockets = pair.connect();
        clientSocket = sockets[0];
        serverSocket = sockets[1];
        if (null != pair.journal())
        {
            final long before = drainedRecords();
            final int ops = 1000;
            for (int i = 0; i < ops; i++)
            {
                op();
            }
            recordsPerOp = Math.round((drainedRecords() - before) / (double)ops);
        }
    }

    private long drainedRecords() throws InterruptedException
    {
        long last = -1;
        long now = pair.journal().recordsWritten();
        while (now != last)
        {
            Thread.sleep(20);
            last = now;
            now = pair.journal().recordsWritten();
        }
        return now;
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        pair.close();
    }

    /** One send and one receive, posted and completed with upcalls. */
    final void op()
    {
        ProviderPingPong.post(pair.server.recv(serverSocket, recvBuffer, 0, MESSAGE, recvOv));
        ProviderPingPong.post(pair.client.send(clientSocket, sendBuffer, 0, MESSAGE, sendOv));
        while (recvOv.isPending() || sendOv.isPending())
        {
            pair.client.doWork();
            pair.server.doWork();
        }
    }

    /** Journal records written, reported by JMH as a rate beside the operations (aux counter). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Records
    {
        public long journalRecords;

        @Setup(Level.Iteration)
        public void reset()
        {
            journalRecords = 0;
        }
    }
}
