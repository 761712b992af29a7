package io.sanref.bench;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CI's proof that the harness works: one 100 ms iteration of the full-provider ping-pong (P1, loopback, journal
 * off), in this JVM, produces samples from both sides of the group, and the report reads JMH's JSON back. No time
 * is judged anywhere.
 */
class BenchHarnessSmokeTest
{
    @Test
    void providerPingPongRunsOneShortIterationAndTheReportReadsItsJson() throws Exception
    {
        final Path json = Files.createTempFile("sanref-bench-smoke", ".json");
        final Options options = new OptionsBuilder()
            .include(Suite.bench("ProviderPingPong"))
            .param("hal", "loopback")
            .param("journal", "off")
            .forks(0)
            .warmupIterations(0)
            .measurementIterations(1)
            .measurementTime(TimeValue.milliseconds(100))
            .shouldFailOnError(true)
            .result(json.toString())
            .resultFormat(org.openjdk.jmh.results.format.ResultFormatType.JSON)
            .build();

        final Collection<RunResult> results = new Runner(options).run();

        assertEquals(1, results.size());
        final RunResult result = results.iterator().next();
        assertTrue(result.getPrimaryResult().getSampleCount() > 0, "no round trip was sampled");
        assertTrue(result.getSecondaryResults().containsKey("ping"), "no ping samples: " + result.getSecondaryResults());
        assertTrue(result.getSecondaryResults().get("ping").getSampleCount() > 0, "no ping samples");

        final List<Map<String, Object>> read = Report.load(json);
        assertEquals(1, read.size());
        assertEquals("io.sanref.bench.ProviderPingPong.pingpong", read.get(0).get("benchmark"));
        Files.deleteIfExists(json);
    }

    @Test
    void suiteNamesEveryRowGroupAndSaysWhenAHalIsMissing()
    {
        final List<Suite.Spec> specs = Suite.specs(Suite.QUICK);
        for (final String group : new String[]{"P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"})
        {
            assertTrue(specs.stream().anyMatch((s) -> s.id().startsWith(group)), group + " has no run");
        }
        assertEquals(null, Suite.halUnavailable("loopback"));
        final String why = Suite.halUnavailable("no-such-hal");
        assertFalse(null == why || why.isEmpty());
        assertTrue(why.contains("HAL not built/available"), why);
    }

    @Test
    void miniJsonReadsWhatJmhWrites()
    {
        final Object parsed = MiniJson.parse("[{\"benchmark\":\"a.b\",\"params\":{\"k\":\"v\"},\"primaryMetric\":"
            + "{\"score\":1.5e3,\"scorePercentiles\":{\"50.0\":2,\"99.9\":3.25},\"scoreUnit\":\"ns\\/op\"},"
            + "\"ok\":true,\"none\":null,\"list\":[]}]");
        @SuppressWarnings("unchecked")
        final Map<String, Object> r = (Map<String, Object>)((List<Object>)parsed).get(0);
        assertEquals("a.b", r.get("benchmark"));
        @SuppressWarnings("unchecked")
        final Map<String, Object> m = (Map<String, Object>)r.get("primaryMetric");
        assertEquals(1500.0, m.get("score"));
        assertEquals("ns/op", m.get("scoreUnit"));
        assertEquals(Boolean.TRUE, r.get("ok"));
    }
}
