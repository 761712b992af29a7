package io.sanref.bench;

import io.sanref.spi.hal.HalProvider;
import io.sanref.spi.hal.Hals;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs P1-P8 of {@code PERFORMANCE.md}, each beside its baseline, one JMH run per row group, then hands the JSON to
 * {@link Report} for the table. Rows for a HAL that is not on the class path (or says it cannot run here) are not
 * run; the table says so.
 * <p>
 * Usage: {@code java -jar benchmarks.jar [--quick|--full] [--out DIR] [--only P1,P4] [--note TEXT] [--no-profile]}.
 * Writes {@code DIR/json/<group>.json} (raw JMH), then {@code DIR/<name>.json} (all of it) and {@code DIR/<name>.md}.
 */
public final class Suite
{
    /** One JMH run: a row group's benchmark and its parameters. */
    record Spec(String id, String benchmarkRegex, Map<String, String[]> params, boolean gcProfiler, String requiresHal)
    {
    }

    /** How long each run measures. */
    record Budget(String name, int forks, int warmupIterations, TimeValue warmupTime, int iterations,
        TimeValue iterationTime, String auditRecords)
    {
    }

    static final Budget QUICK = new Budget("quick", 1, 3, TimeValue.seconds(1), 5, TimeValue.seconds(1), "2000000");
    static final Budget FULL = new Budget("full", 2, 5, TimeValue.seconds(2), 10, TimeValue.seconds(2), "10000000");

    private Suite()
    {
    }

    static List<Spec> specs(final Budget budget)
    {
        final List<Spec> specs = new ArrayList<>();
        specs.add(new Spec("P1-provider", bench("ProviderPingPong"),
            params("hal", "loopback", "journal", "off,on"), false, null));
        specs.add(new Spec("P1-ring", bench("RingPingPong"), Map.of(), false, null));
        specs.add(new Spec("P1-aeron", bench("AeronIpcPingPong"), Map.of(), false, null));
        specs.add(new Spec("P2-wsd", bench("ProviderPingPong"), params("hal", "wsd", "journal", "off"), false, "wsd"));
        specs.add(new Spec("P2-nio", bench("NioPingPong"), Map.of(), false, null));
        specs.add(new Spec("P2-netty", bench("NettyPingPong"), Map.of(), false, null));
        specs.add(new Spec("P3-rdma", bench("ProviderPingPong"), params("hal", "rdma", "journal", "off"), false, "rdma"));
        specs.add(new Spec("P4-abort", bench("CloseWithPending"), params("pending", "0,1,16,256"), false, null));
        specs.add(new Spec("P4-normal", bench("CompleteWithPending"), params("pending", "1,16,256"), false, null));
        specs.add(new Spec("P5", bench("SocketChurn"), Map.of(), false, null));
        specs.add(new Spec("P6", bench("JournalThroughput"), params("journal", "off,on"), false, null));
        specs.add(new Spec("P7", bench("SteadyStateAllocation"), params("journal", "on"), true, null));
        specs.add(new Spec("P8", bench("AuditThroughput"), params("records", budget.auditRecords()), false, null));
        return specs;
    }

    /** @return a JMH include pattern for a class ({@code RingPingPong}) or one method ({@code SocketChurn.nio}). */
    static String bench(final String simpleName)
    {
        return "^\\Qio.sanref.bench." + simpleName + "\\E(\\..*)?$";
    }

