package io.sanref.bench;

import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads JMH's JSON results and turns them into the table of {@code PERFORMANCE.md}: each row's measured figure, its
 * baseline from the same run, the ratio, the target, and whether it was met. Rows for a HAL that was not available
 * say so instead of a number. Also runs as a main to rebuild a table from saved JSON:
 * {@code java -cp benchmarks.jar io.sanref.bench.Report results.json [more.json...]}.
 */
final class Report
{
    /** One line of the table. {@code profile} is what to re-run under JFR if the target was missed. */
    record Row(String id, String what, String measured, String baseline, double ratio, String target, String status,
        Profile profile)
    {
    }

    /** A benchmark to re-run under a flight recording, with the event that says where the time (or memory) goes. */
    record Profile(String benchmark, Map<String, String[]> params, String event)
    {
        String key()
        {
            return benchmark + Suite.describe(params);
        }
    }

    static final String MET = "met";
    static final String MISSED = "MISSED";
    static final String UNRELIABLE = "unreliable";
    static final double IN_PROCESS_MEDIAN_LIMIT_NS = 100_000;

    private final List<Map<String, Object>> results;
    private final Map<String, String> unavailable;
    private final Machine machine;
    private final String mode;
    private final List<Row> rows = new ArrayList<>();
    private final Map<String, String> profiles = new LinkedHashMap<>();
    private final Map<String, String> failures = new LinkedHashMap<>();

    private Report(
        final List<Map<String, Object>> results, final Map<String, String> unavailable, final Machine machine,
        final String mode)
    {
        this.results = results;
        this.unavailable = unavailable;
        this.machine = machine;
        this.mode = mode;
        build();
    }

