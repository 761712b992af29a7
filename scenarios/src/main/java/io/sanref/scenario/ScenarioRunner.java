package io.sanref.scenario;

import io.sanref.journal.AuditReport;
import io.sanref.journal.AuditViolation;
import io.sanref.journal.Auditor;
import io.sanref.journal.Journal;
import io.sanref.journal.JournalUnreadableException;
import io.sanref.journal.JournalWriter;
import io.sanref.refswitch.SwitchStats;
import io.sanref.spi.Winsock;
import io.sanref.spi.hal.HalProvider;
import io.sanref.spi.hal.Hals;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs a scenario with both ends in this process and checks it: the scenario's own expectations plus the
 * ones every scenario shares. The CLI and the conformance tests both come through here.
 */
public final class ScenarioRunner
{
    private static final List<Scenario> SCENARIOS = List.of(
        new CloseIdle(),
        new ClosePendingRecv(),
        new ClosePendingSend(),
        new PeerReset(),
        new SimultaneousClose(),
        new CloseDuringConnect(),
        new CloseDuringCompletion(),
        new ClosePendingRdma(),
        new CleanupWithOpenSockets(),
        new StaleDescriptor(),
        new DoubleClose(),
        new BacklogFull(),
        new Churn(),
        new CloseMatrix(),
        new Mixed());

    private ScenarioRunner()
    {
    }

    public static List<Scenario> scenarios()
    {
        return SCENARIOS;
    }

    /** @throws IllegalArgumentException naming the scenarios there are. */
    public static Scenario find(final String name)
    {
        for (final Scenario s : SCENARIOS)
        {
            if (s.name().equals(name))
            {
                return s;
            }
        }
        final List<String> names = new ArrayList<>();
        SCENARIOS.forEach((s) -> names.add(s.name()));
        throw new IllegalArgumentException("no scenario named '" + name + "'; there are " + names);
    }

    /**
     * Run one scenario.
     *
     * @param options  what to run and how.
     * @param journals a journal writer per node (client 1, server 2), or {@code null} for none.
     * @return the result; {@link ScenarioResult#passed()} says whether every expectation held.
     * @throws IllegalArgumentException for an unknown HAL or scenario.
     * @throws IllegalStateException when the HAL cannot run here.
     */
    public static ScenarioResult run(final ScenarioOptions options, final JournalFactory journals)
    {
        return run(options, journals, null);
    }

    /**
     * Run one scenario journaling both nodes into {@link ScenarioOptions#journalDir()} (when set), then audit the
     * journal (A1-A9) and check it agrees with what the switches were told: every record the providers wrote
     * reached the disk, and the journal counts the same completions, by the same channels, as the switches.
     *
     * @return the result with the audit's JSON attached; audit failures are failures of the run.
     */
    public static ScenarioResult run(final ScenarioOptions options)
    {
        if (null == options.journalDir())
        {
            return run(options, null, null);
        }
        final Journal journal = Journal.open(options.journalDir());
        final ScenarioResult[] result = new ScenarioResult[1];
        final Node[][] nodes = new Node[1][];
        try
        {
            result[0] = run(options, journal::writer, (client, server) -> nodes[0] = new Node[]{client, server});
        }
        finally
        {
            journal.close();
        }
        final List<String> problems = new ArrayList<>();
        if (null != journal.failure())
        {
            problems.add("journal failed: " + journal.failure());
        }
        final AuditReport audit;
        try
        {
            audit = Auditor.audit(options.journalDir());
        }
        catch (final JournalUnreadableException ex)
        {
            problems.add("journal unreadable: " + ex.getMessage());
            return result[0].withAudit(null, problems);
        }
        if (!audit.passed())
        {
            for (final AuditViolation v : audit.violations())
            {
                problems.add("audit: " + v);
            }
        }
        if (audit.truncated())
        {
            problems.add("audit: the journal of a finished run is truncated");
        }
        if (audit.events() != journal.recordsWritten())
        {
            problems.add("journal lost records: " + journal.recordsWritten() + " written, " + audit.events() + " read");
        }
        if (null != nodes[0] && result[0].supported())
        {
            long upcalls = 0;
            long polled = 0;
            long posted = 0;
            for (final Node n : nodes[0])
            {
                upcalls += n.sw().stats().completedByUpcall();
                polled += n.sw().stats().completedByPoll();
                posted += n.sw().stats().posted();
            }
            if (audit.completedByUpcall() != upcalls || audit.completedPolled() != polled)
            {
                problems.add("journal and switches disagree: journal has " + audit.completedByUpcall() + " upcall and " +
                    audit.completedPolled() + " polled completions, the switches saw " + upcalls + " and " + polled);
            }
            if (audit.operations() != posted + audit.completedSync())
            {
                problems.add("journal has " + audit.operations() + " posted operations, the switches took " + posted +
                    " plus " + audit.completedSync() + " refused at once");
            }
        }
        return result[0].withAudit(audit.toJson(), problems);
    }

