package io.sanref.scenario;

import io.sanref.journal.AuditReport;
import io.sanref.journal.AuditViolation;
import io.sanref.journal.Auditor;
import io.sanref.journal.Journal;
import io.sanref.journal.JournalUnreadableException;
import io.sanref.journal.JournalWriter;
import io.sanref.refswitch.SwitchStats;
import io.sanref.spi.SanAddress;
import io.sanref.spi.Winsock;
import io.sanref.spi.hal.HalCapability;
import io.sanref.spi.hal.HalProvider;
import io.sanref.spi.hal.Hals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs the client end of a scenario in this process against a {@link PeerService} elsewhere
 * ({@code sanref run --connect HOST:PORT}); journals node 1 and audits this end (A1-A8; A9 needs both journals:
 * {@code sanref audit SERVER_JOURNAL CLIENT_JOURNAL}).
 */
public final class RemoteRunner
{
    private RemoteRunner()
    {
    }

    /** @return why the scenario cannot run across processes on this HAL, or null when it can. */
    public static String unsupportedReason(final String hal, final String scenario)
    {
        final HalProvider h = Hals.find(hal);
        if (!h.capabilities().contains(HalCapability.CROSS_PROCESS))
        {
            return "HAL '" + h.name() + "' cannot connect across processes (no CROSS_PROCESS capability)";
        }
        final Scenario sc = ScenarioRunner.find(scenario);
        if (!(sc instanceof RemoteScenario))
        {
            final List<String> remote = new ArrayList<>();
            ScenarioRunner.scenarios().forEach((s) ->
            {
                if (s instanceof RemoteScenario)
                {
                    remote.add(s.name());
                }
            });
            return "scenario '" + sc.name() + "' is not supported across processes (it needs both ends in one " +
                "process); across processes: " + remote;
        }
        return null;
    }

    public static ScenarioResult run(final ScenarioOptions options, final SanAddress remote)
    {
        final HalProvider hal = Hals.find(options.hal());
        final Scenario scenario = ScenarioRunner.find(options.scenario());
        if (null != unsupportedReason(options.hal(), options.scenario()))
        {
            return new ScenarioResult(scenario.name(), hal.name(), options.seed(), false, 0, 0, 0, Map.of(), Map.of(),
                0, 0, 0, 0, Map.of(), 0, 0, Map.of(), List.of(), null);
        }
        final String why = hal.unavailableReason();
        if (null != why)
        {
            throw new IllegalStateException("HAL '" + hal.name() + "' cannot run here: " + why);
        }
        final Journal journal = null == options.journalDir() ? null : Journal.open(options.journalDir());
        final Node client = new Node("client", hal, 64, options.opsPerSocket(), 1024,
            null == journal ? JournalWriter.OFF : journal.writer(1));
        final boolean faults = hal.name().startsWith("faulty:");
        final ScenarioContext ctx = new ScenarioContext(options, client, null, faults);
        final long start = System.nanoTime();
        try
        {
            if (ctx.invariant(Winsock.NO_ERROR == client.startup(), "client startup"))
            {
                try
                {
                    ((RemoteScenario)scenario).runRemote(ctx, remote);
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
            final Map<String, Long> halCounters = new TreeMap<>(client.provider().halCounters());
            while (client.startups() > 0)
            {
                ctx.invariant(Winsock.NO_ERROR == client.cleanup(), "client final cleanup");
            }
            ScenarioRunner.checkShared(ctx, client);
            final SwitchStats c = client.sw().stats();
            final org.HdrHistogram.Histogram latency = client.sw().closeLatencyNs();
            final Map<String, Double> closeLatencyUs = new java.util.LinkedHashMap<>();
            if (latency.getTotalCount() > 0)
            {
                closeLatencyUs.put("p50", latency.getValueAtPercentile(50) / 1000.0);
                closeLatencyUs.put("p99", latency.getValueAtPercentile(99) / 1000.0);
                closeLatencyUs.put("p99.9", latency.getValueAtPercentile(99.9) / 1000.0);
                closeLatencyUs.put("max", latency.getMaxValue() / 1000.0);
            }
            ScenarioResult result = new ScenarioResult(
                scenario.name(), hal.name(), options.seed(), true, c.createHandleUpcalls(), c.posted(), c.completed(),
                new TreeMap<>(c.completionsByCode()), new TreeMap<>(c.syncErrorsByCode()), c.duplicateCompletions(),
                client.sw().outstanding(), c.closeHandleUpcalls(), c.violations(), closeLatencyUs,
                (System.nanoTime() - start) / 1_000_000, ctx.expectationsBent(), halCounters,
                List.copyOf(ctx.failures()), null);
            if (null != journal)
            {
                journal.close();
                result = audit(result, options, journal);
            }
            return result;
        }
        finally
        {
            if (null != journal && !journal.isClosed())
            {
                journal.close();
            }
        }
    }

    private static ScenarioResult audit(final ScenarioResult result, final ScenarioOptions options, final Journal journal)
    {
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
            return result.withAudit(null, problems);
        }
        for (final AuditViolation v : audit.violations())
        {
            problems.add("audit: " + v);
        }
        if (audit.truncated())
        {
            problems.add("audit: the journal of a finished run is truncated");
        }
        if (audit.events() != journal.recordsWritten())
        {
            problems.add("journal lost records: " + journal.recordsWritten() + " written, " + audit.events() + " read");
        }
        return result.withAudit(audit.toJson(), problems);
    }
}
