package io.sanref.journal;

import java.nio.file.Path;

import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Test-scope journal writer: writes any records, with any sequence numbers, straight into a Chronicle queue in
 * the journal's format, so tests can build journals that a correct provider would never write.
 * Not threadsafe.
 */
final class RawJournal implements AutoCloseable
{
    static
    {
        System.setProperty("chronicle.analytics.disable", "true");
    }

    static final int SEND = OpKind.SEND;
    static final int RECV = OpKind.RECV;

    private final ChronicleQueue queue;
    private final ExcerptAppender appender;
    private final JournalRecord record = new JournalRecord();
    private final byte[] bytes = new byte[JournalRecord.LENGTH];
    private final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
    private long nextSeq = 1;
    private int node = 1;

    RawJournal(final Path directory)
    {
        queue = ChronicleQueue.singleBuilder(directory.toFile()).build();
        appender = queue.createAppender();
    }

    RawJournal node(final int node)
    {
        this.node = node;
        return this;
    }

    /** Skip sequence numbers, as if records were lost. */
    RawJournal skip(final int n)
    {
        nextSeq += n;
        return this;
    }

    long nextSeq()
    {
        return nextSeq;
    }

    /** @return the sequence number written. */
    long rec(
        final int event, final long descriptor, final long handle, final long conn, final long op, final int kind,
        final int error, final int bytes, final int flags)
    {
        final long seq = nextSeq++;
        record.set(seq, System.nanoTime(), node, event, descriptor, handle, conn, op, kind, error, bytes, flags);
        record.encode(buffer, 0);
        document(this.bytes);
        return seq;
    }

    /** A record whose check does not match its contents. @return the sequence number it carries. */
    long corruptRec(final int event, final long descriptor, final long handle)
    {
        final long seq = nextSeq++;
        record.set(seq, System.nanoTime(), node, event, descriptor, handle, 0, 0, 0, 0, 0, 0);
        record.encode(buffer, 0);
        buffer.putByte(JournalRecord.DESCRIPTOR_OFFSET, (byte)(buffer.getByte(JournalRecord.DESCRIPTOR_OFFSET) ^ 1));
        document(this.bytes);
        return seq;
    }

    void document(final byte[] content)
    {
        try (DocumentContext dc = appender.writingDocument())
        {
            dc.wire().bytes().write(content);
        }
    }

    // Provider vocabulary ---------------------------------------------------------------------------------------

    long startup()
    {
        return rec(JournalEvent.STARTUP, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    long cleanup()
    {
        return rec(JournalEvent.CLEANUP, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    long created(final long d, final long h)
    {
        return rec(JournalEvent.SOCKET_CREATED, d, h, 0, 0, 0, 0, 0, 0);
    }

    long connected(final long d, final long h, final long conn)
    {
        return rec(JournalEvent.CONNECTED, d, h, conn, 0, 0, 0, 0, 0);
    }

    long accepted(final long d, final long h, final long conn)
    {
        return rec(JournalEvent.ACCEPTED, d, h, conn, 0, 0, 0, 0, 0);
    }

    long posted(final long d, final long h, final long conn, final long op, final int kind, final int length)
    {
        return rec(JournalEvent.OP_POSTED, d, h, conn, op, kind, 0, length, 0);
    }

    long released(final long d, final long h, final long conn, final long op, final int kind)
    {
        return rec(JournalEvent.OP_RELEASED, d, h, conn, op, kind, 0, 0, 0);
    }

    long completed(
        final long d, final long h, final long conn, final long op, final int kind, final int error, final int bytes,
        final int flags)
    {
        return rec(JournalEvent.OP_COMPLETED, d, h, conn, op, kind, error, bytes, flags);
    }

    /** Release then completion, as the provider does. @return the completion's sequence number. */
    long finish(
        final long d, final long h, final long conn, final long op, final int kind, final int error, final int bytes)
    {
        released(d, h, conn, op, kind);
        return completed(d, h, conn, op, kind, error, bytes, JournalEvent.FLAG_UPCALL);
    }

    long peerReset(final long d, final long h, final long conn)
    {
        return rec(JournalEvent.PEER_RESET, d, h, conn, 0, 0, 0, 0, 0);
    }

    long closeCalled(final long d, final long h, final long conn, final int flags)
    {
        return rec(JournalEvent.CLOSE_CALLED, d, h, conn, 0, 0, 0, 0, flags);
    }

    long closeHandle(final long d, final long h, final long conn)
    {
        return rec(JournalEvent.CLOSE_HANDLE_UPCALL, d, h, conn, 0, 0, 0, 0, 0);
    }

    long freed(final long d, final long h, final long conn, final int flags)
    {
        return rec(JournalEvent.SOCKET_FREED, d, h, conn, 0, 0, 0, 0, flags);
    }

    long rejected(final long d, final int error)
    {
        return rec(JournalEvent.CALL_REJECTED, d, 0, 0, 0, 0, error, 0, 0);
    }

    /** closeSocket, close-handle upcall, free. */
    void closeAndFree(final long d, final long h, final long conn)
    {
        closeCalled(d, h, conn, 0);
        closeHandle(d, h, conn);
        freed(d, h, conn, 0);
    }

    public void close()
    {
        appender.close();
        queue.close();
    }
}
