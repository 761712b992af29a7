package io.sanref.hal.rdma.verbs;

import org.jetbrains.kotlinx.lincheck.LinChecker;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Posting sends and receives racing a modify to ERR (and racing each other's flushes, execution and polling): every
 * request a post accepted completes exactly once (success or WR_FLUSH_ERR), none is lost, none completes twice, and
 * nothing completes that was not accepted. Results are linearizable (posts always answer 0: RTS and ERR both accept)
 * and the {@link Validate} step checks the exactly-once invariant after the last operation.
 */
public class PostVersusErrorLincheckTest
{
    private static final int IDS = 64;

    private final SoftDevice device = new SoftDevice("lincheck", 4, 5_000_000_000L);
    private final SoftPd pd = device.allocPd(4);
    private final SoftCq cq = device.createCq(256);
    private final SoftQp qp = device.createQp(pd, cq, cq, 16, 16);
    private final SoftQp peer = device.createQp(pd, cq, cq, 16, 16);
    private final SoftMr mr = pd.registerMr(ByteBuffer.allocateDirect(64), Ibv.ACCESS_LOCAL_WRITE);
    private final AtomicLong nextId = new AtomicLong();
    private final AtomicIntegerArray accepted = new AtomicIntegerArray(IDS);
    /** Consumer group only. */
    private final int[] completed = new int[IDS];
    private int foreign;
    private final WcHandler record = this::record;

    public PostVersusErrorLincheckTest()
    {
        qp.modify(Ibv.QPS_INIT);
        peer.modify(Ibv.QPS_INIT);
        qp.modifyToRtr(peer, Ibv.RNR_RETRY_INFINITE);
        peer.modifyToRtr(qp, Ibv.RNR_RETRY_INFINITE);
        qp.modify(Ibv.QPS_RTS);
        peer.modify(Ibv.QPS_RTS);
        // The peer can take two sends; the rest wait (receiver not ready) until flushed.
        peer.postRecv(1L << 40, mr.lkey(), 0, 8);
        peer.postRecv(1L << 40, mr.lkey(), 8, 8);
    }

    @Operation
    public int postSend()
    {
        final long id = nextId.getAndIncrement();
        final int rc = qp.postSend(id, Ibv.WR_SEND, mr.lkey(), 16, 8, 0, 0);
        if (0 == rc)
        {
            accepted.set((int)id, 1);
        }
        return rc;
    }

    @Operation
    public int postRecv()
    {
        final long id = nextId.getAndIncrement();
        final int rc = qp.postRecv(id, mr.lkey(), 32, 8);
        if (0 == rc)
        {
            accepted.set((int)id, 1);
        }
        return rc;
    }

    @Operation
    public void modifyToError()
    {
        qp.modify(Ibv.QPS_ERR);
    }

    @Operation(nonParallelGroup = "owner")
    public void execute()
    {
        qp.process(4);
    }

    @Operation(nonParallelGroup = "owner")
    public void poll()
    {
        cq.poll(record, 64);
    }

    @Validate
    public void everyAcceptedRequestCompletedExactlyOnce()
    {
        // Only move to ERR if no operation did: a second modify would flush again and hide a request that a post
        // into ERR failed to flush itself.
        if (Ibv.QPS_ERR != qp.state())
        {
            qp.modify(Ibv.QPS_ERR);
        }
        peer.modify(Ibv.QPS_ERR);
        while (0 != cq.poll(record, 64))
        {
            // drain
        }
        check(0 == foreign, "completions with ids never posted: " + foreign);
        final long posted = nextId.get();
        for (int id = 0; id < posted; id++)
        {
            final int expected = accepted.get(id);
            check(expected == completed[id], "request " + id + " accepted=" + expected + " completed " +
                completed[id] + " time(s)");
        }
        check(0 == qp.unreaped(), "completions unaccounted for: " + qp.unreaped());
        check(0 == cq.overflowCount(), "the CQ overflowed");
    }

    private void record(final long wrId, final int status, final int opcode, final int byteLen, final int qpNum)
    {
        if (qpNum != qp.qpNum())
        {
            return; // the peer's receives
        }
        if (wrId < 0 || wrId >= IDS || (Ibv.WC_SUCCESS != status && Ibv.WC_WR_FLUSH_ERR != status))
        {
            foreign++;
            return;
        }
        completed[(int)wrId]++;
    }

    private static void check(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalStateException(message);
        }
    }

    @Test
    void modelChecking()
    {
        LinChecker.check(PostVersusErrorLincheckTest.class, new ModelCheckingOptions()
            .iterations(6)
            .invocationsPerIteration(200)
            .threads(3)
            .actorsPerThread(3));
    }

    @Test
    void stress()
    {
        LinChecker.check(PostVersusErrorLincheckTest.class, new StressOptions()
            .iterations(5)
            .invocationsPerIteration(800)
            .threads(3)
            .actorsPerThread(3));
    }
}
