package io.sanref.bench;

import io.sanref.spi.Overlapped;
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

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * P4: {@code closeSocket} on a loopback socket with K receives pending, timed from the call until the
 * {@code WPUCloseSocketHandle} upcall has been made (the provider makes it inside the call once no other upcall
 * is running; the benchmark checks it came). Paired with {@link CompleteWithPending}, the same K receives
 * completed by data.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CloseWithPending extends PendingReceives
{
    @Setup(Level.Invocation)
    public void before()
    {
        connectAndPost();
    }

    @TearDown(Level.Invocation)
    public void after()
    {
        check(pair.clientUpcalls.closedHandles == closedBefore + 1,
            "closeSocket(" + clientSocket + ") returned before WPUCloseSocketHandle: close-handle upcalls " +
            pair.clientUpcalls.closedHandles + ", expected " + (closedBefore + 1) + ", closeSocket returned " +
            lastClose);
        for (int i = 0; i < pending; i++)
        {
            check(Winsock.WSA_OPERATION_ABORTED == recvOvs[i].offsetHigh(),
                "pending receive did not complete with WSA_OPERATION_ABORTED: " + recvOvs[i]);
        }
        closeAndCheck();
    }

    @Benchmark
    public long abortPending()
    {
        return lastClose = pair.client.closeSocket(clientSocket);
    }
}
