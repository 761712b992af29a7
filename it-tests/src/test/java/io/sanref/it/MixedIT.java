package io.sanref.it;

import io.sanref.scenario.ScenarioOptions;
import io.sanref.scenario.ScenarioResult;
import io.sanref.scenario.ScenarioRunner;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The seeded random mix at the size the foundation promises: >= 10,000 operations over >= 200 connections. */
class MixedIT
{
    @Test
    void tenThousandOperationsOverTwoHundredConnectionsCompleteExactlyOnce()
    {
        final long seed = Long.getLong("sanref.seed", System.nanoTime() & 0xFFFF_FFFFL);
        System.out.println("mixed: seed " + seed + " (rerun with -Dsanref.seed=" + seed + ")");
        final ScenarioOptions options = ScenarioOptions.of("loopback", "mixed")
            .withConnections(200).withOpsPerSocket(32).withSeed(seed);

        final ScenarioResult result = ScenarioRunner.run(options, null);

        Reliability.record("mixed", Reliability.of(result, 0));
        assertTrue(result.passed(), () -> result.summary());
        assertTrue(result.posted() >= 10_000, "posted " + result.posted());
        assertTrue(result.sockets() >= 400, "sockets " + result.sockets());
        assertEquals(0, result.duplicateCompletions());
        assertEquals(0, result.lostCompletions());
        assertEquals(result.posted(), result.completed(), "every posted operation completed");
    }
}