    /** Told of the nodes once they exist, so a caller can read their switches afterwards. */
    @FunctionalInterface
    interface NodesListener
    {
        void onNodes(Node client, Node server);
    }

    private static ScenarioResult run(
        final ScenarioOptions options, final JournalFactory journals, final NodesListener nodesListener)
    {
        final HalProvider hal = Hals.find(options.hal());
        final Scenario scenario = find(options.scenario());
        if (!hal.capabilities().containsAll(scenario.requires()))
        {
            return new ScenarioResult(scenario.name(), hal.name(), options.seed(), false, 0, 0, 0, Map.of(), Map.of(),
                0, 0, 0, 0, Map.of(), 0, 0, Map.of(), List.of(), null);
        }
        final String why = hal.unavailableReason();
        if (null != why)
        {
            throw new IllegalStateException("HAL '" + hal.name() + "' cannot run here: " + why);
        }

        final int maxSockets = Math.max(64, 2 * scenario.liveConnections(options) + 64);
        final int maxOverlapped = 1 << 20;
        final Node client = new Node("client", hal, maxSockets, options.opsPerSocket(), maxOverlapped,
            null == journals ? JournalWriter.OFF : journals.writer(1));
        final Node server = new Node("server", hal, maxSockets, options.opsPerSocket(), maxOverlapped,
            null == journals ? JournalWriter.OFF : journals.writer(2));
        final boolean faults = hal.name().startsWith("faulty:");
        final ScenarioContext ctx = new ScenarioContext(options, client, server, faults);
        if (faults)
        {
            client.sw().slowUpcalls(0.01, 200_000, options.seed());
            server.sw().slowUpcalls(0.01, 200_000, options.seed() + 1);
        }
        if (null != nodesListener)
        {
            nodesListener.onNodes(client, server);
        }

        final long start = System.nanoTime();
        if (ctx.invariant(Winsock.NO_ERROR == server.startup(), "server startup") &&
            ctx.invariant(Winsock.NO_ERROR == client.startup(), "client startup"))
        {
            try
            {
                scenario.run(ctx);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                ctx.invariant(false, "interrupted");
            }
            catch (final RuntimeException ex)
            {
                ctx.invariant(false, "the scenario threw " + ex);
            }
        }
        final Map<String, Long> halCounters = new TreeMap<>();
        for (final Node node : new Node[]{client, server})
        {
            node.provider().halCounters().forEach((k, v) -> halCounters.merge(k, v, Long::sum));
        }
        halCounters.put("slowed_upcalls", client.sw().stats().slowedUpcalls() + server.sw().stats().slowedUpcalls());
        for (final Node node : new Node[]{client, server})
        {
            while (node.startups() > 0)
            {
                ctx.invariant(Winsock.NO_ERROR == node.cleanup(), node + " final cleanup");
            }
        }
        final long durationMs = (System.nanoTime() - start) / 1_000_000;
        checkShared(ctx, client);
        checkShared(ctx, server);
        return result(scenario, hal, options, ctx, client, server, durationMs, halCounters);
    }

    /** Makes one journal writer per node. */
    @FunctionalInterface
    public interface JournalFactory
    {
        JournalWriter writer(int nodeId);
    }

