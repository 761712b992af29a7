package io.sanref.journal;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.agrona.MutableDirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One journal record: a mutable holder plus the fixed on-disk layout.
 * <p>
 * Each record is one Chronicle Queue document whose bytes are exactly what Chronicle's own binary wire writes for
 * thirteen named fixed-width fields, in this order (little-endian, {@link #LENGTH} bytes in all):
 * <pre>
 *   seq: int64      sequence number in the journal, 1, 2, 3 ... assigned by the journal agent
 *   ns: int64       epoch nanoseconds when the provider wrote the record
 *   node: int32     the provider instance (node) that wrote it
 *   event: int32    {@link JournalEvent}
 *   desc: int64     socket descriptor
 *   handle: int64   switch handle
 *   conn: int64     connection id (shared by both ends)
 *   op: int64       operation id
 *   kind: int32     {@link OpKind}
 *   error: int32    Winsock error code
 *   bytes: int32    byte count
 *   flags: int32    {@link JournalEvent} flags
 *   check: int32    checksum of the twelve values above ({@link #checksum()})
 * </pre>
 * Each field is encoded as {@code 0xC0+len name} (a short field name), then a type code ({@code 0xA7} fixed int64,
 * {@code 0xA6} fixed int32) and the value. Because this is ordinary binary wire, Chronicle's
 * {@code ChronicleReaderMain} prints every record as {@code seq: 1 ns: ... event: 6 ...}; because the layout is
 * fixed, the journal reads a record at constant offsets without parsing. A document of another length, with another
 * skeleton, or whose check does not match is malformed (or, if it is the last one, torn).
 * <p>
 * Not threadsafe: a holder is owned by one thread.
 */
public final class JournalRecord
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final boolean NATIVE_LE = LE == ByteOrder.nativeOrder();

    /** Type code of a fixed-width 64-bit integer in Chronicle's binary wire. */
    static final byte INT64 = (byte)0xA7;
    /** Type code of a fixed-width 32-bit integer in Chronicle's binary wire. */
    static final byte INT32 = (byte)0xA6;

    static final String[] FIELD_NAMES =
        { "seq", "ns", "node", "event", "desc", "handle", "conn", "op", "kind", "error", "bytes", "flags", "check" };
    private static final boolean[] FIELD_IS_LONG =
        { true, true, false, false, true, true, true, true, false, false, false, false, false };

    /** Offsets of each field's value within a record. */
    static final int SEQ_OFFSET;
    static final int NANOS_OFFSET;
    static final int NODE_OFFSET;
    static final int EVENT_OFFSET;
    static final int DESCRIPTOR_OFFSET;
    static final int HANDLE_OFFSET;
    static final int CONNECTION_OFFSET;
    static final int OP_OFFSET;
    static final int KIND_OFFSET;
    static final int ERROR_OFFSET;
    static final int BYTES_OFFSET;
    static final int FLAGS_OFFSET;
    static final int CHECK_OFFSET;

    /** Length in bytes of one record (one Chronicle document's content). */
    public static final int LENGTH;

    /** The record with every value zero: field names and type codes in place. */
    private static final byte[] SKELETON;
    /** Offsets of the field prefixes (name and type code) and their lengths, to verify the skeleton. */
    private static final int[] PREFIX_OFFSETS;
    private static final long[] PREFIX_WORDS;
    private static final long[] PREFIX_MASKS;

    static
    {
        final int n = FIELD_NAMES.length;
        final int[] valueOffsets = new int[n];
        PREFIX_OFFSETS = new int[n];
        PREFIX_WORDS = new long[n];
        PREFIX_MASKS = new long[n];
        int length = 0;
        for (int i = 0; i < n; i++)
        {
            length += FIELD_NAMES[i].length() + 2 + (FIELD_IS_LONG[i] ? 8 : 4);
        }
        LENGTH = length;
        SKELETON = new byte[length];
        int p = 0;
        for (int i = 0; i < n; i++)
        {
            final byte[] name = FIELD_NAMES[i].getBytes(StandardCharsets.US_ASCII);
            PREFIX_OFFSETS[i] = p;
            SKELETON[p++] = (byte)(0xC0 + name.length);
            System.arraycopy(name, 0, SKELETON, p, name.length);
            p += name.length;
            SKELETON[p++] = FIELD_IS_LONG[i] ? INT64 : INT32;
            valueOffsets[i] = p;
            p += FIELD_IS_LONG[i] ? 8 : 4;
        }
        final UnsafeBuffer skeleton = new UnsafeBuffer(new byte[length + 8]);
        skeleton.putBytes(0, SKELETON);
        for (int i = 0; i < n; i++)
        {
            final int prefixLength = valueOffsets[i] - PREFIX_OFFSETS[i];
            PREFIX_MASKS[i] = -1L >>> (64 - 8 * prefixLength);
            PREFIX_WORDS[i] = skeleton.getLong(PREFIX_OFFSETS[i], LE) & PREFIX_MASKS[i];
        }
        SEQ_OFFSET = valueOffsets[0];
        NANOS_OFFSET = valueOffsets[1];
        NODE_OFFSET = valueOffsets[2];
        EVENT_OFFSET = valueOffsets[3];
        DESCRIPTOR_OFFSET = valueOffsets[4];
        HANDLE_OFFSET = valueOffsets[5];
        CONNECTION_OFFSET = valueOffsets[6];
        OP_OFFSET = valueOffsets[7];
        KIND_OFFSET = valueOffsets[8];
        ERROR_OFFSET = valueOffsets[9];
        BYTES_OFFSET = valueOffsets[10];
        FLAGS_OFFSET = valueOffsets[11];
        CHECK_OFFSET = valueOffsets[12];
    }

    public long seq;
    public long nanos;
    public int node;
    public int event;
    public long descriptor;
    public long handle;
    public long connectionId;
    public long opId;
    public int opKind;
    public int error;
    public int bytes;
    public int flags;

    public JournalRecord set(
        final long seq, final long nanos, final int node, final int event, final long descriptor, final long handle,
        final long connectionId, final long opId, final int opKind, final int error, final int bytes, final int flags)
    {
        this.seq = seq;
        this.nanos = nanos;
        this.node = node;
        this.event = event;
        this.descriptor = descriptor;
        this.handle = handle;
        this.connectionId = connectionId;
        this.opId = opId;
        this.opKind = opKind;
        this.error = error;
        this.bytes = bytes;
        this.flags = flags;
        return this;
    }

    /** @return the check value the record's twelve fields must carry. */
    public int checksum()
    {
        return checksum(seq, nanos, node, event, descriptor, handle, connectionId, opId, opKind, error, bytes, flags);
    }

    static int checksum(
        final long seq, final long nanos, final int node, final int event, final long descriptor, final long handle,
        final long connectionId, final long opId, final int opKind, final int error, final int bytes, final int flags)
    {
        long h = 0x5A4E5245464A524EL; // "SANREFJRN"-ish seed
        h = mix(h, seq);
        h = mix(h, nanos);
        h = mix(h, ((long)node << 32) | (event & 0xFFFF_FFFFL));
        h = mix(h, descriptor);
        h = mix(h, handle);
        h = mix(h, connectionId);
        h = mix(h, opId);
        h = mix(h, ((long)opKind << 32) | (error & 0xFFFF_FFFFL));
        h = mix(h, ((long)bytes << 32) | (flags & 0xFFFF_FFFFL));
        h ^= h >>> 31;
        return (int)(h ^ (h >>> 32));
    }

    private static long int64(final byte[] array, final long address)
    {
        final long v = UnsafeApi.getLong(array, address);
        return NATIVE_LE ? v : Long.reverseBytes(v);
    }

    private static int int32(final byte[] array, final long address)
    {
        final int v = UnsafeApi.getInt(array, address);
        return NATIVE_LE ? v : Integer.reverseBytes(v);
    }

    private static long mix(final long h, final long v)
    {
        final long x = (h ^ v) * 0x9E3779B97F4A7C15L;
        return x ^ (x >>> 29);
    }

    /**
     * Encode this record, skeleton and check included, at {@code offset} of {@code buffer}.
     */
    public void encode(final MutableDirectBuffer buffer, final int offset)
    {
        buffer.putBytes(offset, SKELETON);
        encodeValues(buffer, offset);
        buffer.putInt(offset + CHECK_OFFSET, checksum(), LE);
    }

    /**
     * Write the values only (the skeleton is already in place), without the check.
     */
    void encodeValues(final MutableDirectBuffer buffer, final int offset)
    {
        buffer.putLong(offset + SEQ_OFFSET, seq, LE);
        buffer.putLong(offset + NANOS_OFFSET, nanos, LE);
        buffer.putInt(offset + NODE_OFFSET, node, LE);
        buffer.putInt(offset + EVENT_OFFSET, event, LE);
        buffer.putLong(offset + DESCRIPTOR_OFFSET, descriptor, LE);
        buffer.putLong(offset + HANDLE_OFFSET, handle, LE);
        buffer.putLong(offset + CONNECTION_OFFSET, connectionId, LE);
        buffer.putLong(offset + OP_OFFSET, opId, LE);
        buffer.putInt(offset + KIND_OFFSET, opKind, LE);
        buffer.putInt(offset + ERROR_OFFSET, error, LE);
        buffer.putInt(offset + BYTES_OFFSET, bytes, LE);
        buffer.putInt(offset + FLAGS_OFFSET, flags, LE);
    }

    /**
     * Decode a record of {@link #LENGTH} bytes at {@code offset}.
     *
     * @return null if well formed, else a one-line reason (the holder's values are then unspecified).
     */
    public String decode(final UnsafeBuffer buffer, final int offset)
    {
        // One bounds check for the record, then plain reads: the auditor decodes every record, and 26 checked
        // reads were most of its time (PERFORMANCE.md P8).
        buffer.boundsCheck(offset, LENGTH);
        final byte[] array = buffer.byteArray();
        final long base = buffer.addressOffset() + offset;
        for (int i = 0; i < PREFIX_OFFSETS.length; i++)
        {
            if (PREFIX_WORDS[i] != (int64(array, base + PREFIX_OFFSETS[i]) & PREFIX_MASKS[i]))
            {
                return "field '" + FIELD_NAMES[i] + "' is not where a sanref record has it";
            }
        }
        seq = int64(array, base + SEQ_OFFSET);
        nanos = int64(array, base + NANOS_OFFSET);
        node = int32(array, base + NODE_OFFSET);
        event = int32(array, base + EVENT_OFFSET);
        descriptor = int64(array, base + DESCRIPTOR_OFFSET);
        handle = int64(array, base + HANDLE_OFFSET);
        connectionId = int64(array, base + CONNECTION_OFFSET);
        opId = int64(array, base + OP_OFFSET);
        opKind = int32(array, base + KIND_OFFSET);
        error = int32(array, base + ERROR_OFFSET);
        bytes = int32(array, base + BYTES_OFFSET);
        flags = int32(array, base + FLAGS_OFFSET);
        final int check = int32(array, base + CHECK_OFFSET);
        if (check != checksum())
        {
            return "checksum mismatch (seq field reads " + seq + ")";
        }
        return null;
    }

    /** @return a copy of the empty record: names and type codes, values zero. */
    static byte[] skeleton()
    {
        return SKELETON.clone();
    }

    public String toString()
    {
        return "#" + seq + " node " + node + " " + JournalEvent.name(event) + " desc=" + descriptor +
            " handle=" + handle + " conn=" + connectionId + " op=" + opId + " kind=" + OpKind.name(opKind) +
            " error=" + error + " bytes=" + bytes + " flags=" + flags;
    }
}
