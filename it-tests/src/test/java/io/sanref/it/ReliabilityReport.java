package io.sanref.it;

import io.sanref.json.Json;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Sums every fragment under {@link Reliability#directory()} into {@code target/reliability.md} and
 * {@code target/reliability.json} when the test session ends. Registered through the JUnit Platform's
 * {@link LauncherSessionListener} service.
 */
public final class ReliabilityReport implements LauncherSessionListener
{
    public void launcherSessionClosed(final LauncherSession session)
    {
        final Path dir = Reliability.directory();
        if (!Files.isDirectory(dir))
        {
            return;
        }
        final Map<String, Long> totals = new TreeMap<>();
        int fragments = 0;
        try (Stream<Path> files = Files.list(dir))
        {
            for (final Path f : (Iterable<Path>)files.filter((p) -> p.toString().endsWith(".properties")).sorted()::iterator)
            {
                final Properties p = new Properties();
                try (InputStream in = Files.newInputStream(f))
                {
                    p.load(in);
                }
                fragments++;
                for (final String k : p.stringPropertyNames())
                {
                    totals.merge(k, Long.parseLong(p.getProperty(k)), Long::sum);
                }
            }
            write(dir.getParent(), totals, fragments);
        }
        catch (final IOException | RuntimeException ex)
        {
            System.err.println("reliability report: " + ex);
        }
    }

    private static void write(final Path target, final Map<String, Long> totals, final int fragments) throws IOException
    {
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("generated", Instant.now().toString());
        json.put("fragments", fragments);
        json.put("totals", totals);
        Files.writeString(target.resolve("reliability.json"), Json.write(json) + "\n");

        final StringBuilder md = new StringBuilder();
        md.append("# sanref reliability report\n\n");
        md.append("Generated ").append(json.get("generated")).append(" by `mvn -B verify` from ").append(fragments)
            .append(" test fragments.\n\n");
        md.append("| figure | value |\n| --- | --- |\n");
        row(md, "scenario runs (each journaled and audited unless noted)", totals, "scenario_runs");
        totals.forEach((k, v) ->
        {
            if (k.startsWith("scenario_runs."))
            {
                md.append("| &nbsp;&nbsp;on `").append(k.substring("scenario_runs.".length())).append("` | ").append(v)
                    .append(" |\n");
            }
        });
        row(md, "audited runs", totals, "audited_runs");
        row(md, "operations completed exactly once", totals, "operations");
        row(md, "sockets created and closed", totals, "sockets");
        totals.forEach((k, v) ->
        {
            if (k.startsWith("faults_"))
            {
                md.append("| faults injected: ").append(k.substring("faults_".length()).replace('_', ' ')).append(" | ")
                    .append(v).append(" |\n");
            }
        });
        row(md, "scenario expectations bent by faults (not invariants)", totals, "expectations_bent_by_faults");
        row(md, "bad inputs tried (SPI fuzzing)", totals, "bad_inputs");
        row(md, "SPI call sequences fuzzed", totals, "fuzz_sequences");
        row(md, "races explored (Lincheck invocations)", totals, "races_explored");
        row(md, "create/connect/close cycles checked for leaks", totals, "leak_cycles");
        row(md, "crashed (SIGKILL) runs audited", totals, "crash_runs");
        row(md, "violations found", totals, "violations");
        row(md, "leaks found", totals, "leaks");
        Files.writeString(target.resolve("reliability.md"), md.toString());
        System.out.println(md);
    }

    private static void row(final StringBuilder md, final String what, final Map<String, Long> totals, final String key)
    {
        md.append("| ").append(what).append(" | ").append(totals.getOrDefault(key, 0L)).append(" |\n");
    }
}
