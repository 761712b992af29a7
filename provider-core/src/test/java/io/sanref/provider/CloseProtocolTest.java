package io.sanref.provider;

import io.sanref.journal.JournalEvent;
import io.sanref.journal.JournalWriter;
import io.sanref.refswitch.ReferenceSwitch;
import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Overlapped;
import io.sanref.spi.SanAddress;
import io.sanref.spi.Winsock;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The close protocol, requirement by requirement, through the reference switch on the loopback HAL. */
class CloseProtocolTest
{
    private static Overlapped[] recvs(final ReferenceSwitch sw, final SwitchSocket s, final int n)
    {
        final Overlapped[] ovs = new Overlapped[n];
        for (int i = 0; i < n; i++)
        {
            ovs[i] = sw.newOverlapped(false);
            assertEquals(Winsock.WSA_IO_PENDING, sw.recv(s, ByteBuffer.allocate(64), 0, 64, ovs[i]));
        }
        return ovs;
    }

    @Test
    void closeWithPendingReceivesAbortsEachExactlyOnceBeforeTheFinalUpcallR5R7()
    {
        try (TwoNodes nodes = new TwoNodes())
        {
            final SwitchSocket[] pair = nodes.connect();
            nodes.client.recordUpcalls(true);
            final Overlapped[] ovs = recvs(nodes.client, pair[0], 8);
            for (final Overlapped ov : ovs)
            {
                assertEquals(Winsock.WSS_OPERATION_IN_PROGRESS, ov.internal(), "R4: Internal is 0x103 while pending");
            }
            final long handle = pair[0].handle();

            assertEquals(0, nodes.client.closeSocket(pair[0]));

            assertTrue(pair[0].isHandleClosed(handle), "close made the final upcall before returning here");
            int completions = 0;
            boolean closed = false;
            for (final ReferenceSwitch.Upcall u : nodes.client.recordedUpcalls())
            {
                if (u.handle() == handle && "completeOverlappedRequest".equals(u.kind()))
                {
                    assertFalse(closed, "R7: no completion after closeSocketHandle");
                    assertEquals(Winsock.WSA_OPERATION_ABORTED, u.error());
                    assertEquals(0, u.bytes(), "R4: an aborted operation reports 0 bytes");
                    completions++;
                }
                closed |= u.handle() == handle && "closeSocketHandle".equals(u.kind());
            }
            assertEquals(8, completions, "each pending receive completed exactly once");
            assertTrue(closed);
            for (final Overlapped ov : ovs)
            {
                assertEquals(Winsock.WSA_OPERATION_ABORTED, ov.offsetHigh());
                assertEquals(Winsock.WSA_OPERATION_ABORTED, ov.internal());
            }
            nodes.server.closeSocket(pair[1]);
        }
    }

    /** Records every journal record in memory, in order. */
    private static final class RecordingJournal implements JournalWriter
    {
        final List<long[]> records = new ArrayList<>();

        public synchronized void write(
            final int event, final long descriptor, final long switchHandle, final long connectionId, final long opId,
            final int opKind, final int error, final int bytes, final int flags)
        {
            records.add(new long[]{event, descriptor, switchHandle, opId, error, bytes, flags});
        }

        synchronized List<long[]> snapshot()
        {
            return new ArrayList<>(records);
        }
    }

    @Test
    void memoryIsReleasedBeforeEachCompletionAndCloseIsJournaledBeforeItsAbortsR5A3()
    {
        final RecordingJournal journal = new RecordingJournal();
        try (TwoNodes nodes = new TwoNodes(journal))
        {
            final SwitchSocket[] pair = nodes.connect();
            recvs(nodes.client, pair[0], 4);
            assertEquals(0, nodes.client.closeSocket(pair[0]));
            nodes.server.closeSocket(pair[1]);
        }
        final Map<Long, Integer> released = new HashMap<>();
        int completed = 0;
        boolean closeCalled = false;
        for (final long[] r : journal.snapshot())
        {
            final int event = (int)r[0];
            if (JournalEvent.CLOSE_CALLED == event)
            {
                closeCalled = true;
            }
            if (JournalEvent.OP_RELEASED == event)
            {
                released.merge(r[3], 1, Integer::sum);
            }
            if (JournalEvent.OP_COMPLETED == event)
            {
                assertEquals(1, released.getOrDefault(r[3], 0), "op " + r[3] + " released exactly once before completing");
                completed++;
                if (closeCalled)
                {
                    assertEquals(Winsock.WSA_OPERATION_ABORTED, r[4], "A2: pending at close completes with 995");
                }
            }
        }
        assertEquals(5, completed, "connect plus four receives");
    }