    static void checkShared(final ScenarioContext ctx, final Node node)
    {
        final SwitchStats st = node.sw().stats();
        final int lost = node.sw().outstanding();
        ctx.invariant(0 == lost, node + ": " + lost + " operations never completed (A1)");
        ctx.invariant(0 == st.duplicateCompletions(), node + ": " + st.duplicateCompletions() + " duplicate completions (A1)");
        ctx.invariant(0 == st.upcallsForDeadHandles(), node + ": " + st.upcallsForDeadHandles() +
            " upcalls for closed or unknown handles (R7, A4)");
        ctx.invariant(0 == st.upcallsForPolledOps(), node + ": " + st.upcallsForPolledOps() +
            " completion upcalls for operations the switch polls (R3)");
        ctx.invariant(0 == st.overlappedMismatches(), node + ": " + st.overlappedMismatches() +
            " overlapped structures disagreeing with their upcall (R4)");
        ctx.invariant(0 == st.abortedWithBytes(), node + ": " + st.abortedWithBytes() + " aborted operations reporting bytes (R4)");
        ctx.invariant(0 == st.wrongHandle(), node + ": " + st.wrongHandle() + " completions under the wrong handle");
        ctx.invariant(0 == st.duplicateCloseHandles(), node + ": " + st.duplicateCloseHandles() +
            " second closeSocketHandle upcalls (R7)");
        ctx.invariant(0 == st.closeHandleBeforeClose(), node + ": " + st.closeHandleBeforeClose() +
            " sockets freed before closeSocket (R8)");
        ctx.invariant(st.createHandleUpcalls() == st.closeHandleUpcalls(), node + ": " + st.createHandleUpcalls() +
            " create upcalls but " + st.closeHandleUpcalls() + " final upcalls (R7)");
        ctx.invariant(0 == node.sw().liveHandles(), node + ": " + node.sw().liveHandles() + " handles still open after cleanup");
        ctx.invariant(0 == node.provider().liveSockets(), node + ": " + node.provider().liveSockets() +
            " socket slots still held after cleanup");
        ctx.invariant(0 == node.provider().liveRegistrations(), node + ": " + node.provider().liveRegistrations() +
            " registrations still held after cleanup");
    }

    private static ScenarioResult result(
        final Scenario scenario, final HalProvider hal, final ScenarioOptions options, final ScenarioContext ctx,
        final Node client, final Node server, final long durationMs, final Map<String, Long> halCounters)
    {
        final SwitchStats c = client.sw().stats();
        final SwitchStats s = server.sw().stats();
        final Histogram latency = client.sw().closeLatencyNs().copy();
        latency.add(server.sw().closeLatencyNs());
        final Map<String, Double> closeLatencyUs = new LinkedHashMap<>();
        if (latency.getTotalCount() > 0)
        {
            closeLatencyUs.put("p50", latency.getValueAtPercentile(50) / 1000.0);
            closeLatencyUs.put("p99", latency.getValueAtPercentile(99) / 1000.0);
            closeLatencyUs.put("p99.9", latency.getValueAtPercentile(99.9) / 1000.0);
            closeLatencyUs.put("max", latency.getMaxValue() / 1000.0);
        }
        return new ScenarioResult(
            scenario.name(), hal.name(), options.seed(), true,
            c.createHandleUpcalls() + s.createHandleUpcalls(),
            c.posted() + s.posted(),
            c.completed() + s.completed(),
            sum(c.completionsByCode(), s.completionsByCode()),
            sum(c.syncErrorsByCode(), s.syncErrorsByCode()),
            c.duplicateCompletions() + s.duplicateCompletions(),
            client.sw().outstanding() + server.sw().outstanding(),
            c.closeHandleUpcalls() + s.closeHandleUpcalls(),
            c.violations() + s.violations(),
            closeLatencyUs,
            durationMs,
            ctx.expectationsBent(),
            halCounters,
            List.copyOf(ctx.failures()),
            null);
    }

    private static Map<Integer, Long> sum(final Map<Integer, Long> a, final Map<Integer, Long> b)
    {
        final Map<Integer, Long> m = new TreeMap<>(a);
        b.forEach((k, v) -> m.merge(k, v, Long::sum));
        return m;
    }
}
