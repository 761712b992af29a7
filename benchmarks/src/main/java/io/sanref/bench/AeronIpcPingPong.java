package io.sanref.bench;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
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

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

/**
 * P1's peer: a 32-byte ping-pong over Aeron IPC (embedded media driver, exclusive publications, the same two
 * threads polling). The driver's conductor runs on its own thread and sleeps when idle; IPC data never passes
 * through it.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Group)
public class AeronIpcPingPong
{
    /**
     * 16 MiB terms: with 64 KiB ones the publication window (half a term) held only 512 messages, so the publisher kept
     * waiting for the driver's conductor to move its limit, and on a loaded machine that wait reached a second. Aeron's
     * own default for IPC is larger still (64 MiB).
     */
    static final String CHANNEL = "aeron:ipc?term-length=16m";
    static final int PING_STREAM = 1001;
    static final int PONG_STREAM = 1002;
    static final int MESSAGE = 32;

    java.nio.file.Path dir;
    MediaDriver driver;
    Aeron aeron;
    ExclusivePublication pingPublication;
    Subscription pingSubscription;
    ExclusivePublication pongPublication;
    Subscription pongSubscription;

    @Setup(Level.Trial)
    public void setUp() throws Exception
    {
        dir = Files.createTempDirectory("sanref-bench-aeron");
        driver = MediaDriver.launchEmbedded(new MediaDriver.Context()
            .aeronDirectoryName(new File(dir.toFile(), "driver").getAbsolutePath())
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(new SleepingMillisIdleStrategy(1))
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true));
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
        pingPublication = aeron.addExclusivePublication(CHANNEL, PING_STREAM);
        pingSubscription = aeron.addSubscription(CHANNEL, PING_STREAM);
        pongPublication = aeron.addExclusivePublication(CHANNEL, PONG_STREAM);
        pongSubscription = aeron.addSubscription(CHANNEL, PONG_STREAM);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!pingPublication.isConnected() || !pongPublication.isConnected())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("Aeron IPC publications did not connect within 10 s");
            }
            Thread.sleep(1);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        CloseHelper.closeAll(pingPublication, pingSubscription, pongPublication, pongSubscription, aeron, driver);
        ProviderPair.deleteQuietly(dir);
    }

    /** One side's message buffer and what it last received. Owned by one thread. */
    @State(Scope.Thread)
    public static class Side implements FragmentHandler
    {
        final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(MESSAGE));
        final Spinner spinner = new Spinner();
        long value;
        boolean inFlight;

        public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            value = buffer.getLong(offset);
        }
    }

    @Benchmark
    @Group("pingpong")
    @GroupThreads(1)
    public long ping(final Side s, final Control control)
    {
        if (!s.inFlight)
        {
            s.message.putLong(0, s.value + 1);
            while (pingPublication.offer(s.message, 0, MESSAGE) < 0)
            {
                if (s.spinner.idle(control))
                {
                    return -1;
                }
            }
            s.inFlight = true;
        }
        while (0 == pongSubscription.poll(s, 1))
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
        while (0 == pingSubscription.poll(s, 1))
        {
            if (s.spinner.idle(control))
            {
                return -1;
            }
        }
        s.message.putLong(0, s.value);
        while (pongPublication.offer(s.message, 0, MESSAGE) < 0)
        {
            if (s.spinner.idle(control))
            {
                return -1;
            }
        }
        return s.value;
    }
}