    static Map<String, String[]> params(final String... kv)
    {
        final Map<String, String[]> map = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2)
        {
            map.put(kv[i], kv[i + 1].split(","));
        }
        return map;
    }

    /** @return the JVM flags Agrona, Chronicle and Aeron need, as built into the jar from the root pom. */
    static String[] jvmFlags()
    {
        try (InputStream in = Suite.class.getResourceAsStream("/sanref-bench-jvm.flags"))
        {
            final String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            return text.isEmpty() ? new String[0] : text.split("\\s+");
        }
        catch (final IOException | NullPointerException ex)
        {
            throw new IllegalStateException("sanref-bench-jvm.flags missing from the class path", ex);
        }
    }

    static ChainedOptionsBuilder options(final Spec spec, final Budget budget, final String... extraJvmArgs)
    {
        final List<String> jvmArgs = new ArrayList<>(List.of(jvmFlags()));
        jvmArgs.addAll(List.of(extraJvmArgs));
        // Allocation is counted over every thread, JMH's own per-iteration bookkeeping (result serialisation,
        // reflection) included; long iterations amortise that over many more operations.
        final int iterationScale = spec.gcProfiler() ? 5 : 1;
        final ChainedOptionsBuilder b = new OptionsBuilder()
            .include(spec.benchmarkRegex())
            .forks(budget.forks())
            .warmupIterations(budget.warmupIterations())
            .warmupTime(budget.warmupTime())
            .measurementIterations(budget.iterations())
            .measurementTime(TimeValue.milliseconds(budget.iterationTime().convertTo(
                java.util.concurrent.TimeUnit.MILLISECONDS) * iterationScale))
            .jvmArgsAppend(jvmArgs.toArray(new String[0]))
            .shouldFailOnError(true);
        spec.params().forEach(b::param);
        if (spec.gcProfiler())
        {
            b.addProfiler("gc");
        }
        return b;
    }

    /** @return null if the HAL can run here, else why not. */
    static String halUnavailable(final String name)
    {
        final List<String> names = new ArrayList<>();
        for (final HalProvider hal : Hals.all())
        {
            names.add(hal.name());
            if (hal.name().equals(name))
            {
                return hal.unavailableReason();
            }
        }
        return "HAL not built/available: no HAL named '" + name + "' on this build's class path (found " + names + ")";
    }

    public static void main(final String[] args) throws Exception
    {
        Budget budget = QUICK;
        Path out = Path.of("benchmarks", "results");
        String only = null;
        String note = "";
        String name = null;
        boolean profile = true;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--quick": budget = QUICK; break;
                case "--full": budget = FULL; break;
                case "--out": out = Path.of(args[++i]); break;
                case "--only": only = "," + args[++i] + ","; break;
                case "--note": note = args[++i]; break;
                case "--name": name = args[++i]; break;
                case "--no-profile": profile = false; break;
                default: throw new IllegalArgumentException("unknown argument " + args[i] +
                    "; use --quick|--full [--out DIR] [--only P1,P2] [--note TEXT] [--name NAME] [--no-profile]");
            }
        }
        final Path jsonDir = out.resolve("json");
        Files.createDirectories(jsonDir);
        final Machine machine = Machine.describe(note);
        final Map<String, String> unavailable = new LinkedHashMap<>();
        final Map<String, String> failures = new LinkedHashMap<>();
        final List<Path> jsonFiles = new ArrayList<>();
        for (final Spec spec : specs(budget))
        {
            final String group = spec.id().split("-")[0];
            if (null != only && !only.contains("," + group + ","))
            {
                continue;
            }
            if (null != spec.requiresHal())
            {
                final String why = halUnavailable(spec.requiresHal());
                if (null != why)
                {
                    System.out.println("# " + spec.id() + ": skipped: " + why);
                    unavailable.put(spec.requiresHal(), why);
                    continue;
                }
            }
            final Path json = jsonDir.resolve(spec.id() + ".json");
            System.out.println("# " + spec.id() + ": running " + spec.benchmarkRegex() + " " + describe(spec.params()));
            try
            {
                run(options(spec, budget).result(json.toString()).resultFormat(ResultFormatType.JSON));
            }
            catch (final RunnerException ex)
            {
                // One broken row must not cost the others: the table says which run failed and why.
                final Throwable cause = null == ex.getCause() ? ex : ex.getCause();
                System.out.println("# " + spec.id() + ": FAILED: " + cause);
                failures.put(spec.id(), String.valueOf(cause));
            }
            jsonFiles.add(json);
        }
        machine.finish();
        if (null == name)
        {
            name = java.time.LocalDate.now(java.time.ZoneOffset.UTC) + "-" + machine.host();
        }
        final Report report = Report.from(jsonFiles, unavailable, machine, budget.name());
        report.failures(failures);
        if (profile)
        {
            report.profileMissed(out.resolve("jfr"), budget);
        }
        final Path md = out.resolve(name + ".md");
        final Path all = out.resolve(name + ".json");
        Report.mergeJson(jsonFiles, all);
        Files.writeString(md, report.markdown(all.getFileName().toString()));
        System.out.println();
        System.out.println(report.table());
        System.out.println(machine.markdown());
        System.out.println("written: " + md + " and " + all);
    }

    static String describe(final Map<String, String[]> params)
    {
        final StringBuilder sb = new StringBuilder();
        params.forEach((k, v) -> sb.append(k).append('=').append(String.join(",", v)).append(' '));
        return sb.toString().trim();
    }

    static void run(final ChainedOptionsBuilder options) throws RunnerException
    {
        new Runner(options.build()).run();
    }
}
