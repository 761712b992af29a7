package io.sanref.hal.rdma.verbs;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Receiver-not-ready retries, and destroying objects only once their completions were reaped. */
class RnrAndDestroyTest
{
    @Test
    void aSendWithNoReceiveRetriesRnrRetryTimesThenFails()
    {
        final int retries = 3;
        final VerbsPair p = new VerbsPair(64, 16, retries);
        final SoftMr src = p.pdA.registerMr(VerbsPair.pattern(64, 1), 0);
        assertEquals(0, p.a.postSend(1, Ibv.WR_SEND, src.lkey(), 0, 64, 0, 0));
        assertEquals(0, p.a.postSend(2, Ibv.WR_SEND, src.lkey(), 0, 64, 0, 0));
        for (int attempt = 0; attempt < retries; attempt++)
        {
            assertEquals(0, p.a.process(16), "attempt " + attempt + " finds no receive");
            assertEquals(Ibv.QPS_RTS, p.a.state());
            assertTrue(VerbsPair.poll(p.cqA).isEmpty(), "no completion while retrying");
        }
        p.a.process(16);
        final List<Wc> wcs = VerbsPair.poll(p.cqA);
        assertEquals(new Wc(1, Ibv.WC_RNR_RETRY_EXC_ERR, Ibv.WC_SEND, 0, p.a.qpNum()), wcs.get(0));
        assertEquals(new Wc(2, Ibv.WC_WR_FLUSH_ERR, Ibv.WC_SEND, 0, p.a.qpNum()), wcs.get(1));
        assertEquals(Ibv.QPS_ERR, p.a.state());
    }

    @Test
    void aReceivePostedWithinTheRetriesLetsTheSendThrough()
    {
        final VerbsPair p = new VerbsPair(64, 16, 2);
        final SoftMr src = p.pdA.registerMr(VerbsPair.pattern(64, 1), 0);
        final SoftMr dst = p.pdB.registerMr(java.nio.ByteBuffer.allocateDirect(64), Ibv.ACCESS_LOCAL_WRITE);
        assertEquals(0, p.a.postSend(1, Ibv.WR_SEND, src.lkey(), 0, 64, 0, 0));
        assertEquals(0, p.a.process(16));
        assertEquals(0, p.a.process(16));
        assertEquals(0, p.b.postRecv(9, dst.lkey(), 0, 64));
        assertEquals(1, p.a.process(16));
        assertEquals(List.of(new Wc(1, Ibv.WC_SUCCESS, Ibv.WC_SEND, 64, p.a.qpNum())), VerbsPair.poll(p.cqA));
        assertEquals(List.of(new Wc(9, Ibv.WC_SUCCESS, Ibv.WC_RECV, 64, p.b.qpNum())), VerbsPair.poll(p.cqB));
        assertEquals(dst.buffer(), src.buffer());
    }

    @Test
    void infiniteRnrRetryNeverFails()
    {
        final VerbsPair p = new VerbsPair(64, 16, Ibv.RNR_RETRY_INFINITE);
        final SoftMr src = p.pdA.registerMr(VerbsPair.pattern(64, 1), 0);
        assertEquals(0, p.a.postSend(1, Ibv.WR_SEND, src.lkey(), 0, 64, 0, 0));
        for (int i = 0; i < 10_000; i++)
        {
            p.a.process(16);
        }
        assertTrue(VerbsPair.poll(p.cqA).isEmpty());
        assertEquals(Ibv.QPS_RTS, p.a.state());
    }

    @Test
    void aReceiveTooShortFailsBothEnds()
    {
        final VerbsPair p = new VerbsPair();
        final SoftMr src = p.pdA.registerMr(VerbsPair.pattern(64, 1), 0);
        final SoftMr dst = p.pdB.registerMr(java.nio.ByteBuffer.allocateDirect(64), Ibv.ACCESS_LOCAL_WRITE);
        assertEquals(0, p.b.postRecv(9, dst.lkey(), 0, 16));
        assertEquals(0, p.a.postSend(1, Ibv.WR_SEND, src.lkey(), 0, 64, 0, 0));
        p.a.process(16);
        assertEquals(Ibv.WC_REM_INV_REQ_ERR, VerbsPair.poll(p.cqA).get(0).status());
        assertEquals(Ibv.WC_LOC_LEN_ERR, VerbsPair.poll(p.cqB).get(0).status());
        assertEquals(Ibv.QPS_ERR, p.a.state());
        assertEquals(Ibv.QPS_ERR, p.b.state());
    }

    @Test
    void destroyWaitsForUndrainedCompletionsAndGivesUpWithEbusy()
    {
        final SoftDevice device = new SoftDevice("destroy", 4, 20_000_000L);
        final SoftPd pd = device.allocPd(4);
        final SoftCq cq = device.createCq(16);
        final SoftQp qp = device.createQp(pd, cq, cq, 4, 4);
        assertEquals(0, qp.modify(Ibv.QPS_INIT));
        assertEquals(0, qp.postRecv(1, 0, 0, 0));
        assertEquals(0, qp.postRecv(2, 0, 0, 0));

        assertEquals(Ibv.EBUSY, device.destroyQp(qp), "two flushed completions are still in the CQ");
        assertEquals(Ibv.QPS_ERR, qp.state(), "destroy moved it to ERR, which flushed both");
        assertEquals(1, device.qpsLive());
        assertEquals(Ibv.EBUSY, device.destroyCq(cq), "the CQ is not drained either");

        assertEquals(2, VerbsPair.poll(cq).size());
        assertEquals(0, device.destroyQp(qp));
        assertEquals(0, device.qpsLive());
        assertNull(device.qp(qp.qpNum()), "its number no longer resolves");
        assertEquals(Ibv.EINVAL, device.destroyQp(qp), "twice");
        assertEquals(0, device.destroyCq(cq));
    }

    @Test
    void aProtectionDomainWithRegionsCannotBeDeallocated()
    {
        final SoftDevice device = new SoftDevice("pd", 4, 20_000_000L);
        final SoftPd pd = device.allocPd(4);
        final SoftMr mr = pd.registerMr(java.nio.ByteBuffer.allocateDirect(8), 0);
        assertEquals(Ibv.EBUSY, pd.deallocate());
        assertEquals(0, pd.deregisterMr(mr, 20_000_000L));
        assertEquals(0, pd.deallocate());
        assertEquals(0, device.pdsLive());
        assertEquals(0, device.mrsLive());
    }
}
