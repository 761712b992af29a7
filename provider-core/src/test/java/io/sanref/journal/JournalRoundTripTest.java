package io.sanref.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalRoundTripTest
{
    @TempDir
    Path dir;

    @Test
    void recordsFromManyThreadsArriveWholeAndInOrderWithGapFreeSequence() throws Exception
    {
        final int threads = 6;
        final int perThread = 20_000;
        try (Journal journal = Journal.open(dir))
        {
            runWriters(journal, threads, perThread);
        }
        final Checker checker = new Checker(threads);
        final JournalReader.Result result = JournalReader.read(dir, checker);

        assertEquals((long)threads * perThread, result.records());
        assertEquals(0, result.malformed());
        assertFalse(result.truncated(), result.truncationReason());
        assertEquals((long)threads * perThread, checker.lastSeq);
        for (int t = 0; t < threads; t++)
        {
            assertEquals(perThread, checker.nextIndex[t], "records of writer thread " + t);
        }
    }

    @Test
    void tinyRingAppliesBackPressureAndLosesNothing() throws Exception
    {
        final CountDownLatch agentParked = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);
        final IdleStrategy gated = new GatedIdle(agentParked, gate);
        final int records = 5_000;
        // the smallest ring holds 7 records: the 8th write must wait while the agent is parked
        final Journal journal = Journal.open(dir, Journal.MIN_RING_CAPACITY, gated, 60_000);
        try
        {
            assertTrue(agentParked.await(1, TimeUnit.MINUTES), "journal agent never went idle");
            final FutureTask<Void> writer = new FutureTask<>(() -> writeSequence(journal.writer(3), 0, records), null);
            new Thread(writer).start();
            final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (0 == journal.backPressureEvents())
            {
                assertFalse(writer.isDone(), "the writer finished without meeting a full ring");
                assertTrue(System.nanoTime() - deadline < 0, "a full ring never held a writer back");
                Thread.onSpinWait();
            }
            assertEquals(0, journal.recordsWritten(), "nothing is appended while the agent is parked");
            gate.countDown();
            writer.get(1, TimeUnit.MINUTES);
        }
        finally
        {
            gate.countDown();
            journal.close();
        }
        assertEquals(records, journal.recordsWritten());
        final Checker checker = new Checker(1);
        final JournalReader.Result result = JournalReader.read(dir, checker);
        assertEquals(records, result.records());
        assertEquals(records, checker.nextIndex[0]);
        assertTrue(journal.backPressureEvents() > 0);
    }

    @Test
    void closeDrainsIsIdempotentAndRefusesLaterWrites() throws Exception
    {
        final Journal journal = Journal.open(dir);
        final JournalWriter w = journal.writer(9);
        writeSequence(w, 0, 1_000);
        journal.close();
        journal.close();
        assertTrue(journal.isClosed());
        assertEquals(1_000, journal.recordsWritten());
        assertThrows(IllegalStateException.class, () -> w.write(JournalEvent.STARTUP, 0, 0, 0, 0, 0, 0, 0, 0));
        assertEquals(1_000, JournalReader.read(dir, (r) -> { }).records());
    }

    @Test
    void reopeningAJournalAppendsAfterWhatIsThere() throws Exception
    {
        try (Journal journal = Journal.open(dir))
        {
            writeSequence(journal.writer(1), 0, 10);
        }
        assertEquals(10, JournalReader.read(dir, (r) -> { }).records());
    }

    static void runWriters(final Journal journal, final int threads, final int perThread) throws Exception
    {
        final List<Thread> writers = new ArrayList<>();
        final CountDownLatch start = new CountDownLatch(1);
        for (int t = 0; t < threads; t++)
        {
            final int thread = t;
            // two threads per node share one writer, as a provider's threads do
            final JournalWriter w = journal.writer(1 + thread / 2);
            writers.add(new Thread(() ->
            {
                try
                {
                    start.await();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    return;
                }
                writeSequence(w, thread, perThread);
            }));
        }
        writers.forEach(Thread::start);
        start.countDown();
        for (final Thread w : writers)
        {
            w.join();
        }
    }

    /** Record i of thread t: every field derived from (t, i), so a reader can check each one. */
    static void writeSequence(final JournalWriter w, final int thread, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            w.write(JournalEvent.OP_POSTED, 1000 + thread, 2000 + thread, ((long)thread << 32) | i,
                ((long)thread << 40) | i, OpKind.SEND, thread, i, i ^ thread);
        }
    }

    /** Checks contents, per-thread order and a gap-free sequence. */
    static final class Checker implements JournalReader.Handler
    {
        final int[] nextIndex;
        long lastSeq;

        Checker(final int threads)
        {
            nextIndex = new int[threads];
        }

        public void onRecord(final JournalRecord r)
        {
            assertEquals(lastSeq + 1, r.seq, "sequence");
            lastSeq = r.seq;
            final int thread = (int)(r.descriptor - 1000);
            final int i = r.bytes;
            final int t = nextIndex.length == 1 ? 0 : thread;
            assertEquals(nextIndex[t], i, "order within writer thread " + thread);
            nextIndex[t]++;
            assertEquals(JournalEvent.OP_POSTED, r.event);
            assertEquals(nextIndex.length == 1 ? 3 : 1 + thread / 2, r.node);
            assertEquals(2000 + thread, r.handle);
            assertEquals(((long)thread << 32) | i, r.connectionId);
            assertEquals(((long)thread << 40) | i, r.opId);
            assertEquals(OpKind.SEND, r.opKind);
            assertEquals(thread, r.error);
            assertEquals(i ^ thread, r.flags);
            assertTrue(r.nanos > 0);
        }

        public void onMalformed(final long chronicleIndex, final String reason)
        {
            throw new AssertionError("malformed: " + reason);
        }
    }

    /** Parks the agent on its first idle until the test opens the gate. */
    static final class GatedIdle implements IdleStrategy
    {
        private final CountDownLatch parked;
        private final CountDownLatch gate;

        GatedIdle(final CountDownLatch parked, final CountDownLatch gate)
        {
            this.parked = parked;
            this.gate = gate;
        }

        public void idle(final int workCount)
        {
            if (0 == workCount)
            {
                idle();
            }
        }

        public void idle()
        {
            if (gate.getCount() > 0)
            {
                parked.countDown();
                try
                {
                    gate.await();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            }
            else
            {
                Thread.yield();
            }
        }

        public void reset()
        {
        }
    }
}
