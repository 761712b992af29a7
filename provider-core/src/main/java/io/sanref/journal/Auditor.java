package io.sanref.journal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.sanref.spi.Winsock;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.LongHashSet;

/**
 * Proves invariants A1–A9 of CLOSE-PROTOCOL.md from one or more journals, trusting nothing but the records.
 * <p>
 * Each journal is streamed once; state is kept per (journal, node): live sockets by descriptor and by switch
 * handle, live operations by op id, and a window of recently freed descriptors (for A7). Memory is proportional to
 * the sockets and operations live at a time, plus that window ({@link #DEFAULT_FREED_WINDOW} descriptors per node)
 * and one small entry per connection whose two ends have not both closed or seen a reset (for A9). Records are
 * checked without allocating; only violations allocate.
 * <p>
 * What is checked, exactly:
 * <ul>
 *   <li>A1 every OP_POSTED is followed by exactly one OP_COMPLETED for its op id (FLAG_SYNC counts); a completion
 *       of an op that is not pending, an op id posted again while pending, and an op still pending when its socket
 *       is freed are violations. Ops pending at the end of a node's journal are violations only if that node ran to
 *       the end (its last lifecycle record is CLEANUP and the journal is not truncated); otherwise they are counted
 *       as in flight at crash.</li>
 *   <li>A2 an op pending at its socket's CLOSE_CALLED (or posted after it) completes with 995 and 0 bytes.</li>
 *   <li>A3 an op's OP_RELEASED precedes its OP_COMPLETED; a release of an op that is not pending is a violation
 *       (reported once when the release also came after the completion).</li>
 *   <li>A4 per handle: one SOCKET_CREATED while it is live; CLOSE_HANDLE_UPCALL after CLOSE_CALLED, at most once,
 *       and no record but SOCKET_FREED (and CALL_REJECTED, which names only the descriptor) after it; SOCKET_FREED
 *       is preceded by CLOSE_HANDLE_UPCALL.</li>
 *   <li>A5 no SOCKET_FREED before CLOSE_CALLED.</li>
 *   <li>A6 an op pending at PEER_RESET (or posted after it) completes with 10054; likewise with 10053 after
 *       TRANSPORT_ERROR. When several of close, reset and transport error came while an op was pending, any of
 *       their codes is accepted (the abort paths race); the invariant named is the first event's.</li>
 *   <li>A7 after SOCKET_FREED, only CALL_REJECTED with 10038 or 10093 names the descriptor; a record on a
 *       descriptor never created, a second SOCKET_CREATED for a live descriptor, and a second accepted
 *       CLOSE_CALLED are also A7.</li>
 *   <li>A8 sequence numbers run 1, 2, 3 ... per journal; malformed documents and unknown events are violations;
 *       a torn tail sets {@code truncated} and is not a violation by itself.</li>
 *   <li>A9 for each connection id seen on two ends (CONNECTED / ACCEPTED, in any journals or nodes): if one end
 *       journaled CLOSE_CALLED not by cleanup, and both ends' nodes ran to the end, the other end journaled
 *       PEER_RESET or a CLOSE_CALLED of its own for that connection.</li>
 * </ul>
 * Threading: not threadsafe; one audit per instance, on one thread. Feed it with {@link #audit(Path...)}, or by
 * hand: {@link #beginJournal(String)}, {@link #onRecord(JournalRecord)} ..., {@link #endJournal(boolean, String)},
 * then {@link #finish()}.
 */
public final class Auditor implements JournalReader.Handler
{
    public static final int DEFAULT_MAX_STORED_VIOLATIONS = 100;
    public static final int DEFAULT_FREED_WINDOW = 1 << 20;

    private static final int WSA_OPERATION_ABORTED = Winsock.WSA_OPERATION_ABORTED;
    private static final int WSAECONNRESET = Winsock.WSAECONNRESET;
    private static final int WSAECONNABORTED = Winsock.WSAECONNABORTED;
    private static final int WSAENOTSOCK = Winsock.WSAENOTSOCK;
    private static final int WSANOTINITIALISED = Winsock.WSANOTINITIALISED;

    private static final int ABORT_CLOSE = 1;
    private static final int ABORT_RESET = 2;
    private static final int ABORT_TRANSPORT = 4;

    private final int maxStoredViolations;
    private final int freedWindow;

