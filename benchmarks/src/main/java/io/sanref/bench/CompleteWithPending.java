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
 * P4's baseline: the K receives of {@link PendingReceives} completed normally, timed from the moment the peer's K
 * 32-byte sends sit in the receiver's pipe until all K completions and their upcalls were made.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CompleteWithPending extends PendingReceives
{
    @Setup(Level.Invocation)
    public void before()
    {
        connectAndPost();
        for (int i = 0; i < pending; i++)
        {
            ProviderPingPong.post(pair.server.send(serverSocket, sendBuffer, i * MESSAGE, MESSAGE, sendOvs[i]));
        }
        for (int i = 0; i < 16; i++)
        {
            pair.server.doWork();
        }
    }

    @TearDown(Level.Invocation)
    public void after()
    {
        for (int i = 0; i < pending; i++)
        {
            check(Winsock.NO_ERROR == recvOvs[i].offsetHigh() && MESSAGE == recvOvs[i].internalHigh(),
                "receive did not complete normally: " + recvOvs[i]);
        }
        closeAndCheck();
    }

    @Benchmark
    public int completeNormally()
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
                check(System.nanoTime() - deadline < 0, "receives did not complete within 10 s");
            }
            done++;
        }
        return done;
    }
}
