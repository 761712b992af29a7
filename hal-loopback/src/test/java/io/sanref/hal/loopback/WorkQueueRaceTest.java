package io.sanref.hal.loopback;

import io.sanref.hal.support.CompletionRing;
import io.sanref.hal.support.WorkQueue;
import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalStatus;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The slot primitive under the exactly-once rule: a poster taking its request back races a flush. */
class WorkQueueRaceTest
{
    @Test
    void takeBackRacingFlushHasExactlyOneWinnerEveryTime() throws Exception
    {
        final int rounds = 20_000;
        final CompletionRing cq = new CompletionRing("loopback", 4);
        final Recorder recorder = new Recorder();
        final CyclicBarrier barrier = new CyclicBarrier(2);
        final AtomicReference<WorkQueue<LoopbackMemoryRegion>> current = new AtomicReference<>();
        final AtomicBoolean tookBack = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        final Thread flusher = new Thread(() ->
        {
            try
            {
                for (int i = 0; i < rounds; i++)
                {
                    barrier.await();
                    current.get().flush(cq, HalStatus.FLUSHED);
                    barrier.await();
                }
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        });
        flusher.start();

        for (int i = 0; i < rounds; i++)
        {
            final WorkQueue<LoopbackMemoryRegion> queue = new WorkQueue<>(2);
            current.set(queue);
            barrier.await();
            final int slot = queue.claim();
            queue.wrIds[slot] = i;
            queue.opcodes[slot] = HalOpcode.RECV;
            queue.publish(slot);
            tookBack.set(queue.takeBack(slot));
            barrier.await();

            recorder.all.clear();
            cq.poll(recorder, 10);
            assertEquals(tookBack.get() ? 0 : 1, recorder.all.size(), "round " + i + ": " + recorder.all);
            assertFalse(queue.takeBack(slot), "a slot is taken back at most once");
        }
        flusher.join();
        assertNull(failure.get());
    }

    @Test
    void claimFailsWhenEverySlotIsInUseAndSucceedsAfterRecycle()
    {
        final WorkQueue<LoopbackMemoryRegion> queue = new WorkQueue<>(2);
        final int first = queue.claim();
        final int second = queue.claim();
        assertTrue(first >= 0 && second >= 0 && first != second);
        assertEquals(-1, queue.claim());

        queue.publish(first);
        assertTrue(queue.casState(first, WorkQueue.POSTED, WorkQueue.DELIVERING));
        assertTrue(queue.casState(first, WorkQueue.DELIVERING, WorkQueue.FREE));
        queue.recycle(first, 0);
        assertEquals(first, queue.claim());
    }
}
