package io.sanref.hal.rdma.verbs;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every (from, to) pair of RC QP states through {@link SoftQp#modify}/{@link SoftQp#modifyToRtr}: the legal ones
 * succeed and land in the new state, the illegal ones return EINVAL and change nothing. The expected table is written
 * out here, independently of {@link Ibv#isLegalTransition}. SQE is not a state the model enters, so it is checked
 * only as a target (never legal to request).
 */
class QpStateMachineTest
{
    private static final int[] FROM = {Ibv.QPS_RESET, Ibv.QPS_INIT, Ibv.QPS_RTR, Ibv.QPS_RTS, Ibv.QPS_SQD, Ibv.QPS_ERR};
    private static final int[] TO =
        {Ibv.QPS_RESET, Ibv.QPS_INIT, Ibv.QPS_RTR, Ibv.QPS_RTS, Ibv.QPS_SQD, Ibv.QPS_SQE, Ibv.QPS_ERR};

    //                                       to: RESET INIT  RTR   RTS   SQD   SQE   ERR
    private static final boolean[][] LEGAL = {
        /* from RESET */                    {true, true, false, false, false, false, true},
        /* from INIT  */                    {true, true, true, false, false, false, true},
        /* from RTR   */                    {true, false, false, true, false, false, true},
        /* from RTS   */                    {true, false, false, true, true, false, true},
        /* from SQD   */                    {true, false, false, true, true, false, true},
        /* from ERR   */                    {true, false, false, false, false, false, true},
    };

    @Test
    void everyTransitionIsAcceptedOrRejectedAsTheTableSays()
    {
        int checked = 0;
        for (int f = 0; f < FROM.length; f++)
        {
            for (int t = 0; t < TO.length; t++)
            {
                final SoftDevice device = new SoftDevice("sm", 4, VerbsPair.WAIT_NS);
                final SoftPd pd = device.allocPd(4);
                final SoftCq cq = device.createCq(16);
                final SoftQp qp = device.createQp(pd, cq, cq, 4, 4);
                final SoftQp peer = device.createQp(pd, cq, cq, 4, 4);
                driveTo(qp, peer, FROM[f]);
                assertEquals(FROM[f], qp.state(), "setup reached " + Ibv.qpStateName(FROM[f]));

                final int rc = Ibv.QPS_RTR == TO[t] ? qp.modifyToRtr(peer, 3) : qp.modify(TO[t]);
                final String cell = Ibv.qpStateName(FROM[f]) + " -> " + Ibv.qpStateName(TO[t]);
                if (LEGAL[f][t])
                {
                    assertEquals(0, rc, cell + " is legal");
                    assertEquals(TO[t], qp.state(), cell + " lands in the new state");
                }
                else
                {
                    assertEquals(Ibv.EINVAL, rc, cell + " is illegal");
                    assertEquals(FROM[f], qp.state(), cell + " changes nothing");
                }
                assertEquals(LEGAL[f][t], Ibv.isLegalTransition(FROM[f], TO[t]), cell + " in Ibv's table");
                checked++;
            }
        }
        assertEquals(FROM.length * TO.length, checked);
    }

    @Test
    void resetIsRefusedWhileRequestsAreOutstandingAndEmptiesTheQueuesOtherwise()
    {
        final VerbsPair p = new VerbsPair();
        final SoftMr mr = p.pdA.registerMr(VerbsPair.pattern(64, 1), Ibv.ACCESS_LOCAL_WRITE);
        assertEquals(0, p.a.postRecv(1, mr.lkey(), 0, 64));
        assertEquals(Ibv.EBUSY, p.a.modify(Ibv.QPS_RESET), "a posted receive would be discarded silently");
        assertEquals(Ibv.QPS_RTS, p.a.state());
        assertEquals(0, p.a.modify(Ibv.QPS_ERR));
        assertEquals(1, VerbsPair.poll(p.cqA).size());
        assertEquals(0, p.a.modify(Ibv.QPS_RESET));
        assertEquals(Ibv.QPS_RESET, p.a.state());
        assertEquals(Ibv.EINVAL, p.a.postRecv(2, mr.lkey(), 0, 64), "no posting in RESET");
        assertEquals(0, p.a.modify(Ibv.QPS_INIT), "reusable after RESET");
    }

    @Test
    void sendsArePostableOnlyInRtsSqdAndErr()
    {
        final SoftDevice device = new SoftDevice("post", 4, VerbsPair.WAIT_NS);
        final SoftPd pd = device.allocPd(4);
        final SoftCq cq = device.createCq(16);
        final SoftQp qp = device.createQp(pd, cq, cq, 4, 4);
        final SoftQp peer = device.createQp(pd, cq, cq, 4, 4);
        assertEquals(Ibv.EINVAL, qp.postSend(1, Ibv.WR_SEND, 0, 0, 0, 0, 0), "RESET");
        assertEquals(0, qp.modify(Ibv.QPS_INIT));
        assertEquals(Ibv.EINVAL, qp.postSend(1, Ibv.WR_SEND, 0, 0, 0, 0, 0), "INIT");
        assertEquals(0, qp.postRecv(1, 0, 0, 0), "receives may be posted in INIT");
        assertEquals(0, qp.modifyToRtr(peer, 0));
        assertEquals(Ibv.EINVAL, qp.postSend(2, Ibv.WR_SEND, 0, 0, 0, 0, 0), "RTR");
        assertEquals(0, qp.modify(Ibv.QPS_RTS));
        assertEquals(0, qp.modify(Ibv.QPS_SQD));
        assertEquals(0, qp.postSend(3, Ibv.WR_SEND, 0, 0, 0, 0, 0), "SQD queues");
        assertEquals(0, qp.process(16), "SQD does not execute");
        assertEquals(Ibv.EINVAL, qp.postSend(4, 99, 0, 0, 0, 0, 0), "unknown opcode");
    }

    private static void driveTo(final SoftQp qp, final SoftQp peer, final int target)
    {
        if (Ibv.QPS_RESET == target)
        {
            return;
        }
        if (Ibv.QPS_ERR == target)
        {
            qp.modify(Ibv.QPS_ERR);
            return;
        }
        qp.modify(Ibv.QPS_INIT);
        if (Ibv.QPS_INIT == target)
        {
            return;
        }
        qp.modifyToRtr(peer, 3);
        if (Ibv.QPS_RTR == target)
        {
            return;
        }
        qp.modify(Ibv.QPS_RTS);
        if (Ibv.QPS_SQD == target)
        {
            qp.modify(Ibv.QPS_SQD);
        }
    }
}
