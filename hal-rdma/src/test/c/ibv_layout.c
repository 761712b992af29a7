/* Prints "NAME VALUE" for every constant of IbvLayout and "Ibv.NAME VALUE" for those of Ibv, computed by the compiler
   from the installed headers. */
#include <stdio.h>
#include <stddef.h>
#include <errno.h>
#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#define P(name, value) printf("%s %ld\n", name, (long)(value))
#define O(name, type, field) P(name, offsetof(struct type, field))

int main(void)
{
    O("CONTEXT_DEVICE", ibv_context, device);
    O("CONTEXT_OPS", ibv_context, ops);
    O("CONTEXT_OPS_POLL_CQ", ibv_context, ops.poll_cq);
    O("CONTEXT_OPS_POST_SEND", ibv_context, ops.post_send);
    O("CONTEXT_OPS_POST_RECV", ibv_context, ops.post_recv);
    O("CONTEXT_ASYNC_FD", ibv_context, async_fd);
    P("CONTEXT_SIZE", sizeof(struct ibv_context));
    O("QP_QP_NUM", ibv_qp, qp_num);
    P("QP_SIZE", sizeof(struct ibv_qp));
    O("CQ_CQE", ibv_cq, cqe);
    P("CQ_SIZE", sizeof(struct ibv_cq));
    O("MR_LKEY", ibv_mr, lkey);
    O("MR_RKEY", ibv_mr, rkey);
    P("MR_SIZE", sizeof(struct ibv_mr));
    O("QP_INIT_ATTR_SEND_CQ", ibv_qp_init_attr, send_cq);
    O("QP_INIT_ATTR_RECV_CQ", ibv_qp_init_attr, recv_cq);
    O("QP_INIT_ATTR_CAP", ibv_qp_init_attr, cap);
    O("QP_INIT_ATTR_QP_TYPE", ibv_qp_init_attr, qp_type);
    O("QP_INIT_ATTR_SQ_SIG_ALL", ibv_qp_init_attr, sq_sig_all);
    P("QP_INIT_ATTR_SIZE", sizeof(struct ibv_qp_init_attr));
    O("QP_ATTR_QP_STATE", ibv_qp_attr, qp_state);
    O("QP_ATTR_QP_ACCESS_FLAGS", ibv_qp_attr, qp_access_flags);
    O("QP_ATTR_PKEY_INDEX", ibv_qp_attr, pkey_index);
    O("QP_ATTR_PORT_NUM", ibv_qp_attr, port_num);
    O("QP_ATTR_RNR_RETRY", ibv_qp_attr, rnr_retry);
    P("QP_ATTR_SIZE", sizeof(struct ibv_qp_attr));
    O("SEND_WR_WR_ID", ibv_send_wr, wr_id);
    O("SEND_WR_NEXT", ibv_send_wr, next);
    O("SEND_WR_SG_LIST", ibv_send_wr, sg_list);
    O("SEND_WR_NUM_SGE", ibv_send_wr, num_sge);
    O("SEND_WR_OPCODE", ibv_send_wr, opcode);
    O("SEND_WR_SEND_FLAGS", ibv_send_wr, send_flags);
    O("SEND_WR_REMOTE_ADDR", ibv_send_wr, wr.rdma.remote_addr);
    O("SEND_WR_RKEY", ibv_send_wr, wr.rdma.rkey);
    P("SEND_WR_SIZE", sizeof(struct ibv_send_wr));
    O("RECV_WR_WR_ID", ibv_recv_wr, wr_id);
    O("RECV_WR_NEXT", ibv_recv_wr, next);
    O("RECV_WR_SG_LIST", ibv_recv_wr, sg_list);
    O("RECV_WR_NUM_SGE", ibv_recv_wr, num_sge);
    P("RECV_WR_SIZE", sizeof(struct ibv_recv_wr));
    O("SGE_ADDR", ibv_sge, addr);
    O("SGE_LENGTH", ibv_sge, length);
    O("SGE_LKEY", ibv_sge, lkey);
    P("SGE_SIZE", sizeof(struct ibv_sge));
    O("WC_WR_ID", ibv_wc, wr_id);
    O("WC_STATUS", ibv_wc, status);
    O("WC_OPCODE", ibv_wc, opcode);
    O("WC_BYTE_LEN", ibv_wc, byte_len);
    O("WC_QP_NUM", ibv_wc, qp_num);
    P("WC_SIZE", sizeof(struct ibv_wc));
    O("ASYNC_EVENT_ELEMENT", ibv_async_event, element);
    O("ASYNC_EVENT_TYPE", ibv_async_event, event_type);
    P("ASYNC_EVENT_SIZE", sizeof(struct ibv_async_event));
    O("CM_ID_VERBS", rdma_cm_id, verbs);
    O("CM_ID_CONTEXT", rdma_cm_id, context);
    O("CM_ID_DST_ADDR", rdma_cm_id, route.addr.dst_addr);
    P("CM_ID_SIZE", sizeof(struct rdma_cm_id));
    O("CM_EVENT_ID", rdma_cm_event, id);
    O("CM_EVENT_LISTEN_ID", rdma_cm_event, listen_id);
    O("CM_EVENT_EVENT", rdma_cm_event, event);
    O("CM_EVENT_STATUS", rdma_cm_event, status);
    O("CM_EVENT_CONN", rdma_cm_event, param.conn);
    O("CONN_PARAM_PRIVATE_DATA", rdma_conn_param, private_data);
    O("CONN_PARAM_PRIVATE_DATA_LEN", rdma_conn_param, private_data_len);
    O("CONN_PARAM_RESPONDER_RESOURCES", rdma_conn_param, responder_resources);
    O("CONN_PARAM_INITIATOR_DEPTH", rdma_conn_param, initiator_depth);
    O("CONN_PARAM_RETRY_COUNT", rdma_conn_param, retry_count);
    O("CONN_PARAM_RNR_RETRY_COUNT", rdma_conn_param, rnr_retry_count);
    O("CONN_PARAM_QP_NUM", rdma_conn_param, qp_num);
    P("CONN_PARAM_SIZE", sizeof(struct rdma_conn_param));
    O("EVENT_CHANNEL_FD", rdma_event_channel, fd);
    P("QP_STATE", IBV_QP_STATE);
    P("QP_ACCESS_FLAGS", IBV_QP_ACCESS_FLAGS);
    P("QP_PKEY_INDEX", IBV_QP_PKEY_INDEX);
    P("QP_PORT", IBV_QP_PORT);
    P("QP_RNR_RETRY", IBV_QP_RNR_RETRY);
    P("QPT_RC", IBV_QPT_RC);
    P("SEND_SIGNALED", IBV_SEND_SIGNALED);
    P("RDMA_PS_TCP", RDMA_PS_TCP);
    P("Ibv.QPS_RESET", IBV_QPS_RESET);
    P("Ibv.QPS_INIT", IBV_QPS_INIT);
    P("Ibv.QPS_RTR", IBV_QPS_RTR);
    P("Ibv.QPS_RTS", IBV_QPS_RTS);
    P("Ibv.QPS_SQD", IBV_QPS_SQD);
    P("Ibv.QPS_SQE", IBV_QPS_SQE);
    P("Ibv.QPS_ERR", IBV_QPS_ERR);
    P("Ibv.ACCESS_LOCAL_WRITE", IBV_ACCESS_LOCAL_WRITE);
    P("Ibv.ACCESS_REMOTE_WRITE", IBV_ACCESS_REMOTE_WRITE);
    P("Ibv.ACCESS_REMOTE_READ", IBV_ACCESS_REMOTE_READ);
    P("Ibv.WR_RDMA_WRITE", IBV_WR_RDMA_WRITE);
    P("Ibv.WR_SEND", IBV_WR_SEND);
    P("Ibv.WR_RDMA_READ", IBV_WR_RDMA_READ);
    P("Ibv.WC_SEND", IBV_WC_SEND);
    P("Ibv.WC_RDMA_WRITE", IBV_WC_RDMA_WRITE);
    P("Ibv.WC_RDMA_READ", IBV_WC_RDMA_READ);
    P("Ibv.WC_RECV", IBV_WC_RECV);
    P("Ibv.WC_SUCCESS", IBV_WC_SUCCESS);
    P("Ibv.WC_LOC_LEN_ERR", IBV_WC_LOC_LEN_ERR);
    P("Ibv.WC_LOC_PROT_ERR", IBV_WC_LOC_PROT_ERR);
    P("Ibv.WC_WR_FLUSH_ERR", IBV_WC_WR_FLUSH_ERR);
    P("Ibv.WC_REM_INV_REQ_ERR", IBV_WC_REM_INV_REQ_ERR);
    P("Ibv.WC_REM_OP_ERR", IBV_WC_REM_OP_ERR);
    P("Ibv.WC_REM_ACCESS_ERR", IBV_WC_REM_ACCESS_ERR);
    P("Ibv.WC_RETRY_EXC_ERR", IBV_WC_RETRY_EXC_ERR);
    P("Ibv.WC_RNR_RETRY_EXC_ERR", IBV_WC_RNR_RETRY_EXC_ERR);
    P("Ibv.EVENT_CQ_ERR", IBV_EVENT_CQ_ERR);
    P("Ibv.EVENT_QP_FATAL", IBV_EVENT_QP_FATAL);
    P("Ibv.EVENT_QP_LAST_WQE_REACHED", IBV_EVENT_QP_LAST_WQE_REACHED);
    P("Ibv.CM_EVENT_ADDR_RESOLVED", RDMA_CM_EVENT_ADDR_RESOLVED);
    P("Ibv.CM_EVENT_ADDR_ERROR", RDMA_CM_EVENT_ADDR_ERROR);
    P("Ibv.CM_EVENT_ROUTE_RESOLVED", RDMA_CM_EVENT_ROUTE_RESOLVED);
    P("Ibv.CM_EVENT_ROUTE_ERROR", RDMA_CM_EVENT_ROUTE_ERROR);
    P("Ibv.CM_EVENT_CONNECT_REQUEST", RDMA_CM_EVENT_CONNECT_REQUEST);
    P("Ibv.CM_EVENT_CONNECT_RESPONSE", RDMA_CM_EVENT_CONNECT_RESPONSE);
    P("Ibv.CM_EVENT_CONNECT_ERROR", RDMA_CM_EVENT_CONNECT_ERROR);
    P("Ibv.CM_EVENT_UNREACHABLE", RDMA_CM_EVENT_UNREACHABLE);
    P("Ibv.CM_EVENT_REJECTED", RDMA_CM_EVENT_REJECTED);
    P("Ibv.CM_EVENT_ESTABLISHED", RDMA_CM_EVENT_ESTABLISHED);
    P("Ibv.CM_EVENT_DISCONNECTED", RDMA_CM_EVENT_DISCONNECTED);
    P("Ibv.CM_EVENT_DEVICE_REMOVAL", RDMA_CM_EVENT_DEVICE_REMOVAL);
    P("Ibv.CM_EVENT_TIMEWAIT_EXIT", RDMA_CM_EVENT_TIMEWAIT_EXIT);
    P("Ibv.ENOMEM", ENOMEM);
    P("Ibv.EBUSY", EBUSY);
    P("Ibv.EINVAL", EINVAL);
    P("Ibv.ETIMEDOUT", ETIMEDOUT);
    P("Ibv.ECONNREFUSED", ECONNREFUSED);
    return 0;
}
