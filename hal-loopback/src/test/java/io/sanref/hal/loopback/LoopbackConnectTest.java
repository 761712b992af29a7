package io.sanref.hal.loopback;

import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalListener;
import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalStatus;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoopbackConnectTest
{
    private static final SanAddress ANY = new SanAddress("127.0.0.1", 0);

    @Test
    void connectedEndsShareANonZeroConnectionIdAndKnowEachOthersAddress()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            assertEquals(HalEndpoint.ACTIVE, pair.clientEndpoint.state());
            assertEquals(HalEndpoint.ACTIVE, pair.serverEndpoint.state());
            assertNotEquals(0, pair.clientEndpoint.connectionId());
            assertEquals(pair.clientEndpoint.connectionId(), pair.serverEndpoint.connectionId());
            assertEquals(pair.listener.localAddress(), pair.clientEndpoint.remoteAddress());
            assertNotNull(pair.serverEndpoint.remoteAddress());
            assertEquals(LoopbackPair.SERVER_CONTEXT, pair.serverEndpoint.context());
        }
    }

    @Test
    void connectToAnAddressNobodyListensOnIsRefusedAtOnceWithNoCompletionR10()
    {
        try (LoopbackPair pair = LoopbackPair.open())
        {
            final int credits = pair.client.availableCredits();
            final HalEndpoint endpoint = pair.client.createEndpoint(1);
            assertEquals(HalStatus.REFUSED, endpoint.connect(new SanAddress("nobody.invalid", 9), 5));
            assertEquals(HalEndpoint.IDLE, endpoint.state());
            pair.settle();
            assertEquals(0, pair.clientCompletions.all.size());
            assertEquals(credits - 1, pair.client.availableCredits(), "only the endpoint's event reservation");
            endpoint.abort();
        }
    }

    @Test
    void fullBacklogRefusesAtOnceR10()
    {
        try (LoopbackPair pair = LoopbackPair.open())
        {
            final HalListener listener = pair.server.createListener();
            assertEquals(HalStatus.SUCCESS, listener.listen(ANY, 1));
            final HalEndpoint first = pair.client.createEndpoint(1);
            final HalEndpoint second = pair.client.createEndpoint(2);
            assertEquals(HalStatus.SUCCESS, first.connect(listener.localAddress(), 11));
            assertEquals(HalStatus.REFUSED, second.connect(listener.localAddress(), 22));
            pair.settle();
            assertEquals(0, pair.clientCompletions.all.size(), "the refused connect produces no completion");

            final HalEndpoint accepted = listener.accept(3);
            assertNotNull(accepted);
            pair.pumpUntil("connect", () -> pair.clientCompletions.has(11));
            assertEquals(HalStatus.SUCCESS, pair.clientCompletions.only(11).status());
            assertEquals(HalStatus.SUCCESS, second.connect(listener.localAddress(), 23), "room again");

            first.abort();
            second.abort();
            accepted.abort();
            listener.close();
        }
    }

    @Test
    void connectNobodyAcceptsTimesOutAndIsWithdrawn()
    {
        try (LoopbackPair pair = new LoopbackPair(
            LoopbackPair.config("client", 4, 4, 1), LoopbackPair.config("server")))
        {
            final HalListener listener = pair.server.createListener();
            assertEquals(HalStatus.SUCCESS, listener.listen(ANY, 4));
            final HalEndpoint endpoint = pair.client.createEndpoint(1);
            assertEquals(HalStatus.SUCCESS, endpoint.connect(listener.localAddress(), 44));
            assertEquals(HalEndpoint.CONNECTING, endpoint.state());

            pair.pumpUntil("timeout", () -> pair.clientCompletions.has(44));
            assertEquals(new Completion(44, HalOpcode.CONNECT, HalStatus.TIMED_OUT, 0),
                pair.clientCompletions.only(44));
            assertNull(listener.accept(9), "the timed-out request is withdrawn");
            endpoint.abort();
            pair.settle();
            assertEquals(1, pair.clientCompletions.all.size());
            listener.close();
        }
    }

    @Test
    void abortDuringConnectFlushesTheConnectAndAcceptSkipsItR10()
    {
        try (LoopbackPair pair = LoopbackPair.open())
        {
            final HalListener listener = pair.server.createListener();
            assertEquals(HalStatus.SUCCESS, listener.listen(ANY, 1));
            final HalEndpoint endpoint = pair.client.createEndpoint(1);
            assertEquals(HalStatus.SUCCESS, endpoint.connect(listener.localAddress(), 55));

            endpoint.abort();
            assertEquals(HalEndpoint.ERROR, endpoint.state());
            pair.settle();
            assertEquals(new Completion(55, HalOpcode.CONNECT, HalStatus.FLUSHED, 0), pair.clientCompletions.only(55));
            assertNull(listener.accept(9), "accept never returns the aborted request");

            final HalEndpoint next = pair.client.createEndpoint(2);
            assertEquals(HalStatus.SUCCESS, next.connect(listener.localAddress(), 56),
                "a withdrawn request does not hold a backlog place");
            assertNotNull(listener.accept(10));
            next.abort();
            listener.close();
            pair.settle();
        }
    }

    @Test
    void closingTheListenerRefusesWaitingConnects()
    {
        try (LoopbackPair pair = LoopbackPair.open())
        {
            final HalListener listener = pair.server.createListener();
            assertEquals(HalStatus.SUCCESS, listener.listen(ANY, 4));
            final SanAddress address = listener.localAddress();
            final HalEndpoint endpoint = pair.client.createEndpoint(1);
            assertEquals(HalStatus.SUCCESS, endpoint.connect(address, 66));

            listener.close();
            pair.settle();
            assertEquals(new Completion(66, HalOpcode.CONNECT, HalStatus.REFUSED, 0), pair.clientCompletions.only(66));
            assertEquals(HalStatus.REFUSED, pair.client.createEndpoint(2).connect(address, 67), "address released");
            endpoint.abort();
        }
    }

    @Test
    void listeningOnABoundAddressIsAddressInUse()
    {
        try (LoopbackPair pair = LoopbackPair.open())
        {
            final HalListener first = pair.server.createListener();
            assertEquals(HalStatus.SUCCESS, first.listen(ANY, 4));
            final SanAddress bound = first.localAddress();
            assertTrue(bound.port() >= LoopbackAddressSpace.FIRST_EPHEMERAL_PORT, bound.toString());

            final HalListener second = pair.client.createListener();
            assertEquals(HalStatus.ADDRESS_IN_USE, second.listen(bound, 4));
            first.close();
            assertEquals(HalStatus.SUCCESS, second.listen(bound, 4), "free again after close");
            second.close();
        }
    }

    @Test
    void postOnAConnectingEndpointIsNotConnectedAndTakesNothing()
    {
        try (LoopbackPair pair = LoopbackPair.open())
        {
            final HalListener listener = pair.server.createListener();
            assertEquals(HalStatus.SUCCESS, listener.listen(ANY, 4));
            final HalEndpoint endpoint = pair.client.createEndpoint(1);
            assertEquals(HalStatus.SUCCESS, endpoint.connect(listener.localAddress(), 77));
            assertEquals(HalStatus.NOT_CONNECTED, endpoint.postRecv(1, ByteBuffer.allocate(4), 0, 4));
            assertEquals(HalStatus.INVALID, endpoint.connect(listener.localAddress(), 78), "already connecting");

            final HalEndpoint accepted = listener.accept(2);
            pair.pumpUntil("connect", () -> pair.clientCompletions.has(77));
            assertEquals(1, pair.clientCompletions.all.size());
            endpoint.abort();
            accepted.abort();
            listener.close();
        }
    }
}
