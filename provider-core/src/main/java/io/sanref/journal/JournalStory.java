package io.sanref.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import io.sanref.spi.Winsock;
import org.agrona.collections.LongHashSet;

/**
 * Tells one socket's story from a journal: its records in order, in words a person reads.
 * <pre>
 *   #12      +0.000 ms  node 1  desc 0x1000001  socket created; the switch's handle is 7
 *   #15      +0.310 ms  node 1  desc 0x1000001  posted recv op 4294967296 of 4096 bytes
 *   #19      +2.004 ms  node 1  desc 0x1000001  the switch called closeSocket
 *   #20      +2.010 ms  node 1  desc 0x1000001  released the memory of recv op 4294967296
 *   #21      +2.011 ms  node 1  desc 0x1000001  recv op 4294967296 completed: 995 WSA_OPERATION_ABORTED, 0 bytes; upcall
 * </pre>
 * Select a socket by node and descriptor ({@link #descriptor(int, long)}), by node and switch handle
 * ({@link #handle(int, long)}) or a connection on both its ends ({@link #connection(long)}). A record is told if it
 * names the selection, or names a descriptor the selection was seen on (so rejected calls on a socket's descriptor
 * are part of its story).
 * <p>
 * Not threadsafe: one story per thread.
 */
public final class JournalStory implements JournalReader.Handler
{
    private static final int BY_DESCRIPTOR = 1;
    private static final int BY_HANDLE = 2;
    private static final int BY_CONNECTION = 3;

    private final int mode;
    private final int node;
    private final long key;
    private final Appendable out;
    private final LongHashSet descriptors = new LongHashSet();
    private final StringBuilder line = new StringBuilder(160);
    private long firstNanos = Long.MIN_VALUE;
    private long told;

    private JournalStory(final int mode, final int node, final long key, final Appendable out)
    {
        this.mode = mode;
        this.node = node;
        this.key = key;
        this.out = out;
    }

    /** The story of descriptor {@code descriptor} of node {@code node} (a node below 0 means any node). */
    public static JournalStory descriptor(final int node, final long descriptor, final Appendable out)
    {
        return new JournalStory(BY_DESCRIPTOR, node, descriptor, out);
    }

    /** The story of the socket whose switch handle is {@code handle} on {@code node} (below 0: any node). */
    public static JournalStory handle(final int node, final long handle, final Appendable out)
    {
        return new JournalStory(BY_HANDLE, node, handle, out);
    }

    /** The story of both ends of connection {@code connectionId}. */
    public static JournalStory connection(final long connectionId, final Appendable out)
    {
        return new JournalStory(BY_CONNECTION, -1, connectionId, out);
    }

    /**
     * Tell the selected story from the journal in {@code directory}.
     *
     * @return records told.
     */
    public long tell(final Path directory) throws JournalUnreadableException
    {
        final JournalReader.Result result = JournalReader.read(directory, this);
        if (result.truncated())
        {
            append("(the journal ends here, torn: " + result.truncationReason() + ")\n");
        }
        return told;
    }

    public long told()
    {
        return told;
    }

    public void onMalformed(final long chronicleIndex, final String reason)
    {
        append("(a malformed record at Chronicle index 0x" + Long.toHexString(chronicleIndex) + ": " + reason + ")\n");
    }

    public void onRecord(final JournalRecord r)
    {
        if (!selects(r))
        {
            return;
        }
        if (Long.MIN_VALUE == firstNanos)
        {
            firstNanos = r.nanos;
        }
        told++;
        final StringBuilder sb = line;
        sb.setLength(0);
        sb.append('#').append(r.seq);
        pad(sb, 9);
        final long micros = (r.nanos - firstNanos) / 1_000;
        sb.append(' ').append('+').append(micros / 1_000).append('.');
        final long frac = micros % 1_000;
        sb.append(frac < 100 ? (frac < 10 ? "00" : "0") : "").append(frac).append(" ms");
        pad(sb, 24);
        sb.append("  node ").append(r.node).append("  desc 0x").append(Long.toHexString(r.descriptor)).append("  ");
        describe(r, sb);
        sb.append('\n');
        append(sb);
    }

