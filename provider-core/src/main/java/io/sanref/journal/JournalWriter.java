package io.sanref.journal;

/**
 * Where the provider writes its journal records. Implementations are called from any thread, on the hot
 * path: they must not allocate and must never drop a record (apply back-pressure instead).
 */
public interface JournalWriter
{
    /** A writer that journals nothing: the provider checks {@link #isEnabled()} once per record. */
    JournalWriter OFF = new JournalWriter()
    {
        public boolean isEnabled()
        {
            return false;
        }

        public void write(
            final int event, final long descriptor, final long switchHandle, final long connectionId,
            final long opId, final int opKind, final int error, final int bytes, final int flags)
        {
        }
    };

    /** @return false if records are discarded, so callers can skip gathering them. */
    default boolean isEnabled()
    {
        return true;
    }

    /**
     * Write one record. Sequence number, time and node id are added by the journal.
     */
    void write(
        int event, long descriptor, long switchHandle, long connectionId, long opId, int opKind, int error,
        int bytes, int flags);
}
