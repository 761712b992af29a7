package io.sanref.hal.rdma;

import io.sanref.hal.rdma.verbs.AsyncEventHandler;
import io.sanref.hal.rdma.verbs.CmId;
import io.sanref.hal.rdma.verbs.CmListener;
import io.sanref.hal.rdma.verbs.Cq;
import io.sanref.hal.rdma.verbs.Device;
import io.sanref.hal.rdma.verbs.Ibv;
import io.sanref.hal.rdma.verbs.Pd;
import io.sanref.hal.rdma.verbs.Qp;
import io.sanref.hal.rdma.verbs.SoftDevice;
import io.sanref.hal.rdma.verbs.WcHandler;
import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalFabric;
import io.sanref.spi.hal.HalListener;
import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * R6 on a real fabric: a peer disconnects and then moves its QP to ERR, and its NAK (seen on rdma_rxe: "remote
 * invalid request" for our credit write) can reach us before the CM's DISCONNECTED. The server's device here turns
 * the completion of its first credit write into that NAK: with the peer's reset following, the server's requests end
 * 10054 (peer reset); with none, they end 10053 (transport failure) once the grace (the connect timeout) is over.
 */
class PeerResetGraceTest
{
    private static final long TAG_CTRL = 3L << 56;
    private static final long BOUND_NS = 20_000_000_000L;

    private final List<long[]> clientDone = new ArrayList<>();
    private final List<long[]> serverDone = new ArrayList<>();
    private HalFabric client;
    private HalFabric server;
    private NakDevice serverDevice;
    private HalEndpoint c;
    private HalEndpoint s;

    @AfterEach
    void close()
    {
        client.close();
        server.close();
    }

    @Test
    void aNakBeforeThePeersDisconnectEndsAsAPeerReset()
    {
        open(60_000);
        nakTheFirstCreditWrite();
        final long recv = pendingServerRecv();
        c.abort();
        drive(() -> done(serverDone, recv));
        assertEquals(HalOpcode.EVENT_PEER_RESET, serverDone.get(0)[1], "the server sees the reset first");
        assertEquals(HalStatus.REMOTE_RESET, status(serverDone, recv), "10054, not a transport failure");
        assertFalse(serverDone.stream().anyMatch((d) -> HalOpcode.EVENT_TRANSPORT_ERROR == d[1]));
    }

    @Test
    void aNakWithNoDisconnectBecomesATransportFailureAfterTheGrace()
    {
        open(50);
        nakTheFirstCreditWrite();
        final long recv = pendingServerRecv();
        drive(() -> done(serverDone, recv));
        assertTrue(serverDone.stream().anyMatch((d) -> HalOpcode.EVENT_TRANSPORT_ERROR == d[1]),
            "the server reports a transport error");
        assertEquals(HalStatus.TRANSPORT_ERROR, status(serverDone, recv));
        drive(() -> clientDone.stream().anyMatch((d) -> HalOpcode.EVENT_PEER_RESET == d[1]));
        assertEquals(HalEndpoint.RESET, c.state(), "the server's disconnect reached the client");
    }

    private void open(final long connectTimeoutMs)
    {
        final Map<String, String> small = Map.of("rdma.bounceBuffers", "2", "rdma.bounceBytes", "256");
        final HalConfig clientConfig = new HalConfig("client", 32, 32, connectTimeoutMs, small);
        final HalConfig serverConfig = new HalConfig("server", 32, 32, connectTimeoutMs, small);
        client = new RdmaHalProvider().open(clientConfig);
        final RdmaOptions options = RdmaOptions.from(serverConfig);
        serverDevice = new NakDevice(new SoftDevice("server", options.maxEndpoints(), options.waitTimeoutNs()));
        server = new RdmaFabric(serverConfig, options, serverDevice);

        final HalListener listener = server.createListener();
        assertEquals(HalStatus.SUCCESS, listener.listen(new SanAddress("rdma-grace-test", 0), 4));
        c = client.createEndpoint(3);
        assertEquals(HalStatus.SUCCESS, c.connect(listener.localAddress(), 77));
        final HalEndpoint[] accepted = new HalEndpoint[1];
        drive(() -> null != accepted[0] || null != (accepted[0] = listener.accept(7)));
        s = accepted[0];
        drive(() -> !clientDone.isEmpty());
        assertEquals(HalStatus.SUCCESS, clientDone.get(0)[2], "connected");
        clientDone.clear();
        listener.close();
    }

    /** The client sends; the server receives it and returns the credit with an RDMA write, which "fails". */
    private void nakTheFirstCreditWrite()
    {
        assertEquals(HalStatus.SUCCESS, s.postRecv(1, ByteBuffer.allocate(8), 0, 8));
        assertEquals(HalStatus.SUCCESS, c.postSend(2, ByteBuffer.allocate(8), 0, 8));
        drive(() -> serverDevice.naked);
        assertTrue(serverDevice.naked, "the credit write completed (as a NAK)");
        assertEquals(HalStatus.SUCCESS, status(serverDone, 1), "the message was received");
        serverDone.clear();
        clientDone.clear();
    }

    private long pendingServerRecv()
    {
        assertEquals(HalStatus.SUCCESS, s.postRecv(5, ByteBuffer.allocate(8), 0, 8));
        return 5;
    }

    private static boolean done(final List<long[]> completions, final long wrId)
    {
        return completions.stream().anyMatch((d) -> d[0] == wrId && HalOpcode.RECV == d[1]);
    }

    private static long status(final List<long[]> completions, final long wrId)
    {
        return completions.stream().filter((d) -> d[0] == wrId && HalOpcode.RECV == d[1]).findFirst().orElseThrow()[2];
    }

    /** Drive both nodes until the condition holds, at most {@link #BOUND_NS} (a bound, not an expectation). */
    private void drive(final BooleanSupplier until)
    {
        final long deadline = System.nanoTime() + BOUND_NS;
        while (!until.getAsBoolean() && System.nanoTime() - deadline < 0)
        {
            client.progress();
            server.progress();
            client.poll((id, op, st, b) -> clientDone.add(new long[]{id, op, st, b}), 64);
            server.poll((id, op, st, b) -> serverDone.add(new long[]{id, op, st, b}), 64);
        }
    }

    /** A soft device whose CQ reports the first successful credit write as {@code IBV_WC_REM_INV_REQ_ERR}. */
    private static final class NakDevice implements Device
    {
        private final SoftDevice soft;
        volatile boolean naked;

        NakDevice(final SoftDevice soft)
        {
            this.soft = soft;
        }

        public Cq createCq(final int cqe)
        {
            return new NakCq(soft.createCq(cqe));
        }

        public int destroyCq(final Cq cq)
        {
            return soft.destroyCq(((NakCq)cq).cq);
        }

        public Qp createQp(final Pd pd, final Cq sendCq, final Cq recvCq, final int maxSendWr, final int maxRecvWr)
        {
            return soft.createQp(pd, ((NakCq)sendCq).cq, ((NakCq)recvCq).cq, maxSendWr, maxRecvWr);
        }

        private final class NakCq implements Cq
        {
            final Cq cq;

            NakCq(final Cq cq)
            {
                this.cq = cq;
            }

            public int capacity()
            {
                return cq.capacity();
            }

            public long overflowCount()
            {
                return cq.overflowCount();
            }

            public int poll(final WcHandler handler, final int max)
            {
                return cq.poll((wrId, status, opcode, byteLen, qpNum) ->
                {
                    if (!naked && TAG_CTRL == (wrId & (0xFFL << 56)) && Ibv.WC_SUCCESS == status)
                    {
                        naked = true;
                        handler.onWc(wrId, Ibv.WC_REM_INV_REQ_ERR, opcode, 0, qpNum);
                        return;
                    }
                    handler.onWc(wrId, status, opcode, byteLen, qpNum);
                }, max);
            }
        }

        public String name()
        {
            return soft.name();
        }

        public String engine()
        {
            return "soft+nak";
        }

        public Pd allocPd(final int maxRegions)
        {
            return soft.allocPd(maxRegions);
        }

        public int destroyQp(final Qp qp)
        {
            return soft.destroyQp(qp);
        }

        public Qp qp(final int qpNum)
        {
            return soft.qp(qpNum);
        }

        public int pollAsyncEvents(final AsyncEventHandler handler, final int max)
        {
            return soft.pollAsyncEvents(handler, max);
        }

        public int progressCm(final int max)
        {
            return soft.progressCm(max);
        }

        public CmId createCmId(final Qp qp)
        {
            return soft.createCmId(qp);
        }

        public CmListener listen(final SanAddress requested, final int backlog)
        {
            return soft.listen(requested, backlog);
        }

        public int qpsLive()
        {
            return soft.qpsLive();
        }

        public int mrsLive()
        {
            return soft.mrsLive();
        }

        public int pdsLive()
        {
            return soft.pdsLive();
        }

        public void close()
        {
            soft.close();
        }
    }
}