    @Test
    void theFinalUpcallWaitsForACompletionUpcallRunningOnAnotherThreadR7() throws InterruptedException
    {
        try (TwoNodes nodes = new TwoNodes())
        {
            final SwitchSocket[] pair = nodes.connect();
            final Overlapped first = nodes.client.newOverlapped(false);
            final CountDownLatch entered = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final AtomicLong returned = new AtomicLong();
            nodes.client.completionListener((s, ov, error, bytes) ->
            {
                if (ov == first)
                {
                    entered.countDown();
                    try
                    {
                        release.await(TwoNodes.BOUND_MS, TimeUnit.MILLISECONDS);
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                    }
                    returned.set(System.nanoTime());
                }
            });
            assertEquals(Winsock.WSA_IO_PENDING, nodes.client.recv(pair[0], ByteBuffer.allocate(8), 0, 8, first));
            final Overlapped[] others = recvs(nodes.client, pair[0], 3);
            final Overlapped send = nodes.server.newOverlapped(false);
            assertEquals(Winsock.WSA_IO_PENDING, nodes.server.send(pair[1], ByteBuffer.allocate(8), 0, 8, send));
            assertTrue(entered.await(TwoNodes.BOUND_MS, TimeUnit.MILLISECONDS));
            final long handle = pair[0].handle();

            assertEquals(0, nodes.client.closeSocket(pair[0]), "close returns while the upcall still runs");
            TwoNodes.awaitDone(nodes.client, others);
            assertFalse(pair[0].isHandleClosed(handle), "no closeSocketHandle while a completion upcall runs");

            release.countDown();
            TwoNodes.await(() -> pair[0].isHandleClosed(handle), "the final upcall");
            assertTrue(pair[0].closeHandleNanos() >= returned.get() && 0 != returned.get());
            nodes.client.completionListener(null);
            TwoNodes.awaitDone(nodes.server, send);
            nodes.server.closeSocket(pair[1]);
        }
    }

    @Test
    void peerResetCompletesPendingReceivesWithConnResetAndKeepsTheSocketValidR6R8()
    {
        try (TwoNodes nodes = new TwoNodes())
        {
            final SwitchSocket[] pair = nodes.connect();
            final Overlapped[] ovs = recvs(nodes.server, pair[1], 4);
            assertEquals(0, nodes.client.closeSocket(pair[0]));
            TwoNodes.awaitDone(nodes.server, ovs);
            for (final Overlapped ov : ovs)
            {
                assertEquals(Winsock.WSAECONNRESET, ov.offsetHigh());
            }
            final Overlapped ov = nodes.server.newOverlapped(false);
            assertEquals(Winsock.WSAECONNRESET, nodes.server.send(pair[1], ByteBuffer.allocate(4), 0, 4, ov));
            assertFalse(pair[1].isHandleClosed(pair[1].handle()), "R8: nothing freed before closeSocket");
            assertEquals(Winsock.WSAECONNRESET,
                nodes.serverProvider.getOverlappedResult(pair[1].descriptor(), ovs[0]), "the descriptor still answers");
            assertEquals(0, nodes.server.closeSocket(pair[1]));
        }
    }

    @Test
    void lowBitOfTheEventHandleMeansPollingNotUpcallR3()
    {
        try (TwoNodes nodes = new TwoNodes())
        {
            final SwitchSocket[] pair = nodes.connect();
            final Overlapped polled = nodes.server.newOverlapped(true);
            final ByteBuffer in = ByteBuffer.allocate(16);
            assertEquals(Winsock.WSA_IO_PENDING, nodes.server.recv(pair[1], in, 0, 16, polled));
            assertEquals(Winsock.WSA_IO_INCOMPLETE, nodes.serverProvider.getOverlappedResult(pair[1].descriptor(), polled));
            final Overlapped send = nodes.client.newOverlapped(false);
            assertEquals(Winsock.WSA_IO_PENDING, nodes.client.send(pair[0], ByteBuffer.wrap(new byte[]{1, 2, 3}), 0, 3, send));
            TwoNodes.await(() -> !polled.isPending(), "the polled receive");
            assertEquals(Winsock.NO_ERROR, nodes.serverProvider.getOverlappedResult(pair[1].descriptor(), polled));
            assertEquals(3, polled.internalHigh(), "R4: InternalHigh carries the bytes");
            assertTrue(nodes.server.reap(polled));
            assertEquals(0, nodes.server.stats().completedByUpcall(), "no completion upcall for a polled receive");
            assertEquals(0, nodes.server.stats().upcallsForPolledOps());
            TwoNodes.awaitDone(nodes.client, send);
            nodes.client.closeSocket(pair[0]);
            nodes.server.closeSocket(pair[1]);
        }
    }

