package io.sanref.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each test builds a journal with one known fault and checks the auditor names that invariant at that record;
 * the clean journals pass. Descriptors, handles and ids are arbitrary but distinct.
 */
class AuditorBitesTest
{
    static final long D1 = (1L << 24) | 1;
    static final long D2 = (1L << 24) | 2;
    static final long H1 = 11;
    static final long H2 = 12;
    static final long C1 = 501;
    static final long OP1 = 1001;
    static final long OP2 = 1002;
    static final long OP3 = 1003;
    static final int UPCALL = JournalEvent.FLAG_UPCALL;
    static final int CLEANUP = JournalEvent.FLAG_CLEANUP;

    @TempDir
    Path tmp;

    /**
     * Client (node 1) sends, posts a receive, closes; server (node 2) posts a receive that the reset aborts, then
     * closes. Everything in one journal.
     */
    static void cleanConversation(final RawJournal j)
    {
        j.node(1).startup();
        j.node(2).startup();
        j.node(2).created(D2, H2);
        j.node(1).created(D1, H1);
        j.node(1).connected(D1, H1, C1);
        j.node(2).accepted(D2, H2, C1);
        j.node(2).posted(D2, H2, C1, OP3, RawJournal.RECV, 64);
        j.node(1).posted(D1, H1, C1, OP1, RawJournal.SEND, 100);
        j.node(1).finish(D1, H1, C1, OP1, RawJournal.SEND, 0, 100);
        j.node(1).posted(D1, H1, C1, OP2, RawJournal.RECV, 64);
        j.node(1).closeCalled(D1, H1, C1, 0);
        j.node(2).peerReset(D2, H2, C1);
        j.node(1).finish(D1, H1, C1, OP2, RawJournal.RECV, 995, 0);
        j.node(2).finish(D2, H2, C1, OP3, RawJournal.RECV, 10054, 0);
        j.node(1).closeHandle(D1, H1, C1);
        j.node(1).freed(D1, H1, C1, 0);
        j.node(1).rejected(D1, 10038);
        j.node(2).rejected(D2, 10054);
        j.node(2).closeAndFree(D2, H2, C1);
        j.node(1).cleanup();
        j.node(2).cleanup();
    }

    @Test
    void cleanConversationPasses() throws Exception
    {
        final Path dir = tmp.resolve("clean");
        try (RawJournal j = new RawJournal(dir))
        {
            cleanConversation(j);
        }
        final AuditReport report = Auditor.audit(dir);
        assertEquals(0, report.violationCount(), report.summary());
        assertEquals("pass", report.verdict());
        assertFalse(report.truncated());
        assertEquals(2, report.sockets());
        assertEquals(3, report.operations());
        assertEquals(26, report.events());
        assertTrue(report.toJson().contains("\"verdict\": \"pass\""), report.toJson());
    }

    @Test
    void cleanJournalWrittenByTheRealJournalPasses() throws Exception
    {
        final Path dir = tmp.resolve("real");
        try (Journal journal = Journal.open(dir))
        {
            final JournalWriter w = journal.writer(1);
            w.write(JournalEvent.STARTUP, 0, 0, 0, 0, 0, 0, 0, 0);
            w.write(JournalEvent.SOCKET_CREATED, D1, H1, 0, 0, 0, 0, 0, 0);
            w.write(JournalEvent.CONNECTED, D1, H1, C1, 0, 0, 0, 0, 0);
            w.write(JournalEvent.OP_POSTED, D1, H1, C1, OP1, OpKind.SEND, 0, 10, 0);
            w.write(JournalEvent.OP_RELEASED, D1, H1, C1, OP1, OpKind.SEND, 0, 0, 0);
            w.write(JournalEvent.OP_COMPLETED, D1, H1, C1, OP1, OpKind.SEND, 10050, 0, JournalEvent.FLAG_SYNC);
            w.write(JournalEvent.CLEANUP, 0, 0, 0, 0, 0, 0, 0, 0);
            w.write(JournalEvent.CLOSE_CALLED, D1, H1, C1, 0, 0, 0, 0, CLEANUP);
            w.write(JournalEvent.CLOSE_HANDLE_UPCALL, D1, H1, C1, 0, 0, 0, 0, 0);
            w.write(JournalEvent.SOCKET_FREED, D1, H1, C1, 0, 0, 0, 0, CLEANUP);
            w.write(JournalEvent.CALL_REJECTED, D1, 0, 0, 0, 0, 10093, 0, 0);
        }
        final AuditReport report = Auditor.audit(dir);
        assertEquals(0, report.violationCount(), report.summary());
        assertEquals(11, report.events());
    }

