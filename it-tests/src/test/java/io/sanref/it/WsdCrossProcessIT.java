package io.sanref.it;

import io.sanref.cli.Sanref;
import io.sanref.journal.AuditReport;
import io.sanref.journal.Auditor;
import io.sanref.journal.Journal;
import io.sanref.provider.ProviderConfig;
import io.sanref.provider.ProviderCore;
import io.sanref.refswitch.ReferenceSwitch;
import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Overlapped;
import io.sanref.spi.SanAddress;
import io.sanref.spi.Winsock;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.Hals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The wsd HAL across two processes: {@code sanref serve} in a child JVM, the client in this one. Killed with
 * SIGKILL mid-traffic, the server's kernel resets its sockets and the client's pending receives complete with
 * 10054 (R6); the client's journal audits clean, the server's up to the crash too (a torn tail is reported, never
 * blamed). Stopped with SIGTERM, serve closes everything, exits 0, and both journals audit clean together (A9).
 */
class WsdCrossProcessIT
{
    private static final long BOUND_MS = 30_000;
    private static final Pattern LISTENING = Pattern.compile("listening on ([0-9.]+):([0-9]+)");

    @TempDir
    Path dir;

    @Test
    void serverKilledMidTrafficResetsTheClientsPendingReceivesAndBothJournalsAudit() throws Exception
    {
        final Path serverJournal = dir.resolve("server");
        final Process serve = startServe(serverJournal);
        final Path clientJournal = dir.resolve("client");
        final Journal journal = Journal.open(clientJournal);
        final Client client = new Client(journal);
        try
        {
            final SanAddress address = awaitListening(serve);
            final SwitchSocket busy = client.connect(address);
            final SwitchSocket quiet1 = client.connect(address);
            final SwitchSocket quiet2 = client.connect(address);
            final Overlapped[] pending = {
                client.postRecv(quiet1), client.postRecv(quiet1), client.postRecv(quiet2), client.postRecv(busy)};
            // Traffic on one more connection, from another thread, until the server dies.
            final SwitchSocket traffic = client.connect(address);
            final AtomicInteger echoes = new AtomicInteger();
            final AtomicReference<String> trafficEnd = new AtomicReference<>();
            final Thread t = new Thread(() -> trafficEnd.set(client.echoUntilError(traffic, echoes)), "traffic");
            t.start();
            await(() -> echoes.get() >= 200, () -> "200 echoes before the kill (have " + echoes.get() + ")");

            serve.destroyForcibly(); // SIGKILL
            assertTrue(serve.waitFor(BOUND_MS, TimeUnit.MILLISECONDS), "the killed server did not exit");
            assertEquals(137, serve.exitValue(), "killed by SIGKILL");

            for (final Overlapped ov : pending)
            {
                await(() -> !client.sw.isOutstanding(ov), () -> "a pending receive to complete after the kill: " + ov);
                assertEquals(Winsock.WSAECONNRESET, ov.offsetHigh(), "pending receive after the server died (R6)");
                assertEquals(0, ov.internalHigh());
            }
            t.join(BOUND_MS);
            assertFalse(t.isAlive(), "the traffic thread ended");
            assertTrue(trafficEnd.get().contains("10054"), "traffic ended with a reset: " + trafficEnd.get());
            System.out.println("wsd cross-process: " + echoes.get() + " echoes before SIGKILL; traffic ended with " +
                trafficEnd.get());
            for (final SwitchSocket s : new SwitchSocket[]{busy, quiet1, quiet2, traffic})
            {
                assertEquals(Winsock.WSAECONNRESET, client.sw.send(s, ByteBuffer.allocate(1), 0, 1,
                    client.sw.newOverlapped(false)), "new sends fail at once with the reset (R6)");
                assertEquals(0, client.sw.closeSocket(s));
            }
        }
        finally
        {
            serve.destroyForcibly();
            client.close();
            journal.close();
        }

        final AuditReport clientAudit = Auditor.audit(clientJournal);
        System.out.println("client journal: " + clientAudit.summary());
        assertTrue(clientAudit.passed(), clientAudit.summary());
        assertFalse(clientAudit.truncated(), "the client ran to its end");

        final AuditReport serverAudit = Auditor.audit(serverJournal);
        System.out.println("server journal (killed): " + serverAudit.summary());
        assertTrue(serverAudit.passed(), "the server's journal up to the crash audits clean: " + serverAudit.summary());

        final AuditReport both = Auditor.audit(serverJournal, clientJournal);
        Reliability.record("crash-wsd-serve", java.util.Map.of("crash_runs", 1L,
            "violations", both.passed() ? 0L : 1L));
        assertTrue(both.passed(), "both journals together: " + both.summary());
    }

