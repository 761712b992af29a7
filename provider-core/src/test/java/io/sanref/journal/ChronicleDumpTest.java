package io.sanref.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.wire.Wire;
import net.openhft.chronicle.wire.WireType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChronicleDumpTest
{
    @TempDir
    Path dir;

    @Test
    void chronicleReaderMainDumpsEveryRecordAsNamedFields() throws Exception
    {
        try (Journal journal = Journal.open(dir))
        {
            final JournalWriter w = journal.writer(4);
            w.write(JournalEvent.STARTUP, 0, 0, 0, 0, 0, 0, 0, 0);
            w.write(JournalEvent.OP_POSTED, 16777217, 77, 501, 123456789, OpKind.RECV, 0, 4096, 0);
            w.write(JournalEvent.CLOSE_CALLED, 16777217, 77, 501, 0, 0, 0, 0, JournalEvent.FLAG_CLEANUP);
        }

        final ChildJvm.Outcome dump =
            ChildJvm.run("net.openhft.chronicle.queue.ChronicleReaderMain", "-d", dir.toString());

        assertEquals(0, dump.exitCode(), dump.output());
        assertFalse(dump.output().contains("Exception"), dump.output());
        final String out = dump.output();
        assertTrue(out.contains("seq: 1"), out);
        assertTrue(out.contains("seq: 3"), out);
        assertTrue(out.contains("node: 4"), out);
        assertTrue(out.contains("event: " + JournalEvent.OP_POSTED), out);
        assertTrue(out.contains("desc: 16777217"), out);
        assertTrue(out.contains("op: 123456789"), out);
        assertTrue(out.contains("bytes: 4096"), out);
        assertTrue(out.contains("flags: " + JournalEvent.FLAG_CLEANUP), out);
    }

    @Test
    void recordLayoutIsExactlyWhatChronicleWireWritesForTheNamedFields()
    {
        final JournalRecord r = new JournalRecord().set(
            42, 1_700_000_000_000_000_000L, 3, JournalEvent.OP_COMPLETED, 16777217, 77, 501, 9, OpKind.SEND,
            995, 0, JournalEvent.FLAG_UPCALL);
        final byte[] ours = new byte[JournalRecord.LENGTH];
        r.encode(new org.agrona.concurrent.UnsafeBuffer(ours), 0);

        final Bytes<?> bytes = Bytes.allocateElasticOnHeap(256);
        final Wire wire = WireType.BINARY_LIGHT.apply(bytes);
        wire.write("seq").fixedInt64(r.seq);
        wire.write("ns").fixedInt64(r.nanos);
        wire.write("node").fixedInt32(r.node);
        wire.write("event").fixedInt32(r.event);
        wire.write("desc").fixedInt64(r.descriptor);
        wire.write("handle").fixedInt64(r.handle);
        wire.write("conn").fixedInt64(r.connectionId);
        wire.write("op").fixedInt64(r.opId);
        wire.write("kind").fixedInt32(r.opKind);
        wire.write("error").fixedInt32(r.error);
        wire.write("bytes").fixedInt32(r.bytes);
        wire.write("flags").fixedInt32(r.flags);
        wire.write("check").fixedInt32(r.checksum());

        assertEquals(bytes.toHexString(), Bytes.wrapForRead(ours).toHexString());
        assertEquals(JournalRecord.LENGTH, bytes.readRemaining());
    }
}
