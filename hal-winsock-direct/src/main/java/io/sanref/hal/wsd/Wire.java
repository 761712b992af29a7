package io.sanref.hal.wsd;

/**
 * The wsd wire protocol's constants (see {@code docs/wire-protocol.md}). Every frame is a 5-byte header, a
 * big-endian u32 body length (bytes after the header) and a u8 type, then the type's fixed fields, then payload.
 */
final class Wire
{
    static final int MAGIC = 0x53414E52; // "SANR"
    static final short VERSION = 1;
    static final int HEADER = 5;
    static final int MIN_MAX_FRAME_BYTES = 1024;

    static final byte HELLO = 1;
    static final byte QUEUED = 2;
    static final byte REJECT = 3;
    static final byte ACCEPT = 4;
    static final byte DATA = 5;
    static final byte CREDIT = 6;
    static final byte RDMA_WRITE = 7;
    static final byte RDMA_READ_REQ = 8;
    static final byte RDMA_READ_RESP = 9;
    static final byte RDMA_ACK = 10;
    static final byte RDMA_NAK = 11;
    static final byte PING = 12;
    static final byte ABORT = 13;

    static final int HELLO_BODY = 24;
    static final int QUEUED_BODY = 16;
    static final int REJECT_BODY = 8;
    static final int ACCEPT_BODY = 16;
    static final int CREDIT_BODY = 8;
    static final int RDMA_WRITE_FIXED = 32;
    static final int RDMA_READ_REQ_BODY = 28;
    static final int RDMA_READ_RESP_FIXED = 12;
    static final int RDMA_ACK_BODY = 8;
    static final int RDMA_NAK_BODY = 12;
    static final int ABORT_BODY = 4;

    static final short REJECT_BACKLOG_FULL = 1;
    static final short REJECT_VERSION = 2;
    static final short REJECT_NO_RESOURCES = 3;

    /** Room kept free in the write buffer for one control frame. */
    static final int CONTROL_RESERVE = 64;

    private Wire()
    {
    }

    /** @return the fixed body length of a frame type, or -1 for an unknown type. */
    static int fixedLength(final int type)
    {
        switch (type)
        {
            case DATA: return 0;
            case CREDIT: return CREDIT_BODY;
            case RDMA_WRITE: return RDMA_WRITE_FIXED;
            case RDMA_READ_REQ: return RDMA_READ_REQ_BODY;
            case RDMA_READ_RESP: return RDMA_READ_RESP_FIXED;
            case RDMA_ACK: return RDMA_ACK_BODY;
            case RDMA_NAK: return RDMA_NAK_BODY;
            case PING: return 0;
            case ABORT: return ABORT_BODY;
            case ACCEPT: return ACCEPT_BODY;
            case HELLO: return HELLO_BODY;
            case QUEUED: return QUEUED_BODY;
            case REJECT: return REJECT_BODY;
            default: return -1;
        }
    }

    /** @return true if frames of this type carry payload after their fixed fields. */
    static boolean hasPayload(final int type)
    {
        return DATA == type || RDMA_WRITE == type || RDMA_READ_RESP == type;
    }
}
