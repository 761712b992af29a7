package io.sanref.hal.wsd;

import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalListener;
import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalStatus;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Connection setup on wsd: backlog limits (R10), withdrawn connects, timeouts, listener close. */
class WsdConnectTest
{
    private static HalListener listen(final Driver server, final int backlog)
    {
        final HalListener l = server.fabric.createListener();
        assertEquals(HalStatus.SUCCESS, l.listen(new SanAddress("127.0.0.1", 0), backlog));
        return l;
    }

    @Test
    void aFullBacklogRefusesAtOnceAndADeadEntryDoesNotHoldAPlace()
    {
        try (Driver server = new Driver("s", Map.of()); Driver client = new Driver("c", Map.of()))
        {
            final HalListener l = listen(server, 1);
            final HalEndpoint first = client.fabric.createEndpoint(1);
            assertEquals(HalStatus.SUCCESS, first.connect(l.localAddress(), 1));
            final HalEndpoint second = client.fabric.createEndpoint(2);
            assertEquals(HalStatus.REFUSED, second.connect(l.localAddress(), 2), "backlog of one is full (R10)");
            second.abort();

            first.abort(); // withdraws the waiting connect: RST to the listener
            assertEquals(HalStatus.FLUSHED, client.awaitCompletion(1, HalOpcode.CONNECT).status());
            final HalEndpoint third = client.fabric.createEndpoint(3);
            assertEquals(HalStatus.SUCCESS, third.connect(l.localAddress(), 3), "the dead entry gave its place up");
            final HalEndpoint accepted = server.awaitAccept(l, 30);
            assertEquals(third.connectionId(), accepted.connectionId(), "accept hands out the live connect only");
            assertEquals(HalStatus.SUCCESS, client.awaitCompletion(3, HalOpcode.CONNECT).status());
            assertNull(l.accept(31));
            third.abort();
            accepted.abort();
            l.close();
        }
    }

    @Test
    void aBacklogFullOfLiveConnectsRefusesTheNextAtOnce()
    {
        try (Driver server = new Driver("s", Map.of()); Driver client = new Driver("c", Map.of()))
        {
            final HalListener l = listen(server, 3);
            final HalEndpoint[] waiting = new HalEndpoint[3];
            for (int i = 0; i < waiting.length; i++)
            {
                waiting[i] = client.fabric.createEndpoint(i);
                assertEquals(HalStatus.SUCCESS, waiting[i].connect(l.localAddress(), i));
            }
            for (int round = 0; round < 3; round++)
            {
                final HalEndpoint extra = client.fabric.createEndpoint(10 + round);
                assertEquals(HalStatus.REFUSED, extra.connect(l.localAddress(), 10 + round),
                    "round " + round + ": the backlog holds three live connects (R10)");
                extra.abort();
            }
            for (int i = 0; i < waiting.length; i++)
            {
                final HalEndpoint accepted = server.awaitAccept(l, 20 + i);
                assertEquals(HalStatus.SUCCESS, client.awaitCompletion(i, HalOpcode.CONNECT).status());
                accepted.abort();
                waiting[i].abort();
            }
            l.close();
        }
    }

    @Test
    void aConnectNobodyAcceptsTimesOut()
    {
        try (Driver server = new Driver("s", Map.of());
             Driver client = new Driver("c", Map.of(WsdOptions.CONNECT_TIMEOUT_MS, "200")))
        {
            final HalListener l = listen(server, 4);
            final HalEndpoint e = client.fabric.createEndpoint(1);
            assertEquals(HalStatus.SUCCESS, e.connect(l.localAddress(), 1));
            assertEquals(HalStatus.TIMED_OUT, client.awaitCompletion(1, HalOpcode.CONNECT).status());
            assertEquals(HalEndpoint.ERROR, e.state());
            e.abort();
            l.close();
        }
    }

    @Test
    void closingTheListenerRefusesWaitingConnectsAndFreesThePort()
    {
        try (Driver server = new Driver("s", Map.of()); Driver client = new Driver("c", Map.of()))
        {
            final HalListener l = listen(server, 4);
            final SanAddress address = l.localAddress();
            final HalEndpoint e = client.fabric.createEndpoint(1);
            assertEquals(HalStatus.SUCCESS, e.connect(address, 1));
            l.close();
            assertEquals(HalStatus.REFUSED, client.awaitCompletion(1, HalOpcode.CONNECT).status());
            e.abort();
            final HalEndpoint again = client.fabric.createEndpoint(2);
            assertEquals(HalStatus.REFUSED, again.connect(address, 2), "nobody listens there any more");
            again.abort();
            Driver.await(() -> 0 == server.fabric.counters().get("channels_open") &&
                0 == client.fabric.counters().get("channels_open"), () -> "every socket closed: server " +
                server.fabric.counters() + ", client " + client.fabric.counters());
        }
    }

    @Test
    void aListenerAddressInUseIsReported()
    {
        try (Driver server = new Driver("s", Map.of()))
        {
            final HalListener l = listen(server, 4);
            final HalListener other = server.fabric.createListener();
            assertNotNull(other);
            assertEquals(HalStatus.ADDRESS_IN_USE, other.listen(l.localAddress(), 4));
            other.close();
            l.close();
        }
    }
}
