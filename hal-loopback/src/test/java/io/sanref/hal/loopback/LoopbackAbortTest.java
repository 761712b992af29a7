package io.sanref.hal.loopback;

import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalStatus;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static io.sanref.hal.loopback.LoopbackSendRecvTest.pattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoopbackAbortTest
{
    @Test
    void abortFlushesEveryOutstandingSendAndReceiveExactlyOnceR5()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final HalEndpoint client = pair.clientEndpoint;
            for (int i = 0; i < 3; i++)
            {
                assertEquals(HalStatus.SUCCESS, client.postRecv(10 + i, ByteBuffer.allocate(64), 0, 64));
            }
            for (int i = 0; i < 2; i++)
            {
                assertEquals(HalStatus.SUCCESS, client.postSend(20 + i, pattern(64, i), 0, 64));
            }
            pair.settle();
            assertEquals(0, pair.clientCompletions.all.size(), "all pending before the abort");

            client.abort();
            assertEquals(HalEndpoint.ERROR, client.state());
            pair.settle();
            client.abort();
            pair.settle();

            for (final long id : new long[]{10, 11, 12, 20, 21})
            {
                final Completion completion = pair.clientCompletions.only(id);
                assertEquals(HalStatus.FLUSHED, completion.status(), completion.toString());
                assertEquals(0, completion.bytes());
            }
            assertEquals(5, pair.clientCompletions.all.size(), "nothing but the five flushes");
        }
    }

    @Test
    void peerSeesResetEventBeforeRemoteResetFlushesOfItsPendingReceivesR6()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final HalEndpoint server = pair.serverEndpoint;
            for (int i = 0; i < 3; i++)
            {
                assertEquals(HalStatus.SUCCESS, server.postRecv(30 + i, ByteBuffer.allocate(64), 0, 64));
            }
            pair.settle();

            pair.clientEndpoint.abort();
            pair.pumpUntil("peer reset and flushes", () -> pair.serverCompletions.all.size() == 4);
            pair.settle();

            assertEquals(HalEndpoint.RESET, server.state());
            assertEquals(4, pair.serverCompletions.all.size(), pair.serverCompletions.all.toString());
            assertEquals(
                new Completion(LoopbackPair.SERVER_CONTEXT, HalOpcode.EVENT_PEER_RESET, HalStatus.REMOTE_RESET, 0),
                pair.serverCompletions.all.get(0), "the event comes first, once");
            for (int i = 0; i < 3; i++)
            {
                assertEquals(new Completion(30 + i, HalOpcode.RECV, HalStatus.REMOTE_RESET, 0),
                    pair.serverCompletions.only(30 + i));
            }
        }
    }

    @Test
    void pendingSendsOfThePeerAreFlushedWithRemoteResetToo()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            assertEquals(HalStatus.SUCCESS, pair.serverEndpoint.postSend(40, pattern(100, 1), 0, 100));
            pair.settle();
            pair.clientEndpoint.abort();
            pair.pumpUntil("send flushed", () -> pair.serverCompletions.has(40));

            assertEquals(HalStatus.REMOTE_RESET, pair.serverCompletions.only(40).status());
            assertTrue(pair.serverCompletions.indexOf(LoopbackPair.SERVER_CONTEXT, HalOpcode.EVENT_PEER_RESET) <
                pair.serverCompletions.indexOf(40, HalOpcode.SEND));
        }
    }

    @Test
    void postAfterAbortReturnsFlushedAndProducesNoCompletion()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            pair.clientEndpoint.abort();
            assertEquals(HalStatus.FLUSHED, pair.clientEndpoint.postRecv(1, ByteBuffer.allocate(8), 0, 8));
            assertEquals(HalStatus.FLUSHED, pair.clientEndpoint.postSend(2, ByteBuffer.allocate(8), 0, 8));
            pair.settle();
            assertEquals(0, pair.clientCompletions.all.size(), pair.clientCompletions.all.toString());
        }
    }

    @Test
    void postAfterPeerResetReturnsRemoteResetAndProducesNoCompletionR6()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            pair.clientEndpoint.abort();
            pair.pumpUntil("reset", () -> HalEndpoint.RESET == pair.serverEndpoint.state());
            pair.settle();
            final int before = pair.serverCompletions.all.size();

            assertEquals(HalStatus.REMOTE_RESET, pair.serverEndpoint.postRecv(1, ByteBuffer.allocate(8), 0, 8));
            assertEquals(HalStatus.REMOTE_RESET, pair.serverEndpoint.postSend(2, ByteBuffer.allocate(8), 0, 8));
            pair.settle();
            assertEquals(before, pair.serverCompletions.all.size(), pair.serverCompletions.all.toString());

            pair.serverEndpoint.abort();
            assertEquals(HalEndpoint.ERROR, pair.serverEndpoint.state());
            assertEquals(HalStatus.FLUSHED, pair.serverEndpoint.postRecv(3, ByteBuffer.allocate(8), 0, 8));
        }
    }

    @Test
    void postBeforeConnectReturnsNotConnected()
    {
        try (LoopbackPair pair = LoopbackPair.open())
        {
            final HalEndpoint idle = pair.client.createEndpoint(5);
            assertEquals(HalStatus.NOT_CONNECTED, idle.postRecv(1, ByteBuffer.allocate(8), 0, 8));
            assertEquals(HalStatus.NOT_CONNECTED, idle.postSend(2, ByteBuffer.allocate(8), 0, 8));
            pair.settle();
            assertEquals(0, pair.clientCompletions.all.size());
            idle.abort();
        }
    }

    @Test
    void abortedReceiveBufferIsNeverWrittenAfterAbortReturns()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final ByteBuffer recv = ByteBuffer.allocate(64);
            assertEquals(HalStatus.SUCCESS, pair.serverEndpoint.postRecv(1, recv, 0, 64));
            pair.serverEndpoint.abort();
            assertEquals(HalStatus.SUCCESS, pair.clientEndpoint.postSend(2, pattern(64, 3), 0, 64));
            pair.settle();

            for (int i = 0; i < 64; i++)
            {
                assertEquals(0, recv.get(i), "byte " + i);
            }
            assertEquals(HalStatus.FLUSHED, pair.serverCompletions.only(1).status());
            assertEquals(HalStatus.REMOTE_RESET, pair.clientCompletions.only(2).status());
        }
    }

    @Test
    void abortFromACompletionHandlerOnTheProgressThreadReturnsAndFlushes()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final HalEndpoint server = pair.serverEndpoint;
            assertEquals(HalStatus.SUCCESS, server.postRecv(1, ByteBuffer.allocate(8), 0, 8));
            assertEquals(HalStatus.SUCCESS, server.postRecv(2, ByteBuffer.allocate(8), 0, 8));
            assertEquals(HalStatus.SUCCESS, pair.clientEndpoint.postSend(3, pattern(8, 1), 0, 8));

            final Recorder recorder = new Recorder();
            final boolean[] aborted = {false};
            pair.pumpUntil("first receive", () ->
            {
                pair.client.progress();
                pair.server.progress();
                pair.client.poll(pair.clientCompletions, 16);
                pair.server.poll((id, opcode, status, bytes) ->
                {
                    recorder.onCompletion(id, opcode, status, bytes);
                    if (1 == id && !aborted[0])
                    {
                        aborted[0] = true;
                        server.abort();
                    }
                }, 16);
                return aborted[0];
            });

            pair.server.poll(recorder, 16);
            assertEquals(HalStatus.SUCCESS, recorder.only(1).status());
            assertEquals(HalStatus.FLUSHED, recorder.only(2).status());
        }
    }

    @Test
    void simultaneousAbortOfBothEndsProducesNoResetEventOnEither()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            pair.clientEndpoint.abort();
            pair.serverEndpoint.abort();
            pair.settle();
            assertEquals(-1, pair.clientCompletions.indexOf(LoopbackPair.CLIENT_CONTEXT, HalOpcode.EVENT_PEER_RESET));
            assertEquals(-1, pair.serverCompletions.indexOf(LoopbackPair.SERVER_CONTEXT, HalOpcode.EVENT_PEER_RESET));
        }
    }

    @Test
    void creditsAllComeBackOnceEverythingIsFlushedAndPolled()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final int idle = pair.client.availableCredits();
            pair.clientEndpoint.postRecv(1, ByteBuffer.allocate(8), 0, 8);
            pair.clientEndpoint.postSend(2, ByteBuffer.allocate(8), 0, 8);
            assertEquals(idle - 2, pair.client.availableCredits());
            pair.clientEndpoint.abort();
            pair.settle();
            assertEquals(idle + 1, pair.client.availableCredits(), "the two requests and the event reservation");
        }
    }
}
