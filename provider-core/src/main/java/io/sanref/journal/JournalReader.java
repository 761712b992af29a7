package io.sanref.journal;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.MappedBytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Streams the records of a journal directory in order, without allocating per record.
 * <p>
 * What it tells apart:
 * <ul>
 *   <li>a well-formed record: {@link Handler#onRecord(JournalRecord)} (the holder is reused: copy what you keep);</li>
 *   <li>a malformed document followed by more documents (wrong length, foreign skeleton, bad checksum):
 *       {@link Handler#onMalformed(long, String)};</li>
 *   <li>a torn tail, left by a crash in the middle of a write: the last document is malformed, or bytes follow the
 *       last complete document (Chronicle leaves an unfinished document's content behind an unwritten header, and
 *       its tailer stops there). Reported as {@link Result#truncated()}, never read as a record;</li>
 *   <li>unreadable input (missing directory, no queue files, Chronicle cannot open it):
 *       {@link JournalUnreadableException} with a one-line reason.</li>
 * </ul>
 * The queue is opened read-only. Not threadsafe: one reader per thread.
 */
public final class JournalReader
{
    static
    {
        System.setProperty("chronicle.analytics.disable", "true");
    }

    /** Bytes examined after the last complete document when looking for a torn write. */
    private static final int TAIL_PROBE_BYTES = 4 + JournalRecord.LENGTH + 64;

    /**
     * Receives what a journal holds, in order. Called on the reading thread.
     */
    public interface Handler
    {
        void onRecord(JournalRecord record);

        /**
         * A document that is not a well-formed record, with more documents after it.
         *
         * @param chronicleIndex the Chronicle index of the document.
         * @param reason         one line.
         */
        default void onMalformed(final long chronicleIndex, final String reason)
        {
        }
    }

    /**
     * What one pass over a journal found.
     *
     * @param records          well-formed records delivered.
     * @param malformed        malformed documents delivered to {@link Handler#onMalformed}.
     * @param truncated        the journal ends in a torn write.
     * @param truncationReason why it is considered torn, or null.
     */
    public record Result(long records, long malformed, boolean truncated, String truncationReason)
    {
    }

    private final Path directory;
    private final JournalRecord record = new JournalRecord();
    private final byte[] scratch = new byte[JournalRecord.LENGTH];
    private final UnsafeBuffer scratchBuffer = new UnsafeBuffer(scratch);

    private JournalReader(final Path directory)
    {
        this.directory = directory;
    }

    /**
     * Stream every record of the journal in {@code directory} to {@code handler}.
     *
     * @throws JournalUnreadableException if the directory cannot be read as a journal.
     */
    public static Result read(final Path directory, final Handler handler) throws JournalUnreadableException
    {
        return new JournalReader(directory).readAll(handler);
    }

    /**
     * Check that {@code directory} looks like a Chronicle queue before Chronicle is asked to open it read-only.
     */
    static void validate(final Path directory) throws JournalUnreadableException
    {
        if (!Files.exists(directory))
        {
            throw new JournalUnreadableException("journal " + directory + ": no such directory");
        }
        if (!Files.isDirectory(directory))
        {
            throw new JournalUnreadableException("journal " + directory + ": not a directory");
        }
        boolean queueFile = false;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.cq4"))
        {
            for (final Path ignored : files)
            {
                queueFile = true;
                break;
            }
        }
        catch (final IOException ex)
        {
            throw new JournalUnreadableException("journal " + directory + ": cannot list directory: " + ex, ex);
        }
        if (!queueFile)
        {
            throw new JournalUnreadableException(
                "journal " + directory + ": not a Chronicle queue (no *.cq4 files)");
        }
    }

    private Result readAll(final Handler handler) throws JournalUnreadableException
    {
        validate(directory);
        final ChronicleQueue queue;
        try
        {
            queue = ChronicleQueue.singleBuilder(directory.toFile()).readOnly(true).build();
        }
        catch (final Exception | Error ex) // Chronicle throws checked exceptions (StreamCorruptedException) sneakily
        {
            throw new JournalUnreadableException(
                "journal " + directory + ": Chronicle cannot open it as a queue: " + oneLine(ex), ex);
        }
        try (queue)
        {
            return stream(queue, handler);
        }
        catch (final JournalUnreadableException ex)
        {
            throw ex;
        }
        catch (final Exception ex)
        {
            throw new JournalUnreadableException(
                "journal " + directory + ": corrupt, Chronicle failed while reading: " + oneLine(ex), ex);
        }
    }

    private Result stream(final ChronicleQueue queue, final Handler handler) throws JournalUnreadableException
    {
        final ExcerptTailer tailer = queue.createTailer();
        tailer.singleThreadedCheckDisabled(true); // one thread reads; the per-document check cost P8 a third
        long records = 0;
        long malformed = 0;
        long pendingIndex = -1;
        String pendingReason = null;
        File lastFile = null;
        long lastLimit = -1;

        while (true)
        {
            try (DocumentContext dc = tailer.readingDocument(true))
            {
                if (!dc.isPresent())
                {
                    break;
                }
                final Bytes<?> bytes = dc.wire().bytes();
                lastLimit = bytes.readLimit();
                if (bytes instanceof MappedBytes)
                {
                    lastFile = ((MappedBytes)bytes).mappedFile().file();
                }
                if (dc.isMetaData())
                {
                    continue;
                }
                if (null != pendingReason)
                {
                    handler.onMalformed(pendingIndex, pendingReason);
                    malformed++;
                    pendingReason = null;
                }
                final long length = bytes.readRemaining();
                final String reason;
                if (JournalRecord.LENGTH != length)
                {
                    reason = "document of " + length + " bytes; a record has " + JournalRecord.LENGTH;
                }
                else
                {
                    bytes.read(scratch, 0, JournalRecord.LENGTH);
                    reason = record.decode(scratchBuffer, 0);
                }
                if (null == reason)
                {
                    records++;
                    handler.onRecord(record);
                }
                else
                {
                    pendingIndex = dc.index();
                    pendingReason = reason;
                }
            }
        }

        if (null != pendingReason)
        {
            return new Result(records, malformed, true,
                "last record (index 0x" + Long.toHexString(pendingIndex) + ") is torn: " + pendingReason);
        }
        final String tail = null == lastFile ? null : probeTail(lastFile, lastLimit);
        return new Result(records, malformed, null != tail, tail);
    }

    /**
     * @return a reason if anything but zeros follows the last complete document of the newest queue file.
     */
    private static String probeTail(final File file, final long lastLimit) throws JournalUnreadableException
    {
        final long next = (lastLimit + 3) & ~3L;
        try (FileChannel channel = FileChannel.open(file.toPath(), StandardOpenOption.READ))
        {
            final ByteBuffer window = ByteBuffer.allocate(TAIL_PROBE_BYTES);
            long position = next;
            while (window.hasRemaining() && position < channel.size())
            {
                final int n = channel.read(window, position);
                if (n <= 0)
                {
                    break;
                }
                position += n;
            }
            window.flip();
            for (int i = 0; i < window.limit(); i++)
            {
                if (0 != window.get(i))
                {
                    return "bytes after the last complete document (offset 0x" + Long.toHexString(next) +
                        " of " + file.getName() + "): a write torn by a crash";
                }
            }
            return null;
        }
        catch (final IOException ex)
        {
            throw new JournalUnreadableException("journal file " + file + ": cannot read its tail: " + ex, ex);
        }
    }

    static String oneLine(final Throwable t)
    {
        final String message = t.getClass().getSimpleName() + (null == t.getMessage() ? "" : ": " + t.getMessage());
        final int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