    // A1 ---------------------------------------------------------------------------------------------------------

    @Test
    void doubleCompletionIsA1AtTheSecondCompletion() throws Exception
    {
        final long bad;
        final Path dir = tmp.resolve("a1-double");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            j.connected(D1, H1, C1);
            j.posted(D1, H1, C1, OP1, RawJournal.SEND, 100);
            j.finish(D1, H1, C1, OP1, RawJournal.SEND, 0, 100);
            bad = j.finish(D1, H1, C1, OP1, RawJournal.SEND, 0, 100);
            j.closeAndFree(D1, H1, C1);
            j.cleanup();
        }
        assertOnly(Auditor.audit(dir), "A1", bad, D1, OP1);
    }

    @Test
    void missingCompletionInACompleteJournalIsA1AtThePost() throws Exception
    {
        final long post;
        final Path dir = tmp.resolve("a1-missing");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            j.connected(D1, H1, C1);
            post = j.posted(D1, H1, C1, OP1, RawJournal.RECV, 100);
            j.cleanup();
        }
        final AuditReport report = Auditor.audit(dir);
        assertOnly(report, "A1", post, D1, OP1);
        assertEquals(0, report.inFlightAtCrash());
    }

    @Test
    void missingCompletionWhenTheSocketIsFreedIsA1AtThePost() throws Exception
    {
        final long post;
        final Path dir = tmp.resolve("a1-freed");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            j.connected(D1, H1, C1);
            post = j.posted(D1, H1, C1, OP1, RawJournal.RECV, 100);
            j.closeAndFree(D1, H1, C1);
        }
        assertOnly(Auditor.audit(dir), "A1", post, D1, OP1);
    }

    @Test
    void pendingOpInAJournalThatDidNotRunToTheEndIsInFlightNotAViolation() throws Exception
    {
        final Path dir = tmp.resolve("a1-no-cleanup");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            j.connected(D1, H1, C1);
            j.posted(D1, H1, C1, OP1, RawJournal.RECV, 100);
        }
        final AuditReport report = Auditor.audit(dir);
        assertEquals(0, report.violationCount(), report.summary());
        assertEquals(1, report.inFlightAtCrash());
    }

    @Test
    void completionWithoutPostIsA1AtTheCompletion() throws Exception
    {
        final long bad;
        final Path dir = tmp.resolve("a1-nopost");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            j.connected(D1, H1, C1);
            bad = j.finish(D1, H1, C1, OP2, RawJournal.SEND, 0, 5);
            j.closeAndFree(D1, H1, C1);
            j.cleanup();
        }
        assertOnly(Auditor.audit(dir), "A1", bad, D1, OP2);
    }

    // A2, A3, A6 -------------------------------------------------------------------------------------------------

    @Test
    void opPendingAtCloseCompletingWithZeroIsA2() throws Exception
    {
        final long bad;
        final Path dir = tmp.resolve("a2");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            j.connected(D1, H1, C1);
            j.posted(D1, H1, C1, OP1, RawJournal.RECV, 100);
            j.closeCalled(D1, H1, C1, 0);
            bad = j.finish(D1, H1, C1, OP1, RawJournal.RECV, 0, 0);
            j.closeHandle(D1, H1, C1);
            j.freed(D1, H1, C1, 0);
            j.cleanup();
        }
        assertOnly(Auditor.audit(dir), "A2", bad, D1, OP1);
    }

    @Test
    void opPendingAtCloseCompletingWith995ButBytesIsA2() throws Exception
    {
        final long bad;
        final Path dir = tmp.resolve("a2-bytes");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            j.connected(D1, H1, C1);
            j.posted(D1, H1, C1, OP1, RawJournal.RECV, 100);
            j.closeCalled(D1, H1, C1, 0);
            bad = j.finish(D1, H1, C1, OP1, RawJournal.RECV, 995, 100);
            j.closeHandle(D1, H1, C1);
            j.freed(D1, H1, C1, 0);
            j.cleanup();
        }
        assertOnly(Auditor.audit(dir), "A2", bad, D1, OP1);
    }

    @Test
    void successJournaledBeforeCloseIsNotA2() throws Exception
    {
        final Path dir = tmp.resolve("a2-ok");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            j.connected(D1, H1, C1);
            j.posted(D1, H1, C1, OP1, RawJournal.RECV, 100);
            j.finish(D1, H1, C1, OP1, RawJournal.RECV, 0, 100);
            j.closeAndFree(D1, H1, C1);
            j.cleanup();
        }
        assertEquals(0, Auditor.audit(dir).violationCount());
    }

    @Test
    void memoryReleasedAfterCompletionIsA3AtTheCompletion() throws Exception
    {
        final long bad;
        final Path dir = tmp.resolve("a3");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            j.connected(D1, H1, C1);
            j.posted(D1, H1, C1, OP1, RawJournal.SEND, 100);
            bad = j.completed(D1, H1, C1, OP1, RawJournal.SEND, 0, 100, UPCALL);
            j.released(D1, H1, C1, OP1, RawJournal.SEND);
            j.closeAndFree(D1, H1, C1);
            j.cleanup();
        }
        assertOnly(Auditor.audit(dir), "A3", bad, D1, OP1);
    }

    @Test
    void opPendingAtResetCompletingWith995IsA6() throws Exception
    {
        final long bad;
        final Path dir = tmp.resolve("a6");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            j.accepted(D1, H1, C1);
            j.posted(D1, H1, C1, OP1, RawJournal.RECV, 100);
            j.peerReset(D1, H1, C1);
            bad = j.finish(D1, H1, C1, OP1, RawJournal.RECV, 995, 0);
            j.closeAndFree(D1, H1, C1);
            j.cleanup();
        }
        assertOnly(Auditor.audit(dir), "A6", bad, D1, OP1);
    }

    // A4, A5, A7 -------------------------------------------------------------------------------------------------

    @Test
    void upcallAfterCloseHandleUpcallIsA4() throws Exception
    {
        final long bad;
        final Path dir = tmp.resolve("a4-upcall");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            j.connected(D1, H1, C1);
            j.posted(D1, H1, C1, OP1, RawJournal.RECV, 100);
            j.closeCalled(D1, H1, C1, 0);
            j.released(D1, H1, C1, OP1, RawJournal.RECV);
            j.closeHandle(D1, H1, C1);
            bad = j.completed(D1, H1, C1, OP1, RawJournal.RECV, 995, 0, UPCALL);
            j.freed(D1, H1, C1, 0);
            j.cleanup();
        }
        assertOnly(Auditor.audit(dir), "A4", bad, D1, OP1);
    }

    @Test
    void secondCloseHandleUpcallIsA4() throws Exception
    {
        final long bad;
        final Path dir = tmp.resolve("a4-second");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            j.closeCalled(D1, H1, 0, 0);
            j.closeHandle(D1, H1, 0);
            bad = j.closeHandle(D1, H1, 0);
            j.freed(D1, H1, 0, 0);
            j.cleanup();
        }
        assertOnly(Auditor.audit(dir), "A4", bad, D1, 0);
    }

    @Test
    void closeHandleUpcallBeforeCloseSocketIsA4() throws Exception
    {
        final long bad;
        final Path dir = tmp.resolve("a4-early");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            bad = j.closeHandle(D1, H1, 0);
            j.closeCalled(D1, H1, 0, 0);
            j.cleanup();
        }
        final AuditReport report = Auditor.audit(dir);
        // the close after the close-handle upcall is itself a record after it: two A4s, the first at the upcall
        assertEquals(2, report.count("A4"), report.summary());
        assertEquals(bad, report.violations().get(0).seq());
    }

    @Test
    void socketFreedBeforeCloseSocketIsA5() throws Exception
    {
        final long bad;
        final Path dir = tmp.resolve("a5");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            bad = j.freed(D1, H1, 0, 0);
            j.cleanup();
        }
        assertOnly(Auditor.audit(dir), "A5", bad, D1, 0);
    }

    @Test
    void recordOnAFreedDescriptorIsA7() throws Exception
    {
        final long bad;
        final Path dir = tmp.resolve("a7");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            j.connected(D1, H1, C1);
            j.closeAndFree(D1, H1, C1);
            j.rejected(D1, 10038);
            bad = j.posted(D1, H1, C1, OP1, RawJournal.SEND, 10);
            j.cleanup();
        }
        assertOnly(Auditor.audit(dir), "A7", bad, D1, OP1);
    }

    @Test
    void callOnAFreedDescriptorRejectedWithAnotherCodeIsA7() throws Exception
    {
        final long bad;
        final Path dir = tmp.resolve("a7-code");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            j.closeAndFree(D1, H1, 0);
            j.rejected(D1, 10038);
            bad = j.rejected(D1, 10057);
            j.cleanup();
            j.rejected(D1, 10093);
        }
        assertOnly(Auditor.audit(dir), "A7", bad, D1, 0);
    }

    // A8 ---------------------------------------------------------------------------------------------------------

    @Test
    void sequenceGapIsA8AtTheFirstRecordAfterIt() throws Exception
    {
        final long bad;
        final Path dir = tmp.resolve("a8-gap");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            j.skip(3);
            bad = j.closeCalled(D1, H1, 0, 0);
            j.closeHandle(D1, H1, 0);
            j.freed(D1, H1, 0, 0);
            j.cleanup();
        }
        final AuditReport report = assertOnly(Auditor.audit(dir), "A8", bad, D1, 0);
        assertTrue(report.violations().get(0).message().contains("expected 3, found 6"), report.summary());
    }

    @Test
    void malformedRecordInTheMiddleIsA8AtTheSequenceItShouldHaveHad() throws Exception
    {
        final long bad;
        final Path dir = tmp.resolve("a8-malformed");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            bad = j.corruptRec(JournalEvent.LISTENING, D1, H1);
            j.closeAndFree(D1, H1, 0);
            j.cleanup();
        }
        final AuditReport report = assertOnly(Auditor.audit(dir), "A8", bad, 0, 0);
        assertFalse(report.truncated());
        assertEquals(1, report.journals().get(0).malformed());
    }

    @Test
    void tornLastRecordIsTruncationNotAViolation() throws Exception
    {
        final Path dir = tmp.resolve("a8-torn");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            j.connected(D1, H1, C1);
            j.posted(D1, H1, C1, OP1, RawJournal.RECV, 100);
            j.corruptRec(JournalEvent.OP_POSTED, D1, H1);
        }
        final AuditReport report = Auditor.audit(dir);
        assertEquals(0, report.violationCount(), report.summary());
        assertTrue(report.truncated());
        assertEquals("pass", report.verdict());
        assertEquals(1, report.inFlightAtCrash());
        assertTrue(report.journals().get(0).truncationReason().contains("torn"), report.summary());
    }

    @Test
    void torntailMakesEvenACleanedUpNodeIncomplete() throws Exception
    {
        final Path dir = tmp.resolve("a8-torn-cleanup");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            j.created(D1, H1);
            j.connected(D1, H1, C1);
            j.posted(D1, H1, C1, OP1, RawJournal.RECV, 100);
            j.cleanup();
            j.document(new byte[] { 1, 2, 3 });
        }
        final AuditReport report = Auditor.audit(dir);
        assertEquals(0, report.violationCount(), report.summary());
        assertTrue(report.truncated());
        assertEquals(1, report.inFlightAtCrash());
    }

    // A9 ---------------------------------------------------------------------------------------------------------

    private void twoEnds(final Path client, final Path server, final boolean serverSeesReset, final boolean serverEnds)
    {
        try (RawJournal c = new RawJournal(client); RawJournal s = new RawJournal(server))
        {
            c.node(1).startup();
            s.node(2).startup();
            c.created(D1, H1);
            s.created(D2, H2);
            c.connected(D1, H1, C1);
            s.accepted(D2, H2, C1);
            c.closeAndFree(D1, H1, C1);
            if (serverSeesReset)
            {
                s.peerReset(D2, H2, C1);
            }
            c.cleanup();
            if (serverEnds)
            {
                s.cleanup();
            }
        }
    }

    @Test
    void closeWithNoResetJournaledOnTheOtherEndIsA9() throws Exception
    {
        final Path client = tmp.resolve("a9-client");
        final Path server = tmp.resolve("a9-server");
        twoEnds(client, server, false, true);
        final AuditReport report = Auditor.audit(client, server);
        final AuditViolation v = assertOnly(report, "A9", 4, D1, 0).violations().get(0);
        assertEquals(0, v.journal());
        assertEquals(1, v.node());
    }

    @Test
    void closeWithResetJournaledOnTheOtherEndPasses() throws Exception
    {
        final Path client = tmp.resolve("a9-ok-client");
        final Path server = tmp.resolve("a9-ok-server");
        twoEnds(client, server, true, true);
        assertEquals(0, Auditor.audit(client, server).violationCount());
    }

    @Test
    void otherEndThatDidNotRunToTheEndIsNotJudgedByA9() throws Exception
    {
        final Path client = tmp.resolve("a9-short-client");
        final Path server = tmp.resolve("a9-short-server");
        twoEnds(client, server, false, false);
        assertEquals(0, Auditor.audit(client, server).violationCount());
    }

    @Test
    void a9MatchesNodesWithinOneJournalToo() throws Exception
    {
        final Path dir = tmp.resolve("a9-one");
        final long close;
        try (RawJournal j = new RawJournal(dir))
        {
            j.node(1).startup();
            j.node(2).startup();
            j.node(1).created(D1, H1);
            j.node(2).created(D1, H2);
            j.node(1).connected(D1, H1, C1);
            j.node(2).accepted(D1, H2, C1);
            close = j.node(1).closeCalled(D1, H1, C1, 0);
            j.node(1).closeHandle(D1, H1, C1);
            j.node(1).freed(D1, H1, C1, 0);
            j.node(1).cleanup();
            j.node(2).cleanup();
        }
        assertOnly(Auditor.audit(dir), "A9", close, D1, 0);
    }

    // Report -----------------------------------------------------------------------------------------------------

    @Test
    void reportCapsStoredViolationsButCountsAll() throws Exception
    {
        final Path dir = tmp.resolve("many");
        try (RawJournal j = new RawJournal(dir))
        {
            j.startup();
            for (int i = 0; i < 150; i++)
            {
                j.skip(1);
                j.rejected(D1, 10038);
            }
        }
        final AuditReport report = Auditor.audit(dir);
        assertEquals(150, report.violationCount());
        assertEquals(Auditor.DEFAULT_MAX_STORED_VIOLATIONS, report.violations().size());
        assertEquals("fail", report.verdict());
        final String json = report.toJson();
        assertTrue(json.contains("\"verdict\": \"fail\""), json);
        assertTrue(json.contains("\"violation_count\": 150"), json);
        assertTrue(json.contains("\"A8\": 150"), json);
        assertTrue(report.summary().contains("and 50 more"), report.summary());
    }

    static AuditReport assertOnly(
        final AuditReport report, final String invariant, final long seq, final long descriptor, final long op)
    {
        assertEquals(1, report.violationCount(), report.summary());
        final AuditViolation v = report.violations().get(0);
        assertEquals(invariant, v.invariant(), report.summary());
        assertEquals(seq, v.seq(), report.summary());
        assertEquals(descriptor, v.descriptor(), report.summary());
        assertEquals(op, v.op(), report.summary());
        assertEquals("fail", report.verdict());
        assertTrue(report.toJson().contains("\"invariant\": \"" + invariant + "\""), report.toJson());
        return report;
    }
}
