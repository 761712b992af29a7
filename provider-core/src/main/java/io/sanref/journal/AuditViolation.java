package io.sanref.journal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One broken invariant, pinned to the record that shows it.
 *
 * @param invariant  "A1" ... "A9" of CLOSE-PROTOCOL.md.
 * @param journal    index of the journal in the audit's input (0 for the first).
 * @param seq        sequence number of the record that shows the violation; for an operation that never completed,
 *                   its OP_POSTED; for a malformed document, the sequence number it should have had.
 * @param node       node id of that record.
 * @param descriptor socket descriptor of that record (0 if none).
 * @param op         operation id of that record (0 if none).
 * @param message    one line, for a person.
 */
public record AuditViolation(
    String invariant, int journal, long seq, int node, long descriptor, long op, String message)
{
    public String toString()
    {
        return invariant + " at seq " + seq + " (journal " + journal + ", node " + node + ", desc " + descriptor +
            (0 != op ? ", op " + op : "") + "): " + message;
    }

    Map<String, Object> toMap()
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("invariant", invariant);
        m.put("journal", journal);
        m.put("seq", seq);
        m.put("node", node);
        m.put("descriptor", descriptor);
        m.put("op", op);
        m.put("message", message);
        return m;
    }
}
