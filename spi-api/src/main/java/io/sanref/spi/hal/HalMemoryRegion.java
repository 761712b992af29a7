package io.sanref.spi.hal;

import java.nio.ByteBuffer;

/**
 * A registered memory region: {@code buffer[0, buffer.capacity())} with local and remote keys (R9).
 */
public interface HalMemoryRegion
{
    ByteBuffer buffer();

    int length();

    /** @return {@link io.sanref.spi.MemoryAccess} flags. */
    int access();

    long localKey();

    /**
     * @return the key a peer names in RDMA requests, always positive (the provider SPI returns negative values
     * for errors); valid only on this region's connection.
     */
    long remoteKey();

    /** @return false once deregistered or once its endpoint was aborted. */
    boolean isValid();
}
