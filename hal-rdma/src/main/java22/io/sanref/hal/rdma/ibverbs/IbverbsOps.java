package io.sanref.hal.rdma.ibverbs;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The data-path entry points of libibverbs, called through {@code struct ibv_context}'s ops table because
 * {@code ibv_poll_cq}, {@code ibv_post_send} and {@code ibv_post_recv} are {@code static inline} in
 * {@code <infiniband/verbs.h>} ({@code return cq->context->ops.poll_cq(cq, n, wc);}) and so are not exported symbols.
 * <p>
 * Layout (rdma-core, LP64): {@code struct ibv_context} is {@code { struct ibv_device *device; struct
 * ibv_context_ops ops; ... }}, so {@code ops} starts at byte 8; {@code struct ibv_context_ops} is a table of
 * function pointers (8 bytes each) in this order: 0 query_device, 1 query_port, 2 alloc_pd, 3 dealloc_pd, 4 reg_mr,
 * 5 rereg_mr, 6 dereg_mr, 7 alloc_mw, 8 bind_mw, 9 dealloc_mw, 10 create_cq, <b>11 poll_cq</b>, 12 req_notify_cq,
 * 13 cq_event, 14 resize_cq, 15 destroy_cq, 16 create_srq, 17 modify_srq, 18 query_srq, 19 destroy_srq,
 * 20 post_srq_recv, 21 create_qp, 22 query_qp, 23 modify_qp, 24 destroy_qp, <b>25 post_send</b>, <b>26 post_recv</b>,
 * ... (the 0-6, 10, 13-19, 21-24 slots are the {@code _compat_*} placeholders in current rdma-core; the positions
 * are unchanged). Hence: poll_cq at context + 8 + 11 * 8 = 96, post_send at 208, post_recv at 216. {@code struct
 * ibv_cq} and {@code struct ibv_qp} both begin with {@code struct ibv_context *context}, which is how the inline
 * functions find the table from a CQ or QP.
 * <p>
 * {@code struct ibv_wc} (48 bytes): wr_id u64 @0, status u32 @8, opcode u32 @12, vendor_err u32 @16, byte_len u32
 * @20, imm_data u32 @24, qp_num u32 @28, src_qp u32 @32, wc_flags u32 @36, pkey_index u16 @40, slid u16 @42, sl u8
 * @44, dlid_path_bits u8 @45.
 * <p>
 * Threading: immutable; the handles are thread-safe.
 */
public final class IbverbsOps
{
    public static final long OPS_OFFSET = 8;
    public static final int POLL_CQ_INDEX = 11;
    public static final int POST_SEND_INDEX = 25;
    public static final int POST_RECV_INDEX = 26;
    public static final long WC_SIZE = 48;

    private static final AddressLayout POINTER = ValueLayout.ADDRESS;
    private static final long CONTEXT_OPS_END = OPS_OFFSET + (POST_RECV_INDEX + 1) * 8L;

    private final MemorySegment pollCqFn;
    private final MemorySegment postSendFn;
    private final MemorySegment postRecvFn;
    /** {@code int poll_cq(struct ibv_cq *cq, int num_entries, struct ibv_wc *wc)}. */
    private final MethodHandle pollCq;
    /** {@code int post_send(struct ibv_qp *qp, struct ibv_send_wr *wr, struct ibv_send_wr **bad_wr)}. */
    private final MethodHandle postSend;
    /** {@code int post_recv(struct ibv_qp *qp, struct ibv_recv_wr *wr, struct ibv_recv_wr **bad_wr)}. */
    private final MethodHandle postRecv;

    private IbverbsOps(final MemorySegment pollCqFn, final MemorySegment postSendFn, final MemorySegment postRecvFn)
    {
        this.pollCqFn = pollCqFn;
        this.postSendFn = postSendFn;
        this.postRecvFn = postRecvFn;
        final Linker linker = Linker.nativeLinker();
        pollCq = linker.downcallHandle(pollCqFn,
            FunctionDescriptor.of(ValueLayout.JAVA_INT, POINTER, ValueLayout.JAVA_INT, POINTER));
        postSend = linker.downcallHandle(postSendFn, FunctionDescriptor.of(ValueLayout.JAVA_INT, POINTER, POINTER, POINTER));
        postRecv = linker.downcallHandle(postRecvFn, FunctionDescriptor.of(ValueLayout.JAVA_INT, POINTER, POINTER, POINTER));
    }

    /**
     * Read the three function pointers from an open context's ops table.
     *
     * @param context a {@code struct ibv_context *} from {@code ibv_open_device}.
     * @throws IllegalStateException if a slot is NULL (a provider library that does not fill it).
     */
    public static IbverbsOps resolve(final MemorySegment context)
    {
        final MemorySegment ctx = context.reinterpret(CONTEXT_OPS_END);
        return new IbverbsOps(
            slot(ctx, POLL_CQ_INDEX, "poll_cq"), slot(ctx, POST_SEND_INDEX, "post_send"),
            slot(ctx, POST_RECV_INDEX, "post_recv"));
    }

    /** The inline {@code ibv_poll_cq}: {@code wc} holds {@code numEntries} {@code struct ibv_wc}. */
    public int pollCq(final MemorySegment cq, final int numEntries, final MemorySegment wc) throws Throwable
    {
        return (int)pollCq.invokeExact(cq, numEntries, wc);
    }

    /** The inline {@code ibv_post_send}. */
    public int postSend(final MemorySegment qp, final MemorySegment wr, final MemorySegment badWr) throws Throwable
    {
        return (int)postSend.invokeExact(qp, wr, badWr);
    }

    /** The inline {@code ibv_post_recv}. */
    public int postRecv(final MemorySegment qp, final MemorySegment wr, final MemorySegment badWr) throws Throwable
    {
        return (int)postRecv.invokeExact(qp, wr, badWr);
    }

    public String toString()
    {
        return "poll_cq@0x" + Long.toHexString(pollCqFn.address()) + " post_send@0x" +
            Long.toHexString(postSendFn.address()) + " post_recv@0x" + Long.toHexString(postRecvFn.address());
    }

    private static MemorySegment slot(final MemorySegment context, final int index, final String name)
    {
        final MemorySegment fn = context.get(POINTER, OPS_OFFSET + index * 8L);
        if (MemorySegment.NULL.equals(fn))
        {
            throw new IllegalStateException("ibv_context ops." + name + " is NULL");
        }
        return fn;
    }
}
