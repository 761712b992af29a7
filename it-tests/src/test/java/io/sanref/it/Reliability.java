package io.sanref.it;

import io.sanref.scenario.ScenarioResult;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Figures for the reliability report: each test writes a fragment of counts, and {@link ReliabilityReport} sums
 * them into {@code target/reliability.md} and {@code .json} when the test session ends.
 */
final class Reliability
{
    /** Where fragments go; the root pom points every module's tests here. */
    static Path directory()
    {
        return Path.of(System.getProperty("sanref.reliability.dir", "target/reliability"));
    }

    private Reliability()
    {
    }

    static void record(final String fragment, final Map<String, Long> counts)
    {
        final Properties p = new Properties();
        counts.forEach((k, v) -> p.setProperty(k, Long.toString(v)));
        try
        {
            Files.createDirectories(directory());
            try (OutputStream out = Files.newOutputStream(directory().resolve(fragment + ".properties")))
            {
                p.store(out, fragment);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** The counts a scenario run contributes. */
    static Map<String, Long> of(final ScenarioResult r, final long auditViolations)
    {
        final Map<String, Long> m = new TreeMap<>();
        m.put("scenario_runs", 1L);
        m.put("scenario_runs." + r.hal(), 1L);
        m.put("operations", r.posted());
        m.put("sockets", r.sockets());
        m.put("audited_runs", null == r.audit() ? 0L : 1L);
        m.put("violations", r.violations() + r.duplicateCompletions() + r.lostCompletions() + auditViolations);
        m.put("expectations_bent_by_faults", r.expectationsBent());
        r.halCounters().forEach((k, v) ->
        {
            if (k.startsWith("faults_"))
            {
                m.put(k, v);
            }
            else if ("slowed_upcalls".equals(k))
            {
                m.put("faults_slowed_upcalls", v);
            }
        });
        return m;
    }

    /** Audit violations named in an audit's JSON (0 when none or no audit). */
    static long auditViolations(final ScenarioResult r)
    {
        if (null == r.audit())
        {
            return 0;
        }
        final String key = "\"violation_count\": ";
        final int i = r.audit().indexOf(key);
        if (i < 0)
        {
            return 0;
        }
        int j = i + key.length();
        long n = 0;
        while (j < r.audit().length() && Character.isDigit(r.audit().charAt(j)))
        {
            n = n * 10 + (r.audit().charAt(j++) - '0');
        }
        return n;
    }
}
