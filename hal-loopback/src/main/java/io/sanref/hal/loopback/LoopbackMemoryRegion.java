package io.sanref.hal.loopback;

import io.sanref.hal.support.KeyedRegion;

import java.nio.ByteBuffer;

/** A region registered on a loopback endpoint: keys, bounds and the use count of {@link KeyedRegion} (R9). */
public final class LoopbackMemoryRegion extends KeyedRegion<LoopbackEndpoint>
{
    LoopbackMemoryRegion(
        final LoopbackEndpoint owner,
        final ByteBuffer buffer,
        final int access,
        final int slot,
        final long localKey,
        final long remoteKey)
    {
        super(owner, buffer, access, slot, localKey, remoteKey);
    }
}
