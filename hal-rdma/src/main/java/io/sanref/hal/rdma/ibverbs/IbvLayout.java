package io.sanref.hal.rdma.ibverbs;

/**
 * Byte offsets and sizes of the libibverbs and librdmacm structures the FFM binding reads and writes (LP64, from
 * {@code <infiniband/verbs.h>} and {@code <rdma/rdma_cma.h>} of rdma-core; these parts of the ABI have not moved
 * since rdma-core 17). {@code IbvLayoutTest} compiles {@code src/test/c/ibv_layout.c} against the installed headers
 * and checks every value here and in {@link io.sanref.hal.rdma.verbs.Ibv} (states, flags, opcodes, statuses and
 * events the engine passes through unchanged), where gcc and the headers exist.
 */
public final class IbvLayout
{
    // struct ibv_context
    public static final long CONTEXT_DEVICE = 0;
    public static final long CONTEXT_OPS = 8;
    public static final long CONTEXT_OPS_POLL_CQ = 96;
    public static final long CONTEXT_OPS_POST_SEND = 208;
    public static final long CONTEXT_OPS_POST_RECV = 216;
    public static final long CONTEXT_ASYNC_FD = 268;
    public static final long CONTEXT_SIZE = 328;

    // struct ibv_qp
    public static final long QP_QP_NUM = 52;
    public static final long QP_SIZE = 160;

    // struct ibv_cq
    public static final long CQ_CQE = 28;
    public static final long CQ_SIZE = 128;

    // struct ibv_mr
    public static final long MR_LKEY = 36;
    public static final long MR_RKEY = 40;
    public static final long MR_SIZE = 48;

    // struct ibv_qp_init_attr
    public static final long QP_INIT_ATTR_SEND_CQ = 8;
    public static final long QP_INIT_ATTR_RECV_CQ = 16;
    public static final long QP_INIT_ATTR_CAP = 32; // max_send_wr, max_recv_wr, max_send_sge, max_recv_sge, max_inline_data
    public static final long QP_INIT_ATTR_QP_TYPE = 52;
    public static final long QP_INIT_ATTR_SQ_SIG_ALL = 56;
    public static final long QP_INIT_ATTR_SIZE = 64;

    // struct ibv_qp_attr
    public static final long QP_ATTR_QP_STATE = 0;
    public static final long QP_ATTR_QP_ACCESS_FLAGS = 32;
    public static final long QP_ATTR_PKEY_INDEX = 120;
    public static final long QP_ATTR_PORT_NUM = 129;
    public static final long QP_ATTR_RNR_RETRY = 132;
    public static final long QP_ATTR_SIZE = 144;

    // struct ibv_send_wr, ibv_recv_wr, ibv_sge
    public static final long SEND_WR_WR_ID = 0;
    public static final long SEND_WR_NEXT = 8;
    public static final long SEND_WR_SG_LIST = 16;
    public static final long SEND_WR_NUM_SGE = 24;
    public static final long SEND_WR_OPCODE = 28;
    public static final long SEND_WR_SEND_FLAGS = 32;
    public static final long SEND_WR_REMOTE_ADDR = 40;
    public static final long SEND_WR_RKEY = 48;
    public static final long SEND_WR_SIZE = 128;
    public static final long RECV_WR_WR_ID = 0;
    public static final long RECV_WR_NEXT = 8;
    public static final long RECV_WR_SG_LIST = 16;
    public static final long RECV_WR_NUM_SGE = 24;
    public static final long RECV_WR_SIZE = 32;
    public static final long SGE_ADDR = 0;
    public static final long SGE_LENGTH = 8;
    public static final long SGE_LKEY = 12;
    public static final long SGE_SIZE = 16;

    // struct ibv_wc
    public static final long WC_WR_ID = 0;
    public static final long WC_STATUS = 8;
    public static final long WC_OPCODE = 12;
    public static final long WC_BYTE_LEN = 20;
    public static final long WC_QP_NUM = 28;
    public static final long WC_SIZE = 48;

    // struct ibv_async_event
    public static final long ASYNC_EVENT_ELEMENT = 0;
    public static final long ASYNC_EVENT_TYPE = 8;
    public static final long ASYNC_EVENT_SIZE = 16;

    // struct rdma_cm_id, rdma_cm_event, rdma_conn_param, rdma_event_channel
    public static final long CM_ID_VERBS = 0;
    public static final long CM_ID_CONTEXT = 16;
    public static final long CM_ID_DST_ADDR = 160;
    public static final long CM_ID_SIZE = 416;
    public static final long CM_EVENT_ID = 0;
    public static final long CM_EVENT_LISTEN_ID = 8;
    public static final long CM_EVENT_EVENT = 16;
    public static final long CM_EVENT_STATUS = 20;
    public static final long CM_EVENT_CONN = 24;
    public static final long CONN_PARAM_PRIVATE_DATA = 0;
    public static final long CONN_PARAM_PRIVATE_DATA_LEN = 8;
    public static final long CONN_PARAM_RESPONDER_RESOURCES = 9;
    public static final long CONN_PARAM_INITIATOR_DEPTH = 10;
    public static final long CONN_PARAM_RETRY_COUNT = 12;
    public static final long CONN_PARAM_RNR_RETRY_COUNT = 13;
    public static final long CONN_PARAM_QP_NUM = 16;
    public static final long CONN_PARAM_SIZE = 24;
    public static final long EVENT_CHANNEL_FD = 0;

    // enum values and masks
    public static final int QP_STATE = 1;
    public static final int QP_ACCESS_FLAGS = 8;
    public static final int QP_PKEY_INDEX = 16;
    public static final int QP_PORT = 32;
    public static final int QP_RNR_RETRY = 2048;
    public static final int QPT_RC = 2;
    public static final int SEND_SIGNALED = 2;
    public static final int RDMA_PS_TCP = 0x0106;

    private IbvLayout()
    {
    }
}
