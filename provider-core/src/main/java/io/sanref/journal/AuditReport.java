package io.sanref.journal;

import io.sanref.json.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The result of an audit: what was seen, what broke, and a verdict. Immutable.
 * <p>
 * The verdict is "pass" when no violation was found. A torn tail alone ({@link #truncated()}) does not fail an
 * audit: operations still pending in a truncated journal are counted in {@link #inFlightAtCrash()} instead.
 *
 * @param events            records read, all journals.
 * @param sockets           SOCKET_CREATED records.
 * @param operations        OP_POSTED records.
 * @param completedByUpcall OP_COMPLETED records whose switch was told by upcall.
 * @param completedPolled   OP_COMPLETED records whose switch polls.
 * @param completedSync     OP_COMPLETED records whose error the call itself returned.
 * @param violationCount    violations found (all of them).
 * @param violations        the first {@code maxStored} violations, in the order found.
 * @param violationsByInvariant count per invariant: index 1 is A1 ... index 9 is A9 (index 0 unused).
 * @param truncated         some journal ends in a torn write.
 * @param inFlightAtCrash   operations pending at the end of a journal (or node) that did not run to the end.
 * @param journals          one summary per input journal, in input order.
 */
public record AuditReport(
    long events,
    long sockets,
    long operations,
    long completedByUpcall,
    long completedPolled,
    long completedSync,
    long violationCount,
    List<AuditViolation> violations,
    long[] violationsByInvariant,
    boolean truncated,
    long inFlightAtCrash,
    List<JournalSummary> journals)
{
    /**
     * @param name             what the journal was called (its directory).
     * @param records          well-formed records read.
     * @param malformed        malformed documents (each is also an A8 violation).
     * @param truncated        it ends in a torn write.
     * @param truncationReason why, or null.
     * @param nodes            nodes that wrote to it.
     * @param completeNodes    nodes whose last lifecycle record is CLEANUP, in a journal that is not truncated.
     */
    public record JournalSummary(
        String name, long records, long malformed, boolean truncated, String truncationReason, int nodes,
        int completeNodes)
    {
    }

    /** @return "pass" or "fail". */
    public String verdict()
    {
        return 0 == violationCount ? "pass" : "fail";
    }

    public boolean passed()
    {
        return 0 == violationCount;
    }

    /** @return violations of {@code invariant} ("A1" ... "A9") found, stored or not. */
    public long count(final String invariant)
    {
        final int i = invariant.charAt(1) - '0';
        return violationsByInvariant[i];
    }

    /** A few lines for a person. */
    public String summary()
    {
        final StringBuilder sb = new StringBuilder(256);
        sb.append("audit ").append(verdict().toUpperCase()).append(": ")
            .append(events).append(" events, ")
            .append(sockets).append(" sockets, ")
            .append(operations).append(" operations, ")
            .append(violationCount).append(" violations");
        if (truncated)
        {
            sb.append(", truncated (").append(inFlightAtCrash).append(" operations in flight at crash)");
        }
        else if (inFlightAtCrash > 0)
        {
            sb.append(", ").append(inFlightAtCrash).append(" operations in flight at the end of an incomplete run");
        }
        sb.append('\n');
        if (violationCount > 0)
        {
            sb.append("  by invariant:");
            for (int i = 1; i < violationsByInvariant.length; i++)
            {
                if (violationsByInvariant[i] > 0)
                {
                    sb.append(" A").append(i).append('=').append(violationsByInvariant[i]);
                }
            }
            sb.append('\n');
        }
        for (final JournalSummary j : journals)
        {
            sb.append("  journal ").append(j.name()).append(": ").append(j.records()).append(" records, ")
                .append(j.nodes()).append(" nodes (").append(j.completeNodes()).append(" ran to the end)");
            if (j.malformed() > 0)
            {
                sb.append(", ").append(j.malformed()).append(" malformed");
            }
            if (j.truncated())
            {
                sb.append(", TRUNCATED: ").append(j.truncationReason());
            }
            sb.append('\n');
        }
        for (final AuditViolation v : violations)
        {
            sb.append("  ").append(v).append('\n');
        }
        if (violations.size() < violationCount)
        {
            sb.append("  ... and ").append(violationCount - violations.size()).append(" more\n");
        }
        return sb.toString();
    }

    public String toString()
    {
        return summary();
    }

    /** The report as one JSON object ({@code events, sockets, operations, violations, truncated, verdict}, ...). */
    public String toJson()
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("events", events);
        m.put("sockets", sockets);
        m.put("operations", operations);
        m.put("completions", Map.of("upcall", completedByUpcall, "polled", completedPolled, "sync", completedSync));
        m.put("truncated", truncated);
        m.put("in_flight_at_crash", inFlightAtCrash);
        m.put("violation_count", violationCount);
        final Map<String, Object> byInvariant = new LinkedHashMap<>();
        for (int i = 1; i < violationsByInvariant.length; i++)
        {
            byInvariant.put("A" + i, violationsByInvariant[i]);
        }
        m.put("violations_by_invariant", byInvariant);
        final List<Object> js = new ArrayList<>();
        for (final JournalSummary j : journals)
        {
            final Map<String, Object> jm = new LinkedHashMap<>();
            jm.put("name", j.name());
            jm.put("records", j.records());
            jm.put("malformed", j.malformed());
            jm.put("truncated", j.truncated());
            jm.put("truncation_reason", j.truncationReason());
            jm.put("nodes", j.nodes());
            jm.put("complete_nodes", j.completeNodes());
            js.add(jm);
        }
        m.put("journals", js);
        final List<Object> vs = new ArrayList<>();
        for (final AuditViolation v : violations)
        {
            vs.add(v.toMap());
        }
        m.put("violations", vs);
        m.put("verdict", verdict());
        return Json.write(m);
    }
}
