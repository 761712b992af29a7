package io.sanref.hal.loopback;

import io.sanref.hal.support.CompletionRing;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalFabric;
import io.sanref.spi.hal.HalStatus;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoopbackResourcesTest
{
    @Test
    void postBeyondTheNodesCreditsIsNoResourcesAndNeverCompletes()
    {
        final String[] four = {LoopbackOptions.CREDITS, "4"};
        try (LoopbackPair pair = new LoopbackPair(
            LoopbackPair.config("client", 16, 16, four), LoopbackPair.config("server")).connect())
        {
            assertEquals(3, pair.client.availableCredits(), "one credit is the endpoint's event reservation");
            for (int i = 0; i < 3; i++)
            {
                assertEquals(HalStatus.SUCCESS, pair.clientEndpoint.postRecv(i, ByteBuffer.allocate(8), 0, 8));
            }
            assertEquals(HalStatus.NO_RESOURCES, pair.clientEndpoint.postRecv(3, ByteBuffer.allocate(8), 0, 8));
            assertEquals(HalStatus.NO_RESOURCES, pair.clientEndpoint.postSend(4, ByteBuffer.allocate(8), 0, 8));

            pair.clientEndpoint.abort();
            pair.settle();
            assertEquals(3, pair.clientCompletions.all.size(), pair.clientCompletions.all.toString());
            assertEquals(0, pair.clientCompletions.forId(3).size());
            assertEquals(0, pair.clientCompletions.forId(4).size());
            assertEquals(4, pair.client.availableCredits());
        }
    }

    @Test
    void fullReceiveQueueIsNoResources()
    {
        try (LoopbackPair pair = new LoopbackPair(
            LoopbackPair.config("client", 2, 2), LoopbackPair.config("server")).connect())
        {
            final HalEndpoint client = pair.clientEndpoint;
            assertEquals(HalStatus.SUCCESS, client.postRecv(1, ByteBuffer.allocate(8), 0, 8));
            assertEquals(HalStatus.SUCCESS, client.postRecv(2, ByteBuffer.allocate(8), 0, 8));
            assertEquals(HalStatus.NO_RESOURCES, client.postRecv(3, ByteBuffer.allocate(8), 0, 8));

            pair.serverEndpoint.postSend(9, ByteBuffer.allocate(8), 0, 8);
            pair.pumpUntil("one receive", () -> pair.clientCompletions.has(1));
            assertEquals(HalStatus.SUCCESS, client.postRecv(3, ByteBuffer.allocate(8), 0, 8), "a slot came back");
        }
    }

    @Test
    void fullSendQueueIsNoResources()
    {
        try (LoopbackPair pair = new LoopbackPair(
            LoopbackPair.config("client", 2, 2), LoopbackPair.config("server")).connect())
        {
            final HalEndpoint client = pair.clientEndpoint;
            assertEquals(HalStatus.SUCCESS, client.postSend(1, ByteBuffer.allocate(8), 0, 8));
            assertEquals(HalStatus.SUCCESS, client.postSend(2, ByteBuffer.allocate(8), 0, 8));
            assertEquals(HalStatus.NO_RESOURCES, client.postSend(3, ByteBuffer.allocate(8), 0, 8));
        }
    }

    @Test
    void badBuffersAndRangesAreInvalidAndTakeNothing()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final HalEndpoint client = pair.clientEndpoint;
            final int credits = pair.client.availableCredits();
            final ByteBuffer buffer = ByteBuffer.allocate(16);
            assertEquals(HalStatus.INVALID, client.postSend(1, null, 0, 1));
            assertEquals(HalStatus.INVALID, client.postSend(2, buffer, -1, 4));
            assertEquals(HalStatus.INVALID, client.postSend(3, buffer, 0, -4));
            assertEquals(HalStatus.INVALID, client.postSend(4, buffer, 12, 8));
            assertEquals(HalStatus.INVALID, client.postRecv(5, buffer, 16, 1));
            assertEquals(HalStatus.INVALID, client.postRecv(6, buffer.asReadOnlyBuffer(), 0, 4));
            assertEquals(credits, pair.client.availableCredits());
            pair.settle();
            assertEquals(0, pair.clientCompletions.all.size());
        }
    }

    @Test
    void unusableOptionValueIsRejectedWithItsName()
    {
        final HalConfig config = new HalConfig("bad", 4, 4, 1000, Map.of(LoopbackOptions.RING_BYTES, "lots"));
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> new LoopbackFabric(config));
        assertTrue(ex.getMessage().contains(LoopbackOptions.RING_BYTES), ex.getMessage());
    }

    @Test
    void closedFabricCreatesNothingAndCloseAbortsWhatIsOpen()
    {
        final HalFabric fabric = new LoopbackFabric(LoopbackPair.config("solo"));
        final HalEndpoint endpoint = fabric.createEndpoint(1);
        assertNotNull(endpoint);
        fabric.close();
        assertEquals(HalEndpoint.ERROR, endpoint.state());
        assertNull(fabric.createEndpoint(2));
        assertNull(fabric.createListener());
        fabric.close();
    }

    @Test
    void completionQueueHoldsAtLeastTheCredits()
    {
        assertTrue(new CompletionRing("loopback", 1000).capacityRecords() >= 1000);
        assertTrue(new CompletionRing("loopback", 1).capacityRecords() >= 1);
    }
}
