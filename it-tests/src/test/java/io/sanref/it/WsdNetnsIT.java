package io.sanref.it;

import io.sanref.cli.Sanref;
import io.sanref.journal.AuditReport;
import io.sanref.journal.Auditor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real link failure under wsd: two network namespaces joined by a veth pair, {@code sanref serve} in one, a client
 * in the other; {@code ip link set down} mid-traffic. With {@code wsd.peerTimeoutMs} = {@value #PEER_TIMEOUT_MS},
 * every operation ends with 10053 or 10054 within that bound (plus slack for a loaded machine), nothing is lost, and
 * both journals audit clean. Needs root and {@code ip}; skipped with the reason otherwise. The namespaces are removed
 * in a finally, whatever happens.
 */
class WsdNetnsIT
{
    private static final long PEER_TIMEOUT_MS = 2_000;
    private static final long BOUND_MS = PEER_TIMEOUT_MS + 20_000;
    private static final Pattern LISTENING = Pattern.compile("listening on ([0-9.]+):([0-9]+)");

    @TempDir
    Path dir;

    @Test
    void linkDownMidTrafficEndsEveryOperationWith10053Or10054AndAuditsClean() throws Exception
    {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
            "needs root to create network namespaces (running as " + System.getProperty("user.name") + ")");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")),
            "needs the ip command (iproute2)");
        final long tag = ProcessHandle.current().pid() % 100_000;
        final String nsA = "sanref-a-" + tag;
        final String nsB = "sanref-b-" + tag;
        final String vethA = "srfa" + tag;
        final String vethB = "srfb" + tag;
        final int net = (int)(tag % 200) + 20;
        final String addrA = "10.231." + net + ".1";
        final String addrB = "10.231." + net + ".2";
        Process serve = null;
        Process client = null;
        try
        {
            final String why = ip("netns", "add", nsA);
            Assumptions.assumeTrue(null == why, "cannot create a network namespace here: " + why);
            check(ip("netns", "add", nsB));
            check(ip("link", "add", vethA, "type", "veth", "peer", "name", vethB));
            check(ip("link", "set", vethA, "netns", nsA));
            check(ip("link", "set", vethB, "netns", nsB));
            check(ip("-n", nsA, "addr", "add", addrA + "/24", "dev", vethA));
            check(ip("-n", nsB, "addr", "add", addrB + "/24", "dev", vethB));
            check(ip("-n", nsA, "link", "set", vethA, "up"));
            check(ip("-n", nsB, "link", "set", vethB, "up"));
            check(ip("-n", nsA, "link", "set", "lo", "up"));
            check(ip("-n", nsB, "link", "set", "lo", "up"));

            final Path serverJournal = dir.resolve("server");
            final Path clientJournal = dir.resolve("client");
            serve = java(nsA, "serve", List.of(Sanref.class.getName(), "serve", "--hal", "wsd", "--listen",
                addrA + ":0", "--journal", serverJournal.toString()));
            final Matcher m = awaitOutput(serve, "serve", LISTENING);
            client = java(nsB, "client", List.of(NetnsClient.class.getName(), m.group(1), m.group(2),
                clientJournal.toString(), Long.toString(BOUND_MS)));
            awaitOutput(client, "client", Pattern.compile("READY"));

            check(ip("-n", nsB, "link", "set", vethB, "down"));
            final long down = System.nanoTime();

            assertTrue(client.waitFor(BOUND_MS + 10_000, TimeUnit.MILLISECONDS), "the client finished: " + read("client.out"));
            final String out = read("client.out");
            System.out.println("netns client (" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - down) +
                " ms after link down):\n" + out);
            assertEquals(0, client.exitValue(), read("client.err"));
            final Matcher recv = Pattern.compile("RECV (\\S+)").matcher(out);
            int receives = 0;
            while (recv.find())
            {
                receives++;
                assertTrue("10053".equals(recv.group(1)) || "10054".equals(recv.group(1)),
                    "a pending receive ended with " + recv.group(1) + " (expected 10053 or 10054)");
            }
            assertEquals(2, receives, out);
            assertTrue(out.contains("TRAFFIC recv completed with 1005") || out.contains("TRAFFIC recv refused with 1005") ||
                out.contains("TRAFFIC send refused with 1005"), "traffic ended with 10053/10054: " + out);
            assertTrue(out.contains("OUTSTANDING 0"), "nothing lost: " + out);

            serve.destroy();
            assertTrue(serve.waitFor(BOUND_MS, TimeUnit.MILLISECONDS), "serve stopped on SIGTERM");
            assertEquals(0, serve.exitValue(), read("serve.err"));

            final AuditReport clientAudit = Auditor.audit(clientJournal);
            assertTrue(clientAudit.passed(), clientAudit.summary());
            assertFalse(clientAudit.truncated());
            final AuditReport both = Auditor.audit(serverJournal, clientJournal);
            System.out.println("netns journals: " + both.summary());
            assertTrue(both.passed(), both.summary());
            assertFalse(both.truncated(), both.summary());
        }
        finally
        {
            if (null != client)
            {
                client.destroyForcibly();
            }
            if (null != serve)
            {
                serve.destroyForcibly();
            }
            ip("netns", "del", nsA);
            ip("netns", "del", nsB);
        }
    }

    private Process java(final String ns, final String name, final List<String> mainAndArgs) throws IOException
    {
        final List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-Dsanref.wsd.peerTimeoutMs=" + PEER_TIMEOUT_MS);
        cmd.add("-Dsanref.wsd.heartbeatMs=200");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.addAll(mainAndArgs);
        return new ProcessBuilder(cmd)
            .redirectOutput(dir.resolve(name + ".out").toFile())
            .redirectError(dir.resolve(name + ".err").toFile())
            .start();
    }

    private Matcher awaitOutput(final Process p, final String name, final Pattern pattern) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MS);
        while (true)
        {
            final Matcher m = pattern.matcher(read(name + ".out"));
            if (m.find())
            {
                return m;
            }
            if (!p.isAlive())
            {
                fail(name + " ended early: " + read(name + ".err"));
            }
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out after " + BOUND_MS + " ms waiting for " + name + " to print " + pattern + "; stderr: " +
                    read(name + ".err"));
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    /** @return null on success, else what ip said. */
    private static String ip(final String... args)
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add("ip");
        cmd.addAll(List.of(args));
        try
        {
            final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            final String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, TimeUnit.SECONDS))
            {
                p.destroyForcibly();
                return String.join(" ", cmd) + ": timed out";
            }
            return 0 == p.exitValue() ? null : String.join(" ", cmd) + ": " + out.trim();
        }
        catch (final IOException ex)
        {
            return String.join(" ", cmd) + ": " + ex.getMessage();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static void check(final String error)
    {
        if (null != error)
        {
            fail(error);
        }
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
}
