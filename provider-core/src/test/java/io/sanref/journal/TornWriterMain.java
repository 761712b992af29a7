package io.sanref.journal;

import java.nio.file.Path;

import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Child-process main for the crash test: journal {@code count} records through a real {@link Journal}, then start
 * one more document, write half a record into it and halt the JVM, as a crash in the middle of a write would.
 * Args: directory, count.
 */
public final class TornWriterMain
{
    private TornWriterMain()
    {
    }

    public static void main(final String[] args)
    {
        final Path dir = Path.of(args[0]);
        final int count = Integer.parseInt(args[1]);
        try (Journal journal = Journal.open(dir))
        {
            final JournalWriter w = journal.writer(1);
            w.write(JournalEvent.STARTUP, 0, 0, 0, 0, 0, 0, 0, 0);
            for (int i = 1; i < count; i++)
            {
                w.write(JournalEvent.CALL_REJECTED, i, 0, 0, 0, 0, 10038, 0, 0);
            }
        }
        final ChronicleQueue queue = ChronicleQueue.singleBuilder(dir.toFile()).build();
        final ExcerptAppender appender = queue.createAppender();
        final JournalRecord r = new JournalRecord().set(count + 1, 0, 1, JournalEvent.OP_POSTED, 5, 6, 7, 8, 1, 0, 64, 0);
        final byte[] whole = new byte[JournalRecord.LENGTH];
        r.encode(new org.agrona.concurrent.UnsafeBuffer(whole), 0);
        final DocumentContext dc = appender.writingDocument();
        dc.wire().bytes().write(whole, 0, JournalRecord.LENGTH / 2);
        System.out.println("halting mid-write");
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