    private final List<AuditViolation> violations = new ArrayList<>();
    private final long[] byInvariant = new long[10];
    private final List<AuditReport.JournalSummary> journals = new ArrayList<>();
    private final Long2ObjectHashMap<Conn> connections = new Long2ObjectHashMap<>();

    private long events;
    private long sockets;
    private long operations;
    private long completedByUpcall;
    private long completedPolled;
    private long completedSync;
    private long violationCount;
    private long inFlightAtCrash;
    private boolean anyTruncated;
    private boolean finished;

    private int journalIndex = -1;
    private String journalName;
    private boolean inJournal;
    private long journalRecords;
    private long journalMalformed;
    private long expectedSeq;
    private Int2ObjectHashMap<NodeState> nodes;
    private NodeState lastNode;

    private Sock freeSocks;
    private Op freeOps;

    public Auditor()
    {
        this(DEFAULT_MAX_STORED_VIOLATIONS, DEFAULT_FREED_WINDOW);
    }

    /**
     * @param maxStoredViolations violations kept with their details (all are counted).
     * @param freedWindow         freed descriptors remembered per node, for A7's check of rejection codes.
     */
    public Auditor(final int maxStoredViolations, final int freedWindow)
    {
        if (maxStoredViolations < 0 || freedWindow < 1)
        {
            throw new IllegalArgumentException("maxStoredViolations >= 0 and freedWindow >= 1");
        }
        this.maxStoredViolations = maxStoredViolations;
        this.freedWindow = freedWindow;
    }

    /**
     * Audit journals together: A1–A8 per journal and node, A9 across all of them.
     *
     * @throws JournalUnreadableException if a directory cannot be read as a journal.
     */
    public static AuditReport audit(final Path... journals) throws JournalUnreadableException
    {
        return audit(Arrays.asList(journals));
    }

