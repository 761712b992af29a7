package io.sanref.it;

import io.sanref.scenario.Scenario;
import io.sanref.scenario.ScenarioOptions;
import io.sanref.scenario.ScenarioResult;
import io.sanref.scenario.ScenarioRunner;
import io.sanref.spi.hal.HalProvider;
import io.sanref.spi.hal.Hals;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every scenario on every HAL on the class path, plain and under {@code faulty:}, through {@link ScenarioRunner}: the
 * code path of
 * {@code sanref run}, each journaled and audited (A1-A9). A HAL that lacks a capability must say "not supported",
 * never pass.
 */
class ConformanceIT
{
    static Stream<Arguments> matrix()
    {
        final List<Arguments> cases = new ArrayList<>();
        for (final HalProvider hal : Hals.all())
        {
            for (final String decorator : new String[]{"", "faulty:"})
            {
                for (final Scenario scenario : ScenarioRunner.scenarios())
                {
                    cases.add(Arguments.of(decorator + hal.name(), scenario.name()));
                }
            }
        }
        return cases.stream();
    }

    @TempDir
    Path journals;

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("matrix")
    void scenarioHoldsOnHalAndItsJournalAudits(final String hal, final String scenario)
    {
        final long seed = Long.getLong("sanref.seed", System.nanoTime() & 0xFFFF_FFFFL);
        System.out.println(scenario + " on " + hal + ": seed " + seed);
        final HalProvider provider = Hals.find(hal);
        Assumptions.assumeTrue(null == provider.unavailableReason(),
            () -> hal + " cannot run here: " + provider.unavailableReason());

        final ScenarioOptions options = ScenarioOptions.of(hal, scenario).withConnections(8).withOpsPerSocket(8)
            .withSeed(seed).withJournal(journals.resolve(hal + "-" + scenario));
        final ScenarioResult result = ScenarioRunner.run(options);

        if (!provider.capabilities().containsAll(ScenarioRunner.find(scenario).requires()))
        {
            assertEquals("not-supported", result.verdict(), "a HAL without the capability must not pass");
            return;
        }
        assertTrue(result.passed(), () -> result.summary());
        assertEquals(0, result.duplicateCompletions());
        assertEquals(0, result.lostCompletions());
        assertEquals(0, result.violations());
        assertEquals(result.sockets(), result.closeHandleUpcalls(), "one final upcall per socket");
        Reliability.record("conformance-" + hal.replace(':', '-') + "-" + scenario,
            Reliability.of(result, Reliability.auditViolations(result)));
        assertNotNull(result.audit(), "every run is audited");
        assertTrue(result.audit().contains("\"verdict\": \"pass\""), result.audit());
    }
}
