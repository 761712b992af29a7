package io.sanref.hal.wsd;

import io.sanref.hal.support.KeyedRegion;

import java.nio.ByteBuffer;

/** A region registered on a wsd endpoint: keys, bounds and the use count of {@link KeyedRegion} (R9). */
public final class WsdMemoryRegion extends KeyedRegion<WsdEndpoint>
{
    WsdMemoryRegion(
        final WsdEndpoint owner,
        final ByteBuffer buffer,
        final int access,
        final int slot,
        final long localKey,
        final long remoteKey)
    {
        super(owner, buffer, access, slot, localKey, remoteKey);
    }
}