    static Report from(
        final List<Path> jsonFiles, final Map<String, String> unavailable, final Machine machine, final String mode)
        throws IOException
    {
        final List<Map<String, Object>> all = new ArrayList<>();
        for (final Path p : jsonFiles)
        {
            all.addAll(load(p));
        }
        return new Report(all, unavailable, machine, mode);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> load(final Path json) throws IOException
    {
        if (!Files.exists(json))
        {
            return List.of();
        }
        final String text = Files.readString(json).trim();
        if (text.isEmpty())
        {
            return List.of();
        }
        final List<Map<String, Object>> list = new ArrayList<>();
        for (final Object o : (List<Object>)MiniJson.parse(text))
        {
            list.add((Map<String, Object>)o);
        }
        return list;
    }

    /** Concatenate JMH's per-run arrays into one array, as JMH would have written for one run. */
    static void mergeJson(final List<Path> jsonFiles, final Path into) throws IOException
    {
        final StringBuilder sb = new StringBuilder("[\n");
        boolean first = true;
        for (final Path p : jsonFiles)
        {
            if (!Files.exists(p))
            {
                continue;
            }
            String text = Files.readString(p).trim();
            if (text.length() < 2)
            {
                continue;
            }
            text = text.substring(1, text.length() - 1).trim();
            if (text.isEmpty())
            {
                continue;
            }
            if (!first)
            {
                sb.append(",\n");
            }
            sb.append(text);
            first = false;
        }
        Files.writeString(into, sb.append("\n]\n").toString());
    }

    public static void main(final String[] args) throws IOException
    {
        final List<Path> files = new ArrayList<>();
        for (final String a : args)
        {
            files.add(Path.of(a));
        }
        final Machine machine = Machine.describe("table rebuilt from saved JSON; machine is the one reading it");
        machine.finish();
        System.out.println(from(files, Map.of(), machine, "saved").table());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Finding results
    // ---------------------------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private Map<String, Object> find(final String benchmark, final String... params)
    {
        for (final Map<String, Object> r : results)
        {
            if (!("io.sanref.bench." + benchmark).equals(r.get("benchmark")))
            {
                continue;
            }
            final Map<String, Object> p = (Map<String, Object>)r.getOrDefault("params", Map.of());
            boolean match = true;
            for (int i = 0; i < params.length; i += 2)
            {
                match &= params[i + 1].equals(p.get(params[i]));
            }
            if (match)
            {
                return r;
            }
        }
        return null;
    }

    /** @return the metric: the primary one, or a secondary one by label (e.g. {@code ping}). */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> metric(final Map<String, Object> result, final String secondary)
    {
        if (null == result)
        {
            return null;
        }
        if (null == secondary)
        {
            return (Map<String, Object>)result.get("primaryMetric");
        }
        final Map<String, Object> s = (Map<String, Object>)result.get("secondaryMetrics");
        return null == s ? null : (Map<String, Object>)s.get(secondary);
    }

    private static double score(final Map<String, Object> metric)
    {
        if (null == metric || !(metric.get("score") instanceof Double))
        {
            return Double.NaN;
        }
        return (Double)metric.get("score");
    }

    @SuppressWarnings("unchecked")
    private static double percentile(final Map<String, Object> metric, final String p)
    {
        if (null == metric)
        {
            return Double.NaN;
        }
        final Map<String, Object> ps = (Map<String, Object>)metric.get("scorePercentiles");
        final Object v = null == ps ? null : ps.get(p);
        return v instanceof Double ? (Double)v : Double.NaN;
    }

    // ---------------------------------------------------------------------------------------------------------
    // The rows of PERFORMANCE.md
    // ---------------------------------------------------------------------------------------------------------

    private void build()
    {
        final Map<String, Object> ring = metric(find("RingPingPong.pingpong"), "ping");
        final Map<String, Object> aeron = metric(find("AeronIpcPingPong.pingpong"), "ping");
        final Map<String, Object> loopOff =
            metric(find("ProviderPingPong.pingpong", "hal", "loopback", "journal", "off"), "ping");
        for (final String journal : new String[]{"off", "on"})
        {
            final Map<String, Object> p1 =
                metric(find("ProviderPingPong.pingpong", "hal", "loopback", "journal", journal), "ping");
            final Profile prof = new Profile("ProviderPingPong",
                Suite.params("hal", "loopback", "journal", journal), "jdk.ExecutionSample");
            final String what = "ping-pong 32 B, loopback, full provider, journal " + journal;
            ratioRow("P1", what + ": p50 vs raw Agrona ring p50", percentile(p1, "50.0"), percentile(ring, "50.0"),
                "ns", 1.5, true, prof);
            checkInProcess(p1, ring);
            ratioRow("P1", what + ": p50 vs Aeron IPC p50", percentile(p1, "50.0"), percentile(aeron, "50.0"),
                "ns", 1.0, true, prof);
            checkInProcess(p1, aeron);
            ratioRow("P1", what + ": p99.9 vs Aeron IPC p99.9", percentile(p1, "99.9"), percentile(aeron, "99.9"),
                "ns", 1.0, true, prof);
            checkInProcess(p1, aeron);
        }

        final Map<String, Object> nio = metric(find("NioPingPong.pingpong"), "ping");
        final Map<String, Object> netty = metric(find("NettyPingPong.ping"), null);
        infoRow("P2", "baseline: NIO SocketChannel ping-pong, TCP_NODELAY, 127.0.0.1: p50 / p99.9",
            ns(percentile(nio, "50.0")) + " / " + ns(percentile(nio, "99.9")));
        infoRow("P2", "baseline: Netty NIO ping-pong, 127.0.0.1: p50 / p99.9 (vs NIO floor p50: " +
            ratioText(percentile(netty, "50.0") / percentile(nio, "50.0")) + ")",
            ns(percentile(netty, "50.0")) + " / " + ns(percentile(netty, "99.9")));
        if (unavailable.containsKey("wsd"))
        {
            unavailableRow("P2", "ping-pong 32 B over wsd on 127.0.0.1", unavailable.get("wsd"));
        }
        else
        {
            final Map<String, Object> wsd = metric(find("ProviderPingPong.pingpong", "hal", "wsd", "journal", "off"),
                "ping");
            final Profile prof = new Profile("ProviderPingPong", Suite.params("hal", "wsd", "journal", "off"),
                "jdk.ExecutionSample");
            ratioRow("P2", "ping-pong 32 B over wsd: p50 vs NIO floor p50", percentile(wsd, "50.0"),
                percentile(nio, "50.0"), "ns", 1.10, true, prof);
            ratioRow("P2", "ping-pong 32 B over wsd: p50 vs Netty p50", percentile(wsd, "50.0"),
                percentile(netty, "50.0"), "ns", 1.0, true, prof);
        }

        if (unavailable.containsKey("rdma"))
        {
            unavailableRow("P3", "ping-pong 32 B over the rdma HAL (software verbs)", unavailable.get("rdma"));
        }
        else
        {
            final Map<String, Object> rdma = metric(find("ProviderPingPong.pingpong", "hal", "rdma", "journal", "off"),
                "ping");
            ratioRow("P3", "ping-pong 32 B over rdma: p50 vs P1 loopback p50 (journal off)", percentile(rdma, "50.0"),
                percentile(loopOff, "50.0"), "ns", 2.0, true,
                new Profile("ProviderPingPong", Suite.params("hal", "rdma", "journal", "off"), "jdk.ExecutionSample"));
            checkInProcess(rdma, loopOff);
        }

        // Medians: each invocation is one close on a fresh connection, and one preempted close on a loaded 2-core
        // machine would otherwise outweigh hundreds of others.
        final double abort0 = percentile(metric(find("CloseWithPending.abortPending", "pending", "0"), null), "50.0");
        infoRow("P4", "closeSocket with 0 pending, call to WPUCloseSocketHandle (p50)", ns(abort0));
        double perAbort16 = Double.NaN;
        double perAbort256 = Double.NaN;
        for (final String k : new String[]{"1", "16", "256"})
        {
            final int n = Integer.parseInt(k);
            final double abort = percentile(metric(find("CloseWithPending.abortPending", "pending", k), null), "50.0");
            final double normal =
                percentile(metric(find("CompleteWithPending.completeNormally", "pending", k), null), "50.0");
            final double perAbort = (abort - abort0) / n;
            if (16 == n)
            {
                perAbort16 = perAbort;
            }
            if (256 == n)
            {
                perAbort256 = perAbort;
            }
            ratioRow("P4", "closeSocket with K=" + k + " pending receives: cost per aborted op " +
                "((close(K) - close(0)) / K) vs per normal completion (K completed by data / K), p50s; close(K) = " +
                ns(abort), perAbort, normal / n, "ns", 1.5, true,
                new Profile("CloseWithPending", Suite.params("pending", "256"), "jdk.ExecutionSample"));
        }
        ratioRow("P4", "linear in K: cost per aborted op at K=256 vs at K=16", perAbort256, perAbort16, "ns", 1.5,
            true, new Profile("CloseWithPending", Suite.params("pending", "256"), "jdk.ExecutionSample"));

        final double churnLoop = score(metric(find("SocketChurn.loopback"), null));
        final double churnNio = score(metric(find("SocketChurn.nio"), null));
        ratioRow("P5", "socket churn (create, connect, accept, close both): loopback vs NIO on 127.0.0.1",
            churnLoop, churnNio, "cycles/s", 50.0, false,
            new Profile("SocketChurn.loopback", Map.of(), "jdk.ExecutionSample"));

        final Map<String, Object> on = find("JournalThroughput.sendRecv", "journal", "on");
        final double opsOn = score(metric(on, null));
        final double opsOff = score(metric(find("JournalThroughput.sendRecv", "journal", "off"), null));
        final double records = score(metric(on, "journalRecords"));
        ratioRow("P6", "send+recv ops/s with journal on vs off (journal on sustained " + rate(records) +
            " records/s through ring into Chronicle Queue)", opsOn, opsOff, "ops/s", 0.8, false,
            new Profile("JournalThroughput", Suite.params("journal", "on"), "jdk.ExecutionSample"));

        final double alloc = score(metric(find("SteadyStateAllocation.sendRecv", "journal", "on"),
            "gc.alloc.rate.norm"));
        final Profile allocProf = new Profile("SteadyStateAllocation", Suite.params("journal", "on"),
            "jdk.ObjectAllocationSample");
        rows.add(new Row("P7", "allocation per steady-state send+recv+complete, journal on (gc.alloc.rate.norm: every thread of the " +
            "JVM, the journal agent's Chronicle appends and JMH's own iteration bookkeeping included)",
            Double.isNaN(alloc) ? "not measured" : String.format(Locale.ROOT, "%.3f B/op", alloc), "—", Double.NaN,
            "< 1 B/op", Double.isNaN(alloc) ? "not measured" : alloc < 1.0 ? MET : MISSED, allocProf));

        final Map<String, Object> audit = find("AuditThroughput.audit");
        double events = Double.NaN;
        if (null != audit)
        {
            @SuppressWarnings("unchecked")
            final Map<String, Object> p = (Map<String, Object>)audit.get("params");
            final double n = Double.parseDouble(String.valueOf(p.get("records")));
            events = n / (score(metric(audit, null)) / 1e3);
        }
        rows.add(new Row("P8", "auditing a journal (A1-A9), one thread", rate(events) + " events/s", "—",
            Double.NaN, ">= 10M events/s", Double.isNaN(events) ? "not measured" : events >= 10e6 ? MET : MISSED,
            new Profile("AuditThroughput", Map.of(), "jdk.ExecutionSample")));
    }

    private void ratioRow(
        final String id, final String what, final double measured, final double baseline, final String unit,
        final double target, final boolean atMost, final Profile profile)
    {
        final double ratio = measured / baseline;
        final String status;
        if (Double.isNaN(ratio) || Double.isInfinite(ratio))
        {
            status = "not measured";
        }
        else
        {
            status = (atMost ? ratio <= target : ratio >= target) ? MET : MISSED;
        }
        final String fmt = "ns".equals(unit) ? "%s" : "%s " + unit;
        rows.add(new Row(id, what, String.format(fmt, "ns".equals(unit) ? ns(measured) : rate(measured)),
            String.format(fmt, "ns".equals(unit) ? ns(baseline) : rate(baseline)), ratio,
            (atMost ? "<= " : ">= ") + ratioText(target), status, profile));
    }

    /**
     * An in-process ping-pong whose median round trip is above {@link #IN_PROCESS_MEDIAN_LIMIT_NS} did not have
     * its two threads running at the same time for most of the run (the physical floor is about 0.1 µs): the
     * machine was oversubscribed. A ratio against such a figure says nothing, so the last row is marked
     * unreliable instead of met or missed.
     */
    private void checkInProcess(final Map<String, Object> measured, final Map<String, Object> baseline)
    {
        final double m = percentile(measured, "50.0");
        final double b = percentile(baseline, "50.0");
        if (m > IN_PROCESS_MEDIAN_LIMIT_NS || b > IN_PROCESS_MEDIAN_LIMIT_NS)
        {
            final Row last = rows.remove(rows.size() - 1);
            rows.add(new Row(last.id(), last.what(), last.measured(), last.baseline(), last.ratio(), last.target(),
                UNRELIABLE + ": a median round trip above " + ns(IN_PROCESS_MEDIAN_LIMIT_NS) + " (" +
                (m > IN_PROCESS_MEDIAN_LIMIT_NS ? "measured " + ns(m) : "baseline " + ns(b)) +
                ") means the two threads were mostly not running at once; re-run on a quieter machine",
                last.profile()));
        }
    }

    private void infoRow(final String id, final String what, final String measured)
    {
        rows.add(new Row(id, what, measured, "—", Double.NaN, "— (baseline)", "—", null));
    }

    private void unavailableRow(final String id, final String what, final String why)
    {
        rows.add(new Row(id, what, "—", "—", Double.NaN, "see PERFORMANCE.md", why, null));
    }

    static String ns(final double v)
    {
        if (Double.isNaN(v))
        {
            return "n/a";
        }
        if (v >= 1e6)
        {
            return String.format(Locale.ROOT, "%.2f ms", v / 1e6);
        }
        if (v >= 1e4)
        {
            return String.format(Locale.ROOT, "%.1f µs", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f ns", v);
    }

    static String rate(final double v)
    {
        if (Double.isNaN(v))
        {
            return "n/a";
        }
        if (v >= 1e6)
        {
            return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        }
        if (v >= 1e3)
        {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String ratioText(final double r)
    {
        return Double.isNaN(r) || Double.isInfinite(r) ? "n/a" : String.format(Locale.ROOT, "%.2f×", r);
    }

    void failures(final Map<String, String> failed)
    {
        failures.putAll(failed);
    }

    List<Row> rows()
    {
        return rows;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Profiles for missed targets
    // ---------------------------------------------------------------------------------------------------------

    /** Re-run each missed row's benchmark briefly under a flight recording and summarise where the time goes. */
    void profileMissed(final Path dir, final Suite.Budget budget) throws Exception
    {
        final Set<String> done = new LinkedHashSet<>();
        for (final Row row : rows)
        {
            if (!MISSED.equals(row.status()) || null == row.profile() || !done.add(row.profile().key()))
            {
                continue;
            }
            final Profile p = row.profile();
            Files.createDirectories(dir);
            final String file = (p.benchmark() + "-" + Suite.describe(p.params()))
                .replaceAll("[^A-Za-z0-9=,._-]+", "_") + ".jfr";
            final Path jfr = dir.resolve(file).toAbsolutePath();
            System.out.println("# profiling " + p.key() + " under JFR -> " + jfr);
            final Suite.Spec spec = new Suite.Spec("profile", Suite.bench(p.benchmark()), p.params(), false, null);
            final Suite.Budget short_ = new Suite.Budget("profile", 1, 1, TimeValue.seconds(1), 3,
                TimeValue.seconds(1), budget.auditRecords());
            try
            {
                final org.openjdk.jmh.runner.options.ChainedOptionsBuilder options = Suite.options(
                    spec, short_, "-XX:StartFlightRecording=filename=" + jfr + ",settings=profile");
                if ("AuditThroughput".equals(p.benchmark()))
                {
                    options.param("records", budget.auditRecords());
                }
                Suite.run(options);
                profiles.put(p.key(), "JFR recording `" + dir.getFileName() + "/" + file + "` (not committed; " +
                    "re-create with `benchmarks/run`)\n\n" + JfrSummary.summarise(jfr, p.event(), 12));
            }
            catch (final Exception ex)
            {
                profiles.put(p.key(), "profiling failed: " + ex);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Output
    // ---------------------------------------------------------------------------------------------------------

    String table()
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("| id | what | measured | baseline (same run) | ratio | target | result |\n");
        sb.append("| --- | --- | --- | --- | --- | --- | --- |\n");
        for (final Row r : rows)
        {
            sb.append("| ").append(r.id()).append(" | ").append(r.what()).append(" | ").append(r.measured())
                .append(" | ").append(r.baseline()).append(" | ").append(ratioText(r.ratio())).append(" | ")
                .append(r.target()).append(" | ").append(MISSED.equals(r.status()) ? "**MISSED**" : r.status())
                .append(" |\n");
        }
        return sb.toString();
    }

    String markdown(final String jsonName)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("# sanref benchmarks: ").append(mode).append(" run\n\n");
        sb.append("Every figure below was measured in this one run, each beside its baseline; ratios are the ")
            .append("claim, absolute times drift with the machine. Raw JMH results: `").append(jsonName)
            .append("`. Targets are those of `PERFORMANCE.md`; none was loosened.\n\n");
        sb.append("## Machine\n\n").append(machine.markdown()).append('\n');
        sb.append("## Results\n\n").append(table()).append('\n');
        if (rows.stream().anyMatch((r) -> "not measured".equals(r.status())))
        {
            sb.append("Rows marked \"not measured\" had no result in this run (left out with `--only`, or failed).\n\n");
        }
        if (!failures.isEmpty())
        {
            sb.append("These runs failed:\n\n");
            failures.forEach((id, why) -> sb.append("- ").append(id).append(": ").append(why).append('\n'));
            sb.append('\n');
        }
        final List<Row> missed = new ArrayList<>();
        rows.forEach((r) ->
        {
            if (MISSED.equals(r.status()))
            {
                missed.add(r);
            }
        });
        if (missed.isEmpty())
        {
            sb.append("Every measured target was met in this run.\n");
        }
        else
        {
            sb.append("## Missed targets, and where the time goes\n\n");
            sb.append(missed.size()).append(" row(s) missed their target in this run:\n\n");
            for (final Row r : missed)
            {
                sb.append("- ").append(r.id()).append(": ").append(r.what()).append(": ")
                    .append(Double.isNaN(r.ratio()) ? r.measured() : ratioText(r.ratio()) + " (" + r.measured() +
                        " vs " + r.baseline() + ")")
                    .append(" against a target of ").append(r.target()).append('\n');
            }
            sb.append('\n');
            for (final Map.Entry<String, String> e : profiles.entrySet())
            {
                sb.append("### Profile: ").append(e.getKey()).append("\n\n").append(e.getValue()).append('\n');
            }
        }
        return sb.toString();
    }
}