    public static AuditReport audit(final List<Path> journals) throws JournalUnreadableException
    {
        final Auditor auditor = new Auditor();
        for (final Path journal : journals)
        {
            JournalReader.validate(journal);
        }
        for (final Path journal : journals)
        {
            auditor.beginJournal(journal.toString());
            final JournalReader.Result result = JournalReader.read(journal, auditor);
            auditor.endJournal(result.truncated(), result.truncationReason());
        }
        return auditor.finish();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Streaming input
    // ---------------------------------------------------------------------------------------------------------

    public void beginJournal(final String name)
    {
        if (inJournal || finished)
        {
            throw new IllegalStateException("beginJournal: a journal is open, or the audit has finished");
        }
        inJournal = true;
        journalIndex++;
        journalName = name;
        journalRecords = 0;
        journalMalformed = 0;
        expectedSeq = 1;
        nodes = new Int2ObjectHashMap<>();
        lastNode = null;
    }

    public void onMalformed(final long chronicleIndex, final String reason)
    {
        journalMalformed++;
        violation("A8", expectedSeq, 0, 0, 0,
            "malformed record at Chronicle index 0x" + Long.toHexString(chronicleIndex) + ": " + reason);
        expectedSeq++;
    }

    public void onRecord(final JournalRecord r)
    {
        events++;
        journalRecords++;
        final long seq = r.seq;
        if (expectedSeq != seq)
        {
            violation("A8", seq, r.node, r.descriptor, r.opId, seq > expectedSeq ?
                "sequence gap: expected " + expectedSeq + ", found " + seq + " (" + (seq - expectedSeq) +
                    " records missing)" :
                "sequence out of order: expected " + expectedSeq + ", found " + seq);
        }
        expectedSeq = seq + 1;

        final NodeState n = node(r.node);
        switch (r.event)
        {
            case JournalEvent.STARTUP:
                n.cleanedUp = false;
                break;

            case JournalEvent.CLEANUP:
                n.cleanedUp = true;
                break;

            case JournalEvent.CALL_REJECTED:
                onRejected(n, r);
                break;

            case JournalEvent.SOCKET_CREATED:
                onCreated(n, r);
                break;

            case JournalEvent.OP_COMPLETED:
                if (0 != (r.flags & JournalEvent.FLAG_SYNC))
                {
                    completedSync++;
                }
                else if (0 != (r.flags & JournalEvent.FLAG_POLLED))
                {
                    completedPolled++;
                }
                else
                {
                    completedByUpcall++;
                }
                onSocketRecord(n, r);
                break;

            case JournalEvent.CONNECTED:
            case JournalEvent.ACCEPTED:
            case JournalEvent.LISTENING:
            case JournalEvent.OP_POSTED:
            case JournalEvent.OP_RELEASED:
            case JournalEvent.PEER_RESET:
            case JournalEvent.TRANSPORT_ERROR:
            case JournalEvent.CLOSE_CALLED:
            case JournalEvent.CLOSE_HANDLE_UPCALL:
            case JournalEvent.SOCKET_FREED:
                onSocketRecord(n, r);
                break;

            default:
                violation("A8", seq, r.node, r.descriptor, r.opId, "unknown event " + r.event);
        }
    }

    public void endJournal(final boolean truncated, final String truncationReason)
    {
        if (!inJournal)
        {
            throw new IllegalStateException("endJournal without beginJournal");
        }
        inJournal = false;
        anyTruncated |= truncated;
        final int[] complete = new int[1];
        nodes.forEach((id, n) ->
        {
            n.complete = n.cleanedUp && !truncated;
            if (n.complete)
            {
                complete[0]++;
            }
            endNode(n);
        });
        journals.add(new AuditReport.JournalSummary(
            journalName, journalRecords, journalMalformed, truncated, truncationReason, nodes.size(), complete[0]));
        nodes = null;
        lastNode = null;
    }

    /**
     * Finish A9 across all journals and produce the report.
     */
    public AuditReport finish()
    {
        if (inJournal)
        {
            throw new IllegalStateException("finish: endJournal first");
        }
        if (!finished)
        {
            finished = true;
            final List<Conn> open = new ArrayList<>(connections.values());
            open.sort((a, b) -> Long.compare(a.id, b.id));
            for (final Conn c : open)
            {
                checkA9(c, c.a, c.b);
                checkA9(c, c.b, c.a);
            }
            connections.clear();
        }
        return new AuditReport(events, sockets, operations, completedByUpcall, completedPolled, completedSync,
            violationCount, List.copyOf(violations),
            byInvariant.clone(), anyTruncated, inFlightAtCrash, List.copyOf(journals));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Per-record checks
    // ---------------------------------------------------------------------------------------------------------

    private NodeState node(final int id)
    {
        final NodeState last = lastNode;
        if (null != last && id == last.node)
        {
            return last;
        }
        NodeState n = nodes.get(id);
        if (null == n)
        {
            n = new NodeState(journalIndex, id, freedWindow);
            nodes.put(id, n);
        }
        lastNode = n;
        return n;
    }

    private void onRejected(final NodeState n, final JournalRecord r)
    {
        final int error = r.error;
        if (WSAENOTSOCK != error && WSANOTINITIALISED != error && !n.sockets.containsKey(r.descriptor) &&
            n.freed.contains(r.descriptor))
        {
            violation("A7", r.seq, r.node, r.descriptor, r.opId,
                "call on freed descriptor " + r.descriptor + " rejected with " + error +
                    ", not 10038 (WSAENOTSOCK) or 10093: the stale descriptor reached a socket");
        }
    }

    private void onCreated(final NodeState n, final JournalRecord r)
    {
        final Sock live = n.sockets.get(r.descriptor);
        if (null != live)
        {
            violation("A7", r.seq, r.node, r.descriptor, r.opId,
                "descriptor " + r.descriptor + " created again while live (created at seq " + live.createdSeq + ")");
            return;
        }
        if (n.freed.contains(r.descriptor))
        {
            violation("A7", r.seq, r.node, r.descriptor, r.opId,
                "descriptor " + r.descriptor + " issued again after its SOCKET_FREED: a stale copy would reach " +
                    "the new socket");
        }
        final Sock s = newSock();
        s.descriptor = r.descriptor;
        s.handle = r.handle;
        s.createdSeq = r.seq;
        n.sockets.put(r.descriptor, s);
        final Sock byHandle = n.handles.get(r.handle);
        if (null != byHandle)
        {
            violation("A4", r.seq, r.node, r.descriptor, r.opId,
                "second create upcall returned handle " + r.handle + ", still live on descriptor " +
                    byHandle.descriptor + " (created at seq " + byHandle.createdSeq + ")");
        }
        else
        {
            n.handles.put(r.handle, s);
        }
        sockets++;
    }

    private void onSocketRecord(final NodeState n, final JournalRecord r)
    {
        final int event = r.event;
        final Sock s = n.sockets.get(r.descriptor);
        if (null == s)
        {
            onDeadDescriptor(n, r);
            return;
        }
        if (s.orphan && !(JournalEvent.OP_COMPLETED == event && s.orphanOp == r.opId))
        {
            s.orphan = false;
            violation("A3", s.orphanSeq, n.node, s.descriptor, s.orphanOp,
                "memory release journaled for op " + s.orphanOp + ", which was not pending (already completed?)");
        }
        if (0 != s.closeHandleSeq && JournalEvent.SOCKET_FREED != event)
        {
            violation("A4", r.seq, r.node, r.descriptor, r.opId, JournalEvent.CLOSE_HANDLE_UPCALL == event ?
                "second close-handle upcall for handle " + s.handle + " (first at seq " + s.closeHandleSeq + ")" :
                JournalEvent.name(event) + (JournalEvent.OP_COMPLETED == event &&
                    0 != (r.flags & JournalEvent.FLAG_UPCALL) ? " (an upcall)" : "") +
                    " for handle " + s.handle + " after its close-handle upcall at seq " + s.closeHandleSeq);
            if (JournalEvent.CLOSE_HANDLE_UPCALL == event)
            {
                return;
            }
        }

        switch (event)
        {
            case JournalEvent.CONNECTED:
            case JournalEvent.ACCEPTED:
                onConnection(n, s, r);
                break;

            case JournalEvent.OP_POSTED:
                onPosted(n, s, r);
                break;

            case JournalEvent.OP_RELEASED:
                onReleased(n, s, r);
                break;

            case JournalEvent.OP_COMPLETED:
                onCompleted(n, s, r);
                break;

            case JournalEvent.PEER_RESET:
                abortPending(s, ABORT_RESET, r.seq);
                if (null != s.conn)
                {
                    s.conn.end(s.endIndex).reset = true;
                    s.conn.resolveIfSettled(connections);
                }
                break;

            case JournalEvent.TRANSPORT_ERROR:
                abortPending(s, ABORT_TRANSPORT, r.seq);
                break;

            case JournalEvent.CLOSE_CALLED:
                onCloseCalled(n, s, r);
                break;

            case JournalEvent.CLOSE_HANDLE_UPCALL:
                if (0 == s.closeSeq)
                {
                    violation("A4", r.seq, r.node, r.descriptor, r.opId,
                        "close-handle upcall for handle " + s.handle + " before closeSocket was called");
                }
                s.closeHandleSeq = r.seq;
                break;

            case JournalEvent.SOCKET_FREED:
                onFreed(n, s, r);
                break;

            default:
                break;
        }
    }

    private void onDeadDescriptor(final NodeState n, final JournalRecord r)
    {
        final boolean freed = n.freed.contains(r.descriptor);
        violation("A7", r.seq, r.node, r.descriptor, r.opId, JournalEvent.name(r.event) + " names descriptor " +
            r.descriptor + (freed ? " after its SOCKET_FREED" : ", which was never created"));
    }

    private void onConnection(final NodeState n, final Sock s, final JournalRecord r)
    {
        final long id = r.connectionId;
        s.connectionId = id;
        if (0 == id || null != s.conn)
        {
            return;
        }
        Conn c = connections.get(id);
        if (null == c)
        {
            c = new Conn(id);
            connections.put(id, c);
        }
        final int end = c.attach(n, s.descriptor);
        if (end >= 0)
        {
            s.conn = c;
            s.endIndex = end;
        }
    }

    private void onPosted(final NodeState n, final Sock s, final JournalRecord r)
    {
        operations++;
        final Op existing = n.ops.get(r.opId);
        if (null != existing)
        {
            violation("A1", r.seq, r.node, r.descriptor, r.opId,
                "op id " + r.opId + " posted again while pending (posted at seq " + existing.postSeq + ")");
            return;
        }
        final Op op = newOp();
        op.opId = r.opId;
        op.kind = r.opKind;
        op.postSeq = r.seq;
        op.sock = s;
        if (0 != s.abortMask)
        {
            op.abortMask = s.abortMask;
            op.firstAbort = s.firstAbort;
            op.firstAbortSeq = s.firstAbortSeq;
        }
        op.next = s.ops;
        if (null != s.ops)
        {
            s.ops.prev = op;
        }
        s.ops = op;
        n.ops.put(r.opId, op);
    }

    private void onReleased(final NodeState n, final Sock s, final JournalRecord r)
    {
        final Op op = n.ops.get(r.opId);
        if (null == op || s != op.sock)
        {
            if (s.releaseAfterCompletionExpected && s.unreleasedOp == r.opId)
            {
                s.releaseAfterCompletionExpected = false; // the late release of an op already reported under A3
                return;
            }
            if (s.orphan)
            {
                violation("A3", s.orphanSeq, n.node, s.descriptor, s.orphanOp,
                    "memory release journaled for op " + s.orphanOp + ", which was not pending");
            }
            s.orphan = true;
            s.orphanOp = r.opId;
            s.orphanSeq = r.seq;
            return;
        }
        if (op.released)
        {
            violation("A3", r.seq, r.node, r.descriptor, r.opId,
                "memory of op " + r.opId + " released twice before its completion");
        }
        op.released = true;
    }

    private void onCompleted(final NodeState n, final Sock s, final JournalRecord r)
    {
        final long opId = r.opId;
        final Op op = n.ops.get(opId);
        if (null == op || s != op.sock)
        {
            s.orphan = false;
            violation("A1", r.seq, r.node, r.descriptor, opId,
                "completion of op " + opId + ", which is not pending: completed twice, or never posted");
            return;
        }
        if (!op.released)
        {
            violation("A3", r.seq, r.node, r.descriptor, opId,
                "op " + opId + " completed before the release of its memory was journaled");
            s.releaseAfterCompletionExpected = true;
            s.unreleasedOp = opId;
        }
        final int mask = op.abortMask;
        if (0 != mask)
        {
            final int error = r.error;
            final boolean codeOk =
                (0 != (mask & ABORT_CLOSE) && WSA_OPERATION_ABORTED == error) ||
                (0 != (mask & ABORT_RESET) && WSAECONNRESET == error) ||
                (0 != (mask & ABORT_TRANSPORT) && WSAECONNABORTED == error);
            final boolean bytesOk = 0 == (mask & ABORT_CLOSE) || 0 == r.bytes || WSA_OPERATION_ABORTED != error;
            if (!codeOk || !bytesOk)
            {
                final String invariant = ABORT_CLOSE == op.firstAbort ? "A2" : "A6";
                violation(invariant, r.seq, r.node, r.descriptor, opId,
                    OpKind.name(op.kind) + " op " + opId + " pending at " + abortName(op.firstAbort) + " (seq " +
                        op.firstAbortSeq + ") completed with error " + error + " and " + r.bytes +
                        " bytes; expected " + expected(mask));
            }
        }
        unlink(s, op);
        n.ops.remove(opId);
        freeOp(op);
    }

    private void onCloseCalled(final NodeState n, final Sock s, final JournalRecord r)
    {
        if (0 != s.closeSeq)
        {
            violation("A7", r.seq, r.node, r.descriptor, r.opId,
                "closeSocket accepted twice (first at seq " + s.closeSeq + "); a second close must fail with 10038");
            return;
        }
        s.closeSeq = r.seq;
        abortPending(s, ABORT_CLOSE, r.seq);
        final Conn c = s.conn;
        if (null != c)
        {
            final Conn.End end = c.end(s.endIndex);
            end.closedAny = true;
            if (0 == (r.flags & JournalEvent.FLAG_CLEANUP))
            {
                end.closedByCall = true;
                end.closeSeq = r.seq;
            }
            c.resolveIfSettled(connections);
        }
    }

    private void onFreed(final NodeState n, final Sock s, final JournalRecord r)
    {
        if (0 == s.closeSeq)
        {
            violation("A5", r.seq, r.node, r.descriptor, r.opId,
                "socket freed before closeSocket was called for it");
        }
        else if (0 == s.closeHandleSeq)
        {
            violation("A4", r.seq, r.node, r.descriptor, r.opId,
                "socket freed without a close-handle upcall for handle " + s.handle);
        }
        for (Op op = s.ops; null != op; )
        {
            final Op next = op.next;
            violation("A1", op.postSeq, n.node, s.descriptor, op.opId,
                OpKind.name(op.kind) + " op " + op.opId + " never completed: its socket was freed at seq " + r.seq);
            n.ops.remove(op.opId);
            freeOp(op);
            op = next;
        }
        s.ops = null;
        n.sockets.remove(s.descriptor);
        if (s == n.handles.get(s.handle))
        {
            n.handles.remove(s.handle);
        }
        n.freed.add(s.descriptor);
        freeSock(s);
    }

    private static void abortPending(final Sock s, final int abort, final long seq)
    {
        if (0 == s.abortMask)
        {
            s.firstAbort = abort;
            s.firstAbortSeq = seq;
        }
        s.abortMask |= abort;
        for (Op op = s.ops; null != op; op = op.next)
        {
            if (0 == op.abortMask)
            {
                op.firstAbort = abort;
                op.firstAbortSeq = seq;
            }
            op.abortMask |= abort;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // End of a journal, end of the audit
    // ---------------------------------------------------------------------------------------------------------

    private void endNode(final NodeState n)
    {
        final List<Op> pending = new ArrayList<>(n.ops.values());
        pending.sort((a, b) -> Long.compare(a.postSeq, b.postSeq));
        for (final Op op : pending)
        {
            if (n.complete)
            {
                violation("A1", op.postSeq, n.node, op.sock.descriptor, op.opId,
                    OpKind.name(op.kind) + " op " + op.opId + " never completed, and the journal ran to the end");
            }
            else
            {
                inFlightAtCrash++;
            }
        }
        n.sockets.forEach((d, s) ->
        {
            if (s.orphan)
            {
                violation("A3", s.orphanSeq, n.node, s.descriptor, s.orphanOp,
                    "memory release journaled for op " + s.orphanOp + ", which was not pending");
            }
        });
        n.ops.clear();
        n.sockets.clear();
        n.handles.clear();
        n.freed = null;
    }

    private void checkA9(final Conn c, final Conn.End closer, final Conn.End other)
    {
        if (null == closer || null == other || !closer.closedByCall)
        {
            return;
        }
        if (!closer.node.complete || !other.node.complete)
        {
            return;
        }
        if (!other.reset && !other.closedAny)
        {
            violation("A9", closer.node.journal, closer.closeSeq, closer.node.node, closer.descriptor, 0,
                "closed connection " + c.id + "; the other end (journal " + other.node.journal + ", node " +
                    other.node.node + ", desc " + other.descriptor + ") ran to the end but journaled neither " +
                    "PEER_RESET nor CLOSE_CALLED for it");
        }
    }

    private void violation(
        final String invariant, final long seq, final int node, final long descriptor, final long op,
        final String message)
    {
        violation(invariant, Math.max(journalIndex, 0), seq, node, descriptor, op, message);
    }

    private void violation(
        final String invariant, final int journal, final long seq, final int node, final long descriptor,
        final long op, final String message)
    {
        violationCount++;
        byInvariant[invariant.charAt(1) - '0']++;
        if (violations.size() < maxStoredViolations)
        {
            violations.add(new AuditViolation(invariant, journal, seq, node, descriptor, op, message));
        }
    }

    private static String abortName(final int abort)
    {
        switch (abort)
        {
            case ABORT_CLOSE: return "CLOSE_CALLED";
            case ABORT_RESET: return "PEER_RESET";
            default: return "TRANSPORT_ERROR";
        }
    }

    private static String expected(final int mask)
    {
        final StringBuilder sb = new StringBuilder();
        if (0 != (mask & ABORT_CLOSE))
        {
            sb.append("995 with 0 bytes");
        }
        if (0 != (mask & ABORT_RESET))
        {
            sb.append(sb.length() > 0 ? " or " : "").append("10054");
        }
        if (0 != (mask & ABORT_TRANSPORT))
        {
            sb.append(sb.length() > 0 ? " or " : "").append("10053");
        }
        return sb.toString();
    }

    private static void unlink(final Sock s, final Op op)
    {
        if (null != op.prev)
        {
            op.prev.next = op.next;
        }
        else
        {
            s.ops = op.next;
        }
        if (null != op.next)
        {
            op.next.prev = op.prev;
        }
    }

    private Sock newSock()
    {
        final Sock s = freeSocks;
        if (null == s)
        {
            return new Sock();
        }
        freeSocks = s.nextFree;
        s.nextFree = null;
        return s;
    }

    private void freeSock(final Sock s)
    {
        s.clear();
        s.nextFree = freeSocks;
        freeSocks = s;
    }

    private Op newOp()
    {
        final Op op = freeOps;
        if (null == op)
        {
            return new Op();
        }
        freeOps = op.next;
        op.next = null;
        return op;
    }

    private void freeOp(final Op op)
    {
        op.clear();
        op.next = freeOps;
        freeOps = op;
    }

    // ---------------------------------------------------------------------------------------------------------
    // State
    // ---------------------------------------------------------------------------------------------------------

    /** One node of one journal. */
    private static final class NodeState
    {
        final int journal;
        final int node;
        final Long2ObjectHashMap<Sock> sockets = new Long2ObjectHashMap<>();
        final Long2ObjectHashMap<Sock> handles = new Long2ObjectHashMap<>();
        final Long2ObjectHashMap<Op> ops = new Long2ObjectHashMap<>();
        FreedWindow freed;
        boolean cleanedUp;
        boolean complete;

        NodeState(final int journal, final int node, final int freedWindow)
        {
            this.journal = journal;
            this.node = node;
            this.freed = new FreedWindow(freedWindow);
        }
    }

    /** The last {@code capacity} freed descriptors of a node, FIFO. */
    private static final class FreedWindow
    {
        private final int capacity;
        private final LongHashSet set = new LongHashSet();
        private long[] ring = new long[64];
        private int head;
        private int size;

        FreedWindow(final int capacity)
        {
            this.capacity = capacity;
        }

        boolean contains(final long descriptor)
        {
            return set.contains(descriptor);
        }

        void add(final long descriptor)
        {
            if (!set.add(descriptor))
            {
                return;
            }
            if (size < capacity)
            {
                if (size == ring.length)
                {
                    final long[] grown = new long[Math.min(capacity, ring.length * 2)];
                    for (int i = 0; i < size; i++)
                    {
                        grown[i] = ring[(head + i) % ring.length];
                    }
                    ring = grown;
                    head = 0;
                }
                ring[(head + size) % ring.length] = descriptor;
                size++;
            }
            else
            {
                set.remove(ring[head]);
                ring[head] = descriptor;
                head = (head + 1) % ring.length;
            }
        }
    }

    private static final class Sock
    {
        long descriptor;
        long handle;
        long connectionId;
        long createdSeq;
        long closeSeq;
        long closeHandleSeq;
        int abortMask;
        int firstAbort;
        long firstAbortSeq;
        Op ops;
        Conn conn;
        int endIndex;
        boolean orphan;
        long orphanOp;
        long orphanSeq;
        boolean releaseAfterCompletionExpected;
        long unreleasedOp;
        Sock nextFree;

        void clear()
        {
            descriptor = 0;
            handle = 0;
            connectionId = 0;
            createdSeq = 0;
            closeSeq = 0;
            closeHandleSeq = 0;
            abortMask = 0;
            firstAbort = 0;
            firstAbortSeq = 0;
            ops = null;
            conn = null;
            endIndex = 0;
            orphan = false;
            orphanOp = 0;
            orphanSeq = 0;
            releaseAfterCompletionExpected = false;
            unreleasedOp = 0;
        }
    }

    private static final class Op
    {
        long opId;
        int kind;
        long postSeq;
        boolean released;
        int abortMask;
        int firstAbort;
        long firstAbortSeq;
        Sock sock;
        Op prev;
        Op next;

        void clear()
        {
            opId = 0;
            kind = 0;
            postSeq = 0;
            released = false;
            abortMask = 0;
            firstAbort = 0;
            firstAbortSeq = 0;
            sock = null;
            prev = null;
            next = null;
        }
    }

    /** A connection id and the (up to) two ends that journaled it. */
    private static final class Conn
    {
        static final class End
        {
            final NodeState node;
            final long descriptor;
            boolean closedByCall;
            long closeSeq;
            boolean closedAny;
            boolean reset;

            End(final NodeState node, final long descriptor)
            {
                this.node = node;
                this.descriptor = descriptor;
            }
        }

        final long id;
        End a;
        End b;

        Conn(final long id)
        {
            this.id = id;
        }

        /** @return 0 or 1, or -1 if the connection already has two ends. */
        int attach(final NodeState node, final long descriptor)
        {
            if (null == a)
            {
                a = new End(node, descriptor);
                return 0;
            }
            if (null == b)
            {
                b = new End(node, descriptor);
                return 1;
            }
            return -1;
        }

        End end(final int index)
        {
            return 0 == index ? a : b;
        }

        /** Both ends saw a reset or closed: A9 holds for this connection whatever follows; forget it. */
        void resolveIfSettled(final Long2ObjectHashMap<Conn> connections)
        {
            if (null != a && null != b && (a.reset || a.closedAny) && (b.reset || b.closedAny))
            {
                connections.remove(id, this);
            }
        }
    }
}
