package io.sanref.journal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.BitUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.OffsetEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The completion journal: provider threads write fixed-size records into an Agrona {@link ManyToOneRingBuffer};
 * one journal agent drains the ring into a Chronicle Queue in a directory, giving each record the next sequence
 * number (1, 2, 3 ... with no gaps: there is one writer).
 * <p>
 * Threading: {@link #writer(int)} writers may be used by any number of threads at once (many producers, one
 * consumer). A full ring applies back-pressure to the writing thread (spin, then yield) and never drops a record;
 * if the agent makes no room for {@link #DEFAULT_BACK_PRESSURE_TIMEOUT_MS} the write fails with
 * {@link IllegalStateException}. {@link #close()} may be called from any thread, is idempotent, and returns once
 * every record whose {@code write} returned has reached the queue and the queue is closed; a write racing with
 * close either reaches the queue or throws {@link IllegalStateException}.
 * <p>
 * On disk each record is one Chronicle document of named fixed-width fields ({@link JournalRecord}). Dump a
 * journal with Chronicle's own reader (the JVM flags are those of {@code DEPENDENCIES.md}):
 * <pre>
 *   java --add-opens=java.base/jdk.internal.misc=ALL-UNNAMED ... -Dchronicle.analytics.disable=true \
 *        -cp provider-core.jar:&lt;dependencies&gt; net.openhft.chronicle.queue.ChronicleReaderMain -d &lt;dir&gt;
 * </pre>
 * or read it with {@link JournalReader}, {@link Auditor} and {@link JournalStory}. See {@code provider-core/JOURNAL.md}.
 */
public final class Journal implements AutoCloseable
{
    static
    {
        // Chronicle must never phone home; set before any Chronicle class initialises.
        System.setProperty("chronicle.analytics.disable", "true");
    }

    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);

    /** Default ring capacity in bytes: 16384 records of {@link #MESSAGE_LENGTH} bytes plus headers. */
    public static final int DEFAULT_RING_CAPACITY = 1 << 20;
    public static final long DEFAULT_BACK_PRESSURE_TIMEOUT_MS = 10_000;
    /** The ring's longest message is an eighth of its capacity, so it must be 8 records' payload at least. */
    public static final int MIN_RING_CAPACITY = 8 * 64;

    private static final int MSG_TYPE = 1;
    private static final int DRAIN_LIMIT = 4096;
    private static final int SPINS_BEFORE_YIELD = 1_000;

    /* Ring message layout: the record minus seq, which the agent assigns. */
    private static final int M_NANOS = 0;
    private static final int M_NODE = 8;
    private static final int M_EVENT = 12;
    private static final int M_DESCRIPTOR = 16;
    private static final int M_HANDLE = 24;
    private static final int M_CONNECTION = 32;
    private static final int M_OP = 40;
    private static final int M_KIND = 48;
    private static final int M_ERROR = 52;
    private static final int M_BYTES = 56;
    private static final int M_FLAGS = 60;
    static final int MESSAGE_LENGTH = 64;

    private final Path directory;
    private final ManyToOneRingBuffer ring;
    private final ChronicleQueue queue;
    private final JournalAgent agent;
    private final AgentRunner runner;
    private final EpochNanoClock clock = new OffsetEpochNanoClock();
    private final long backPressureTimeoutNs;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong backPressureEvents = new AtomicLong();
    private volatile boolean closing;
    private volatile Throwable failure;

    private Journal(
        final Path directory, final int ringCapacity, final IdleStrategy idleStrategy,
        final long backPressureTimeoutMs)
    {
        this.directory = directory;
        if (!BitUtil.isPowerOfTwo(ringCapacity) || ringCapacity < MIN_RING_CAPACITY)
        {
            throw new IllegalArgumentException(
                "ring capacity must be a power of two >= " + MIN_RING_CAPACITY + ": " + ringCapacity);
        }
        this.backPressureTimeoutNs = TimeUnit.MILLISECONDS.toNanos(backPressureTimeoutMs);
        ring = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(ringCapacity + RingBufferDescriptor.TRAILER_LENGTH)));
        queue = ChronicleQueue.singleBuilder(directory.toFile()).build();
        agent = new JournalAgent();
        runner = new AgentRunner(idleStrategy, this::onAgentError, null, agent);
        AgentRunner.startOnThread(runner);
    }

    /**
     * Open (create, or append to) a journal in {@code directory} with the default ring and idle strategy.
     */
    public static Journal open(final Path directory)
    {
        return open(directory, DEFAULT_RING_CAPACITY, defaultIdleStrategy(), DEFAULT_BACK_PRESSURE_TIMEOUT_MS);
    }

    /**
     * @param ringCapacity          bytes in the ring, a power of two, at least {@link #MIN_RING_CAPACITY} (each
     *                              record takes 72 bytes of it).
     * @param idleStrategy          how the journal agent waits when the ring is empty.
     * @param backPressureTimeoutMs how long a writer waits for room before failing.
     */
    public static Journal open(
        final Path directory, final int ringCapacity, final IdleStrategy idleStrategy,
        final long backPressureTimeoutMs)
    {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(idleStrategy, "idleStrategy");
        try
        {
            Files.createDirectories(directory);
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalStateException("cannot create journal directory " + directory + ": " + ex, ex);
        }
        return new Journal(directory, ringCapacity, idleStrategy, backPressureTimeoutMs);
    }

    public static IdleStrategy defaultIdleStrategy()
    {
        return new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1));
    }

    public Path directory()
    {
        return directory;
    }

    /**
     * A writer that stamps each record with {@code nodeId}. Writers hold no per-thread state and allocate nothing
     * per write; get one per provider instance and share it among its threads.
     */
    public JournalWriter writer(final int nodeId)
    {
        return new NodeWriter(nodeId);
    }

    /** @return records appended to the queue so far (the last sequence number assigned). */
    public long recordsWritten()
    {
        return agent.lastSeq();
    }

    /** @return writes that found the ring full and had to wait. */
    public long backPressureEvents()
    {
        return backPressureEvents.get();
    }

    /** @return the error that stopped the journal agent from appending, or null. */
    public Throwable failure()
    {
        return failure;
    }

    public boolean isClosed()
    {
        return closed.get();
    }

    /**
     * Drain every record written so far into the queue, then close it. Idempotent.
     */
    public void close()
    {
        if (closed.compareAndSet(false, true))
        {
            closing = true;
            runner.close();
        }
    }

    private void onAgentError(final Throwable t)
    {
        if (null == failure)
        {
            failure = t;
        }
        LOG.error("journal agent failed to append to {}", directory, t);
    }

    private void write(
        final int node, final int event, final long descriptor, final long switchHandle, final long connectionId,
        final long opId, final int opKind, final int error, final int bytes, final int flags)
    {
        final long nanos = clock.nanoTime();
        final RingBuffer ring = this.ring;
        int index = ring.tryClaim(MSG_TYPE, MESSAGE_LENGTH);
        if (index < 0)
        {
            index = awaitRoom();
        }
        // A claim made before close set the flag is seen by the agent's final drain; one made after is aborted.
        if (closing)
        {
            ring.abort(index);
            throw new IllegalStateException("journal " + directory + " is closed");
        }
        final MutableDirectBuffer b = ring.buffer();
        b.putLong(index + M_NANOS, nanos);
        b.putInt(index + M_NODE, node);
        b.putInt(index + M_EVENT, event);
        b.putLong(index + M_DESCRIPTOR, descriptor);
        b.putLong(index + M_HANDLE, switchHandle);
        b.putLong(index + M_CONNECTION, connectionId);
        b.putLong(index + M_OP, opId);
        b.putInt(index + M_KIND, opKind);
        b.putInt(index + M_ERROR, error);
        b.putInt(index + M_BYTES, bytes);
        b.putInt(index + M_FLAGS, flags);
        ring.commit(index);
    }

    private int awaitRoom()
    {
        backPressureEvents.incrementAndGet();
        final long deadline = System.nanoTime() + backPressureTimeoutNs;
        int spins = 0;
        while (true)
        {
            if (closing)
            {
                throw new IllegalStateException("journal " + directory + " is closed");
            }
            final Throwable failed = failure;
            if (null != failed)
            {
                throw new IllegalStateException("journal " + directory + " cannot append: " + failed, failed);
            }
            final int index = ring.tryClaim(MSG_TYPE, MESSAGE_LENGTH);
            if (index >= 0)
            {
                return index;
            }
            if (++spins < SPINS_BEFORE_YIELD)
            {
                Thread.onSpinWait();
            }
            else
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new IllegalStateException("journal ring for " + directory + " stayed full for " +
                        TimeUnit.NANOSECONDS.toMillis(backPressureTimeoutNs) + " ms: the journal agent is stalled");
                }
                Thread.yield();
            }
        }
    }

    /**
     * A {@link JournalWriter} for one node. Threadsafe; allocation free.
     */
    private final class NodeWriter implements JournalWriter
    {
        private final int nodeId;

        NodeWriter(final int nodeId)
        {
            this.nodeId = nodeId;
        }

        public void write(
            final int event, final long descriptor, final long switchHandle, final long connectionId,
            final long opId, final int opKind, final int error, final int bytes, final int flags)
        {
            Journal.this.write(
                nodeId, event, descriptor, switchHandle, connectionId, opId, opKind, error, bytes, flags);
        }

        public String toString()
        {
            return "JournalWriter{node=" + nodeId + ", dir=" + directory + "}";
        }
    }

    /**
     * Drains the ring into the queue. Owned by the journal's agent thread (the appender is created there); the
     * sequence counter is published with a release store and read with an acquire by {@link #recordsWritten()}. If
     * the runner is closed before its thread ever ran, {@link #onClose()} runs on the closing thread instead.
     */
    private final class JournalAgent implements Agent, MessageHandler
    {
        private final JournalRecord record = new JournalRecord();
        private final byte[] scratch = JournalRecord.skeleton();
        private final UnsafeBuffer scratchBuffer = new UnsafeBuffer(scratch);
        private final AtomicLong seq = new AtomicLong();
        private ExcerptAppender appender;

        /** The appender is made on the first append: by the agent thread, or by the closer if it never ran. */
        private ExcerptAppender appender()
        {
            ExcerptAppender a = appender;
            if (null == a)
            {
                a = queue.createAppender();
                appender = a;
            }
            return a;
        }

        public int doWork()
        {
            return ring.read(this, DRAIN_LIMIT);
        }

        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            final long next = seq.get() + 1;
            record.set(
                next,
                buffer.getLong(index + M_NANOS),
                buffer.getInt(index + M_NODE),
                buffer.getInt(index + M_EVENT),
                buffer.getLong(index + M_DESCRIPTOR),
                buffer.getLong(index + M_HANDLE),
                buffer.getLong(index + M_CONNECTION),
                buffer.getLong(index + M_OP),
                buffer.getInt(index + M_KIND),
                buffer.getInt(index + M_ERROR),
                buffer.getInt(index + M_BYTES),
                buffer.getInt(index + M_FLAGS));
            record.encodeValues(scratchBuffer, 0);
            scratchBuffer.putInt(JournalRecord.CHECK_OFFSET, record.checksum(), ByteOrder.LITTLE_ENDIAN);
            try (DocumentContext dc = appender().writingDocument())
            {
                final Bytes<?> bytes = dc.wire().bytes();
                bytes.write(scratch);
            }
            seq.lazySet(next);
        }

        public void onClose()
        {
            try
            {
                drainAll();
            }
            finally
            {
                if (null != appender)
                {
                    appender.close();
                }
                queue.close();
            }
        }

        /** Everything claimed before close set its flag: committed records, and claims still being filled. */
        private void drainAll()
        {
            final long deadline = System.nanoTime() + backPressureTimeoutNs;
            while (true)
            {
                final int read = ring.read(this, Integer.MAX_VALUE);
                if (0 == read && ring.producerPosition() == ring.consumerPosition())
                {
                    return;
                }
                if (0 == read)
                {
                    if (System.nanoTime() - deadline > 0)
                    {
                        LOG.error("journal {}: a writer claimed ring space and never committed it; closing anyway",
                            directory);
                        return;
                    }
                    Thread.onSpinWait();
                }
            }
        }

        long lastSeq()
        {
            return seq.get();
        }

        public String roleName()
        {
            return "sanref-journal";
        }
    }
}
