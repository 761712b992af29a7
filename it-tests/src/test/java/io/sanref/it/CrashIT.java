package io.sanref.it;

import io.sanref.cli.Sanref;
import io.sanref.journal.JournalReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A journaling run killed with SIGKILL mid-run: the audit reads every complete record, reports a torn tail as such
 * (exit 4, {@code "truncated": true}) or none if the kill fell between records (exit 0), and never calls a crash a
 * violation (exit 1).
 */
class CrashIT
{
    private static final long BOUND_MS = 60_000;

    @TempDir
    Path dir;

    @Test
    void aRunKilledMidWayAuditsCleanAndItsCrashIsReportedNotBlamed() throws Exception
    {
        final Path journal = dir.resolve("journal");
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Sanref.class.getName());
        cmd.addAll(List.of("run", "--scenario", "mixed", "--connections", "1000000", "--ops-per-socket", "32",
            "--seed", "11", "--journal", journal.toString()));
        final Process child = new ProcessBuilder(cmd)
            .redirectOutput(dir.resolve("child.out").toFile())
            .redirectError(dir.resolve("child.err").toFile())
            .start();
        try
        {
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MS);
            while (records(journal) < 200_000)
            {
                assertTrue(child.isAlive(), () -> "the child ended before it could be killed: " + read("child.err"));
                assertTrue(System.nanoTime() < deadline, "the child journaled too little within " + BOUND_MS + " ms");
                TimeUnit.MILLISECONDS.sleep(100);
            }
        }
        finally
        {
            child.destroyForcibly();
            assertTrue(child.waitFor(BOUND_MS, TimeUnit.MILLISECONDS), "the killed child did not exit");
        }
        assertEquals(137, child.exitValue(), "killed by SIGKILL");

        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final PrintStream stdout = System.out;
        final int exit;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try
        {
            exit = Sanref.execute("audit", journal.toString(), "--json");
        }
        finally
        {
            System.setOut(stdout);
        }
        final String json = out.toString(StandardCharsets.UTF_8);
        System.out.println(json);

        Reliability.record("crash", java.util.Map.of("crash_runs", 1L,
            "violations", json.contains("\"violation_count\": 0") ? 0L : 1L));
        assertNotEquals(Sanref.EXIT_FAIL, exit, "a crash is not a violation");
        assertTrue(json.contains("\"violation_count\": 0"), json);
        assertTrue(json.contains("\"complete_nodes\": 0"), "neither node ran to its cleanup: " + json);
        if (json.contains("\"truncated\": true"))
        {
            assertEquals(4, exit, "a torn tail has its own exit code");
        }
        else
        {
            assertEquals(Sanref.EXIT_PASS, exit);
        }
    }

    private static long records(final Path journal) throws Exception
    {
        if (!Files.isDirectory(journal))
        {
            return 0;
        }
        try (var files = Files.list(journal))
        {
            if (files.noneMatch((p) -> p.toString().endsWith(".cq4")))
            {
                return 0;
            }
        }
        final AtomicLong n = new AtomicLong();
        try
        {
            JournalReader.read(journal, (r) -> n.incrementAndGet());
        }
        catch (final Exception ex)
        {
            return 0;
        }
        return n.get();
    }

    private String read(final String name)
    {
        try
        {
            return Files.readString(dir.resolve(name));
        }
        catch (final Exception ex)
        {
            return "(" + ex + ")";
        }
    }
}