    @Test
    void serveStopsCleanlyOnSigtermAndBothEndsAuditTogether() throws Exception
    {
        final Path serverJournal = dir.resolve("server");
        final Process serve = startServe(serverJournal);
        final Path runJournal = dir.resolve("run");
        final Path clientJournal = dir.resolve("client");
        try
        {
            final SanAddress address = awaitListening(serve);
            final String connect = address.host() + ":" + address.port();
            assertEquals(Sanref.EXIT_PASS, Sanref.execute("run", "--hal", "wsd", "--connect", connect, "--scenario",
                "mixed", "--connections", "20", "--ops-per-socket", "8", "--seed", "5", "--journal",
                runJournal.toString()), "sanref run --connect ... --scenario mixed");
            assertEquals(3, Sanref.execute("run", "--hal", "wsd", "--connect", connect, "--scenario", "close-idle",
                "--no-journal"), "a scenario that needs both ends in one process says it is not supported");

            final Journal journal = Journal.open(clientJournal);
            final Client client = new Client(journal);
            try
            {
                final SwitchSocket s = client.connect(address);
                final Overlapped pending = client.postRecv(s);
                serve.destroy(); // SIGTERM
                assertTrue(serve.waitFor(BOUND_MS, TimeUnit.MILLISECONDS), "serve stopped on SIGTERM");
                assertEquals(0, serve.exitValue(), "serve exits 0 after a clean shutdown: " + read("serve.err"));
                assertTrue(read("serve.out").contains("stopped;"), read("serve.out"));
                await(() -> !client.sw.isOutstanding(pending), () -> "the pending receive after serve closed");
                assertEquals(Winsock.WSAECONNRESET, pending.offsetHigh(), "serve's close is a reset here (R6)");
                assertEquals(0, client.sw.closeSocket(s));
            }
            finally
            {
                client.close();
                journal.close();
            }
        }
        finally
        {
            serve.destroyForcibly();
        }
        final AuditReport both = Auditor.audit(serverJournal, runJournal, clientJournal);
        System.out.println("serve + run + client journals: " + both.summary());
        assertTrue(both.passed(), both.summary());
        assertFalse(both.truncated(), "every end ran to its end: " + both.summary());
    }

    private Process startServe(final Path journal) throws IOException
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Sanref.class.getName());
        cmd.addAll(List.of("serve", "--hal", "wsd", "--listen", "127.0.0.1:0", "--journal", journal.toString()));
        return new ProcessBuilder(cmd)
            .redirectOutput(dir.resolve("serve.out").toFile())
            .redirectError(dir.resolve("serve.err").toFile())
            .start();
    }

    private SanAddress awaitListening(final Process serve)
    {
        final SanAddress[] address = new SanAddress[1];
        await(() ->
        {
            assertTrue(serve.isAlive(), () -> "serve ended early: " + read("serve.err"));
            final Matcher m = LISTENING.matcher(read("serve.out"));
            if (m.find())
            {
                address[0] = new SanAddress(m.group(1), Integer.parseInt(m.group(2)));
                return true;
            }
            return false;
        }, () -> "serve to listen; stderr: " + read("serve.err"));
        return address[0];
    }

    private String read(final String name)
    {
        try
        {
            final Path p = dir.resolve(name);
            return Files.exists(p) ? Files.readString(p) : "";
        }
        catch (final IOException ex)
        {
            return ex.toString();
        }
    }

    static void await(final BooleanSupplier condition, final Supplier<String> what)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MS);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out after " + BOUND_MS + " ms waiting for " + what.get());
            }
            try
            {
                TimeUnit.MILLISECONDS.sleep(1);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    /** A client provider on wsd, journaling node 1. */
    static final class Client implements AutoCloseable
    {
        final ProviderCore provider;
        final ReferenceSwitch sw;

        Client(final Journal journal)
        {
            provider = new ProviderCore(Hals.find("wsd"), HalConfig.defaults("client"),
                ProviderConfig.defaults("client").withMaxSockets(16).withOpsPerSocket(8).withJournal(journal.writer(1)));
            sw = new ReferenceSwitch(provider, 16, 4096);
            assertEquals(0, sw.startup());
        }

        SwitchSocket connect(final SanAddress address)
        {
            final SwitchSocket s = sw.socket();
            final Overlapped ov = sw.newOverlapped(false);
            assertEquals(Winsock.WSA_IO_PENDING, sw.connect(s, address, ov));
            await(() -> !sw.isOutstanding(ov), () -> "connect to " + address);
            assertEquals(0, ov.offsetHigh(), "connect completion");
            final ByteBuffer greeting = ByteBuffer.allocate(16);
            int got = 0;
            while (got < 16)
            {
                final Overlapped r = sw.newOverlapped(false);
                assertEquals(Winsock.WSA_IO_PENDING, sw.recv(s, greeting, got, 16 - got, r));
                await(() -> !sw.isOutstanding(r), () -> "the greeting");
                assertEquals(0, r.offsetHigh());
                got += r.internalHigh();
            }
            return s;
        }

        Overlapped postRecv(final SwitchSocket s)
        {
            final Overlapped ov = sw.newOverlapped(false);
            assertEquals(Winsock.WSA_IO_PENDING, sw.recv(s, ByteBuffer.allocate(256), 0, 256, ov));
            return ov;
        }

        /** Echo 1 KiB messages until something fails; @return how it ended. */
        String echoUntilError(final SwitchSocket s, final AtomicInteger echoes)
        {
            final ByteBuffer out = ByteBuffer.allocate(1024);
            final ByteBuffer in = ByteBuffer.allocate(1024);
            final Overlapped send = sw.newOverlapped(false);
            final Overlapped recv = sw.newOverlapped(false);
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(4 * BOUND_MS);
            while (System.nanoTime() < deadline)
            {
                int rc = sw.send(s, out, 0, 1024, send);
                if (Winsock.WSA_IO_PENDING != rc)
                {
                    return "send refused with " + rc;
                }
                int got = 0;
                while (got < 1024)
                {
                    rc = sw.recv(s, in, got, 1024 - got, recv);
                    if (Winsock.WSA_IO_PENDING != rc)
                    {
                        return "recv refused with " + rc;
                    }
                    while (sw.isOutstanding(recv))
                    {
                        Thread.onSpinWait();
                    }
                    if (0 != recv.offsetHigh())
                    {
                        while (sw.isOutstanding(send))
                        {
                            Thread.onSpinWait();
                        }
                        return "recv completed with " + recv.offsetHigh() + ", send with " + send.offsetHigh();
                    }
                    got += recv.internalHigh();
                }
                while (sw.isOutstanding(send))
                {
                    Thread.onSpinWait();
                }
                echoes.incrementAndGet();
            }
            return "traffic ran out of time";
        }

        public void close()
        {
            sw.cleanup();
        }
    }
}