    private boolean selects(final JournalRecord r)
    {
        if (node >= 0 && node != r.node)
        {
            return false;
        }
        if (JournalEvent.STARTUP == r.event || JournalEvent.CLEANUP == r.event)
        {
            return true;
        }
        if (descriptors.contains(r.descriptor))
        {
            return true;
        }
        final boolean hit;
        switch (mode)
        {
            case BY_DESCRIPTOR:
                hit = key == r.descriptor;
                break;
            case BY_HANDLE:
                hit = key == r.handle && 0 != r.handle;
                break;
            default:
                hit = key == r.connectionId && 0 != r.connectionId;
                break;
        }
        if (hit && BY_CONNECTION != mode)
        {
            descriptors.add(r.descriptor);
        }
        return hit;
    }

    static void describe(final JournalRecord r, final StringBuilder sb)
    {
        switch (r.event)
        {
            case JournalEvent.STARTUP:
                sb.append("provider started");
                break;
            case JournalEvent.CLEANUP:
                sb.append("final cleanup began: open sockets are closed");
                break;
            case JournalEvent.SOCKET_CREATED:
                sb.append("socket created; the switch's handle is ").append(r.handle);
                break;
            case JournalEvent.CONNECTED:
                sb.append("connected (connection ").append(r.connectionId).append(')');
                break;
            case JournalEvent.ACCEPTED:
                sb.append("accepted a connection (connection ").append(r.connectionId).append(')');
                break;
            case JournalEvent.LISTENING:
                sb.append("listening");
                break;
            case JournalEvent.OP_POSTED:
                sb.append("posted ").append(OpKind.name(r.opKind)).append(" op ").append(r.opId).append(" of ")
                    .append(r.bytes).append(" bytes");
                break;
            case JournalEvent.OP_RELEASED:
                sb.append("released the memory of ").append(OpKind.name(r.opKind)).append(" op ").append(r.opId);
                break;
            case JournalEvent.OP_COMPLETED:
                sb.append(OpKind.name(r.opKind)).append(" op ").append(r.opId).append(" completed: ");
                if (0 == r.error)
                {
                    sb.append("ok");
                }
                else
                {
                    sb.append(r.error).append(' ').append(Winsock.name(r.error));
                }
                sb.append(", ").append(r.bytes).append(" bytes; ");
                if (0 != (r.flags & JournalEvent.FLAG_SYNC))
                {
                    sb.append("the call returned it");
                }
                else if (0 != (r.flags & JournalEvent.FLAG_UPCALL))
                {
                    sb.append("upcall to the switch");
                }
                else if (0 != (r.flags & JournalEvent.FLAG_POLLED))
                {
                    sb.append("the switch polls");
                }
                else
                {
                    sb.append("flags ").append(r.flags);
                }
                break;
            case JournalEvent.PEER_RESET:
                sb.append("the peer reset the connection; pending operations complete with 10054");
                break;
            case JournalEvent.TRANSPORT_ERROR:
                sb.append("the transport failed under the connection; pending operations complete with 10053");
                break;
            case JournalEvent.CLOSE_CALLED:
                sb.append(0 != (r.flags & JournalEvent.FLAG_CLEANUP) ?
                    "the final cleanup closed the socket" : "the switch called closeSocket");
                sb.append("; pending operations complete with 995");
                break;
            case JournalEvent.CLOSE_HANDLE_UPCALL:
                sb.append("closeSocketHandle(").append(r.handle).append(") upcall: the last one for this socket");
                break;
            case JournalEvent.SOCKET_FREED:
                sb.append("socket freed").append(0 != (r.flags & JournalEvent.FLAG_CLEANUP) ? " (by cleanup)" : "");
                break;
            case JournalEvent.CALL_REJECTED:
                sb.append("a call was rejected with ").append(r.error).append(' ').append(Winsock.name(r.error));
                break;
            default:
                sb.append("unknown event ").append(r.event);
                break;
        }
    }

    private static void pad(final StringBuilder sb, final int column)
    {
        while (sb.length() < column)
        {
            sb.append(' ');
        }
    }

    private void append(final CharSequence text)
    {
        try
        {
            out.append(text);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
