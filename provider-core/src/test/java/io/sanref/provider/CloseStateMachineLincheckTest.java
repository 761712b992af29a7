package io.sanref.provider;

import io.sanref.refswitch.ReferenceSwitch;
import io.sanref.refswitch.SwitchSocket;
import io.sanref.refswitch.SwitchStats;
import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.HalConfig;
import org.jetbrains.kotlinx.lincheck.LinChecker;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Model checks the close state machine: close racing completion, close racing post, close racing close
 * (R5, R7, R8, A1, A4). Results must be linearizable (post answers IO_PENDING before close and WSAENOTSOCK
 * after; exactly one close answers 0) and, once everything has run, every operation the provider took has
 * completed exactly once and the handle got exactly one final upcall, after every completion.
 */
public class CloseStateMachineLincheckTest
{
    private final FakeHal hal = new FakeHal();
    private final ProviderCore provider = new ProviderCore(
        hal, HalConfig.defaults("lincheck"),
        ProviderConfig.defaults("lincheck").withMaxSockets(2).withOpsPerSocket(16).withCallerDrivenProgress());
    private final ReferenceSwitch sw = new ReferenceSwitch(provider, 2, 32);
    private final SwitchSocket socket;
    private final ByteBuffer buffer = ByteBuffer.allocate(8);

    public CloseStateMachineLincheckTest()
    {
        sw.startup();
        socket = sw.socket();
        sw.connect(socket, new SanAddress("127.0.0.1", 1), sw.newOverlapped(false));
        provider.doWork();
    }

    @Operation
    public int send()
    {
        return sw.send(socket, buffer, 0, 8, sw.newOverlapped(false));
    }

    @Operation
    public int recvPolled()
    {
        return sw.recv(socket, buffer, 0, 8, sw.newOverlapped(true));
    }

    @Operation
    public int close()
    {
        return sw.closeSocket(socket);
    }

    @Operation(nonParallelGroup = "progress")
    public void progress()
    {
        provider.doWork();
    }

    @Validate
    public void everyOperationCompletesOnceAndTheFinalUpcallComesLast()
    {
        sw.closeSocket(socket);
        while (0 != provider.doWork())
        {
            // drain what the fake HAL still holds; the provider must drop every stale completion
        }
        final SwitchStats st = sw.stats();
        check(0 == sw.outstanding(), "operations never completed: " + sw.outstanding());
        check(0 == st.duplicateCompletions(), "duplicate completions: " + st.duplicateCompletions());
        check(0 == st.upcallsForDeadHandles(), "upcalls after closeSocketHandle: " + st.upcallsForDeadHandles());
        check(0 == st.upcallsForPolledOps(), "upcalls for polled operations: " + st.upcallsForPolledOps());
        check(0 == st.overlappedMismatches(), "overlapped fields disagree with upcalls");
        check(0 == st.abortedWithBytes(), "aborted operations reported bytes");
        check(1 == st.closeHandleUpcalls(), "closeSocketHandle upcalls: " + st.closeHandleUpcalls());
        check(0 == provider.liveSockets(), "socket slot not freed");
    }

    private static void check(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalStateException(message);
        }
    }

    @Test
    void modelChecking() throws IOException
    {
        LinChecker.check(CloseStateMachineLincheckTest.class, new ModelCheckingOptions()
            .iterations(30)
            .invocationsPerIteration(500)
            .threads(3)
            .actorsPerThread(2));
        explored("lincheck-model-checking", 30 * 500);
    }

    @Test
    void stress() throws IOException
    {
        LinChecker.check(CloseStateMachineLincheckTest.class, new StressOptions()
            .iterations(20)
            .invocationsPerIteration(1_000)
            .threads(3)
            .actorsPerThread(3));
        explored("lincheck-stress", 20 * 1_000);
    }

    /** A figure for the reliability report (it-tests sums the fragments). */
    private static void explored(final String fragment, final long invocations) throws IOException
    {
        final Path dir = Path.of(System.getProperty("sanref.reliability.dir", "target/reliability"));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(fragment + ".properties"), "races_explored=" + invocations + "\n");
    }
}
