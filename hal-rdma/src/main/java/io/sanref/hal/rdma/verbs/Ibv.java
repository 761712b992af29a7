package io.sanref.hal.rdma.verbs;

/**
 * The verbs constants the model uses, with the values of {@code <infiniband/verbs.h>} and {@code <rdma/rdma_cma.h>}
 * (rdma-core), so a reader holding those headers can check them and the ibverbs engine can share them.
 * <p>
 * Errors from verbs calls are positive errno values returned as ints (0 = success), as libibverbs does.
 */
public final class Ibv
{
    // enum ibv_qp_state
    public static final int QPS_RESET = 0;
    public static final int QPS_INIT = 1;
    public static final int QPS_RTR = 2;
    public static final int QPS_RTS = 3;
    public static final int QPS_SQD = 4;
    public static final int QPS_SQE = 5;
    public static final int QPS_ERR = 6;

    // enum ibv_access_flags
    public static final int ACCESS_LOCAL_WRITE = 1;
    public static final int ACCESS_REMOTE_WRITE = 1 << 1;
    public static final int ACCESS_REMOTE_READ = 1 << 2;

    // enum ibv_wr_opcode (send queue)
    public static final int WR_RDMA_WRITE = 0;
    public static final int WR_SEND = 2;
    public static final int WR_RDMA_READ = 4;
    /** Not a verbs value: the model's marker for a receive work request. */
    public static final int WR_RECV = 128;

    // enum ibv_wc_opcode
    public static final int WC_SEND = 0;
    public static final int WC_RDMA_WRITE = 1;
    public static final int WC_RDMA_READ = 2;
    public static final int WC_RECV = 128;

    // enum ibv_wc_status
    public static final int WC_SUCCESS = 0;
    public static final int WC_LOC_LEN_ERR = 1;
    public static final int WC_LOC_PROT_ERR = 4;
    public static final int WC_WR_FLUSH_ERR = 5;
    public static final int WC_REM_INV_REQ_ERR = 9;
    public static final int WC_REM_OP_ERR = 11;
    public static final int WC_REM_ACCESS_ERR = 10;
    public static final int WC_RETRY_EXC_ERR = 12;
    public static final int WC_RNR_RETRY_EXC_ERR = 13;

    // enum ibv_event_type
    public static final int EVENT_CQ_ERR = 0;
    public static final int EVENT_QP_FATAL = 1;
    public static final int EVENT_QP_LAST_WQE_REACHED = 16;

    // enum rdma_cm_event_type
    public static final int CM_EVENT_ADDR_RESOLVED = 0;
    public static final int CM_EVENT_ADDR_ERROR = 1;
    public static final int CM_EVENT_ROUTE_RESOLVED = 2;
    public static final int CM_EVENT_ROUTE_ERROR = 3;
    public static final int CM_EVENT_CONNECT_REQUEST = 4;
    public static final int CM_EVENT_CONNECT_RESPONSE = 5;
    public static final int CM_EVENT_CONNECT_ERROR = 6;
    public static final int CM_EVENT_UNREACHABLE = 7;
    public static final int CM_EVENT_REJECTED = 8;
    public static final int CM_EVENT_ESTABLISHED = 9;
    public static final int CM_EVENT_DISCONNECTED = 10;
    public static final int CM_EVENT_DEVICE_REMOVAL = 11;
    public static final int CM_EVENT_TIMEWAIT_EXIT = 15;

    /** rnr_retry 7 means "retry forever" in verbs. */
    public static final int RNR_RETRY_INFINITE = 7;

    // errno
    public static final int ENOMEM = 12;
    public static final int EBUSY = 16;
    public static final int EINVAL = 22;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;

    private Ibv()
    {
    }

    public static String qpStateName(final int state)
    {
        switch (state)
        {
            case QPS_RESET: return "RESET";
            case QPS_INIT: return "INIT";
            case QPS_RTR: return "RTR";
            case QPS_RTS: return "RTS";
            case QPS_SQD: return "SQD";
            case QPS_SQE: return "SQE";
            case QPS_ERR: return "ERR";
            default: return "UNKNOWN(" + state + ")";
        }
    }

    /**
     * The RC transitions the model allows (a subset of the IB spec's table, without SQE→RTS recovery paths the
     * model never enters): any state → RESET or ERR; RESET→INIT; INIT→INIT/RTR; RTR→RTS; RTS→RTS/SQD;
     * SQD→SQD/RTS; SQE→RTS.
     */
    public static boolean isLegalTransition(final int from, final int to)
    {
        if (QPS_RESET == to || QPS_ERR == to)
        {
            return from >= QPS_RESET && from <= QPS_ERR;
        }
        switch (from)
        {
            case QPS_RESET: return QPS_INIT == to;
            case QPS_INIT: return QPS_INIT == to || QPS_RTR == to;
            case QPS_RTR: return QPS_RTS == to;
            case QPS_RTS: return QPS_RTS == to || QPS_SQD == to;
            case QPS_SQD: return QPS_SQD == to || QPS_RTS == to;
            case QPS_SQE: return QPS_RTS == to;
            default: return false;
        }
    }
}
