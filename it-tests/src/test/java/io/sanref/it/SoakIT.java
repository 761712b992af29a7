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
 * The soak: a seeded run of over a million operations across tens of thousands of sockets on {@code faulty:loopback}
 * (completions delayed and reordered, connections dropped and peers crashed under the provider, slow upcalls),
 * journaled and audited. Faults may bend what a scenario expects; they may not break an invariant.
 */
class SoakIT
{
    @TempDir
    Path journal;

    @Test
    void aMillionOperationsUnderInjectedFaultsKeepEveryInvariant()
    {
        final long seed = Long.getLong("sanref.seed", System.nanoTime() & 0xFFFF_FFFFL);
        System.out.println("soak: seed " + seed + " (rerun with -Dsanref.seed=" + seed + ")");
        final ScenarioOptions options = ScenarioOptions.of("faulty:loopback", "mixed")
            .withConnections(16_000).withOpsPerSocket(32).withSeed(seed).withJournal(journal);

        final ScenarioResult result = ScenarioRunner.run(options);
        Reliability.record("soak", Reliability.of(result, Reliability.auditViolations(result)));

        assertTrue(result.passed(), () -> result.summary());
        assertTrue(result.posted() >= 1_000_000, "posted " + result.posted());
        assertTrue(result.sockets() >= 1_000, "sockets " + result.sockets());
        assertEquals(0, result.duplicateCompletions());
        assertEquals(0, result.lostCompletions());
        assertTrue(result.audit().contains("\"verdict\": \"pass\""), result.audit());
        assertTrue(result.halCounters().getOrDefault("faults_dropped_connections", 0L) > 0, "connections were dropped");
        assertTrue(result.halCounters().getOrDefault("faults_crashed_peers", 0L) > 0, "peers crashed");
        assertTrue(result.halCounters().getOrDefault("faults_delayed_completions", 0L) > 0, "completions were delayed");
    }
}
