package io.sanref.spi.hal;

/**
 * What a HAL can do. A scenario that needs a capability the HAL lacks reports "not supported" instead of
 * passing.
 */
public enum HalCapability
{
    /** Two-sided send and receive. */
    SEND_RECV,
    /** One-sided RDMA write and read with keyed, bounds- and access-checked memory regions. */
    RDMA,
    /** Both ends of a connection may live in different processes or on different machines. */
    CROSS_PROCESS
}
