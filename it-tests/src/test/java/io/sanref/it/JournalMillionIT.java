package io.sanref.it;

import io.sanref.scenario.ScenarioOptions;
import io.sanref.scenario.ScenarioResult;
import io.sanref.scenario.ScenarioRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A million operations journaled without loss: the runner checks that every record written reached the queue and
 * that the journal counts the same posts and completions, by the same channels, as the switches; the audit passes.
 */
class JournalMillionIT
{
    @TempDir
    Path journal;

    @Test
    void aMillionOperationMixedRunJournalsEveryRecordAndAuditsClean()
    {
        final long seed = Long.getLong("sanref.seed", System.nanoTime() & 0xFFFF_FFFFL);
        System.out.println("journal million: seed " + seed + " (rerun with -Dsanref.seed=" + seed + ")");
        final ScenarioOptions options = ScenarioOptions.of("loopback", "mixed")
            .withConnections(16_000).withOpsPerSocket(32).withSeed(seed).withJournal(journal);

        final ScenarioResult result = ScenarioRunner.run(options);

        Reliability.record("journal-million", Reliability.of(result, Reliability.auditViolations(result)));
        assertTrue(result.passed(), () -> result.summary());
        assertTrue(result.posted() >= 1_000_000, "posted " + result.posted());
        assertEquals(result.posted(), result.completed());
        assertTrue(result.audit().contains("\"verdict\": \"pass\""), result.audit());
        assertTrue(result.audit().contains("\"operations\": " + result.posted()), result.audit());
    }
}
