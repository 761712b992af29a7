package io.sanref.hal.rdma.verbs;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Modify to ERR completes every outstanding request WR_FLUSH_ERR, 0 bytes, each queue in posting order. */
class FlushOnErrorTest
{
    @Test
    void modifyToErrFlushesEverySendThenEveryReceiveInPostingOrder()
    {
        final VerbsPair p = new VerbsPair(64, 16, Ibv.RNR_RETRY_INFINITE);
        final SoftMr mr = p.pdA.registerMr(VerbsPair.pattern(1024, 3), Ibv.ACCESS_LOCAL_WRITE);
        for (int i = 0; i < 5; i++)
        {
            assertEquals(0, p.a.postSend(100 + i, Ibv.WR_SEND, mr.lkey(), 0, 64, 0, 0));
        }
        for (int i = 0; i < 4; i++)
        {
            assertEquals(0, p.a.postRecv(200 + i, mr.lkey(), 64L * i, 64));
        }
        assertEquals(0, p.a.process(16), "the peer posted no receive: nothing completes (RNR, retried forever)");

        assertEquals(0, p.a.modify(Ibv.QPS_ERR));
        final List<Wc> wcs = VerbsPair.poll(p.cqA);
        assertEquals(9, wcs.size());
        for (int i = 0; i < 9; i++)
        {
            final Wc wc = wcs.get(i);
            assertEquals(i < 5 ? 100 + i : 200 + i - 5, wc.wrId(), "posting order, sends first");
            assertEquals(Ibv.WC_WR_FLUSH_ERR, wc.status());
            assertEquals(0, wc.byteLen());
            assertEquals(p.a.qpNum(), wc.qpNum());
        }
        assertEquals(0, p.a.unreaped());
        assertTrue(VerbsPair.hasEvent(VerbsPair.events(p.deviceA), Ibv.EVENT_QP_LAST_WQE_REACHED, p.a.qpNum()));
    }

    @Test
    void aRequestPostedInErrIsFlushedAtOnce()
    {
        final VerbsPair p = new VerbsPair();
        assertEquals(0, p.a.modify(Ibv.QPS_ERR));
        assertEquals(0, p.a.postSend(7, Ibv.WR_RDMA_WRITE, 0, 0, 8, 0, 0));
        assertEquals(0, p.a.postRecv(8, 0, 0, 8));
        final List<Wc> wcs = VerbsPair.poll(p.cqA);
        assertEquals(2, wcs.size());
        assertEquals(7, wcs.get(0).wrId());
        assertEquals(8, wcs.get(1).wrId());
        assertTrue(wcs.stream().allMatch((wc) -> Ibv.WC_WR_FLUSH_ERR == wc.status()));
    }

    @Test
    void completedRequestsAreNotFlushedAgain()
    {
        final VerbsPair p = new VerbsPair();
        final SoftMr src = p.pdA.registerMr(VerbsPair.pattern(64, 1), 0);
        final SoftMr dst = p.pdB.registerMr(VerbsPair.pattern(64, 0), Ibv.ACCESS_LOCAL_WRITE);
        assertEquals(0, p.b.postRecv(1, dst.lkey(), 0, 64));
        assertEquals(0, p.a.postSend(2, Ibv.WR_SEND, src.lkey(), 0, 64, 0, 0));
        assertEquals(0, p.a.postSend(3, Ibv.WR_SEND, src.lkey(), 0, 64, 0, 0));
        assertEquals(1, p.a.process(16), "the second send waits for a receive");
        assertEquals(0, p.a.modify(Ibv.QPS_ERR));
        final List<Wc> wcs = VerbsPair.poll(p.cqA);
        assertEquals(2, wcs.size());
        assertEquals(new Wc(2, Ibv.WC_SUCCESS, Ibv.WC_SEND, 64, p.a.qpNum()), wcs.get(0));
        assertEquals(new Wc(3, Ibv.WC_WR_FLUSH_ERR, Ibv.WC_SEND, 0, p.a.qpNum()), wcs.get(1));
        assertEquals(List.of(new Wc(1, Ibv.WC_SUCCESS, Ibv.WC_RECV, 64, p.b.qpNum())), VerbsPair.poll(p.cqB));
    }
}
