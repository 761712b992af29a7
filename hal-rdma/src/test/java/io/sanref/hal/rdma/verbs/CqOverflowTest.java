package io.sanref.hal.rdma.verbs;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A full completion queue is an error, never a silent loss. */
class CqOverflowTest
{
    @Test
    void overflowRaisesCqErrAndQpFatalMovesTheQpToErrAndCountsTheLoss()
    {
        final VerbsPair p = new VerbsPair(8, 32, Ibv.RNR_RETRY_INFINITE);
        final int capacity = p.cqA.capacity();
        final int posted = capacity + 4;
        final SoftMr src = p.pdA.registerMr(VerbsPair.pattern(64, 1), 0);
        final SoftMr dst = p.pdB.registerMr(VerbsPair.pattern(64, 0), Ibv.ACCESS_LOCAL_WRITE | Ibv.ACCESS_REMOTE_WRITE);
        for (int i = 0; i < posted; i++)
        {
            assertEquals(0, p.a.postSend(i, Ibv.WR_RDMA_WRITE, src.lkey(), 0, 8, dst.rkey(), 0));
        }

        p.a.process(posted);

        assertEquals(Ibv.QPS_ERR, p.a.state(), "the QP whose completion was lost is in ERR");
        assertTrue(p.cqA.isOverflowed());
        final List<Wc> wcs = VerbsPair.poll(p.cqA);
        assertEquals(capacity, wcs.size(), "the CQ kept what fit");
        assertEquals(posted - capacity, p.cqA.overflowCount(), "every completion that did not fit is counted");
        final List<int[]> events = VerbsPair.events(p.deviceA);
        assertTrue(VerbsPair.hasEvent(events, Ibv.EVENT_CQ_ERR, p.cqA.cqNum), "CQ_ERR raised");
        assertTrue(VerbsPair.hasEvent(events, Ibv.EVENT_QP_FATAL, p.a.qpNum()), "QP_FATAL raised");
        assertEquals(0, p.a.unreaped(), "lost completions do not keep the QP alive");
        assertEquals(0, p.deviceA.destroyQp(p.a));
    }
}