    @Test
    void aStaleDescriptorNeverReachesTheSocketThatReusesItsSlotR8A7()
    {
        try (TwoNodes nodes = new TwoNodes())
        {
            final SwitchSocket first = nodes.client.socket();
            final long stale = first.descriptor();
            assertEquals(0, nodes.client.closeSocket(first));
            final SwitchSocket second = nodes.client.socket();
            assertEquals(stale & 0xFFFFFF, second.descriptor() & 0xFFFFFF, "the slot was reused");
            assertTrue(stale != second.descriptor(), "with a new generation");
            assertEquals(Winsock.WSAENOTSOCK, nodes.clientProvider.closeSocket(stale));
            assertFalse(second.isHandleClosed(second.handle()), "the stale close did not touch the new socket");
            assertEquals(0, nodes.client.closeSocket(second));
            assertEquals(Winsock.WSAENOTSOCK, nodes.client.closeSocket(second), "a second close");
        }
    }

    @Test
    void connectToNothingIsRefusedAndCloseDuringConnectAbortsItR10()
    {
        try (TwoNodes nodes = new TwoNodes())
        {
            final SanAddress address = nodes.listen();
            final SwitchSocket pending = nodes.client.socket();
            final Overlapped ov = nodes.client.newOverlapped(false);
            assertEquals(Winsock.WSA_IO_PENDING, nodes.client.connect(pending, address, ov));
            assertEquals(0, nodes.client.closeSocket(pending));
            assertEquals(Winsock.WSA_OPERATION_ABORTED, ov.offsetHigh());

            final SwitchSocket nowhere = nodes.client.socket();
            final Overlapped refused = nodes.client.newOverlapped(false);
            assertEquals(Winsock.WSAECONNREFUSED,
                nodes.client.connect(nowhere, new SanAddress("127.0.0.1", 1), refused));
            assertEquals(0, nodes.client.closeSocket(nowhere));
        }
    }

    @Test
    void theFinalCleanupAbortsEveryPendingOperationAndOnlyTheFinalOneR1()
    {
        final TwoNodes nodes = new TwoNodes();
        final SwitchSocket[] pair = nodes.connect();
        final Overlapped[] ovs = recvs(nodes.client, pair[0], 4);
        assertEquals(0, nodes.client.startup(), "a second startup");
        assertEquals(0, nodes.client.cleanup(), "not the final cleanup");
        assertTrue(ovs[0].isPending(), "a non-final cleanup aborts nothing");
        nodes.close();
        for (final Overlapped ov : ovs)
        {
            assertEquals(Winsock.WSA_OPERATION_ABORTED, ov.offsetHigh());
        }
        assertEquals(Winsock.WSANOTINITIALISED, nodes.clientProvider.closeSocket(pair[0].descriptor()));
        assertEquals(Winsock.WSANOTINITIALISED, nodes.clientProvider.cleanup());
    }

    @Test
    void aSwitchThatThrowsFromAnUpcallDoesNotBreakTheProtocolR7()
    {
        try (TwoNodes nodes = new TwoNodes())
        {
            final SwitchSocket[] pair = nodes.connect();
            nodes.client.completionListener((s, ov, error, bytes) ->
            {
                throw new IllegalStateException("a switch bug");
            });
            final Overlapped[] ovs = recvs(nodes.client, pair[0], 4);
            assertEquals(0, nodes.client.closeSocket(pair[0]));
            for (final Overlapped ov : ovs)
            {
                assertEquals(Winsock.WSA_OPERATION_ABORTED, ov.offsetHigh());
            }
            nodes.client.completionListener(null);
            nodes.server.closeSocket(pair[1]);
        }
    }
}
