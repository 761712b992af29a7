package io.sanref.scenario;

import io.sanref.json.Json;
import io.sanref.spi.Winsock;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a scenario run showed, summed over both nodes.
 *
 * @param scenario             scenario name.
 * @param hal                  HAL name.
 * @param seed                 the seed (print it; it reproduces the run).
 * @param supported            false when the HAL lacks a capability the scenario needs: nothing ran.
 * @param sockets              sockets created (create-handle upcalls).
 * @param posted               operations the providers took.
 * @param completed            completions reported (upcall or poll).
 * @param completionsByCode    asynchronous completions by Winsock code.
 * @param syncErrorsByCode     calls that failed synchronously, by code.
 * @param duplicateCompletions completions of an operation already completed (A1).
 * @param lostCompletions      operations taken and never completed (A1).
 * @param closeHandleUpcalls   final upcalls made (R7).
 * @param violations           every switch-side violation counted (0 for a correct provider).
 * @param closeLatencyUs       closeSocket to closeSocketHandle, percentiles in microseconds.
 * @param durationMs           wall time of the scenario.
 * @param expectationsBent     scenario expectations that faults legitimately bent (0 without faults).
 * @param halCounters          the HALs' own counters at the end of the run, summed over both nodes (faults injected).
 * @param failures             expectations that did not hold, in words.
 * @param audit                the journal audit's JSON, or null when no journal was kept.
 */
public record ScenarioResult(
    String scenario,
    String hal,
    long seed,
    boolean supported,
    long sockets,
    long posted,
    long completed,
    Map<Integer, Long> completionsByCode,
    Map<Integer, Long> syncErrorsByCode,
    long duplicateCompletions,
    long lostCompletions,
    long closeHandleUpcalls,
    long violations,
    Map<String, Double> closeLatencyUs,
    long durationMs,
    long expectationsBent,
    Map<String, Long> halCounters,
    List<String> failures,
    String audit)
{
    /** @return true when the run happened and every expectation held. */
    public boolean passed()
    {
        return supported && failures.isEmpty();
    }

    public String verdict()
    {
        return !supported ? "not-supported" : passed() ? "pass" : "fail";
    }

    public ScenarioResult withAudit(final String auditJson, final List<String> auditFailures)
    {
        final List<String> all = new java.util.ArrayList<>(failures);
        all.addAll(auditFailures);
        return new ScenarioResult(scenario, hal, seed, supported, sockets, posted, completed, completionsByCode,
            syncErrorsByCode, duplicateCompletions, lostCompletions, closeHandleUpcalls, violations, closeLatencyUs,
            durationMs, expectationsBent, halCounters, List.copyOf(all), auditJson);
    }

    public String toJson()
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", scenario);
        m.put("hal", hal);
        m.put("seed", seed);
        m.put("supported", supported);
        m.put("sockets", sockets);
        m.put("posted", posted);
        m.put("completed", completed);
        m.put("completions_by_code", byCode(completionsByCode));
        m.put("sync_errors_by_code", byCode(syncErrorsByCode));
        m.put("duplicate_completions", duplicateCompletions);
        m.put("lost_completions", lostCompletions);
        m.put("close_handle_upcalls", closeHandleUpcalls);
        m.put("violations", violations);
        m.put("close_latency_us", closeLatencyUs);
        m.put("duration_ms", durationMs);
        m.put("expectations_bent_by_faults", expectationsBent);
        m.put("hal_counters", halCounters);
        m.put("failures", failures);
        if (null != audit)
        {
            m.put("audit", new Json.Raw(audit));
        }
        m.put("verdict", verdict());
        return Json.write(m);
    }

    private static Map<String, Long> byCode(final Map<Integer, Long> codes)
    {
        final Map<String, Long> m = new LinkedHashMap<>();
        codes.forEach((code, n) -> m.put(String.valueOf(code), n));
        return m;
    }

    /** @return the human summary. */
    public String summary()
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("scenario   ").append(scenario).append(" on ").append(hal).append(" (seed ").append(seed).append(")\n");
        if (!supported)
        {
            sb.append("verdict    NOT SUPPORTED: the HAL lacks a capability this scenario needs\n");
            return sb.toString();
        }
        sb.append("sockets    ").append(sockets).append(" created, ").append(closeHandleUpcalls)
            .append(" final closeSocketHandle upcalls\n");
        sb.append("operations ").append(posted).append(" posted, ").append(completed).append(" completed, ")
            .append(duplicateCompletions).append(" duplicate, ").append(lostCompletions).append(" lost\n");
        sb.append("completions by code:\n");
        completionsByCode.forEach((code, n) -> sb.append(String.format("  %6d  %-22s %d%n", code, Winsock.name(code), n)));
        if (!syncErrorsByCode.isEmpty())
        {
            sb.append("synchronous errors by code:\n");
            syncErrorsByCode.forEach((code, n) -> sb.append(String.format("  %6d  %-22s %d%n", code, Winsock.name(code), n)));
        }
        sb.append("close latency (closeSocket -> closeSocketHandle): ");
        if (closeLatencyUs.isEmpty())
        {
            sb.append("no closes measured\n");
        }
        else
        {
            closeLatencyUs.forEach((k, v) -> sb.append(k).append('=').append(String.format("%.1fus ", v)));
            sb.append('\n');
        }
        sb.append("switch-side violations: ").append(violations).append('\n');
        if (halCounters.keySet().stream().anyMatch((k) -> k.startsWith("faults_")))
        {
            sb.append("faults injected: ");
            halCounters.forEach((k, v) ->
            {
                if (k.startsWith("faults_") || "slowed_upcalls".equals(k))
                {
                    sb.append(k.replace("faults_", "")).append('=').append(v).append(' ');
                }
            });
            sb.append("; scenario expectations bent by them: ").append(expectationsBent).append('\n');
        }
        if (null != audit)
        {
            sb.append("journal audit: ").append(audit.contains("\"verdict\": \"pass\"") ? "pass" : "FAIL").append('\n');
        }
        for (final String f : failures)
        {
            sb.append("FAILED: ").append(f).append('\n');
        }
        sb.append("verdict    ").append(verdict().toUpperCase()).append(" (").append(durationMs).append(" ms)\n");
        return sb.toString();
    }
}
