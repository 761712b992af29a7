package io.sanref.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import net.openhft.chronicle.bytes.MappedBytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalReaderTest
{
    @TempDir
    Path tmp;

    @Test
    void missingDirectoryIsUnreadable()
    {
        final Path dir = tmp.resolve("nope");
        final JournalUnreadableException ex =
            assertThrows(JournalUnreadableException.class, () -> Auditor.audit(dir));
        assertTrue(ex.getMessage().contains("no such directory"), ex.getMessage());
        assertFalse(ex.getMessage().contains("\n"));
    }

    @Test
    void emptyDirectoryIsNotAQueue() throws Exception
    {
        final Path dir = Files.createDirectory(tmp.resolve("empty"));
        final JournalUnreadableException ex =
            assertThrows(JournalUnreadableException.class, () -> JournalReader.read(dir, (r) -> { }));
        assertTrue(ex.getMessage().contains("not a Chronicle queue"), ex.getMessage());
        assertEquals(0, Files.list(dir).count(), "the reader must not create files in the directory");
    }

    @Test
    void directoryWithAForeignFileIsNotAQueue() throws Exception
    {
        final Path dir = Files.createDirectory(tmp.resolve("foreign"));
        Files.writeString(dir.resolve("notes.txt"), "hello");
        final JournalUnreadableException ex =
            assertThrows(JournalUnreadableException.class, () -> Auditor.audit(dir));
        assertTrue(ex.getMessage().contains("not a Chronicle queue"), ex.getMessage());
    }

    @Test
    void aFileIsNotADirectory() throws Exception
    {
        final Path file = Files.writeString(tmp.resolve("file.cq4"), "x");
        final JournalUnreadableException ex =
            assertThrows(JournalUnreadableException.class, () -> Auditor.audit(file));
        assertTrue(ex.getMessage().contains("not a directory"), ex.getMessage());
    }

    @Test
    void garbageQueueFileIsUnreadable() throws Exception
    {
        final Path dir = Files.createDirectory(tmp.resolve("garbage"));
        final byte[] junk = new byte[4096];
        for (int i = 0; i < junk.length; i++)
        {
            junk[i] = (byte)(i * 31 + 7);
        }
        Files.write(dir.resolve("20260101F.cq4"), junk);
        final JournalUnreadableException ex =
            assertThrows(JournalUnreadableException.class, () -> Auditor.audit(dir));
        assertFalse(ex.getMessage().contains("\n"), ex.getMessage());
    }

    @Test
    void aCleanJournalIsNotTruncated() throws Exception
    {
        final Path dir = tmp.resolve("clean");
        try (RawJournal j = new RawJournal(dir))
        {
            AuditorBitesTest.cleanConversation(j);
        }
        final JournalReader.Result result = JournalReader.read(dir, (r) -> { });
        assertFalse(result.truncated(), result.truncationReason());
        assertEquals(26, result.records());
    }

    @Test
    void contentBehindAnUnwrittenHeaderIsATornTail() throws Exception
    {
        final Path dir = tmp.resolve("torn-zero-header");
        writeFive(dir);
        appendAfterLastDocument(dir, 0);
        final JournalReader.Result result = JournalReader.read(dir, (r) -> { });
        assertEquals(5, result.records());
        assertTrue(result.truncated());
        assertTrue(result.truncationReason().contains("torn"), result.truncationReason());
    }

    @Test
    void anIncompleteChronicleDocumentIsATornTail() throws Exception
    {
        final Path dir = tmp.resolve("torn-not-complete");
        writeFive(dir);
        appendAfterLastDocument(dir, 0x8000_0000 | JournalRecord.LENGTH);
        final JournalReader.Result result = JournalReader.read(dir, (r) -> { });
        assertEquals(5, result.records());
        assertTrue(result.truncated(), String.valueOf(result));
    }

    @Test
    void aJvmHaltedInTheMiddleOfAWriteLeavesATornTailThatIsNeverMisread() throws Exception
    {
        final Path dir = tmp.resolve("crash");
        final ChildJvm.Outcome crash = ChildJvm.run(TornWriterMain.class.getName(), dir.toString(), "50");
        assertTrue(crash.output().contains("halting mid-write"), crash.output());

        final long[] last = new long[1];
        final JournalReader.Result result = JournalReader.read(dir, (r) ->
        {
            assertEquals(last[0] + 1, r.seq);
            last[0] = r.seq;
        });
        assertEquals(50, result.records());
        assertTrue(result.truncated(), String.valueOf(result));
        final AuditReport report = Auditor.audit(dir);
        assertTrue(report.truncated());
        assertEquals(0, report.violationCount(), report.summary());
    }

    @Test
    void storyTellsOneSocketInWords() throws Exception
    {
        final Path dir = tmp.resolve("story");
        try (RawJournal j = new RawJournal(dir))
        {
            AuditorBitesTest.cleanConversation(j);
        }
        final StringBuilder out = new StringBuilder();
        final JournalStory story = JournalStory.descriptor(1, AuditorBitesTest.D1, out);
        final long told = story.tell(dir);
        final String text = out.toString();
        assertEquals(14, told, text);
        assertInOrder(text,
            "provider started",
            "socket created; the switch's handle is 11",
            "connected (connection 501)",
            "posted send op 1001 of 100 bytes",
            "send op 1001 completed: ok, 100 bytes; upcall to the switch",
            "the switch called closeSocket",
            "recv op 1002 completed: 995 WSA_OPERATION_ABORTED, 0 bytes",
            "closeSocketHandle(11) upcall",
            "socket freed",
            "a call was rejected with 10038 WSAENOTSOCK",
            "final cleanup began");
        assertFalse(text.contains("node 2"), text);

        final StringBuilder both = new StringBuilder();
        JournalStory.connection(AuditorBitesTest.C1, both).tell(dir);
        assertTrue(both.toString().contains("the peer reset the connection"), both.toString());
        assertTrue(both.toString().contains("node 1"), both.toString());
    }

    private static void assertInOrder(final String text, final String... parts)
    {
        int from = 0;
        for (final String part : parts)
        {
            final int at = text.indexOf(part, from);
            assertTrue(at >= 0, "missing, or out of order: '" + part + "' in\n" + text);
            from = at + part.length();
        }
    }

    private static void writeFive(final Path dir)
    {
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            for (int i = 0; i < 4; i++)
            {
                j.rejected(100 + i, 10038);
            }
        }
    }

    /**
     * Write what a crash mid-write leaves behind the last complete document: a header word, then half a record.
     */
    private static void appendAfterLastDocument(final Path dir, final int header) throws Exception
    {
        File file = null;
        long limit = -1;
        try (ChronicleQueue queue = ChronicleQueue.singleBuilder(dir.toFile()).readOnly(true).build())
        {
            final ExcerptTailer tailer = queue.createTailer();
            while (true)
            {
                try (DocumentContext dc = tailer.readingDocument(true))
                {
                    if (!dc.isPresent())
                    {
                        break;
                    }
                    limit = dc.wire().bytes().readLimit();
                    file = ((MappedBytes)dc.wire().bytes()).mappedFile().file();
                }
            }
        }
        final long next = (limit + 3) & ~3L;
        final JournalRecord r = new JournalRecord().set(6, 0, 1, JournalEvent.STARTUP, 0, 0, 0, 0, 0, 0, 0, 0);
        final byte[] whole = new byte[JournalRecord.LENGTH];
        r.encode(new org.agrona.concurrent.UnsafeBuffer(whole), 0);
        try (RandomAccessFile raf = new RandomAccessFile(file, "rw"))
        {
            raf.seek(next);
            raf.writeInt(Integer.reverseBytes(header));
            raf.write(whole, 0, JournalRecord.LENGTH / 2);
        }
    }
}
