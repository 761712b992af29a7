package io.sanref.journal;

import java.util.List;

/**
 * The result of an audit: what was seen, what broke, and a verdict. Immutable.
 * <p>
 * The verdict is "pass" when no violation was found. A torn tail alone ({@link #truncated()}) does not fail an
 * audit: operations still pending in a truncated journal are counted in {@link #inFlightAtCrash()} instead.
 *
 * @param events            records read, all journals.
 * @param sockets           SOCKET_CREATED records.
 * @param operations        OP_POSTED records.
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

    /** The report as one JSON object. */
    public String toJson()
    {
        final StringBuilder sb = new StringBuilder(512);
        sb.append("{\"verdict\":\"").append(verdict()).append('"')
            .append(",\"events\":").append(events)
            .append(",\"sockets\":").append(sockets)
            .append(",\"operations\":").append(operations)
            .append(",\"truncated\":").append(truncated)
            .append(",\"inFlightAtCrash\":").append(inFlightAtCrash)
            .append(",\"violationCount\":").append(violationCount)
            .append(",\"violationsByInvariant\":{");
        boolean first = true;
        for (int i = 1; i < violationsByInvariant.length; i++)
        {
            if (!first)
            {
                sb.append(',');
            }
            first = false;
            sb.append("\"A").append(i).append("\":").append(violationsByInvariant[i]);
        }
        sb.append("},\"journals\":[");
        first = true;
        for (final JournalSummary j : journals)
        {
            if (!first)
            {
                sb.append(',');
            }
            first = false;
            sb.append("{\"name\":").append(quote(j.name()))
                .append(",\"records\":").append(j.records())
                .append(",\"malformed\":").append(j.malformed())
                .append(",\"truncated\":").append(j.truncated())
                .append(",\"truncationReason\":").append(null == j.truncationReason() ? "null" :
                    quote(j.truncationReason()))
                .append(",\"nodes\":").append(j.nodes())
                .append(",\"completeNodes\":").append(j.completeNodes())
                .append('}');
        }
        sb.append("],\"violations\":[");
        first = true;
        for (final AuditViolation v : violations)
        {
            if (!first)
            {
                sb.append(',');
            }
            first = false;
            sb.append(v.toJson());
        }
        sb.append("]}");
        return sb.toString();
    }

    static String quote(final String s)
    {
        final StringBuilder sb = new StringBuilder(s.length() + 2);
        sb.append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            switch (c)
            {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        sb.append(c);
                    }
            }
        }
        return sb.append('"').toString();
    }
}
