package io.sanref.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command as users type it: exit codes, JSON keys, and clear errors for bad input. */
class SanrefCommandTest
{
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err)
    {
    }

    private static Run sanref(final String... args)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final PrintStream stdout = System.out;
        final PrintStream stderr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try
        {
            final int exit = Sanref.execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
        finally
        {
            System.setOut(stdout);
            System.setErr(stderr);
        }
    }

    @Test
    void mixedRunPrintsThePromisedJsonAndItsJournalAuditsClean()
    {
        final Path journal = dir.resolve("j");
        final Run run = sanref("run", "--hal", "loopback", "--scenario", "mixed", "--connections", "40", "--seed", "3",
            "--journal", journal.toString(), "--json");
        assertEquals(0, run.exit(), run.out() + run.err());
        for (final String key : new String[]{"scenario", "hal", "seed", "sockets", "posted", "completed",
            "completions_by_code", "duplicate_completions", "lost_completions", "close_handle_upcalls", "audit", "verdict"})
        {
            assertTrue(run.out().contains("\"" + key + "\": "), key + " missing from " + run.out());
        }
        assertTrue(run.out().contains("\"duplicate_completions\": 0,"), run.out());
        assertTrue(run.out().contains("\"lost_completions\": 0,"), run.out());
        assertTrue(run.out().trim().endsWith("\"verdict\": \"pass\"\n}") || run.out().contains("\"verdict\": \"pass\""));
        assertTrue(run.err().contains("seed 3"), "the seed is printed: " + run.err());

        final Run audit = sanref("audit", journal.toString(), "--json");
        assertEquals(0, audit.exit(), audit.out() + audit.err());
        assertTrue(audit.out().contains("\"verdict\": \"pass\""), audit.out());

        final Run story = sanref("journal", journal.toString(), "--handle", String.valueOf(1L << 24), "--node", "1");
        assertEquals(0, story.exit(), story.err());
        assertTrue(story.out().contains("socket created"), story.out());
        assertTrue(story.out().contains("closeSocketHandle"), story.out());
    }

    @Test
    void halsListsLoopbackWithWhatItSupports()
    {
        final Run run = sanref("hals");
        assertEquals(0, run.exit());
        assertTrue(run.out().contains("loopback") && run.out().contains("rdma,send-recv") &&
            run.out().contains("available"), run.out());
    }

    @Test
    void badInputGetsExitTwoAndOneClearLine() throws Exception
    {
        assertBad(sanref("run", "--scenario", "no-such"), "no scenario named 'no-such'");
        assertBad(sanref("run", "--scenario", "mixed", "--hal", "no-such-hal"), "no HAL named 'no-such-hal'");
        assertBad(sanref("run", "--scenario", "mixed", "--ops-per-socket", "1"), "--ops-per-socket must be");
        assertBad(sanref("run", "--scenario", "mixed", "--connections", "zero"), "Invalid value");
        assertBad(sanref("audit", dir.resolve("missing").toString()), "missing");
        final Path notQueue = Files.createDirectories(dir.resolve("not-a-queue"));
        Files.writeString(notQueue.resolve("hello.txt"), "hello");
        assertBad(sanref("audit", notQueue.toString()), "not-a-queue");
        final Path used = Files.createDirectories(dir.resolve("used"));
        Files.writeString(used.resolve("x"), "x");
        assertBad(sanref("run", "--scenario", "close-idle", "--journal", used.toString()), "is not empty");
    }

    private static void assertBad(final Run run, final String says)
    {
        assertEquals(2, run.exit(), run.out() + run.err());
        assertTrue(run.err().contains(says), "stderr should say '" + says + "': " + run.err());
    }
}
