package io.sanref.hal.rdma.verbs;

/** One polled work completion, for assertions. */
record Wc(long wrId, int status, int opcode, int byteLen, int qpNum)
{
}
